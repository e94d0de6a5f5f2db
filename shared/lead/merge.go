package lead

import (
	"sort"
	"strings"
	"time"
)

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

// DataTouchOnly marks (true) a resubmission event whose post showed no
// interest: the address alone, or only what the lead already says. It
// is a touch, not a form the lead asked with.
const DataTouchOnly = "touch_only"

// DataRepeat marks (true) a resubmission event that sent the same form
// (FormID) again within the repeat window: one engagement with the one
// before it, so it is a touch only too (DataTouchOnly).
const DataRepeat = "repeat"

// New starts a lead from its first submission: first and last touch are the
// same, and the consent given is the first entry of its history.
func New(id string, s Submission) Lead {
	l := Lead{
		ID:           id,
		EmailHash:    HashEmail(s.Email),
		Submission:   s,
		Stage:        StageNew,
		FirstTouch:   s.Source,
		LastTouch:    s.Source,
		Consents:     []Consent{s.Consent},
		Touches:      1,
		FirstProfile: ProfileFields(s),
		CreatedAt:    s.Source.At,
		UpdatedAt:    s.Source.At,
		Version:      1,
	}
	// Nothing recorded yet but the consent it arrives with: its first
	// write records the stage it gets (Record).
	l.Recorded = &Lifecycle{Stage: StageNew, OptOut: l.CurrentLifecycle().OptOut}
	return l
}

// Merge folds a later submission into an existing lead: newer non-empty
// profile fields win, answers are merged key by key, first-touch attribution
// is kept, last touch moves forward; a form naming another country and no
// time zone drops the zone the lead gave before (it moved, and its send
// window follows the country). Consent is left alone: a later form
// neither grants nor withdraws it (AskConsent). The result keeps l's
// Version: the write that stores it (Write, Update) sets the next.
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
	if s.Country != "" && s.TimeZone == "" && cur.Country != "" && !strings.EqualFold(cur.Country, s.Country) {
		// The lead names another country and no zone (hosted pages derive
		// the zone from the country): the zone it gave before was where it
		// was then, and its emails' send window follows the new country.
		cur.TimeZone = ""
	}
	setIf(&cur.Country, s.Country)
	setIf(&cur.Budget, s.Budget)
	setIf(&cur.Timeline, s.Timeline)
	setIf(&cur.Message, s.Message)
	setIf(&cur.FormType, s.FormType)
	setIf(&cur.TimeZone, s.TimeZone)
	if len(s.Answers) > 0 {
		cur.Answers = mergeAnswers(l.Answers, s.Answers)
	}
	if s.Source.At.After(l.LastTouch.At) || s.Source.At.Equal(l.LastTouch.At) {
		out.LastTouch = s.Source
	}
	cur.Source = out.LastTouch
	out.Touches = l.Touches + 1
	if s.Source.At.After(out.UpdatedAt) {
		out.UpdatedAt = s.Source.At
	}
	return out
}

// mergeAnswers is the lead's answers with a later submission's: a key the
// lead has takes the new value, and new keys join while the lead holds
// fewer than MaxAnswers (in key order, so the outcome does not depend on
// map order). Anyone who knows an address can post it again and again,
// each time with MaxAnswers answers under new keys: unbounded, the
// answers would take the lead past what its store item may hold (400 KB
// in DynamoDB), and every later write of it — the owner's confirmation,
// an unsubscribe, sales' answer — would fail. The answers a touch gave
// stay on its timeline event either way (SubmissionEvent), and the ones
// the lead had are never pushed out by a flood of new keys.
func mergeAnswers(have, later map[string]string) map[string]string {
	merged := make(map[string]string, min(len(have)+len(later), max(len(have), MaxAnswers)))
	for k, v := range have {
		merged[k] = v
	}
	fresh := make([]string, 0, len(later))
	for k, v := range later {
		if _, ok := merged[k]; ok {
			merged[k] = v
		} else {
			fresh = append(fresh, k)
		}
	}
	sort.Strings(fresh)
	for _, k := range fresh {
		if len(merged) >= MaxAnswers {
			break
		}
		merged[k] = later[k]
	}
	return merged
}

// ProfileFields are the fields of a submission that say who the person
// is (name, company, phone, …), the ones it gave: what a touch stores of
// them and what the alert compares with the first touch.
func ProfileFields(s Submission) map[string]string {
	out := map[string]string{}
	for _, f := range profileFields {
		if v := f.get(&s); v != "" {
			out[f.name] = v
		}
	}
	return out
}

// ProfileOrder is the profile fields' names in the order people read
// them (name, company, job title, phone, …), for showing a map of them.
func ProfileOrder() []string {
	out := make([]string, len(profileFields))
	for i, f := range profileFields {
		out[i] = f.name
	}
	return out
}

