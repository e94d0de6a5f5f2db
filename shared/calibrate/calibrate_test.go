package calibrate

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/qualify"
)

var at0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// synthLeads draws leads whose outcome follows known effects: Software and
// SaaS help, Education hurts; VP titles help, interns hurt; 50–500
// employees help, tiny companies hurt; pricing page views help. With leak,
// the variant field and an excluded column repeat the outcome.
func synthLeads(n int, seed uint64, leak bool) []Example {
	rng := rand.New(rand.NewPCG(seed, 99))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	var out []Example
	for range n {
		z := -1.6
		f := map[string]string{}
		switch r := rng.Float64(); {
		case r < 0.25:
			f["industry"], z = pick("Software", "software"), z+0.9
		case r < 0.4:
			f["industry"], z = "SaaS", z+0.7
		case r < 0.6:
			f["industry"] = "Retail"
		case r < 0.75:
			f["industry"], z = "Education", z-0.9
		case r < 0.76:
			f["industry"] = pick("Mining", "Aerospace", "Fishing", "Zoos", "Lighthouses") // rare
		}
		switch r := rng.Float64(); {
		case r < 0.15:
			f["job_title"], z = pick("VP Marketing", "VP of Sales", "vp, growth"), z+1.1
		case r < 0.3:
			f["job_title"], z = pick("Intern", "Marketing Intern"), z-1.2
		case r < 0.9:
			f["job_title"] = pick("Marketing Manager", "Analyst", "Engineer", "Consultant")
		}
		size := []int{5, 12, 40, 80, 150, 300, 450, 800, 2000, 10000}[rng.IntN(10)]
		switch {
		case size < 20:
			z -= 0.8
		case size >= 50 && size <= 500:
			z += 0.5
		}
		if rng.Float64() < 0.9 {
			f["company_size"] = pick(fmt.Sprint(size), fmt.Sprintf("%d-%d", size, size*2), fmt.Sprintf("~%d", size))
		} else {
			f["company_size"] = pick("abc", "") // junk, not given
		}
		views := float64(rng.IntN(6))
		z += 0.3 * views
		e := Example{Fields: f, Signals: map[string]float64{"pricing_page_view": views}}
		e.Positive = rng.Float64() < sigmoid(z)
		if leak {
			e.Fields["variant"] = map[bool]string{true: "won-deal", false: "no-deal"}[e.Positive]
			e.excluded = []string{map[bool]string{true: "Closed Won", false: "Closed Lost"}[e.Positive]}
		}
		for k, v := range e.Fields {
			if v == "" {
				delete(e.Fields, k)
			}
		}
		out = append(out, e)
	}
	return out
}

var synthFields = []FieldSpec{
	{"industry", KindCategory}, {"job_title", KindWords}, {"company_size", KindNumber},
}

func synthDataset(n int, seed uint64, leak bool) *Dataset {
	fields := synthFields
	if leak {
		fields = append(fields[:len(fields):len(fields)], FieldSpec{"variant", KindCategory})
	}
	ds := NewDataset("synth", synthLeads(n, seed, leak), fields, []string{"pricing_page_view"})
	if leak {
		ds.Excluded = []string{"Deal Stage"}
	}
	return ds
}

