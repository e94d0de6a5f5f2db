package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// leadList is what GET /_local/leads answers: the stack's clock (product
// time, which SPEED runs fast) and every lead, newest first.
type leadList struct {
	Now   time.Time   `json:"now"`
	Speed float64     `json:"speed"`
	Count int         `json:"count"`
	Leads []lead.Lead `json:"leads"`
}

// writeTable prints one row per lead, newest first: email, stage, grade,
// score, campaign and what happens next. Times are product time in loc.
func writeTable(w io.Writer, list leadList, loc *time.Location) error {
	leads := append([]lead.Lead(nil), list.Leads...)
	sort.SliceStable(leads, func(i, j int) bool {
		if !leads[i].CreatedAt.Equal(leads[j].CreatedAt) {
			return leads[i].CreatedAt.After(leads[j].CreatedAt)
		}
		return leads[i].ID > leads[j].ID
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tSTAGE\tGRADE\tSCORE\tCAMPAIGN\tNEXT")
	for _, l := range leads {
		email, grade, score := l.Email, "-", "-"
		if l.Erased || email == "" {
			email = "(erased)"
		}
		if q := l.Qualification; q != nil {
			grade = q.Grade
			score = strconv.FormatFloat(math.Round(q.Score*10)/10, 'f', -1, 64)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", email, l.Stage, grade, score, l.Campaign(), nextAction(l, list.Now, list.Speed, loc))
	}
	if len(leads) == 0 {
		fmt.Fprintln(tw, "(no leads yet: post the landing page's form, or run make demo)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !list.Now.IsZero() {
		clock := "product time " + list.Now.In(loc).Format("Mon 02 Jan 15:04 MST")
		if list.Speed > 0 && list.Speed != 1 {
			clock += fmt.Sprintf(" (clock x%g)", list.Speed)
		}
		noun := "leads"
		if len(leads) == 1 {
			noun = "lead"
		}
		_, err := fmt.Fprintf(w, "%d %s · %s\n", len(leads), noun, clock)
		return err
	}
	return nil
}

// nextAction says in words where a lead stands and what happens next,
// led by an email refusal whose back-off is running (that side's emails
// wait for it).
func nextAction(l lead.Lead, now time.Time, speed float64, loc *time.Location) string {
	next := standing(l, now, speed, loc)
	if due := l.AskedDue(); !due.IsZero() {
		// It asked again with a form while sales held its deal or had won it.
		next += "; asked again: notice to " + orText(l.DealOwner(), "its rep") + " " + dueText(due, now, speed, loc)
	}
	for _, r := range []*lead.Refusal{l.RefusedToSales, l.RefusedToLead} {
		if r == nil || !now.Before(r.Until) || l.Erased {
			continue
		}
		to := "sales"
		if r.ToLead {
			to = "the lead"
		}
		next = fmt.Sprintf("email to %s refused (%s, %d× in a row), next try %s; %s",
			to, orText(lead.RefusalWords(r.Reason), words(r.Reason)), r.Times, dueText(r.Until, now, speed, loc), next)
	}
	return next
}

// standing says in words where a lead stands and what happens next.
func standing(l lead.Lead, now time.Time, speed float64, loc *time.Location) string {
	when := func(t time.Time) string { return dueText(t, now, speed, loc) }
	if l.Suppressed != "" && l.WithSales() && !l.Erased {
		// Opted out while with sales, or came back after an opt-out with
		// a form: no email to the lead, but its alert still goes to sales.
		with := l
		with.Suppressed = ""
		return standing(with, now, speed, loc) + " (the lead itself is suppressed: " + words(l.Suppressed) + ")"
	}
	switch {
	case l.Erased:
		return "erased on request"
	case l.Stage == lead.StageWon:
		if d := l.Deal; d != nil && d.Amount > 0 {
			return fmt.Sprintf("won (%g %s)", d.Amount, d.Currency)
		}
		return "won"
	case l.Stage == lead.StageLost:
		if d := l.Deal; d != nil && d.LostReason != "" {
			return "lost: " + words(d.LostReason)
		}
		return "lost"
	case l.Stage == lead.StageRejected:
		return "rejected by sales"
	case l.Stage == lead.StageUnsubscribed:
		return "unsubscribed: no marketing email goes out"
	case l.Suppressed != "":
		return "suppressed (" + words(l.Suppressed) + "): no email goes out"
	case l.Stage == lead.StageDisqualified:
		if q := l.Qualification; q != nil && q.Disqualified != "" {
			return "disqualified: " + q.Disqualified
		}
		return "disqualified"
	}
	if h := l.Handoff; h != nil {
		rep := h.RepName
		if rep == "" {
			rep = orText(h.Rep, "sales")
		}
		switch h.State {
		case lead.HandoffPending:
			return "alert to sales owed: goes out on the next schedule tick"
		case lead.HandoffHeld:
			s := "alert held"
			if h.Held != nil {
				s += " (" + words(h.Held.Reason) + "); team lead's summary " + when(h.Held.SummaryAt)
			}
			return s
		case lead.HandoffSent:
			if !h.DueBy.IsZero() && !now.Before(h.DueBy) {
				return "alert sent to " + rep + "; SLA missed: escalation goes out on the next tick"
			}
			return "alert sent to " + rep + ", waiting; first response " + when(h.DueBy)
		case lead.HandoffEscalated:
			return "alert sent to " + rep + ", SLA missed: escalated to " + orText(h.EscalatedTo, "the team lead") + ", waiting"
		case lead.HandoffAnswered:
			by := rep
			if l.Deal != nil && l.Deal.Rep != "" && !strings.EqualFold(l.Deal.Rep, h.Rep) {
				by = l.Deal.Rep // another rep than the alerted one accepted it
			}
			switch {
			case l.Stage == lead.StageSQL:
				return "SQL with " + by + ", waiting for won/lost"
			case l.OutcomeReminderPending():
				return "accepted by " + by + "; outcome reminder " + when(l.Deal.RemindAt)
			case l.Stage == lead.StageSAL:
				return "accepted by " + by + ", waiting for the outcome"
			}
		}
	}
	var parts []string
	if o := l.OptIn; o != nil {
		switch {
		case o.SentAt.IsZero() && !o.DueAt.IsZero():
			parts = append(parts, "confirmation email "+when(o.DueAt))
		case !o.SentAt.IsZero() && !now.Before(o.SentAt.Add(lead.ConfirmationTTL)):
			// Its link can no longer be used: nothing is waiting.
			parts = append(parts, "confirmation link expired "+o.SentAt.Add(lead.ConfirmationTTL).In(loc).Format("Mon 02 Jan 15:04 MST")+
				", unused (a new post of the address with the box ticked sends a new one)")
		case !o.SentAt.IsZero():
			parts = append(parts, "confirmation email sent, waiting for the click")
		}
	}
	if n := l.Nurture; n != nil {
		switch {
		case !n.NextAt.IsZero():
			due := when(n.NextAt)
			if !n.NextAt.After(now) {
				// The tick decides the send: outside the lead's send
				// window or over its frequency cap, it moves NextAt on.
				due += " (the next tick sends it, inside the lead's send window and frequency cap)"
			}
			parts = append(parts, "nurture "+n.Sequence+" step "+n.Step+" "+due)
		case n.NoSequence != "" && (l.OptIn == nil || n.NoSequence != lead.NoConsent):
			parts = append(parts, "no nurture: "+words(n.NoSequence))
		}
	}
	if len(parts) == 0 {
		return "nothing due"
	}
	return strings.Join(parts, "; ")
}

// dueText is "due Tue 10:00 (in 2h; 2m of wall time)", or "due now".
func dueText(t, now time.Time, speed float64, loc *time.Location) string {
	if t.IsZero() {
		return "not scheduled"
	}
	d := t.Sub(now)
	if d <= 0 {
		return "due now"
	}
	layout := "Mon 15:04 MST"
	if d > 6*24*time.Hour {
		layout = "Mon 02 Jan 15:04 MST"
	}
	s := "due " + t.In(loc).Format(layout) + " (in " + shortDur(d)
	if speed > 0 && speed != 1 {
		s += "; " + shortDur(time.Duration(float64(d)/speed)) + " of wall time"
	}
	return s + ")"
}

// shortDur is a duration a person reads at a glance: 45s, 12m, 3h5m, 2d4h.
func shortDur(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	case d < 10*time.Minute:
		// Seconds still matter here (a week at SPEED=3600 is 2m48s, not 3m).
		d = d.Round(time.Second)
		if s := int(d % time.Minute / time.Second); s != 0 {
			return fmt.Sprintf("%dm%ds", int(d/time.Minute), s)
		}
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Round(time.Minute)/time.Minute))
	case d < 24*time.Hour:
		d = d.Round(time.Minute)
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	d = d.Round(time.Hour)
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

func words(code string) string { return strings.ReplaceAll(code, "_", " ") }
