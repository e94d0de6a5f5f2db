package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/testenv"
)

func TestCronNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		expr, after string
		want        []string // the next firings, in order
	}{
		{"cron(0 7 ? * MON *)", "2026-12-05T10:00:00Z", []string{"2026-12-07T07:00:00Z", "2026-12-14T07:00:00Z"}},
		{"cron(0 7 ? * MON *)", "2026-12-07T07:00:00Z", []string{"2026-12-14T07:00:00Z"}}, // after, not at
		{"cron(0 7 ? * MON *)", "2026-12-07T06:59:30Z", []string{"2026-12-07T07:00:00Z"}},
		{"cron(0 7 ? * 2 *)", "2026-12-05T10:00:00Z", []string{"2026-12-07T07:00:00Z"}}, // 2 is Monday
		{"cron(0/15 8-9 ? * MON-FRI *)", "2026-12-04T09:50:00Z", []string{"2026-12-07T08:00:00Z", "2026-12-07T08:15:00Z"}},
		{"cron(30 23 L * ? *)", "", nil},
		{"cron(0 12 1 JAN,jul ? *)", "2026-12-05T10:00:00Z", []string{"2027-01-01T12:00:00Z", "2027-07-01T12:00:00Z"}},
		{"cron(0 0 29 FEB ? *)", "2026-12-05T10:00:00Z", []string{"2028-02-29T00:00:00Z"}},
		{"cron(0 7 ? * MON 2026)", "2026-12-28T08:00:00Z", []string{""}}, // never again
	}
	for _, tt := range tests {
		c, err := gateway.ParseCron(tt.expr)
		if tt.want == nil {
			if err == nil {
				t.Errorf("ParseCron(%q): no error", tt.expr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCron(%q): %v", tt.expr, err)
			continue
		}
		from := at(tt.after)
		for _, w := range tt.want {
			got := c.Next(from)
			if w == "" {
				if !got.IsZero() {
					t.Errorf("%s after %s = %s, want never", tt.expr, from, got)
				}
				break
			}
			if !got.Equal(at(w)) {
				t.Errorf("%s after %s = %s, want %s", tt.expr, from.Format(time.RFC3339), got.Format(time.RFC3339), w)
			}
			from = got
		}
	}
}

func TestParseCronRefusals(t *testing.T) {
	for expr, want := range map[string]string{
		"cron(0 7 * * MON *)":     "exactly one of day-of-month and day-of-week",
		"cron(0 7 ? * ? *)":       "exactly one of day-of-month and day-of-week",
		"cron(0 7 ? * MON)":       "6 fields",
		"cron(60 7 ? * MON *)":    "minutes",
		"cron(0 7 ? * MON#1 *)":   "day-of-week",
		"cron(0 7 ? * FRI-MON *)": "backwards",
		"cron(0/0 7 ? * MON *)":   "step",
	} {
		if _, err := gateway.ParseCron(expr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCron(%q) = %v, want an error about %q", expr, err, want)
		}
	}
}

// firings records, per function, the product time of each "schedule
// fired" line RunSchedules logs.
type firings struct {
	mu    sync.Mutex
	clock func() time.Time
	at    map[string][]time.Time
}

func (f *firings) Enabled(context.Context, slog.Level) bool { return true }
func (f *firings) WithAttrs([]slog.Attr) slog.Handler       { return f }
func (f *firings) WithGroup(string) slog.Handler            { return f }
func (f *firings) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "schedule fired" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "function" {
			f.mu.Lock()
			f.at[a.Value.String()] = append(f.at[a.Value.String()], f.clock())
			f.mu.Unlock()
		}
		return true
	})
	return nil
}

func (f *firings) of(fn string) []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.at[fn])
}

