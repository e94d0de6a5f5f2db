package campaign

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
)

func TestFullCampaignParses(t *testing.T) {
	c := mustParse(t, full)
	if c.ID != "q4-demo" || c.Name != "Q4 demo push — ops leaders" || c.Status != Live {
		t.Errorf("campaign = %q %q %q", c.ID, c.Name, c.Status)
	}
	if c.Spend == nil || *c.Spend != (Spend{1200, "EUR"}) {
		t.Errorf("spend = %+v", c.Spend)
	}
	want := []Variant{
		{ID: "a", Weight: 50, Headline: "See leadflow on your own funnel", Offer: "30-minute demo with your data", CTA: "Book my demo"},
		{ID: "b", Weight: 50, Headline: "Answer every hot lead in 5 minutes", Offer: "Free routing audit", CTA: "Get my audit"},
	}
	if !reflect.DeepEqual(c.Variants, want) {
		t.Errorf("variants = %+v", c.Variants)
	}
	f := c.Form
	if f.FormType != "demo_request" || f.ConsentVersion != "2026-09" || !strings.HasPrefix(f.ConsentText, "Send me") {
		t.Errorf("form = %q %q %q", f.FormType, f.ConsentVersion, f.ConsentText)
	}
	wantFields := []Field{
		{"email", "Work email", true}, {"name", "Name", false}, {"company", "Company", true},
		{"job_title", "Job title", false}, {"country", "Country code (e.g. DE)", false}, {"message", "What should the demo cover?", false},
	}
	if !reflect.DeepEqual(f.Fields, wantFields) {
		t.Errorf("fields = %+v", f.Fields)
	}
	var names []string
	for _, q := range f.Questions {
		names = append(names, q.InputName())
	}
	if got := strings.Join(names, " "); got != "company_size timeline answers[crm]" {
		t.Errorf("question inputs = %s", got)
	}
	if got := f.Questions[2].Choices; !reflect.DeepEqual(got, []string{"Salesforce", "HubSpot", "Pipedrive", "Other"}) {
		t.Errorf("choices = %q", got)
	}
	if c.ThankYouURL != "https://www.example.com/thanks" {
		t.Errorf("thank you = %q", c.ThankYouURL)
	}
}

func TestParseDefaults(t *testing.T) {
	src := `version: 1
id: tiny
name: Tiny
hypothesis: Short forms convert
variants: [{id: only, headline: Hi, cta: Go}]
form:
  form_type: newsletter
  consent_text: News please
  consent_version: v1
  fields: [name]
`
	c, err := Parse([]byte(src), "tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != Live || c.Spend != nil || c.ThankYouURL != "" {
		t.Errorf("defaults: status %q spend %v thanks %q", c.Status, c.Spend, c.ThankYouURL)
	}
	if v := c.Variants[0]; v.Weight != 1 || v.Offer != "" {
		t.Errorf("single variant without weight = %+v", v)
	}
	if got := c.Form.Fields; len(got) != 2 || got[0] != (Field{"email", "Work email", true}) || got[1].Name != "name" {
		t.Errorf("email is not added first and required: %+v", got)
	}
	// email listed later still comes first, with its own label
	c = mustParseNamed(t, strings.Replace(src, "fields: [name]", "fields: [name, {field: email, label: Email}]", 1), "tiny.yaml")
	if got := c.Form.Fields; got[0] != (Field{"email", "Email", true}) {
		t.Errorf("fields = %+v", got)
	}
	// no file name to match: any id
	if _, err := Parse([]byte(src), ""); err != nil {
		t.Errorf("without a file name: %v", err)
	}
	if _, err := Parse([]byte(src), "config/campaigns/tiny.yml"); err != nil {
		t.Errorf("with a path: %v", err)
	}
}

func mustParseNamed(t *testing.T, src, name string) *Campaign {
	t.Helper()
	c, err := Parse([]byte(src), name)
	if err != nil {
		t.Fatalf("%v\n%s", err, numbered(src))
	}
	return c
}

