package calibrate

import (
	"regexp"
	"slices"
	"strings"

	"github.com/leadflow/leadflow/shared/lead"
)

// Example is one lead with a known outcome, whatever its source. Field
// values are already cleaned: a placeholder such as "N/A" or "Select" is
// stored as "" (not given), so the exported rules see what the model saw.
type Example struct {
	// Line is the line of the CSV record it came from (0 for other sources).
	Line int
	// ID identifies the lead in its source, when it has one.
	ID string
	// Fields maps lead field names as rules use them (job_title,
	// company_size, email_domain, answers.crm, …) to values.
	Fields map[string]string
	// Signals counts engagement events by kind (pricing_page_view, …).
	Signals map[string]float64
	// Positive: the lead became a sales opportunity (or whatever the
	// outcome column counts as positive).
	Positive bool
	// Value is the deal's value when known (a won deal's amount in the
	// reporting currency, or the mapping's outcome.value column); reports
	// sum it per grade. It is not learned from.
	Value float64

	// excluded holds the values of the mapping's excluded columns, in its
	// order, only for the report's check that excluding them was right.
	excluded []string
}

// Kind is how a field becomes features.
type Kind string

// Field kinds.
const (
	// KindCategory: one feature per frequent value, plus "another value"
	// and "not given"; exported as `in` rules and one `exists` rule.
	KindCategory Kind = "category"
	// KindNumber: quantile bins of the first number in the value (as the
	// range operator reads it: "51-200" → 51, "$50k" → 50000); exported as
	// `range` rules.
	KindNumber Kind = "number"
	// KindWords: one feature per frequent word of free text (job titles);
	// exported as `regex` rules matching the whole word.
	KindWords Kind = "words"
)

var kinds = []string{string(KindCategory), string(KindNumber), string(KindWords)}

// FieldSpec is one lead field the model learns from.
type FieldSpec struct {
	Name string // lead field as rules name it: job_title, answers.crm, email_domain
	Kind Kind
}

// leadFields are the lead fields a fit rule can test, besides
// answers.<key>. email is read as email_domain: a whole address says
// nothing about the next lead.
var leadFields = []string{
	"budget", "campaign", "company", "company_size", "country", "email_domain", "form_type",
	"industry", "job_title", "landing_page", "message", "name", "phone", "referrer", "time_zone",
	"timeline", "utm_campaign", "utm_content", "utm_medium", "utm_source", "utm_term", "variant",
}

var answerKeyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)

// isLeadField reports whether name is a field rules can test.
func isLeadField(name string) bool {
	if k, ok := strings.CutPrefix(name, "answers."); ok {
		return len(k) <= lead.MaxAnswerKey && answerKeyRe.MatchString(k)
	}
	return slices.Contains(leadFields, name)
}

// DefaultKind is how a field is read unless the mapping says otherwise:
// sizes and budgets are numbers, job titles and messages are words,
// everything else is a category.
func DefaultKind(field string) Kind {
	switch field {
	case "company_size", "budget":
		return KindNumber
	case "job_title", "message":
		return KindWords
	}
	return KindCategory
}

// DefaultFields are the form fields a lead-sourced training set uses when
// the caller has no mapping: the ones every leadflow form can ask.
func DefaultFields() []FieldSpec {
	names := []string{"job_title", "company_size", "industry", "country", "budget", "timeline", "form_type", "email_domain"}
	out := make([]FieldSpec, len(names))
	for i, n := range names {
		out[i] = FieldSpec{Name: n, Kind: DefaultKind(n)}
	}
	return out
}

// Lead is the example as a lead qualify can evaluate: its fields set, and
// an address at its email domain.
func (e Example) Lead() lead.Lead {
	var l lead.Lead
	s := &l.Submission
	for name, v := range e.Fields {
		if k, ok := strings.CutPrefix(name, "answers."); ok {
			if s.Answers == nil {
				s.Answers = map[string]string{}
			}
			s.Answers[k] = v
			continue
		}
		switch name {
		case "email_domain":
			if v != "" {
				s.Email = "lead@" + v
			}
		case "name":
			s.Name = v
		case "company":
			s.Company = v
		case "job_title":
			s.JobTitle = v
		case "phone":
			s.Phone = v
		case "company_size":
			s.CompanySize = v
		case "industry":
			s.Industry = v
		case "country":
			s.Country = v
		case "budget":
			s.Budget = v
		case "timeline":
			s.Timeline = v
		case "message":
			s.Message = v
		case "form_type":
			s.FormType = v
		case "time_zone":
			s.TimeZone = v
		case "utm_source":
			s.Source.UTMSource = v
		case "utm_medium":
			s.Source.UTMMedium = v
		case "utm_campaign":
			s.Source.UTMCampaign = v
		case "utm_term":
			s.Source.UTMTerm = v
		case "utm_content":
			s.Source.UTMContent = v
		case "referrer":
			s.Source.Referrer = v
		case "landing_page":
			s.Source.LandingPage = v
		case "campaign":
			s.Source.Campaign = v
		case "variant":
			s.Source.Variant = v
		}
	}
	return l
}
