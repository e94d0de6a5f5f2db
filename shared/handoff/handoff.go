// Package handoff hands hot leads to sales: it picks a rep (routing rules,
// round robin that skips away reps), sends the alert with signed
// accept/reject links exactly once, and escalates leads nobody answered
// within the first-response SLA. It imports no AWS code.
package handoff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/metrics"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/token"
)

// Store is what handoff needs from persistence.
type Store interface {
	sendonce.Store
	// RecentEvents is a bounded read of the lead's timeline (lead.Recent).
	RecentEvents(ctx context.Context, id string, r lead.Recent) ([]lead.Event, bool, error)
	// NextTurn is a team's next round-robin turn (0, 1, 2, …).
	NextTurn(ctx context.Context, team string) (int64, error)
}

// Service hands leads to sales.
type Service struct {
	Store Store
	// Send runs the exactly-once protocol (claim, marker, send, commit).
	Send  *sendonce.Sender
	Rules *qualify.Config
	Keys  token.Keys
	// From is the alert sender; Fallback gets alerts when no rep can.
	From, Fallback string
	// BaseURL is the public API base for links (…/feedback/{token}).
	BaseURL string
	// ConfigurationSet is the SES configuration set for event publishing.
	ConfigurationSet string
	// LinkTTL is how long accept/reject links work.
	LinkTTL time.Duration
	// Labels names campaigns, variants and questions in alerts; nil
	// shows ids and answer keys humanised.
	Labels Labels
	// Flood limits alerts per source and per address; nil: no limits.
	Flood *Flood
	// Requalify re-grades a lead whose unanswered hand-off went back to
	// marketing and places it in a nurture sequence (nurture.Enroller);
	// nil only sets its stage.
	Requalify Requalifier
	Clock     func() time.Time
	NewID     func(time.Time) string
	Log       *slog.Logger

	refused refusals // slot windows this process saw full (admit)
}

// Requalifier re-grades a lead and enrols it where it belongs: a lead
// back with marketing, whether sales sent it back (package feedback) or
// nobody answered its alert.
type Requalifier interface {
	Qualify(l *lead.Lead, now time.Time) lead.Change
}

// Outcome says what Run did.
type Outcome = lead.Outcome

// Outcomes of Run.
const (
	Reminded   Outcome = "reminded" // the rep was asked for the outcome
	NothingDue         = lead.Idle
	Busy               = lead.Busy   // another worker holds the lead
	Sent       Outcome = "sent"      // alert sent to a rep
	Escalated  Outcome = "escalated" // SLA breach: escalation sent
	Recovered  Outcome = "recovered" // an earlier attempt had sent it; recorded now
	Returned   Outcome = "returned"  // nobody answered the alert in time: back to marketing
	// Unconfirmed: an earlier attempt died with the alert claimed; SES's
	// Send event decides (package sendonce).
	Unconfirmed = sendonce.Unconfirmed
	// Deferred: an earlier email to sales about the lead was refused and
	// its back-off has not ended (lead.Refusal); nothing was tried.
	Deferred = sendonce.Deferred
	// ToldAsked: the rep who holds the lead's deal was told that the lead
	// asked again with a form.
	ToldAsked Outcome = "told_asked"
)

// Jobs, also the names of their send markers.
const (
	jobHandoff    = "handoff"
	jobEscalation = "escalation"
	jobReminder   = "outcome_reminder"
	jobAsked      = "asked_again"  // the rep who holds the deal hears of a new form (lead.Asked)
	jobSummary    = "held_summary" // the team lead's summary of a window's held alerts
	jobReturn     = "return"       // an unanswered hand-off goes back to marketing (no email)
)

// EventToldAsked is the timeline event of the rep who holds a lead's deal
// being told that the lead asked again.
const EventToldAsked = "asked_again_notice"

// EventReturned is the timeline event of a hand-off nobody answered in
// time going back to marketing.
const EventReturned = "returned_unanswered"

