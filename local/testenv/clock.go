package testenv

import (
	"os"
	"sync"
	"testing"
	"time"
)

// ClockEnv names an instant (RFC 3339) every top-level test's clock
// starts at instead of the wall clock's, e.g. LEADFLOW_TEST_NOW=
// 2026-12-31T23:59:59.9123Z: each test begins 88 ms before a month-end
// midnight (UTC, the suite's REPORT_TIME_ZONE), so a test that reads
// "this month" on another clock than its leads were stamped on fails as
// it would on the last night of a month; other offsets cross it later
// in each test. Only tests read it (Now), never a function.
const ClockEnv = "LEADFLOW_TEST_NOW"

// testClock is one top-level test's clock: the wall clock moved by
// offset, first read at began.
type testClock struct {
	offset time.Duration
	began  time.Time
}

var clocks sync.Map // top-level test name → *testClock

// Now is the running test's "now": the wall clock's, or with
// LEADFLOW_TEST_NOW set, that instant at the first reading by the test
// (its top-level test) and the wall clock's pace from there. A test
// gives the functions it builds the same clock (Clock), so what they
// stamp and what it reads agree.
func Now(t testing.TB) time.Time {
	wall := time.Now()
	return wall.Add(clockOf(t, wall).offset)
}

// Clock is Now as a function's clock (app.Env.Clock).
func Clock(t testing.TB) func() time.Time {
	return func() time.Time { return Now(t) }
}

// Began is the running test's first reading of Now (Now itself if
// there was none): nothing on its clock is stamped earlier.
func Began(t testing.TB) time.Time {
	return clockOf(t, time.Now()).began
}

func clockOf(t testing.TB, wall time.Time) *testClock {
	name := topLevel(t.Name())
	if c, ok := clocks.Load(name); ok {
		return c.(*testClock)
	}
	c := &testClock{began: wall}
	if at := os.Getenv(ClockEnv); at != "" {
		start, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			panic(ClockEnv + "=" + at + ": want an RFC 3339 instant such as 2026-12-31T23:59:59Z")
		}
		c.offset, c.began = start.Sub(wall), start
	}
	got, _ := clocks.LoadOrStore(name, c)
	return got.(*testClock)
}
