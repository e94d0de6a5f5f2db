package qualify

import (
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
)

// EventQualified is the timeline event of a (re-)qualification.
const EventQualified = "qualified"

// Qualify re-grades a lead in place after a new signal (a submission, later
// engagement) and returns what to record with the write: a timeline event
// with the decision and its reasons, and the campaign counters of stage
// transitions. A lead that turns hot for the first time gets a pending
// handoff (the alert owed to sales) and leaves its nurture sequence.
// Stages sales set are never changed, with one exception: a lead that
// left (its deal lost, or opted out of marketing email: lead.Left) and
// posts a form that makes it hot comes back as an MQL (lead.ComeBack).
func (c *Config) Qualify(l *lead.Lead, now time.Time) lead.Change {
	// Repeats count once: re-posting a form or reloading a page all day
	// never makes a lead hot (nor crowds out its older signals).
	since := l.EngagementSince()
	left, gone := l.Left()
	pr := c.profileOf(l)
	l.DropRepeatSignals(pr.repeat, pr.perDay, since)
	signals := make([]Signal, 0, len(l.Signals))
	// The newest form and the newest other engagement (a page view, a
	// click) since, up to now (one stamped after now is a write that
	// overtook the form's: the form still decides).
	var lastForm, lastOther time.Time
	for _, s := range l.Signals {
		// A lead sales sent back, or one that left, must show interest
		// again: what it did before counts no more.
		if !since.IsZero() && !s.At.After(since) {
			continue
		}
		signals = append(signals, Signal{Kind: s.Kind, At: s.At})
		switch {
		case s.At.After(now):
		case strings.HasPrefix(s.Kind, formPrefix):
			if s.At.After(lastForm) {
				lastForm = s.At
			}
		case s.At.After(lastOther):
			lastOther = s.At
		}
	}
	// A lead that left comes back only when a form is what makes it hot:
	// no engagement after its newest form. A page view that turns it hot
	// after a form that did not is engagement alone.
	formSince := !lastForm.IsZero() && !lastOther.After(lastForm)
	d := c.Evaluate(*l, signals, now)
	from := l.Stage
	to := StageFor(from, d)
	switch {
	case gone && formSince && d.Temperature == Hot && !d.Disqualified:
		// It left (a lost deal, an opt-out) and came back with a form:
		// a new request for contact, which sales gets as a new lead.
		l.ComeBack(left, now)
		to = lead.StageMQL
		d.Reasons = append(d.Reasons, "came back with a new form after "+leftWords(from, left)+"; engagement counted since then")
	case gone:
		d.Reasons = append(d.Reasons, "engagement counted since "+leftWords(from, left))
	case l.SentBack.Unanswered():
		d.Reasons = append(d.Reasons, "engagement counted since the lead came back from sales unanswered on "+l.SentBack.At.UTC().Format("2006-01-02"))
	case l.SentBack != nil:
		d.Reasons = append(d.Reasons, "engagement counted since sales sent the lead back on "+l.SentBack.At.UTC().Format("2006-01-02"))
	}
	if (from == lead.StageMQL || from == lead.StageDisqualified) && to == lead.StageNurturing && l.Handoff != nil && l.Handoff.State != lead.HandoffAnswered {
		// Handed to sales and not answered yet: it stays with sales
		// however its engagement decays (only sales sends it back). One
		// a later form disqualified meanwhile goes back to that hand-off
		// when the form's words are gone, never to nurturing with it open.
		to = lead.StageMQL
	}
	prevTemp := ""
	if l.Qualification != nil {
		prevTemp = l.Qualification.Temperature
	}
	l.Qualification = &lead.Qualification{Grade: d.Grade, FitPoints: d.FitPoints, Score: d.Score,
		Temperature: d.Temperature, Disqualified: d.Reason, Reasons: d.Reasons, Campaign: d.Campaign, At: now,
		AnswerReasons: d.AnswerReasons}
	l.Stage = to

	ch := lead.Change{At: now, Events: []lead.Event{{At: now, Kind: EventQualified, ID: ids.New(now), Data: map[string]any{
		"grade": d.Grade, "score": d.Score, "temperature": d.Temperature, "from": string(from), "to": string(to),
		"previous_temperature": prevTemp, "reasons": d.Reasons, "disqualified": d.Reason,
	}}}}
	campaign := l.Campaign()
	// A lead counts as non-target once, with the reason it was first
	// disqualified for: the share is one of leads.
	if to != from && to == lead.StageDisqualified && !l.CountedNonTarget {
		l.CountedNonTarget = true
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: "disqualified"},
			lead.Counter{Campaign: campaign, Name: "dq_" + d.Reason})
	}
	// A lead is an MQL for the funnel once: when it first turns hot and
	// sales is owed an alert.
	if to == lead.StageMQL && l.Handoff == nil {
		l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: now}
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: l.MQLCounter()})
	}
	if to == lead.StageMQL {
		// Sales takes over in this same write: no nurture email after it —
		// also when its hand-off was already there (one a later form's
		// disqualification interrupted, which resumes now).
		l.ExitNurture(lead.ExitHandedOff)
	}
	return ch
}

// leftWords says since when a lead that left counts its engagement: "the
// deal was lost on 2026-03-02", "the lead opted out of marketing email on
// 2026-03-02".
func leftWords(stage lead.Stage, left time.Time) string {
	day := left.UTC().Format("2006-01-02")
	if stage == lead.StageLost {
		return "the deal was lost on " + day
	}
	return "the lead opted out of marketing email on " + day
}
