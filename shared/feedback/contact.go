package feedback

import (
	"cmp"
	"context"
	"errors"
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

// holderOf reads the lead that counts contact l's deal; nil when it no
// longer exists.
func (h *Handler) holderOf(ctx context.Context, l lead.Lead) (*lead.Lead, error) {
	holder, err := h.Store.Lead(ctx, l.Deal.CountedOn)
	if errors.Is(err, lead.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &holder, nil
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

// reverseThrough reverses, where it counts, the deal of contact l whose
// own outcome a rep's page just reversed (from was): the contact's
// reversal counts nothing, and the page promises the deal's win (or
// loss) leaves the reports. It returns what the page says.
func (h *Handler) reverseThrough(ctx context.Context, c token.Claims, a answer, l lead.Lead, was lead.Stage, now time.Time, zone *time.Location) (string, error) {
	dealID, target := l.Deal.ID, l.Stage
	o := a.Outcome
	o.Stage, o.Source, o.Rep, o.DealID, o.CountedOn, o.LeadID = string(target), "rep", c.Extra, dealID, l.Deal.CountedOn, l.Deal.CountedOn
	if target == lead.StageLost {
		o.Reason = a.Comment
	}
	var refused error
	reversed := false
	holder, err := lead.Update(ctx, h.Store, l.Deal.CountedOn, func(hl *lead.Lead) (lead.Change, error) {
		reversed, refused = false, nil
		if hl.Stage != was || hl.Deal == nil || hl.Deal.ID != dealID || hl.Deal.CountedOn != "" || !Reversible(hl, target) {
			return lead.Change{}, lead.ErrUnchanged
		}
		out, ch, err := ApplyOutcome(hl, o, h.Rules.Outcomes(), h.NewID, now)
		if refused = err; err != nil || out != Corrected {
			return lead.Change{}, lead.ErrUnchanged
		}
		ch.Events[0].Data["via"] = l.ID
		if a.Comment != "" && target != lead.StageLost && !hl.Erased {
			ch.Events[0].Data["comment"] = a.Comment
		}
		reversed = true
		return ch, nil
	})
	var hp *lead.Lead
	switch {
	case errors.Is(err, lead.ErrNotFound):
	case err != nil:
		return "", err
	default:
		hp = &holder
	}
	if reversed {
		if target == lead.StageLost {
			return "Recorded: lost, instead of won. The win and its revenue are taken out of the reports, on " + holderName(hp) + ", where CRM deal " + dealID + " counts.", nil
		}
		return "Recorded: won instead of lost. The loss is taken out of the reports and the win counted, on " + holderName(hp) + ", where CRM deal " + dealID + " counts.", nil
	}
	msg := "Recorded for this contact: " + string(target) + ", instead of " + string(was) + ". " + countedMessage(hp, dealID, zone)
	if refused != nil {
		return msg + "; it can no longer change there (" + refused.Error() + ").", nil
	}
	return msg + "; nothing changed there.", nil
}
