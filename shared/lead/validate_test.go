package lead

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var at = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestValidateAcceptsAndNormalises(t *testing.T) {
	in := Input{Fields: map[string]string{
		"email": "  Maria.Schmidt@ACME.example ", "name": " Maria ", "country": "de", "consent": "on",
		"time_zone": "Europe/Berlin", "landing_page": "https://u:pw@www.example.com/demo?utm_source=li&gclid=x1#access_token=t0k", "campaign": "q4-demo",
		"referrer": "https://user:secret@search.example/results?q=maria+schmidt#frag",
		"message":  "line one\nline two",
	}, Answers: map[string]string{"crm": " Salesforce "}}
	ev := evidenceOf(t, "k1:first-secret-0123456789")
	s, err := Validate(in, RequestMeta{IP: "203.0.113.9", UserAgent: "UA", At: at, Evidence: ev})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"email":   {s.Email, "maria.schmidt@acme.example"},
		"name":    {s.Name, "Maria"},
		"country": {s.Country, "DE"},
		"answer":  {s.Answers["crm"], "Salesforce"},
		// No credentials nor fragment; a landing page keeps its query
		// (utm, click ids), another site's page does not.
		"page":     {s.Source.LandingPage, "https://www.example.com/demo?utm_source=li&gclid=x1"},
		"referrer": {s.Source.Referrer, "https://search.example/results"},
		"ip":       {s.Consent.IPHash, ev.Hash("203.0.113.9")},
		"ua":       {s.Consent.UserAgentHash, ev.Hash("UA")},
		"method":   {s.Consent.Method, ConsentByForm},
		"message":  {s.Message, "line one\nline two"},
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
		{"bidi override in name", map[string]string{"email": "a@b.example", "name": "Eve\u202egnp.exe"}, nil, "name", "contains a text-direction control character (U+202E)"},
		{"bidi isolate in company", map[string]string{"email": "a@b.example", "company": "Acme\u2067Corp"}, nil, "company", "contains a text-direction control character (U+2067)"},
		{"bidi override in an answer", map[string]string{"email": "a@b.example"}, map[string]string{"crm": "Sales\u202eecrof"}, "answers.crm", "contains a text-direction control character (U+202E)"},
		{"too long", map[string]string{"email": "a@b.example", "company": long}, nil, "company", "longer than 200 characters"},
		{"unknown field", map[string]string{"email": "a@b.example", "gradee": "A"}, nil, "gradee", "unknown field"},
		{"relative url", map[string]string{"email": "a@b.example", "landing_page": "/demo"}, nil, "landing_page", "must be an absolute http(s) URL"},
		{"javascript url", map[string]string{"email": "a@b.example", "referrer": "javascript:alert(1)"}, nil, "referrer", "must be an absolute http(s) URL"},
		{"bad campaign", map[string]string{"email": "a@b.example", "campaign": "Q4 Demo!"}, nil, "campaign", "must be lowercase letters, digits, - or _"},
		{"bad country", map[string]string{"email": "a@b.example", "country": "Germany"}, nil, "country", "must be a two-letter ISO 3166 country code"},
		{"bad zone", map[string]string{"email": "a@b.example", "time_zone": "Mars/Olympus"}, nil, "time_zone", "must be an IANA time zone such as Europe/Berlin"},
		{"bad consent", map[string]string{"email": "a@b.example", "consent": "maybe"}, nil, "consent", "must be true or false"},
		{"consent to an address SES cannot send to", map[string]string{"email": "josé@acme.example", "consent": "on"}, nil, "email",
			"has a letter beyond A–Z before the @, and our email service cannot send to such an address: to get our emails, give another address (or leave the consent box unticked)"},
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

func TestNormaliseEmail(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"ascii", "  Ann.Lee@ACME.example ", "ann.lee@acme.example"},
		{"unicode domain to punycode", "ann@bücher.example", "ann@xn--bcher-kva.example"},
		{"upper-case unicode domain", "ann@BÜCHER.example", "ann@xn--bcher-kva.example"},
		{"punycode domain stays", "ann@XN--BCHER-KVA.example", "ann@xn--bcher-kva.example"},
		{"fullwidth domain letters map to ascii", "ann@ａｃｍｅ.example", "ann@acme.example"},
		{"cyrillic domain, one script", "ann@пример.рф", "ann@xn--e1afmkfd.xn--p1ai"},
		{"japanese label mixing han, kana and latin", "ann@東京ストアabc.example", "ann@xn--abc-ii4boevdw19xmo2b.example"},
		{"digits and hyphens are no script", "ann-2@mail-01.пример.рф", "ann-2@mail-01.xn--e1afmkfd.xn--p1ai"},
		{"unicode local part, NFC", "jose\u0301@acme.example", "josé@acme.example"},
		{"greek in one label, latin in another", "ann@αβγ.acme.example", "ann@xn--mxacd.acme.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := NormaliseEmail(tt.raw)
			if got != tt.want || reason != "" {
				t.Fatalf("NormaliseEmail(%q) = %q, %q; want %q", tt.raw, got, reason, tt.want)
			}
		})
	}
}

