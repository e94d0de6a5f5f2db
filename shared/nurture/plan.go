package nurture

import (
	"fmt"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Plan kinds.
const (
	KindSend    = "send"    // send Template now, then Apply
	KindLater   = "later"   // nothing to do before At; Apply records when to look again
	KindHandoff = "handoff" // hand the lead to sales; Apply ends its nurturing
	KindExit    = "exit"    // the lead leaves its sequence; Apply records why
)

// Exit reasons the engine decides itself (besides the stage names of
// leads whose stage ends nurturing, and the reasons of exit steps).
const (
	ExitCompleted       = "completed"        // ran off the end of its sequence
	ExitSequenceRemoved = "sequence_removed" // its sequence is gone from the config
	ExitHandedOff       = lead.ExitHandedOff // it turned hot, or a handoff step sent it to sales
	ExitNoConsent       = "no_consent"       // its latest consent does not allow marketing email
	ExitNotEnrolled     = "not_enrolled"     // Plan was asked about a lead in no sequence
)

// Plan is what is due for a lead, as Config.Plan decides it.
type Plan struct {
	Kind      string // KindSend, KindLater, KindHandoff or KindExit
	Sequence  string
	Step      string // the step to perform (send, handoff, exit) or to resume at (later)
	StepIndex int    // Step's position in the sequence
	Template  string // send: the template to render
	// At is, for later, when to look at the lead again: the end of a wait,
	// the next opening of its send window, when the frequency cap frees up.
	At time.Time
	// ExitReason is, for exit and handoff, the code Apply records in
	// lead.Nurture.ExitReason: "completed", "handed_off",
	// "sequence_removed", "no_consent", an exit step's reason, or the
	// stage (disqualified, rejected, unsubscribed, sal, sql, won, lost).
	ExitReason string
	// Reason says why, for people: "waiting 72h after welcome, until …",
	// "outside send window (Sat 10:00 Europe/Berlin), next Mon 09:00".
	Reason string
}

// exitStages are the stages that end nurturing: sales has the lead, or it
// must not get marketing email.
var exitStages = map[lead.Stage]bool{
	lead.StageDisqualified: true, lead.StageRejected: true, lead.StageUnsubscribed: true,
	lead.StageSAL: true, lead.StageSQL: true, lead.StageWon: true, lead.StageLost: true,
}

// Plan decides what is due for a lead whose NextAt has come. It never
// changes l: it walks the steps that need no action in memory (branches,
// waits that are over) and stops at the first that does. Exits come
// first: a stage that ends nurturing, withdrawn marketing consent, a
// sequence that is no longer in the config. A lead stored in an id a
// sequence replaces (its earlier name) is in that sequence: the plan is
// for the sequence's id, and the lead's sends under the earlier id are
// the sequence's. A step id that is no longer in
// the sequence resumes at the lead's StepIndex (past the end: completed) —
// unless that position now lies past a send step the lead did not get
// (steps before its own were removed too): then it resumes right after
// its last email of the sequence, its waits counted from that email; a
// lead is never stranded and never restarted. So does a lead whose step
// is kept when a send step it did not get now lies between its last
// email and its step with only sends and waits around it (an email moved
// or inserted there): nothing could have routed it past that email. A
// lead whose NextAt is still ahead gets a later plan for NextAt.
//
// Waits count from when the lead reached them: its NextAt, which Apply
// sets to the send time after a send and to the end of a wait after one.
// A send step the lead already got since it entered this sequence (an edit moved it
// after the lead's step) is passed over, never sent twice.
// A send is due when the lead's send window is open and the frequency cap
// (sends across all sequences within the cap's period) has room; when not,
// the plan is later at the first instant both allow.
func (c *Config) Plan(l lead.Lead, now time.Time) Plan {
	n := l.Nurture
	if n == nil || n.Sequence == "" || n.NextAt.IsZero() {
		return Plan{Kind: KindExit, ExitReason: ExitNotEnrolled, Reason: "not in a sequence"}
	}
	p := Plan{Sequence: n.Sequence, Step: n.Step, StepIndex: n.StepIndex}
	// A lead stored in an earlier id of a sequence (replaces) is in it.
	seq := c.lookup(n.Sequence)
	if seq != nil {
		p.Sequence = seq.id
	}
	if exitStages[l.Stage] {
		return p.exit(string(l.Stage), "lead stage is "+string(l.Stage))
	}
	if !l.Consent.MarketingOptIn {
		return p.exit(ExitNoConsent, "the lead's latest consent does not allow marketing email")
	}
	if seq == nil {
		return p.exit(ExitSequenceRemoved, "sequence "+n.Sequence+" is no longer in the config")
	}
	if now.Before(n.NextAt) {
		p.Kind, p.At = KindLater, n.NextAt
		p.Reason = "not due until " + n.NextAt.UTC().Format(time.RFC3339)
		return p
	}

	clock := n.NextAt // when the lead reached step i
	after, since := "enrolment", n.EnrolledAt
	last, ok := seq.lastSend(n)
	if ok {
		after, since = last.Step, last.At
	}
	why := ""
	i := seq.resume(n.Step, n.StepIndex)
	if k, lastKept := seq.index[last.Step]; ok && lastKept && k+1 < i && seq.unsentSend(n, k+1, i) {
		// Between the lead's last email and where it resumes lies an
		// email it never got. Either its step is gone and its position
		// now lies past steps it never got (those before it were
		// removed too), or an email was moved or inserted in front of
		// its step on a straight run of sends and waits (no branch
		// could have routed the lead past it): it picks up after its
		// last email instead, walking what follows as the edited
		// sequence says, its waits counted from that email.
		if _, kept := seq.index[n.Step]; !kept || seq.straight(k+1, i) {
			i, clock = k+1, last.At
		}
	}
	// Branches only jump forward, so the walk ends within len(steps).
	for range len(seq.steps) + 1 {
		p.Step, p.StepIndex = seq.stepID(i), i
		if i >= len(seq.steps) {
			return p.exit(ExitCompleted, "sequence completed"+why)
		}
		st := &seq.steps[i]
		switch st.kind {
		case stepSend:
			if sent, ok := seq.sentStep(n, st.id); ok {
				// Sent already (the sequence was edited around the lead):
				// never send a step twice. A wait after it counts from the
				// later of the send and the lead's arrival here.
				clock, after = later(clock, sent.At), st.id
				i++
				continue
			}
			return c.planSend(p, &l, st, now)
		case stepWait:
			end := st.waitEnd(clock, c.Location(l))
			if end.After(now) {
				p.Kind, p.At = KindLater, end.UTC()
				p.Step, p.StepIndex = seq.stepID(i+1), i+1
				p.Reason = fmt.Sprintf("waiting %s after %s, until %s", st.waitText(), after,
					end.UTC().Format("Mon 2 Jan 15:04 UTC"))
				return p
			}
			clock, after = end, st.id
			i++
		case stepBranch:
			if st.cond.holds(&l, since) {
				why = fmt.Sprintf(" (%s: %s)", st.id, st.cond)
				i = st.then
			} else {
				why = fmt.Sprintf(" (%s: not %s)", st.id, st.cond)
				i = st.els
			}
		case stepHandoff:
			p.Kind, p.ExitReason = KindHandoff, ExitHandedOff
			p.Reason = "hand off to sales" + why
			return p
		case stepExit:
			return p.exit(st.exit, "exit step "+st.id+why)
		}
	}
	// Unreachable for a parsed config; never loop or strand the lead.
	return p.exit(ExitCompleted, "sequence completed")
}

func (p Plan) exit(reason, why string) Plan {
	p.Kind, p.ExitReason, p.Reason = KindExit, reason, why
	return p
}

// planSend is a send plan for st, or a later plan when the lead's send
// window is closed or its frequency cap is full.
func (c *Config) planSend(p Plan, l *lead.Lead, st *step, now time.Time) Plan {
	loc := c.Location(*l)
	at, capped := now, false
	if free, full := c.capFree(l.Nurture.Sends, now); full {
		at, capped = free, true
	}
	open := c.window.NextOpen(at, loc)
	if !open.After(now) {
		p.Kind, p.Template = KindSend, st.template
		p.Reason = "send " + st.template
		return p
	}
	p.Kind, p.At = KindLater, open.UTC()
	if capped {
		p.Reason = fmt.Sprintf("frequency cap %d per %s reached, next send %s %s",
			c.capMax, yamlconf.FormatDuration(c.capPer), laterTime(open, now, loc), loc)
	} else {
		p.Reason = fmt.Sprintf("outside send window (%s), next %s", localTime(now, loc), laterTime(open, now, loc))
	}
	return p
}

// capFree reports whether the frequency cap is full at now and, if so,
// when it frees up: when enough of the sends it counts have aged out of
// its period that one more fits.
func (c *Config) capFree(sends []lead.Send, now time.Time) (time.Time, bool) {
	cutoff := now.Add(-c.capPer)
	var recent [lead.MaxSends]time.Time
	n := 0
	for _, s := range sends {
		if s.At.After(cutoff) && n < len(recent) {
			// Insertion sort: a handful of entries, no allocation.
			j := n
			for j > 0 && recent[j-1].After(s.At) {
				recent[j] = recent[j-1]
				j--
			}
			recent[j] = s.At
			n++
		}
	}
	if n < c.capMax {
		return time.Time{}, false
	}
	return recent[n-c.capMax].Add(c.capPer), true
}

// unsentSend reports whether a send step the lead did not get in this
// round lies in steps [from, to).
func (s *sequence) unsentSend(n *lead.Nurture, from, to int) bool {
	for i := from; i < to && i < len(s.steps); i++ {
		if st := &s.steps[i]; st.kind == stepSend {
			if _, sent := s.sentStep(n, st.id); !sent {
				return true
			}
		}
	}
	return false
}

// straight reports whether steps [from, to) only send and wait: a lead
// walks every one of them in order.
func (s *sequence) straight(from, to int) bool {
	for i := from; i < to && i < len(s.steps); i++ {
		if k := s.steps[i].kind; k != stepSend && k != stepWait {
			return false
		}
	}
	return true
}

// lastSend is the lead's most recent send in the sequence (under its id
// or an earlier one) since it entered it (this round: a sequence entered
// again, as sent_back ones are, starts afresh).
func (s *sequence) lastSend(n *lead.Nurture) (lead.Send, bool) {
	for i := len(n.Sends) - 1; i >= 0; i-- {
		if s.is(n.Sends[i].Sequence) && !n.Sends[i].At.Before(n.EnrolledAt) {
			return n.Sends[i], true
		}
	}
	return lead.Send{}, false
}

// sentStep is the lead's send of a step of the sequence (under its id or
// an earlier one) since it entered it, if it has one: an earlier round's
// send (a sequence entered again) is not this round's email.
func (s *sequence) sentStep(n *lead.Nurture, step string) (lead.Send, bool) {
	for _, x := range n.Sends {
		if s.is(x.Sequence) && x.Step == step && !x.At.Before(n.EnrolledAt) {
			return x, true
		}
	}
	return lead.Send{}, false
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
