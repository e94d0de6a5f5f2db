package lead

import "time"

// Event is one entry of a lead's timeline: a submission, a decision, an
// email, a click. Data holds the kind-specific context.
type Event struct {
	At   time.Time      `json:"at"`
	Kind string         `json:"kind"`
	ID   string         `json:"id"`
	Data map[string]any `json:"data,omitempty"`
}

// Event kinds written by capture.
const (
	EventCaptured    = "captured"
	EventResubmitted = "resubmitted"
)

// New starts a lead from its first submission: first and last touch are the
// same, and the consent given is the first entry of its history.
func New(id string, s Submission) Lead {
	l := Lead{
		ID:         id,
		EmailHash:  HashEmail(s.Email),
		Submission: s,
		Stage:      StageNew,
		FirstTouch: s.Source,
		LastTouch:  s.Source,
		Consents:   []Consent{s.Consent},
		Touches:    1,
		CreatedAt:  s.Source.At,
		UpdatedAt:  s.Source.At,
		Version:    1,
	}
	// Nothing recorded yet but the consent it arrives with: its first
	// write records the stage it gets (Record).
	l.Recorded = &Lifecycle{Stage: StageNew, OptOut: l.CurrentLifecycle().OptOut}
	return l
}

// Merge folds a later submission into an existing lead: newer non-empty
// profile fields win, answers are merged key by key, first-touch attribution
// is kept, last touch moves forward, and consent history is appended (never
// rewritten). The result's Version is one more than l's.
func Merge(l Lead, s Submission) Lead {
	out := l
	cur := &out.Submission
	setIf := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	setIf(&cur.Name, s.Name)
	setIf(&cur.Company, s.Company)
	setIf(&cur.JobTitle, s.JobTitle)
	setIf(&cur.Phone, s.Phone)
	setIf(&cur.CompanySize, s.CompanySize)
	setIf(&cur.Industry, s.Industry)
	setIf(&cur.Country, s.Country)
	setIf(&cur.Budget, s.Budget)
	setIf(&cur.Timeline, s.Timeline)
	setIf(&cur.Message, s.Message)
	setIf(&cur.FormType, s.FormType)
	setIf(&cur.TimeZone, s.TimeZone)
	if len(s.Answers) > 0 {
		merged := make(map[string]string, len(l.Answers)+len(s.Answers))
		for k, v := range l.Answers {
			merged[k] = v
		}
		for k, v := range s.Answers {
			merged[k] = v
		}
		cur.Answers = merged
	}
	// The current consent is the latest statement; history keeps all.
	cur.Consent = s.Consent
	out.Consents = append(append([]Consent(nil), l.Consents...), s.Consent)
	if s.Source.At.After(l.LastTouch.At) || s.Source.At.Equal(l.LastTouch.At) {
		out.LastTouch = s.Source
	}
	cur.Source = out.LastTouch
	out.Touches = l.Touches + 1
	if s.Source.At.After(out.UpdatedAt) {
		out.UpdatedAt = s.Source.At
	}
	out.Version = l.Version + 1
	return out
}

// SubmissionEvent is the timeline entry for one submission: it keeps the
// full context of that touch (answers, attribution, consent), so sales can
// see what was asked each time, not only the merged profile.
func SubmissionEvent(id, kind string, s Submission) Event {
	data := map[string]any{
		"source":  s.Source,
		"consent": s.Consent,
	}
	if s.FormType != "" {
		data["form_type"] = s.FormType
	}
	if s.Message != "" {
		data["message"] = s.Message
	}
	if len(s.Answers) > 0 {
		data["answers"] = s.Answers
	}
	return Event{At: s.Source.At, Kind: kind, ID: id, Data: data}
}

// Counter names one campaign counter to increment with a write.
type Counter struct {
	Campaign string
	Name     string
}

// Change is what accompanies a profile write, atomically: timeline events
// and campaign counters (for the month of At).
type Change struct {
	At       time.Time
	Events   []Event
	Counters []Counter
}

// Add appends events and counters to a change.
func (c *Change) Add(o Change) {
	c.Events = append(c.Events, o.Events...)
	c.Counters = append(c.Counters, o.Counters...)
}

// Campaign is the campaign a lead is attributed to for funnel counters:
// the one that brought it (first touch).
func (l *Lead) Campaign() string { return l.FirstTouch.CampaignOrDefault() }
