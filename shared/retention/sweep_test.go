package retention

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// memStore holds leads in scan order and hands them out two at a time.
type memStore struct {
	leads []lead.Lead
	state State
	saves int
}

func (m *memStore) Profiles(_ context.Context, after string) ([]lead.Lead, bool, error) {
	i := 0
	if after != "" {
		i = slices.IndexFunc(m.leads, func(l lead.Lead) bool { return l.ID == after }) + 1
	}
	end := min(i+2, len(m.leads))
	return slices.Clone(m.leads[i:end]), end == len(m.leads), nil
}

func (m *memStore) SweepState(context.Context) (State, error) { return m.state, nil }
func (m *memStore) SaveSweepState(_ context.Context, st State) error {
	m.state = st
	m.saves++
	return nil
}

// memEraser erases in memStore; fail names leads whose erasure fails,
// touch a lead that had activity just before its erasure read it, and
// after, when set, runs after each erasure (the tests move the deadline).
type memEraser struct {
	m     *memStore
	calls []string
	fail  map[string]bool
	touch map[string]time.Time
	after func()
	// cut names leads whose erasure stops after the lead's write (the
	// customer lists left); finished lists what FinishErasure got.
	cut      map[string]bool
	finished []string
}

func (e *memEraser) FinishErasure(_ context.Context, unfinished string) error {
	e.finished = append(e.finished, unfinished)
	return nil
}

func (e *memEraser) EraseRetained(_ context.Context, l lead.Lead, still func(lead.Lead) bool) (bool, string, error) {
	e.calls = append(e.calls, l.ID)
	if e.fail[l.ID] {
		return false, "", errors.New("throttled")
	}
	i := slices.IndexFunc(e.m.leads, func(x lead.Lead) bool { return x.ID == l.ID })
	cur := e.m.leads[i]
	if t, ok := e.touch[l.ID]; ok {
		cur.LastTouch.At = t
		e.m.leads[i] = cur
	}
	if !still(cur) {
		return false, "", nil
	}
	e.m.leads[i].Erased = true
	if e.after != nil {
		e.after()
	}
	if e.cut[l.ID] {
		return true, "hash-" + l.ID, errors.New("not finished before the request's deadline")
	}
	return true, "", nil
}

// movable is a context whose deadline a test moves.
type movable struct {
	context.Context
	dl time.Time
}

func (c *movable) Deadline() (time.Time, bool) { return c.dl, !c.dl.IsZero() }

