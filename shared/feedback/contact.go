package feedback

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/token"
)

// A CRM deal with several contacts that are leads counts once, on the
// contact whose close was recorded first (Deal.CountedOn on the others).
// The won page of another contact is still a rep's way to give the
// deal's amount: it corrects the deal where it counts (correctHolder), as
// the CRM's won for that contact does, or — when no correction can apply
// there — the page says where the deal counts and what is recorded there,
// instead of taking an amount it would drop.

// countedElsewhere reports whether l is a won contact of a CRM deal that
// another lead counts.
func countedElsewhere(l *lead.Lead) bool {
	return l.Stage == lead.StageWon && l.Deal != nil && l.Deal.ID != "" && l.Deal.CountedOn != "" && l.Deal.CountedOn != l.ID
}

// countsWin reports whether l is won with CRM deal dealID and counts it:
// a won amount sent for another contact of the deal corrects it on l.
func countsWin(l *lead.Lead, dealID string) bool {
	d := l.Deal
	return l.Stage == lead.StageWon && d != nil && d.ID == dealID && d.CountedOn == ""
}

// countingLead is the lead that counts contact l's deal now: the deal's
// claim, which moves when two counts of the deal become one (MergeDeal),
// or, without one, the lead l's close was counted on.
func (h *Handler) countingLead(ctx context.Context, l lead.Lead) (string, error) {
	id, err := h.Store.DealHolder(ctx, l.Deal.ID)
	if err != nil {
		return "", err
	}
	return cmp.Or(id, l.Deal.CountedOn), nil
}

// countedNow names, on a won or lost outcome o that names no deal (a
// rep's answer, a CRM outcome without deal_id) for contact l of a deal
// another lead counts, the deal and the lead that counts it now: the
// deal's claim, not l's Deal.CountedOn, which a merge leaves behind. It
// is read with l, in the write's retry: ApplyOutcome writes the contact
// only while the claim still names that lead (lead.Change.DealClaim), and
// a merge moving it in between makes the write read both again.
func (h *Handler) countedNow(ctx context.Context, l *lead.Lead, o *Outcome) error {
	if o.DealID != "" || l.Deal == nil || l.Deal.ID == "" || l.Deal.CountedOn == "" {
		return nil
	}
	counting, err := h.countingLead(ctx, *l)
	if err != nil {
		return err
	}
	o.DealID, o.CountedOn = l.Deal.ID, counting
	return nil
}

// holderOf reads the lead that counts contact l's deal; nil when it no
// longer exists. A lead that gave the deal up (a merge moved the claim
// between the two reads) is not it: the claim is read again.
func (h *Handler) holderOf(ctx context.Context, l lead.Lead) (*lead.Lead, error) {
	id, err := h.countingLead(ctx, l)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		holder, err := h.Store.Lead(ctx, id)
		if errors.Is(err, lead.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		d := holder.Deal
		if attempt >= mergeAttempts || d == nil || d.ID != l.Deal.ID || d.CountedOn == "" || d.CountedOn == holder.ID {
			return &holder, nil
		}
		next, err := h.countingLead(ctx, l)
		if err != nil {
			return nil, err
		}
		if next == id {
			return &holder, nil
		}
		id = next
	}
}

// uncorrectable says why a won amount given through a contact of deal
// dealID cannot correct it on holder ("" when it can): the same rules as
// correctHolder and correctAmount.
func (h *Handler) uncorrectable(holder *lead.Lead, dealID string, now time.Time, zone *time.Location) string {
	if holder == nil || !countsWin(holder, dealID) {
		return "an amount cannot be recorded here"
	}
	horizon := h.Rules.Outcomes().Horizon
	if accepted := holder.AcceptedAt(); !accepted.IsZero() && now.After(accepted.Add(horizon)) {
		return "its amount can no longer change: it was accepted on " + accepted.In(zone).Format("2 Jan 2006") + ", more than " + days(horizon) + " ago"
	}
	return ""
}

// holderName names the lead that counts a deal as its deal's emails do
// (the name and company kept when its deal began): "the lead of Clara
// (BigCorp)".
func holderName(holder *lead.Lead) string {
	name, company := cmp.Or(holder.Deal.Name, holder.Name, holder.Email), cmp.Or(holder.Deal.Company, holder.Company)
	if company != "" {
		name += " (" + company + ")"
	}
	return "the lead of " + name
}

// countedMessage says where deal dealID counts and what is recorded
// there: "This deal counts on the lead of Clara (BigCorp), another
// contact of CRM deal D-1. Its outcome is recorded there: won (10,000.00
// EUR, closed on 10 Mar 2031)".
func countedMessage(holder *lead.Lead, dealID string, zone *time.Location) string {
	if holder == nil || holder.Deal == nil || holder.Deal.ID != dealID {
		return "This deal counted on another contact of CRM deal " + dealID + ", whose lead no longer records it"
	}
	d, outcome := holder.Deal, "at stage "+holder.Stage.Label()
	switch holder.Stage {
	case lead.StageWon:
		amount := "no amount given"
		if d.Currency != "" {
			amount = grouped(d.Amount) + " " + d.Currency
		}
		outcome = "won (" + amount
		if !d.ClosedAt.IsZero() {
			outcome += ", closed on " + closeDay(d.ClosedAt, zone).Format("2 Jan 2006")
		}
		outcome += ")"
	case lead.StageLost:
		outcome = "lost"
	}
	return "This deal counts on " + holderName(holder) + ", another contact of CRM deal " + dealID + ". Its outcome is recorded there: " + outcome
}

