// Package sendonce sends one email for one lead exactly once, whatever
// crashes, retries and overlapping workers do, with one conditional
// single-item write before the email and one after it:
//
//	claim   write the lead with a lease and a claim for the job (a fresh
//	        claim id); the stored version must be the one read
//	send    SES, the message tagged with the lead and the claim id
//	commit  write the lead with the email recorded (the job's own change)
//	        and the claim removed; on a version conflict re-read and
//	        re-apply while the claim is still ours
//
// What a claim left behind by a dead worker means is decided by SES's own
// record, never guessed: SES publishes a Send event for every message it
// accepts (the configuration set routes it to the sesevents function),
// and that event marks the claim Confirmed with the message id. A claim
// found after its lease:
//
//   - Confirmed: the email went out; record it (commit), send nothing.
//   - not Confirmed, younger than Sender.Confirm: unknown yet; wait.
//   - not Confirmed, older than Sender.Confirm: SES never accepted it;
//     claim again and send.
//
// So an email is lost only if nothing is ever sent, which a later run
// repairs, and sent twice only if SES accepts a message and loses its
// Send event for longer than Sender.Confirm. A send SES answered with an
// error (throttled, rejected, invalid) certainly went nowhere: the claim
// is released at once, as is one that never reached SES (no connection).
// A send that ended without an answer (timeout, connection lost) keeps
// its claim for the Send event to decide. A refusal that sending again
// at once would not cure (SES rejected the message, or it failed its
// checks) is recorded on the lead with the release: emails of its side
// then wait out a back-off (lead.Refusal; Do answers Deferred).
//
// It imports no AWS code.
package sendonce

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
)

// Store is the persistence the protocol needs.
type Store interface {
	Lead(ctx context.Context, id string) (lead.Lead, error)
	// Put writes l alone, as one conditional single-item write: the stored
	// version must be l.Version-1 (lead.ErrVersionConflict otherwise). The
	// change's events and counters travel with the item and are recorded
	// from the table's stream, not in the same request.
	Put(ctx context.Context, l lead.Lead, ch lead.Change) error
}

// Message tags every email sent through the protocol carries; SES
// returns them on the message's events.
const (
	TagLead  = "lead"
	TagClaim = "claim"
	// TagJob names the email (the job, e.g. nurture_cold-education_welcome)
	// in SES events and logs.
	TagJob = "job"
)

// Job is one email to send for a lead.
type Job struct {
	// Name identifies the email among all emails of the lead, e.g.
	// "handoff" or "nurture:cold-education:welcome"; it keys the claim.
	Name string
	// ToLead says the email goes to the lead (a suppressed address gets
	// nothing).
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
	// Since, when set, is when the obligation the job fulfils began (a
	// deal's acceptance, the oldest form its notice lists): a claim of the
	// job made before it belongs to an earlier obligation — one that ended
	// (a deal lost) before a dead worker's claim was recorded — and is set
	// aside, not recorded as this one's email.
	Since func(l *lead.Lead) time.Time
}

// Outcome of Do.
type Outcome = lead.Outcome

// Outcomes.
const (
	Sent      Outcome = "sent"
	Recovered Outcome = "recovered" // SES confirmed an earlier attempt's email; recorded now
	// Unconfirmed: an earlier attempt claimed the email and stopped without
	// recording it, and SES has not (yet) said whether it went out. The
	// lead stays due; a later run decides.
	Unconfirmed Outcome = "unconfirmed"
	Busy                = lead.Busy // another worker holds or changed the lead
	NotDue              = lead.Idle // someone else recorded it already
	Suppressed  Outcome = "suppressed"
	// Deferred: an earlier email of the job's side was refused and its
	// back-off has not ended (lead.Refusal); nothing was tried.
	Deferred Outcome = "deferred"
)

// DefaultConfirm is how long a claim left without its commit waits for
// SES's Send event: far beyond the seconds SES and EventBridge take, and
// long enough for the sesevents function's own retries.
const DefaultConfirm = 10 * time.Minute

// ErrUnknown wraps a send that ended without an answer from SES: the
// email may have gone out, so its claim stays for the Send event.
var ErrUnknown = errors.New("unknown whether SES accepted the email")

// Sender runs the protocol.
type Sender struct {
	Store Store
	Mail  mail.Sender
	// Lease bounds one claim → send → commit; other workers leave the
	// lead alone that long.
	Lease time.Duration
	// Confirm is how long an unrecorded claim waits for its Send event
	// before it counts as never sent (DefaultConfirm when zero).
	Confirm time.Duration
	Clock   func() time.Time
	// NewID makes claim ids (letters and digits: they are SES tags).
	NewID func(time.Time) string
}

