package campaign

import (
	"bytes"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/lead"
)

// Transport fields of the capture API's form decoding (shared/capture):
// the honeypot and the idempotency token.
const (
	honeypotField = "fax"
	idemField     = "_idem"
)

// sampleValue is what a person types into a standard field; atLimit fills
// the field up to its maxlength instead.
func sampleValue(name string, max int, atLimit bool) string {
	if atLimit {
		switch name {
		case "email":
			return strings.Repeat("a", max-len("@acme.example")) + "@acme.example"
		case "country":
			return "DE"
		case "phone":
			return "+" + strings.Repeat("1", max-1)
		}
		return strings.Repeat("é", max)
	}
	return map[string]string{
		"email": "ann@acme.example", "name": "Ann Lee", "company": "Acme GmbH", "job_title": "Head of Operations",
		"phone": "+49 (30) 123-456", "country": "de", "message": "Line one\r\nline two", "company_size": "201-1000",
		"industry": "Software", "budget": "€20k", "timeline": "Q1",
	}[name]
}

// post builds the values a browser posts for a form a person filled in
// completely: every text field, the choice at index pick (modulo) of
// every group and select, the consent box ticked, the honeypot empty.
func post(t *testing.T, f scannedForm, pick int, atLimit bool) url.Values {
	t.Helper()
	vals := url.Values{}
	radios := map[string][]string{}
	var order []string
	for _, c := range f.controls {
		switch {
		case c.tag == "textarea" || (c.tag == "input" && (c.typ == "text" || c.typ == "email" || c.typ == "tel")):
			v := ""
			if c.name != honeypotField {
				v = sampleValue(c.name, c.max, atLimit)
				if v == "" {
					t.Fatalf("no sample value for text control %q", c.name)
				}
			}
			vals.Add(c.name, v)
		case c.tag == "input" && c.typ == "hidden":
			vals.Add(c.name, c.value)
		case c.tag == "input" && c.typ == "checkbox":
			vals.Add(c.name, c.value)
		case c.tag == "input" && c.typ == "radio":
			if _, seen := radios[c.name]; !seen {
				order = append(order, c.name)
			}
			radios[c.name] = append(radios[c.name], c.value)
		case c.tag == "select":
			if len(c.options) < 3 || c.options[0] != "" {
				t.Fatalf("select %s: want an empty prompt and at least two choices, got %q", c.name, c.options)
			}
			choices := c.options[1:]
			vals.Add(c.name, choices[pick%len(choices)])
		default:
			t.Fatalf("unexpected control %+v", c)
		}
	}
	for _, name := range order {
		vals.Add(name, radios[name][pick%len(radios[name])])
	}
	return vals
}

// accepted checks every posted name is one the capture API takes and
// that the submission passes lead validation, decoding the way the
// capture API's form decoder does.
func accepted(t *testing.T, vals url.Values) {
	t.Helper()
	in := lead.Input{Fields: map[string]string{}, Answers: map[string]string{}}
	for name, vs := range vals {
		if len(vs) != 1 {
			t.Errorf("%s posted %d times", name, len(vs))
		}
		v := vs[len(vs)-1]
		switch {
		case name == honeypotField:
			if v != "" {
				t.Errorf("honeypot filled: %q", v)
			}
		case name == idemField:
			if len(v) > 255 {
				t.Errorf("_idem is %d bytes", len(v))
			}
		case strings.HasPrefix(name, "answers[") && strings.HasSuffix(name, "]"):
			in.Answers[name[len("answers["):len(name)-1]] = v
		case lead.IsField(name):
			in.Fields[name] = v
		default:
			t.Errorf("the form posts %q, which the capture API does not accept", name)
		}
	}
	if _, err := lead.Validate(in, lead.RequestMeta{}); err != nil {
		t.Errorf("the capture API would refuse this submission: %v", err)
	}
}

