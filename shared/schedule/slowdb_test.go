package schedule

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// slowShards is a due index whose query takes `query` of the fake wall
// clock (a slow database), once per pass.
type slowShards struct {
	shards
	advance func(time.Duration)
	query   time.Duration
	once    sync.Once
}

func (s *slowShards) Due(ctx context.Context, shard int, now time.Time, limit int) ([]lead.Lead, error) {
	s.once.Do(func() { s.advance(s.query) })
	return s.shards.Due(ctx, shard, now, limit)
}

// A database slow enough that the due query takes 55 s of a 60 s tick
// and a lead 5 s: no lead can finish before the deadline, so none may be
// started. The first wave starts unmeasured (slowest = 0).
func TestSlowDatabaseFirstWaveStaysInsideTheDeadline(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().Add(time.Hour)
	wall := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	deadline := now.Add(60 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var calls atomic.Int64
	var latest time.Time
	tk := tick(&slowShards{shards: population(10), advance: advance, query: 55 * time.Second}, func(ctx context.Context, l lead.Lead, _ string) (lead.Outcome, error) {
		calls.Add(1)
		advance(5 * time.Second) // claim, send, commit on a slow database
		mu.Lock()
		if now.After(latest) {
			latest = now
		}
		mu.Unlock()
		return "sent", nil
	})
	tk.Wall, tk.Margin, tk.Concurrency = wall, 2*time.Second, 8
	sum := tk.Run(ctx, "t1")
	t.Logf("%d leads started; the last ended %s after the deadline; %+v", calls.Load(), latest.Sub(deadline), sum)
	if latest.After(deadline) {
		t.Fatalf("claimed sends ran %s past the Lambda deadline (%d leads started)", latest.Sub(deadline), calls.Load())
	}
}

// A warm function's next tick remembers how slow its leads were: with
// less time left than its slowest lead took, it starts none.
func TestNextTickStartsFromTheSlowestLeadSeen(t *testing.T) {
	tk, ctx, _, wall, calls := timedTick(t, 5*time.Second)
	tk.Margin, tk.Concurrency = 2*time.Second, 1
	tk.Run(ctx, "t1")
	worked := calls.Load()
	ctx2, cancel := context.WithDeadline(context.Background(), wall().Add(6*time.Second))
	defer cancel()
	start := wall()
	tk.Run(ctx2, "t2")
	if n := calls.Load() - worked; n != 0 {
		t.Fatalf("with 6 s left and 5 s leads (2 s margin), the next tick started %d lead(s), ending %s after its start", n, wall().Sub(start))
	}
}

// afterASlowTick runs one tick of 5 s leads with 20 s left, then makes
// leads take 0.1 s; run runs the next tick with left until its deadline
// and says how many leads it started (one worker, 2 s margin).
func afterASlowTick(t *testing.T) (run func(left time.Duration) int64) {
	t.Helper()
	each := 5 * time.Second
	tk, wall, calls := steppedTick(&each)
	tk.Margin, tk.Concurrency = 2*time.Second, 1
	run = func(left time.Duration) int64 {
		ctx, cancel := context.WithDeadline(context.Background(), wall().Add(left))
		defer cancel()
		before := calls.Load()
		tk.Run(ctx, "t")
		return calls.Load() - before
	}
	if n := run(20 * time.Second); n == 0 {
		t.Fatal("the slow tick worked nothing")
	}
	each = 100 * time.Millisecond
	return run
}

// A slow tick is remembered only until the next tick has measured its own
// leads: after a tick of 5 s leads and one of 0.1 s leads, a third with
// 6 s left works, instead of every later tick keeping the 5 s room.
func TestOneSlowTickDoesNotShortenEveryLaterOne(t *testing.T) {
	run := afterASlowTick(t)
	if n := run(20 * time.Second); n == 0 {
		t.Fatal("the fast tick worked nothing")
	}
	if n := run(6 * time.Second); n == 0 {
		t.Fatal("with 6 s left and 0.1 s leads last time, the tick started nothing: it still kept room for the 5 s leads of two ticks ago")
	}
}

// A warm function whose last measure is larger than a whole tick's
// budget does not stop working for good: a tick that started nothing
// hands on half of it, and a later tick works again.
func TestAnInheritedMeasureLargerThanTheBudgetFades(t *testing.T) {
	run := afterASlowTick(t)
	if n := run(6 * time.Second); n != 0 {
		t.Fatalf("with 4 s usable and 5 s leads last time, the tick started %d", n)
	}
	if n := run(6 * time.Second); n == 0 {
		t.Fatal("the next tick started nothing either: a measure larger than the budget never fades")
	}
}

// An idle tick (nothing due) is not a tick that could not start its
// leads: it keeps the warm function's measure instead of halving it, or
// a quiet minute between two busy ones forgets how slow the leads were
// and the next tick starts a lead it cannot finish.
func TestAnIdleTickKeepsTheInheritedMeasure(t *testing.T) {
	tk, ctx, _, wall, calls := timedTick(t, 5*time.Second)
	tk.Margin, tk.Concurrency = 2*time.Second, 1
	due := tk.Store
	tk.Run(ctx, "t1") // 5 s leads
	tk.Store = shards{}
	idle, cancel := context.WithDeadline(context.Background(), wall().Add(60*time.Second))
	defer cancel()
	tk.Run(idle, "t2") // nothing due
	tk.Store = due
	worked := calls.Load()
	ctx3, cancel3 := context.WithDeadline(context.Background(), wall().Add(6*time.Second))
	defer cancel3()
	tk.Run(ctx3, "t3")
	if n := calls.Load() - worked; n != 0 {
		t.Fatalf("with 6 s left and 5 s leads two ticks ago (an idle tick between), the tick started %d lead(s)", n)
	}
}
