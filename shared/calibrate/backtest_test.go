package calibrate

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/qualify"
)

const backtestConfig = `version: 1
fit:
  rules:
    - {field: industry, op: in, values: [Software], points: 30}
    - {field: company_size, op: range, min: 50, points: 10}
  grades: {A: 40, B: 30, C: 10}
engagement:
  signals:
    - {signal: pricing_page_view, points: 10}
disqualifiers:
  - {reason: job_seeker, field: job_title, op: regex, values: ['(?i)\bunemployed\b']}
  - {reason: student, field: job_title, op: regex, values: ['(?i)\bstudent\b']}
thresholds: {A: {hot: 10, warm: 0}, B: {hot: 20, warm: 10}, C: {warm: 30}, D: {}}
routing:
  teams: {t: {reps: [{name: R, email: r@example.com}]}}
  default_team: t
`

func bx(industry, size, title string, views float64, positive bool, value float64) Example {
	f := map[string]string{}
	for k, v := range map[string]string{"industry": industry, "company_size": size, "job_title": title} {
		if v != "" {
			f[k] = v
		}
	}
	return Example{Fields: f, Signals: map[string]float64{"pricing_page_view": views}, Positive: positive, Value: value}
}

// TestBacktestDecidesAsQualifyDoes: every figure of a back-test on a
// hand-made population, decided by qualify's own Evaluate.
func TestBacktestDecidesAsQualifyDoes(t *testing.T) {
	cfg, err := qualify.Parse([]byte(backtestConfig), "bt.yaml")
	if err != nil {
		t.Fatal(err)
	}
	xs := []Example{
		bx("Software", "200", "VP", 1, true, 5000),   // 40 fit → A, 10 eng → hot; total 50
		bx("Software", "200", "VP", 0, true, 3000),   // A, 0 → warm; 40
		bx("Software", "", "Analyst", 2, false, 0),   // 30 → B, 20 → hot; 50
		bx("Retail", "200", "Manager", 0, false, 0),  // 10 → C, cold; 10
		bx("Retail", "", "Unemployed", 5, true, 700), // disqualified: job_seeker
		bx("Retail", "", "Unemployed", 0, false, 0),  // disqualified: job_seeker
		bx("Retail", "", "Student", 0, false, 0),     // disqualified: student
		bx("Retail", "20", "Engineer", 0, false, 0),  // 0 → D; 0
		bx("Software", "20", "Engineer", 3, true, 0), // 30 → B, 30 → hot; 60
		bx("Education", "", "Teacher", 1, false, 0),  // 0 → D, 10; 10
	}
	b := RunBacktest(cfg, "bt.yaml", xs, BacktestOptions{})
	if b.Leads != 10 || b.Converted != 4 || b.BaseRate != 0.4 || !b.HasValue || b.Value != 8700 {
		t.Fatalf("%+v", b)
	}
	wantStat := func(name string, s GradeStat, leads, conv int, value float64) {
		t.Helper()
		if s.Leads != leads || s.Converted != conv || s.Value != value || math.Abs(s.Share-float64(leads)/10) > 1e-9 {
			t.Errorf("%s: %+v, want %d leads %d converted value %v", name, s, leads, conv, value)
		}
	}
	wantStat("A", b.Grades[0], 2, 2, 8000)
	wantStat("B", b.Grades[1], 2, 1, 0)
	wantStat("C", b.Grades[2], 1, 0, 0)
	wantStat("D", b.Grades[3], 2, 0, 0)
	wantStat("hot", b.Hot, 3, 2, 5000)
	wantStat("warm", b.Warm, 1, 1, 3000)
	wantStat("disqualified", b.Disqualified, 3, 1, 700)
	if len(b.Reasons) != 2 || b.Reasons[0].Grade != "job_seeker" || b.Reasons[0].Leads != 2 || b.Reasons[0].Recall != 0.25 ||
		b.Reasons[1].Grade != "student" || !strings.Contains(b.Reasons[0].Example, `job title matches "Unemployed"`) {
		t.Errorf("reasons %+v", b.Reasons)
	}
	// Disqualified last, then fit + engagement: 60, 50, 50, 40, 10, 10, 0.
	if got := b.scores; got[8] != 60 || got[0] != 50 || got[1] != 40 || !math.IsInf(got[4], -1) {
		t.Errorf("scores %v", got)
	}
	if b.TopK[3].Leads != 3 || b.TopK[3].Converted != 2 { // top 30%: 60 (yes), 50 (yes), 50 (no)
		t.Errorf("top 30%%: %+v", b.TopK[3])
	}
	if w := b.DisqualifierWarnings(); len(w) != 1 || !strings.HasPrefix(w[0], "disqualifier job_seeker rejects 20% of the leads and 25% of the converted ones") {
		t.Errorf("warnings %q", w)
	}
	var buf bytes.Buffer
	if err := WriteDisqualifiers(&buf, b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| job_seeker ⚠ | 2 | 20% | 1 | 25% | 50% |", "| student | 1 | 10% | 0 | 0% | 0% |", "| **all** | 3 | 30% | 1 | 25% |"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}

	// Blank columns are read as live leads arrive without them.
	b = RunBacktest(cfg, "bt.yaml", xs, BacktestOptions{Blank: []string{"industry", "pricing_page_view"}})
	if b.Grades[0].Leads != 0 || b.Hot.Leads != 0 || strings.Join(b.Blanked, ",") != "industry,pricing_page_view" {
		t.Errorf("blanked: A %+v hot %+v", b.Grades[0], b.Hot)
	}
}

func TestBootstrapIntervals(t *testing.T) {
	perfect := make([]float64, 100)
	y := make([]bool, 100)
	for i := range perfect {
		perfect[i], y[i] = float64(i), i >= 60
	}
	tests := []struct {
		name       string
		scores     []float64
		iterations int
		lo, hi     float64 // bounds the AUC interval must lie in
		none       bool
	}{
		{"perfect ranking", perfect, 50, 1, 1, false},
		{"no bootstrap", perfect, 0, 0, 0, true},
		{"a coin", coinScores(100, 7), 200, 0.3, 0.7, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Backtest{scores: tt.scores}
			b.AUC = AUC(tt.scores, y)
			b.bootstrap(y, tt.iterations, 1)
			if tt.none {
				if !math.IsNaN(b.AUCLow) || !math.IsNaN(b.PrecisionHigh[0]) {
					t.Errorf("intervals without resamples: %v %v", b.AUCLow, b.PrecisionHigh)
				}
				return
			}
			if b.AUCLow < tt.lo || b.AUCHigh > tt.hi || b.AUCLow > b.AUC || b.AUCHigh < b.AUC {
				t.Errorf("AUC %.3f in [%.3f, %.3f], want within [%v, %v] around it", b.AUC, b.AUCLow, b.AUCHigh, tt.lo, tt.hi)
			}
			if tt.name == "a coin" && b.AUCHigh-b.AUCLow < 0.1 {
				t.Errorf("interval [%.3f, %.3f] too narrow for 100 leads", b.AUCLow, b.AUCHigh)
			}
			for k := range reportShares {
				if b.PrecisionLow[k] > b.PrecisionHigh[k] || b.PrecisionLow[k] < 0 || b.PrecisionHigh[k] > 1 {
					t.Errorf("precision interval %d: [%v, %v]", k, b.PrecisionLow[k], b.PrecisionHigh[k])
				}
			}
			again := &Backtest{scores: tt.scores}
			again.bootstrap(y, tt.iterations, 1)
			if again.AUCLow != b.AUCLow || again.PrecisionHigh[3] != b.PrecisionHigh[3] {
				t.Error("same seed, other interval")
			}
		})
	}
}