func runOK(t *testing.T, ds *Dataset, o Options) *Result {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = at0
	}
	if o.Holdout == 0 {
		o.Holdout = 0.3
	}
	r, err := Run(ds, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// factorOf finds a factor by the start of its name, ignoring case.
func factorOf(r *Result, name string) Factor {
	for _, f := range r.Factors {
		if n := f.Feature.Name(); len(n) >= len(name) && strings.EqualFold(n[:len(name)], name) {
			return f
		}
	}
	return Factor{Effect: math.NaN()}
}

func TestRunLearnsKnownEffects(t *testing.T) {
	t.Parallel()
	r := runOK(t, synthDataset(4000, 1, false), Options{Seed: 1})
	positive := []string{`industry "Software"`, `industry "SaaS"`, `job_title word "vp"`, "pricing_page_view (each)"}
	negative := []string{`industry "Education"`, `job_title word "intern"`, "company_size up to"}
	for _, name := range positive {
		if f := factorOf(r, name); !(f.Effect > 0.2) {
			t.Errorf("%s: effect %.3f, want clearly positive", name, f.Effect)
		}
	}
	for _, name := range negative {
		if f := factorOf(r, name); !(f.Effect < -0.2) {
			t.Errorf("%s: effect %.3f, want clearly negative", name, f.Effect)
		}
	}
	if r.Eval.AUC < 0.72 || r.Eval.ExportAUC < r.Eval.AUC-0.08 {
		t.Errorf("AUC %.3f, export %.3f", r.Eval.AUC, r.Eval.ExportAUC)
	}
	for _, c := range r.Leakage {
		if c.Flagged {
			t.Errorf("flagged without a leak: %+v", c)
		}
	}
	if r.Export.Mismatches != 0 {
		t.Errorf("%d leads get other points from qualify than from the model", r.Export.Mismatches)
	}
	var buf bytes.Buffer
	if err := r.WriteReport(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Summary", "**As live leads would be decided**", "## Back-test: the base config and the export",
		"| top 5%: precision [CI] · recall |", "| top 30%: precision [CI] · recall |", "| **hand-off** (hot)", "## Disqualifiers (all ",
		"## Calibration", "positive factors\n", "negative factors\n", "## Exported engagement", "| pricing_page_view | +",
		"## Exported grades and thresholds", "| A | ", "## Exported fit rules", "## Column screening", "## Data", "## Method", "→ **"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestExportParsesAndGradeAMatchesTargetRate(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{0.1, 0.2, 0.3} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			r := runOK(t, synthDataset(3000, 2, false), Options{Seed: 2, TargetRate: rate})
			c, err := qualify.Parse(r.Export.Config, "out.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, grades := evaluateAll(c, r.Train)
			a := 0
			for _, g := range grades {
				if g == 0 {
					a++
				}
			}
			share := float64(a) / float64(len(grades))
			if math.Abs(share-rate) > 0.04 {
				t.Errorf("grade A holds %.3f of training leads, want %.2f ± 0.04", share, rate)
			}
			if g := r.Export.Grades; !(g[0] > g[1] && g[1] > g[2]) {
				t.Errorf("grades %v not descending", g)
			}
		})
	}
}

func TestTargetPrecision(t *testing.T) {
	t.Parallel()
	r := runOK(t, synthDataset(3000, 3, false), Options{Seed: 3, TargetPrecision: 0.5})
	a := r.Export.Train[0]
	if a.Rate < 0.5 || a.Leads < 10 || r.Export.PrecisionMissed {
		t.Errorf("grade A on training leads: %+v", a)
	}
	r = runOK(t, synthDataset(3000, 3, false), Options{Seed: 3, TargetPrecision: 0.99})
	if !r.Export.PrecisionMissed || !strings.Contains(strings.Join(r.Warnings, "\n"), "no grade A cut reaches") {
		t.Errorf("unreachable precision not reported: %v", r.Warnings)
	}
}

func TestLeakingColumnIsFlagged(t *testing.T) {
	t.Parallel()
	r := runOK(t, synthDataset(1500, 4, true), Options{Seed: 4})
	var variant, excluded ColumnCheck
	for _, c := range r.Leakage {
		switch c.Column {
		case "variant":
			variant = c
		case "Deal Stage":
			excluded = c
		}
		if c.Flagged && c.Column != "variant" {
			t.Errorf("flagged %+v", c)
		}
	}
	if !variant.Flagged || !variant.Dropped || variant.AUC < 0.99 {
		t.Errorf("the column equal to the outcome: %+v", variant)
	}
	if !variant.WhatIf || variant.Claimed < 0.99 || variant.Live > 0.85 {
		t.Errorf("what learning from it would claim, and give live leads: %+v", variant)
	}
	if !excluded.Excluded || excluded.Flagged || excluded.AUC < 0.99 {
		t.Errorf("excluded leaking column: %+v", excluded)
	}
	for _, f := range r.Encoder.Features {
		if f.Field == "variant" {
			t.Fatal("the model learned from the flagged column")
		}
	}
	if r.Eval.AUC > 0.9 {
		t.Errorf("model AUC %.3f: the leak is in", r.Eval.AUC)
	}
	warned := strings.Join(r.Warnings, "\n")
	if !strings.Contains(warned, `column "variant" (variant (category)) looks filled in after the outcome was known: alone it predicts the outcome with AUC 1.000`) ||
		!strings.Contains(warned, "left out of the model (learned from, it would claim holdout AUC 1.000; live leads arrive without it: ") {
		t.Errorf("warnings: %s", warned)
	}
	if !bytes.Contains(r.Export.Config, []byte("# WARNING: column \"variant\"")) {
		t.Error("the export's header does not carry the leakage warning")
	}
	var buf bytes.Buffer
	_ = r.WriteReport(&buf)
	for _, want := range []string{"| variant | variant (category) | 1.000 |", "⚠ **filled in after the outcome: left out**",
		"Learned from, the report would claim a holdout AUC of 1.000; live leads arrive without it", "Blank, as live leads arrive without them: “variant”."} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}

	// Kept in the mapping: used, and the report says what live leads get.
	ds := synthDataset(1500, 4, true)
	ds.Keep = []string{"variant"}
	r = runOK(t, ds, Options{Seed: 4})
	for _, c := range r.Leakage {
		if c.Column == "variant" && (!c.Flagged || !c.Kept || c.Dropped || !c.WhatIf || c.Live > 0.85) {
			t.Errorf("kept: %+v", c)
		}
	}
	if r.Eval.AUC < 0.99 || !strings.Contains(strings.Join(r.Warnings, "\n"), "kept because the mapping lists it under keep") {
		t.Errorf("kept column not used (AUC %.3f) or not warned: %v", r.Eval.AUC, r.Warnings)
	}
}