func dueJob(l *lead.Lead, now time.Time) string {
	if l.Erased {
		return "" // nothing goes to sales about an erased person
	}
	if l.OutcomeReminderPending() && !now.Before(l.Deal.RemindAt) {
		return jobReminder
	}
	if due := l.AskedDue(); !due.IsZero() && !now.Before(due) {
		return jobAsked
	}
	if l.Handoff == nil {
		return ""
	}
	// A summary waiting out a refusal's back-off does not hold up a
	// return that is due (NextDue says the lead is due then): the lead
	// goes back to marketing rather than being deferred every tick.
	returnDue := !l.ReturnDue().IsZero() && !now.Before(l.ReturnDue())
	switch {
	case l.OwedToSales():
		return jobHandoff
	case l.Handoff.State == lead.HandoffHeld && l.Handoff.Held != nil && !l.Handoff.Held.Summarised && !now.Before(l.Handoff.Held.SummaryAt) &&
		!(returnDue && l.Deferred(false, now)):
		return jobSummary
	case !l.HeldRetryAt().IsZero() && !now.Before(l.HeldRetryAt()):
		return jobHandoff // held for a recent alert, whose window has ended
	case returnDue:
		return jobReturn
	case l.EscalationOwed() && !now.Before(l.Handoff.DueBy):
		return jobEscalation
	}
	return ""
}

// Run does whatever is due for one lead — the first alert of a hot lead,
// or the escalation of one whose SLA passed — exactly once (see package
// sendonce).
//
// base is the API address the caller saw, kept on the lead when it has
// none; links use Service.BaseURL when set, else the lead's.
func (s *Service) Run(ctx context.Context, leadID, owner, base string) (Outcome, error) {
	l, err := s.Store.Lead(ctx, leadID)
	if err != nil {
		return "", fmt.Errorf("handoff: load %s: %w", leadID, err)
	}
	return s.RunLead(ctx, l, owner, base)
}

// RunLead is Run for a lead the caller has just read or written (capture
// passes the lead it stored, the tick the one from the due index).
func (s *Service) RunLead(ctx context.Context, l lead.Lead, owner, base string) (Outcome, error) {
	now := s.Clock()
	job := dueJob(&l, now)
	retry := job == jobHandoff && l.Handoff.State == lead.HandoffHeld
	if retry {
		// Held for an alert shortly before, and that window has ended:
		// owed again, through flood control as any first alert.
		h := *l.Handoff
		h.State = lead.HandoffPending
		l.Handoff = &h
	}
	switch {
	case job == "":
		return NothingDue, nil
	case job != jobReturn && l.Deferred(false, now) && !claimed(l, job):
		// Before flood control and the rotation: a refused alert must not
		// take a slot or a rep's turn each time it is looked at. A claim
		// left on the lead goes on to the protocol, which records one SES
		// confirmed (nothing is sent) and defers the rest itself. (Giving
		// an unanswered lead back to marketing sends no email: not
		// deferred.)
		return Deferred, nil
	case job == jobSummary, job == jobReturn:
		if l.Held(owner, now) {
			return Busy, nil
		}
		if job == jobReturn {
			return s.giveBack(ctx, l, now)
		}
		return s.summarise(ctx, l, now)
	case job == jobHandoff && l.Handoff.Rep == "" && s.Flood != nil && !l.Held(owner, now):
		// Not routed yet: flood control decides whether it goes at all
		// (the rep is chosen meanwhile; the claim then stores it).
		held, err := s.admit(ctx, &l, s.job(job, base, now), now)
		if err != nil {
			return "", err
		}
		if held != nil {
			return s.hold(ctx, l, held, now)
		}
	}
	if retry {
		l.Handoff.Since = l.Handoff.Held.RetryAt // its time to alert counts from then
	}
	out, err := s.Send.Do(ctx, l, s.job(job, base, now), owner)
	return s.outcome(ctx, l, job, out, err)
}

// claimed reports whether l carries a claim of job (an earlier attempt's).
func claimed(l lead.Lead, job string) bool {
	_, ok := l.Claims[job]
	return ok
}

// Claim readies a lead that is owed its first alert to be claimed by the
// write that stores it anyway (capture creating it): the rep is chosen
// (a round-robin turn) and the claim put on l. SendClaimed then sends.
// It does nothing when no first alert is due, nor when flood control
// holds the alert (the capture's follow-up records it, asking again: a
// refused slot changes nothing).
func (s *Service) Claim(ctx context.Context, l *lead.Lead, owner, base string) error {
	now := s.Clock()
	if dueJob(l, now) != jobHandoff {
		return nil
	}
	job := s.job(jobHandoff, base, now)
	if s.Flood != nil && l.Handoff.Rep == "" {
		if held, err := s.admit(ctx, l, job, now); err != nil || held != nil {
			return err
		}
	} else if err := job.Prepare(ctx, l); err != nil {
		return err
	}
	s.Send.Stage(l, jobHandoff, owner)
	return nil
}