// contactPage is the won page of contact l, whose deal another lead
// counts: it offers the amount form, saying the amount corrects the deal
// there, only when a correction can apply; else it is answered, saying
// where the deal counts and what is recorded there.
func (h *Handler) contactPage(ctx context.Context, v *view, l lead.Lead, now time.Time, zone *time.Location) error {
	holder, err := h.holderOf(ctx, l)
	if err != nil {
		return err
	}
	dealID := l.Deal.ID
	if why := h.uncorrectable(holder, dealID, now, zone); why != "" {
		v.Done, v.Message = true, countedMessage(holder, dealID, zone)+"; "+why+". Nothing changed."
		return nil
	}
	v.Title = "This deal is recorded as won" + dealAmount(holder.Deal) + ". Correct its amount?"
	v.Message = "It counts once, on " + holderName(holder) + ", another contact of CRM deal " + dealID +
		": an amount entered here corrects the deal's amount there."
	return nil
}

// throughContact applies a won answer for contact l, whose deal another
// lead counts (its own write found it won: already): an amount corrects
// the deal where it counts, once, and that lead's timeline says which
// contact it came through. It returns the outcome (Corrected or Already)
// and what the page says.
func (h *Handler) throughContact(ctx context.Context, c token.Claims, a answer, l lead.Lead, now time.Time, zone *time.Location) (string, string, error) {
	dealID := l.Deal.ID
	holder, err := h.holderOf(ctx, l)
	if err != nil {
		return "", "", err
	}
	o := a.Outcome
	if why := h.uncorrectable(holder, dealID, now, zone); why != "" || o.Amount == nil {
		if why != "" {
			return Already, countedMessage(holder, dealID, zone) + "; " + why + ". Nothing changed.", nil
		}
		return Already, countedMessage(holder, dealID, zone) + "; nothing changed.", nil
	}
	o.Stage, o.Source, o.Rep, o.DealID = string(lead.StageWon), "rep", c.Extra, dealID
	note := map[string]any{"via": l.ID, "deal_id": dealID}
	if a.Comment != "" {
		note["comment"] = a.Comment
	}
	out, data, err := h.correctHolder(ctx, holder.ID, o, true, note, now)
	var fe *FieldError
	if err != nil && !errors.Is(err, ErrOutcomeRefused) && !errors.As(err, &fe) {
		return "", "", err
	}
	if out == Corrected {
		msg := "Recorded: the deal's amount is now " + grouped(*o.Amount) + " " + data["currency"].(string)
		if was, _ := data["previous_currency"].(string); was != "" {
			msg += " (was " + grouped(data["previous_amount"].(float64)) + " " + was + ")"
		}
		return Corrected, msg + ", on " + holderName(holder) + ", where CRM deal " + dealID + " counts.", nil
	}
	// The amount in place, or the lead that counts the deal changed
	// meanwhile: say what it records now.
	if holder, err = h.holderOf(ctx, l); err != nil {
		return "", "", err
	}
	if holder != nil && countsWin(holder, dealID) && holder.Deal.Amount == *o.Amount && holder.Deal.Currency == o.currencyOr(h.Rules.Outcomes()) {
		return Already, "The deal's amount is already " + grouped(holder.Deal.Amount) + " " + holder.Deal.Currency + ", on " + holderName(holder) +
			", where CRM deal " + dealID + " counts; nothing changed.", nil
	}
	why := cmp.Or(h.uncorrectable(holder, dealID, now, zone), "an amount cannot be recorded here")
	return Already, countedMessage(holder, dealID, zone) + "; " + why + ". Nothing changed.", nil
}

// Owes reports whether contact l is at stage target by a reversal its
// deal's counting lead still owes (Deal.Owed): an answer of target for
// it finishes that reversal rather than being "already" recorded.
func Owes(l *lead.Lead, target lead.Stage) bool {
	return l.Deal != nil && l.Deal.Owed != nil && l.Stage == target
}

// owedID is the id the counting lead records as applied (Deal.Applied)
// when it makes contact's owed reversal p, so it makes it once.
func owedID(contact string, p *lead.OwedReversal) string { return "via:" + contact + ":" + p.ID }

// settled is what settleOwed found where the deal counts.
type settled struct {
	holder   *lead.Lead // the counting lead as it is now; nil when it no longer exists
	reversed bool       // the reversal is made there (now, or by an earlier attempt)
	refused  error      // why it can no longer be made there (the horizon), if it was refused
}

