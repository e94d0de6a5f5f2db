package qualify

import (
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
// Stages sales set are never changed.
func (c *Config) Qualify(l *lead.Lead, now time.Time) lead.Change {
	// Repeats count once: re-posting a form or reloading a page all day
	// never makes a lead hot (nor crowds out its older signals).
	var since time.Time
	if l.SentBack != nil {
		since = l.SentBack.At
	}
	pr := c.profileOf(l)
	l.DropRepeatSignals(pr.repeat, pr.perDay, since)
	signals := make([]Signal, 0, len(l.Signals))
	for _, s := range l.Signals {
		// A lead sales sent back must show interest again: what it did
		// before counts no more.
		if l.SentBack == nil || s.At.After(l.SentBack.At) {
			signals = append(signals, Signal{Kind: s.Kind, At: s.At})
		}
	}
	d := c.Evaluate(*l, signals, now)
	if l.SentBack.Unanswered() {
		d.Reasons = append(d.Reasons, "engagement counted since the lead came back from sales unanswered on "+l.SentBack.At.UTC().Format("2006-01-02"))
	} else if l.SentBack != nil {
		d.Reasons = append(d.Reasons, "engagement counted since sales sent the lead back on "+l.SentBack.At.UTC().Format("2006-01-02"))
	}
	from := l.Stage
	to := StageFor(from, d)
	if from == lead.StageMQL && to == lead.StageNurturing && l.Handoff != nil && l.Handoff.State != lead.HandoffAnswered {
		// Handed to sales and not answered yet: it stays with sales
		// however its engagement decays (only sales sends it back).
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
	if to != from && to == lead.StageDisqualified {
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: "disqualified"},
			lead.Counter{Campaign: campaign, Name: "dq_" + d.Reason})
	}
	// A lead is an MQL for the funnel once: when it first turns hot and
	// sales is owed an alert.
	if to == lead.StageMQL && l.Handoff == nil {
		l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: now}
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: l.MQLCounter()})
		// Sales takes over in this same write: no nurture email after it.
		l.ExitNurture(lead.ExitHandedOff)
	}
	return ch
}
