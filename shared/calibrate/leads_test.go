package calibrate

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

// synthStoredLeads is a population of stored leads in which only the
// industry decides whether sales accepted them: Software leads mostly
// reach sal/sql/won, the others are mostly rejected, lost or sent back.
// Every tenth lead has no outcome yet.
func synthStoredLeads(n int, seed uint64) []lead.Lead {
	rng := rand.New(rand.NewPCG(seed, 7))
	industries := []string{"Software", "Retail", "Education", "Manufacturing"}
	titles := []string{"Marketing Manager", "Head of Sales", "Analyst", "Engineer"}
	countries := []string{"DE", "US", "FR", "GB"}
	crms := []string{"HubSpot", "Salesforce", "none yet"}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := make([]lead.Lead, n)
	for i := range out {
		ind := industries[rng.IntN(len(industries))]
		l := lead.Lead{
			ID: fmt.Sprintf("L%05d", i),
			Submission: lead.Submission{
				Email:       fmt.Sprintf("p%d@c%d.example", i, rng.IntN(500)),
				JobTitle:    titles[rng.IntN(len(titles))],
				CompanySize: fmt.Sprint(10 + rng.IntN(990)),
				Industry:    ind,
				Country:     countries[rng.IntN(len(countries))],
				FormType:    "demo_request",
				Answers:     map[string]string{"crm": crms[rng.IntN(len(crms))]},
			},
		}
		for range rng.IntN(3) {
			l.Signals = append(l.Signals, lead.Signal{Kind: "pricing_page_view", At: at})
		}
		p := 0.15
		if ind == "Software" {
			p = 0.8
		}
		accepted := rng.Float64() < p
		switch {
		case i%10 == 9:
			l.Stage = []lead.Stage{lead.StageNew, lead.StageMQL, lead.StageUnsubscribed}[rng.IntN(3)]
		case accepted:
			l.Stage = []lead.Stage{lead.StageSAL, lead.StageSQL, lead.StageWon}[rng.IntN(3)]
		default:
			l.Stage = []lead.Stage{lead.StageRejected, lead.StageLost, lead.StageNurturing}[rng.IntN(3)]
			if l.Stage == lead.StageNurturing { // sales sent it back: "not now"
				l.SentBack = &lead.SentBack{At: at, Reason: "not_now", Times: 1}
			}
		}
		out[i] = l
	}
	return out
}

func TestDatasetFromLeadsShape(t *testing.T) {
	leads := synthStoredLeads(200, 1)
	ds := DatasetFromLeads("feedback", leads)
	if ds.Name != "feedback" || ds.Rows != 200 || ds.OutcomeColumn != "stage" {
		t.Errorf("name %q rows %d outcome column %q", ds.Name, ds.Rows, ds.OutcomeColumn)
	}
	if len(ds.Examples) != 180 || len(ds.Skipped) != 20 {
		t.Errorf("%d examples, %d skipped, want 180 and 20", len(ds.Examples), len(ds.Skipped))
	}
	if s := ds.Skipped[0]; s.Lead != "L00009" || s.Kind != "no outcome" || !strings.HasPrefix(s.String(), "lead L00009: no outcome: stage ") {
		t.Errorf("first skip %+v: %s", s, s)
	}
	var names []string
	for _, f := range ds.Fields {
		names = append(names, f.Name+":"+string(f.Kind))
	}
	// budget and timeline: no lead gave them.
	want := []string{"job_title:words", "company_size:number", "industry:category", "country:category",
		"form_type:category", "email_domain:category", "answers.crm:category"}
	if !slices.Equal(names, want) {
		t.Errorf("fields %v, want %v", names, want)
	}
	if !slices.Equal(ds.Signals, []string{"pricing_page_view"}) {
		t.Errorf("signals %v", ds.Signals)
	}
	total := 0
	for _, o := range ds.Outcomes {
		total += o.Count
		wantRead := map[string]string{"sal": "positive", "sql": "positive", "won": "positive", "rejected": "negative",
			"lost": "negative", "sent back (nurturing)": "negative", "new": "skipped", "mql": "skipped", "unsubscribed": "skipped"}[o.Value]
		if o.Read != wantRead {
			t.Errorf("stage %q read as %s, want %s", o.Value, o.Read, wantRead)
		}
	}
	if total != 200 {
		t.Errorf("outcomes count %d leads", total)
	}

	empty := DatasetFromLeads("", nil)
	if empty.Name != "leads" || len(empty.Fields) != 0 || len(empty.Signals) != 0 {
		t.Errorf("empty: %+v", empty)
	}
}