// admit asks flood control whether the first alert of l may go now
// (nil, or why it is held) and prepares the alert (its rep chosen). The
// alert's slot and the rep's round-robin turn are independent
// single-item writes, so they go at once and the alert waits for the
// slower, not their sum; a held lead is left as it was. When the answer
// needs no request (a recent alert, no limits) or this process saw the
// slot's window full, the slot is asked first and a held lead takes no
// turn; a lead held at the same time as its turn was taken has used that
// turn up, and the rotation goes on from the next rep.
func (s *Service) admit(ctx context.Context, l *lead.Lead, job sendonce.Job, now time.Time) (*lead.Held, error) {
	held, ask := s.Flood.check(l, now)
	switch {
	case held != nil:
		return held, nil
	case ask == nil:
		return nil, job.Prepare(ctx, l)
	case s.refused.has(ask):
		if held, err := s.slot(ctx, l.ID, ask); err != nil || held != nil {
			return held, err
		}
		return nil, job.Prepare(ctx, l)
	}
	before, id := *l.Handoff, l.ID
	var gateErr error
	gateDone := make(chan struct{})
	go func() {
		defer close(gateDone)
		defer func() {
			if p := recover(); p != nil { // the runtime recovers only its own goroutine
				gateErr = fmt.Errorf("handoff: flood control: panic: %v", p)
			}
		}()
		held, gateErr = s.slot(ctx, id, ask)
	}()
	err := job.Prepare(ctx, l)
	<-gateDone
	if gateErr != nil || held != nil {
		*l.Handoff = before
		return held, gateErr
	}
	return nil, err
}

// slot takes the alert's slot (nil when placed, else the hold),
// remembering a refusal for admit.
func (s *Service) slot(ctx context.Context, leadID string, ask *slotAsk) (*lead.Held, error) {
	held, full, err := s.Flood.take(ctx, leadID, ask)
	if err != nil {
		return nil, fmt.Errorf("handoff: flood control: %w", err)
	}
	if held != nil {
		s.refused.add(ask.key, full)
	}
	return held, nil
}

// SendClaimed sends and records the alert whose claim was written with l
// (Claim); l is the lead as written.
func (s *Service) SendClaimed(ctx context.Context, l lead.Lead, owner string) (Outcome, error) {
	out, err := s.Send.Finish(ctx, l, s.job(jobHandoff, "", s.Clock()), owner)
	return s.outcome(ctx, l, jobHandoff, out, err)
}

// job is the exactly-once job of an alert or escalation.
func (s *Service) job(job, base string, now time.Time) sendonce.Job {
	return sendonce.Job{
		Name: job,
		Prepare: func(ctx context.Context, l *lead.Lead) error {
			if base != "" && l.LinkBase == "" {
				l.LinkBase = base
			}
			if job == jobAsked {
				l.ClaimAsked() // the forms its email lists, stored with the claim
			}
			// Chosen before the claim, so it is stored with it and a
			// recovery after a crash knows who got the email.
			return s.chooseRecipient(ctx, l, job)
		},
		Message: func(ctx context.Context, l lead.Lead) (mail.Message, error) { return s.message(ctx, l, job, now) },
		Due:     func(l *lead.Lead) bool { return dueJob(l, now) == job },
		Commit:  func(l *lead.Lead, messageID string) lead.Change { return s.record(l, job, messageID, now) },
		Since:   since(job),
	}
}

// since is when the obligation a deal's email fulfils began, for the
// jobs whose obligation can end and come again on the same lead (a deal
// lost, the lead back and accepted anew): the deal's acceptance for its
// outcome reminder, the oldest untold form for the notice that it asked
// again. A claim older than that is a dead worker's from the earlier deal.
func since(job string) func(l *lead.Lead) time.Time {
	switch job {
	case jobReminder:
		return func(l *lead.Lead) time.Time { return l.AcceptedAt() }
	case jobAsked:
		return func(l *lead.Lead) time.Time { since, _ := l.AskedUntold(); return since }
	}
	return nil
}