// Do sends job for l exactly once. l is the lead as last read; owner names
// this worker (request or tick id).
func (s *Sender) Do(ctx context.Context, l lead.Lead, job Job, owner string) (Outcome, error) {
	now := s.Clock()
	if l.Held(owner, now) {
		return Busy, nil
	}
	// Once a claim may be written the protocol runs to its end: a cancelled
	// context (a tick stopping, a client gone) must not leave a claim
	// without its email, or an email without its commit.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Lease)
	defer cancel()
	if c, ok := l.Claims[job.Name]; ok && !(job.Since != nil && c.At.Before(job.Since(&l))) {
		switch {
		case c.Confirmed != "":
			// SES accepted it; the worker died before recording it.
			if err := s.commit(ctx, l, job, owner, c.ID, c.Confirmed, false); err != nil {
				if errors.Is(err, lead.ErrVersionConflict) {
					return Busy, nil
				}
				return "", err
			}
			return Recovered, nil
		case now.Before(c.At.Add(s.confirm())):
			return Unconfirmed, nil
		}
		// No Send event in all that time: SES never took it. Send it now.
	}
	if l.Deferred(job.ToLead, now) {
		return Deferred, nil
	}
	if job.Prepare != nil {
		if err := job.Prepare(ctx, &l); err != nil {
			return "", err
		}
	}
	if job.ToLead && l.Suppressed != "" {
		return Suppressed, nil
	}
	claimID := s.Stage(&l, job.Name, owner)
	claimed, err := lead.Write(ctx, s.Store.Put, l, lead.Change{})
	if errors.Is(err, lead.ErrVersionConflict) {
		return Busy, nil
	}
	if err != nil {
		return "", fmt.Errorf("sendonce: claim %s: %w", job.Name, err)
	}
	return s.finish(ctx, claimed, job, owner, claimID)
}

// Stage puts a lease and a claim for job on l, in memory, so that a
// write the caller makes anyway (capture creating a hot lead) is the
// claim; Finish then sends and commits. It returns the claim id. If that
// write fails, nothing was claimed.
func (s *Sender) Stage(l *lead.Lead, job, owner string) string {
	now := s.Clock()
	claimID := s.NewID(now)
	l.Lease = &lead.Lease{Owner: owner, Until: now.Add(s.Lease)}
	l.Claims = maps.Clone(l.Claims)
	if l.Claims == nil {
		l.Claims = map[string]lead.Claim{}
	}
	l.Claims[job] = lead.Claim{ID: claimID, At: now}
	return claimID
}

// Finish sends and commits a job whose claim (Stage) the caller wrote
// with l; l is the lead as written.
func (s *Sender) Finish(ctx context.Context, l lead.Lead, job Job, owner string) (Outcome, error) {
	c, ok := l.Claims[job.Name]
	if !ok || l.Lease == nil || l.Lease.Owner != owner {
		return "", fmt.Errorf("sendonce: finish %s: the lead carries no claim of %s", job.Name, owner)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.Lease)
	defer cancel()
	return s.finish(ctx, l, job, owner, c.ID)
}

// finish sends the claimed job and commits it.
func (s *Sender) finish(ctx context.Context, claimed lead.Lead, job Job, owner, claimID string) (Outcome, error) {
	messageID, err := s.send(ctx, claimed, job, claimID)
	if err != nil {
		if errors.Is(err, ErrUnknown) {
			return "", fmt.Errorf("sendonce: send %s: %w", job.Name, err)
		}
		// Nothing went out: drop claim and lease so a later run retries;
		// after a refusal, not before the back-off ends.
		undo := claimed
		undo.Lease = nil
		undo.Claims = maps.Clone(undo.Claims)
		delete(undo.Claims, job.Name)
		ch := Refuse(&undo, job.Name, job.ToLead, err, s.Clock(), s.NewID)
		if _, uerr := lead.Write(ctx, s.Store.Put, undo, ch); uerr != nil {
			return "", fmt.Errorf("sendonce: %s not sent (%w); releasing it failed too (it is sent again after %s): %v", job.Name, err, s.confirm(), uerr)
		}
		if r := undo.RefusalOf(job.ToLead); ch.Events != nil {
			return "", fmt.Errorf("sendonce: send %s: %w (refused %d× in a row: tried again after %s)", job.Name, err, r.Times, r.Until.Format(time.RFC3339))
		}
		return "", fmt.Errorf("sendonce: send %s: %w", job.Name, err)
	}
	if err := s.commit(ctx, claimed, job, owner, claimID, messageID, true); err != nil {
		return "", err
	}
	return Sent, nil
}

// EventRefused is the timeline event of an email refused for good (SES
// refused it, or it failed its checks): the lead's side waits out a
// back-off before the next try (lead.Refusal).
const EventRefused = "email_refused"