func coinScores(n int, seed uint64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64((uint64(i)*2654435761 + seed) % 97)
	}
	return out
}

// TestExportRoundTrip: the exported file, loaded by the product's own
// loader and scoring the holdout as live leads arrive, gives the AUC the
// report claims.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	r := runOK(t, synthDataset(2000, 21, false), Options{Seed: 21, Bootstrap: 20})
	path := filepath.Join(t.TempDir(), "qualify.calibrated.yaml")
	if err := os.WriteFile(path, r.Export.Config, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := qualify.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// Ranked here independently of the package's back-test code.
	var scores []float64
	var y []bool
	for _, x := range r.Test {
		var sigs []qualify.Signal
		for range int(x.Signals["pricing_page_view"]) {
			sigs = append(sigs, qualify.Signal{Kind: "pricing_page_view"})
		}
		d := cfg.Evaluate(x.Lead(), sigs, time.Time{})
		s := float64(d.FitPoints) + d.Score
		if d.Disqualified {
			s = math.Inf(-1)
		}
		scores, y = append(scores, s), append(y, x.Positive)
	}
	got := AUC(scores, y)
	var buf bytes.Buffer
	if err := r.WriteReport(&buf); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\*\*ROC AUC (0\.\d{3})\*\*`).FindStringSubmatch(buf.String())
	if m == nil {
		t.Fatal("no AUC in the report")
	}
	claimed, _ := strconv.ParseFloat(m[1], 64)
	if math.Abs(got-claimed) > 0.0005 || math.Abs(r.Eval.ExportAUC-got) > 1e-12 {
		t.Errorf("loaded config scores AUC %.4f; the report claims %.3f (Eval %.4f)", got, claimed, r.Eval.ExportAUC)
	}
	if !bytes.Contains(r.Export.Config, []byte("ROC AUC "+m[1])) {
		t.Error("the export's header does not carry the same AUC")
	}
}

// TestSmallSamples: below MinLeads labelled leads (or MinPositives of an
// outcome) nothing is exported without Force, and the report says why.
func TestSmallSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		n       int
		force   bool
		refused bool
	}{
		{"45 leads", 45, false, true},
		{"150 leads", 150, false, true},
		{"150 leads, forced", 150, true, false},
		{"600 leads", 600, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := synthDataset(tt.n, 31, false)
			r, err := Run(ds, Options{Seed: 31, Holdout: 0.3, Force: tt.force, Bootstrap: 20, Now: at0})
			if err != nil {
				t.Fatal(err)
			}
			if r.Refused != tt.refused || (r.Export.Config == nil) != tt.refused {
				t.Fatalf("refused %v, config %v", r.Refused, r.Export.Config != nil)
			}
			var buf bytes.Buffer
			_ = r.WriteReport(&buf)
			small := tt.n < MinLeads
			if (r.Small != "") != small {
				t.Errorf("small %q", r.Small)
			}
			switch {
			case tt.refused && !strings.Contains(buf.String(), "**No config exported**: too small a sample to trust — "+strconv.Itoa(tt.n)+" labelled leads"):
				t.Errorf("report does not say why:\n%.1500s", buf.String())
			case tt.force && !bytes.Contains(r.Export.Config, []byte("# WARNING: too small a sample to trust: 150 labelled leads")):
				t.Errorf("forced export without a warning:\n%.800s", r.Export.Config)
			}
			if !math.IsNaN(r.New.AUCLow) && r.New.AUCLow > r.New.AUC {
				t.Errorf("interval %v–%v around %v", r.New.AUCLow, r.New.AUCHigh, r.New.AUC)
			}
		})
	}
	// 45 leads: the grades barely separate anyone, and the report says so.
	r, err := Run(synthDataset(45, 31, false), Options{Seed: 31, Holdout: 0.3, Bootstrap: 20, Now: at0})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "the grade cuts A ≥ ") {
		t.Errorf("grades %v without a warning: %q", r.Export.Grades, r.Warnings)
	}
}

func TestChooseBins(t *testing.T) {
	t.Parallel()
	// A fine step: conversion jumps at each of 20 quantiles of a number.
	steps := func(n int) []Example {
		var xs []Example
		for i := range n {
			v := (i * 7919) % 2000
			z := -2 + 4*float64((v/100)%2) // alternates every 100: only many bins see it
			xs = append(xs, Example{Fields: map[string]string{"answers.seconds": strconv.Itoa(v)}, Positive: sigmoid(z) > float64((i*104729)%1000)/1000})
		}
		return xs
	}
	smooth := func(n int) []Example {
		var xs []Example
		for i := range n {
			v := (i * 7919) % 2000
			xs = append(xs, Example{Fields: map[string]string{"answers.seconds": strconv.Itoa(v)}, Positive: v >= 800 == (i%10 != 0)})
		}
		return xs
	}
	fields := []FieldSpec{{"answers.seconds", KindNumber}}
	o := Options{L2: 1, Seed: 1, Features: FeatureOptions{MinCount: 20, MaxValues: 15}}
	tests := []struct {
		name     string
		xs       []Example
		min, max int
	}{
		{"fine steps need many bins", steps(2000), 20, 20},
		{"one threshold needs few", smooth(2000), 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bins, scores := chooseBins(tt.xs, fields, nil, o)
			if bins < tt.min || bins > tt.max || len(scores) != len(binChoices) {
				t.Errorf("chose %d bins (%+v), want %d–%d", bins, scores, tt.min, tt.max)
			}
		})
	}
	if bins, scores := chooseBins(steps(300), []FieldSpec{{"industry", KindCategory}}, nil, o); bins != DefaultBins || scores != nil {
		t.Errorf("no number field: %d %v", bins, scores)
	}
	// A fixed number of bins is used as given.
	r := runOK(t, synthDataset(800, 3, false), Options{Seed: 3, Features: FeatureOptions{Bins: 8}, Bootstrap: 10})
	if r.Bins != 8 || r.BinScores != nil {
		t.Errorf("fixed bins: %d %v", r.Bins, r.BinScores)
	}
}

// TestWeightedAUC: a lead counted twice is the same as two copies of it.
func TestWeightedAUC(t *testing.T) {
	scores := []float64{3, 1, 2, 2, 5, 0, 2}
	y := []bool{true, false, true, false, true, false, false}
	w := []float64{1, 2, 0, 1, 3, 1, 2}
	var ds []float64
	var dy []bool
	for i, n := range w {
		for range int(n) {
			ds, dy = append(ds, scores[i]), append(dy, y[i])
		}
	}
	ones := []float64{1, 1, 1, 1, 1, 1, 1}
	if got, want := weightedAUC(scores, y, ones, rankDesc(scores)), AUC(scores, y); got != want {
		t.Errorf("weights 1: %v, want %v", got, want)
	}
	if got, want := weightedAUC(scores, y, w, rankDesc(scores)), AUC(ds, dy); math.Abs(got-want) > 1e-12 {
		t.Errorf("weighted: %v, want %v", got, want)
	}
}