// outcome maps what the protocol did to the hand-off's outcome and metrics.
func (s *Service) outcome(ctx context.Context, l lead.Lead, job string, out sendonce.Outcome, err error) (Outcome, error) {
	if err != nil {
		return "", fmt.Errorf("handoff: %w", err)
	}
	if out == sendonce.Sent && job == jobReminder {
		return Reminded, nil
	}
	if out == sendonce.Sent && job == jobAsked {
		return ToldAsked, nil
	}
	switch out {
	case sendonce.Sent:
		if job == jobEscalation {
			metrics.Count(ctx, metrics.SLABreaches, 1)
			return Escalated, nil
		}
		metrics.Count(ctx, metrics.AlertsSent, 1)
		if !l.Handoff.Since.IsZero() {
			metrics.Observe(ctx, metrics.SecondsToAlert, s.Clock().Sub(l.Handoff.Since).Seconds(), metrics.UnitSeconds)
		}
		return Sent, nil
	case sendonce.Recovered:
		return Recovered, nil
	case sendonce.Busy:
		return Busy, nil
	case sendonce.Unconfirmed:
		return Unconfirmed, nil
	case sendonce.Deferred:
		return Deferred, nil
	}
	return NothingDue, nil
}

// chooseRecipient fills in the rep (handoff) or escalation target once:
// a claim released unsent (SES throttled, sending paused, a refusal's
// back-off) keeps it for the next try — unless a deploy meanwhile took
// them out of the routing config or marked them away, when the email,
// not sent yet, goes to someone who is there instead.
func (s *Service) chooseRecipient(ctx context.Context, l *lead.Lead, job string) error {
	h := l.Handoff
	switch job {
	case jobHandoff:
		if h.Rep != "" && s.present(h.Rep) {
			return nil
		}
		name, team := s.Rules.Route(*l)
		h.Team = name
		rep, err := s.nextRep(ctx, name, team)
		if err != nil {
			return err
		}
		h.Rep, h.RepName = rep.Email, rep.Name
	case jobReminder, jobAsked:
		return nil // the rep who accepted it
	case jobEscalation:
		if h.EscalatedTo != "" && s.present(h.EscalatedTo) {
			return nil
		}
		// The team lead of the team alerted, whose rep missed the
		// deadline, even when a later form routes the lead elsewhere.
		_, team := s.Rules.TeamOf(*l)
		if team.Lead.Email != "" && team.Lead.Email != h.Rep {
			h.EscalatedTo = team.Lead.Email
			return nil
		}
		h.EscalatedTo = s.repAfter(team, h.Rep).Email
	}
	return nil
}

// present reports whether the routing config lists addr, not away, as
// someone who takes alerts (a rep or team lead of a team, or the
// fallback sales address).
func (s *Service) present(addr string) bool {
	listed, away := holds(s.Rules, s.Fallback, addr)
	return listed && !away
}

// repAfter is who an escalation goes to in a team without a team lead
// (or whose lead missed the alert): the next available rep after `missed`
// in config order, taking no round-robin turn (the alerts' rotation is
// not the escalations'); with nobody else available, the team lead, then
// the fallback sales address.
func (s *Service) repAfter(team qualify.Team, missed string) qualify.Rep {
	start := 0
	for i, r := range team.Reps {
		if r.Email == missed {
			start = i + 1
		}
	}
	for i := range team.Reps {
		if r := team.Reps[(start+i)%len(team.Reps)]; !r.Away && r.Email != missed {
			return r
		}
	}
	if team.Lead.Email != "" && team.Lead.Email != missed {
		return team.Lead
	}
	return qualify.Rep{Name: "Sales", Email: s.Fallback}
}

// nextRep takes the team's next round-robin turn among available reps;
// with one rep to choose from it takes no turn (there is no rotation to
// keep, and the alert waits for one request less); with nobody available
// it falls back to the team lead, then to the fallback sales address.
func (s *Service) nextRep(ctx context.Context, name string, team qualify.Team) (qualify.Rep, error) {
	reps := team.Available()
	switch len(reps) {
	case 0:
		if team.Lead.Email != "" {
			return team.Lead, nil
		}
		return qualify.Rep{Name: "Sales", Email: s.Fallback}, nil
	case 1:
		return reps[0], nil
	}
	turn, err := s.Store.NextTurn(ctx, name)
	if err != nil {
		return qualify.Rep{}, fmt.Errorf("handoff: round robin %s: %w", name, err)
	}
	return reps[turn%int64(len(reps))], nil
}

