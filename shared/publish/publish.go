// Package publish turns lead timeline events into the events a CRM sync
// subscribes to on the product's EventBridge bus: lead.captured, one
// event per stage change (lead.nurturing, lead.hot, lead.accepted,
// lead.rejected, lead.sql, lead.won, lead.lost, lead.disqualified),
// lead.unsubscribed and lead.subscribed when the lead may no longer (or
// again) be emailed, and lead.erased.
// Timeline events are written in the same transaction as the lead, and
// reach the publisher through the table's stream, so an event is never
// lost and never published for a write that did not happen. Delivery is
// at least once: subscribers deduplicate by event_id. It imports no AWS
// code.
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Source is the "source" of every published event.
const Source = "leadflow"

// SchemaVersion is the version of Detail's shape.
//
// Version 2 (this one): one event per stage change, recorded by the
// lead's own write; lead.sql, lead.lost, lead.nurturing,
// lead.disqualified, lead.subscribed and lead.erased are new, and
// opt-outs from complaints and bounces are lead.unsubscribed. Version 1
// published only captured, hot, accepted, rejected, won and unsubscribe
// clicks.
const SchemaVersion = "2"

// Detail is the JSON detail of every published event (see the README's
// "Events out" for the schema).
type Detail struct {
	Version  string         `json:"version"`
	EventID  string         `json:"event_id"` // stable: deduplicate on it
	LeadID   string         `json:"lead_id"`
	At       time.Time      `json:"at"`
	Campaign string         `json:"campaign"`
	Lead     *Contact       `json:"lead,omitempty"` // the lead as it is when published
	Data     map[string]any `json:"data,omitempty"` // the event's own facts
}

// Contact is what a CRM needs to create or update a contact.
type Contact struct {
	Email       string           `json:"email"`
	Name        string           `json:"name,omitempty"`
	Company     string           `json:"company,omitempty"`
	JobTitle    string           `json:"job_title,omitempty"`
	Phone       string           `json:"phone,omitempty"`
	Country     string           `json:"country,omitempty"`
	Stage       lead.Stage       `json:"stage"`
	Grade       string           `json:"grade,omitempty"`
	Score       float64          `json:"score,omitempty"`
	Owner       string           `json:"owner,omitempty"`
	FirstTouch  lead.Attribution `json:"first_touch"`
	MarketingOK bool             `json:"marketing_opt_in"`
	// Version grows with every write of the lead, and UpdatedAt is when
	// the last one was: events reach a subscriber at least once and in no
	// promised order, each with the lead as it was when published, so a
	// snapshot with a lower version than one applied already is stale.
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Out is one event for the bus.
type Out struct {
	DetailType string
	Detail     Detail
}

// Bus publishes events.
type Bus interface {
	Publish(ctx context.Context, events []Out) error
}

// Store reads the lead an event belongs to.
type Store interface {
	Lead(ctx context.Context, id string) (lead.Lead, error)
}

// Record is one timeline event as it arrives from the stream.
type Record struct {
	LeadID string
	Event  lead.Event
}

// stageTypes are the published types of stage changes, by the stage
// reached.
var stageTypes = map[lead.Stage]string{
	lead.StageNew:          "lead.new",
	lead.StageNurturing:    "lead.nurturing",
	lead.StageMQL:          "lead.hot",
	lead.StageSAL:          "lead.accepted",
	lead.StageSQL:          "lead.sql",
	lead.StageWon:          "lead.won",
	lead.StageLost:         "lead.lost",
	lead.StageRejected:     "lead.rejected",
	lead.StageDisqualified: "lead.disqualified",
	lead.StageUnsubscribed: "lead.unsubscribed",
}

// DetailType maps a timeline event to a published event type; false for
// events that are not published. A lead's capture, each stage change,
// each opt-out and opt-in and its erasure are published, each once: the
// lead's write records them (lead.Record) as one timeline event each.
func DetailType(ev lead.Event) (string, bool) {
	switch ev.Kind {
	case lead.EventCaptured:
		return "lead.captured", true
	case lead.EventResubmitted:
		// A known lead posted a form again: the CRM logs the activity
		// (its rep, when sales holds it, is told by email too).
		return "lead.resubmitted", true
	case lead.EventErased:
		return "lead.erased", true
	case lead.EventDealMerged:
		// A deal's two counts made one: the contact whose count was
		// taken out learns which lead counts the deal now (counted_on),
		// which its earlier lead.won or lead.lost may not name.
		return "lead.deal_merged", true
	case lead.EventOptIn:
		return "lead.subscribed", true
	case lead.EventOptOut:
		// An erasure is told by lead.erased alone.
		if reason, _ := ev.Data["reason"].(string); reason == "erasure" {
			return "", false
		}
		return "lead.unsubscribed", true
	case lead.EventStage:
		to, _ := ev.Data["to"].(string)
		if by, _ := ev.Data["by"].(string); by == "rejected" {
			// Sales rejected it: disqualified, or back to nurturing.
			return "lead.rejected", true
		}
		t, ok := stageTypes[lead.Stage(to)]
		return t, ok
	}
	return "", false
}

// Publishes reports whether a timeline event is published.
func Publishes(ev lead.Event) bool {
	_, ok := DetailType(ev)
	return ok
}

// Publisher maps stream records to events and publishes them.
type Publisher struct {
	Store Store
	Bus   Bus
	Log   *slog.Logger
}

// Handle publishes the records that map to events. An error makes the
// stream redeliver the batch (at least once).
func (p *Publisher) Handle(ctx context.Context, records []Record) error {
	var out []Out
	for _, r := range records {
		dt, ok := DetailType(r.Event)
		if !ok {
			continue
		}
		d := Detail{Version: SchemaVersion, EventID: r.Event.ID, LeadID: r.LeadID, At: r.Event.At, Data: plain(r.Event.Data)}
		l, err := p.Store.Lead(ctx, r.LeadID)
		switch {
		case err == nil && l.Erased:
			// The profile an erasure keeps holds no contact data: publish
			// none (an empty address would read as a contact to update),
			// nor what a form said (a record written before the erasure).
			d.Campaign, d.Data = l.Campaign(), withoutForm(d.Data)
		case err == nil:
			d.Campaign, d.Lead = l.Campaign(), contact(l)
		case errors.Is(err, lead.ErrNotFound):
			// Erased since: publish without contact data.
			d.Data = withoutForm(d.Data)
		default:
			return fmt.Errorf("publish: load lead %s: %w", r.LeadID, err)
		}
		out = append(out, Out{DetailType: dt, Detail: d})
	}
	if len(out) == 0 {
		return nil
	}
	if err := p.Bus.Publish(ctx, out); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	for _, o := range out {
		p.Log.Info("event out", "type", o.DetailType, "leadId", o.Detail.LeadID, "eventId", o.Detail.EventID)
	}
	return nil
}

// plain is an event's data as the bus carries it (JSON values) without
// zero times: a zero time.Time, which omitempty cannot leave out (a
// consent never confirmed), would read as a date in the year 1 in a CRM.
func plain(data map[string]any) map[string]any {
	b, err := json.Marshal(data)
	var v map[string]any
	if err != nil || json.Unmarshal(b, &v) != nil {
		return data
	}
	DropZeroTimes(v)
	return v
}

// DropZeroTimes removes every "0001-01-01T00:00:00Z" (a zero time.Time)
// from decoded JSON, in place, and returns it.
func DropZeroTimes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if x == "0001-01-01T00:00:00Z" {
				delete(v, k)
				continue
			}
			v[k] = DropZeroTimes(x)
		}
	case []any:
		for i, x := range v {
			v[i] = DropZeroTimes(x)
		}
	}
	return v
}

