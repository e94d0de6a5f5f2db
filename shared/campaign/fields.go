package campaign

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// input is how a standard lead field is asked. max mirrors the capture
// API's limit for the field (shared/lead), so a browser never posts a value
// the API refuses for its length; the form tests check every field against
// lead.Validate.
type input struct {
	label        string
	typ          string // input type; "" for a textarea
	autocomplete string
	pattern      string // mirrors lead's format check, for the browser's own validation
	title        string // what pattern asks for, in words
	max          int
}

// inputs are the standard lead fields a form may ask as text.
var inputs = map[string]input{
	"email":        {label: "Work email", typ: "email", autocomplete: "email", max: 254},
	"name":         {label: "Name", typ: "text", autocomplete: "name", max: 200},
	"company":      {label: "Company", typ: "text", autocomplete: "organization", max: 200},
	"job_title":    {label: "Job title", typ: "text", autocomplete: "organization-title", max: 200},
	"phone":        {label: "Phone", typ: "tel", autocomplete: "tel", max: 40, pattern: `\+?[0-9 \(\)\.\/\-]{3,}`, title: "Digits, with optional +, spaces, brackets, dots, slashes or dashes"},
	"company_size": {label: "Company size", typ: "text", max: 40},
	"industry":     {label: "Industry", typ: "text", max: 100},
	"country":      {label: "Country code (e.g. DE)", typ: "text", autocomplete: "country", max: 2, pattern: `[A-Za-z]{2}`, title: "Two-letter country code, such as DE, FR or US"},
	"budget":       {label: "Budget", typ: "text", max: 100},
	"timeline":     {label: "Timeline", typ: "text", max: 100},
	"message":      {label: "Message", max: 5000},
}

// inputOrder lists inputs for messages, in the capture API's order.
var inputOrder = []string{"email", "name", "company", "job_title", "phone", "company_size", "industry", "country", "budget", "timeline", "message"}

// Limits on what the config's own text may be. Values sent in the form
// follow the capture API's limits: campaign, variant and form_type are
// slugs of at most 64, consent_text_version at most 40.
const (
	maxSlug        = 64
	maxConsentVer  = 40
	maxName        = 200
	maxHypothesis  = 1000
	maxHeadline    = 200
	maxOffer       = 1000
	maxCTA         = 60
	maxLabel       = 200
	maxConsentText = 1000
	maxURL         = 2048
	maxWeight      = 1_000_000
	maxVariants    = 26
	maxQuestions   = 30 // lead.MaxAnswers bounds the answers[...] ones
	maxChoices     = 50
	// maxBody is the capture API's limit on a request body (capture.MaxBody).
	maxBody = 64 << 10
	// maxChoicesSize bounds what the choices of a form add to a post, so
	// the config leaves most of maxBody to what people type.
	maxChoicesSize = 4 << 10
	// radioLimit is the most choices shown as radio buttons; longer
	// lists become a select, which stays short on a phone.
	radioLimit = 6
)

// Label is what a visitor saw for a field the capture API names in its
// answers (email, company_size, answers.crm): the label of c's form when
// it asks the field, else the standard label (Work email, Company size,
// Country, …), else the name made readable ("answers.role_focus" → "Role
// focus"). c may be nil (a post of no known campaign).
func (c *Campaign) Label(field string) string {
	key, isAnswer := strings.CutPrefix(field, "answers.")
	if c != nil {
		for _, fd := range c.Form.Fields {
			if !isAnswer && fd.Name == field {
				return fd.Label
			}
		}
		for _, q := range c.Form.Questions {
			if (isAnswer && !questionFields[q.ID] && q.ID == key) || (!isAnswer && questionFields[q.ID] && q.ID == field) {
				return q.Label
			}
		}
	}
	if l, ok := standardLabels[field]; ok {
		return l
	}
	if in, ok := inputs[field]; ok {
		return in.label
	}
	s := strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(key))
	if s == "" {
		return field
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// Position is where c's form asks a field the capture API names (email,
// company_size, answers.crm): its index among the form's fields, then its
// questions; -1 when the form does not ask it (or c is nil). Messages
// about several fields list them in this order, as a person met them.
func (c *Campaign) Position(field string) int {
	if c == nil {
		return -1
	}
	key, isAnswer := strings.CutPrefix(field, "answers.")
	for i, fd := range c.Form.Fields {
		if !isAnswer && fd.Name == field {
			return i
		}
	}
	for i, q := range c.Form.Questions {
		if (isAnswer && !questionFields[q.ID] && q.ID == key) || (!isAnswer && questionFields[q.ID] && q.ID == field) {
			return len(c.Form.Fields) + i
		}
	}
	return -1
}

// standardLabels name the fields whose input label says more than a name
// (or that no input asks) in messages to a visitor.
var standardLabels = map[string]string{
	"country":              "Country",
	"consent":              "Marketing consent checkbox",
	"consent_text_version": "Consent text version",
	"time_zone":            "Time zone",
	"landing_page":         "Landing page address",
	"referrer":             "Referring page address",
	"utm_source":           "Campaign source (utm_source)",
	"utm_medium":           "Campaign medium (utm_medium)",
	"utm_campaign":         "Campaign name (utm_campaign)",
	"utm_term":             "Campaign term (utm_term)",
	"utm_content":          "Campaign content (utm_content)",
	"form_type":            "Form type",
}

// Missing names what c's form requires (form.required) that a post left
// empty, as the capture API names fields: "company", "company_size",
// "answers.crm"; in form order. fields and answers are the post's values
// by name (answers by key, without "answers["); a value of only spaces
// is empty. The browser checks the same before posting (the required
// attribute); the API checks again, as a post need not come from the form.
func (c *Campaign) Missing(fields, answers map[string]string) []string {
	var out []string
	empty := func(v string) bool { return strings.TrimSpace(v) == "" }
	for _, f := range c.Form.Fields {
		if f.Required && empty(fields[f.Name]) {
			out = append(out, f.Name)
		}
	}
	for _, q := range c.Form.Questions {
		if !q.Required {
			continue
		}
		if questionFields[q.ID] {
			if empty(fields[q.ID]) {
				out = append(out, q.ID)
			}
		} else if empty(answers[q.ID]) {
			out = append(out, "answers."+q.ID)
		}
	}
	return out
}