func TestNormaliseEmailRefuses(t *testing.T) {
	tests := []struct {
		name, raw, reason string
	}{
		{"zero-width space", "ann\u200b@acme.example", "contains an invisible or text-direction character (U+200B)"},
		{"zero-width joiner in domain", "ann@ac\u200dme.example", "contains an invisible or text-direction character (U+200D)"},
		{"zero-width non-joiner", "an\u200cn@acme.example", "contains an invisible or text-direction character (U+200C)"},
		{"BOM", "\ufeffann@acme.example", "contains an invisible or text-direction character (U+FEFF)"},
		{"left-to-right mark", "ann@acme.example\u200e", "contains an invisible or text-direction character (U+200E)"},
		{"right-to-left mark", "ann\u200f@acme.example", "contains an invisible or text-direction character (U+200F)"},
		{"right-to-left override", "ann@\u202eelpmaxe.acme", "contains an invisible or text-direction character (U+202E)"},
		{"left-to-right embedding", "\u202aann@acme.example", "contains an invisible or text-direction character (U+202A)"},
		{"first strong isolate", "ann@acme\u2068.example", "contains an invisible or text-direction character (U+2068)"},
		{"pop directional isolate", "ann@acme.example\u2069", "contains an invisible or text-direction character (U+2069)"},
		{"soft hyphen", "ann@ac\u00adme.example", "contains an invisible or text-direction character (U+00AD)"},
		{"word joiner", "ann@acme\u2060.example", "contains an invisible or text-direction character (U+2060)"},
		{"no-break space", "ann\u00a0@acme.example", "contains an invisible or text-direction character (U+00A0)"},
		{"hangul filler", "ann\u3164@acme.example", "contains an invisible or text-direction character (U+3164)"},
		{"variation selector", "ann\ufe0f@acme.example", "contains an invisible or text-direction character (U+FE0F)"},
		{"replacement character", "ann\ufffd@acme.example", "contains an invisible or text-direction character (U+FFFD)"},
		{"not utf-8", "ann\xff@acme.example", "is not valid UTF-8"},
		{"latin and cyrillic in a domain label", "billing@p\u0430ypal.com", "mixes Cyrillic and Latin letters in one part of the domain (look-alike letters)"},
		{"the same as punycode", "billing@xn--pypal-4ve.com", "mixes Cyrillic and Latin letters in one part of the domain (look-alike letters)"},
		{"latin and cyrillic before the @", "p\u0430ypal@acme.example", "mixes Cyrillic and Latin letters before the @ (look-alike letters)"},
		{"latin and greek", "ann@g\u03bfogle.com", "mixes Greek and Latin letters in one part of the domain (look-alike letters)"},
		{"fullwidth letter before the @", "\uff41nn@acme.example", "uses a look-alike form of a character before the @ (U+FF41)"},
		{"mathematical letter before the @", "\U0001d41ann@acme.example", "uses a look-alike form of a character before the @ (U+1D41A)"},
		{"ligature before the @", "\ufb01nance@acme.example", "uses a look-alike form of a character before the @ (U+FB01)"},
		{"not a domain name", "ann@exa_mple.com", "is not a valid email address"},
		{"empty label", "ann@acme..example", "is not a valid email address"},
		{"hyphen at a label's edge", "ann@-acme.example", "is not a valid email address"},
		{"broken punycode", "ann@xn--zz.example", "is not a valid email address"},
		{"an IPv4 address for a domain", "ann@192.0.2.7", "is not a valid email address"},
		{"an all-digit top-level domain", "ann@acme.123", "is not a valid email address"},
		{"SES mailbox simulator", "bounce@simulator.amazonses.com", "is not an address mail can be delivered to (a test or reserved domain)"},
		{"reserved .invalid", "ann@acme.invalid", "is not an address mail can be delivered to (a test or reserved domain)"},
		{"reserved .test", "ann@mail.acme.test", "is not an address mail can be delivered to (a test or reserved domain)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := NormaliseEmail(tt.raw)
			if got != "" || reason != tt.reason {
				t.Fatalf("NormaliseEmail(%q) = %q, %q; want the reason %q", tt.raw, got, reason, tt.reason)
			}
		})
	}
}