// formFields are what a person wrote in a form, as a submission event
// keeps it (lead.SubmissionEvent), and what sales wrote about them (a
// comment on an answer or an outcome).
var formFields = []string{"fields", "message", "answers", "comment"}

// keptConsent is the part of a form's consent record an erased lead's
// event still publishes: what was agreed, when — not the consent evidence
// (the keyed hashes of the IP address and user agent).
var keptConsent = []string{"marketing_opt_in", "text_version", "at", "confirmed_at", "method"}

// withoutForm is an event's data without what the person wrote or sales
// wrote about them: an erased lead's record made before the erasure
// publishes the form type, the campaign facts of its attribution and
// whether consent was stated — as privacy.Anonymise keeps the profile.
// A lost deal's reason is free text (the rep's words): it goes too.
func withoutForm(data map[string]any) map[string]any {
	out := maps.Clone(data)
	for _, k := range formFields {
		delete(out, k)
	}
	if m, ok := out["source"].(map[string]any); ok {
		out["source"] = campaignFacts(m)
	}
	if m, ok := out["consent"].(map[string]any); ok {
		out["consent"] = only(m, keptConsent)
	}
	if to, _ := out["to"].(string); to == string(lead.StageLost) {
		delete(out, "reason")
	}
	return out
}

// campaignFacts is a form's attribution, as a record's data holds it,
// with what an erasure keeps of it (lead.Attribution.CampaignFacts, as
// privacy.Anonymise keeps the profile's); nothing when it does not read
// as one.
func campaignFacts(m map[string]any) map[string]any {
	var a lead.Attribution
	b, err := json.Marshal(m)
	if err == nil {
		err = json.Unmarshal(b, &a)
	}
	if err == nil {
		b, err = json.Marshal(a.CampaignFacts())
	}
	out := map[string]any{}
	if err == nil && json.Unmarshal(b, &out) == nil {
		return out
	}
	return map[string]any{}
}

// only is m with the keys named only.
func only(m map[string]any, keys []string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

func contact(l lead.Lead) *Contact {
	c := &Contact{Email: l.Email, Name: l.Name, Company: l.Company, JobTitle: l.JobTitle, Phone: l.Phone, Country: l.Country,
		Stage: l.Stage, FirstTouch: l.FirstTouch, MarketingOK: l.Consent.MarketingOptIn,
		Version: l.Version, UpdatedAt: l.UpdatedAt}
	if q := l.Qualification; q != nil {
		c.Grade, c.Score = q.Grade, q.Score
	}
	// The rep who holds the lead: who accepted it (the team lead, for an
	// escalated alert), else the rep it was alerted to.
	c.Owner = l.DealOwner()
	return c
}
