package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

type shards map[int][]lead.Lead

func (s shards) Due(_ context.Context, shard int, _ time.Time, limit int) ([]lead.Lead, error) {
	if shard == 3 {
		return nil, errors.New("shard 3 unavailable")
	}
	out := s[shard]
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func population(perShard int) shards {
	s := shards{}
	for sh := 0; sh < 4; sh++ {
		for i := 0; i < perShard; i++ {
			s[sh] = append(s[sh], lead.Lead{ID: fmt.Sprintf("%d-%d", sh, i)})
		}
	}
	return s
}

var errThrottled = errors.New("throttled")

func tick(store DueStore, work Work) *Tick {
	return &Tick{Store: store, Work: work, Shards: 4, Concurrency: 3, PerShard: 100, Margin: 50 * time.Millisecond,
		Stop: func(err error) bool { return errors.Is(err, errThrottled) }, Clock: time.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestTickWorksEveryDueLeadDespiteOneFailure(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	sum := tick(population(10), func(_ context.Context, l lead.Lead, _ string) (lead.Outcome, error) {
		mu.Lock()
		defer mu.Unlock()
		seen[l.ID]++
		if l.ID == "1-5" {
			return "", errors.New("one bad recipient")
		}
		return "sent", nil
	}).Run(context.Background(), "t1")
	// Shard 3 fails to list: 30 leads in shards 0-2, one of them failing.
	if len(seen) != 30 || sum.Outcomes["sent"] != 29 || sum.Errors != 2 || sum.Stopped {
		t.Fatalf("worked %d leads, summary %+v", len(seen), sum)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("lead %s worked %d times", id, n)
		}
	}
}

func TestTickStopsOnThrottling(t *testing.T) {
	// One worker, so the count does not depend on scheduling: the lead
	// SES throttled is the last one started.
	var calls atomic.Int64
	tk := tick(population(50), func(_ context.Context, l lead.Lead, _ string) (lead.Outcome, error) {
		if calls.Add(1) == 5 {
			return "", fmt.Errorf("send: %w", errThrottled)
		}
		return "sent", nil
	})
	tk.Concurrency = 1
	sum := tk.Run(context.Background(), "t1")
	if !sum.Stopped || calls.Load() != 5 || sum.Cause == "" || sum.Outcomes["sent"] != 4 {
		t.Fatalf("after throttling: %d calls, summary %+v; want a stop right after the 5th", calls.Load(), sum)
	}
}

// timedTick is a tick over 100 leads per shard whose lead work advances a
// fake wall clock by each; the tick's deadline is 60 s on that clock (an
// hour ahead, so the real context never expires). It returns the tick,
// its context, the deadline, the clock and the count of leads worked.
func timedTick(t *testing.T, each time.Duration) (*Tick, context.Context, time.Time, func() time.Time, *atomic.Int64) {
	t.Helper()
	tk, wall, calls := steppedTick(&each)
	deadline := wall().Add(60 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	t.Cleanup(cancel)
	return tk, ctx, deadline, wall, calls
}

// steppedTick is a tick over 100 due leads whose work advances its fake
// wall clock by *each per lead (read at each lead, so a test may change
// it between runs).
func steppedTick(each *time.Duration) (*Tick, func() time.Time, *atomic.Int64) {
	var mu sync.Mutex
	now := time.Now().Add(time.Hour)
	wall := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var calls atomic.Int64
	tk := tick(population(100), func(ctx context.Context, l lead.Lead, _ string) (lead.Outcome, error) {
		calls.Add(1)
		mu.Lock()
		now = now.Add(*each)
		mu.Unlock()
		return "sent", nil
	})
	tk.Wall = wall
	return tk, wall, &calls
}

func TestTickStopsBeforeTheDeadline(t *testing.T) {
	// One second per lead: the tick must stop taking leads once within
	// Margin of the deadline, however fast or slow the machine running
	// the test is. One worker, so each lead measures exactly 1 s: leads
	// start at 0..49 s and end by 50 s, the margin's edge; a 51st would
	// end at 51 s.
	tk, ctx, deadline, wall, calls := timedTick(t, time.Second)
	tk.Margin, tk.Concurrency = 10*time.Second, 1
	sum := tk.Run(ctx, "t1")
	if !sum.Stopped || sum.Cause != "deadline" || calls.Load() != 50 {
		t.Fatalf("near the deadline: %d calls, summary %+v; want 50 and a deadline stop", calls.Load(), sum)
	}
	if end := wall(); end.After(deadline.Add(-tk.Margin)) {
		t.Fatalf("ended %s before the deadline, inside the %s margin", deadline.Sub(end), tk.Margin)
	}
}

// TestTickWithWorkersStopsBeforeTheDeadline: three workers share the
// clock, so how long a lead seems to take depends on how they are
// scheduled (another worker's lead may advance the clock while one is
// between its reads). Whatever the schedule, the tick stops for the
// deadline and never overruns it: at each start at most two other leads
// are in flight, so no more than 52 start (the 52nd when 49 have ended).
func TestTickWithWorkersStopsBeforeTheDeadline(t *testing.T) {
	tk, ctx, deadline, wall, calls := timedTick(t, time.Second)
	tk.Margin = 10 * time.Second
	sum := tk.Run(ctx, "t1")
	if !sum.Stopped || sum.Cause != "deadline" || calls.Load() == 0 || calls.Load() > 52 {
		t.Fatalf("near the deadline: %d calls, summary %+v", calls.Load(), sum)
	}
	if end := wall(); !end.Before(deadline) {
		t.Fatalf("the tick ran past its deadline: ended %s after it", end.Sub(deadline))
	}
}

// TestTickKeepsRoomForItsSlowestLead: leads that take 5 s each (a slow
// database) must not be started when one more would end past the margin.
func TestTickKeepsRoomForItsSlowestLead(t *testing.T) {
	tk, ctx, deadline, wall, calls := timedTick(t, 5*time.Second)
	tk.Margin, tk.Concurrency = 2*time.Second, 1
	sum := tk.Run(ctx, "t1")
	// Lead k starts at 5(k-1) s and needs 5 s: 11 end by 55 s ≤ 58 s; a
	// 12th would start at 55 s and end at 60 s, inside the margin.
	if !sum.Stopped || sum.Cause != "deadline" || calls.Load() != 11 {
		t.Fatalf("%d leads worked, summary %+v; want 11 and a deadline stop", calls.Load(), sum)
	}
	if end := wall(); end.After(deadline.Add(-tk.Margin)) {
		t.Fatalf("ended %s before the deadline, inside the %s margin", deadline.Sub(end), tk.Margin)
	}
}

// doneStore is a due index the work empties: a worked lead is no longer
// due, except the ones that stay (a busy lead).
type doneStore struct {
	mu    sync.Mutex
	due   map[int][]string
	stays map[string]bool
}

func (s *doneStore) Due(_ context.Context, shard int, _ time.Time, limit int) ([]lead.Lead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []lead.Lead
	for _, id := range s.due[shard] {
		if len(out) == limit {
			break
		}
		out = append(out, lead.Lead{ID: id})
	}
	return out, nil
}

func (s *doneStore) work(_ context.Context, l lead.Lead, _ string) (lead.Outcome, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stays[l.ID] {
		return lead.Busy, nil
	}
	for sh, ids := range s.due {
		for i, id := range ids {
			if id == l.ID {
				s.due[sh] = append(ids[:i:i], ids[i+1:]...)
			}
		}
	}
	return "sent", nil
}

// A tick reads a shard again while its pages come back full, so it is
// not limited to Shards × PerShard leads; a lead that stays due is worked
// once per tick, and a page of only such leads ends the tick.
func TestTickReadsFullShardsAgain(t *testing.T) {
	for _, tc := range []struct {
		name        string
		stays       int // leads at the head of shard 0 that stay due
		wantWorked  int
		wantOutcome map[lead.Outcome]int
	}{
		{"every lead sent", 0, 4 * 25, map[lead.Outcome]int{"sent": 4 * 25}},
		{"a page of busy leads ends that shard", 10, 10 + 3*25, map[lead.Outcome]int{"sent": 3 * 25, lead.Busy: 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &doneStore{due: map[int][]string{}, stays: map[string]bool{}}
			for sh := 0; sh < 4; sh++ {
				for i := 0; i < 25; i++ {
					id := fmt.Sprintf("%d-%02d", sh, i)
					s.due[sh] = append(s.due[sh], id)
					if sh == 0 && i < tc.stays {
						s.stays[id] = true
					}
				}
			}
			tk := tick(s, s.work)
			tk.PerShard = 10
			sum := tk.Run(context.Background(), "t1")
			worked := 0
			for _, n := range sum.Outcomes {
				worked += n
			}
			if worked != tc.wantWorked || sum.Errors != 0 || fmt.Sprint(sum.Outcomes) != fmt.Sprint(tc.wantOutcome) {
				t.Fatalf("worked %d (want %d), outcomes %v (want %v), errors %d", worked, tc.wantWorked, sum.Outcomes, tc.wantOutcome, sum.Errors)
			}
		})
	}
}