// checkForm is the whole contract for one rendered form.
func checkForm(t *testing.T, c *Campaign, doc string, wantAction string, hidden map[string]string) {
	t.Helper()
	f := scanForm(t, doc)
	if f.action != wantAction || f.method != "post" {
		t.Errorf("form posts %s to %q, want post to %q", f.method, f.action, wantAction)
	}
	if f.buttons != 1 {
		t.Errorf("%d submit buttons", f.buttons)
	}
	ids := map[string]bool{}
	names := map[string]formControl{}
	for _, ctl := range f.controls {
		if ctl.typ == "hidden" {
			if _, dup := names[ctl.name]; dup {
				t.Errorf("hidden field %s twice", ctl.name)
			}
			names[ctl.name] = ctl
			continue
		}
		if ctl.id == "" || ids[ctl.id] {
			t.Errorf("control %s: missing or repeated id %q", ctl.name, ctl.id)
		}
		ids[ctl.id] = true
		if f.labels[ctl.id] == "" {
			t.Errorf("control %s (#%s) has no label", ctl.name, ctl.id)
		}
		if ctl.typ == "radio" && !ctl.inGroup {
			t.Errorf("radio %s is not in a fieldset with a legend", ctl.name)
		}
		if _, seen := names[ctl.name]; !seen || ctl.typ != "radio" {
			names[ctl.name] = ctl
		}
	}
	// every field and question of the config is on the form, with its label
	for _, fd := range c.Form.Fields {
		ctl, ok := names[fd.Name]
		if !ok {
			t.Errorf("field %s is not on the form", fd.Name)
			continue
		}
		if got := strings.TrimSuffix(f.labels[ctl.id], " *"); got != fd.Label {
			t.Errorf("field %s: label %q, want %q", fd.Name, got, fd.Label)
		}
		if ctl.required != fd.Required {
			t.Errorf("field %s: required %v, want %v", fd.Name, ctl.required, fd.Required)
		}
	}
	for _, q := range c.Form.Questions {
		ctl, ok := names[q.InputName()]
		if !ok {
			t.Errorf("question %s is not on the form", q.ID)
			continue
		}
		if ctl.required != q.Required {
			t.Errorf("question %s: required %v, want %v", q.ID, ctl.required, q.Required)
		}
		if !strings.Contains(doc, ">"+escapeText(q.Label)) {
			t.Errorf("question %s: label %q not on the form", q.ID, q.Label)
		}
	}
	if ctl, ok := names["consent"]; !ok || ctl.typ != "checkbox" || ctl.value != "true" || ctl.required {
		t.Errorf("consent checkbox = %+v", ctl)
	}
	if ctl, ok := names[honeypotField]; !ok || ctl.required {
		t.Errorf("honeypot = %+v", ctl)
	}
	for name, want := range hidden {
		ctl, ok := names[name]
		switch {
		case want == "" && ok:
			t.Errorf("hidden %s = %q, want none", name, ctl.value)
		case want != "" && (!ok || ctl.typ != "hidden" || ctl.value != want):
			t.Errorf("hidden %s = %+v, want %q", name, ctl, want)
		}
	}
	// a person who fills everything in: every name accepted, the lead valid,
	// with each choice of every question, and with every field at its limit
	for pick := range 8 {
		vals := post(t, f, pick, pick == 7)
		accepted(t, vals)
		if size := len(vals.Encode()); pick < 7 && size > maxBody {
			t.Errorf("a typical post is %d bytes, over the API's %d", size, maxBody)
		}
	}
	// and one who fills only the required fields
	minimal := url.Values{}
	for k, v := range post(t, f, 0, false) {
		if ctl := names[k]; ctl.typ == "hidden" || ctl.required || k == honeypotField {
			minimal[k] = v
		}
	}
	accepted(t, minimal)
}

