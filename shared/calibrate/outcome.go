package calibrate

import (
	"context"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// OutcomeSource loads labelled leads from somewhere other than a CSV
// export — the product's own feedback loop, where sales accept, reject,
// win and lose the leads it handed over. Adapters (DynamoDB) satisfy it;
// ExampleFromLead does the labelling, so every adapter labels alike.
type OutcomeSource interface {
	Leads(ctx context.Context) ([]Example, error)
}

// ExampleFromLead labels a stored lead by what sales recorded: accepted
// (sal), qualified (sql) and won are positive; lost, rejected, and sent
// back to nurturing (rejected with a "not now" reason, and not accepted
// since) are negative. ok is false for a lead sales has not answered yet
// (new, nurturing, mql), for one the config's own disqualifiers rejected
// (disqualified: learning from it would only repeat the disqualifiers)
// and for unsubscribed ones, which say nothing about fit, nor for an
// erased one (its stage kept, its fields blank: no answers to learn from).
//
// The example carries the lead's fields (placeholders read as not given),
// its email domain rather than its address, the source fields of its last
// touch (as qualify reads them), its engagement signals until sales got it
// (handed over, answered, accepted or sent back) counted by kind and, for
// a won deal, its value (Deal.RevenueMinor, in the reporting
// currency, else Deal.Amount).
func ExampleFromLead(l lead.Lead) (Example, bool) {
	positive, ok := outcomeOf(l)
	if !ok || l.Erased {
		// An erased lead keeps its stage but none of what it said: its
		// blanks are no answers to learn from.
		return Example{}, false
	}
	e := Example{ID: l.ID, Positive: positive, Fields: map[string]string{}}
	if l.Stage == lead.StageWon && l.Deal != nil {
		switch {
		case l.Deal.RevenueMinor > 0:
			e.Value = float64(l.Deal.RevenueMinor) / 100
		case l.Deal.Amount > 0:
			e.Value = l.Deal.Amount
		}
	}
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
		// What the lead did until sales got it: engagement after that
		// (a customer's logins, say) follows the outcome.
		cutoff := salesGot(l)
		e.Signals = map[string]float64{}
		for _, sig := range l.Signals {
			if !cutoff.IsZero() && sig.At.After(cutoff) {
				continue
			}
			if k := strings.TrimSpace(sig.Kind); k != "" {
				e.Signals[k]++
			}
		}
	}
	return e, true
}

// salesGot is when sales first got the lead — handed over, answered,
// accepted or sent back, the earliest known — zero when never.
func salesGot(l lead.Lead) time.Time {
	var at time.Time
	see := func(t time.Time) {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	if h := l.Handoff; h != nil {
		see(h.SentAt)
		see(h.AnsweredAt)
	}
	if d := l.Deal; d != nil {
		see(d.AcceptedAt)
	}
	if sb := l.SentBack; sb != nil {
		see(sb.At)
	}
	return at
}

// outcomeOf is a stored lead's label; ok is false without one.
func outcomeOf(l lead.Lead) (positive, ok bool) {
	switch l.Stage {
	case lead.StageSAL, lead.StageSQL, lead.StageWon:
		return true, true
	case lead.StageRejected, lead.StageLost:
		return false, true
	case lead.StageNew, lead.StageNurturing, lead.StageMQL:
		// Sent back by sales and not accepted since: a rejection. A lead
		// whose alert nobody answered was never judged: no label.
		return false, l.SentBack != nil && !l.SentBack.Unanswered()
	}
	return false, false
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
