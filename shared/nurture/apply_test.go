package nurture

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

func replaceOnce(t testing.TB, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not found", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestApplySend(t *testing.T) {
	c := mustParse(t, full)
	l := at(newLead("cold", "A"), cold, "welcome", 0, monday)
	sentAt := monday.Add(90 * time.Second)
	c.Apply(&l, c.Plan(l, monday), sentAt, "ses-1")
	n := l.Nurture
	if len(n.Sends) != 1 || n.Sends[0] != (lead.Send{Sequence: cold, Step: "welcome", At: sentAt, MessageID: "ses-1"}) {
		t.Errorf("sends = %+v", n.Sends)
	}
	// The wait after the send is counted from the send, not from when the
	// step was due.
	if n.Step != "case-study" || n.StepIndex != 2 || !n.NextAt.Equal(sentAt.Add(72*time.Hour)) {
		t.Errorf("after send: step %s/%d due %s", n.Step, n.StepIndex, n.NextAt)
	}
	if p := c.Plan(l, sentAt.Add(72*time.Hour-time.Second)); p.Kind != KindLater || !p.At.Equal(sentAt.Add(72*time.Hour)) {
		t.Errorf("a second early: %+v", p)
	}
	if p := c.Plan(l, sentAt.Add(72*time.Hour)); p.Kind != KindSend || p.Step != "case-study" {
		t.Errorf("when the wait is over: %+v", p)
	}
}

func TestApplySendWithoutAWaitAfterIt(t *testing.T) {
	c := mustParse(t, withSequence("{id: a, send: welcome}", "{id: b, send: case_study}"))
	l := at(newLead("cold", "A"), "s", "a", 0, monday)
	c.Apply(&l, c.Plan(l, monday), monday, "m")
	if n := l.Nurture; n.Step != "b" || n.StepIndex != 1 || !n.NextAt.Equal(monday) {
		t.Errorf("after send: %+v", n)
	}
}

func TestApplyKeepsTheNewestSends(t *testing.T) {
	c := mustParse(t, full)
	var sends []lead.Send
	for i := range lead.MaxSends {
		sends = append(sends, send("old", fmt.Sprint(i), monday.Add(-time.Duration(100-i)*24*time.Hour)))
	}
	l := at(newLead("cold", "A"), cold, "welcome", 0, monday, sends...)
	prev := l.Nurture.Sends
	c.Apply(&l, c.Plan(l, monday), monday, "new")
	got := l.Nurture.Sends
	if len(got) != lead.MaxSends || got[0].Step != "1" || got[len(got)-1].MessageID != "new" {
		t.Errorf("sends: %d, first %s, last %s", len(got), got[0].Step, got[len(got)-1].MessageID)
	}
	if prev[0].Step != "0" || len(prev) != lead.MaxSends {
		t.Error("Apply changed the previous send slice")
	}
}

func TestApplyLaterHandoffExit(t *testing.T) {
	c := mustParse(t, full)
	saturday := berlin(t, "2026-11-28 10:00")

	l := at(newLead("cold", "A"), cold, "case-study", 2, saturday)
	p := c.Plan(l, saturday)
	c.Apply(&l, p, saturday, "")
	if n := l.Nurture; p.Kind != KindLater || n.Step != "case-study" || n.StepIndex != 2 || !n.NextAt.Equal(berlin(t, "2026-11-30 09:00")) {
		t.Errorf("later: %+v → %+v", p, n)
	}

	l = withSignal(at(newLead("cold", "A"), cold, "check", 4, monday, send(cold, "case-study", monday.Add(-48*time.Hour))), "email_click", monday.Add(-time.Hour))
	p = c.Plan(l, monday)
	c.Apply(&l, p, monday, "")
	if n := l.Nurture; p.Kind != KindHandoff || !n.NextAt.IsZero() || n.ExitReason != ExitHandedOff || n.Step != "fast-track" ||
		strings.Join(n.Completed, ",") != cold || !l.NextDue().IsZero() {
		t.Errorf("handoff: %+v → %+v", p, n)
	}
	if again := c.Enrol(&l, monday); again != "" {
		t.Errorf("re-enrolled into %s", again)
	}

	l = at(newLead("cold", "A"), cold, "welcome", 0, monday)
	l.Stage = lead.StageSAL
	p = c.Plan(l, monday)
	c.Apply(&l, p, monday, "")
	if n := l.Nurture; !n.NextAt.IsZero() || n.ExitReason != "sal" || strings.Join(n.Completed, ",") != cold {
		t.Errorf("exit: %+v → %+v", p, n)
	}
}

