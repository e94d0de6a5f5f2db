package feedback

import (
	"cmp"
	"slices"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/token"
)

// responseBuckets are the first-response-time counters reports use for
// median and p90 without reading leads: resp_le_1m, resp_le_5m, …
var responseBuckets = []struct {
	name string
	max  time.Duration
}{
	{"resp_le_1m", time.Minute}, {"resp_le_5m", 5 * time.Minute}, {"resp_le_15m", 15 * time.Minute},
	{"resp_le_1h", time.Hour}, {"resp_le_4h", 4 * time.Hour}, {"resp_le_24h", 24 * time.Hour},
}

// ResponseBucket names the counter for a first-response time.
func ResponseBucket(d time.Duration) string {
	for _, b := range responseBuckets {
		if d <= b.max {
			return b.name
		}
	}
	return "resp_gt_24h"
}

// spent says what an answer of action (an alert's accept or reject, a
// held alert's release), by a link with claims c, does to a lead that has
// moved on: "earlier" when the link was made for an earlier hand-off of
// the lead (it was sent back and handed to sales again since),
// "already" when the lead has that answer, "superseded" when another came
// first (or it was sent back and not handed off since: the alert's links
// are spent), "" when the answer applies. The page shows it before anyone
// presses a button.
func spent(l *lead.Lead, c token.Claims, action string) string {
	switch action {
	case links.ActionRelease:
		if earlier(l, c) {
			return "earlier"
		}
		// An erased person owes sales nothing (erasures before hand-offs
		// were closed by them left some held).
		if l.Handoff == nil || l.Handoff.State != lead.HandoffHeld || l.Erased {
			if l.Handoff != nil && l.Handoff.Released {
				return "already"
			}
			return "superseded"
		}
	case links.ActionAccept, links.ActionReject:
		switch {
		case earlier(l, c):
			return "earlier"
		case l.Stage == lead.StageSAL && action == links.ActionAccept, l.Stage == lead.StageRejected && action == links.ActionReject:
			return "already"
		case l.Stage.SalesSet() || l.Handoff == nil || l.Handoff.State == lead.HandoffAnswered || l.Erased:
			// An erased person owes sales nothing, whatever its hand-off
			// says (erasures before they closed escalated hand-offs left
			// some unanswered).
			return "superseded"
		}
	case links.ActionSQL, links.ActionWon, links.ActionLost:
		// An outcome link of the deal a lead lost before it came back
		// (they live for the outcome horizon) must not close the next.
		if ofEarlierRound(l, c) {
			return "earlier"
		}
		// What ApplyOutcome would answer, so that the page does not ask
		// for what the button is then refused: the outcome the deal has
		// (a won deal's won form stays, a new amount corrects it), or one
		// its stage does not lead to.
		switch target := outcomeStages[action]; {
		case l.Stage == target && target != lead.StageWon && !Owes(l, target):
			return "already"
		case l.Stage != target && !slices.Contains(stagesBefore(target), l.Stage) && !Reversible(l, target):
			return "superseded"
		}
	}
	return ""
}

// Reversible reports whether an outcome of stage target would reverse
// the lead's deal's outcome (Reverses) and can: the deal kept what its
// outcome counted (Deal.Counted). The outcome horizon is the links'
// lifetime; ApplyOutcome checks it too.
func Reversible(l *lead.Lead, target lead.Stage) bool {
	return Reverses(l.Stage, target) && l.Deal != nil && l.Deal.Counted != nil
}

// ofEarlierRound reports whether a link was made before the lead came
// back after it had left (lead.Returned): it belongs to the earlier round
// with sales — the lost deal, its alert. Links without an issue time
// cannot tell.
func ofEarlierRound(l *lead.Lead, c token.Claims) bool {
	return l.Returned != nil && !c.Issued.IsZero() && c.Issued.Before(l.Returned.At.Truncate(time.Second))
}

// earlier reports whether an answer link was made before the lead's
// current hand-off began: every link of a hand-off (the alert, the
// escalation, fresh links) is made at or after its Since, so such a link
// was sent for an earlier one, which ended when sales sent the lead back.
// Links are issued to the second; links made before they carried an
// issue time cannot tell and answer as before.
func earlier(l *lead.Lead, c token.Claims) bool {
	return l.Handoff != nil && !c.Issued.IsZero() && c.Issued.Before(l.Handoff.Since.Truncate(time.Second))
}

