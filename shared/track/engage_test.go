package track

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

var engageAt = time.Date(2031, 3, 10, 10, 0, 0, 0, time.UTC)

// hotAfter re-grades a lead by its number of signals: at `hot` signals or
// more it becomes an MQL owed to sales (as qualify does for a hot lead),
// and says so with an event and a counter.
type hotAfter struct {
	hot   int
	calls atomic.Int64
}

func (r *hotAfter) QualifySignal(l *lead.Lead, kind string, now time.Time) lead.Change {
	r.calls.Add(1)
	if l.Qualification == nil {
		l.Qualification = &lead.Qualification{}
	}
	l.Qualification.Score = float64(len(l.Signals))
	if len(l.Signals) < r.hot || l.Handoff != nil {
		return lead.Change{}
	}
	l.Stage = lead.StageMQL
	l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: now}
	return lead.Change{Events: []lead.Event{{At: now, Kind: "qualified", ID: "q-" + kind}},
		Counters: []lead.Counter{{Campaign: l.Campaign(), Name: "mql"}}}
}

// handOffs records the alerts asked for; like handoff.RunLead it marks
// the alert sent on the stored lead, unless err is set.
type handOffs struct {
	st    *memstore.Store
	err   error
	mu    sync.Mutex
	calls []lead.Lead
}

func (h *handOffs) HandOff(ctx context.Context, l lead.Lead, owner, base string) (lead.Outcome, error) {
	h.mu.Lock()
	h.calls = append(h.calls, l)
	h.mu.Unlock()
	if h.err != nil {
		return "", h.err
	}
	_, err := lead.Update(ctx, h.st, l.ID, func(l *lead.Lead) (lead.Change, error) {
		l.Handoff.State = lead.HandoffSent
		return lead.Change{At: engageAt}, nil
	})
	return "sent", err
}

func newEngage(t *testing.T, hot int) (*Service, *memstore.Store, *hotAfter, *handOffs) {
	t.Helper()
	st := memstore.New()
	l := lead.New("L1", lead.Submission{Email: "ann@acme.example", Source: lead.Attribution{Campaign: "spring", At: engageAt}})
	if err := st.CreateLead(context.Background(), l, lead.Change{At: engageAt}, nil); err != nil {
		t.Fatal(err)
	}
	rules, h := &hotAfter{hot: hot}, &handOffs{st: st}
	return &Service{Store: st, Rules: rules, HandOff: h.HandOff, Clock: func() time.Time { return engageAt }}, st, rules, h
}

func clickSignal(i int) (lead.Signal, lead.Event) {
	return lead.Signal{Kind: "email_click", At: engageAt},
		lead.Event{At: engageAt, Kind: "email_click", ID: fmt.Sprint("c", i), Data: map[string]any{"url": "https://x.example/"}}
}

