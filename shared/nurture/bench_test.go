package nurture

import (
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// BenchmarkPlan plans for a lead mid-sequence with a send history and
// signals: a wait that is over, a branch, then a send in its window.
func BenchmarkPlan(b *testing.B) {
	c := Default()
	l := newLead("cold", "B")
	for i := range 10 {
		l.AddSignal(lead.Signal{Kind: "page_view:/blog", At: monday.Add(-time.Duration(i) * time.Hour)})
	}
	l = at(l, "cold-education", "check-1", 2, monday.Add(-time.Hour),
		send("warm-followup", "recap", monday.Add(-30*24*time.Hour)), send("cold-education", "welcome", monday.Add(-97*time.Hour)))
	if p := c.Plan(l, monday); p.Kind != KindSend || p.Step != "case-study" {
		b.Fatalf("plan %+v", p)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Plan(l, monday)
	}
}

// BenchmarkPlanLater is the common case of a tick: the send window is
// closed for the lead.
func BenchmarkPlanLater(b *testing.B) {
	c := Default()
	saturday := monday.Add(5 * 24 * time.Hour)
	l := at(newLead("cold", "B"), "cold-education", "case-study", 3, saturday)
	if p := c.Plan(l, saturday); p.Kind != KindLater {
		b.Fatalf("plan %+v", p)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Plan(l, saturday)
	}
}