// The same person typing the domain in Unicode or punycode, in any case,
// is one lead: one normalised address, one hash.
func TestUnicodeAndPunycodeDomainsAreOneLead(t *testing.T) {
	var hashes []string
	for _, raw := range []string{"Ann@Bücher.example", "ann@xn--bcher-kva.example", "ANN@XN--BCHER-KVA.EXAMPLE", "ann@bu\u0308cher.example"} {
		s, err := Validate(Input{Fields: map[string]string{"email": raw}}, RequestMeta{At: at})
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if s.Email != "ann@xn--bcher-kva.example" {
			t.Fatalf("%q stored as %q", raw, s.Email)
		}
		hashes = append(hashes, HashEmail(s.Email))
	}
	for _, h := range hashes[1:] {
		if h != hashes[0] {
			t.Fatalf("hashes differ: %v", hashes)
		}
	}
}

// A problem the decoder already named is not reported again by Validate
// (a broken email value is left out, and is not also "required").
func TestValidateReportsADecodedProblemOnce(t *testing.T) {
	_, err := Validate(Input{Fields: map[string]string{"name": "Ann"}, Errors: []FieldError{{"email", "is not valid UTF-8"}}}, RequestMeta{At: at})
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0] != (FieldError{"email", "is not valid UTF-8"}) {
		t.Fatalf("err = %v, want only the decoder's email problem", err)
	}
}

func TestValidateRefusesBrokenOrDeceptiveText(t *testing.T) {
	tests := []struct {
		name   string
		fields map[string]string
		answ   map[string]string
		want   []FieldError
	}{
		{"email not utf-8", map[string]string{"email": "ann\xc3@acme.example"}, nil, []FieldError{{"email", "is not valid UTF-8"}}},
		{"encoded surrogate in a field", map[string]string{"email": "a@b.example", "name": "Ann \xed\xa0\x80"}, nil, []FieldError{{"name", "is not valid UTF-8"}}},
		{"answer not utf-8", map[string]string{"email": "a@b.example"}, map[string]string{"crm": "Hub\xffSpot"}, []FieldError{{"answers.crm", "is not valid UTF-8"}}},
		{"invisible email", map[string]string{"email": "ann@acme\u200b.example"}, nil, []FieldError{{"email", "contains an invisible or text-direction character (U+200B)"}}},
		{"look-alike email", map[string]string{"email": "ann@p\u0430ypal.com"}, nil, []FieldError{{"email", "mixes Cyrillic and Latin letters in one part of the domain (look-alike letters)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate(Input{Fields: tt.fields, Answers: tt.answ}, RequestMeta{At: at})
			var ve *ValidationError
			if !errors.As(err, &ve) || fmt.Sprint(ve.Fields) != fmt.Sprint(tt.want) {
				t.Fatalf("err = %v, want exactly %v", err, tt.want)
			}
		})
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

// A landing page reached from a tracked email link carries the visitor
// token (?lf=…, links.VisitorParam) in its query; the lead keeps the
// page's query (utm_…, click ids) but not that token, which would travel
// on in the sales alert and to the CRM and lets whoever holds it post
// page views for the lead.
func TestStoredLandingPageDropsTheVisitorToken(t *testing.T) {
	s, err := Validate(Input{Fields: map[string]string{"email": "a@b.example",
		"landing_page": "https://leads.example.com/c/q4-demo?utm_source=email&lf=k1.AcDW1bcNBXZpc2l0AkwxAA.XqXbDy9P&gclid=x1",
		"referrer":     "https://www.example.com/pricing?lf=k1.abc.def"}}, RequestMeta{At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Source.LandingPage, "https://leads.example.com/c/q4-demo?gclid=x1&utm_source=email"; got != want {
		t.Errorf("landing page %q, want %q", got, want)
	}
	if got := s.Source.Referrer; got != "https://www.example.com/pricing" {
		t.Errorf("referrer %q", got)
	}
}

// TestAddressSESCannotSendToWithoutConsent: an address with a letter
// beyond ASCII before the @ is one sales can write to from their own
// mail client, so a form that asks for no email from us takes it.
func TestAddressSESCannotSendToWithoutConsent(t *testing.T) {
	s, err := Validate(Input{Fields: map[string]string{"email": "josé@acme.example", "message": "Call me"}}, RequestMeta{At: at})
	if err != nil || s.Email != "josé@acme.example" {
		t.Fatalf("Validate = %q, %v", s.Email, err)
	}
}
