package lead

import "context"

// Outcome names what working a lead did (a request, a tick's step): the
// packages that work leads (sendonce, handoff, nurture, track) report
// these, and callers compare them — never string literals. Each package
// adds its own; the two every worker shares are here.
type Outcome string

// Outcomes every worker of a lead can report.
const (
	Idle Outcome = "nothing_due" // nothing was due
	Busy Outcome = "busy"        // another worker holds the lead, or it changed meanwhile: the next run sees it fresh
)

// HandOff sends sales what a lead is owed now (the alert), once; owner
// names the worker, base the public address for links ("" uses the
// configured or recorded one). handoff.Service.RunLead is one.
type HandOff func(ctx context.Context, l Lead, owner, base string) (Outcome, error)

// FollowUp is what follows every saved change of a lead, wherever it came
// from (a form, a click or page view, a nurture step): if the change made
// the lead owed to sales, hand it off now. The lead is already saved and
// stays due, so an error here is retried by the schedule. It returns ""
// when nothing was owed.
func FollowUp(ctx context.Context, l Lead, handOff HandOff, owner, base string) (Outcome, error) {
	if !l.OwedToSales() || handOff == nil {
		return "", nil
	}
	return handOff(ctx, l, owner, base)
}

// OwedToSales reports whether the lead is to go to sales now: it turned
// hot (or a sequence handed it over) and no alert has gone out yet. It is
// the one test every path that changes a lead uses before handing off.
// A lead disqualified since it turned hot (a later form) is owed nothing,
// as a held one is not (HeldRetryAt).
func (l *Lead) OwedToSales() bool {
	return l.Handoff != nil && l.Handoff.State == HandoffPending && l.Stage == StageMQL
}

// EscalationOwed reports whether the lead's alert awaits its answer, to
// be escalated at Handoff.DueBy: sent, nobody answered or escalated it,
// and the lead is still an MQL (one a later form disqualified is no
// longer sales' to answer).
func (l *Lead) EscalationOwed() bool {
	return l.Handoff != nil && l.Handoff.State == HandoffSent && l.Stage == StageMQL
}

// WithSales reports whether the lead is handed to sales and waiting for
// their answer: an MQL whose alert is owed, held, sent or escalated. An
// opt-out from marketing email leaves such a lead's stage alone (it is
// not marketing's to change): sales can still accept or reject it, and
// an unanswered one still goes back to marketing.
func (l *Lead) WithSales() bool {
	return l.Stage == StageMQL && l.Handoff != nil && l.Handoff.State != HandoffAnswered
}
