// Package retention decides which leads' personal data is kept no longer
// (GDPR's storage limitation): a lead that went nowhere — no form, no
// engagement, no answer from sales, no consent change, no deal — for the
// retention period is erased the way a data subject's request erases it
// (package privacy). Customers and leads sales is working are kept: their
// data serves a contract or an open deal, not marketing. The sweep (Sweep)
// finds them a bounded slice at a time. It imports no AWS code.
package retention

import (
	"fmt"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Policy is how long a lead may stay without activity. A zero Period
// keeps every lead (the sweep is off).
type Policy struct {
	Period time.Duration
}

// Day is one retention day: 24 hours of the clock, whatever the zone.
const Day = 24 * time.Hour

// MinDays and MaxDays bound a retention period other than 0 (off): fewer
// than 30 days is a typo that would erase leads still being nurtured,
// more than 100 years a typo too.
const (
	MinDays = 30
	MaxDays = 36500
)

// Days is a policy of n days (0: off).
func Days(n int) Policy { return Policy{Period: time.Duration(n) * Day} }

// ParseDays is Days for a configured value: 0 (off) or MinDays..MaxDays.
func ParseDays(n int) (Policy, error) {
	if n != 0 && (n < MinDays || n > MaxDays) {
		return Policy{}, fmt.Errorf("is %d: give 0 (keep leads until erased on request) or a number of days from %d to %d, like 730", n, MinDays, MaxDays)
	}
	return Days(n), nil
}

// Off reports whether the policy keeps every lead.
func (p Policy) Off() bool { return p.Period <= 0 }

// Why a lead is kept (Verdict.Kept); "" when it is due.
const (
	KeptDisabled  = "disabled"   // the policy is off
	KeptErased    = "erased"     // nothing personal left
	KeptCustomer  = "customer"   // won: the customer relationship's data, not marketing's
	KeptOpenDeal  = "open_deal"  // accepted by sales (SAL, SQL), no outcome yet
	KeptWithSales = "with_sales" // hot, and sales owes it an answer
	KeptActive    = "active"     // activity within the period
	KeptNoTime    = "no_time"    // no activity time at all: nothing to measure from
)

// Verdict is the policy's decision on one lead.
type Verdict struct {
	Due  bool
	Kept string
	// LastActivity is the lead's last activity (zero when unknown).
	LastActivity time.Time
}

// Check decides whether l is past retention at now: due when its last
// activity is more than the period ago and nothing exempts it. A lead
// whose last activity is exactly the period ago is kept.
func (p Policy) Check(l lead.Lead, now time.Time) Verdict {
	last := LastActivity(l)
	v := Verdict{LastActivity: last}
	switch {
	case p.Off():
		v.Kept = KeptDisabled
	case l.Erased:
		v.Kept = KeptErased
	case l.Stage == lead.StageWon:
		v.Kept = KeptCustomer
	case l.Stage == lead.StageSAL || l.Stage == lead.StageSQL:
		v.Kept = KeptOpenDeal
	case l.Stage == lead.StageMQL && (l.Handoff.Unanswered() || l.Handoff != nil && (l.Handoff.State == lead.HandoffPending || l.Handoff.State == lead.HandoffHeld)):
		// Hot, and sales owes it an answer: the hand-off's own deadlines
		// send it back to nurturing when nobody answers.
		v.Kept = KeptWithSales
	case last.IsZero():
		v.Kept = KeptNoTime
	case now.Sub(last) <= p.Period:
		v.Kept = KeptActive
	default:
		v.Due = true
	}
	return v
}

// LastActivity is the latest thing the person, sales or the CRM did with
// the lead, as its profile records it: a form (capture, a later form, a
// confirmation asked for), engagement (the signals: email clicks and
// opens, page views, forms), a consent given, confirmed or withdrawn, a
// rep's answer or send-back, a deal accepted, corrected or closed, a
// return after leaving. What the product does to the lead — nurture
// emails, alerts, escalations, reminders, re-grades, SES's bounces — is
// not activity: it moves UpdatedAt, never this.
func LastActivity(l lead.Lead) time.Time {
	var last time.Time
	see := func(ts ...time.Time) {
		for _, t := range ts {
			if t.After(last) {
				last = t
			}
		}
	}
	see(l.CreatedAt, l.FirstTouch.At, l.LastTouch.At, l.Submission.Source.At, l.Consent.At, l.Consent.ConfirmedAt)
	for _, c := range l.Consents {
		see(c.At, c.ConfirmedAt)
	}
	for _, s := range l.Signals {
		see(s.At)
	}
	for _, f := range l.RecentForms {
		see(f.At)
	}
	if r := l.OptIn; r != nil {
		see(r.RequestedAt)
	}
	if h := l.Handoff; h != nil {
		see(h.AnsweredAt)
	}
	if b := l.SentBack; b != nil {
		see(b.At)
	}
	if d := l.Deal; d != nil {
		see(d.AcceptedAt, d.AmountSentAt, d.ClosedAt, d.ClosedRecordedAt)
	}
	if r := l.Returned; r != nil {
		see(r.At)
	}
	return last
}