// ProfileLabel is a profile field's name as people read it ("job_title":
// "Job title"), the name humanised for one it does not know.
func ProfileLabel(name string) string {
	for _, f := range profileFields {
		if f.name == name {
			return f.label
		}
	}
	return Humanise(name)
}

// profileFields are the identity fields in the order people read them.
var profileFields = []struct {
	name, label string
	get         func(*Submission) string
}{
	{"name", "Name", func(s *Submission) string { return s.Name }},
	{"company", "Company", func(s *Submission) string { return s.Company }},
	{"job_title", "Job title", func(s *Submission) string { return s.JobTitle }},
	{"phone", "Phone", func(s *Submission) string { return s.Phone }},
	{"company_size", "Company size", func(s *Submission) string { return s.CompanySize }},
	{"industry", "Industry", func(s *Submission) string { return s.Industry }},
	{"country", "Country", func(s *Submission) string { return s.Country }},
	{"budget", "Budget", func(s *Submission) string { return s.Budget }},
	{"timeline", "Timeline", func(s *Submission) string { return s.Timeline }},
}

// FieldChange is a profile field whose value differs from the one the
// first touch gave.
type FieldChange struct {
	Field, Label, First, Now string
}

// ChangedSinceFirst lists the profile fields that differ from what the
// first touch gave, in reading order: who the lead is may have been
// rewritten by a later form (by anyone who knows the address).
func (l *Lead) ChangedSinceFirst() []FieldChange {
	if l.FirstProfile == nil {
		return nil
	}
	var out []FieldChange
	for _, f := range profileFields {
		first, now := l.FirstProfile[f.name], f.get(&l.Submission)
		if first != now {
			out = append(out, FieldChange{Field: f.name, Label: f.label, First: first, Now: now})
		}
	}
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
	if f := ProfileFields(s); len(f) > 0 {
		// What this touch said the person is, whatever the profile
		// keeps: anyone may post a known address.
		data["fields"] = f
	}
	return Event{At: s.Source.At, Kind: kind, ID: id, Data: data}
}

// Counter names one campaign counter to increment with a write: by 1,
// or by By when it is not zero (an amount, like revenue in minor units).
// With Rep set it is a sales rep's counter instead (RepCounter): kept
// for the rep, not for a campaign, and Campaign is ignored. Month
// ("yyyy-mm", UTC) counts it in that month instead of the change's: an
// outcome reversed is taken out of the month it was counted in
// (Deal.Counted).
type Counter struct {
	Campaign string
	Name     string
	By       int64
	Rep      string
	Month    string
}

// Step is what the counter adds: By, or 1 when By is zero.
func (c Counter) Step() int64 {
	if c.By == 0 {
		return 1
	}
	return c.By
}

// Change is what accompanies a profile write, atomically: timeline events
// and campaign counters (for the month of At, unless a counter names its
// own).
type Change struct {
	At       time.Time
	Events   []Event
	Counters []Counter
	// Folded are the inbox touches (Touch.ID) this write folds into the
	// lead: the store deletes them in the same transaction, on condition
	// that they are still there (so no touch is folded twice).
	Folded []string
	// DealClaim makes the lead the one a CRM deal counts on (its other
	// contacts' closes count nothing of the deal's): the store writes it
	// in the same transaction, on condition that no other lead holds the
	// deal, and answers ErrVersionConflict when one does (the caller
	// reads again and finds it). Naming another lead, it conditions the
	// write of a contact whose close counts on that lead: written only
	// while that lead still holds the deal (the claim is written as it
	// is), ErrVersionConflict when a merge moved it (read it again).
	DealClaim *DealClaim
}

// DealClaim names a CRM deal and the lead that counts it. From, when
// set, moves the claim: it is written only while From still holds the
// deal (two contacts closed before the CRM named their deal: the one won
// first counts it, even when the other's close named it first).
type DealClaim struct{ DealID, LeadID, From string }

// Touch is a submission waiting in its lead's inbox: capture leaves it
// there when other writes of the lead keep winning (many posts for one
// address at once), so it is kept without writing the lead; the next
// capture write of the lead folds it in.
type Touch struct {
	ID         string     `json:"id"`
	Submission Submission `json:"submission"`
	// RequestID names the consent request it may make.
	RequestID string `json:"request_id"`
}

// Add appends events and counters to a change.
func (c *Change) Add(o Change) {
	c.Events = append(c.Events, o.Events...)
	c.Counters = append(c.Counters, o.Counters...)
	c.Folded = append(c.Folded, o.Folded...)
	if o.DealClaim != nil {
		c.DealClaim = o.DealClaim
	}
}

// Campaign is the campaign a lead is attributed to for funnel counters:
// the one that brought it (first touch).
func (l *Lead) Campaign() string { return l.FirstTouch.CampaignOrDefault() }
