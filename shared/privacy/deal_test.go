package privacy

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/feedback"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

// TestErasedDealStillTakesItsOutcomes: an erasure keeps a deal's funnel
// facts (when and by whom it was accepted, what it counted, its amount,
// the CRM events applied) and nothing written about the person (their
// name and company, why it was lost, what they asked). A deal whose
// contact asked for erasure can still be reversed (the CRM cancels the
// win) or its amount corrected, taking out exactly what it counted —
// without them the win stayed in the campaign's and rep's numbers for
// good, refused as "recorded before outcomes could be reversed".
func TestErasedDealStillTakesItsOutcomes(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	rules := qualify.DefaultOutcomes
	won := func() lead.Lead {
		l := lead.Lead{ID: "L1", EmailHash: "h", Stage: lead.StageSAL, CreatedAt: t0.Add(-48 * time.Hour),
			Submission: lead.Submission{Email: "ann@acme.example", Name: "Ann Vogel", Company: "Vogel AG"},
			Handoff:    &lead.Handoff{State: lead.HandoffAnswered, Rep: "rep@example.com", AnsweredBy: "rep@example.com", AnsweredAt: t0.Add(-24 * time.Hour)},
			Deal: &lead.Deal{AcceptedAt: t0.Add(-24 * time.Hour), Rep: "rep@example.com", Name: "Ann Vogel", Company: "Vogel AG",
				Asked: &lead.Asked{}}}
		o := feedback.Outcome{LeadID: "L1", Stage: "won", Amount: ptr(1000.0), Currency: "EUR", EventID: "crm-1", Source: "crm"}
		if err := o.Validate(t0); err != nil {
			t.Fatal(err)
		}
		if out, _, err := feedback.ApplyOutcome(&l, o, rules, func(time.Time) string { return "e1" }, t0); err != nil || out != feedback.Recorded {
			t.Fatalf("fixture: won %s %v", out, err)
		}
		l.Deal.LostReason = "Ann Vogel left Vogel AG"
		return Anonymise(l, t0.Add(time.Minute))
	}
	tests := []struct {
		name   string
		o      feedback.Outcome
		out    string
		counts map[string]int64
	}{
		{"the CRM cancels the win", feedback.Outcome{Stage: "lost", Source: "crm", EventID: "crm-2", Reason: "budget cut at Vogel AG"}, feedback.Corrected,
			map[string]int64{"won": -1, "sql": -1, "sql_closed": -1, "won_valued": -1, "revenue_minor": -100000, "won_days_le_3": -1, "lost": 1}},
		{"the CRM corrects the amount", feedback.Outcome{Stage: "won", Amount: ptr(1200.0), Currency: "EUR", Source: "crm", EventID: "crm-3"}, feedback.Corrected,
			map[string]int64{"revenue_minor": 20000}},
		{"the CRM sends the win again", feedback.Outcome{Stage: "won", Amount: ptr(1000.0), Currency: "EUR", Source: "crm", EventID: "crm-1"}, feedback.Already, map[string]int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := won()
			if open := Anonymise(lead.Lead{ID: "L2", Stage: lead.StageSAL, Deal: &lead.Deal{Rep: "rep@example.com"}}, t0); open.OpenWith() != "" {
				t.Fatalf("an erased open deal is listed to its rep %s", open.OpenWith())
			}
			if d := l.Deal; d == nil || d.Name != "" || d.Company != "" || d.LostReason != "" || d.Asked != nil {
				t.Fatalf("erased deal %+v: must keep its funnel facts and nothing written about the person", d)
			}
			o := tt.o
			o.LeadID = "L1"
			if err := o.Validate(t0); err != nil {
				t.Fatal(err)
			}
			out, ch, err := feedback.ApplyOutcome(&l, o, rules, func(time.Time) string { return "e2" }, t0.Add(time.Hour))
			campaign := map[string]int64{}
			for _, c := range ch.Counters {
				if c.Rep == "" {
					campaign[c.Name] += c.Step()
				}
			}
			for k, v := range tt.counts {
				if campaign[k] != v {
					t.Errorf("%s: counter %s %+d, want %+d (all: %v)", out, k, campaign[k], v, campaign)
				}
			}
			if err != nil || out != tt.out {
				t.Fatalf("%s %v, want %s", out, err, tt.out)
			}
			if s := fmt.Sprint(l.Deal, ch.Events); strings.Contains(s, "Vogel") {
				t.Fatalf("the outcome on the erased lead keeps what was written about the person: %s", s)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestErasedContactOfADealCountsNothingOfIt: an erasure keeps which CRM
// deal the lead is a contact of and the lead that counts it (ids, no
// personal data). Without them an erased contact's next won with the
// deal's amount read as the first amount of a deal won without one, and
// counted the deal's revenue a second time.
func TestErasedContactOfADealCountsNothingOfIt(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	rules := qualify.DefaultOutcomes
	l := lead.Lead{ID: "L2", EmailHash: "h", Stage: lead.StageSAL, CreatedAt: t0.Add(-48 * time.Hour),
		Deal: &lead.Deal{AcceptedAt: t0.Add(-24 * time.Hour), Rep: "rep@example.com"}}
	o := feedback.Outcome{LeadID: "L2", Stage: "won", Amount: ptr(1000.0), DealID: "D-1", CountedOn: "L1", EventID: "crm-1", Source: "crm"}
	if out, _, err := feedback.ApplyOutcome(&l, o, rules, func(time.Time) string { return "e1" }, t0); err != nil || out != feedback.Recorded {
		t.Fatalf("fixture: won %s %v", out, err)
	}
	l = Anonymise(l, t0.Add(time.Minute))
	if d := l.Deal; d == nil || d.ID != "D-1" || d.CountedOn != "L1" {
		t.Fatalf("erased deal %+v: must keep its deal id and the lead that counts it", d)
	}
	for _, o := range []feedback.Outcome{
		{LeadID: "L2", Stage: "won", Amount: ptr(1000.0), EventID: "crm-2", Source: "crm"},                // no deal_id
		{LeadID: "L2", Stage: "won", Amount: ptr(1000.0), DealID: "D-1", EventID: "crm-3", Source: "crm"}, // holder unknown to the caller
	} {
		out, ch, err := feedback.ApplyOutcome(&l, o, rules, func(time.Time) string { return "e2" }, t0.Add(time.Hour))
		if err != nil || len(ch.Counters) != 0 {
			t.Fatalf("%s %v: counted %v, want nothing", out, err, ch.Counters)
		}
	}
}

// TestErasedDealStillRefusesAnOlderAmount: an erasure keeps when the CRM
// sent the amount in place (no personal data), so an older amount the CRM
// sent before it and that arrives late is still refused, not taken as the
// deal's new revenue because the erasure forgot the order.
func TestErasedDealStillRefusesAnOlderAmount(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	rules := qualify.DefaultOutcomes
	l := lead.Lead{ID: "L1", EmailHash: "h", Stage: lead.StageSAL, CreatedAt: t0.Add(-48 * time.Hour),
		Deal: &lead.Deal{AcceptedAt: t0.Add(-24 * time.Hour), Rep: "rep@example.com"}}
	won := feedback.Outcome{LeadID: "L1", Stage: "won", Amount: ptr(1200.0), Currency: "EUR", EventID: "crm-2", Source: "crm", SentAt: t0.Add(-time.Minute)}
	if out, _, err := feedback.ApplyOutcome(&l, won, rules, func(time.Time) string { return "e1" }, t0); err != nil || out != feedback.Recorded {
		t.Fatalf("fixture: won %s %v", out, err)
	}
	l = Anonymise(l, t0.Add(time.Minute))
	older := feedback.Outcome{LeadID: "L1", Stage: "won", Amount: ptr(1000.0), Currency: "EUR", EventID: "crm-1", Source: "crm", SentAt: t0.Add(-time.Hour)}
	out, ch, err := feedback.ApplyOutcome(&l, older, rules, func(time.Time) string { return "e2" }, t0.Add(time.Hour))
	if !errors.Is(err, feedback.ErrOutcomeRefused) || len(ch.Counters) != 0 || l.Deal.Amount != 1200 {
		t.Fatalf("an older amount after the erasure: %s %v, counters %v, amount %v: want refused, 1200 kept", out, err, ch.Counters, l.Deal.Amount)
	}
}

// TestErasedContactKeepsTheReversalItOwes: a rep's "Lost instead" on a
// contact of a deal another lead counts is written on the contact first
// and owed to that lead (Deal.Owed) until its own write is made; the
// contact asks for erasure in between. The erasure keeps what is owed —
// which reversal, of what, when, by whom, the won form's amount — and not
// the rep's comment about the person: dropped, the counting lead stayed
// won, and the reports kept a win the rep had cancelled.
func TestErasedContactKeepsTheReversalItOwes(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	owed := lead.OwedReversal{ID: "e7", From: lead.StageWon, At: t0, Rep: "rep@example.com", Comment: "Ann Vogel left Vogel AG",
		Amount: ptr(1000.0), Currency: "EUR", ClosedAt: t0.Add(-time.Hour)}
	l := lead.Lead{ID: "L2", EmailHash: "h", Stage: lead.StageLost, CreatedAt: t0.Add(-48 * time.Hour),
		Deal: &lead.Deal{AcceptedAt: t0.Add(-24 * time.Hour), Rep: "rep@example.com", ID: "D-1", CountedOn: "L1", Owed: &owed}}
	got := Anonymise(l, t0.Add(time.Minute)).Deal.Owed
	want := owed
	want.Comment = ""
	if got == nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("owed after the erasure: %+v, want %+v", got, want)
	}
	if l.Deal.Owed.Comment == "" {
		t.Fatal("Anonymise changed the lead it was given")
	}
}
