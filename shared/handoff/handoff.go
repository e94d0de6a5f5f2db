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
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/token"
)

// Store is what handoff needs from persistence.
type Store interface {
	Lead(ctx context.Context, id string) (lead.Lead, error)
	Timeline(ctx context.Context, id string) ([]lead.Event, error)
	// Save writes l if the stored version is l.Version-1, with ch.
	Save(ctx context.Context, l lead.Lead, ch lead.Change) error
	// MarkSent creates the send marker of a job; false if it existed.
	MarkSent(ctx context.Context, leadID, job string, at time.Time) (bool, error)
	UnmarkSent(ctx context.Context, leadID, job string) error
	// NextTurn is a team's next round-robin turn (0, 1, 2, …).
	NextTurn(ctx context.Context, team string) (int64, error)
}

// Service hands leads to sales.
type Service struct {
	Store Store
	Mail  mail.Sender
	Rules *qualify.Config
	Keys  token.Keys
	// From is the alert sender; Fallback gets alerts when no rep can.
	From, Fallback string
	// BaseURL is the public API base for links (…/feedback/{token}).
	BaseURL string
	// LinkTTL is how long accept/reject links work.
	LinkTTL time.Duration
	// Lease bounds how long a crashed worker blocks a lead.
	Lease time.Duration
	Clock func() time.Time
	NewID func(time.Time) string
	Log   *slog.Logger
}

// Outcome says what Run did.
type Outcome string

// Outcomes of Run.
const (
	NothingDue Outcome = "nothing_due"
	Busy       Outcome = "busy"      // another worker holds the lead
	Sent       Outcome = "sent"      // alert sent to a rep
	Escalated  Outcome = "escalated" // SLA breach: escalation sent
	Recovered  Outcome = "recovered" // an earlier attempt had sent it; recorded now
)

// Jobs, also the suffix of the send marker.
const (
	jobHandoff    = "handoff"
	jobEscalation = "escalation"
)

func dueJob(l *lead.Lead, now time.Time) string {
	if l.Handoff == nil {
		return ""
	}
	switch {
	case l.Handoff.State == lead.HandoffPending:
		return jobHandoff
	case l.Handoff.State == lead.HandoffSent && !now.Before(l.Handoff.DueBy):
		return jobEscalation
	}
	return ""
}

// Run does whatever is due for one lead — the first alert of a hot lead,
// or the escalation of one whose SLA passed — exactly once: claim a lease,
// write a send marker, send, commit. A crash after the marker and before
// the commit is recovered by the next run without sending again; a failed
// send removes the marker so the next run retries.
//
// base is the public URL links point at; "" uses the one recorded when the
// lead was handed off, else Service.BaseURL.
func (s *Service) Run(ctx context.Context, leadID, owner, base string) (Outcome, error) {
	l, err := s.Store.Lead(ctx, leadID)
	if err != nil {
		return "", fmt.Errorf("handoff: load %s: %w", leadID, err)
	}
	return s.RunLead(ctx, l, owner, base)
}

// RunLead is Run for a lead the caller has just read or written (capture
// passes the lead it stored), saving a read.
func (s *Service) RunLead(ctx context.Context, l lead.Lead, owner, base string) (Outcome, error) {
	now := s.Clock()
	leadID := l.ID
	job := dueJob(&l, now)
	if job == "" {
		return NothingDue, nil
	}
	if l.Held(owner, now) {
		return Busy, nil
	}
	// Choose the recipient before claiming, so it is stored with the claim
	// and a recovery after a crash knows who got the email.
	if err := s.chooseRecipient(ctx, &l, job); err != nil {
		return "", err
	}
	if base != "" {
		l.Handoff.LinkBase = base
	}
	l.Lease = &lead.Lease{Owner: owner, Until: now.Add(s.Lease)}
	l.Version++
	if err := s.Store.Save(ctx, l, lead.Change{At: now}); err != nil {
		if errors.Is(err, lead.ErrVersionConflict) {
			return Busy, nil
		}
		return "", fmt.Errorf("handoff: claim %s: %w", leadID, err)
	}

	fresh, err := s.Store.MarkSent(ctx, leadID, job, now)
	if err != nil {
		s.release(ctx, leadID, owner)
		return "", fmt.Errorf("handoff: mark %s: %w", leadID, err)
	}
	messageID := ""
	if fresh {
		msg, err := s.message(ctx, l, job, now)
		if err == nil {
			messageID, err = s.Mail.Send(ctx, msg)
		}
		if err != nil {
			// Nothing went out: let the next run try again.
			if uerr := s.Store.UnmarkSent(ctx, leadID, job); uerr != nil {
				return "", fmt.Errorf("handoff: send %s failed (%v) and its marker stays: %w", leadID, err, uerr)
			}
			s.release(ctx, leadID, owner)
			return "", fmt.Errorf("handoff: send %s: %w", job, err)
		}
	}
	out, err := s.commit(ctx, l, owner, job, messageID, now)
	if err == nil && !fresh {
		out = Recovered
	}
	return out, err
}

