package lead

import (
	"fmt"
	"testing"
)

// TestCountedAddAndUndo: a deal's outcome keeps what it counted per
// month, counter and campaign or rep (sums, zero dropped), and Undo
// takes exactly that back, each in its month.
func TestCountedAddAndUndo(t *testing.T) {
	tests := []struct {
		name   string
		writes []struct {
			month    string
			counters []Counter
		}
		want []Count
	}{
		{"a win", []struct {
			month    string
			counters []Counter
		}{{"2026-11", []Counter{{Campaign: "c", Name: "won"}, {Campaign: "c", Name: "revenue_minor", By: 500}, {Rep: "ana@example.com", Name: "won"}}}},
			[]Count{{"2026-11", "c", "", "won", 1}, {"2026-11", "c", "", "revenue_minor", 500}, {"2026-11", "", "ana@example.com", "won", 1}}},
		{"corrections in later months", []struct {
			month    string
			counters []Counter
		}{
			{"2026-11", []Counter{{Campaign: "c", Name: "revenue_minor", By: 500}}},
			{"2026-12", []Counter{{Campaign: "c", Name: "revenue_minor", By: 200}}},
			{"2026-12", []Counter{{Campaign: "c", Name: "revenue_minor", By: -50}}},
			{"2027-01", []Counter{{Campaign: "c", Name: "revenue_minor", By: -650}}},
		}, []Count{{"2026-11", "c", "", "revenue_minor", 500}, {"2026-12", "c", "", "revenue_minor", 150}, {"2027-01", "c", "", "revenue_minor", -650}}},
		{"a sum of zero is dropped", []struct {
			month    string
			counters []Counter
		}{
			{"2026-11", []Counter{{Campaign: "c", Name: "revenue_minor", By: 500}, {Campaign: "c", Name: "won"}}},
			{"2026-11", []Counter{{Campaign: "c", Name: "revenue_minor", By: -500}}},
		}, []Count{{"2026-11", "c", "", "won", 1}}},
		{"a counter naming its month keeps it", []struct {
			month    string
			counters []Counter
		}{{"2026-12", []Counter{{Campaign: "c", Name: "won", Month: "2026-11"}}}},
			[]Count{{"2026-11", "c", "", "won", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Counted
			for _, w := range tt.writes {
				c.Add(w.month, w.counters)
			}
			if fmt.Sprint(c.Counts) != fmt.Sprint(tt.want) {
				t.Fatalf("counts %v, want %v", c.Counts, tt.want)
			}
			undo := c.Undo()
			var again Counted
			for _, w := range tt.writes {
				again.Add(w.month, w.counters)
			}
			again.Add("2030-01", undo) // each undo names its month
			if len(again.Counts) != 0 || len(undo) != len(tt.want) {
				t.Fatalf("undo %v leaves %v", undo, again.Counts)
			}
			for i, u := range undo {
				if u.Month != tt.want[i].Month || u.Step() != -tt.want[i].By {
					t.Fatalf("undo %+v of %+v", u, tt.want[i])
				}
			}
		})
	}
}