// Refuse records on l, when err is a refusal (SES refused the message,
// or it failed its checks), that job's email was refused at now: its
// side then waits out a back-off (lead.Refusal). It returns the change
// to write with l: the EventRefused event; nothing when err is not a
// refusal.
func Refuse(l *lead.Lead, job string, toLead bool, err error, now time.Time, newID func(time.Time) string) lead.Change {
	reason := refusal(err)
	if reason == "" {
		return lead.Change{}
	}
	l.Refuse(job, toLead, reason, now)
	r := l.RefusalOf(toLead)
	return lead.Change{At: now, Events: []lead.Event{{At: now, Kind: EventRefused, ID: newID(now),
		Data: map[string]any{"job": job, "reason": reason, "times": r.Times, "until": r.Until}}}}
}

// refusal is the lead.Refusal reason of a send that failed with err: SES
// refused the message, or it failed its checks (mail.ErrInvalid,
// mail.ErrHeaderInjection). "" for anything that may pass by itself
// (throttling, SES or the database unavailable, the rate limit): that is
// tried again at the next run. Nor is a refusal of the whole account
// (mail.ErrAccount: sending paused, MAIL FROM not verified): it says
// nothing of this lead's email, and recorded on every lead an outage
// reaches it would grow their back-offs with its length, holding their
// emails up to a day after the account is fixed; the tick stops instead.
func refusal(err error) string {
	switch {
	case errors.Is(err, mail.ErrAccount):
		return ""
	case errors.Is(err, mail.ErrRejected):
		return lead.RefusedBySES
	case errors.Is(err, mail.ErrInvalid), errors.Is(err, mail.ErrHeaderInjection):
		return lead.RefusedInvalid
	}
	return ""
}

// send builds and sends the message, tagged with the lead and the claim.
// Errors SES answered with, and a connection never made, mean nothing
// was sent; any other error wraps ErrUnknown.
func (s *Sender) send(ctx context.Context, l lead.Lead, job Job, claimID string) (string, error) {
	msg, err := job.Message(ctx, l)
	if err != nil {
		return "", err
	}
	msg.Tags = maps.Clone(msg.Tags)
	if msg.Tags == nil {
		msg.Tags = map[string]string{}
	}
	msg.Tags[TagLead], msg.Tags[TagClaim], msg.Tags[TagJob] = l.ID, claimID, TagValue(job.Name)
	id, err := s.Mail.Send(ctx, msg)
	switch {
	case err == nil:
		return id, nil
	case errors.Is(err, mail.ErrThrottled), errors.Is(err, mail.ErrRejected), errors.Is(err, mail.ErrUnavailable),
		errors.Is(err, mail.ErrNoSlot), errors.Is(err, mail.ErrInvalid), errors.Is(err, mail.ErrHeaderInjection):
		return "", err
	}
	return "", fmt.Errorf("%w: %w", ErrUnknown, err)
}

// commit records the sent email on the claimed lead, or on a fresh read
// when someone changed it meanwhile (a resubmission, the Send event's
// confirmation) as long as the claim is still claimID. With retry false
// a conflict is returned as is (a recovery leaves the lead to the next
// run).
func (s *Sender) commit(ctx context.Context, claimed lead.Lead, job Job, owner, claimID, messageID string, retry bool) error {
	first := true
	attempt := func() error {
		l := claimed
		if !first {
			var err error
			if l, err = s.Store.Lead(ctx, claimed.ID); err != nil {
				return fmt.Errorf("sendonce: reload %s: %w", claimed.ID, err)
			}
			if c, ok := l.Claims[job.Name]; !ok || c.ID != claimID {
				return nil // recorded by someone else
			}
		}
		first = false
		var ch lead.Change
		if job.Due(&l) {
			ch = job.Commit(&l, messageID)
		}
		l.Delivered(job.ToLead)
		l.Claims = maps.Clone(l.Claims)
		delete(l.Claims, job.Name)
		if len(l.Claims) == 0 {
			l.Claims = nil
		}
		if l.Lease != nil && (l.Lease.Owner == owner || !retry) {
			l.Lease = nil
		}
		_, err := lead.Write(ctx, s.Store.Put, l, ch)
		if err != nil && !errors.Is(err, lead.ErrVersionConflict) {
			return fmt.Errorf("sendonce: commit %s: %w", job.Name, err)
		}
		return err
	}
	if !retry {
		return attempt()
	}
	err := lead.Retries.Do(ctx, attempt)
	if errors.Is(err, lead.ErrVersionConflict) {
		return fmt.Errorf("sendonce: commit %s: too many concurrent changes (the claim stays; SES's Send event records it)", job.Name)
	}
	return err
}

func (s *Sender) confirm() time.Duration {
	if s.Confirm > 0 {
		return s.Confirm
	}
	return DefaultConfirm
}

// TagValue is s as an SES tag value: characters other than ASCII
// letters, digits, '_' and '-' become '_', at most 255 of them.
func TagValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b[:min(len(b), 255)])
}