func TestApplyIgnoresStalePlans(t *testing.T) {
	c := mustParse(t, full)
	l := at(newLead("cold", "A"), cold, "welcome", 0, monday)
	c.Apply(&l, Plan{Kind: KindSend, Sequence: "warm-followup", Step: "recap"}, monday, "m")
	if n := l.Nurture; len(n.Sends) != 0 || n.Step != "welcome" {
		t.Errorf("a plan for another sequence changed the lead: %+v", n)
	}
	none := newLead("cold", "A")
	c.Apply(&none, c.Plan(none, monday), monday, "")
	if none.Nurture != nil {
		t.Errorf("a lead in no sequence got %+v", none.Nurture)
	}
}

func TestExit(t *testing.T) {
	l := at(newLead("cold", "A"), cold, "case-study", 2, monday)
	Exit(&l, "unsubscribed")
	if n := l.Nurture; !n.NextAt.IsZero() || n.ExitReason != "unsubscribed" || strings.Join(n.Completed, ",") != cold {
		t.Errorf("after Exit: %+v", n)
	}
	Exit(&l, "bounced") // already out: nothing changes
	if n := l.Nurture; n.ExitReason != "unsubscribed" || len(n.Completed) != 1 {
		t.Errorf("second Exit: %+v", n)
	}
	if p := mustParse(t, full).Plan(l, monday); p.Kind != KindExit || p.ExitReason != ExitNotEnrolled {
		t.Errorf("plan after exit: %+v", p)
	}
	var none lead.Lead
	Exit(&none, "bounced")
	if none.Nurture != nil {
		t.Error("Exit enrolled a lead")
	}
}

// scheduler runs a lead through the default config the way the nurture
// function does: every tick, if the lead is due, plan and apply (sending
// when told). It returns the sends and the final state.
func runScheduler(t *testing.T, c *Config, l lead.Lead, from time.Time, days int, tick time.Duration, onSend func(*lead.Lead, lead.Send)) lead.Lead {
	t.Helper()
	if got := c.Enrol(&l, from); got == "" {
		t.Fatal("not enrolled")
	}
	end := from.Add(time.Duration(days) * 24 * time.Hour)
	for now := from; now.Before(end); now = now.Add(tick) {
		due := l.NextDue()
		if due.IsZero() {
			break
		}
		if due.After(now) {
			continue
		}
		p := c.Plan(l, now)
		id := ""
		if p.Kind == KindSend {
			id = fmt.Sprintf("ses-%d", len(l.Nurture.Sends))
		}
		c.Apply(&l, p, now, id)
		if p.Kind == KindSend && onSend != nil {
			onSend(&l, l.Nurture.Sends[len(l.Nurture.Sends)-1])
		}
	}
	return l
}

func TestDefaultColdSequenceEndToEnd(t *testing.T) {
	c := Default()
	start := berlin(t, "2026-11-20 16:30") // a Friday afternoon
	l := newLead("cold", "B")
	l.TimeZone, l.Country = "", "US" // New York by country
	ny, _ := time.LoadLocation("America/New_York")
	l = runScheduler(t, c, l, start, 40, 5*time.Minute, func(l *lead.Lead, s lead.Send) {
		if !c.Window().Open(s.At, ny) {
			t.Errorf("%s sent outside the window: %s", s.Step, s.At.In(ny))
		}
	})
	n := l.Nurture
	var steps []string
	for _, s := range n.Sends {
		steps = append(steps, s.Step+"@"+s.At.In(ny).Format("Mon 2 Jan 15:04"))
	}
	want := []string{"welcome@Fri 20 Nov 10:30", "case-study@Tue 24 Nov 10:30", "playbook@Tue 1 Dec 10:30", "last-call@Thu 10 Dec 10:30"}
	if strings.Join(steps, ", ") != strings.Join(want, ", ") {
		t.Errorf("sends:\n  %s\nwant\n  %s", strings.Join(steps, "\n  "), strings.Join(want, "\n  "))
	}
	if n.ExitReason != ExitCompleted || !n.NextAt.IsZero() || n.Step != "done" {
		t.Errorf("end state %+v", n)
	}
	for i := 1; i < len(n.Sends); i++ {
		if n.Sends[i].At.Sub(n.Sends[i-1].At) < 72*time.Hour {
			t.Errorf("sends too close: %v", n.Sends)
		}
	}
}

func TestDefaultColdSequenceClickHandsOff(t *testing.T) {
	c := Default()
	start := berlin(t, "2026-11-23 10:00")
	l := runScheduler(t, c, newLead("cold", "A"), start, 40, 10*time.Minute, func(l *lead.Lead, s lead.Send) {
		if s.Step == "case-study" { // the lead clicks the second email a day later
			l.AddSignal(lead.Signal{Kind: "email_click", At: s.At.Add(24 * time.Hour)})
		}
	})
	n := l.Nurture
	if n.ExitReason != ExitHandedOff || len(n.Sends) != 2 || n.Step != "fast-track" {
		t.Errorf("end state %+v", n)
	}
}

