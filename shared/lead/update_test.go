package lead

import (
	"context"
	"errors"
	"testing"
	"time"
)

// racyStore is a one-lead store whose Save loses the first `conflicts`
// races: another writer bumps the stored version just before it.
type racyStore struct {
	stored    Lead
	conflicts int
	saves     int
	failWith  error
}

func (s *racyStore) Lead(context.Context, string) (Lead, error) { return s.stored, nil }

func (s *racyStore) Save(_ context.Context, l Lead, _ Change) error {
	s.saves++
	if s.failWith != nil {
		return s.failWith
	}
	if s.conflicts > 0 {
		s.conflicts--
		s.stored.Version++ // someone else wrote
		s.stored.Stage = StageSAL
		return ErrVersionConflict
	}
	if l.Version != s.stored.Version+1 {
		return ErrVersionConflict
	}
	s.stored = l
	return nil
}

func TestUpdate(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name      string
		conflicts int
		failWith  error
		unchanged bool
		wantErr   error
		wantSaves int
		wantVer   int
	}{
		{"first try", 0, nil, false, nil, 1, 4},
		{"two lost races, then saved on a fresh read", 2, nil, false, nil, 3, 6},
		{"every try loses", 100, nil, false, ErrVersionConflict, Retries.Attempts, 3 + Retries.Attempts},
		{"a store error is not retried", 0, boom, false, boom, 1, 3},
		{"nothing to change writes nothing", 0, nil, true, nil, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &racyStore{stored: Lead{ID: "l1", Version: 3}, conflicts: tt.conflicts, failWith: tt.failWith}
			var sleeps []time.Duration
			old := Retries
			Retries.Sleep = func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil }
			defer func() { Retries = old }()
			runs := 0
			got, err := Update(context.Background(), s, "l1", func(l *Lead) (Change, error) {
				runs++
				if tt.unchanged {
					return Change{}, ErrUnchanged
				}
				l.SoftBounces = append(l.SoftBounces, "seen")
				return Change{}, nil
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if s.saves != tt.wantSaves || s.stored.Version != tt.wantVer {
				t.Errorf("saves %d, stored version %d; want %d, %d", s.saves, s.stored.Version, tt.wantSaves, tt.wantVer)
			}
			if tt.wantErr == nil && !tt.unchanged {
				if got.Version != s.stored.Version || len(got.SoftBounces) != 1 {
					t.Errorf("returned %+v, stored %+v: want the saved lead, changed once", got, s.stored)
				}
				if tt.conflicts > 0 && got.Stage != StageSAL {
					t.Errorf("the change was not re-applied to a fresh read: stage %q", got.Stage)
				}
			}
			if runs > 0 && len(sleeps) != max(0, min(runs, Retries.Attempts)-1) {
				t.Errorf("%d back-offs for %d runs", len(sleeps), runs)
			}
			for i, d := range sleeps {
				if d < 0 || d >= Retries.Cap || d >= Retries.Base<<(i+1) {
					t.Errorf("back-off %d = %v, want in [0, min(cap, base·2^%d))", i+1, d, i+1)
				}
			}
		})
	}
}

func TestWriteDoesNotRetry(t *testing.T) {
	s := &racyStore{stored: Lead{ID: "l1", Version: 7}, conflicts: 1}
	planned := s.stored
	if _, err := Write(context.Background(), s.Save, planned, Change{}); !errors.Is(err, ErrVersionConflict) {
		t.Fatalf("err = %v, want a conflict", err)
	}
	if s.saves != 1 {
		t.Fatalf("%d saves, want 1", s.saves)
	}
	saved, err := Write(context.Background(), s.Save, s.stored, Change{})
	if err != nil || saved.Version != s.stored.Version || saved.Version != 9 {
		t.Fatalf("second write: %v, version %d (stored %d), want 9", err, saved.Version, s.stored.Version)
	}
}

func TestRetryStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := Retry{Attempts: 5, Base: time.Second, Cap: time.Second}.Do(ctx, func() error { calls++; return ErrVersionConflict })
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("err %v after %d calls, want the cancellation after 1", err, calls)
	}
}

// Within Reserve of ctx's deadline no further attempt starts: the last
// conflict is returned while there is time to do something else. Without
// a deadline, or a Reserve, the count decides.
func TestRetryReservesTimeBeforeTheDeadline(t *testing.T) {
	near, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for _, tt := range []struct {
		name    string
		ctx     context.Context
		reserve time.Duration
		want    int
	}{
		{"deadline within the reserve", near, 2 * time.Hour, 1},
		{"deadline beyond the reserve", near, time.Minute, 5},
		{"no reserve", near, 0, 5},
		{"no deadline", context.Background(), 2 * time.Hour, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			r := Retry{Attempts: 5, Reserve: tt.reserve, Sleep: func(context.Context, time.Duration) error { return nil }}
			err := r.Do(tt.ctx, func() error { calls++; return ErrVersionConflict })
			if calls != tt.want || !errors.Is(err, ErrVersionConflict) {
				t.Fatalf("%d attempts, err %v; want %d and the conflict", calls, err, tt.want)
			}
		})
	}
}

// Attempts and For bound a retry together: the count, then the time (on a
// fake clock that each sleep advances).
func TestRetryAttemptsAndFor(t *testing.T) {
	for _, tt := range []struct {
		name         string
		attempts     int
		for_         time.Duration
		wins         int // the attempt that stops losing (0: none does)
		want         int // attempts made
		wantConflict bool
	}{
		{name: "count alone", attempts: 8, want: 8, wantConflict: true},
		{name: "for keeps going after the count", attempts: 8, for_: time.Second, want: 11, wantConflict: true}, // 100 ms a sleep: the 11th starts at 1 s
		{name: "a win ends it", attempts: 8, for_: time.Second, wins: 9, want: 9},
		{name: "for shorter than the count", attempts: 8, for_: time.Millisecond, want: 8, wantConflict: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
			r := Retry{Attempts: tt.attempts, Base: 100 * time.Millisecond, Cap: 100 * time.Millisecond, For: tt.for_,
				Sleep: func(context.Context, time.Duration) error { clock = clock.Add(100 * time.Millisecond); return nil },
				Now:   func() time.Time { return clock }}
			calls := 0
			err := r.Do(context.Background(), func() error {
				calls++
				if calls == tt.wins {
					return nil
				}
				return ErrVersionConflict
			})
			if calls != tt.want || errors.Is(err, ErrVersionConflict) != tt.wantConflict {
				t.Fatalf("%d attempts, err %v; want %d attempts, conflict %v", calls, err, tt.want, tt.wantConflict)
			}
		})
	}
}
