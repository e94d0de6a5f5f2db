package qualify

import "github.com/leadflow/leadflow/shared/lead"

// StageFor is the lifecycle stage a decision moves a lead to. Stages sales
// set (SAL, SQL, won, lost, rejected) and unsubscribed are never changed by
// automatic qualification; otherwise a disqualified lead is disqualified, a
// hot one is an MQL, and a warm or cold one is nurtured. (Qualify keeps
// an MQL whose alert is out with sales however it cools.)
func StageFor(current lead.Stage, d Decision) lead.Stage {
	switch current {
	case lead.StageSAL, lead.StageSQL, lead.StageWon, lead.StageLost,
		lead.StageRejected, lead.StageUnsubscribed:
		return current
	}
	switch {
	case d.Disqualified:
		return lead.StageDisqualified
	case d.Temperature == Hot:
		return lead.StageMQL
	default:
		return lead.StageNurturing
	}
}