func escapeText(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		case '+':
			b.WriteString("&#43;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// everything asks every standard field as text and a question of every
// kind; choices asks the standard fields that may be questions as
// questions, one of them as a select. Both are checked by
// TestFormsOnlyPostWhatTheAPIAccepts, with full and the examples.
const everything = `version: 1
id: everything
name: Everything
hypothesis: A long form still converts
variants: [{id: only, headline: "All of it", cta: Send}]
form:
  form_type: contact
  consent_text: "Yes, email me"
  consent_version: "v1"
  fields: [name, company, job_title, phone, company_size, industry, country, budget, message]
  required: [name, phone, message, timeline, plan]
  questions:
    - {id: timeline, label: Timeline, choices: [now, later]}
    - {id: plan, label: "Plan & <seats>?", choices: ["Team \"S\"", "Scale <10>", "Enterprise 'E' & co"]}
    - {id: tools, label: Tools, choices: [a, b, c, d, e, f, g, h]}
    - {id: q_2, label: Two, choices: ["  padded  ", "x"]}
`

const choices = `version: 1
id: choices
name: Choices
hypothesis: Clicking beats typing
variants: [{id: a, weight: 1, headline: "Pick", cta: Go}, {id: b, weight: 3, headline: "Choose", cta: Go}]
form:
  form_type: contact
  consent_text: "Yes, email me"
  consent_version: "v1"
  fields: [email]
  required: [industry, company_size]
  questions:
    - {id: company_size, label: Size, choices: ["1-10", "11-50", "51-200", "201-1000", "1000+"]}
    - {id: industry, label: Industry, choices: [Software, Retail, Manufacturing, Finance, Health, Public sector, Education, Other]}
    - {id: budget, label: Budget, choices: ["< €5k", "€5k–€20k", "> €20k"]}
    - {id: timeline, label: Timeline, choices: [now, later]}
`

func TestFormsOnlyPostWhatTheAPIAccepts(t *testing.T) {
	set, err := LoadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	cs := set.All()
	cs = append(cs, mustParse(t, full), mustParseNamed(t, everything, "everything.yaml"), mustParseNamed(t, choices, "choices.yaml"))
	for _, c := range cs {
		for _, v := range c.Variants {
			t.Run(c.ID+"/"+v.ID, func(t *testing.T) {
				p := samplePageData(v)
				var b bytes.Buffer
				if err := c.RenderPage(&b, p); err != nil {
					t.Fatal(err)
				}
				checkForm(t, c, b.String(), p.Action, map[string]string{
					"campaign": c.ID, "variant": v.ID, "form_type": c.Form.FormType,
					"consent_text_version": c.Form.ConsentVersion, "_idem": p.Idem,
					"landing_page": p.LandingPage, "referrer": p.Referrer,
					"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "q4-demo", "utm_term": "",
				})
				snip, err := c.VariantSnippet("https://api.example.com/prod/", v.ID)
				if err != nil {
					t.Fatal(err)
				}
				checkForm(t, c, snip, "https://api.example.com/prod/leads", map[string]string{
					"campaign": c.ID, "variant": v.ID, "form_type": c.Form.FormType,
					"consent_text_version": c.Form.ConsentVersion, "_idem": "", "landing_page": "", "referrer": "",
				})
			})
		}
	}
}

// The fixtures really hold every input and every control kind, so the
// form test cannot silently test less.
func TestFixturesCoverEveryControl(t *testing.T) {
	asked := map[string]bool{}
	kinds := map[string]bool{}
	for _, src := range []string{everything, choices} {
		c, err := Parse([]byte(src), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, ct := range c.form(false, "/leads", c.Variants[0], nil).Controls {
			asked[ct.Name], kinds[ct.Kind] = true, true
		}
	}
	for _, name := range inputOrder {
		if !asked[name] {
			t.Errorf("no fixture asks %s", name)
		}
	}
	for name := range questionFields {
		if !asked[name] {
			t.Errorf("no fixture asks %s", name)
		}
	}
	for _, k := range []string{"input", "textarea", "radio", "select"} {
		if !kinds[k] {
			t.Errorf("no fixture has a %s", k)
		}
	}
}

func TestEveryStandardInputIsCovered(t *testing.T) {
	var missing []string
	for _, name := range inputOrder {
		if sampleValue(name, inputs[name].max, false) == "" {
			missing = append(missing, name)
		}
		if !lead.IsField(name) {
			t.Errorf("%s is asked but is not a lead field", name)
		}
	}
	if len(inputs) != len(inputOrder) {
		t.Errorf("inputs and inputOrder differ")
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no sample value for %v", missing)
	}
	// maxlength mirrors the API's limits: one more character is refused
	for name, in := range inputs {
		if name == "email" || name == "country" {
			continue // their format already bounds them
		}
		v := sampleValue(name, in.max+1, true)
		_, err := lead.Validate(lead.Input{Fields: map[string]string{"email": "a@b.example", name: v}}, lead.RequestMeta{})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("longer than %d", in.max)) {
			t.Errorf("%s: maxlength %d is not the API's limit (%d characters gave %v)", name, in.max, in.max+1, err)
		}
	}
}