// TestValidationLines breaks one thing at a time and checks the message
// and the exact line it points at: the line holding marker after the edit.
func TestValidationLines(t *testing.T) {
	const variantB = `{id: b, weight: 50, headline: "Answer every hot lead in 5 minutes", offer: "Free routing audit", cta: "Get my audit"}`
	const crm = `{id: crm, label: "Which CRM do you use?", choices: [Salesforce, HubSpot, Pipedrive, Other]}`
	tests := []struct{ Name, Old, New, Marker, Want string }{
		{"unknown top-level field", "hypothesis:", "hypotesis:", "hypotesis",
			`unknown field "hypotesis" (did you mean "hypothesis"?)`},
		{"missing top-level field", "hypothesis:", "# hypothesis:", "version",
			`missing hypothesis`},
		{"unknown variant field", `cta: "Get my audit"`, `ctaa: "Get my audit"`, `ctaa: "Get`,
			`unknown field "ctaa" in variants[1] (did you mean "cta"?)`},
		{"unknown form field key", "consent_version:", "consent_versoin:", "consent_versoin",
			`unknown field "consent_versoin" in form (did you mean "consent_version"?)`},
		{"bad campaign slug", "id: q4-demo", "id: Q4 Demo", "Q4 Demo",
			`id: campaign id "Q4 Demo" must be 1-64 lowercase letters, digits, - or _, starting with a letter or digit (like q4-demo)`},
		{"slug starting with a dash", "id: q4-demo", "id: -q4", "-q4",
			`id: campaign id "-q4" must be 1-64 lowercase letters`},
		{"id does not match the file", "id: q4-demo", "id: q4-demos", "q4-demos",
			`id "q4-demos" does not match the file name "q4-demo.yaml" (name the file q4-demos.yaml, or change the id)`},
		{"duplicate variant id", "{id: b,", "{id: a,", `{id: a, weight: 50, headline: "Answer`,
			`variants[1]: duplicate variant id "a" (first at line 8)`},
		{"bad variant slug", "{id: b,", "{id: B!,", "B!",
			`variants[1].id: variant id "B!" must be 1-64 lowercase letters`},
		{"weight zero", variantB, strings.Replace(variantB, "weight: 50", "weight: 0", 1), "weight: 0",
			`variants[1].weight: must be a positive whole number, got "0"`},
		{"weight negative", variantB, strings.Replace(variantB, "weight: 50", "weight: -5", 1), "weight: -5",
			`variants[1].weight: must be a positive whole number, got "-5"`},
		{"weight fraction", variantB, strings.Replace(variantB, "weight: 50", "weight: 12.5", 1), "weight: 12.5",
			`variants[1].weight: must be a positive whole number, got "12.5"`},
		{"weight not a number", variantB, strings.Replace(variantB, "weight: 50", "weight: lots", 1), "weight: lots",
			`variants[1].weight: expected a whole number, got "lots"`},
		{"weight too big", variantB, strings.Replace(variantB, "weight: 50", "weight: 9999999", 1), "weight: 9999999",
			`variants[1].weight: at most 1000000, got 9999999`},
		{"missing weight in an A/B test", variantB, strings.Replace(variantB, "weight: 50, ", "", 1), `{id: b,`,
			`variants[1]: missing weight (every variant of an A/B test needs one, such as weight: 50)`},
		{"missing headline", variantB, strings.Replace(variantB, `headline: "Answer every hot lead in 5 minutes", `, "", 1), `{id: b,`,
			`variants[1]: missing headline`},
		{"headline on two lines", `headline: "Answer every`, `headline: "Answer\nevery`, `headline: "Answer\n`,
			`variants[1].headline: must be one line without control characters`},
		{"empty cta", `cta: "Get my audit"`, `cta: ""`, `cta: ""`,
			`variants[1].cta: empty (write the text, or leave the field out if it is optional)`},
		{"no variants", "variants:\n  - {id: a", "variants: []\nx:\n  - {id: a", "variants: []",
			`variants: no variants (give at least one, with id, headline and cta)`},
		{"variants not a list", "variants:\n  - {id: a", "variants: a\nx:\n  - {id: a", "variants: a",
			`variants: expected a list (lines starting with -), got "a"`},
		{"unknown standard field", "job_title, country", "jobtitle, country", "jobtitle",
			`form.fields: unknown field "jobtitle" (did you mean "job_title"?)`},
		{"unknown field without a suggestion", "job_title, country", "favourite_colour, country", "favourite_colour",
			`form.fields: unknown field "favourite_colour" (fields: email, name, company, job_title, phone, company_size, industry, country, budget, timeline, message; ask anything else as a question)`},
		{"page field in fields", "job_title, country", "job_title, utm_source", "utm_source",
			`form.fields: "utm_source" is not asked as a text field (the page fills it in)`},
		{"consent in fields", "job_title, country", "job_title, consent", "job_title, consent",
			`form.fields: "consent" is not asked as a text field (the consent checkbox is always on the form; set its text with consent_text)`},
		{"field listed twice", "job_title, country", "job_title, name", "job_title, name",
			`form.fields: name is listed twice (first at line 14)`},
		{"unknown field key in fields", "{field: message,", "{fiel: message,", "fiel:",
			`unknown field "fiel" in form.fields[5] (did you mean "field"?)`},
		{"required not asked", "required: [email, company]", "required: [email, phone]", "required:",
			`form.required: "phone" is not in form.fields or form.questions (the form asks email, name, company, job_title, country, message, company_size, timeline, crm)`},
		{"required misspelt", "required: [email, company]", "required: [email, compnay]", "required:",
			`form.required: "compnay" is not in form.fields or form.questions (did you mean "company"?)`},
		{"required twice", "required: [email, company]", "required: [company, company]", "required:",
			`form.required: company is listed twice (first at line 15)`},
		{"question id with a dash", "{id: crm,", "{id: my-crm,", "my-crm",
			`form.questions[2].id: question id "my-crm" must be 1-64 lowercase letters, digits or _, starting with a letter or digit (it is sent as answers[my-crm]), like crm`},
		{"question id too long", "{id: crm,", "{id: " + strings.Repeat("x", 65) + ",", "xxx",
			`form.questions[2].id: question id "xxxxxxxx`},
		{"question id a standard field", "{id: crm,", "{id: email,", "{id: email",
			`form.questions[2].id: "email" is a standard field that cannot be a multiple-choice question`},
		{"question also a field", "job_title, country", "job_title, timeline", "{id: timeline",
			`form.questions[1]: timeline is also in form.fields (line 14); ask it once`},
		{"duplicate question id", crm, strings.Replace(crm, "{id: crm", "{id: timeline", 1), `{id: timeline, label: "Which CRM`,
			`form.questions[2]: duplicate question id "timeline" (first at line 18)`},
		{"empty choices", crm, strings.Replace(crm, "[Salesforce, HubSpot, Pipedrive, Other]", "[]", 1), `{id: crm`,
			`form.questions[2].choices: give at least two choices`},
		{"one choice", crm, strings.Replace(crm, "[Salesforce, HubSpot, Pipedrive, Other]", "[Salesforce]", 1), `{id: crm`,
			`form.questions[2].choices: give at least two choices`},
		{"missing choices", crm, strings.Replace(crm, `, choices: [Salesforce, HubSpot, Pipedrive, Other]`, "", 1), `{id: crm`,
			`form.questions[2]: missing choices`},
		{"duplicate choice", crm, strings.Replace(crm, "Other]", "HubSpot]", 1), `{id: crm`,
			`form.questions[2].choices: "HubSpot" is listed twice (first at line 19)`},
		{"empty choice", crm, strings.Replace(crm, "Other]", `""]`, 1), `{id: crm`,
			`form.questions[2].choices[3]: empty value`},
		{"choice too long for the field", `"1000+"]`, `"1000+", "` + strings.Repeat("1", 41) + `"]`, `{id: company_size`,
			`form.questions[0]: choice "11111111111111111111111111111111111111111" is longer than 40 characters, the most company_size accepts`},
		{"choices too long together", crm, crm + longQuestions(5, 900), "  questions:",
			`form.questions: the longest choices add 4676 bytes to every post, at most 4096 (the API takes 64 KiB per lead, and people need room to type)`},
		{"bad thank-you URL", "https://www.example.com/thanks", "www.example.com/thanks", "www.example.com/thanks",
			`thank_you_url: must be an absolute http(s) URL such as https://www.example.com/thanks, got "www.example.com/thanks"`},
		{"javascript thank-you URL", "https://www.example.com/thanks", "javascript:alert(1)", "javascript",
			`thank_you_url: must be an absolute http(s) URL`},
		{"plain http privacy URL", "https://www.example.com/privacy", "http://www.example.com/privacy", "http://www.example.com/privacy",
			`privacy_url: must be an https URL (a privacy notice is not served over plain http), got "http://www.example.com/privacy"`},
		{"relative privacy URL", "https://www.example.com/privacy", "/privacy", "/privacy",
			`privacy_url: must be an absolute http(s) URL`},
		{"unknown status", "status: live", "status: pasued", "pasued",
			`status: unknown status "pasued" (did you mean "paused"?)`},
		{"bad currency", "currency: EUR", "currency: euro", "currency: euro",
			`spend.currency: "euro" must be a three-letter ISO 4217 code in capitals, like EUR or USD`},
		{"negative spend", "amount: 1200", "amount: -1200", "amount: -1200",
			`spend.amount: must be between 0 and 1000000000000, got -1200`},
		{"spend beyond any budget", "amount: 1200", "amount: 1.2e13", "amount: 1.2e13",
			`spend.amount: must be between 0 and 1000000000000, got 12000000000000`},
		{"spend not a number", "amount: 1200", "amount: lots", "amount: lots",
			`spend.amount: expected a number, got "lots"`},
		{"spend without currency", "{amount: 1200, currency: EUR}", "{amount: 1200}", "spend:",
			`spend: missing currency`},
		{"bad form type", "form_type: demo_request", "form_type: Demo Request", "Demo Request",
			`form.form_type: form type "Demo Request" must be 1-64 lowercase letters`},
		{"consent version too long", `consent_version: "2026-09"`, `consent_version: "` + strings.Repeat("v", 41) + `"`, "consent_version",
			`form.consent_version: longer than 40 characters (41)`},
		{"missing consent text", "  consent_text: \"Send me occasional product news. I can unsubscribe at any time.\"\n", "", "form:",
			`form: missing consent_text`},
		{"unsupported version", "version: 1", "version: 2", "version: 2",
			`unsupported version "2" (this build reads version 1)`},
		{"YAML syntax", `cta: "Get my audit"}`, `cta: "Get my audit"`, "{id: b,",
			"YAML syntax: did not find expected ',' or '}'"},
	}
	yamltest.CheckEdits(t, full, "q4-demo.yaml", ErrInvalid, func(b []byte, file string) error {
		_, err := Parse(b, file)
		return err
	}, tests)
}

