package nurture

import (
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Apply records what the scheduler did for a plan and advances the lead's
// nurture state; now is when it happened (for a send: when the email was
// sent) and messageID the SES message id of a send.
//
//   - send: the send joins l.Nurture.Sends (the newest lead.MaxSends are
//     kept) and the lead moves to the next step, due now. When that step is
//     a wait, the lead moves past it at once and is due when it ends, so a
//     wait always counts from the send.
//   - later: the lead resumes at p.Step when p.At comes.
//   - handoff, exit: nothing more is due (NextAt zero), ExitReason is
//     recorded and the sequence joins Completed, never to be entered again.
//
// A plan for another sequence than the lead's current one (a stale plan),
// or for a lead in no sequence, changes nothing. A lead stored in an
// earlier id of the plan's sequence (its replaces) is in that sequence:
// it is stored under the sequence's id from now on.
func (c *Config) Apply(l *lead.Lead, p Plan, now time.Time, messageID string) {
	n := l.Nurture
	if n == nil || n.NextAt.IsZero() || !c.sameSequence(n.Sequence, p.Sequence) {
		return
	}
	n.Sequence = p.Sequence
	switch p.Kind {
	case KindSend:
		sends := n.Sends
		if len(sends) >= lead.MaxSends {
			sends = sends[len(sends)-lead.MaxSends+1:]
		}
		// A fresh array, so a copy of the lead taken before Apply (for an
		// optimistic write) never sees this send.
		n.Sends = append(append(make([]lead.Send, 0, len(sends)+1), sends...),
			lead.Send{Sequence: p.Sequence, Step: p.Step, At: now, MessageID: messageID})
		next := p.StepIndex + 1
		n.Step, n.StepIndex, n.NextAt = "", next, now
		if seq := c.byID[p.Sequence]; seq != nil {
			if next < len(seq.steps) && seq.steps[next].kind == stepWait {
				n.NextAt = seq.steps[next].waitEnd(now, c.Location(*l))
				next++
			}
			n.Step, n.StepIndex = seq.stepID(next), next
		}
	case KindLater:
		at := p.At
		if at.IsZero() {
			at = now // never drop a lead from the due index by accident
		}
		n.Step, n.StepIndex, n.NextAt = p.Step, p.StepIndex, at
	case KindHandoff:
		n.Step, n.StepIndex = p.Step, p.StepIndex
		Exit(l, ExitHandedOff)
	case KindExit:
		n.Step, n.StepIndex = p.Step, p.StepIndex
		Exit(l, p.ExitReason)
	}
}

// Exit takes a lead out of nurturing for an outside reason (unsubscribed,
// bounced, complained, disqualified, sales_accepted): nothing more is due
// (NextAt zero), ExitReason is recorded and the sequence joins Completed.
// A lead in no sequence is left alone. It is lead.Lead.ExitNurture, which
// the packages that only hold a lead (unsubscribe, feedback, sesevents)
// call directly.
func Exit(l *lead.Lead, reason string) { l.ExitNurture(reason) }

// sameSequence reports whether a lead stored in sequence stored is in
// the sequence id: the same id, or stored is an id that id replaces.
func (c *Config) sameSequence(stored, id string) bool {
	if stored == id {
		return true
	}
	s := c.byID[id]
	return s != nil && s.is(stored)
}
