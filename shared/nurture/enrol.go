package nurture

import (
	"slices"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Enrol puts a lead into the first sequence (in config order) whose entry
// rules match it and that it has never been in, and returns that
// sequence's id; "" when it enrols the lead nowhere. A lead is only
// enrolled when its latest consent allows marketing email, its stage is
// not one sales owns (sal and later, rejected, lost) nor disqualified or
// unsubscribed, and it is not in a sequence already. The lead's first step
// is due at once (NextAt = now); its send history and the sequences it
// completed are kept.
//
// Entry rules: temperature and grade are the latest qualification's (a
// lead never qualified has neither, so only sequences that allow any
// match it); a campaign matches the lead's first or last touch.
func (c *Config) Enrol(l *lead.Lead, now time.Time) string {
	return c.EnrolPreferring(l, now, "")
}

// EnrolPreferring is Enrol trying the preferred sequence first (a
// campaign's own sequence); its entry rules and every other condition
// still apply, and the rest follow in config order.
func (c *Config) EnrolPreferring(l *lead.Lead, now time.Time, preferred string) string {
	order := c.sequences
	if s, ok := c.byID[preferred]; ok && preferred != "" {
		order = append([]*sequence{s}, slices.DeleteFunc(slices.Clone(c.sequences), func(x *sequence) bool { return x.id == preferred })...)
	}
	if l == nil || !l.Consent.MarketingOptIn || l.Stage.SalesSet() || exitStages[l.Stage] {
		return ""
	}
	if l.Nurture != nil && !l.Nurture.NextAt.IsZero() {
		return ""
	}
	for _, s := range order {
		if l.Nurture != nil && slices.Contains(l.Nurture.Completed, s.id) {
			continue
		}
		if !s.entry.matches(l) {
			continue
		}
		prev := l.Nurture
		l.Nurture = &lead.Nurture{
			Sequence:   s.id,
			Step:       s.stepID(0),
			StepIndex:  0,
			EnrolledAt: now,
			NextAt:     now,
		}
		if prev != nil {
			l.Nurture.Completed = prev.Completed
			l.Nurture.Sends = prev.Sends
		}
		return s.id
	}
	return ""
}

func (e entry) matches(l *lead.Lead) bool {
	var temperature, grade string
	if q := l.Qualification; q != nil {
		temperature, grade = strings.ToLower(q.Temperature), strings.ToUpper(q.Grade)
	}
	if len(e.temperatures) > 0 && !slices.Contains(e.temperatures, temperature) {
		return false
	}
	if len(e.grades) > 0 && !slices.Contains(e.grades, grade) {
		return false
	}
	if len(e.campaigns) > 0 &&
		!slices.Contains(e.campaigns, l.FirstTouch.Campaign) && !slices.Contains(e.campaigns, l.LastTouch.Campaign) {
		return false
	}
	return true
}
