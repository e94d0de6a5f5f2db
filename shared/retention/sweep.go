package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Store is what the sweep reads and keeps between runs.
type Store interface {
	// Profiles reads lead profiles in the table's scan order, starting
	// after the lead with id after ("": from the start): at least one
	// unless none is left, and done when the scan reached the table's
	// end with them.
	Profiles(ctx context.Context, after string) (leads []lead.Lead, done bool, err error)
	// SweepState is what the last run left (zero: none ran yet).
	SweepState(ctx context.Context) (State, error)
	SaveSweepState(ctx context.Context, st State) error
}

// Eraser erases one lead found past retention: the erasure a data
// subject's request runs, for the lead's address. still is the policy's
// check again, on the lead as the erasure reads it: a lead that had
// activity since the sweep read it is kept (erased false, no error). An
// erasure its deadline stopped after the lead was erased returns what
// FinishErasure needs to do the rest (unfinished) with its error.
type Eraser interface {
	EraseRetained(ctx context.Context, l lead.Lead, still func(lead.Lead) bool) (erased bool, unfinished string, err error)
	FinishErasure(ctx context.Context, unfinished string) error
}

// State is where a pass over the table stands, kept between runs: a pass
// is worked over as many runs as it takes, each going on after the last
// lead the one before it finished. It names leads by id only.
type State struct {
	// After is the last lead the pass finished with ("": at the start).
	After string `json:"after,omitempty"`
	// PassStartedAt is when the current pass began; PassDoneAt when the
	// last one reached the table's end.
	PassStartedAt time.Time `json:"pass_started_at,omitzero"`
	PassDoneAt    time.Time `json:"pass_done_at,omitzero"`
	// Erased counts the leads the current pass erased; Passes the passes
	// finished.
	Erased int `json:"erased"`
	Passes int `json:"passes"`
	// Unfinished are erasures a deadline stopped after their lead was
	// erased (Eraser's unfinished values): the next run finishes them
	// first, and drops them.
	Unfinished []string `json:"unfinished,omitempty"`
}

// PassInterval is how long after a pass reached the table's end the next
// one starts: one pass a day at most, however often the schedule runs
// (the runs between are for a backlog: a pass's erasures that did not fit
// in one run).
const PassInterval = 24 * time.Hour

// Margin is what a run keeps free before its deadline: no lead's erasure
// starts closer to it.
const Margin = 4 * time.Second

// Summary is what one run did.
type Summary struct {
	Examined int            `json:"examined"`
	Erased   int            `json:"erased"`
	Failed   int            `json:"failed"`
	Kept     map[string]int `json:"kept,omitempty"` // by Verdict.Kept
	// Finished: the run reached the table's end (a pass is done);
	// Waiting: the last pass ended within PassInterval, nothing was read.
	Finished bool `json:"finished"`
	Waiting  bool `json:"waiting"`
}

// Sweep erases the leads past retention, a bounded slice per run.
type Sweep struct {
	Policy Policy
	Store  Store
	Eraser Eraser
	Clock  func() time.Time
	Log    *slog.Logger
}

// ErrFailed is a run in which some leads' erasures failed: they were
// left for the next pass, the others went on, and the run reports it so
// the function's failure alarm sees it.
var ErrFailed = errors.New("retention: some erasures failed")

