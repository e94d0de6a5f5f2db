package lead

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var at = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestValidateAcceptsAndNormalises(t *testing.T) {
	in := Input{Fields: map[string]string{
		"email": "  Maria.Schmidt@ACME.example ", "name": " Maria ", "country": "de", "consent": "on",
		"time_zone": "Europe/Berlin", "landing_page": "https://www.example.com/demo", "campaign": "q4-demo",
		"message": "line one\nline two",
	}, Answers: map[string]string{"crm": " Salesforce "}}
	s, err := Validate(in, RequestMeta{IP: "203.0.113.9", UserAgent: "UA", At: at})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"email":   {s.Email, "maria.schmidt@acme.example"},
		"name":    {s.Name, "Maria"},
		"country": {s.Country, "DE"},
		"answer":  {s.Answers["crm"], "Salesforce"},
		"page":    {s.Source.LandingPage, "https://www.example.com/demo"},
		"ip":      {s.Consent.IP, "203.0.113.9"},
		"message": {s.Message, "line one\nline two"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if !s.Consent.MarketingOptIn || !s.Consent.At.Equal(at) || !s.Source.At.Equal(at) {
		t.Errorf("consent/attribution not recorded: %+v %+v", s.Consent, s.Source)
	}
}

func TestValidateRejects(t *testing.T) {
	long := strings.Repeat("x", 201)
	tests := []struct {
		name   string
		fields map[string]string
		answ   map[string]string
		field  string
		reason string
	}{
		{"missing email", map[string]string{"name": "A"}, nil, "email", "is required"},
		{"bad email", map[string]string{"email": "not-an-email"}, nil, "email", "is not a valid email address"},
		{"email with display name", map[string]string{"email": "Bob <bob@x.example>"}, nil, "email", "is not a valid email address"},
		{"email without dot domain", map[string]string{"email": "bob@localhost"}, nil, "email", "is not a valid email address"},
		{"header injection in name", map[string]string{"email": "a@b.example", "name": "Eve\r\nBcc: x@y.example"}, nil, "name", "contains control characters"},
		{"too long", map[string]string{"email": "a@b.example", "company": long}, nil, "company", "longer than 200 characters"},
		{"unknown field", map[string]string{"email": "a@b.example", "gradee": "A"}, nil, "gradee", "unknown field"},
		{"relative url", map[string]string{"email": "a@b.example", "landing_page": "/demo"}, nil, "landing_page", "must be an absolute http(s) URL"},
		{"javascript url", map[string]string{"email": "a@b.example", "referrer": "javascript:alert(1)"}, nil, "referrer", "must be an absolute http(s) URL"},
		{"bad campaign", map[string]string{"email": "a@b.example", "campaign": "Q4 Demo!"}, nil, "campaign", "must be lowercase letters, digits, - or _"},
		{"bad country", map[string]string{"email": "a@b.example", "country": "Germany"}, nil, "country", "must be a two-letter ISO 3166 country code"},
		{"bad zone", map[string]string{"email": "a@b.example", "time_zone": "Mars/Olympus"}, nil, "time_zone", "must be an IANA time zone such as Europe/Berlin"},
		{"bad consent", map[string]string{"email": "a@b.example", "consent": "maybe"}, nil, "consent", "must be true or false"},
		{"bad phone", map[string]string{"email": "a@b.example", "phone": "call me"}, nil, "phone", "must be digits with optional +, spaces, (), ., -"},
		{"bad answer key", map[string]string{"email": "a@b.example"}, map[string]string{"Budget Q": "x"}, "answers.Budget Q", "answer keys are 1-64 characters of a-z, 0-9 and _"},
		{"long answer", map[string]string{"email": "a@b.example"}, map[string]string{"q": strings.Repeat("y", 1001)}, "answers.q", "longer than 1000 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate(Input{Fields: tt.fields, Answers: tt.answ}, RequestMeta{At: at})
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err %T is not a *ValidationError", err)
			}
			for _, f := range ve.Fields {
				if f.Field == tt.field && f.Reason == tt.reason {
					return
				}
			}
			t.Fatalf("fields = %+v, want %s: %s", ve.Fields, tt.field, tt.reason)
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	_, err := Validate(Input{Fields: map[string]string{"email": "", "country": "xxx", "campaign": "BAD"}}, RequestMeta{At: at})
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 3 {
		t.Fatalf("want 3 field errors, got %v", err)
	}
	if ve.Fields[0].Field != "campaign" || ve.Fields[2].Field != "email" {
		t.Errorf("errors not sorted by field: %+v", ve.Fields)
	}
}

func TestTooManyAnswers(t *testing.T) {
	answers := map[string]string{}
	for i := 0; i <= MaxAnswers; i++ {
		answers["q"+strings.Repeat("a", i%5)+string(rune('a'+i%26))+strings.Repeat("b", i/26)] = "x"
	}
	_, err := Validate(Input{Fields: map[string]string{"email": "a@b.example"}, Answers: answers}, RequestMeta{At: at})
	if err == nil || !strings.Contains(err.Error(), "answers: at most 30 answers") {
		t.Fatalf("err = %v", err)
	}
}

func TestLogFieldNameKeepsKnownNamesAndHashesTheRest(t *testing.T) {
	jsonAsForm := `{"email":"ann@acme.example","phone":"+49 151 2345678"}`
	for _, c := range []struct {
		name, want string
		keep       bool
	}{
		{"email", "email", true},
		{"consent_text_version", "consent_text_version", true},
		{"answers", "answers", true},
		{"idempotency_key", "idempotency_key", true},
		{"answers.crm", "answers.crm", true},
		{"answers.team_size_2", "answers.team_size_2", true},
		{jsonAsForm, "", false},
		{"ann@acme.example", "", false},
		{"Ann Lee", "", false},
		{"answers.ann@acme.example", "answers.", false},
		{"answers.4915112345678", "answers.", false},
		{"answers.Ann Lee", "answers.", false},
		{"emial", "", false}, // a typo is unknown too: its name is what the client sent
	} {
		got := LogFieldName(c.name)
		if c.keep && got != c.want {
			t.Errorf("LogFieldName(%q) = %q, want it kept", c.name, got)
		}
		if !c.keep {
			if !strings.HasPrefix(got, c.want+"unknown(") || len(got) != len(c.want)+len("unknown(12345678)") {
				t.Errorf("LogFieldName(%q) = %q, want %sunknown(<8 hex>)", c.name, got, c.want)
			}
			if strings.Contains(got, "@") || strings.Contains(got, "ann") || strings.Contains(got, "2345678") {
				t.Errorf("LogFieldName(%q) = %q carries the name", c.name, got)
			}
		}
	}
	if LogFieldName(jsonAsForm) != LogFieldName(jsonAsForm) || LogFieldName("a") == LogFieldName("b") {
		t.Error("hashed names must be stable and distinct")
	}
}

func TestValidationErrorLogFieldsNeverQuoteTheClient(t *testing.T) {
	body := `{"email":"ann@acme.example","phone":"+49 151 2345678"}`
	_, err := Validate(Input{Fields: map[string]string{body: "", "phone": "call me maybe"}}, RequestMeta{At: at})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	// The client's answer names what it sent …
	if !strings.Contains(ve.Error(), "ann@acme.example") {
		t.Fatalf("the 400 must still name the field: %s", ve.Error())
	}
	// … the log line does not.
	logged := strings.Join(ve.LogFields(), "; ")
	for _, leak := range []string{"ann@acme.example", "ann", "2345678", "call me"} {
		if strings.Contains(logged, leak) {
			t.Errorf("log fields %q carry %q", logged, leak)
		}
	}
	if !strings.Contains(logged, "phone: must be digits") || !strings.Contains(logged, "email: is required") || !strings.Contains(logged, "unknown(") {
		t.Errorf("log fields lost the safe part: %q", logged)
	}
}
