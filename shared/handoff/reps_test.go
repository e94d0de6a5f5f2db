package handoff

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/report"
)

// TestAlertAndBreachCountForTheRep: an alert counts as received by the
// rep it went to, and its SLA breach as theirs too (not the team lead's
// the escalation went to), each once however often the tick runs, in
// the write that records the send.
func TestAlertAndBreachCountForTheRep(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first, second := f.hotLead(t, "one@bigcorp.example"), f.hotLead(t, "two@bigcorp.example")
	for _, id := range []string{first, second} {
		for range 2 {
			if _, err := f.svc.Run(ctx, id, "w", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Round robin over the available reps (Ben is away): Ana, then Cy.
	repOf := func(id string) string { return stored(t, f.store, id).Handoff.Rep }
	if repOf(first) == repOf(second) {
		t.Fatalf("both alerts went to %s", repOf(first))
	}
	f.now = f.now.Add(6 * time.Minute)
	for range 2 {
		if _, err := f.svc.Run(ctx, first, "w", ""); err != nil {
			t.Fatal(err)
		}
	}
	src, err := f.store.MonthSources(ctx, f.now.Format("2006-01"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]report.Counters{}
	for _, s := range src {
		if s.Rep != "" {
			got[s.Rep] = s.Counters
		}
	}
	want := map[string]report.Counters{repOf(first): {"handoffs": 1, "sla_breaches": 1}, repOf(second): {"handoffs": 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rep counters %v, want %v", got, want)
	}
}
