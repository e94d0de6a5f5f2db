package lead

import (
	"testing"
	"time"
)

func TestRefusalsBackOffDoublingToADay(t *testing.T) {
	now := time.Date(2031, 3, 10, 9, 0, 0, 0, time.UTC)
	var l Lead
	var waits []time.Duration
	for i := 0; i < 12; i++ {
		l.Refuse("nurture:s:welcome", true, RefusedBySES, now)
		waits = append(waits, l.RefusedToLead.Until.Sub(now))
		if l.RefusedToLead.Times != i+1 {
			t.Fatalf("refusal %d counted as %d", i+1, l.RefusedToLead.Times)
		}
	}
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, 80 * time.Minute, 160 * time.Minute,
		320 * time.Minute, 640 * time.Minute, 1280 * time.Minute, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("wait after refusal %d = %v, want %v", i+1, waits[i], want[i])
		}
	}
	// A refusal long after the last back-off ended (nothing of that side
	// was tried since) starts over.
	later := refusedAt(now, 3)
	later.Refuse("nurture:s:tips", true, RefusedBySES, now.Add(30*24*time.Hour))
	if r := later.RefusedToLead; r.Times != 1 || r.Until != now.Add(30*24*time.Hour+RefusalFirstWait) {
		t.Fatalf("a refusal a month later: %+v, want the first of a new row", r)
	}
	// A refusal of the other side starts its own count.
	l.Refuse("handoff", false, RefusedInvalid, now)
	if r := l.RefusedToSales; r.Times != 1 || r.ToLead || r.Until != now.Add(RefusalFirstWait) || l.RefusedToLead.Times != 12 {
		t.Fatalf("a sales-side refusal after lead-side ones: %+v (lead side %+v)", r, l.RefusedToLead)
	}
}

func TestARefusalDefersOnlyItsOwnSide(t *testing.T) {
	now := time.Date(2031, 3, 10, 9, 0, 0, 0, time.UTC)
	until := now.Add(RefusalFirstWait)
	nurturing := func() Lead {
		return Lead{Stage: StageNurturing, Nurture: &Nurture{Sequence: "s", Step: "welcome", NextAt: now}}
	}
	pending := func() Lead {
		return Lead{Stage: StageMQL, Handoff: &Handoff{State: HandoffPending, Since: now}}
	}
	for _, tc := range []struct {
		name       string
		lead       Lead
		toLead     bool
		wantDue    time.Time
		deferLead  bool
		deferSales bool
	}{
		{"nurture step refused: the step waits", nurturing(), true, until, true, false},
		{"alert refused: the alert waits", pending(), false, until, false, true},
		{"alert refused: a nurture step is not held up", nurturing(), false, now, false, true},
		{"nurture refused: an owed alert is not held up", pending(), true, now, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.lead
			l.Refuse("job", tc.toLead, RefusedBySES, now)
			if got := l.NextDue(); !got.Equal(tc.wantDue) {
				t.Errorf("NextDue = %v, want %v", got, tc.wantDue)
			}
			if l.Deferred(true, now) != tc.deferLead || l.Deferred(false, now) != tc.deferSales {
				t.Errorf("deferred at once: lead %v sales %v; want %v %v", l.Deferred(true, now), l.Deferred(false, now), tc.deferLead, tc.deferSales)
			}
			if l.Deferred(true, until) || l.Deferred(false, until) {
				t.Errorf("still deferred when the back-off ended")
			}
			l.Delivered(!tc.toLead)
			if l.RefusalOf(tc.toLead) == nil {
				t.Fatal("an email of the other side cleared the refusal")
			}
			l.Delivered(tc.toLead)
			if l.RefusalOf(tc.toLead) != nil {
				t.Fatal("an email of its side went out and the refusal stayed")
			}
		})
	}
}

// A refusal of one side does not end or restart the other side's
// back-off: both sides can be refused at once (an address SES refuses
// both as the lead's To and as the alert's Reply-To).
func TestRefusalsOfBothSidesKeepTheirBackOffs(t *testing.T) {
	now := time.Date(2031, 3, 10, 9, 0, 0, 0, time.UTC)
	var l Lead
	for range 3 {
		l.Refuse("confirm_optin", true, RefusedBySES, now) // 5, 10, 20 minutes
	}
	l.Refuse("handoff", false, RefusedBySES, now)
	if !l.Deferred(true, now.Add(time.Minute)) || !l.Deferred(false, now.Add(time.Minute)) {
		t.Fatalf("a minute later: lead side deferred %v, sales side %v; want both", l.Deferred(true, now.Add(time.Minute)), l.Deferred(false, now.Add(time.Minute)))
	}
	l.Refuse("confirm_optin", true, RefusedBySES, now.Add(20*time.Minute))
	if r := l.RefusalOf(true); r == nil || r.Times != 4 || !r.Until.Equal(now.Add(60*time.Minute)) {
		t.Fatalf("the lead side's fourth refusal: %+v, want 4 in a row, 40 minutes", r)
	}
	if r := l.RefusalOf(false); r == nil || r.Times != 1 || r.Job != "handoff" {
		t.Fatalf("the sales side's refusal after the lead side's: %+v", r)
	}
	if due := (&Lead{Stage: StageMQL, Handoff: &Handoff{State: HandoffPending, Since: now}, RefusedToLead: l.RefusedToLead, RefusedToSales: l.RefusedToSales}).NextDue(); !due.Equal(now.Add(RefusalFirstWait)) {
		t.Fatalf("the alert is due at %v, want at the end of its own back-off", due)
	}
	l.Delivered(true)
	if l.RefusalOf(true) != nil || l.RefusalOf(false) == nil {
		t.Fatalf("after an email to the lead went out: %+v / %+v", l.RefusedToLead, l.RefusedToSales)
	}
}

// refusedAt is a lead whose emails to it were refused times in a
// row at now.
func refusedAt(now time.Time, times int) Lead {
	var l Lead
	for range times {
		l.Refuse("nurture:s:welcome", true, RefusedBySES, now)
	}
	return l
}
