package feedback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Two contacts of one CRM deal, each closed before any outcome named the
// deal (a rep's link, a CRM outcome without deal_id), each counted a win
// (or loss) of its own. When an outcome names the deal for the second of
// them, the two counts become one: the contact whose close was recorded
// first keeps counting the deal, the other's count is taken out exactly,
// and both timelines say so (EventDealMerged).

// EventDealMerged is the timeline event of a deal's two counts made one:
// on the contact that keeps counting it ("via": the other contact) and on
// the contact whose count was taken out ("counted_on": the one that keeps
// it), each with "deal_id" and "stage"; published as lead.deal_merged.
const EventDealMerged = lead.EventDealMerged

// mergeable reports whether contact x, closed at stage before any
// outcome named its deal (it counts its close itself), and holder, which
// counts CRM deal dealID closed at the same stage, count one deal twice.
// What each counted must be known (Deal.Counted) to be taken out.
func mergeable(x, holder *lead.Lead, dealID string, stage lead.Stage) bool {
	own := func(l *lead.Lead) bool {
		return l.Stage == stage && l.Deal != nil && l.Deal.CountedOn == "" && l.Deal.Counted != nil
	}
	return (stage == lead.StageWon || stage == lead.StageLost) && x.ID != holder.ID &&
		own(x) && x.Deal.ID == "" && own(holder) && holder.Deal.ID == dealID
}

// closedFirst reports whether a's close was recorded before b's (on a
// tie, the lower id): of two counts of one deal, a's is the one kept.
func closedFirst(a, b *lead.Lead) bool {
	ta, tb := a.Deal.ClosedRecordedAt, b.Deal.ClosedRecordedAt
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.ID < b.ID
}

// MergeDeal makes the two counts of CRM deal dealID one (mergeable):
// keep, the contact whose close was recorded first, counts the deal
// (claiming it when fold held it), and what fold's close counted is taken
// out of the months it counted in — its win or loss, its amount with
// every correction, its days to win, the SQL a win from SAL implied —
// leaving only the close of fold's own SQL (sql_closed), as for a contact
// whose close named the deal from the start. A won keep without an amount
// takes fold's, counted now. It returns the changes of keep and fold,
// which it modifies.
func MergeDeal(keep, fold *lead.Lead, dealID, source string, newID func(time.Time) string, now time.Time) (keepCh, foldCh lead.Change) {
	keepCh, foldCh = lead.Change{At: now}, lead.Change{At: now}
	kd, fd := keep.Deal, fold.Deal
	stage := string(fold.Stage)

	var out, kept lead.Counted
	for _, c := range fd.Counted.Counts {
		if c.Name == CounterSQLClosed && c.Rep == "" && fd.Counted.From == lead.StageSQL {
			kept.Counts = append(kept.Counts, c) // its own SQL is closed all the same
			continue
		}
		out.Counts = append(out.Counts, c)
	}
	foldCh.Counters = out.Undo()
	foldData := map[string]any{"source": source, "deal_id": dealID, "counted_on": keep.ID, "stage": stage}
	amount, currency, minor, sentAt := fd.Amount, fd.Currency, fd.RevenueMinor, fd.AmountSentAt
	if currency != "" {
		foldData["previous_amount"], foldData["previous_currency"] = amount, currency
	}
	fd.ID, fd.CountedOn = dealID, keep.ID
	fd.Amount, fd.Currency, fd.RevenueMinor, fd.AmountSentAt = 0, "", 0, time.Time{}
	fd.Counted = &lead.Counted{From: fd.Counted.From, Counts: kept.Counts}
	foldCh.Events = []lead.Event{{At: now, Kind: EventDealMerged, ID: newID(now), Data: foldData}}

	keepData := map[string]any{"source": source, "deal_id": dealID, "via": fold.ID, "stage": stage}
	keepCh.DealClaim = &lead.DealClaim{DealID: dealID, LeadID: keep.ID}
	if kd.ID != dealID {
		// fold's close named the deal first: the claim moves.
		kd.ID = dealID
		keepCh.DealClaim.From = fold.ID
	}
	if keep.Stage == lead.StageWon && kd.Currency == "" && currency != "" {
		// The deal's amount was given only on fold: the deal keeps it.
		campaign, owner := keep.Campaign(), keep.DealOwner()
		keepCh.Counters = append(keepCh.Counters, lead.Counter{Campaign: campaign, Name: CounterWonValued})
		keepCh.Counters = append(keepCh.Counters, lead.RepCounter(owner, CounterWonValued, 0)...)
		if minor != 0 {
			keepCh.Counters = append(keepCh.Counters, lead.Counter{Campaign: campaign, Name: CounterRevenue, By: minor})
			keepCh.Counters = append(keepCh.Counters, lead.RepCounter(owner, CounterRevenue, minor)...)
		}
		kd.Amount, kd.Currency, kd.RevenueMinor, kd.AmountSentAt = amount, currency, minor, sentAt
		kd.Counted.Add(lead.Month(now), keepCh.Counters) // a reversal takes it back
		keepData["amount"], keepData["currency"] = amount, currency
	}
	keepCh.Events = []lead.Event{{At: now, Kind: EventDealMerged, ID: newID(now), Data: keepData}}
	return keepCh, foldCh
}

