package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestDetailType(t *testing.T) {
	tests := []struct {
		ev   lead.Event
		want string
	}{
		{lead.Event{Kind: lead.EventCaptured}, "lead.captured"},
		{lead.Event{Kind: lead.EventResubmitted}, "lead.resubmitted"},
		{lead.Event{Kind: "qualified", Data: map[string]any{"from": "new", "to": "mql"}}, ""}, // its stage event says it
		{lead.Event{Kind: "accepted"}, ""},
		{lead.Event{Kind: "unsubscribed"}, ""},
		{lead.Event{Kind: "handoff"}, ""},
		{stage("new", "nurturing", "captured"), "lead.nurturing"},
		{stage("new", "mql", "captured"), "lead.hot"},
		{stage("new", "disqualified", "captured"), "lead.disqualified"},
		{stage("nurturing", "mql", "email_click"), "lead.hot"},
		{stage("mql", "nurturing", "qualified"), "lead.nurturing"}, // cooled off before sales answered
		{stage("mql", "sal", "accepted"), "lead.accepted"},
		{stage("mql", "rejected", "rejected"), "lead.rejected"},
		{stage("mql", "nurturing", "rejected"), "lead.rejected"}, // sent back to nurture
		{stage("sal", "sql", "sql"), "lead.sql"},
		{stage("sql", "won", "won"), "lead.won"},
		{stage("sal", "lost", "lost"), "lead.lost"},
		{stage("nurturing", "unsubscribed", "unsubscribed"), "lead.unsubscribed"},
		{lead.Event{Kind: lead.EventOptOut, Data: map[string]any{"reason": "complaint"}}, "lead.unsubscribed"},
		{lead.Event{Kind: lead.EventOptOut, Data: map[string]any{"reason": "bounce"}}, "lead.unsubscribed"},
		{lead.Event{Kind: lead.EventOptOut, Data: map[string]any{"reason": "erasure"}}, ""}, // lead.erased says it
		{lead.Event{Kind: lead.EventOptIn}, "lead.subscribed"},
		{lead.Event{Kind: lead.EventErased}, "lead.erased"},
		{lead.Event{Kind: lead.EventDealMerged, Data: map[string]any{"deal_id": "opp-1", "counted_on": "L1"}}, "lead.deal_merged"},
	}
	for _, tt := range tests {
		got, ok := DetailType(tt.ev)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s %v → %q %v, want %q", tt.ev.Kind, tt.ev.Data, got, ok, tt.want)
		}
	}
}

func stage(from, to, by string) lead.Event {
	return lead.Event{Kind: lead.EventStage, Data: map[string]any{"from": from, "to": to, "by": by}}
}

type leads map[string]lead.Lead

func (m leads) Lead(_ context.Context, id string) (lead.Lead, error) {
	if l, ok := m[id]; ok {
		return l, nil
	}
	return lead.Lead{}, lead.ErrNotFound
}

type recBus struct {
	got []Out
	err error
}

func (b *recBus) Publish(_ context.Context, o []Out) error {
	if b.err != nil {
		return b.err
	}
	b.got = append(b.got, o...)
	return nil
}