// settleOwed makes, where it counts, the reversal contact l owes its
// deal (Deal.Owed: a rep's "Lost instead" / "Won instead" on l's page,
// whose own write counts nothing), and then clears it on l. It runs
// after the answer's write and again on any later answer or CRM outcome
// for l, so a write that failed (throttled, a timeout) is finished by
// the retry. The counting lead is reversed once — it records the
// reversal's id as applied — and only while it still has the outcome l
// reversed, recorded at or before l's reversal: a deal whose outcome
// changed there since (a CRM's cancellation, a reversal there) is newer
// than the rep's answer and stays as it is. A contact lost (or won) from
// the start owes nothing, so answering it again never reverses a deal.
func (h *Handler) settleOwed(ctx context.Context, l lead.Lead, now time.Time) (settled, error) {
	var res settled
	p := l.Deal.Owed
	dealID, target, viaID := l.Deal.ID, l.Stage, owedID(l.ID, p)
	counting := ""
	if Reverses(p.From, target) && l.Deal.CountedOn != "" && l.Deal.CountedOn != l.ID {
		// Where the deal counts now: its claim moves when two counts of
		// it become one (MergeDeal).
		var err error
		if counting, err = h.countingLead(ctx, l); err != nil {
			return res, err
		}
	}
	for attempt := 1; counting != "" && counting != l.ID; attempt++ {
		o := Outcome{Stage: string(target), Source: "rep", Rep: p.Rep, DealID: dealID, CountedOn: counting, LeadID: counting,
			EventID: viaID, Amount: p.Amount, Currency: p.Currency, ClosedAt: p.ClosedAt}
		if target == lead.StageLost {
			o.Reason = p.Comment
		}
		gaveUp := false // counting no longer counts the deal: a merge moved it since the claim was read
		holder, err := lead.Update(ctx, h.Store, counting, func(hl *lead.Lead) (lead.Change, error) {
			res.reversed, res.refused = false, nil
			d := hl.Deal
			gaveUp = d != nil && d.ID == dealID && d.CountedOn != "" && d.CountedOn != hl.ID
			if d != nil && slices.Contains(d.Applied, viaID) {
				res.reversed = true // an earlier attempt made it; clearing it on l failed
				return lead.Change{}, lead.ErrUnchanged
			}
			if hl.Stage != p.From || d == nil || d.ID != dealID || d.CountedOn != "" || !Reversible(hl, target) || d.ClosedRecordedAt.After(p.At) {
				return lead.Change{}, lead.ErrUnchanged
			}
			out, ch, err := ApplyOutcome(hl, o, h.Rules.Outcomes(), h.NewID, now)
			if res.refused = err; err != nil || out != Corrected {
				return lead.Change{}, lead.ErrUnchanged
			}
			data := ch.Events[0].Data
			delete(data, "event_id") // a rep's answer: via names it
			data["via"] = l.ID
			if p.Comment != "" && target != lead.StageLost && !hl.Erased {
				data["comment"] = p.Comment
			}
			res.reversed = true
			return ch, nil
		})
		switch {
		case errors.Is(err, lead.ErrNotFound):
		case err != nil:
			return res, err
		default:
			res.holder = &holder
		}
		if !gaveUp || attempt >= mergeAttempts {
			break
		}
		// Where the deal counts now: reversed there, not left to the
		// lead whose count the merge took out.
		next, err := h.countingLead(ctx, l)
		if err != nil {
			return res, err
		}
		if next == counting {
			break
		}
		counting = next
	}
	// Made, or it can no longer be: owed no more (unless l owes a newer
	// reversal by now).
	_, err := lead.Update(ctx, h.Store, l.ID, func(cl *lead.Lead) (lead.Change, error) {
		if cl.Deal == nil || cl.Deal.Owed == nil || cl.Deal.Owed.ID != p.ID {
			return lead.Change{}, lead.ErrUnchanged
		}
		cl.Deal.Owed = nil
		return lead.Change{At: now}, nil
	})
	if errors.Is(err, lead.ErrNotFound) {
		err = nil
	}
	return res, err
}

// reverseThrough settles the reversal contact l owes its deal
// (settleOwed) for a rep's page, whose answer reversed l's outcome (now,
// or before a write that failed): it returns what the page says, and
// whether the deal is reversed where it counts.
func (h *Handler) reverseThrough(ctx context.Context, l lead.Lead, zone *time.Location, now time.Time) (string, bool, error) {
	was, dealID, target := l.Deal.Owed.From, l.Deal.ID, l.Stage
	res, err := h.settleOwed(ctx, l, now)
	switch {
	case err != nil:
		return "", false, err
	case res.reversed && target == lead.StageLost:
		return "Recorded: lost, instead of won. The win and its revenue are taken out of the reports, on " + holderName(res.holder) + ", where CRM deal " + dealID + " counts.", true, nil
	case res.reversed:
		return "Recorded: won instead of lost. The loss is taken out of the reports and the win counted, on " + holderName(res.holder) + ", where CRM deal " + dealID + " counts.", true, nil
	}
	msg := "Recorded for this contact: " + string(target) + ", instead of " + string(was) + ". " + countedMessage(res.holder, dealID, zone)
	if res.refused != nil {
		return msg + "; it can no longer change there (" + res.refused.Error() + ").", false, nil
	}
	return msg + "; nothing changed there.", false, nil
}