// TestWeeklySchedulesFireOnMondayMorning: the template's weekly schedule
// is a cron (Monday 07:00 UTC), and the local scheduler fires it when the
// product clock reaches it — once — while the minute tick keeps its rate.
func TestWeeklySchedulesFireOnMondayMorning(t *testing.T) {
	tm := testenv.Template(t)
	// The product clock stands at 06:59 until the scheduler has started
	// (RunSchedules returned), then runs 600 times as fast as the wall:
	// however long the machine takes to get there, 07:00 is still ahead
	// when the scheduler picks its first firing.
	start, speed := time.Date(2026, 12, 7, 6, 59, 0, 0, time.UTC), 600.0
	var began atomic.Pointer[time.Time]
	clock := func() time.Time {
		b := began.Load()
		if b == nil {
			return start
		}
		return start.Add(time.Duration(float64(time.Since(*b)) * speed))
	}
	o := options(t, tm, testenv.NewTable(t), "https://site.example", io.Discard)
	o.Clock = clock
	gw, err := gateway.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	weekly := map[string]bool{}
	for _, s := range gw.Schedules() {
		if s.Next != nil {
			weekly[s.Function] = true
			if got := s.Next(time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)) || s.Every != 7*24*time.Hour {
				t.Errorf("%s %s: next after a Friday evening %s, every %s; want Monday 07:00 UTC, every 168h", s.Function, s.Expression, got, s.Every)
			}
		}
	}
	if !weekly["reports"] || !weekly["segments"] || weekly["nurture"] {
		t.Fatalf("cron schedules of %v; want reports and segments (the nurture tick is a rate)", weekly)
	}
	f := &firings{clock: clock, at: map[string][]time.Time{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gw.RunSchedules(ctx, speed, slog.New(f))
	wallStart := time.Now()
	began.Store(&wallStart) // the product clock starts now, at 06:59
	monday7 := time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)
	// Wait (in product time) until an hour past 07:00, and until both
	// weekly schedules have fired and the minute tick twice (a firing is
	// logged when its function returns, which a loaded machine may take
	// a while over: the wait is for the events, not for a wall time).
	for clock().Before(monday7.Add(time.Hour)) || len(f.of("reports")) == 0 || len(f.of("segments")) == 0 || len(f.of("nurture")) < 2 {
		if time.Since(wallStart) > 5*time.Minute {
			t.Fatalf("after 5 minutes: reports fired at %v, segments at %v, the minute tick %d times", f.of("reports"), f.of("segments"), len(f.of("nurture")))
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, fn := range []string{"reports", "segments"} {
		if at := f.of(fn); len(at) != 1 || at[0].Before(monday7) {
			t.Errorf("%s fired at %v; want once, at or after %s", fn, at, monday7)
		}
	}
}

// TestACronFiringIsKeptWhenTheClockRunsPastIt: the scheduler picks a
// weekly schedule's firing when it starts; a product clock already past
// it by the time its goroutine first looks (a loaded machine at a fast
// speed: 0.1 s of delay is a minute of product time) still fires it, once,
// instead of waiting for next week's.
func TestACronFiringIsKeptWhenTheClockRunsPastIt(t *testing.T) {
	tm := testenv.Template(t)
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 6, 59, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	o := options(t, tm, testenv.NewTable(t), "https://site.example", io.Discard)
	o.Clock = clock
	gw, err := gateway.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	f := &firings{clock: clock, at: map[string][]time.Time{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gw.RunSchedules(ctx, 600, slog.New(f))
	mu.Lock()
	now = time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC) // before any goroutine of the scheduler has looked, or after
	mu.Unlock()
	wallStart := time.Now()
	for len(f.of("reports")) == 0 || len(f.of("segments")) == 0 {
		if time.Since(wallStart) > 2*time.Minute {
			t.Fatalf("after 2 minutes: reports fired at %v, segments at %v; want both, for Monday 07:00", f.of("reports"), f.of("segments"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, fn := range []string{"reports", "segments"} {
		if n := len(f.of(fn)); n != 1 {
			t.Errorf("%s fired %d times for one Monday", fn, n)
		}
	}
}
