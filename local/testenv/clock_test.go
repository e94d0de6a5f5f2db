package testenv

import (
	"testing"
	"time"
)

func TestClockStartsAtTheInstantGiven(t *testing.T) {
	t.Setenv(ClockEnv, "2026-12-31T23:59:59.9123Z")
	start := time.Date(2026, 12, 31, 23, 59, 59, 912_300_000, time.UTC)
	first := Now(t)
	if !first.Equal(start) || !Began(t).Equal(start) {
		t.Fatalf("first reading %s, began %s; want %s", first, Began(t), start)
	}
	time.Sleep(2 * time.Millisecond)
	if later := Clock(t)(); !later.After(first) || later.Sub(first) > time.Minute {
		t.Fatalf("a later reading %s: want the wall's pace on from %s", later, first)
	}
	// A subtest is on its top-level test's clock.
	t.Run("sub", func(t *testing.T) {
		if !Began(t).Equal(start) {
			t.Fatalf("subtest began %s, want %s", Began(t), start)
		}
	})
}

func TestClockIsTheWallsWithoutTheVariable(t *testing.T) {
	t.Setenv(ClockEnv, "")
	before := time.Now()
	got := Now(t)
	if got.Before(before) || got.After(time.Now()) {
		t.Fatalf("Now = %s, want the wall's time (from %s)", got, before)
	}
}
