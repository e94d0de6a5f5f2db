package lead

import "github.com/leadflow/leadflow/shared/ids"

// Lifecycle is the part of a lead a CRM follows: its stage and whether it
// may be emailed. The lead keeps the one last recorded; every write
// compares it with the lead's current state and records each difference
// as a timeline event (Record), which the publisher turns into exactly
// one bus event. So no code path that changes a stage or an opt-out can
// forget to publish it.
type Lifecycle struct {
	Stage Stage `json:"stage"`
	// OptOut is why the lead may not get marketing email: the
	// suppression reason (unsubscribe, bounce, complaint, erasure),
	// "no_consent", or "" when it may.
	OptOut string `json:"opt_out,omitempty"`
}

// Lifecycle timeline events. EventStage is a stage change ({from, to,
// by}: by is the kind of the event that caused it, with that event's
// facts); EventOptOut is the lead becoming unmailable ({reason, from,
// to}), EventOptIn its consent given again.
const (
	EventStage  = "stage"
	EventOptOut = "opt_out"
	EventOptIn  = "opt_in"
	// EventErased is a lead's personal data erased on request.
	EventErased = "erased"
	// EventDealMerged is a CRM deal's two counts made one, on both
	// contacts (feedback.MergeDeal): "deal_id", "stage", and "via" (the
	// other contact) on the one that keeps counting it, "counted_on" (the
	// one that does) on the one whose count was taken out.
	EventDealMerged = "deal_merged"
)

// causeKeys are the facts of a cause a stage event repeats (a rejection's
// reason, an outcome's deal); never a submission's contents.
var causeKeys = []string{"reason", "label", "then", "comment", "rep", "amount", "currency", "closed_at", "sequence", "source", "event_id", DataSQLImplied,
	DataCorrects, "previous_amount", "previous_currency", "deal_id", "counted_on", "via"}

// DataSQLImplied is the key, in a won event's data (and the stage event
// that repeats it), that is true when the deal was won straight from SAL
// and counted as an SQL too (feedback.ImpliesSQL): what recounts SQLs
// from a timeline counts such an event as one.
const DataSQLImplied = "sql_implied"

// DataCorrects is the key, in the data of a won or lost event that
// reversed the deal's earlier outcome (feedback.Reverses) and of the
// stage event (and so the published lead.won / lead.lost) that repeats
// it, naming the stage it reversed: "won" or "lost". With it go
// previous_amount and previous_currency, a reversed win's amount.
const DataCorrects = "corrects"

// OptOutNoConsent is the opt-out of a lead whose latest consent does not
// allow marketing email.
const OptOutNoConsent = "no_consent"

// CurrentLifecycle is the lead's lifecycle as its fields say now.
func (l *Lead) CurrentLifecycle() Lifecycle {
	lc := Lifecycle{Stage: l.Stage}
	switch {
	case l.Suppressed != "":
		lc.OptOut = l.Suppressed
	case !l.Consent.MarketingOptIn:
		lc.OptOut = OptOutNoConsent
	}
	return lc
}

// Record appends to ch the lifecycle events of the lead's changes since
// the last recorded lifecycle, and records the current one. A new lead
// (New) records its first stage; a lead stored before lifecycles were
// recorded (none recorded) adopts its current one silently. Moving to
// stage unsubscribed is told by the opt-out event alone (one bus event
// for one unsubscribe). It is idempotent: a second call adds nothing.
func (l *Lead) Record(ch *Change) {
	now := l.CurrentLifecycle()
	if l.Recorded == nil {
		l.Recorded = &now
		return
	}
	was := *l.Recorded
	if was == now {
		return
	}
	cause, causeData := "", map[string]any(nil)
	for _, ev := range ch.Events {
		if !IsLifecycle(ev.Kind) {
			cause, causeData = ev.Kind, ev.Data
			if cause == EventCaptured || cause == EventResubmitted {
				causeData = nil // a submission's contents stay in its own event
			}
			break
		}
	}
	at := ch.At
	if at.IsZero() {
		at = l.UpdatedAt
	}
	event := func(kind string, data map[string]any) {
		ch.Events = append(ch.Events, Event{At: at, Kind: kind, ID: ids.New(at), Data: data})
	}
	optOut := ""
	if was.OptOut != now.OptOut {
		switch {
		case now.OptOut == "":
			optOut = EventOptIn
		case was.OptOut == "" || (was.OptOut == OptOutNoConsent && now.OptOut != OptOutNoConsent):
			// Mailable → not, or a lead without consent now suppressed
			// too (a CRM must learn an address bounced or was erased).
			optOut = EventOptOut
		}
	}
	if was.Stage != now.Stage && !(now.Stage == StageUnsubscribed && optOut == EventOptOut) {
		data := map[string]any{}
		for _, k := range causeKeys {
			if v, ok := causeData[k]; ok {
				data[k] = v
			}
		}
		data["from"], data["to"], data["by"] = string(was.Stage), string(now.Stage), cause
		if now.Stage == StageUnsubscribed && now.OptOut != "" {
			// Reached after its opt-out (one while with sales, the lead
			// leaving sales now): it says why, as the opt-out did. A
			// cause with a reason of its own (a rejection's no_budget)
			// keeps it, and the opt-out goes beside it.
			if _, own := data["reason"]; own {
				data["opt_out"] = now.OptOut
			} else {
				data["reason"] = now.OptOut
			}
		}
		event(EventStage, data)
	}
	switch optOut {
	case EventOptIn:
		event(EventOptIn, map[string]any{"by": cause})
	case EventOptOut:
		event(EventOptOut, map[string]any{"reason": now.OptOut, "by": cause,
			"from": string(was.Stage), "to": string(now.Stage)})
	}
	l.Recorded = &now
}

// CarrySuppression gives a lead being created the suppression its
// address already has: a fact from before the lead, recorded without an
// event.
func (l *Lead) CarrySuppression(reason string) {
	l.Suppressed = reason
	if l.Recorded != nil {
		l.Recorded.OptOut = l.CurrentLifecycle().OptOut
	}
}

// IsLifecycle reports whether an event kind is one Record writes.
func IsLifecycle(kind string) bool {
	return kind == EventStage || kind == EventOptOut || kind == EventOptIn
}
