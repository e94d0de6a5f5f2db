package calibrate

import (
	"context"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// TestExampleFromLead: the label is what sales recorded — accepted,
// qualified or won is positive; lost, rejected, or sent back (and not
// accepted since) negative; a lead the config's own disqualifiers
// rejected, one sales never answered and an unsubscribed one have none.
// A won deal carries its value.
func TestExampleFromLead(t *testing.T) {
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	sentBack := &lead.SentBack{At: at, Reason: "not_now", Times: 1}
	tests := []struct {
		name     string
		stage    lead.Stage
		sentBack *lead.SentBack
		deal     *lead.Deal
		ok       bool
		positive bool
		value    float64
	}{
		{"new", lead.StageNew, nil, nil, false, false, 0},
		{"nurturing", lead.StageNurturing, nil, nil, false, false, 0},
		{"mql", lead.StageMQL, nil, nil, false, false, 0},
		{"sal", lead.StageSAL, nil, &lead.Deal{AcceptedAt: at}, true, true, 0},
		{"sql", lead.StageSQL, nil, nil, true, true, 0},
		{"won without a value", lead.StageWon, nil, &lead.Deal{AcceptedAt: at}, true, true, 0},
		{"won in the reporting currency", lead.StageWon, nil, &lead.Deal{Amount: 1000, Currency: "USD", RevenueMinor: 92000}, true, true, 920},
		{"won, amount only", lead.StageWon, nil, &lead.Deal{Amount: 1500}, true, true, 1500},
		{"lost", lead.StageLost, nil, &lead.Deal{Amount: 700}, true, false, 0},
		{"rejected by sales", lead.StageRejected, nil, nil, true, false, 0},
		{"sent back by sales", lead.StageNurturing, sentBack, nil, true, false, 0},
		{"sent back, hot again, not answered", lead.StageMQL, sentBack, nil, true, false, 0},
		{"back from sales unanswered: never judged", lead.StageNurturing, &lead.SentBack{At: at, Reason: lead.ReasonUnanswered, Times: 1}, nil, false, false, 0},
		{"disqualified by the config", lead.StageDisqualified, nil, nil, false, false, 0},
		{"unsubscribed", lead.StageUnsubscribed, nil, nil, false, false, 0},
		{"no stage", "", nil, nil, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := ExampleFromLead(lead.Lead{Stage: tt.stage, SentBack: tt.sentBack, Deal: tt.deal,
				Submission: lead.Submission{Email: "a@acme.example"}})
			if ok != tt.ok || e.Positive != tt.positive || e.Value != tt.value {
				t.Errorf("ok %v positive %v value %v, want %v %v %v", ok, e.Positive, e.Value, tt.ok, tt.positive, tt.value)
			}
		})
	}
}

// TestSignalsUntilSalesGotTheLead: engagement after the hand-off follows
// the outcome (a customer's logins) and is not counted.
func TestSignalsUntilSalesGotTheLead(t *testing.T) {
	t0 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	l := lead.Lead{Stage: lead.StageWon, Submission: lead.Submission{Email: "a@acme.example"},
		Handoff: &lead.Handoff{SentAt: t0.Add(48 * time.Hour), AnsweredAt: t0.Add(50 * time.Hour)},
		Deal:    &lead.Deal{AcceptedAt: t0.Add(50 * time.Hour)},
		Signals: []lead.Signal{{Kind: "pricing_page_view", At: t0}, {Kind: "pricing_page_view", At: t0.Add(24 * time.Hour)},
			{Kind: "page_view", At: t0.Add(72 * time.Hour)}, {Kind: "page_view", At: t0.Add(96 * time.Hour)}}}
	e, _ := ExampleFromLead(l)
	if e.Signals["pricing_page_view"] != 2 || e.Signals["page_view"] != 0 {
		t.Errorf("signals %v, want the two before the hand-off only", e.Signals)
	}
	l.Handoff, l.Deal = nil, nil // never handed over: everything counts
	if e, _ = ExampleFromLead(l); e.Signals["page_view"] != 2 {
		t.Errorf("signals %v", e.Signals)
	}
}

func TestExampleFromLeadFields(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l := lead.Lead{
		ID:    "L1",
		Stage: lead.StageWon,
		Submission: lead.Submission{
			Email: "Ann@Acme.Example", JobTitle: "VP Marketing", CompanySize: "51-200", Industry: "N/A",
			Country: "DE", Budget: "$50k", Timeline: "Select", FormType: "demo_request",
			Answers: map[string]string{"crm": "HubSpot", "seats": "-"},
			Source:  lead.Attribution{UTMSource: "first-touch-only"},
		},
		LastTouch: lead.Attribution{UTMSource: "linkedin", Campaign: "q4-demo"},
		Signals: []lead.Signal{{Kind: "pricing_page_view", At: at}, {Kind: "pricing_page_view", At: at},
			{Kind: "form:demo_request", At: at}},
	}
	e, ok := ExampleFromLead(l)
	if !ok || !e.Positive || e.ID != "L1" {
		t.Fatalf("ok %v, %+v", ok, e)
	}
	want := map[string]string{
		"email_domain": "acme.example", "job_title": "VP Marketing", "company_size": "51-200", "country": "DE",
		"budget": "$50k", "form_type": "demo_request", "answers.crm": "HubSpot", "utm_source": "linkedin", "campaign": "q4-demo",
	}
	if len(e.Fields) != len(want) {
		t.Errorf("fields %v, want %v", e.Fields, want)
	}
	for k, v := range want {
		if e.Fields[k] != v {
			t.Errorf("%s = %q, want %q", k, e.Fields[k], v)
		}
	}
	if e.Signals["pricing_page_view"] != 2 || e.Signals["form:demo_request"] != 1 {
		t.Errorf("signals %v", e.Signals)
	}

	// Round trip: the example as a lead carries what rules look at.
	back := e.Lead()
	if back.JobTitle != "VP Marketing" || back.Answers["crm"] != "HubSpot" || back.Email != "lead@acme.example" ||
		back.Source.UTMSource != "linkedin" || back.Industry != "" {
		t.Errorf("Lead() = %+v", back.Submission)
	}
}

// leadSource is the shape the DynamoDB adapter will have: a store of
// leads, labelled by ExampleFromLead.
type leadSource []lead.Lead

func (s leadSource) Leads(context.Context) ([]Example, error) { return ExamplesFromLeads(s), nil }

var _ OutcomeSource = leadSource(nil)

func TestOutcomeSourceFeedsRun(t *testing.T) {
	t.Parallel()
	var leads []lead.Lead
	for i := range 400 {
		stage := lead.StageRejected
		title := "Engineer"
		if i%3 == 0 {
			title = "VP Marketing"
		}
		if (i%3 == 0 && i%5 != 0) || i%11 == 0 {
			stage = lead.StageSAL
		}
		if i%17 == 0 {
			stage = lead.StageMQL // no outcome yet
		}
		leads = append(leads, lead.Lead{Stage: stage, Submission: lead.Submission{Email: "x@acme.example", JobTitle: title}})
	}
	examples, err := leadSource(leads).Leads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ds := NewDataset("feedback", examples, DefaultFields(), nil)
	ds.FromForms = true // stored leads: every field came from their forms
	r, err := Run(ds, Options{Seed: 1, Holdout: 0.3, Now: at0})
	if err != nil {
		t.Fatal(err)
	}
	if r.Eval.AUC < 0.8 {
		t.Errorf("AUC %.3f", r.Eval.AUC)
	}
}
