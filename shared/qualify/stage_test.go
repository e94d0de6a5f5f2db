package qualify

import (
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
