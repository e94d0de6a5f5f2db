package nurture

import (
	"slices"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Enrol puts a lead into the first sequence (in config order) whose entry
// rules match it and that it has never been in, and returns that
// sequence's id; "" when it enrols the lead nowhere. A lead is only
// enrolled when its latest consent allows marketing email, its stage is
// not one sales owns (sal and later, rejected, lost) nor disqualified or
// unsubscribed, and it is not in a sequence already. The lead's first step
// is due at once (NextAt = now); its send history and the sequences it
// completed are kept.
//
// Entry rules: temperature and grade are the latest qualification's (a
// lead never qualified has neither, so only sequences that allow any
// match it); a campaign matches the lead's first or last touch. Triggered
// sequences (entry signals) are entered only through Trigger.
func (c *Config) Enrol(l *lead.Lead, now time.Time) string {
	return c.EnrolPreferring(l, now, "")
}

// EnrolPreferring is Enrol trying the preferred sequence first (a
// campaign's own sequence); its entry rules and every other condition
// still apply, and the rest follow in config order.
func (c *Config) EnrolPreferring(l *lead.Lead, now time.Time, preferred string) string {
	order := c.sequences
	if s := c.lookup(preferred); s != nil && preferred != "" {
		order = append([]*sequence{s}, slices.DeleteFunc(slices.Clone(c.sequences), func(x *sequence) bool { return x == s })...)
	}
	if !mayNurture(l) || inSequence(l) {
		return ""
	}
	for _, s := range order {
		if len(s.entry.signals) > 0 || s.left(l) || !s.entry.matches(l) {
			continue
		}
		s.enter(l, now)
		return s.id
	}
	return ""
}

// Trigger moves a lead that just showed a signal of kind into the first
// sequence (in config order) whose entry lists that signal and whose other
// entry rules match, leaving the sequence it was in (which then counts as
// left, as any exit does). It returns the sequence entered and the one
// left; "" for entered when nothing changed. The conditions of Enrol
// apply, a sequence the lead left is never entered again, a lead already
// in a sequence triggered by this signal stays where it is, and a
// sequence's entry "from" limits the sequences it takes leads out of.
func (c *Config) Trigger(l *lead.Lead, kind string, now time.Time) (entered, leftSeq string) {
	if !mayNurture(l) {
		return "", ""
	}
	current := ""
	if inSequence(l) {
		// Under its id in this config: a lead stored in a sequence's
		// earlier id (replaces) is in that sequence.
		current = l.Nurture.Sequence
		if cur := c.lookup(current); cur != nil {
			if cur.entry.triggeredBy(kind) {
				return "", ""
			}
			current = cur.id
		}
	}
	for _, s := range c.sequences {
		if !s.entry.triggeredBy(kind) || s.left(l) || !s.entry.matches(l) {
			continue
		}
		if inSequence(l) && len(s.entry.from) > 0 && !slices.Contains(s.entry.from, current) {
			continue
		}
		if inSequence(l) {
			leftSeq = l.Nurture.Sequence
			l.ExitNurture(ExitTriggered)
		}
		s.enter(l, now)
		return s.id, leftSeq
	}
	return "", ""
}

// ExitTriggered is why a lead left a sequence for a triggered one.
const ExitTriggered = "triggered"

// mayNurture: the lead's latest consent allows marketing email and its
// stage is not one sales owns nor an exit.
func mayNurture(l *lead.Lead) bool {
	return l != nil && l.Consent.MarketingOptIn && l.Suppressed == "" && !l.Stage.SalesSet() && !exitStages[l.Stage]
}

// Place enrols a nurtured lead as EnrolPreferring does or, when it
// enters no sequence and has no step due, records on the lead why
// (Nurture.NoSequence): no consent, suppressed, every sequence it
// qualifies for done, or none that takes it. It returns the sequence
// entered.
func (c *Config) Place(l *lead.Lead, now time.Time, preferred string) string {
	if seq := c.EnrolPreferring(l, now, preferred); seq != "" || inSequence(l) {
		return seq
	}
	why := lead.NoMatchingSequence
	switch {
	case l.Suppressed != "":
		why = lead.NoSuppressed
	case !l.Consent.MarketingOptIn:
		why = lead.NoConsent
	default:
		for _, s := range c.sequences {
			if len(s.entry.signals) == 0 && s.entry.matches(l) {
				why = lead.NoSequencesDone // it matches, so it left it
				break
			}
		}
	}
	if l.Nurture == nil {
		l.Nurture = &lead.Nurture{}
	}
	l.Nurture.NoSequence = why
	return ""
}

// Reopen makes the sequences for leads sales sent back (entry
// sent_back: true) enterable again, for a lead sales has just sent back:
// each return is a new "not now". A lead that came back to sales from
// such a sequence and was sent back a second time would otherwise find
// it done and get no nurture at all.
func (c *Config) Reopen(l *lead.Lead) {
	if l.Nurture == nil || len(l.Nurture.Completed) == 0 {
		return
	}
	l.Nurture.Completed = slices.DeleteFunc(l.Nurture.Completed, func(id string) bool {
		s := c.lookup(id)
		return s != nil && s.entry.sentBack != nil && *s.entry.sentBack
	})
}

// inSequence: the lead has a step due in some sequence.
func inSequence(l *lead.Lead) bool { return l.Nurture != nil && !l.Nurture.NextAt.IsZero() }

// left: the lead finished or left the sequence before, under its id or
// an earlier one (a renamed sequence is not new to the leads that did it).
func (s *sequence) left(l *lead.Lead) bool {
	return l.Nurture != nil && slices.ContainsFunc(l.Nurture.Completed, s.is)
}

// enter puts the lead at the sequence's first step, due now, keeping its
// send history and the sequences it left.
func (s *sequence) enter(l *lead.Lead, now time.Time) {
	prev := l.Nurture
	l.Nurture = &lead.Nurture{Sequence: s.id, Step: s.stepID(0), StepIndex: 0, EnrolledAt: now, NextAt: now}
	if prev != nil {
		l.Nurture.Completed = prev.Completed
		l.Nurture.Sends = prev.Sends
	}
}

func (e entry) matches(l *lead.Lead) bool {
	var temperature, grade string
	if q := l.Qualification; q != nil {
		temperature, grade = strings.ToLower(q.Temperature), strings.ToUpper(q.Grade)
	}
	if len(e.temperatures) > 0 && !slices.Contains(e.temperatures, temperature) {
		return false
	}
	if len(e.grades) > 0 && !slices.Contains(e.grades, grade) {
		return false
	}
	if e.sentBack != nil && *e.sentBack != (l.SentBack != nil) {
		return false
	}
	if len(e.campaigns) > 0 &&
		!slices.Contains(e.campaigns, l.FirstTouch.Campaign) && !slices.Contains(e.campaigns, l.LastTouch.Campaign) {
		return false
	}
	return true
}

// triggeredBy reports whether a signal of kind starts the sequence: one
// its entry lists, a named page view (page_view:demo) also for page_view.
func (e entry) triggeredBy(kind string) bool {
	return slices.ContainsFunc(e.signals, func(want string) bool { return lead.SignalIs(kind, want) })
}

// CheckSignals asks problem of every signal that triggers a sequence and
// returns what it says as file:line errors: a check across files, such as
// a page signal no tracked page records (the sequence would never start).
func (c *Config) CheckSignals(problem func(kind string) string) error {
	var probs []yamlconf.Problem
	for _, s := range c.sequences {
		for i, kind := range s.entry.signals {
			if msg := problem(kind); msg != "" {
				probs = append(probs, yamlconf.Problem{File: c.file, Line: s.entry.signalNodes[i].Line,
					Msg: "sequence " + s.id + ", entry.signals: " + msg})
			}
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return &yamlconf.ConfigError{Problems: probs, Kind: ErrInvalid}
}
