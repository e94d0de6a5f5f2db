package lead

import (
	"testing"
	"time"
)

// TestAskAgain: a form from a lead sales holds (SAL, SQL) or has won owes
// its rep a notice, at once or a day after the last; a lead in any other
// stage owes none (qualification answers its form).
func TestAskAgain(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	deal := func(a *Asked) *Deal {
		return &Deal{AcceptedAt: t0.Add(-72 * time.Hour), Rep: "ana@example.com", Asked: a}
	}
	for _, c := range []struct {
		name   string
		stage  Stage
		deal   *Deal
		erased bool
		forms  []time.Time
		due    time.Time
	}{
		{"accepted lead asks: told at once", StageSAL, deal(nil), false, []time.Time{t0}, t0},
		{"SQL asks", StageSQL, deal(nil), false, []time.Time{t0}, t0},
		{"won customer asks", StageWon, deal(nil), false, []time.Time{t0}, t0},
		{"three forms: due at the oldest", StageSAL, deal(nil), false, []time.Time{t0.Add(time.Hour), t0, t0.Add(2 * time.Hour)}, t0},
		{"told 3 h ago: due a day after that notice", StageSAL, deal(&Asked{ToldAt: t0.Add(-3 * time.Hour)}), false, []time.Time{t0}, t0.Add(21 * time.Hour)},
		{"told 2 days ago: at once", StageSQL, deal(&Asked{ToldAt: t0.Add(-48 * time.Hour)}), false, []time.Time{t0}, t0},
		{"no form: nothing", StageSAL, deal(nil), false, nil, time.Time{}},
		{"lost deal: qualification's", StageLost, deal(nil), false, []time.Time{t0}, time.Time{}},
		{"MQL waiting for its answer", StageMQL, nil, false, []time.Time{t0}, time.Time{}},
		{"nurturing", StageNurturing, nil, false, []time.Time{t0}, time.Time{}},
		{"rejected", StageRejected, nil, false, []time.Time{t0}, time.Time{}},
		{"accepted before deals were kept (no deal)", StageSAL, nil, false, []time.Time{t0}, time.Time{}},
		{"erased", StageWon, deal(nil), true, []time.Time{t0}, time.Time{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := Lead{ID: "L1", Stage: c.stage, Deal: c.deal, Erased: c.erased}
			before := l.Deal
			var saved *Asked
			if before != nil && before.Asked != nil {
				cp := *before.Asked
				saved = &cp
			}
			for _, at := range c.forms {
				l.AskAgain(at)
			}
			if got := l.AskedDue(); !got.Equal(c.due) {
				t.Fatalf("AskedDue = %v, want %v", got, c.due)
			}
			if got := l.NextDue(); !c.due.IsZero() && !got.Equal(c.due) {
				t.Fatalf("NextDue = %v, want the notice's %v", got, c.due)
			}
			if before != nil && (saved == nil) != (before.Asked == nil) || saved != nil && *saved != *before.Asked {
				t.Fatal("AskAgain changed the deal other copies of the lead share")
			}
		})
	}
}

// TestToldAskedKeepsALaterForm: the notice lists the forms noted up to its
// claim; one posted while it was sent stays owed for the next notice, a
// day later, and the window then starts after the told ones.
func TestToldAskedKeepsALaterForm(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	l := Lead{ID: "L1", Stage: StageSAL, Deal: &Deal{AcceptedAt: t0.Add(-time.Hour), Rep: "ana@example.com"}}
	l.AskAgain(t0)
	l.AskAgain(t0.Add(time.Minute))
	l.ClaimAsked()
	if since, upto := l.AskedUntold(); !since.Equal(t0) || !upto.Equal(t0.Add(time.Minute)) {
		t.Fatalf("claimed window %v..%v", since, upto)
	}
	l.AskAgain(t0.Add(2 * time.Minute)) // while the notice is sent
	if _, upto := l.AskedUntold(); !upto.Equal(t0.Add(time.Minute)) {
		t.Fatalf("a form after the claim moved the window the email lists to %v", upto)
	}
	if n := l.AskedCount(); n != 2 {
		t.Fatalf("the claimed notice counts %d forms, want the 2 noted before its claim", n)
	}
	sent := t0.Add(3 * time.Minute)
	l.ToldAsked(sent)
	a := l.Deal.Asked
	if a.Times != 1 || !a.ToldAt.Equal(sent) || !a.Upto.IsZero() {
		t.Fatalf("after the notice: %+v", a)
	}
	since, upto := l.AskedUntold()
	if !since.After(t0.Add(time.Minute)) || since.After(t0.Add(2*time.Minute)) || !upto.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("the later form's window %v..%v: want just after the told ones, up to it", since, upto)
	}
	if due := l.AskedDue(); !due.Equal(sent.Add(AskedNoticeGap)) {
		t.Fatalf("the later form is due %v, want a day after the notice", due)
	}
	if n := l.AskedCount(); n != 1 {
		t.Fatalf("the next notice counts %d forms, want the 1 posted during the first", n)
	}
	// The next notice tells it; nothing is owed after that.
	l.ClaimAsked()
	l.ToldAsked(sent.Add(AskedNoticeGap))
	if due := l.AskedDue(); !due.IsZero() || l.Deal.Asked.Times != 2 || l.AskedCount() != 0 {
		t.Fatalf("after the second notice: due %v, %+v", due, l.Deal.Asked)
	}
	// A notice recorded without a claim's window (never: Prepare sets it)
	// tells everything rather than sending it again.
	l.AskAgain(sent.Add(50 * time.Hour))
	l.ToldAsked(sent.Add(51 * time.Hour))
	if due := l.AskedDue(); !due.IsZero() {
		t.Fatalf("owed after a notice without a window: %v", due)
	}
}

// TestAskedCountAroundAClaim: the forms the claimed notice lists and
// those it leaves for the next are counted by the window they fall in,
// whatever order they are noted in: a form folded from the inbox after
// the claim, posted before its newest form, is in the claimed window.
func TestAskedCountAroundAClaim(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name             string
		before, after    []time.Duration // forms noted before and after the claim
		listed, nextOwed int
	}{
		{"a later form while sent", []time.Duration{0, time.Minute}, []time.Duration{2 * time.Minute}, 2, 1},
		{"an older form folded from the inbox", []time.Duration{0, time.Minute}, []time.Duration{30 * time.Second}, 3, 0},
		{"an older one folded and a later one", []time.Duration{0, time.Minute}, []time.Duration{30 * time.Second, 2 * time.Minute}, 3, 1},
		{"one older than the window folded, a later one", []time.Duration{time.Minute}, []time.Duration{-time.Minute, 2 * time.Minute}, 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := Lead{ID: "L1", Stage: StageSAL, Deal: &Deal{AcceptedAt: t0.Add(-time.Hour), Rep: "ana@example.com"}}
			for _, d := range c.before {
				l.AskAgain(t0.Add(d))
			}
			l.ClaimAsked()
			for _, d := range c.after {
				l.AskAgain(t0.Add(d))
			}
			if n := l.AskedCount(); n != c.listed {
				t.Errorf("the claimed notice counts %d forms, want %d", n, c.listed)
			}
			l.ToldAsked(t0.Add(3 * time.Minute))
			if n, due := l.AskedCount(), l.AskedDue(); n != c.nextOwed || due.IsZero() != (c.nextOwed == 0) {
				t.Errorf("after the notice: %d forms counted (due %v), want %d", n, due, c.nextOwed)
			}
		})
	}
}
