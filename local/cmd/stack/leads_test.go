package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) // a Tuesday

func withQ(l lead.Lead, grade string, score float64) lead.Lead {
	l.Qualification = &lead.Qualification{Grade: grade, Score: score}
	return l
}

// TestNextAction: each place a lead can be in reads as what happens next.
func TestNextAction(t *testing.T) {
	for _, c := range []struct {
		name  string
		lead  lead.Lead
		speed float64
		want  string
	}{
		{name: "alert sent", lead: lead.Lead{Stage: lead.StageMQL, Handoff: &lead.Handoff{State: lead.HandoffSent, RepName: "Ana Lopez", DueBy: now.Add(5 * time.Minute)}},
			want: "alert sent to Ana Lopez, waiting; first response due Tue 09:05 UTC (in 5m)"},
		{name: "SLA passed", lead: lead.Lead{Stage: lead.StageMQL, Handoff: &lead.Handoff{State: lead.HandoffSent, Rep: "ana@example.com", DueBy: now.Add(-time.Minute)}},
			want: "alert sent to ana@example.com; SLA missed: escalation goes out on the next tick"},
		{name: "escalated", lead: lead.Lead{Stage: lead.StageMQL, Handoff: &lead.Handoff{State: lead.HandoffEscalated, RepName: "Ana Lopez", EscalatedTo: "lead@example.com"}},
			want: "alert sent to Ana Lopez, SLA missed: escalated to lead@example.com, waiting"},
		{name: "pending", lead: lead.Lead{Stage: lead.StageMQL, Handoff: &lead.Handoff{State: lead.HandoffPending}},
			want: "alert to sales owed: goes out on the next schedule tick"},
		{name: "held", lead: lead.Lead{Stage: lead.StageMQL, Handoff: &lead.Handoff{State: lead.HandoffHeld, Held: &lead.Held{Reason: lead.HeldSourceLimit, SummaryAt: now.Add(50 * time.Minute)}}},
			want: "alert held (source limit); team lead's summary due Tue 09:50 UTC (in 50m)"},
		{name: "accepted, reminder at speed 60", speed: 60,
			lead: lead.Lead{Stage: lead.StageSAL, Handoff: &lead.Handoff{State: lead.HandoffAnswered, RepName: "Ben Wu"}, Deal: &lead.Deal{Rep: "ben@example.com", RemindAt: now.Add(14 * 24 * time.Hour)}},
			want: "accepted by ben@example.com; outcome reminder due Tue 15 Dec 09:00 UTC (in 14d; 5h36m of wall time)"},
		{name: "sql", lead: lead.Lead{Stage: lead.StageSQL, Handoff: &lead.Handoff{State: lead.HandoffAnswered, RepName: "Ben Wu"}},
			want: "SQL with Ben Wu, waiting for won/lost"},
		{name: "won", lead: lead.Lead{Stage: lead.StageWon, Deal: &lead.Deal{Amount: 12000, Currency: "EUR"}}, want: "won (12000 EUR)"},
		{name: "customer asked again", lead: lead.Lead{Stage: lead.StageWon, Deal: &lead.Deal{Rep: "ben@example.com", Asked: &lead.Asked{Since: now, Last: now}}},
			want: "won; asked again: notice to ben@example.com due now"},
		{name: "SQL asked again within a day of the last notice", lead: lead.Lead{Stage: lead.StageSQL, Handoff: &lead.Handoff{State: lead.HandoffAnswered, RepName: "Ben Wu"},
			Deal: &lead.Deal{Rep: "ben@example.com", Asked: &lead.Asked{Since: now, Last: now, ToldAt: now.Add(-23 * time.Hour)}}},
			want: "SQL with ben@example.com, waiting for won/lost; asked again: notice to ben@example.com due Tue 10:00 UTC (in 1h)"},
		{name: "lost", lead: lead.Lead{Stage: lead.StageLost, Deal: &lead.Deal{LostReason: "no_budget"}}, want: "lost: no budget"},
		{name: "disqualified", lead: lead.Lead{Stage: lead.StageDisqualified, Qualification: &lead.Qualification{Disqualified: "job_seeker"}}, want: "disqualified: job_seeker"},
		{name: "suppressed beats nurture", lead: lead.Lead{Stage: lead.StageNurturing, Suppressed: "bounce", Nurture: &lead.Nurture{Sequence: "s", Step: "x", NextAt: now}},
			want: "suppressed (bounce): no email goes out"},
		// An opted-out lead that came back with a demo request (or opted
		// out while with sales): its alert still goes to sales.
		{name: "suppressed, with sales", lead: lead.Lead{Stage: lead.StageMQL, Suppressed: "unsubscribe", Handoff: &lead.Handoff{State: lead.HandoffPending}},
			want: "alert to sales owed: goes out on the next schedule tick (the lead itself is suppressed: unsubscribe)"},
		{name: "waiting for the click", lead: lead.Lead{Stage: lead.StageNurturing, OptIn: &lead.ConsentRequest{SentAt: now.Add(-time.Hour)}, Nurture: &lead.Nurture{NoSequence: lead.NoConsent}},
			want: "confirmation email sent, waiting for the click"},
		// Its link works 7 days: after that nobody can click it, and the
		// table says so rather than "waiting" for a click that cannot come.
		{name: "confirmation link expired", lead: lead.Lead{Stage: lead.StageNurturing, OptIn: &lead.ConsentRequest{SentAt: now.Add(-8 * 24 * time.Hour)}, Nurture: &lead.Nurture{NoSequence: lead.NoConsent}},
			want: "confirmation link expired Mon 30 Nov 09:00 UTC, unused (a new post of the address with the box ticked sends a new one)"},
		{name: "nurture step", lead: lead.Lead{Stage: lead.StageNurturing, Nurture: &lead.Nurture{Sequence: "cold-education", Step: "tips", NextAt: now.Add(25 * time.Hour)}},
			want: "nurture cold-education step tips due Wed 10:00 UTC (in 1d1h)"},
		{name: "nurture step due", lead: lead.Lead{Stage: lead.StageNurturing, Nurture: &lead.Nurture{Sequence: "cold-education", Step: "tips", NextAt: now}},
			want: "nurture cold-education step tips due now (the next tick sends it, inside the lead's send window and frequency cap)"},
		{name: "no sequence", lead: lead.Lead{Stage: lead.StageNurturing, Nurture: &lead.Nurture{NoSequence: lead.NoMatchingSequence}},
			want: "no nurture: no matching sequence"},
		{name: "new", lead: lead.Lead{Stage: lead.StageNew}, want: "nothing due"},
		{name: "erased", lead: lead.Lead{Erased: true, Stage: lead.StageNurturing}, want: "erased on request"},
		{name: "nurture email refused",
			lead: lead.Lead{Stage: lead.StageNurturing, Nurture: &lead.Nurture{Sequence: "cold-education", Step: "tips", NextAt: now.Add(-time.Minute)},
				RefusedToLead: &lead.Refusal{ToLead: true, Reason: lead.RefusedBySES, Times: 2, Until: now.Add(10 * time.Minute)}},
			want: "email to the lead refused (SES rejected it, 2× in a row), next try due Tue 09:10 UTC (in 10m); nurture cold-education step tips due now (the next tick sends it, inside the lead's send window and frequency cap)"},
		{name: "back-off over", lead: lead.Lead{Stage: lead.StageNew, RefusedToLead: &lead.Refusal{ToLead: true, Until: now}}, want: "nothing due"},
	} {
		t.Run(c.name, func(t *testing.T) {
			speed := c.speed
			if speed == 0 {
				speed = 1
			}
			if got := nextAction(c.lead, now, speed, time.UTC); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestWriteTable: newest first, one aligned row per lead, and the
// stack's clock under the table; the list decodes from the endpoint's
// JSON with zero times left out.
func TestWriteTable(t *testing.T) {
	older := withQ(lead.Lead{ID: "01A", Submission: lead.Submission{Email: "old@acme.example"}, Stage: lead.StageNurturing, CreatedAt: now.Add(-time.Hour),
		FirstTouch: lead.Attribution{Campaign: "webinar-nov"}, Nurture: &lead.Nurture{Sequence: "cold-education", Step: "tips", NextAt: now.Add(2 * time.Hour)}}, "C", 12.25)
	newer := withQ(lead.Lead{ID: "01B", Submission: lead.Submission{Email: "new@acme.example"}, Stage: lead.StageMQL, CreatedAt: now,
		FirstTouch: lead.Attribution{Campaign: "q4-demo"}, Handoff: &lead.Handoff{State: lead.HandoffSent, RepName: "Ana Lopez", DueBy: now.Add(5 * time.Minute)}}, "A", 40)
	erased := lead.Lead{ID: "01C", Erased: true, Stage: lead.StageNurturing, CreatedAt: now.Add(-2 * time.Hour)}
	b, err := json.Marshal(leadList{Now: now, Speed: 1, Count: 3, Leads: []lead.Lead{older, erased, newer}})
	if err != nil {
		t.Fatal(err)
	}
	var list leadList
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeTable(&out, list, time.UTC); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	want := []string{
		"EMAIL             STAGE      GRADE  SCORE  CAMPAIGN      NEXT",
		"new@acme.example  mql        A      40     q4-demo       alert sent to Ana Lopez, waiting; first response due Tue 09:05 UTC (in 5m)",
		"old@acme.example  nurturing  C      12.3   webinar-nov   nurture cold-education step tips due Tue 11:00 UTC (in 2h)",
		"(erased)          nurturing  -      -      unattributed  erased on request",
		"3 leads · product time Tue 01 Dec 09:00 UTC",
	}
	if len(lines) != len(want) {
		t.Fatalf("got\n%s", out.String())
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d\ngot  %q\nwant %q", i, lines[i], want[i])
		}
	}

	out.Reset()
	if err := writeTable(&out, leadList{Now: now, Speed: 60}, time.UTC); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "no leads yet") || !strings.Contains(out.String(), "(clock x60)") {
		t.Errorf("empty table:\n%s", out.String())
	}
}