// mergeDeal makes the close of contact id and that of the lead counting
// CRM deal o.DealID one count of the deal when they are two (mergeable:
// both closed before the outcome now naming the deal for id), writing
// both leads at once (SavePair), again when either changed meanwhile;
// refused (ErrOutcomeRefused) when either is past its outcome horizon.
// Otherwise — the deal's first close, a contact still open, one named
// before, a merge done already — it does nothing: o applies as usual.
func (h *Handler) mergeDeal(ctx context.Context, id string, o Outcome, now time.Time) error {
	stage := outcomeStages[o.Stage]
	if o.DealID == "" || stage != lead.StageWon && stage != lead.StageLost {
		return nil
	}
	return lead.Retries.Do(ctx, func() error {
		holderID, err := h.Store.DealHolder(ctx, o.DealID)
		if err != nil || holderID == "" || holderID == id {
			return err
		}
		x, err := h.Store.Lead(ctx, id)
		if err != nil {
			return err
		}
		holder, err := h.Store.Lead(ctx, holderID)
		if errors.Is(err, lead.ErrNotFound) {
			return nil
		}
		if err != nil || !mergeable(&x, &holder, o.DealID, stage) {
			return err
		}
		horizon := h.Rules.Outcomes().Horizon
		for _, l := range []*lead.Lead{&x, &holder} {
			if accepted := l.AcceptedAt(); !accepted.IsZero() && now.After(accepted.Add(horizon)) {
				// What a close counted stays beyond the horizon, as a
				// reversal's would: said, not left at "already".
				return fmt.Errorf("%w: this lead and the lead %s each count CRM deal %s as %s, and the lead %s was accepted %s, more than %s ago (the outcome horizon): the deal's outcome can no longer change, so it stays counted twice",
					ErrOutcomeRefused, holder.ID, o.DealID, string(stage), l.ID, accepted.UTC().Format("2006-01-02"), days(horizon))
			}
		}
		keep, fold := &x, &holder
		if !closedFirst(keep, fold) {
			keep, fold = fold, keep
		}
		keepCh, foldCh := MergeDeal(keep, fold, o.DealID, o.Source, h.NewID, now)
		for _, w := range []struct {
			l  *lead.Lead
			ch *lead.Change
		}{{keep, &keepCh}, {fold, &foldCh}} {
			w.l.Record(w.ch)
			w.l.Version++
		}
		return h.Store.SavePair(ctx, *keep, keepCh, *fold, foldCh)
	})
}

// errCountedTwice is an outcome naming a deal for a contact that counts
// its own close, found counted by another contact too when it came to
// write (mergeable): that one's outcome named the deal after this one's
// merge looked for its claim (a CRM closing a deal sends its outcome for
// each contact at once). The counts are made one first (mergeDeal), then
// the outcome applies; never "already", which left the deal counted
// twice for good.
var errCountedTwice = errors.New("another contact's outcome named the deal at the same time, and both count it: sent again, this outcome makes their counts one")

// mergeAttempts bounds how often applyCRM makes a deal's counts one
// before its outcome's write (errCountedTwice): each time, another
// contact named the deal in between. Past it the outcome fails, to be
// delivered again (the bus) or sent again (a back-fill row).
const mergeAttempts = 4

// countedTwice is errCountedTwice when contact l, whose outcome o names
// CRM deal o.DealID, and the deal's holder count it twice.
func (h *Handler) countedTwice(ctx context.Context, l *lead.Lead, holder string, o Outcome) error {
	stage := outcomeStages[o.Stage]
	if holder == "" || holder == l.ID || l.Deal == nil || l.Deal.ID != "" || l.Stage != stage {
		return nil
	}
	hl, err := h.Store.Lead(ctx, holder)
	if errors.Is(err, lead.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if mergeable(l, &hl, o.DealID, stage) {
		return fmt.Errorf("deal %s: %w", o.DealID, errCountedTwice)
	}
	return nil
}