// chooseRecipient fills in the rep (handoff) or escalation target once.
func (s *Service) chooseRecipient(ctx context.Context, l *lead.Lead, job string) error {
	h := l.Handoff
	switch job {
	case jobHandoff:
		if h.Rep != "" {
			return nil
		}
		name, team := s.Rules.Route(*l)
		h.Team = name
		rep, err := s.nextRep(ctx, name, team, "")
		if err != nil {
			return err
		}
		h.Rep, h.RepName = rep.Email, rep.Name
	case jobEscalation:
		if h.EscalatedTo != "" {
			return nil
		}
		_, team := s.Rules.Route(*l)
		if team.Lead.Email != "" && team.Lead.Email != h.Rep {
			h.EscalatedTo = team.Lead.Email
			return nil
		}
		rep, err := s.nextRep(ctx, h.Team, team, h.Rep)
		if err != nil {
			return err
		}
		h.EscalatedTo = rep.Email
	}
	return nil
}

// nextRep takes the team's next round-robin turn among available reps,
// skipping `not`; with nobody available it falls back to the team lead,
// then to the fallback sales address.
func (s *Service) nextRep(ctx context.Context, name string, team qualify.Team, not string) (qualify.Rep, error) {
	var reps []qualify.Rep
	for _, r := range team.Available() {
		if r.Email != not {
			reps = append(reps, r)
		}
	}
	if len(reps) == 0 {
		if team.Lead.Email != "" && team.Lead.Email != not {
			return team.Lead, nil
		}
		return qualify.Rep{Name: "Sales", Email: s.Fallback}, nil
	}
	turn, err := s.Store.NextTurn(ctx, name)
	if err != nil {
		return qualify.Rep{}, fmt.Errorf("handoff: round robin %s: %w", name, err)
	}
	return reps[turn%int64(len(reps))], nil
}

// commit records the send on the lead as claimed, or — when a
// resubmission changed it meanwhile — on a fresh read, retrying on
// version conflicts.
func (s *Service) commit(ctx context.Context, claimed lead.Lead, owner, job, messageID string, now time.Time) (Outcome, error) {
	leadID := claimed.ID
	for attempt := 0; attempt < 10; attempt++ {
		l := claimed
		if attempt > 0 {
			var err error
			if l, err = s.Store.Lead(ctx, leadID); err != nil {
				return "", fmt.Errorf("handoff: reload %s: %w", leadID, err)
			}
		}
		if dueJob(&l, now) != job {
			return NothingDue, nil // someone recorded it already
		}
		h := l.Handoff
		ch := lead.Change{At: now}
		campaign := l.Campaign()
		var out Outcome
		switch job {
		case jobHandoff:
			h.State, h.SentAt, h.DueBy = lead.HandoffSent, now, now.Add(s.Rules.SLA())
			ch.Events = append(ch.Events, lead.Event{At: now, Kind: "handoff", ID: s.NewID(now), Data: map[string]any{
				"rep": h.Rep, "team": h.Team, "due_by": h.DueBy, "message_id": messageID, "reasons": reasons(&l)}})
			ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: "handoffs"})
			out = Sent
		case jobEscalation:
			h.State, h.Breached = lead.HandoffEscalated, true
			ch.Events = append(ch.Events, lead.Event{At: now, Kind: "sla_breach", ID: s.NewID(now), Data: map[string]any{
				"rep": h.Rep, "escalated_to": h.EscalatedTo, "due_by": h.DueBy, "message_id": messageID}})
			ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: "sla_breaches"})
			out = Escalated
		}
		if l.Lease != nil && l.Lease.Owner == owner {
			l.Lease = nil
		}
		l.Version++
		err := s.Store.Save(ctx, l, ch)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, lead.ErrVersionConflict) {
			return "", fmt.Errorf("handoff: commit %s: %w", leadID, err)
		}
	}
	return "", fmt.Errorf("handoff: commit %s: too many concurrent changes", leadID)
}

// release drops our lease after a failure so the next run need not wait.
func (s *Service) release(ctx context.Context, leadID, owner string) {
	for attempt := 0; attempt < 5; attempt++ {
		l, err := s.Store.Lead(ctx, leadID)
		if err != nil || l.Lease == nil || l.Lease.Owner != owner {
			return
		}
		l.Lease = nil
		l.Version++
		if err := s.Store.Save(ctx, l, lead.Change{At: s.Clock()}); err == nil || !errors.Is(err, lead.ErrVersionConflict) {
			return
		}
	}
}

func reasons(l *lead.Lead) []string {
	if l.Qualification == nil {
		return nil
	}
	return l.Qualification.Reasons
}
