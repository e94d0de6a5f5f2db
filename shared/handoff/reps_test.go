package handoff

import (
	"context"
	"reflect"
	"strings"
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

// A team with one rep available (the others away) has no rotation to
// keep: its alerts go to that rep without a round-robin turn, one
// request less before each alert, and the rotation goes on where it
// stood once a second rep is back.
func TestOneAvailableRepTakesNoTurn(t *testing.T) {
	tests := []struct {
		name  string
		away  string // Cy's flag
		turns int
	}{
		{"two available: a turn each", "false", 2},
		{"one available: no turn", "true", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.svc.Rules = rules(t, strings.Replace(teamYAML, "{name: Cy, email: cy@example.com}", "{name: Cy, email: cy@example.com, away: "+tt.away+"}", 1))
			cs := &countingStore{Store: f.store}
			f.svc.Store = cs
			ctx := context.Background()
			for _, email := range []string{"one@bigcorp.example", "two@bigcorp.example"} {
				id := f.hotLead(t, email)
				if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Sent {
					t.Fatalf("%s: %s, %v", email, out, err)
				}
				if tt.turns == 0 {
					if rep := stored(t, f.store, id).Handoff.Rep; rep != "ana@example.com" {
						t.Fatalf("%s went to %s, want the one available rep", email, rep)
					}
				}
			}
			if cs.turns != tt.turns {
				t.Fatalf("%d round-robin turns, want %d", cs.turns, tt.turns)
			}
		})
	}
}