func TestPublisherErasedLeadAndBusFailure(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	bus := &recBus{}
	p := &Publisher{Store: leads{}, Bus: bus, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	recs := []Record{{LeadID: "gone", Event: lead.Event{ID: "e1", Kind: lead.EventErased, At: at}}, {LeadID: "gone", Event: lead.Event{ID: "e2", Kind: "handoff", At: at}}}
	if err := p.Handle(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if len(bus.got) != 1 || bus.got[0].Detail.Lead != nil || bus.got[0].Detail.EventID != "e1" {
		t.Fatalf("published %+v: want one event without contact data", bus.got)
	}
	// The store keeps an erased lead's anonymised profile: its events
	// carry no contact either (not one with an empty address).
	bus.got = nil
	p.Store = leads{"anon": lead.Lead{ID: "anon", Erased: true, Stage: lead.StageMQL, Suppressed: "erasure",
		Submission: lead.Submission{Country: "DE"}, Handoff: &lead.Handoff{State: lead.HandoffAnswered, Rep: "ana@example.com"}}}
	if err := p.Handle(context.Background(), []Record{{LeadID: "anon", Event: lead.Event{ID: "e3", Kind: lead.EventErased, At: at}}}); err != nil {
		t.Fatal(err)
	}
	if len(bus.got) != 1 || bus.got[0].Detail.Lead != nil || bus.got[0].DetailType != "lead.erased" {
		t.Fatalf("published %+v: want lead.erased without contact data", bus.got)
	}
	// A form posted before the erasure, read from the stream after it:
	// published without what the person wrote.
	bus.got = nil
	form := lead.SubmissionEvent("e4", lead.EventResubmitted, lead.Submission{Email: "x@example.com", Name: "Clara", Phone: "+49 30 1",
		Message: "call me", FormType: "contact", Answers: map[string]string{"crm": "HubSpot"}, Source: lead.Attribution{Campaign: "q4-demo", At: at}})
	for _, id := range []string{"anon", "gone"} {
		if err := p.Handle(context.Background(), []Record{{LeadID: id, Event: form}}); err != nil {
			t.Fatal(err)
		}
	}
	if len(bus.got) != 2 {
		t.Fatalf("published %d forms of erased leads, want 2", len(bus.got))
	}
	for _, o := range bus.got {
		if o.DetailType != "lead.resubmitted" || o.Detail.Data["form_type"] != "contact" {
			t.Fatalf("published %+v: want the form's type", o)
		}
		for _, k := range []string{"fields", "message", "answers"} {
			if _, ok := o.Detail.Data[k]; ok {
				t.Fatalf("an erased lead's form published its %s: %v", k, o.Detail.Data)
			}
		}
	}
	if _, ok := form.Data["message"]; !ok {
		t.Fatal("withoutForm changed the record's own data")
	}
	bus.err = errors.New("throttled")
	if err := p.Handle(context.Background(), recs); err == nil {
		t.Fatal("a bus failure must fail the batch so the stream redelivers it")
	}
}

// TestOwnerIsWhoHoldsTheLead: a CRM assigns the contact to the published
// owner, so it must be the rep the product itself treats as the lead's
// (reminders, the weekly list, the reps view): who accepted it, else who
// was alerted.
func TestOwnerIsWhoHoldsTheLead(t *testing.T) {
	tests := []struct {
		name string
		l    lead.Lead
		want string
	}{
		{"alerted, no answer yet", lead.Lead{Stage: lead.StageMQL, Handoff: &lead.Handoff{State: lead.HandoffSent, Rep: "ana@example.com"}}, "ana@example.com"},
		{"escalated, the team lead accepted", lead.Lead{Stage: lead.StageSAL,
			Handoff: &lead.Handoff{State: lead.HandoffAnswered, Rep: "ana@example.com", EscalatedTo: "lea@example.com", AnsweredBy: "lea@example.com"},
			Deal:    &lead.Deal{Rep: "lea@example.com"}}, "lea@example.com"},
		{"released from a hold, accepted", lead.Lead{Stage: lead.StageSAL, Handoff: &lead.Handoff{State: lead.HandoffAnswered, AnsweredBy: "bo@example.com"},
			Deal: &lead.Deal{Rep: "bo@example.com"}}, "bo@example.com"},
		{"won, the deal stays with its rep", lead.Lead{Stage: lead.StageWon, Deal: &lead.Deal{Rep: "lea@example.com"}}, "lea@example.com"},
		{"nurtured", lead.Lead{Stage: lead.StageNurturing}, ""},
	}
	for _, tt := range tests {
		if got := contact(tt.l).Owner; got != tt.want {
			t.Errorf("%s: owner %q, want %q", tt.name, got, tt.want)
		}
	}
}

// A lead that opts out while with sales is published as unsubscribed at
// the opt-out (still an MQL) and, when it goes back to marketing
// unanswered, once more for that stage change, with the same reason.
func TestOptOutWithSalesThenReturned(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	l := lead.New("L1", lead.Submission{Email: "a@b.example", Source: lead.Attribution{At: now}})
	l.Stage = lead.StageMQL
	l.Handoff = &lead.Handoff{State: lead.HandoffSent, Rep: "ana@example.com"}
	l.Record(&lead.Change{})
	var got []string
	record := func(kind string) {
		ch := lead.Change{At: now, Events: []lead.Event{{At: now, Kind: kind, Data: map[string]any{}}}}
		l.Record(&ch)
		for _, ev := range ch.Events {
			if dt, ok := DetailType(ev); ok {
				got = append(got, fmt.Sprint(dt, " to:", ev.Data["to"], " reason:", ev.Data["reason"]))
			}
		}
	}
	l.Suppressed = "unsubscribe"
	record("unsubscribed")
	l.SendBack(lead.ReasonUnanswered, "ana@example.com", now)
	record("returned_unanswered")
	want := []string{"lead.unsubscribed to:mql reason:unsubscribe", "lead.unsubscribed to:unsubscribed reason:unsubscribe"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("published %q, want %q", got, want)
	}
}

// TestPublishedDataHasNoZeroTimes: a time never set (a consent never
// confirmed) is left out of what the bus carries, not sent as a date in
// the year 1 a CRM would store; a time that is set stays, whether the
// event's data holds Go values (written in this process) or JSON values
// (read from the table's stream).
func TestPublishedDataHasNoZeroTimes(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	bus := &recBus{}
	p := &Publisher{Store: leads{"L1": lead.New("L1", lead.Submission{Email: "ann@acme.example", Source: lead.Attribution{Campaign: "q4", At: at}})}, Bus: bus,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	written := lead.SubmissionEvent("e1", lead.EventCaptured, lead.Submission{Email: "ann@acme.example", FormType: "contact",
		Consent: lead.Consent{MarketingOptIn: true, At: at}, Source: lead.Attribution{Campaign: "q4", At: at}})
	streamed := lead.Event{ID: "e2", Kind: lead.EventResubmitted, At: at, Data: map[string]any{
		"consent": map[string]any{"at": "2026-11-23T12:00:00Z", "confirmed_at": "0001-01-01T00:00:00Z", "marketing_opt_in": true},
		"fields":  map[string]any{"name": "Ann"}, "form_type": "contact"}}
	if err := p.Handle(context.Background(), []Record{{LeadID: "L1", Event: written}, {LeadID: "L1", Event: streamed}}); err != nil {
		t.Fatal(err)
	}
	if len(bus.got) != 2 {
		t.Fatalf("published %d", len(bus.got))
	}
	for _, o := range bus.got {
		b, err := json.Marshal(o.Detail)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "0001-01-01") || !strings.Contains(string(b), `"at":"2026-11-23T12:00:00Z"`) ||
			!strings.Contains(string(b), `"form_type":"contact"`) {
			t.Errorf("%s published %s", o.DetailType, b)
		}
	}
	if _, ok := streamed.Data["consent"].(map[string]any)["confirmed_at"]; !ok {
		t.Error("publishing changed the record's own data")
	}
}

// TestErasedLeadsRecordsPublishNothingPersonal: stream records written
// before an erasure and published after it carry no personal data in
// their data either: not the URLs a form came from (their queries can
// hold the address), not the consent evidence (keyed hashes of the IP
// address and user agent), not what sales wrote about the person (a
// comment, why a deal was lost).
func TestErasedLeadsRecordsPublishNothingPersonal(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	form := lead.SubmissionEvent("f1", lead.EventResubmitted, lead.Submission{Email: "clara@acme.example", FormType: "contact",
		Consent: lead.Consent{MarketingOptIn: true, At: at, IPHash: "k1:ipsecret", UserAgentHash: "k1:uasecret"},
		Source: lead.Attribution{UTMSource: "google", UTMTerm: "clara-term", UTMContent: "clara-content", Campaign: "q4-demo", At: at,
			LandingPage: "https://www.example.com/demo?email=clara@acme.example", Referrer: "https://mail.example/?to=clara"}})
	rejected := lead.Event{ID: "s1", Kind: lead.EventStage, At: at, Data: map[string]any{"from": "sal", "to": "nurturing", "by": "rejected",
		"reason": "not_now", "label": "Not now", "comment": "Clara moves to Berlin in May"}}
	lost := lead.Event{ID: "s2", Kind: lead.EventStage, At: at, Data: map[string]any{"from": "sql", "to": "lost", "by": "outcome",
		"source": "rep", "reason": "Clara went with a competitor after her divorce"}}
	for _, store := range []leads{{"E": lead.Lead{ID: "E", Erased: true, Suppressed: "erasure", Stage: lead.StageLost}}, {}} {
		bus := &recBus{}
		p := &Publisher{Store: store, Bus: bus, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if err := p.Handle(context.Background(), []Record{{LeadID: "E", Event: form}, {LeadID: "E", Event: rejected}, {LeadID: "E", Event: lost}}); err != nil {
			t.Fatal(err)
		}
		if len(bus.got) != 3 {
			t.Fatalf("published %d, want 3", len(bus.got))
		}
		for _, o := range bus.got {
			b, _ := json.Marshal(o.Detail)
			for _, p := range []string{"clara", "Clara", "ipsecret", "uasecret", "example.com", "mail.example"} {
				if strings.Contains(string(b), p) {
					t.Errorf("%s of an erased lead published %q: %s", o.DetailType, p, b)
				}
			}
		}
		// The funnel facts stay.
		if d := bus.got[0].Detail.Data; d["form_type"] != "contact" || d["source"].(map[string]any)["campaign"] != "q4-demo" ||
			d["consent"].(map[string]any)["marketing_opt_in"] != true {
			t.Errorf("form of an erased lead: %v", d)
		}
		if src := bus.got[0].Detail.Data["source"].(map[string]any); len(src) != 3 || src["utm_source"] != "google" || src["at"] != at.Format(time.RFC3339) {
			t.Errorf("attribution of an erased lead's form: %v, want its campaign facts (utm_source, campaign, at)", src)
		}
		if d := bus.got[1].Detail.Data; d["reason"] != "not_now" || d["to"] != "nurturing" {
			t.Errorf("rejection of an erased lead: %v", d)
		}
		if d := bus.got[2].Detail.Data; d["to"] != "lost" || d["source"] != "rep" {
			t.Errorf("loss of an erased lead: %v", d)
		}
	}
	if form.Data["source"].(lead.Attribution).LandingPage == "" || rejected.Data["comment"] == nil {
		t.Fatal("publishing changed the record's own data")
	}
}

// TestContactCarriesItsVersion: the bus delivers at least once and in no
// promised order (a target's failed delivery is retried later), and each
// event carries the lead as it was when published — so a CRM upserting
// the contact needs to know which of two snapshots is the newer: the
// lead's version (it grows with every write) and when it was last
// written.
func TestContactCarriesItsVersion(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	l := lead.New("L1", lead.Submission{Email: "ann@acme.example", Source: lead.Attribution{Campaign: "q4", At: at}})
	l.Version, l.UpdatedAt = 7, at.Add(time.Minute)
	bus := &recBus{}
	p := &Publisher{Store: leads{"L1": l}, Bus: bus, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := p.Handle(context.Background(), []Record{{LeadID: "L1", Event: stage("new", "mql", "captured")}}); err != nil {
		t.Fatal(err)
	}
	if len(bus.got) != 1 {
		t.Fatalf("published %d", len(bus.got))
	}
	b, err := json.Marshal(bus.got[0].Detail)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Lead map[string]any `json:"lead"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.Lead["version"] != 7.0 || d.Lead["updated_at"] != "2026-11-23T12:01:00Z" {
		t.Fatalf("lead published as %v: want its version 7 and updated_at", d.Lead)
	}
}
