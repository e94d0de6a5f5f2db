package qualify

import (
	"time"

	"testing"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestStageFor(t *testing.T) {
	hot := Decision{Temperature: Hot}
	warm := Decision{Temperature: Warm}
	cold := Decision{Temperature: Cold}
	dq := Decision{Temperature: Cold, Disqualified: true, Reason: "spam"}
	tests := []struct {
		current lead.Stage
		d       Decision
		want    lead.Stage
	}{
		{lead.StageNew, hot, lead.StageMQL},
		{lead.StageNew, warm, lead.StageNurturing},
		{lead.StageNew, cold, lead.StageNurturing},
		{lead.StageNew, dq, lead.StageDisqualified},
		{"", hot, lead.StageMQL},
		{lead.StageNurturing, hot, lead.StageMQL},
		{lead.StageMQL, cold, lead.StageNurturing}, // cooled off before sales accepted it
		{lead.StageMQL, dq, lead.StageDisqualified},
		{lead.StageDisqualified, hot, lead.StageMQL}, // automatic, so re-evaluated
		// Sales-set stages are never changed automatically.
		{lead.StageSAL, cold, lead.StageSAL},
		{lead.StageSAL, dq, lead.StageSAL},
		{lead.StageSQL, dq, lead.StageSQL},
		{lead.StageWon, dq, lead.StageWon},
		{lead.StageLost, hot, lead.StageLost},
		{lead.StageRejected, hot, lead.StageRejected},
		{lead.StageUnsubscribed, hot, lead.StageUnsubscribed},
	}
	for _, tt := range tests {
		if got := StageFor(tt.current, tt.d); got != tt.want {
			t.Errorf("StageFor(%q, %s disqualified=%v) = %q, want %q", tt.current, tt.d.Temperature, tt.d.Disqualified, got, tt.want)
		}
	}
}

// TestHandedOffLeadStaysWithSalesWhenItCools: an MQL whose alert is out
// stays an MQL however its engagement decays: only sales sends it back
// to nurturing (no nurture email after the hand-off).
func TestHandedOffLeadStaysWithSalesWhenItCools(t *testing.T) {
	c := Default()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, state := range []string{lead.HandoffPending, lead.HandoffSent, lead.HandoffEscalated} {
		l := lead.New("L1", lead.Submission{Email: "a@b.example", JobTitle: "Marketing Manager", CompanySize: "51-200", Country: "DE",
			Consent: lead.Consent{MarketingOptIn: true}})
		l.Stage = lead.StageMQL
		l.Handoff = &lead.Handoff{State: state, Since: now.Add(-90 * 24 * time.Hour)}
		l.AddSignal(lead.Signal{Kind: "form:demo_request", At: now.Add(-90 * 24 * time.Hour)})
		c.Qualify(&l, now)
		if l.Qualification.Temperature == Hot || l.Stage != lead.StageMQL {
			t.Fatalf("handoff %s: %s, stage %s; want cooled but still mql", state, l.Qualification.Temperature, l.Stage)
		}
	}
}