// Run works the current pass until it ends or ctx's deadline is within
// Margin, saving where it stopped after every page, so the next run goes
// on from there. One lead's failing erasure never stops the rest.
func (s *Sweep) Run(ctx context.Context) (Summary, error) {
	sum := Summary{Kept: map[string]int{}}
	if s.Policy.Off() {
		s.Log.Info("retention", "off", true)
		return sum, nil
	}
	now := s.Clock()
	st, err := s.Store.SweepState(ctx)
	if err != nil {
		return sum, err
	}
	if len(st.Unfinished) > 0 {
		if err := s.finish(ctx, &st); err != nil {
			return sum, s.end(ctx, st, sum, err)
		}
	}
	if st.After == "" && !st.PassDoneAt.IsZero() && now.Sub(st.PassDoneAt) < PassInterval {
		sum.Waiting = true
		s.Log.Info("retention", "waiting", true, "passDoneAt", st.PassDoneAt)
		return sum, nil
	}
	if st.After == "" {
		st.PassStartedAt, st.Erased = now, 0
	}
	still := func(l lead.Lead) bool { return s.Policy.Check(l, now).Due }
	stopped := false
	for !stopped && !sum.Finished {
		if lead.NearDeadline(ctx, Margin) {
			break
		}
		leads, done, err := s.Store.Profiles(ctx, st.After)
		if err != nil {
			return sum, s.end(ctx, st, sum, err)
		}
		for _, l := range leads {
			if lead.NearDeadline(ctx, Margin) {
				stopped = true
				break
			}
			sum.Examined++
			v := s.Policy.Check(l, now)
			if !v.Due {
				sum.Kept[v.Kept]++
				st.After = l.ID
				continue
			}
			erased, unfinished, err := s.Eraser.EraseRetained(ctx, l, still)
			switch {
			case err != nil && unfinished != "":
				// The lead is erased; what is left (the customer lists)
				// the next run finishes first. Not cut by the deadline
				// (the bucket failing), the run goes on and says so.
				sum.Erased++
				st.Erased++
				st.Unfinished = append(st.Unfinished, unfinished)
				s.Log.Info("retention", "leadId", l.ID, "erased", true, "reason", "retention", "finished", false,
					"lastActivity", v.LastActivity.UTC().Format(time.DateOnly), "stage", string(l.Stage))
				st.After = l.ID
				if stopped = lead.NearDeadline(ctx, Margin); !stopped {
					sum.Failed++
					s.Log.Error("retention", "leadId", l.ID, "finished", false, "error", err.Error())
				}
			case err != nil && lead.NearDeadline(ctx, Margin):
				// Stopped by the deadline mid-erasure: the next run
				// starts with this lead and finishes it.
				stopped = true
			case err != nil:
				sum.Failed++
				s.Log.Error("retention", "leadId", l.ID, "erased", false, "error", err.Error())
				st.After = l.ID
			case erased:
				sum.Erased++
				st.Erased++
				// The audit line: the lead by id, why, and since when
				// it had no activity; nothing about the person.
				s.Log.Info("retention", "leadId", l.ID, "erased", true, "reason", "retention",
					"lastActivity", v.LastActivity.UTC().Format(time.DateOnly), "stage", string(l.Stage))
				st.After = l.ID
			default:
				sum.Kept[KeptActive]++
				st.After = l.ID
			}
			if stopped {
				break
			}
		}
		if !stopped && done {
			sum.Finished = true
			st.After, st.PassDoneAt = "", now
			st.Passes++
		}
		if err := s.Store.SaveSweepState(ctx, st); err != nil {
			return sum, s.end(ctx, st, sum, err)
		}
	}
	return sum, s.end(ctx, st, sum, nil)
}

// finish finishes the erasures a run before left unfinished, dropping
// each done from st (saved).
func (s *Sweep) finish(ctx context.Context, st *State) error {
	for len(st.Unfinished) > 0 {
		if lead.NearDeadline(ctx, Margin) {
			return nil
		}
		if err := s.Eraser.FinishErasure(ctx, st.Unfinished[0]); err != nil {
			if lead.NearDeadline(ctx, Margin) {
				return nil
			}
			return fmt.Errorf("retention: finishing an erasure: %w", err)
		}
		st.Unfinished = st.Unfinished[1:]
		if err := s.Store.SaveSweepState(ctx, *st); err != nil {
			return err
		}
	}
	return nil
}

// end logs the run's summary line and says how it ended.
func (s *Sweep) end(ctx context.Context, st State, sum Summary, err error) error {
	if err == nil && sum.Failed > 0 {
		err = fmt.Errorf("%w: %d of %d leads examined", ErrFailed, sum.Failed, sum.Examined)
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelError
	}
	attrs := []any{"examined", sum.Examined, "erased", sum.Erased, "failed", sum.Failed, "finished", sum.Finished,
		"passErased", st.Erased, "passStartedAt", st.PassStartedAt}
	for why, n := range sum.Kept {
		attrs = append(attrs, "kept_"+why, n)
	}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	s.Log.Log(ctx, level, "retention run", attrs...)
	return err
}