// apply changes the lead for an answer and says what to write. It returns
// "already" for a repeat of the answer the lead has, "superseded" when the
// lead moved on (another answer came first), else "recorded".
func (h *Handler) apply(l *lead.Lead, c token.Claims, action string, a answer, now time.Time) (string, lead.Change) {
	ch := lead.Change{At: now}
	comment := a.Comment
	campaign := l.Campaign()
	event := func(kind string, data map[string]any) {
		if comment != "" {
			data["comment"] = comment
		}
		ch.Events = append(ch.Events, lead.Event{At: now, Kind: kind, ID: h.NewID(now), Data: data})
	}
	count := func(names ...string) {
		for _, n := range names {
			ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: n})
		}
	}
	// The per-rep view's counters, in the same write.
	repCount := func(rep string, names ...string) {
		for _, n := range names {
			ch.Counters = append(ch.Counters, lead.RepCounter(rep, n, 0)...)
		}
	}
	if out := spent(l, c, action); out != "" {
		return out, ch
	}
	switch action {
	case links.ActionRelease:
		// The team lead releases a held alert: it is owed to sales now,
		// whatever the alert limits say, and the tick sends it.
		l.Handoff.State, l.Handoff.Released, l.Handoff.Since = lead.HandoffPending, true, now
		event("alert_released", map[string]any{})
		count("alerts_released")
		return "recorded", ch
	case links.ActionAccept, links.ActionReject:
		// How fast the alert was answered is the alerted rep's figure,
		// whoever answered it.
		alerted := l.Handoff.Rep
		h.firstResponse(l, c, now, func(names ...string) { count(names...); repCount(alerted, names...) })
		if action == links.ActionAccept {
			l.Stage = lead.StageSAL
			l.ExitNurture("sales_accepted")
			deal := &lead.Deal{AcceptedAt: now, Rep: l.Handoff.AnsweredBy, RemindAt: now.Add(h.Rules.Outcomes().RemindAfter),
				Name: l.Name, Company: l.Company}
			if l.Deal != nil {
				// A lead that came back after a lost deal: the CRM event
				// ids applied to it stay applied.
				deal.Applied = l.Deal.Applied
			}
			l.Deal = deal
			event("accepted", map[string]any{"rep": c.Extra})
			count("sal")
			repCount(l.Deal.Rep, "sal") // the rep who holds the deal now
			return "recorded", ch
		}
		reason, ok := h.Rules.RejectReason(c.Extra)
		if !ok {
			reason = qualify.RejectReason{Code: c.Extra, Label: c.Extra, Action: qualify.ActionNurture}
		}
		event("rejected", map[string]any{"reason": reason.Code, "label": reason.Label, "then": reason.Action})
		count("rejected", "rej_"+reason.Code)
		repCount(cmp.Or(a.By, alerted), "rejected", "rej_"+reason.Code)
		if reason.Action == qualify.ActionDisqualify {
			l.Stage = lead.StageRejected
			l.RejectedFor = reason.Code // a reason code segments select on, as a send-back's
			l.ExitNurture("rejected")
			return "recorded", ch
		}
		// Back to marketing: re-graded on the engagement it shows from
		// now on, and nurtured (a "not now" sequence) until it is ready.
		l.SendBack(reason.Code, cmp.Or(a.By, alerted), now) // who rejected it: the rep, or the team lead after an escalation
		if h.Requalify != nil {
			ch.Add(h.Requalify.Qualify(l, now))
		}
		return "recorded", ch
	case links.ActionSQL, links.ActionWon, links.ActionLost:
		o := a.Outcome
		o.Stage, o.Source, o.Rep = action, "rep", c.Extra
		if action == links.ActionLost {
			o.Reason = comment // why it was lost
		}
		from := l.Stage
		out, och, err := ApplyOutcome(l, o, h.Rules.Outcomes(), h.NewID, now)
		if err != nil || out != Recorded && out != Corrected {
			return out, ch
		}
		if comment != "" && action != links.ActionLost && !l.Erased { // nothing written about an erased person is kept
			och.Events[0].Data["comment"] = comment
		}
		if d := l.Deal; Reverses(from, l.Stage) && d.ID != "" && d.CountedOn != "" && d.CountedOn != l.ID {
			// A contact's reversal counts nothing: the deal is reversed
			// where it counts, in a write of its own (settleOwed). Owed
			// until then, so that a failed write is finished later.
			d.Owed = &lead.OwedReversal{ID: och.Events[0].ID, From: from, At: now, Rep: c.Extra,
				Amount: o.Amount, Currency: o.Currency, ClosedAt: o.ClosedAt}
			if !l.Erased {
				d.Owed.Comment = comment
			}
		}
		return Recorded, och // a correction is recorded too
	}
	return "superseded", ch
}

// firstResponse records the rep's first answer to the alert: the handoff
// is answered, the response time counted in its bucket.
func (h *Handler) firstResponse(l *lead.Lead, c token.Claims, now time.Time, count func(...string)) {
	if l.Handoff == nil || l.Handoff.State == lead.HandoffAnswered {
		return
	}
	if !l.Handoff.SentAt.IsZero() {
		count("responses", ResponseBucket(now.Sub(l.Handoff.SentAt)))
		if !l.Handoff.Breached && now.After(l.Handoff.DueBy) {
			count("sla_late_responses")
		}
	}
	l.Handoff.State = lead.HandoffAnswered
	l.Handoff.AnsweredAt = now
	l.Handoff.AnsweredBy = l.Handoff.Rep
	if c.Action == links.ActionAccept && c.Extra != "" {
		l.Handoff.AnsweredBy = c.Extra // the rep (or escalation target) the link was sent to
	}
}
