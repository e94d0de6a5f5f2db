// Package schedule runs one scheduled tick: it reads every shard of the
// sparse due index at once (never a scan), works the due leads with
// bounded concurrency, reads the shards again while they return full
// pages and time is left, and stops before the Lambda deadline, leaving
// the rest due for the next tick. It imports no AWS code.
package schedule

import (
	"context"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// DueStore lists due leads, one shard at a time.
type DueStore interface {
	Due(ctx context.Context, shard int, now time.Time, limit int) ([]lead.Lead, error)
}

// Work does what is due for one lead (as read from the due index) and
// names the outcome.
type Work func(ctx context.Context, l lead.Lead, owner string) (lead.Outcome, error)

// Tick is one scheduled run.
type Tick struct {
	Store  DueStore
	Work   Work
	Shards int
	// Concurrency bounds how many leads are worked at once.
	Concurrency int
	// PerShard bounds how many due leads one tick takes from a shard.
	PerShard int
	// Margin is kept free before the deadline. Besides it, a lead is only
	// started when the slowest lead worked so far in this tick (claim, send,
	// commit, as measured) would still finish before the margin, so a slow
	// database or SES shortens the tick instead of overrunning it.
	Margin time.Duration
	// Stop reports errors that end the whole tick (SES throttling or quota):
	// in-flight work finishes, nothing new starts, the rest stays due.
	Stop func(error) bool
	// Clock is domain time (what is due); Wall is real time, compared with
	// the Lambda deadline (nil: time.Now). Tests drive both.
	Clock func() time.Time
	Wall  func() time.Time
	Log   *slog.Logger

	// last is the slowest lead of the previous run that finished one
	// (ns): a warm Lambda's next tick starts from it instead of from
	// nothing, until a lead of its own has finished.
	last atomic.Int64
}

// readShards queries every shard's due leads at once and returns the
// pages in the order to work them (starting at first). A failed query is
// logged and counted; its shard is left for the next pass or tick.
func (t *Tick) readShards(ctx context.Context, first int, now time.Time, log *slog.Logger, sum *Summary, mu *sync.Mutex) [][]lead.Lead {
	pages := make([][]lead.Lead, t.Shards)
	var wg sync.WaitGroup
	for i := range t.Shards {
		shard := (first + i) % t.Shards
		wg.Add(1)
		go func() {
			defer wg.Done()
			leads, err := t.Store.Due(ctx, shard, now, t.PerShard)
			if err != nil {
				log.Error("due query failed", "shard", shard, "error", err.Error())
				mu.Lock()
				sum.Errors++
				mu.Unlock()
				return
			}
			pages[i] = leads
		}()
	}
	wg.Wait()
	return pages
}

// Summary counts what a tick did, by outcome.
type Summary struct {
	Outcomes map[lead.Outcome]int
	Errors   int
	// Stopped is set when the tick ended early (deadline, cancel, or a
	// Stop error) and left due leads for the next tick.
	Stopped bool
	// Cause says why it stopped early.
	Cause string
}

// Run works every due lead it can before the deadline. One failing lead
// is logged and never stops the others.
func (t *Tick) Run(ctx context.Context, owner string) Summary {
	now := t.Clock()
	log := t.Log.With("tick", owner) // every line names the invocation
	sum := Summary{Outcomes: map[lead.Outcome]int{}}
	var mu sync.Mutex
	wall := t.Wall
	if wall == nil {
		wall = time.Now
	}
	stopAt := time.Time{}
	if dl, ok := ctx.Deadline(); ok {
		stopAt = dl.Add(-t.Margin)
	}
	// A Stop error ends the tick without cancelling work in flight: each
	// lead's send protocol finishes, nothing new starts.
	var stop atomic.Pointer[error]
	// slowest is the longest lead's work in this tick so far (ns), and at
	// least what a due query took (a lead makes three round trips of its
	// own). Until a lead of this tick finishes, the previous tick's slowest
	// lead counts too (inherited): a tick whose query ate its time starts
	// nothing it cannot finish. Only this tick's own measure is handed on;
	// a tick that had due leads but finished none hands on half its
	// inheritance, so a measure larger than the whole budget fades instead
	// of stopping the function for good; a tick with nothing due hands it
	// on as it was (an idle minute says nothing about how slow leads are).
	var slowest atomic.Int64
	var finished atomic.Bool
	sawDue := false
	inherited := t.last.Load()
	atLeast := func(d int64) {
		for cur := slowest.Load(); d > cur && !slowest.CompareAndSwap(cur, d); cur = slowest.Load() {
		}
	}
	cost := func() time.Duration {
		if finished.Load() {
			return time.Duration(slowest.Load())
		}
		return time.Duration(max(slowest.Load(), inherited))
	}
	defer func() {
		switch {
		case finished.Load():
			t.last.Store(slowest.Load())
		case sawDue:
			t.last.Store(inherited / 2)
		default:
			t.last.Store(inherited)
		}
	}()
	expired := func() bool {
		switch {
		case stop.Load() != nil:
			sum.Cause = (*stop.Load()).Error()
			return true
		case ctx.Err() != nil:
			sum.Cause = ctx.Err().Error()
			return true
		case !stopAt.IsZero() && wall().Add(cost()).After(stopAt):
			sum.Cause = "deadline"
			return true
		}
		return false
	}

	sem := make(chan struct{}, max(1, t.Concurrency))
	var wg sync.WaitGroup
	// Overlapping ticks start at different shards, so they mostly work
	// different leads instead of racing for the same ones.
	h := fnv.New32a()
	_, _ = h.Write([]byte(owner))
	first := int(h.Sum32() % uint32(max(1, t.Shards)))
	work := func(l lead.Lead) {
		defer func() { <-sem; wg.Done() }()
		started := wall()
		out, err := t.Work(ctx, l, owner)
		atLeast(int64(wall().Sub(started)))
		finished.Store(true)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			sum.Errors++
			log.Error("lead", "leadId", l.ID, "error", err.Error())
			if t.Stop != nil && t.Stop(err) {
				stop.CompareAndSwap(nil, &err)
			}
			return
		}
		sum.Outcomes[out]++
		if out != lead.Idle && out != lead.Busy {
			log.Info("lead", "leadId", l.ID, "outcome", out)
		}
	}
	// Passes over every shard, its queries in parallel: a shard that gave
	// a full page is read again while time is left, so a tick keeps the
	// send rate busy until its deadline instead of ending after
	// Shards × PerShard leads. A lead is worked at most once per tick.
	seen := map[string]bool{}
passes:
	for {
		queried := wall()
		pages := t.readShards(ctx, first, now, log, &sum, &mu)
		atLeast(int64(wall().Sub(queried)))
		full, fresh := false, 0
		for _, leads := range pages {
			full = full || len(leads) >= t.PerShard
			for _, l := range leads {
				if seen[l.ID] {
					continue
				}
				sawDue = true
				// Wait for a free worker first, then look at the clock: the
				// wait itself may have used up the time left.
				sem <- struct{}{}
				if expired() {
					<-sem
					sum.Stopped = true
					break passes
				}
				seen[l.ID] = true
				fresh++
				wg.Add(1)
				go work(l)
			}
		}
		if !full || fresh == 0 {
			break
		}
		// The pass's leads finish (and leave the index) before it is read
		// again; the pipeline drains once per Shards × PerShard leads.
		wg.Wait()
		if expired() {
			sum.Stopped = true
			break
		}
	}
	wg.Wait()
	if err := stop.Load(); err != nil {
		// Throttled: the lead that hit it stays due, whatever else was
		// already under way.
		sum.Stopped, sum.Cause = true, (*err).Error()
	}
	return sum
}
