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
		"ip":      {s.Consent.IPHash, HashValue("203.0.113.9")},
		"method":  {s.Consent.Method, ConsentByForm},
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
