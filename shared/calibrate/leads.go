package calibrate

import (
	"slices"
	"sort"
	"strings"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// OutcomeStage names the "outcome column" of a dataset read from stored
// leads: the stage sales gave each lead.
const OutcomeStage = "stage"

// DatasetFromLeads is the dataset of stored leads — the product's own
// feedback loop — ready for Run exactly like one read from a CSV. Each
// lead is labelled by ExampleFromLead; a lead without an outcome (new,
// nurturing, mql not sent back, disqualified by the config, unsubscribed)
// or erased on request (its stage kept, its fields blank) is listed as
// skipped, by its id. Won deals carry their value.
//
// Its fields are the standard ones a mapping can name (DefaultFields:
// job_title as words, company_size and budget as numbers, industry,
// country, timeline and form_type as categories, email as email_domain)
// that at least one labelled lead has, then answers.<key> as a category
// for every answer key some labelled lead gave, in key order. Its signals
// are the signal kinds the labelled leads have, counted per lead, in name
// order (kinds qualify scores only). Outcomes counts the leads per stage.
func DatasetFromLeads(name string, leads []lead.Lead) *Dataset {
	if name == "" {
		name = "leads"
	}
	ds := &Dataset{Name: name, Rows: len(leads), OutcomeColumn: OutcomeStage, fromLeads: true, FromForms: true}
	byStage := map[string]*OutcomeValue{}
	var stages []string
	for _, l := range leads {
		e, ok := ExampleFromLead(l)
		read := "negative"
		switch {
		case l.Erased:
			// Its stage stays (the funnel's), what it said does not: its
			// blank fields would teach that saying nothing converts.
			read = "skipped"
			ds.Skipped = append(ds.Skipped, Skip{Lead: l.ID, Kind: "erased",
				Detail: "stage " + yamlconf.Quote(string(l.Stage)) + ": its personal data was erased on request, so its fields are blank"})
		case !ok:
			read = "skipped"
			detail := "stage " + yamlconf.Quote(string(l.Stage)) + ": no outcome yet"
			switch {
			case l.Stage == "":
				detail = "no stage"
			case l.Stage == lead.StageUnsubscribed:
				detail = "stage " + yamlconf.Quote(string(l.Stage)) + " says nothing about fit"
			case l.Stage == lead.StageDisqualified:
				detail = "stage " + yamlconf.Quote(string(l.Stage)) + ": rejected by the config's disqualifiers, not by sales"
			}
			id := l.ID
			if id == "" {
				id = "(no id)"
			}
			ds.Skipped = append(ds.Skipped, Skip{Lead: id, Kind: "no outcome", Detail: detail})
		case e.Positive:
			read = "positive"
		}
		if ok {
			ds.Examples = append(ds.Examples, e)
		}
		if ok && e.Value != 0 {
			ds.HasValue = true
		}
		stage := string(l.Stage)
		if l.Erased {
			stage = "erased (" + stage + ")"
		}
		if ok && !e.Positive && l.SentBack != nil && (l.Stage == lead.StageNew || l.Stage == lead.StageNurturing || l.Stage == lead.StageMQL) {
			stage = "sent back (" + stage + ")"
		}
		ov := byStage[stage]
		if ov == nil {
			ov = &OutcomeValue{Value: stage, Read: read}
			byStage[stage] = ov
			stages = append(stages, stage)
		}
		ov.Count++
	}
	for _, s := range stages {
		ds.Outcomes = append(ds.Outcomes, *byStage[s])
	}
	sort.SliceStable(ds.Outcomes, func(i, j int) bool { return ds.Outcomes[i].Count > ds.Outcomes[j].Count })

	has := map[string]bool{}
	answers := map[string]bool{}
	signals := map[string]bool{}
	for _, e := range ds.Examples {
		for f := range e.Fields {
			has[f] = true
			if strings.HasPrefix(f, "answers.") && isLeadField(f) {
				answers[f] = true
			}
		}
		for s := range e.Signals {
			if qualify.IsSignalKind(s) {
				signals[s] = true
			}
		}
	}
	for _, f := range DefaultFields() {
		if has[f.Name] {
			ds.Fields = append(ds.Fields, f)
		}
	}
	for _, k := range sortedKeys(answers) {
		ds.Fields = append(ds.Fields, FieldSpec{Name: k, Kind: DefaultKind(k)})
	}
	ds.Signals = sortedKeys(signals)
	return ds
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
