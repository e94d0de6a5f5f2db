package calibrate

import (
	"context"
	"strings"

	"github.com/leadflow/leadflow/shared/lead"
)

// OutcomeSource loads labelled leads from somewhere other than a CSV
// export — the product's own feedback loop, where sales accept, reject,
// win and lose the leads it handed over. Adapters (DynamoDB) satisfy it;
// ExampleFromLead does the labelling, so every adapter labels alike.
type OutcomeSource interface {
	Leads(ctx context.Context) ([]Example, error)
}

// ExampleFromLead labels a stored lead by the stage sales gave it: sal, sql
// and won are positive; rejected, lost and disqualified negative. ok is
// false for a lead without an outcome yet (new, nurturing, mql) and for
// unsubscribed ones, which say nothing about fit.
//
// The example carries the lead's fields (placeholders read as not given),
// its email domain rather than its address, the source fields of its last
// touch (as qualify reads them) and its engagement signals counted by kind.
func ExampleFromLead(l lead.Lead) (Example, bool) {
	var positive bool
	switch l.Stage {
	case lead.StageSAL, lead.StageSQL, lead.StageWon:
		positive = true
	case lead.StageRejected, lead.StageLost, lead.StageDisqualified:
		positive = false
	default:
		return Example{}, false
	}
	e := Example{ID: l.ID, Positive: positive, Fields: map[string]string{}}
	set := func(name, v string) {
		if v = cleanText(v, nil); v != "" {
			e.Fields[name] = v
		}
	}
	s := l.Submission
	set("name", s.Name)
	set("company", s.Company)
	set("job_title", s.JobTitle)
	set("phone", s.Phone)
	set("company_size", s.CompanySize)
	set("industry", s.Industry)
	set("country", s.Country)
	set("budget", s.Budget)
	set("timeline", s.Timeline)
	set("message", s.Message)
	set("form_type", s.FormType)
	set("time_zone", s.TimeZone)
	if d := emailDomain(s.Email); d != "" {
		e.Fields["email_domain"] = d
	}
	for k, v := range s.Answers {
		set("answers."+k, v)
	}
	src := l.LastTouch
	if src == (lead.Attribution{}) {
		src = s.Source
	}
	set("utm_source", src.UTMSource)
	set("utm_medium", src.UTMMedium)
	set("utm_campaign", src.UTMCampaign)
	set("utm_term", src.UTMTerm)
	set("utm_content", src.UTMContent)
	set("referrer", src.Referrer)
	set("landing_page", src.LandingPage)
	set("campaign", src.Campaign)
	set("variant", src.Variant)
	if len(l.Signals) > 0 {
		e.Signals = map[string]float64{}
		for _, sig := range l.Signals {
			if k := strings.TrimSpace(sig.Kind); k != "" {
				e.Signals[k]++
			}
		}
	}
	return e, true
}

// ExamplesFromLeads labels the leads that have an outcome, in order.
func ExamplesFromLeads(leads []lead.Lead) []Example {
	var out []Example
	for _, l := range leads {
		if e, ok := ExampleFromLead(l); ok {
			out = append(out, e)
		}
	}
	return out
}