func stored(t *testing.T, st *memstore.Store) lead.Lead {
	t.Helper()
	l, err := st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSignalIsRecordedWithItsEventAndCounter(t *testing.T) {
	svc, st, rules, h := newEngage(t, 99)
	sig, ev := clickSignal(1)
	res, err := svc.Signal(context.Background(), "L1", sig, ev, "req-1", "")
	if err != nil || res.Handoff != "" {
		t.Fatalf("Signal = %+v, %v", res, err)
	}
	got := stored(t, st)
	tl, _ := st.Timeline(context.Background(), "L1")
	stats, _ := st.CampaignStats(context.Background(), "spring", engageAt)
	if len(got.Signals) != 1 || got.Signals[0].Kind != "email_click" || got.Version != 2 || len(tl) != 1 || tl[0].ID != "c1" || stats["email_click"] != 1 {
		t.Fatalf("signals %+v, version %d, timeline %+v, counters %v", got.Signals, got.Version, tl, stats)
	}
	// Re-graded with the new signal, and the result is what was saved.
	if rules.calls.Load() != 1 || got.Qualification == nil || got.Qualification.Score != 1 {
		t.Fatalf("re-grade: %d calls, qualification %+v", rules.calls.Load(), got.Qualification)
	}
	if res.Lead.Version != got.Version || len(h.calls) != 0 {
		t.Fatalf("result lead version %d (stored %d); %d hand-offs for a cold lead", res.Lead.Version, got.Version, len(h.calls))
	}
}

// A write that loses a race is re-read and re-applied: the signal, its
// event and its counter land once, next to the other writer's change.
func TestSignalOnAConflictIsRecordedOnce(t *testing.T) {
	svc, st, _, _ := newEngage(t, 99)
	svc.Store = &racingStore{Store: st}
	sig, ev := clickSignal(1)
	if _, err := svc.Signal(context.Background(), "L1", sig, ev, "req-1", ""); err != nil {
		t.Fatal(err)
	}
	got := stored(t, st)
	tl, _ := st.Timeline(context.Background(), "L1")
	stats, _ := st.CampaignStats(context.Background(), "spring", engageAt)
	if len(got.Signals) != 1 || got.Touches != 2 || len(tl) != 1 || stats["email_click"] != 1 {
		t.Fatalf("after a conflict: signals %d, touches %d, events %d, counter %d; want 1, 2, 1, 1", len(got.Signals), got.Touches, len(tl), stats["email_click"])
	}
}

// racingStore lets another writer in before the first save.
type racingStore struct {
	*memstore.Store
	raced bool
}

func (s *racingStore) Save(ctx context.Context, l lead.Lead, ch lead.Change) error {
	if !s.raced {
		s.raced = true
		if _, err := lead.Update(ctx, s.Store, l.ID, func(o *lead.Lead) (lead.Change, error) {
			o.Touches++
			return lead.Change{At: engageAt}, nil
		}); err != nil {
			return err
		}
	}
	return s.Store.Save(ctx, l, ch)
}

func TestHandOffOnlyWhenTheLeadTurnsHot(t *testing.T) {
	svc, st, _, h := newEngage(t, 2)
	var outcomes []lead.Outcome
	for i := 1; i <= 4; i++ {
		sig, ev := clickSignal(i)
		res, err := svc.Signal(context.Background(), "L1", sig, ev, fmt.Sprint("req-", i), "https://api.example.com")
		if err != nil {
			t.Fatalf("signal %d: %v", i, err)
		}
		outcomes = append(outcomes, res.Handoff)
	}
	if fmt.Sprint(outcomes) != "[ sent  ]" || len(h.calls) != 1 {
		t.Fatalf("hand-off outcomes %q, %d calls; want only the second signal to hand off", outcomes, len(h.calls))
	}
	// It got the lead as saved, hot.
	if c := h.calls[0]; c.Version != 3 || c.Handoff == nil || c.Handoff.State != lead.HandoffPending || len(c.Signals) != 2 {
		t.Fatalf("hand-off got %+v", c)
	}
	tl, _ := st.Timeline(context.Background(), "L1")
	stats, _ := st.CampaignStats(context.Background(), "spring", engageAt)
	stages := 0
	for _, e := range tl {
		if e.Kind == lead.EventStage && e.Data["to"] == string(lead.StageMQL) {
			stages++
		}
	}
	if len(tl) != 6 || stages != 1 || stats["mql"] != 1 || stats["email_click"] != 4 {
		t.Fatalf("timeline %d events (%d stage changes to mql), counters %v; want 4 clicks + 1 qualified + 1 stage change, mql 1", len(tl), stages, stats)
	}
}

func TestHandOffErrorIsReturnedWithTheSavedLead(t *testing.T) {
	svc, st, _, h := newEngage(t, 1)
	h.err = errors.New("ses: throttled")
	sig, ev := clickSignal(1)
	res, err := svc.Signal(context.Background(), "L1", sig, ev, "req-1", "")
	if !errors.Is(err, h.err) {
		t.Fatalf("err = %v, want the hand-off's", err)
	}
	got := stored(t, st)
	if res.Lead.ID != "L1" || res.Lead.Version != got.Version || len(got.Signals) != 1 {
		t.Fatalf("result lead %+v, stored version %d, signals %d: the signal must be saved and returned", res.Lead, got.Version, len(got.Signals))
	}
	// The alert is still owed: the lead stays due for the schedule.
	if got.Handoff == nil || got.Handoff.State != lead.HandoffPending || got.NextDue().IsZero() {
		t.Fatalf("handoff %+v, next due %v; want pending and due", got.Handoff, got.NextDue())
	}
}

func TestSignalForAnUnknownLead(t *testing.T) {
	svc, _, rules, h := newEngage(t, 1)
	sig, ev := clickSignal(1)
	res, err := svc.Signal(context.Background(), "L2", sig, ev, "req-1", "")
	if !errors.Is(err, lead.ErrNotFound) || res.Lead.ID != "" || rules.calls.Load() != 0 || len(h.calls) != 0 {
		t.Fatalf("Signal = %+v, %v; %d re-grades, %d hand-offs", res, err, rules.calls.Load(), len(h.calls))
	}
}

// TestConcurrentSignalsAreAllRecorded: signals for one lead at once are
// each recorded. As many as lead.Update tries (8): a signal's write loses
// only to another's committed write, and each of the others commits once,
// so under any schedule each loses at most 7 times and its 8th try wins.
// With more, one signal may lose every try (a conflict, by design) when
// the goroutines are scheduled badly enough.
func TestConcurrentSignalsAreAllRecorded(t *testing.T) {
	svc, st, _, _ := newEngage(t, 99)
	n := lead.Retries.Attempts
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sig, ev := clickSignal(i)
			if _, err := svc.Signal(context.Background(), "L1", sig, ev, "req", ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got := stored(t, st)
	tl, _ := st.Timeline(context.Background(), "L1")
	stats, _ := st.CampaignStats(context.Background(), "spring", engageAt)
	if len(got.Signals) != n || len(tl) != n || stats["email_click"] != int64(n) || got.Version != n+1 {
		t.Fatalf("signals %d, events %d, counter %d, version %d; want %d each (version %d)", len(got.Signals), len(tl), stats["email_click"], got.Version, n, n+1)
	}
}

// A repeat (a signal with a key the lead has) is a timeline fact only:
// no signal, no counter, no re-grading, so it cannot make a lead hot.
func TestRepeatSignalAddsNoPointsAndNoHandOff(t *testing.T) {
	svc, st, rules, h := newEngage(t, 2)
	key := lead.DailyKey("pricing_page_view", "/pricing", engageAt)
	var repeats []bool
	for i := 1; i <= 3; i++ {
		ev := lead.Event{At: engageAt, Kind: "page_view", ID: fmt.Sprint("v", i), Data: map[string]any{"url": "https://x.example/pricing"}}
		res, err := svc.Signal(context.Background(), "L1", lead.Signal{Kind: "pricing_page_view", At: engageAt, Key: key}, ev, "req", "")
		if err != nil {
			t.Fatal(err)
		}
		repeats = append(repeats, res.Repeat)
		if ev.Data["repeat"] != nil {
			t.Fatal("the caller's event data was changed")
		}
	}
	got := stored(t, st)
	tl, _ := st.Timeline(context.Background(), "L1")
	stats, _ := st.CampaignStats(context.Background(), "spring", engageAt)
	marked := 0
	for _, e := range tl {
		if e.Data["repeat"] == true {
			marked++
		}
	}
	if fmt.Sprint(repeats) != "[false true true]" || len(got.Signals) != 1 || len(tl) != 3 || marked != 2 {
		t.Fatalf("repeats %v, %d signals, %d events (%d marked repeat); want [false true true], 1, 3, 2", repeats, len(got.Signals), len(tl), marked)
	}
	if rules.calls.Load() != 1 || stats["pricing_page_view"] != 1 || got.Handoff != nil || len(h.calls) != 0 {
		t.Fatalf("%d re-grades, counters %v, handoff %+v, %d alerts; want 1 re-grade, 1 count, no handoff", rules.calls.Load(), stats, got.Handoff, len(h.calls))
	}
}

// An erased person's clicks and page views (an old email's tracked link,
// a visitor token that lives 90 days) are not processed: no signal, no
// timeline event, no counter, no re-grade — so no MQL counted and no
// lead.hot published for someone who asked to be forgotten.
func TestSignalOfAnErasedLeadRecordsNothing(t *testing.T) {
	svc, st, rules, h := newEngage(t, 1)
	if _, err := lead.Update(context.Background(), st, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.Erased, l.Suppressed, l.Email = true, "erasure", ""
		return lead.Change{At: engageAt}, nil
	}); err != nil {
		t.Fatal(err)
	}
	before := stored(t, st)
	tl0, _ := st.Timeline(context.Background(), "L1")
	sig, ev := clickSignal(1)
	res, err := svc.Signal(context.Background(), "L1", sig, ev, "req-1", "")
	got := stored(t, st)
	tl, _ := st.Timeline(context.Background(), "L1")
	stats, _ := st.CampaignStats(context.Background(), "spring", engageAt)
	if err != nil || res.Handoff != "" || got.Version != before.Version || len(got.Signals) != 0 || got.Stage != before.Stage ||
		len(tl) != len(tl0) || len(stats) != 0 || rules.calls.Load() != 0 || len(h.calls) != 0 || !res.Erased {
		t.Fatalf("a signal of an erased lead: %+v, %v; version %d→%d, stage %s, timeline %+v, counters %v, %d re-grades",
			res.Handoff, err, before.Version, got.Version, got.Stage, tl, stats, rules.calls.Load())
	}
}

// capAt re-grades as qualify does for keyed signals: at most perDay of a
// kind per UTC day are kept (lead.DropRepeatSignals).
type capAt struct{ perDay int }

func (c capAt) QualifySignal(l *lead.Lead, kind string, now time.Time) lead.Change {
	l.DropRepeatSignals(0, c.perDay, time.Time{})
	return lead.Change{}
}

// Pages past the day's cap count nothing: not the first one past it
// (which the re-grade drops and so learns of the cap) nor any after it.
// The campaign's counter matches the signals the lead kept.
func TestSignalsPastTheDaysCapAreNotCounted(t *testing.T) {
	svc, st, _, _ := newEngage(t, 99)
	svc.Rules = capAt{perDay: 2}
	var repeats []bool
	for i, page := range []string{"/a", "/b", "/c", "/d", "/a"} {
		ev := lead.Event{At: engageAt, Kind: "page_view", ID: fmt.Sprint("v", i)}
		sig := lead.Signal{Kind: "page_view", At: engageAt, Key: lead.DailyKey("page_view", page, engageAt), Page: page}
		res, err := svc.Signal(context.Background(), "L1", sig, ev, "req", "")
		if err != nil {
			t.Fatal(err)
		}
		repeats = append(repeats, res.Repeat)
	}
	got := stored(t, st)
	stats, _ := st.CampaignStats(context.Background(), "spring", engageAt)
	if len(got.Signals) != 2 || stats["page_view"] != 2 {
		t.Fatalf("%d signals kept, counter %d; want 2 and 2", len(got.Signals), stats["page_view"])
	}
	if fmt.Sprint(repeats) != "[false false true true true]" {
		t.Fatalf("repeats %v, want [false false true true true]", repeats)
	}
	tl, _ := st.Timeline(context.Background(), "L1")
	marked := 0
	for _, e := range tl {
		if e.Data["repeat"] == true {
			marked++
		}
	}
	if len(tl) != 5 || marked != 3 {
		t.Fatalf("%d events, %d marked repeat; want 5 and 3", len(tl), marked)
	}
}