func TestRunLearnsFromStoredLeads(t *testing.T) {
	t.Parallel()
	ds := DatasetFromLeads("feedback", synthStoredLeads(3000, 2))
	r := runOK(t, ds, Options{Seed: 1})
	if f := factorOf(r, `industry "Software"`); !(f.Weight > 0.5 && f.Effect > 0.5) {
		t.Errorf(`industry "Software": weight %.3f effect %.3f, want clearly positive`, f.Weight, f.Effect)
	}
	for _, other := range []string{"Retail", "Education", "Manufacturing"} {
		if f := factorOf(r, `industry "`+other+`"`); !(f.Effect < 0) {
			t.Errorf("industry %q: effect %.3f, want negative", other, f.Effect)
		}
	}
	if r.Eval.AUC < 0.75 {
		t.Errorf("AUC %.3f", r.Eval.AUC)
	}
	cfg, err := qualify.Parse(r.Export.Config, "out.yaml")
	if err != nil {
		t.Fatalf("export does not parse: %v\n%s", err, r.Export.Config)
	}
	if cfg == nil {
		t.Fatal("no config")
	}
	found := false
	for _, rule := range r.Export.Rules {
		if rule.Field == "industry" && rule.Op == "in" && slices.Contains(rule.Values, "Software") {
			found = true
			if rule.Points <= 0 {
				t.Errorf("Software rule worth %d points", rule.Points)
			}
		}
	}
	if !found {
		t.Errorf("no industry rule for Software in %+v", r.Export.Rules)
	}
	if !strings.Contains(string(r.Export.Config), "from feedback:") {
		t.Errorf("header does not name the source:\n%.300s", r.Export.Config)
	}

	var buf bytes.Buffer
	if err := r.WriteReport(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Outcome column “stage”: ", "→ positive", "→ skipped", "- lead L0", "By reason: no outcome: 300."} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if s := r.Summary(); !strings.Contains(s, "300 skipped (leads L00009, L00019, L00029, …)") {
		t.Errorf("summary:\n%s", s)
	}
}

// TestExportWithASingleNumberBin: when a number field has too few
// distinct values to split into ranges (as in a small real population),
// its one bin has no bounds; the export must still parse (found on the
// local stack's demo data).
func TestExportWithASingleNumberBin(t *testing.T) {
	t.Parallel()
	leads := synthStoredLeads(600, 3)
	for i := range leads {
		leads[i].CompanySize = "" // as on the demo data: one size, or none
		if i%2 == 0 {
			leads[i].CompanySize = "1000+"
		}
	}
	r := runOK(t, DatasetFromLeads("one-size", leads), Options{Seed: 1})
	if _, err := qualify.Parse(r.Export.Config, "out.yaml"); err != nil {
		t.Fatalf("export does not parse: %v", err)
	}
	for _, rule := range r.Export.Rules {
		if rule.Op == "range" && !rule.HasMin && !rule.HasMax {
			t.Fatalf("unbounded range rule exported: %+v", rule)
		}
	}
}

// TestErasedLeadsAreSkipped: an erasure keeps an erased lead's stage (the
// funnel stays true) but empties what it said — title, size, industry,
// answers, address. Learning from it would read those blanks as the
// person's answers ("no company size" converts); it is skipped, by its id,
// and its stage's outcome row keeps reading as that stage does.
func TestErasedLeadsAreSkipped(t *testing.T) {
	leads := synthStoredLeads(200, 1)
	var erased []string
	for i := range leads {
		l := &leads[i]
		if i%10 != 0 || (l.Stage != lead.StageWon && l.Stage != lead.StageRejected) {
			continue
		}
		// What privacy.Anonymise keeps.
		l.Erased, l.Submission = true, lead.Submission{Country: l.Country}
		l.Signals, l.SentBack = nil, nil
		erased = append(erased, l.ID)
	}
	if len(erased) < 3 {
		t.Fatalf("fixture: only %d erased leads", len(erased))
	}
	for _, stage := range []lead.Stage{lead.StageWon, lead.StageSAL, lead.StageRejected, lead.StageLost} {
		if _, ok := ExampleFromLead(lead.Lead{ID: "E1", Stage: stage, Erased: true}); ok {
			t.Errorf("an erased %s lead is labelled", stage)
		}
	}
	ds := DatasetFromLeads("feedback", leads)
	if len(ds.Examples) != 180-len(erased) {
		t.Errorf("%d examples, want %d (the erased ones skipped)", len(ds.Examples), 180-len(erased))
	}
	for _, e := range ds.Examples {
		if slices.Contains(erased, e.ID) {
			t.Errorf("erased lead %s is an example: %+v", e.ID, e)
		}
	}
	var skipped []string
	for _, s := range ds.Skipped {
		if slices.Contains(erased, s.Lead) {
			skipped = append(skipped, s.Lead)
			if s.Kind != "erased" || !strings.Contains(s.String(), "erased on request") {
				t.Errorf("skip of erased lead: %s", s)
			}
		}
	}
	if len(skipped) != len(erased) {
		t.Errorf("skipped %v, want every erased lead %v", skipped, erased)
	}
	for _, o := range ds.Outcomes {
		want := map[string]string{"won": "positive", "rejected": "negative", "erased (won)": "skipped", "erased (rejected)": "skipped"}[o.Value]
		if want != "" && o.Read != want {
			t.Errorf("outcome %q read as %s, want %s", o.Value, o.Read, want)
		}
	}
}
