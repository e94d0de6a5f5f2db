package lead

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// ErrUnchanged, returned by a change function, means there is nothing to
// write (the answer was recorded already, the lead is already out…):
// Update returns the lead as read, and no error.
var ErrUnchanged = errors.New("lead unchanged")

// Store reads a lead and writes it whole with a version check: Save must
// fail with ErrVersionConflict unless the stored version is l.Version-1.
type Store interface {
	Lead(ctx context.Context, id string) (Lead, error)
	Save(ctx context.Context, l Lead, ch Change) error
}

// Retry is how often and how patiently a lead write that lost a race is
// tried again. There is one policy for every read-modify-write of a lead.
type Retry struct {
	Attempts  int
	Base, Cap time.Duration
	// For keeps trying after Attempts until this long has passed since
	// the first attempt (0: Attempts alone bound it): when the database
	// is slow, every attempt takes longer and a count alone gives up on a
	// race that would be won a moment later. ctx's deadline still ends it.
	For time.Duration
	// Reserve: no further attempt starts once ctx's deadline (a Lambda's)
	// is closer than this; Do returns the last error (ErrVersionConflict),
	// leaving the caller the time for what it does then (capture keeps the
	// submission in the lead's inbox and answers) instead of being killed
	// at the deadline mid-loop. 0: only ctx's end stops it.
	Reserve time.Duration
	// Sleep waits (nil: a timer that stops with ctx); Now is the clock For
	// is measured on (nil: time.Now).
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Retries is the policy Update uses: 8 attempts, full-jitter exponential
// back-off from 5 ms up to 200 ms between them (at most ~0.9 s in all),
// so writers that collided do not collide again in lockstep.
var Retries = Retry{Attempts: 8, Base: 5 * time.Millisecond, Cap: 200 * time.Millisecond}

// Update is the one read-modify-write of a lead: it reads the lead, lets
// change modify it and say what to record with it, bumps the version and
// saves; when another writer got there first it re-reads and re-applies
// change, with Retries. change must be safe to run more than once (it gets
// a fresh copy each time). It returns the lead as saved.
func Update(ctx context.Context, s Store, id string, change func(*Lead) (Change, error)) (Lead, error) {
	return UpdateWith(ctx, s.Lead, s.Save, id, change)
}

// UpdateWith is Update with another versioned write than Save (e.g. one
// that also suppresses the address in the same transaction).
func UpdateWith(ctx context.Context, read func(context.Context, string) (Lead, error),
	write func(context.Context, Lead, Change) error, id string, change func(*Lead) (Change, error)) (Lead, error) {
	var saved Lead
	err := Retries.Do(ctx, func() error {
		l, err := read(ctx, id)
		if err != nil {
			saved = l
			return err
		}
		saved, err = commit(ctx, write, l, change)
		return err
	})
	return saved, err
}

// Write saves l, as the caller planned it on the version it read, once,
// through write (a versioned write: Save, or one that also suppresses or
// claims): ErrVersionConflict when someone else wrote first, and the
// caller decides what then (a tick leaves the lead due for the next one).
// It returns the lead as written.
func Write(ctx context.Context, write func(context.Context, Lead, Change) error, l Lead, ch Change) (Lead, error) {
	return commit(ctx, write, l, func(*Lead) (Change, error) { return ch, nil })
}

func commit(ctx context.Context, write func(context.Context, Lead, Change) error, l Lead, change func(*Lead) (Change, error)) (Lead, error) {
	read := l
	ch, err := change(&l)
	if errors.Is(err, ErrUnchanged) {
		return read, nil
	}
	if err != nil {
		return read, err
	}
	l.Record(&ch)
	l.Version = read.Version + 1
	if err := write(ctx, l, ch); err != nil {
		return read, err
	}
	return l, nil
}

// Do runs attempt until it does not fail with ErrVersionConflict, at
// most r.Attempts times (or for r.For, whichever is longer), backing off
// between tries; it returns the last error (ErrVersionConflict when every
// attempt lost a race).
func (r Retry) Do(ctx context.Context, attempt func() error) error {
	sleep, now := r.Sleep, r.Now
	if sleep == nil {
		sleep = Sleep
	}
	if now == nil {
		now = time.Now
	}
	start := now()
	var err error
	for i := 0; i < max(1, r.Attempts) || (r.For > 0 && now().Sub(start) < r.For); i++ {
		if i > 0 {
			// Full jitter: uniformly in [0, min(cap, base·2^i)).
			if d := min(r.Cap, r.Base<<min(i, 20)); d > 0 {
				if serr := sleep(ctx, rand.N(d)); serr != nil {
					return serr
				}
			}
			if r.Reserve > 0 && NearDeadline(ctx, r.Reserve) {
				return err
			}
		}
		if err = attempt(); !errors.Is(err, ErrVersionConflict) {
			return err
		}
	}
	return err
}

// NearDeadline reports whether ctx's deadline (a Lambda's) is closer than d.
func NearDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}

// Sleep waits d, or until ctx ends (its error then).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
