package calibrate

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

func examples(field string, values ...string) []Example {
	out := make([]Example, len(values))
	for i, v := range values {
		out[i] = Example{Fields: map[string]string{field: v}}
	}
	return out
}

func repeat(v string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func featureNames(e *Encoder, idx []int32) string {
	var names []string
	for _, i := range idx {
		names = append(names, e.Features[i].Name())
	}
	return strings.Join(names, "; ")
}

func TestCategoriesGroupRareAndUnknownValues(t *testing.T) {
	var vals []string
	vals = append(vals, repeat("Software", 10)...)
	vals = append(vals, repeat("software ", 5)...) // same value, other spelling
	vals = append(vals, repeat("Retail", 6)...)
	vals = append(vals, "Mining", "Zoos", "") // rare, rare, not given
	// One lead without an industry is too few to learn "not given" from:
	// such a lead counts as the most common value, which is the field's
	// reference (it scores 0 in the export, as a lead without the field
	// does). A value first seen later counts as not given too, as the
	// exported rules (which list the rare values seen) read it.
	enc := NewEncoder(examples("industry", vals...), []FieldSpec{{"industry", KindCategory}}, nil, FeatureOptions{MinCount: 5})
	tests := []struct{ value, want string }{
		{"Software", `industry "Software"`},
		{"SOFTWARE", `industry "Software"`},
		{"Retail", `industry "Retail"`},
		{"Mining", "industry (another value)"},
		{"Quantum", `industry "Software"`}, // never seen: not given
		{"", `industry "Software"`},
	}
	for _, tt := range tests {
		got := featureNames(enc, enc.Encode(Example{Fields: map[string]string{"industry": tt.value}}))
		if got != tt.want {
			t.Errorf("%q → %s, want %s", tt.value, got, tt.want)
		}
	}
	if len(enc.Features) != 3 || !enc.Features[enc.fields[0].ref].Reference || enc.Features[enc.fields[0].ref].Value != "Software" {
		t.Errorf("features: %d, reference %d", len(enc.Features), enc.fields[0].ref)
	}
	if enc.fields[0].imputed != 1 {
		t.Errorf("imputed %d, want 1", enc.fields[0].imputed)
	}

	// Enough leads without one: "not given" is a level, and the reference.
	vals = append(vals, repeat("", 5)...)
	enc = NewEncoder(examples("industry", vals...), []FieldSpec{{"industry", KindCategory}}, nil, FeatureOptions{MinCount: 5})
	for _, v := range []string{"", "Quantum"} {
		if got := featureNames(enc, enc.Encode(Example{Fields: map[string]string{"industry": v}})); got != "industry (not given)" {
			t.Errorf("%q → %s, want not given", v, got)
		}
	}
	enc = NewEncoder(examples("industry", vals...), []FieldSpec{{"industry", KindCategory}}, nil, FeatureOptions{MinCount: 1, MaxValues: 1})
	if got := featureNames(enc, enc.Encode(Example{Fields: map[string]string{"industry": "Retail"}})); got != "industry (another value)" {
		t.Errorf("beyond max_values: %s", got)
	}
}

func TestWordsFeatures(t *testing.T) {
	var vals []string
	vals = append(vals, repeat("VP Marketing", 5)...)
	vals = append(vals, repeat("Marketing Manager", 5)...)
	vals = append(vals, "Chief Executive", "")
	enc := NewEncoder(examples("job_title", vals...), []FieldSpec{{"job_title", KindWords}}, nil, FeatureOptions{MinCount: 5})
	tests := []struct{ value, want string }{
		{"vp, marketing", `job_title word "marketing"; job_title word "vp"`},
		{"Chief Executive", ""},
		{"", ""}, // one lead without a title: too few for a "not given" of its own
	}
	for _, tt := range tests {
		if got := featureNames(enc, enc.Encode(Example{Fields: map[string]string{"job_title": tt.value}})); got != tt.want {
			t.Errorf("%q → %q, want %q", tt.value, got, tt.want)
		}
	}
}

func TestNumberBinsMatchQualifyRanges(t *testing.T) {
	for _, tt := range []struct {
		name   string
		values []string
	}{
		{"whole numbers", []string{"1-10", "11-50", "~50", "51-200", "201-500", "501-1000", "1,000+", "5000+", "10", "12", "75", "150", "300", "abc", ""}},
		{"decimals", []string{"0.5", "1.25", "2.5", "3", "4.75", "10.5", "12", "20.25", "none", "7.5"}},
		{"money", []string{"$2k", "< 5k", "5,000", "$10k", "15000", "€25k", "$50k", "50k-100k", "100k+", "$250,000", "unknown"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var train []string
			for i := range 40 {
				train = append(train, tt.values[i%len(tt.values)])
			}
			enc := NewEncoder(examples("budget", train...), []FieldSpec{{"budget", KindNumber}}, nil, FeatureOptions{MinCount: 3, Bins: 5})
			var rules []string
			var bins []int
			for i, f := range enc.Features {
				if f.kind != featBin {
					continue
				}
				r := fmt.Sprintf("    - {field: budget, op: range, points: %d", 1<<len(bins))
				if f.HasMin {
					r += ", min: " + strconv.FormatFloat(f.Min, 'f', -1, 64)
				}
				if f.HasMax {
					r += ", max: " + strconv.FormatFloat(f.Max, 'f', -1, 64)
				}
				rules = append(rules, r+"}")
				bins = append(bins, i)
			}
			if len(bins) < 3 {
				t.Fatalf("only %d bins: %s", len(bins), featureNames(enc, nil))
			}
			cfg := "version: 1\nfit:\n  rules:\n" + strings.Join(rules, "\n") + "\n  grades: {A: 3, B: 2, C: 1}\n" +
				"thresholds: {A: {}, B: {}, C: {}, D: {}}\nrouting: {teams: {t: {reps: [{name: R, email: r@example.com}]}}, default_team: t}\n"
			c, err := qualify.Parse([]byte(cfg), "bins.yaml")
			if err != nil {
				t.Fatalf("%v\n%s", err, cfg)
			}
			probes := append([]string{"0", "0.01", "49.5", "49.99", "1e9", "9,999", "12.345"}, tt.values...)
			for _, cut := range enc.Features {
				if cut.HasMin {
					probes = append(probes, strconv.FormatFloat(cut.Min, 'f', -1, 64))
				}
				if cut.HasMax {
					probes = append(probes, strconv.FormatFloat(cut.Max, 'f', -1, 64))
				}
			}
			for _, v := range probes {
				want := 0
				for _, i := range enc.Encode(Example{Fields: map[string]string{"budget": v}}) {
					for b, bi := range bins {
						if int(i) == bi {
							want = 1 << b
						}
					}
				}
				got := c.Evaluate(lead.Lead{Submission: lead.Submission{Budget: v}}, nil, time.Time{}).FitPoints
				if got != want {
					t.Errorf("%q: qualify's ranges give %d, the encoder's bin %d (%s)", v, got, want,
						featureNames(enc, enc.Encode(Example{Fields: map[string]string{"budget": v}})))
				}
			}
		})
	}
}

// TestSignalCountsArePerEvent: a signal is one feature whose value is its
// count, so its weight is per event — what an engagement section scores.
func TestSignalCountsArePerEvent(t *testing.T) {
	var train []Example
	for i := range 100 {
		train = append(train, Example{Fields: map[string]string{"industry": "Software"}, Signals: map[string]float64{"email_click": float64(i % 3)}})
	}
	enc := NewEncoder(train, []FieldSpec{{"industry", KindCategory}}, []string{"email_click"}, FeatureOptions{MinCount: 10})
	if got := featureNames(enc, []int32{1}); got != "email_click (each)" {
		t.Errorf("features: %s", got)
	}
	for _, tt := range []struct {
		n    float64
		idx  []int32
		vals []float64
	}{
		{0, []int32{0}, nil},
		{1, []int32{0, 1}, []float64{1, 1}},
		{7, []int32{0, 1}, []float64{1, 7}},
	} {
		idx, vals := enc.encodeRow(Example{Fields: map[string]string{"industry": "Software"}, Signals: map[string]float64{"email_click": tt.n}})
		if !slices.Equal(idx, tt.idx) || !slices.Equal(vals, tt.vals) {
			t.Errorf("%v clicks → %v %v, want %v %v", tt.n, idx, vals, tt.idx, tt.vals)
		}
	}
	if f := enc.Features[1]; f.Count != 66 || f.Name() != "email_click (each)" {
		t.Errorf("%+v", f)
	}
}

func TestExportedPointsForNewLeads(t *testing.T) {
	t.Parallel()
	r := runOK(t, synthDataset(2000, 11, false), Options{Seed: 11})
	pointsOf := r.rules()
	c, err := qualify.Parse(r.Export.Config, "out.yaml")
	if err != nil {
		t.Fatal(err)
	}
	novel := []Example{
		{Fields: map[string]string{"industry": "Quantum Computing"}},          // never seen: as not given
		{Fields: map[string]string{"industry": "SOFTWARE", "job_title": "x"}}, // other case
		{Fields: map[string]string{"company_size": "12.5", "job_title": "Chief VP"}},
		{Fields: map[string]string{}},
	}
	for _, x := range novel {
		got := c.Evaluate(x.Lead(), nil, time.Time{}).FitPoints
		if want := pointsOf(x); got != want {
			t.Errorf("%v: qualify %d, model %d", x.Fields, got, want)
		}
	}
	if p := pointsOf(Example{Fields: map[string]string{}}); p != 0 {
		t.Errorf("a lead with nothing given scores %d, want 0", p)
	}
}
