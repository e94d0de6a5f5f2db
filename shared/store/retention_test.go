package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/retention"
	"github.com/leadflow/leadflow/shared/store"
)

// TestProfilesResumeAfterALeadAndMissNone: the retention sweep reads the
// profiles a slice at a time, each read resuming after the last lead it
// was given (its saved state names only a lead id). Leads with timelines
// longer than a scan request examines, claims and counters between them:
// every profile comes exactly once, nothing else, and the state is kept.
func TestProfilesResumeAfterALeadAndMissNone(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	st := store.New(testenv.Clients(t).DynamoDB, testenv.NewTable(t))
	want := map[string]bool{}
	for i := range 40 {
		id := fmt.Sprintf("L%02d", i)
		l := lead.New(id, sub(fmt.Sprintf("p%02d.profiles@acme.example", i), t0))
		ch := lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: lead.EventCaptured, ID: "e0"}},
			Counters: []lead.Counter{{Campaign: "spring", Name: "leads"}}}
		if err := st.CreateLead(ctx, l, ch, nil); err != nil {
			t.Fatal(err)
		}
		want[id] = true
		if i%10 == 0 {
			// A timeline longer than one scan request examines.
			for b := range 24 {
				var evs []lead.Event
				for j := range 25 {
					evs = append(evs, lead.Event{At: t0.Add(time.Duration(b*25+j+1) * time.Second), Kind: "page_view", ID: fmt.Sprintf("v%d-%d", b, j)})
				}
				l.Version++
				if err := st.Save(ctx, l, lead.Change{At: t0, Events: evs}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	seen := map[string]int{}
	after, reads := "", 0
	for done := false; !done; reads++ {
		if reads > 200 {
			t.Fatal("Profiles never reached the table's end")
		}
		leads, end, err := st.Profiles(ctx, after)
		if err != nil {
			t.Fatal(err)
		}
		if len(leads) == 0 && !end {
			t.Fatal("Profiles gave nothing before the table's end")
		}
		for _, l := range leads {
			seen[l.ID]++
			after = l.ID
		}
		done = end
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("lead %s read %d times", id, seen[id])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("read %d leads, want %d: %v", len(seen), len(want), seen)
	}
	if s, err := st.SweepState(ctx); err != nil || s.After != "" || !s.PassDoneAt.IsZero() {
		t.Fatalf("state before any run: %+v, %v", s, err)
	}
	saved := retention.State{After: "L07", PassStartedAt: t0, Erased: 3, Passes: 2}
	if err := st.SaveSweepState(ctx, saved); err != nil {
		t.Fatal(err)
	}
	if s, err := st.SweepState(ctx); err != nil || s.After != "L07" || !s.PassStartedAt.Equal(t0) || s.Erased != 3 || s.Passes != 2 {
		t.Fatalf("state read back: %+v, %v", s, err)
	}
}
