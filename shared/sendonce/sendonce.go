// Package sendonce sends one email for one lead exactly once, whatever
// crashes, retries and overlapping workers do:
//
//	claim   one transaction: the lead (lease, version check) + a send
//	        marker for the job (must not exist) [+ the address is not
//	        suppressed]
//	send    SES
//	commit  the lead's new state with its events and counters (version
//	        check; on conflict re-read and re-apply)
//
// A failed send removes the marker and the lease, so the next run retries.
// A crash after the send leaves the marker: the next run finds it, skips
// the send and commits. It imports no AWS code.
package sendonce

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
)

// Store errors (see package lead).
var (
	ErrAlreadySent = lead.ErrAlreadySent
	ErrSuppressed  = lead.ErrSuppressed
)

// Store is the persistence the protocol needs.
type Store interface {
	Lead(ctx context.Context, id string) (lead.Lead, error)
	Save(ctx context.Context, l lead.Lead, ch lead.Change) error
	// Claim writes l (stored version must be l.Version-1) and creates the
	// job's send marker, atomically; with checkSuppression it also
	// requires the lead's email hash not to be suppressed.
	// lead.ErrVersionConflict, ErrAlreadySent or ErrSuppressed otherwise.
	Claim(ctx context.Context, l lead.Lead, job string, at time.Time, checkSuppression bool) error
	// Unclaim writes l (version check) and deletes the job's marker,
	// atomically, after a send that certainly failed.
	Unclaim(ctx context.Context, l lead.Lead, job string) error
}

// Job is one email to send for a lead.
type Job struct {
	// Name identifies the email among all emails of the lead, e.g.
	// "handoff" or "nurture:cold-education:welcome"; it names the marker.
	Name string
	// ToLead says the email goes to the lead (check suppression first).
	ToLead bool
	// Prepare runs before the claim and may change the lead (e.g. choose
	// the rep); the change is saved with the claim.
	Prepare func(ctx context.Context, l *lead.Lead) error
	// Message builds the email from the claimed lead.
	Message func(ctx context.Context, l lead.Lead) (mail.Message, error)
	// Due reports whether the job is still to be done for l (checked on
	// every re-read, so a job recorded by someone else is not redone).
	Due func(l *lead.Lead) bool
	// Commit records the sent email on l and returns what to write with it.
	Commit func(l *lead.Lead, messageID string) lead.Change
}

// Outcome of Do.
type Outcome = lead.Outcome

// Outcomes.
const (
	Sent       Outcome = "sent"
	Recovered  Outcome = "recovered"  // sent by an earlier attempt; recorded now
	Busy               = lead.Busy    // another worker holds or changed the lead
	NotDue             = lead.Idle    // someone else recorded it already
	Suppressed Outcome = "suppressed" // the address is suppressed; nothing sent
)

// Sender runs the protocol.
type Sender struct {
	Store Store
	Mail  mail.Sender
	Lease time.Duration
	Clock func() time.Time
}

// Do sends job for l exactly once. l is the lead as last read; owner names
// this worker (request or tick id).
func (s *Sender) Do(ctx context.Context, l lead.Lead, job Job, owner string) (Outcome, error) {
	now := s.Clock()
	if l.Held(owner, now) {
		return Busy, nil
	}
	if job.Prepare != nil {
		if err := job.Prepare(ctx, &l); err != nil {
			return "", err
		}
	}
	l.Lease = &lead.Lease{Owner: owner, Until: now.Add(s.Lease)}
	// Once the claim may be written, the protocol runs to its end: a
	// cancelled context (a tick stopping, a client gone) must not leave a
	// marker behind without the email, or an email without its commit.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Lease)
	defer cancel()
	read := l
	messageID, fresh := "", true
	l, err := lead.Write(ctx, func(ctx context.Context, l lead.Lead, _ lead.Change) error {
		return s.Store.Claim(ctx, l, job.Name, now, job.ToLead)
	}, read, lead.Change{})
	switch {
	case err == nil:
	case errors.Is(err, lead.ErrVersionConflict):
		return Busy, nil
	case errors.Is(err, ErrSuppressed):
		return Suppressed, nil
	case errors.Is(err, ErrAlreadySent):
		// Recovery: claim the lead without a new marker, then commit.
		fresh = false
		if l, err = lead.Write(ctx, s.Store.Save, read, lead.Change{At: now}); err != nil {
			if errors.Is(err, lead.ErrVersionConflict) {
				return Busy, nil
			}
			return "", fmt.Errorf("sendonce: reclaim %s: %w", job.Name, err)
		}
	default:
		return "", fmt.Errorf("sendonce: claim %s: %w", job.Name, err)
	}
	if fresh {
		msg, err := job.Message(ctx, l)
		if err == nil {
			messageID, err = s.Mail.Send(ctx, msg)
		}
		if err != nil {
			// Nothing went out: drop marker and lease so a later run retries.
			undo := l
			undo.Lease = nil
			if _, uerr := lead.Write(ctx, func(ctx context.Context, l lead.Lead, _ lead.Change) error {
				return s.Store.Unclaim(ctx, l, job.Name)
			}, undo, lead.Change{}); uerr != nil {
				return "", fmt.Errorf("sendonce: %s not sent (%w); releasing it failed too: %v", job.Name, err, uerr)
			}
			return "", fmt.Errorf("sendonce: send %s: %w", job.Name, err)
		}
	}
	if err := s.commit(ctx, l, job, owner, messageID); err != nil {
		return "", err
	}
	if !fresh {
		return Recovered, nil
	}
	return Sent, nil
}

// commit records the send on the claimed lead, or on a fresh read when a
// resubmission changed it meanwhile.
func (s *Sender) commit(ctx context.Context, claimed lead.Lead, job Job, owner, messageID string) error {
	first := true
	err := lead.Retries.Do(ctx, func() error {
		l := claimed
		if !first {
			var err error
			if l, err = s.Store.Lead(ctx, claimed.ID); err != nil {
				return fmt.Errorf("sendonce: reload %s: %w", claimed.ID, err)
			}
			if !job.Due(&l) {
				return nil // recorded by someone else
			}
		}
		first = false
		ch := job.Commit(&l, messageID)
		if l.Lease != nil && l.Lease.Owner == owner {
			l.Lease = nil
		}
		_, err := lead.Write(ctx, s.Store.Save, l, ch)
		if err != nil && !errors.Is(err, lead.ErrVersionConflict) {
			return fmt.Errorf("sendonce: commit %s: %w", job.Name, err)
		}
		return err
	})
	if errors.Is(err, lead.ErrVersionConflict) {
		return fmt.Errorf("sendonce: commit %s: too many concurrent changes", job.Name)
	}
	return err
}