// A broken field or question is reported once, not again by required.
func TestValidationDoesNotCascade(t *testing.T) {
	src := strings.Replace(full, "job_title, country", "job_title, countri", 1)
	src = strings.Replace(src, "required: [email, company]", "required: [email, company, countri, crm]", 1)
	src = strings.Replace(src, "[Salesforce, HubSpot, Pipedrive, Other]", "[]", 1)
	_, err := Parse([]byte(src), "q4-demo.yaml")
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *ConfigError", err)
	}
	if len(ce.Problems) != 2 {
		t.Errorf("want 2 problems (the field and the choices), got:\n%v", err)
	}
}

func TestValidationCollectsEveryProblemInFileOrder(t *testing.T) {
	src := full
	src = strings.Replace(src, "thank_you_url: https://", "thank_you_url: ftp://", 1)
	src = strings.Replace(src, "status: live", "status: on", 1)
	src = strings.Replace(src, "{id: b, weight: 50", "{id: b, weight: 0", 1)
	src = strings.Replace(src, "job_title, country", "job_title, land", 1)
	_, err := Parse([]byte(src), "q4-demo.yaml")
	yamltest.InFileOrder(t, err, 4)
}

func TestParseRejectsNonCampaigns(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty", "", "c.yaml:1: empty campaign"},
		{"comment only", "# nothing\n", "c.yaml:1: empty campaign"},
		{"scalar", "hello", `c.yaml:1: expected a mapping of fields, got "hello"`},
		{"list", "- a\n", "c.yaml:1: expected a mapping of fields, got a list"},
		{"version only", "version: 1\n", "c.yaml:1: missing id"},
		{"anchor loop", "a: &a [*a]\nversion: *a\n", "c.yaml:"},
		{"tab indentation", "version: 1\n\tid: x\n", "c.yaml:2: YAML syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "c.yaml")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want %s…", err, tt.want)
			}
		})
	}
}

// longQuestions are n more questions, each with a choice of size bytes.
func longQuestions(n, size int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "\n    - {id: long%d, label: Long, choices: [x, \"%s\"]}", i, strings.Repeat("y", size))
	}
	return b.String()
}