func TestSweepErasesTheIdleResumesAndIsANoOpAfter(t *testing.T) {
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	old, recent := now.Add(-800*Day), now.Add(-5*Day)
	at := func(id string, stage lead.Stage, ts time.Time) lead.Lead {
		return lead.Lead{ID: id, Stage: stage, CreatedAt: ts, LastTouch: lead.Attribution{At: ts}}
	}
	m := &memStore{leads: []lead.Lead{
		at("a-old", lead.StageNurturing, old), at("b-recent", lead.StageNurturing, recent), at("c-won", lead.StageWon, old),
		at("d-old", lead.StageDisqualified, old), at("e-sal", lead.StageSAL, old), at("f-old", lead.StageLost, old),
		at("g-touched", lead.StageNurturing, old),
	}}
	er := &memEraser{m: m, touch: map[string]time.Time{"g-touched": now.Add(-time.Minute)}}
	clock := now
	s := &Sweep{Policy: Days(730), Store: m, Eraser: er, Clock: func() time.Time { return clock }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	// The first run's deadline comes after its second erasure: it stops
	// there, saying where.
	ctx := &movable{Context: context.Background(), dl: now.Add(time.Hour)}
	ctx.dl = time.Now().Add(time.Hour)
	er.after = func() {
		if len(er.calls) == 2 {
			ctx.dl = time.Now().Add(Margin / 2)
		}
	}
	sum, err := s.Run(ctx)
	if err != nil || sum.Erased != 2 || sum.Finished || m.state.After != "d-old" {
		t.Fatalf("first run: %+v, %v, state %+v", sum, err, m.state)
	}
	er.after = nil
	sum, err = s.Run(context.Background())
	if err != nil || sum.Erased != 1 || !sum.Finished || m.state.After != "" || m.state.Passes != 1 || m.state.Erased != 3 {
		t.Fatalf("second run: %+v, %v, state %+v", sum, err, m.state)
	}
	var erased []string
	for _, l := range m.leads {
		if l.Erased {
			erased = append(erased, l.ID)
		}
	}
	if fmt.Sprint(erased) != "[a-old d-old f-old]" {
		t.Fatalf("erased %v, want the idle leads only (not recent, won, SAL, nor one touched since the sweep read it)", erased)
	}
	// Within a day of the pass: nothing is read.
	calls := len(er.calls)
	if sum, _ := s.Run(context.Background()); !sum.Waiting || sum.Examined != 0 || len(er.calls) != calls {
		t.Fatalf("a run right after a pass: %+v", sum)
	}
	// A day later, a new pass: everything examined, nothing left to erase.
	clock = now.Add(PassInterval + time.Minute)
	if sum, err := s.Run(context.Background()); err != nil || sum.Examined != len(m.leads) || sum.Erased != 0 || !sum.Finished || len(er.calls) != calls {
		t.Fatalf("the next pass: %+v, %v (erasures asked %v)", sum, err, er.calls[calls:])
	}
}

func TestSweepGoesOnPastAFailingErasureAndSaysSo(t *testing.T) {
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	old := now.Add(-800 * Day)
	m := &memStore{leads: []lead.Lead{{ID: "a", CreatedAt: old}, {ID: "b", CreatedAt: old}, {ID: "c", CreatedAt: old}}}
	er := &memEraser{m: m, fail: map[string]bool{"a": true}}
	s := &Sweep{Policy: Days(730), Store: m, Eraser: er, Clock: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	sum, err := s.Run(context.Background())
	if !errors.Is(err, ErrFailed) || sum.Erased != 2 || sum.Failed != 1 || !sum.Finished {
		t.Fatalf("run: %+v, %v", sum, err)
	}
}

func TestSweepOffReadsNothing(t *testing.T) {
	m := &memStore{leads: []lead.Lead{{ID: "a", CreatedAt: time.Unix(0, 0)}}}
	er := &memEraser{m: m}
	s := &Sweep{Policy: Days(0), Store: m, Eraser: er, Clock: time.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if sum, err := s.Run(context.Background()); err != nil || sum.Examined != 0 || len(er.calls) != 0 || m.saves != 0 {
		t.Fatalf("off: %+v, %v, %d saves", sum, err, m.saves)
	}
}

// TestSweepFinishesAnErasureItsDeadlineCut: an erasure stopped after its
// lead was written (the customer lists left) is not found again by the
// scan (the lead is erased): the run keeps what finishes it, and the next
// run finishes it before anything else. Cut by the deadline, the run
// stops there; failing otherwise (the bucket), the run goes on and fails.
func TestSweepFinishesAnErasureItsDeadlineCut(t *testing.T) {
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	old := now.Add(-800 * Day)
	for _, deadline := range []bool{true, false} {
		t.Run(fmt.Sprintf("deadline %v", deadline), func(t *testing.T) {
			m := &memStore{leads: []lead.Lead{{ID: "a", CreatedAt: old}, {ID: "b", CreatedAt: old}}}
			er := &memEraser{m: m, cut: map[string]bool{"a": true}}
			ctx := &movable{Context: context.Background(), dl: time.Now().Add(time.Hour)}
			if deadline {
				er.after = func() { ctx.dl = time.Now().Add(Margin / 2) }
			}
			s := &Sweep{Policy: Days(730), Store: m, Eraser: er, Clock: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			sum, err := s.Run(ctx)
			wantErased, wantDone := 1, false
			if !deadline {
				wantErased, wantDone = 2, true
			}
			if (err != nil) != !deadline || (err != nil && !errors.Is(err, ErrFailed)) || sum.Erased != wantErased || sum.Finished != wantDone ||
				fmt.Sprint(m.state.Unfinished) != "[hash-a]" {
				t.Fatalf("cut run: %+v, %v, state %+v", sum, err, m.state)
			}
			er.after = nil
			sum, err = s.Run(context.Background())
			if err != nil || len(m.state.Unfinished) != 0 || fmt.Sprint(er.finished) != "[hash-a]" {
				t.Fatalf("next run: %+v, %v, state %+v, finished %v", sum, err, m.state, er.finished)
			}
			if deadline && (sum.Erased != 1 || !sum.Finished) {
				t.Fatalf("next run: %+v: want b erased and the pass done", sum)
			}
		})
	}
}