// record applies a sent alert or escalation to the lead.
func (s *Service) record(l *lead.Lead, job, messageID string, now time.Time) lead.Change {
	h := l.Handoff
	ch := lead.Change{At: now}
	campaign := l.Campaign()
	switch job {
	case jobReminder:
		l.Deal.RemindedAt = now
		ch.Events = append(ch.Events, lead.Event{At: now, Kind: "outcome_reminder", ID: s.NewID(now), Data: map[string]any{
			"rep": s.dealRecipient(l, false), "message_id": messageID}})
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: "outcome_reminders"})
	case jobAsked:
		since, upto := l.AskedUntold()
		l.ToldAsked(now)
		ch.Events = append(ch.Events, lead.Event{At: now, Kind: EventToldAsked, ID: s.NewID(now), Data: map[string]any{
			"rep": s.dealRecipient(l, true), "message_id": messageID, "forms_since": since, "forms_until": upto}})
	case jobHandoff:
		_, team := s.Rules.TeamOf(*l)
		h.State, h.SentAt, h.DueBy = lead.HandoffSent, now, s.Rules.DueBy(team, now)
		h.ReturnAt = s.Rules.ReturnBy(team, now)
		l.AlertedAt = now // outlives the handoff (a send-back ends it), for Flood's Dedup
		ch.Events = append(ch.Events, lead.Event{At: now, Kind: "handoff", ID: s.NewID(now), Data: map[string]any{
			"rep": h.Rep, "team": h.Team, "due_by": h.DueBy, "message_id": messageID, "reasons": reasons(l)}})
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: "handoffs"})
		// The rep's own count of alerts received (the per-rep view).
		ch.Counters = append(ch.Counters, lead.RepCounter(h.Rep, "handoffs", 0)...)
	case jobEscalation:
		h.State, h.Breached = lead.HandoffEscalated, true
		ch.Events = append(ch.Events, lead.Event{At: now, Kind: "sla_breach", ID: s.NewID(now), Data: map[string]any{
			"rep": h.Rep, "escalated_to": h.EscalatedTo, "due_by": h.DueBy, "message_id": messageID}})
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: "sla_breaches"})
		// A breach is the rep's who missed the deadline, not the
		// escalation target's.
		ch.Counters = append(ch.Counters, lead.RepCounter(h.Rep, "sla_breaches", 0)...)
	}
	return ch
}

// giveBack returns a lead whose alert nobody answered (the rep, nor the
// team lead after the escalation), or whose held alert nobody released,
// by its hand-off's ReturnAt to marketing:
// it is nurtured again, counting engagement from now on, and comes back
// to sales with a new alert when it turns hot again. The alert's links
// then say so. Nothing is emailed.
func (s *Service) giveBack(ctx context.Context, l lead.Lead, now time.Time) (Outcome, error) {
	h := *l.Handoff
	var data map[string]any
	if h.State == lead.HandoffHeld && h.Held != nil {
		data = map[string]any{"held": h.Held.Reason, "held_at": h.Held.At}
	} else {
		data = map[string]any{"rep": h.Rep, "alerted_at": h.SentAt}
		if h.EscalatedTo != "" {
			data["escalated_to"] = h.EscalatedTo
		}
	}
	ch := lead.Change{At: now, Events: []lead.Event{{At: now, Kind: EventReturned, ID: s.NewID(now), Data: data}},
		Counters: append([]lead.Counter{{Campaign: l.Campaign(), Name: EventReturned}}, lead.RepCounter(h.Rep, EventReturned, 0)...)}
	l.SendBack(lead.ReasonUnanswered, h.Rep, now)
	if s.Requalify != nil {
		ch.Add(s.Requalify.Qualify(&l, now))
	}
	if _, err := lead.Write(ctx, s.Store.Put, l, ch); errors.Is(err, lead.ErrVersionConflict) {
		return Busy, nil // changed meanwhile (answered, perhaps): the next run decides again
	} else if err != nil {
		return "", fmt.Errorf("handoff: return unanswered: %w", err)
	}
	return Returned, nil
}

func reasons(l *lead.Lead) []string {
	if l.Qualification == nil {
		return nil
	}
	return l.Qualification.Reasons
}
