package calibrate

import (
	"context"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestExampleFromLead(t *testing.T) {
	tests := []struct {
		stage    lead.Stage
		ok       bool
		positive bool
	}{
		{lead.StageNew, false, false},
		{lead.StageNurturing, false, false},
		{lead.StageMQL, false, false},
		{lead.StageSAL, true, true},
		{lead.StageSQL, true, true},
		{lead.StageWon, true, true},
		{lead.StageRejected, true, false},
		{lead.StageLost, true, false},
		{lead.StageDisqualified, true, false},
		{lead.StageUnsubscribed, false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.stage), func(t *testing.T) {
			e, ok := ExampleFromLead(lead.Lead{Stage: tt.stage, Submission: lead.Submission{Email: "a@acme.example"}})
			if ok != tt.ok || e.Positive != tt.positive {
				t.Errorf("ok %v positive %v, want %v %v", ok, e.Positive, tt.ok, tt.positive)
			}
		})
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
	r, err := Run(ds, Options{Seed: 1, Holdout: 0.3, Now: at0})
	if err != nil {
		t.Fatal(err)
	}
	if r.Eval.AUC < 0.8 {
		t.Errorf("AUC %.3f", r.Eval.AUC)
	}
}
