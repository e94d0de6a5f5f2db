package runlog

import (
	"testing"

	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/sendonce"
)

// Every outcome a tick logs for a lead that make run tells is matched by
// the constant its package names it with, and the sends of the three
// protocols share their values: a renamed outcome no longer falls
// silently to "not news".
func TestWorkedKnowsEveryOutcome(t *testing.T) {
	if sendonce.Sent != handoff.Sent || sendonce.Recovered != handoff.Recovered {
		t.Fatalf("sendonce's sent/recovered (%q, %q) differ from handoff's (%q, %q): worked matches one of them", sendonce.Sent, sendonce.Recovered, handoff.Sent, handoff.Recovered)
	}
	for _, out := range []lead.Outcome{handoff.Sent, handoff.Recovered, handoff.Escalated, handoff.Reminded, handoff.ToldAsked, handoff.Held,
		handoff.Summarised, handoff.Returned, nurture.HandedOff, nurture.Exited, sendonce.Suppressed} {
		if worked(string(out), nil, "Ann") == "" {
			t.Errorf("outcome %q: no line", out)
		}
	}
}