func TestDefaultWarmSequencePricingHandsOff(t *testing.T) {
	c := Default()
	start := berlin(t, "2026-11-23 10:00")
	l := newLead("warm", "B")
	l.AddSignal(lead.Signal{Kind: "pricing_page_view", At: start.Add(-time.Hour)})
	l = runScheduler(t, c, l, start, 20, 10*time.Minute, nil)
	if n := l.Nurture; n.Sequence != "warm-followup" || n.ExitReason != ExitHandedOff || len(n.Sends) != 1 {
		t.Errorf("end state %+v", n)
	}
}

// TestWaitInDaysKeepsTheWallClock: a wait written in days ("14d") ends at
// the same time of day on the lead's clock that many days on, across a
// daylight-saving change in between: an email sent at 16:30 on a Friday
// before the clocks go forward was due at 17:30 two Fridays on, after the
// window closed, and went out on Monday. A wait in hours stays that many
// hours.
func TestWaitInDaysKeepsTheWallClock(t *testing.T) {
	tests := []struct {
		name, zone, wait string
		sent             string // the send, on the lead's wall clock
		want             string // when the wait ends, on it
	}{
		{"Berlin: 14d over spring forward", "Europe/Berlin", "14d", "2026-03-27 16:30", "2026-04-10 16:30"},
		{"Berlin: 7d over fall back", "Europe/Berlin", "7d", "2026-10-23 09:10", "2026-10-30 09:10"},
		{"New York: 3d over spring forward", "America/New_York", "3d", "2026-03-06 16:45", "2026-03-09 16:45"},
		{"Sydney: 3d over its clocks going back", "Australia/Sydney", "3d", "2026-04-03 16:15", "2026-04-06 16:15"},
		{"Lord Howe's half-hour change", "Australia/Lord_Howe", "3d", "2026-10-02 16:50", "2026-10-05 16:50"},
		{"Kathmandu has no change: days are 24 hours", "Asia/Kathmandu", "30d", "2026-03-27 16:30", "2026-04-26 16:30"},
		{"Santiago: a wait ending in the hour skipped at midnight ends at the jump", "America/Santiago", "21d", "2026-08-16 00:35", "2026-09-06 01:00"},
		{"Havana: the same", "America/Havana", "7d", "2026-03-01 00:45", "2026-03-08 01:00"},
		{"over a month's end and a leap day", "Europe/Berlin", "30d", "2028-01-31 10:00", "2028-03-01 10:00"},
		{"over the year's end", "America/New_York", "45d", "2026-12-01 11:00", "2027-01-15 11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, withSequence("{id: a, send: welcome}", "{id: w, wait: "+tt.wait+"}", "{id: b, send: case_study}"))
			l := at(newLead("cold", "A"), "s", "a", 0, monday)
			l.TimeZone = tt.zone
			sent, want := local(t, tt.zone, tt.sent), local(t, tt.zone, tt.want)
			c.Apply(&l, Plan{Kind: KindSend, Sequence: "s", Step: "a", StepIndex: 0, Template: "welcome"}, sent, "m")
			if n := l.Nurture; n.Step != "b" || !n.NextAt.Equal(want) {
				t.Errorf("after the send: step %s due %s, want b due %s", n.Step, n.NextAt.In(want.Location()), want)
			}
			// The plan of a lead found at the wait (a late tick, an edited
			// sequence) counts it the same way.
			l = at(newLead("cold", "A"), "s", "w", 1, sent, send("s", "a", sent))
			l.TimeZone = tt.zone
			if p := c.Plan(l, want.Add(-time.Second)); p.Kind != KindLater || !p.At.Equal(want) {
				t.Errorf("a second early: %s at %s, want later at %s", p.Kind, p.At.In(want.Location()), want)
			}
		})
	}
	// Hours are hours: 336h over spring forward ends an hour later on the
	// wall clock.
	c := mustParse(t, withSequence("{id: a, send: welcome}", "{id: w, wait: 336h}", "{id: b, send: case_study}"))
	l := at(newLead("cold", "A"), "s", "a", 0, monday)
	sent := berlin(t, "2026-03-27 15:30")
	c.Apply(&l, Plan{Kind: KindSend, Sequence: "s", Step: "a", StepIndex: 0, Template: "welcome"}, sent, "m")
	if want := sent.Add(336 * time.Hour); !l.Nurture.NextAt.Equal(want) {
		t.Errorf("336h: due %s, want %s", l.Nurture.NextAt, want)
	}
}
