package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// TestSLACountsWorkingHours: with sla.hours Mon–Fri 08:00–18:00
// Europe/Berlin, a hot lead posted at 17:58 on a Friday gets its alert at
// once, due at 08:03 on Monday (two working minutes on Friday, three on
// Monday), or on Tuesday when Monday is a holiday. Ticks after the
// around-the-clock deadline, in the night, on the weekend and on the
// holiday escalate nothing; the tick at the deadline escalates it to the
// team lead, once.
func TestSLACountsWorkingHours(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tc := range []struct {
		name, holidays, hours string
		due                   time.Time
		quiet                 []time.Time // more ticks that must escalate nothing
	}{
		{name: "weekend", hours: "Mon–Fri 08:00–18:00 Europe/Berlin", due: time.Date(2031, 3, 17, 8, 3, 0, 0, berlin)},
		{name: "weekend and a holiday", holidays: ", holidays: [2031-03-17]", hours: "Mon–Fri 08:00–18:00 Europe/Berlin, except 1 holiday",
			due: time.Date(2031, 3, 18, 8, 3, 0, 0, berlin), quiet: []time.Time{time.Date(2031, 3, 17, 10, 0, 0, 0, berlin), time.Date(2031, 3, 18, 8, 0, 0, 0, berlin)}},
	} {
		t.Run(tc.name, func(t *testing.T) { slaCountsWorkingHours(t, tc.holidays, tc.hours, tc.due, tc.quiet) })
	}
}

// berlinHours writes the default rules with working hours (Mon–Fri
// 08:00–18:00 Europe/Berlin, and holidays: ", holidays: [...]" or "")
// before the first-response SLA of 5 minutes, and returns the file.
func berlinHours(t *testing.T, holidays string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(testenv.Root(t), "shared", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const sla = "  first_response: 5m "
	if !strings.Contains(string(src), sla) {
		t.Fatal("default.yaml has no first_response line")
	}
	cfg := filepath.Join(t.TempDir(), "qualify.yaml")
	withHours := strings.Replace(string(src), sla, `  hours: {from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlin`+holidays+"}\n"+sla, 1)
	if err := os.WriteFile(cfg, []byte(withHours), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func slaCountsWorkingHours(t *testing.T, holidays, hours string, due time.Time, quiet []time.Time) {
	cfg := berlinHours(t, holidays)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	friday := time.Date(2031, 3, 14, 17, 58, 0, 0, berlin) // 16:58 UTC
	dueText := due.UTC().Format("Mon 2 Jan 2006, 15:04 UTC")
	clock := &clockAt{t: friday}
	env := map[string]string{"QUALIFY_CONFIG": cfg, "PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", env, clock.now, table)
	ctx := context.Background()
	email := fmt.Sprintf("hours.%d@bigcorp.example", time.Now().UnixNano())
	if resp, err := capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))); err != nil || resp.StatusCode != 202 {
		t.Fatalf("capture: %v %+v", err, resp)
	}
	// The alert goes out at once, saying when it is due and why then.
	got := mailFor(t, email, 1)
	if len(got) != 1 || got[0].To[0] == "lea@example.com" {
		t.Fatalf("alert: %d emails", len(got))
	}
	if want := "Respond by: " + dueText + " (the response time counts working hours only: " + hours + ")"; !strings.Contains(got[0].Text, want) {
		t.Errorf("alert lacks %q:\n%s", want, got[0].Text)
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	id := capturedID(t, table, email)
	l, err := st.Lead(ctx, id)
	if err != nil || l.Handoff == nil || !l.Handoff.DueBy.Equal(due) {
		t.Fatalf("stored deadline: %v, handoff %+v, want due %s", err, l.Handoff, due.UTC())
	}
	fire := func() {
		t.Helper()
		for range 2 {
			if err := tick.Event(ctx, events.EventBridgeEvent{ID: fmt.Sprint("tick-", clock.now().UnixNano())}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Past the around-the-clock deadline, the night, the weekend, and the
	// last second before it: nothing.
	for _, at := range append(append([]time.Time{friday.Add(6 * time.Minute), time.Date(2031, 3, 15, 2, 0, 0, 0, berlin),
		time.Date(2031, 3, 17, 8, 0, 0, 0, berlin)}, quiet...), due.Add(-time.Second)) {
		clock.add(at.Sub(clock.now()))
		fire()
		if l, err := st.Lead(ctx, id); err != nil || l.Handoff.State != lead.HandoffSent || l.Handoff.Breached {
			t.Fatalf("at %s: %v, handoff %+v; want still sent, not escalated", at, err, l.Handoff)
		}
	}
	clock.add(time.Second)
	fire()
	got = mailFor(t, email, 2)
	if len(got) != 2 || !strings.HasPrefix(got[1].Subject, "[SLA breach]") || got[1].To[0] != "lea@example.com" {
		t.Fatalf("escalation at %s: %d emails, last %q", clock.now(), len(got), got[len(got)-1].Subject)
	}
	if want := "since it was due by " + dueText + " (working hours " + hours + ")."; !strings.Contains(got[1].Text, want) {
		t.Errorf("escalation lacks %q:\n%s", want, got[1].Text)
	}
	if l, err := st.Lead(ctx, id); err != nil || l.Handoff.State != lead.HandoffEscalated {
		t.Fatalf("after the deadline: %v, handoff %+v", err, l.Handoff)
	}
}