func TestRunIsDeterministic(t *testing.T) {
	t.Parallel()
	report := func(seed uint64) (string, []byte) {
		r := runOK(t, synthDataset(2000, 5, false), Options{Seed: seed})
		var buf bytes.Buffer
		if err := r.WriteReport(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.String(), r.Export.Config
	}
	rep1, cfg1 := report(7)
	rep2, cfg2 := report(7)
	if rep1 != rep2 || !bytes.Equal(cfg1, cfg2) {
		t.Error("same seed, different report or config")
	}
	if rep3, _ := report(8); rep3 == rep1 {
		t.Error("another seed gave the same report: is the split seeded?")
	}
}

// summaryTail is a config's summary without its fit part (the first rule
// count and the grades) and its engagement signal count (learned and
// scaled points of 0 leave a signal out).
func summaryTail(c *qualify.Config) string {
	parts := strings.Split(c.Summary(), ", ")
	var keep []string
	for i, p := range parts {
		if i == 0 || strings.HasPrefix(p, "grades ") || strings.HasPrefix(p, "B≥") || strings.HasPrefix(p, "C≥") || strings.HasSuffix(p, " engagement signals") {
			continue
		}
		keep = append(keep, p)
	}
	return strings.Join(keep, ", ")
}

func TestExportKeepsTheRestOfTheBase(t *testing.T) {
	t.Parallel()
	r := runOK(t, synthDataset(1500, 6, false), Options{Seed: 6})
	got, err := qualify.Parse(r.Export.Config, "out.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if summaryTail(got) != summaryTail(qualify.Default()) {
		t.Errorf("rest of config changed:\n%s\n%s", summaryTail(got), summaryTail(qualify.Default()))
	}
	cfg := string(r.Export.Config)
	for _, want := range []string{"# Calibrated by leadflow calibrate on 2026-03-01 from synth", "# Back-test on ",
		"\ndisqualifiers:\n", "reason: job_seeker", "\nrouting:\n", "default_team: smb", "{signal: \"form:demo_request\", points: "} {
		if !strings.Contains(cfg, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	if strings.Contains(cfg, "label: decision maker") {
		t.Error("the base's fit rules survived")
	}

	// Another base, with a campaign that overrides fit.
	base := `version: 1
fit:
  rules: [{field: industry, op: in, values: [Software], points: 10}]
  grades: {A: 30, B: 20, C: 10}
thresholds: {A: {hot: 20, warm: 0}, B: {hot: 35, warm: 10}, C: {warm: 30}, D: {}}
routing:
  teams: {t: {reps: [{name: R, email: r@example.com}]}}
  default_team: t
campaigns:
  webinar-2026:
    fit:
      rules: [{field: industry, op: in, values: [SaaS], points: 5}]
      grades: {A: 3, B: 2, C: 1}
`
	r = runOK(t, synthDataset(1500, 6, false), Options{Seed: 6, Base: []byte(base), BaseName: "mine.yaml"})
	if _, err := qualify.Parse(r.Export.Config, "out.yaml"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.Export.CampaignFit, ",") != "webinar-2026" {
		t.Errorf("campaigns overriding fit: %v", r.Export.CampaignFit)
	}
	if !bytes.Contains(r.Export.Config, []byte("values: [SaaS], points: 5")) {
		t.Errorf("campaign override lost:\n%s", r.Export.Config)
	}

	_, err = Run(synthDataset(300, 6, false), Options{Holdout: 0.3, Base: []byte("version: 1\n"), BaseName: "broken.yaml"})
	if !errors.Is(err, ErrExport) || !strings.Contains(err.Error(), "broken.yaml:1: missing fit") {
		t.Errorf("invalid base: %v", err)
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	allNegative := synthLeads(100, 1, false)
	for i := range allNegative {
		allNegative[i].Positive = i < 3
	}
	_, err := Run(NewDataset("few", allNegative, synthFields, nil), Options{Holdout: 0.3})
	if !errors.Is(err, ErrData) || !strings.Contains(err.Error(), "3 converted and 97 other leads") {
		t.Errorf("too few positives: %v", err)
	}
	ds := synthDataset(500, 1, false)
	for _, o := range []Options{
		{Holdout: 1}, {Holdout: -0.1}, {TargetRate: 0.2, TargetPrecision: 0.5}, {TargetRate: 1},
		{L2: -1}, {L2: math.NaN()}, {DoublePoints: 1000},
	} {
		if _, err := Run(ds, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}

func TestNoHoldoutEvaluatesOnTraining(t *testing.T) {
	t.Parallel()
	r, err := Run(synthDataset(800, 9, false), Options{Holdout: 0, Now: at0})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OnTrain || len(r.Test) != len(r.Train) {
		t.Errorf("on train %v, %d/%d", r.OnTrain, len(r.Train), len(r.Test))
	}
}

// cutFit drops the lines of a config's learned top-level sections: fit,
// engagement and thresholds.
func cutFit(text string) string {
	lines := strings.Split(text, "\n")
	var out []string
	in := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "fit:") || strings.HasPrefix(l, "engagement:") || strings.HasPrefix(l, "thresholds:"):
			in = true
			continue
		case in && (l == "" || l[0] == ' '):
			if l == "" {
				out = append(out, l)
			}
			continue
		}
		in = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

func TestExportKeepsTheBaseTextAsWritten(t *testing.T) {
	t.Parallel()
	r := runOK(t, synthDataset(1500, 12, false), Options{Seed: 12})
	cfg := string(r.Export.Config)
	_, body, ok := strings.Cut(cfg, "events/sample-lead.json\n\n")
	if !ok {
		t.Fatalf("no header:\n%s", cfg)
	}
	if got, want := cutFit(body), cutFit(string(DefaultBase())); got != want {
		t.Errorf("outside fit, engagement and thresholds, the export differs from the base:\n%s", got)
	}
	for _, want := range []string{"\nengagement:\n  half_life: 336h", "    - {signal: pricing_page_view, points: ", ", half_life: 168h} # learned\n",
		"    - {signal: \"form:demo_request\", points: ", ", half_life: 168h} # not in the data: default.yaml's points ×", "\nthresholds:\n  # Learned: ", "  A: {hot: "} {
		if !strings.Contains(cfg, want) {
			t.Errorf("export lacks %q", want)
		}
	}

	// A base the splice cannot handle safely is re-encoded instead.
	base := `version: 1
"fit": {rules: [{field: industry, op: in, values: [Software], points: 10}], grades: {A: 30, B: 20, C: 10}}
thresholds: {A: {hot: 20, warm: 0}, B: {hot: 35, warm: 10}, C: {warm: 30}, D: {}}
routing: {teams: {t: {reps: [{name: R, email: r@example.com}]}}, default_team: t}
`
	r = runOK(t, synthDataset(1500, 12, false), Options{Seed: 12, Base: []byte(base)})
	c, err := qualify.Parse(r.Export.Config, "out.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, r.Export.Config)
	}
	if !strings.Contains(c.Summary(), "1 team (1 rep)") || strings.Contains(string(r.Export.Config), "values: [Software], points: 10") {
		t.Errorf("re-encoded export:\n%s", r.Export.Config)
	}
}

// TestMultiLineValuesInWarnings: a flagged column's values are quoted in
// the warnings the export's header carries as YAML comments; a value
// with a line break (a CSV cell "Called twice,\nno answer") must neither
// break the config nor the report's list.
func TestMultiLineValuesInWarnings(t *testing.T) {
	t.Parallel()
	ds := synthDataset(1500, 4, true)
	for i := range ds.Examples {
		ds.Examples[i].Fields["variant"] = map[bool]string{true: "Closed\r\nwon", false: "Called twice,\nnot interested"}[ds.Examples[i].Positive]
	}
	r := runOK(t, ds, Options{Seed: 4})
	if _, err := qualify.Parse(r.Export.Config, "calibrated"); err != nil {
		t.Fatalf("the export does not parse: %v", err)
	}
	for _, w := range r.Warnings {
		if strings.ContainsAny(w, "\r\n") {
			t.Errorf("warning spans lines: %q", w)
		}
	}
	if !bytes.Contains(r.Export.Config, []byte("“Closed won”")) {
		t.Errorf("the header does not quote the value on one line:\n%s", r.Export.Config[:min(len(r.Export.Config), 1500)])
	}
}
