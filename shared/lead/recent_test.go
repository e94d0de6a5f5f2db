package lead

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"
)

// keyOrder sorts events as the stores' event keys do
// (EVT#<RFC 3339 with nanoseconds>#<kind>#<id>), newest key first.
func keyOrder(evs []Event) []Event {
	key := func(e Event) string { return e.At.UTC().Format(time.RFC3339Nano) + "#" + e.Kind + "#" + e.ID }
	out := slices.Clone(evs)
	sort.Slice(out, func(i, j int) bool { return key(out[i]) > key(out[j]) })
	return out
}

func TestRecentScanTakesTheNewestByTime(t *testing.T) {
	t0 := time.Date(2031, 3, 10, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	evs := []Event{
		{At: at(0), Kind: "a", ID: "s0"},
		{At: at(900), Kind: "a", ID: "s0.9"},
		{At: at(1000), Kind: "a", ID: "s1"}, // …:01Z: its key sorts after …:01.125Z
		{At: at(1100), Kind: "a", ID: "s1.1"},
		{At: at(1120), Kind: "a", ID: "s1.12"},
		{At: at(1125), Kind: "a", ID: "s1.125"},
	}
	for _, tt := range []struct {
		name     string
		r        Recent
		want     []string
		wantMore bool
		examined int // events taken before the scan said stop
	}{
		{"newest 2: the rest of their second read, not the one before", Recent{Max: 2}, []string{"s1.12", "s1.125"}, true, 4},
		{"newest 4: one event of the second before", Recent{Max: 4}, []string{"s1", "s1.1", "s1.12", "s1.125"}, true, 6},
		{"all", Recent{Max: 10}, []string{"s0", "s0.9", "s1", "s1.1", "s1.12", "s1.125"}, false, 6},
		{"kept ones only", Recent{Max: 1, Keep: func(e Event) bool { return e.ID != "s1.125" }}, []string{"s1.12"}, true, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := RecentScan{R: tt.r}
			taken := 0
			for _, e := range keyOrder(evs) {
				if !s.Take(e) {
					break
				}
				taken++
			}
			got, more := s.Answer()
			var ids []string
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if !slices.Equal(ids, tt.want) || more != tt.wantMore || taken != tt.examined {
				t.Errorf("got %v more %v after %d taken; want %v more %v after %d", ids, more, taken, tt.want, tt.wantMore, tt.examined)
			}
		})
	}
}

func TestRecentScanStopsAtTheBudget(t *testing.T) {
	t0 := time.Date(2031, 3, 10, 12, 0, 0, 0, time.UTC)
	s := RecentScan{R: Recent{Max: 1, Keep: func(e Event) bool { return e.Kind == "form" }}}
	n := 0
	for i := RecentBudget + 10; i > 0; i-- {
		if !s.Take(Event{At: t0.Add(time.Duration(i) * time.Second), Kind: "view", ID: fmt.Sprint(i)}) {
			break
		}
		n++
	}
	got, more := s.Answer(Event{At: t0, Kind: "form", ID: "late"})
	if n != RecentBudget || len(got) != 1 || got[0].ID != "late" || !more {
		t.Errorf("took %d, answered %v more %v; want %d taken, the late form, more", n, got, more, RecentBudget)
	}
}
