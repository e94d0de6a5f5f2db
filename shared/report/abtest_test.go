package report

import (
	"math"
	"strings"
	"testing"
)

func TestTwoSidedP(t *testing.T) {
	// Standard normal critical values.
	tests := []struct{ z, p float64 }{
		{0, 1}, {1.959964, 0.05}, {-1.959964, 0.05}, {2.575829, 0.01}, {3.290527, 0.001},
	}
	for _, tt := range tests {
		if got := twoSidedP(tt.z); math.Abs(got-tt.p) > 1e-6 {
			t.Errorf("p(%v) = %v, want %v", tt.z, got, tt.p)
		}
	}
}

func TestTwoProportion(t *testing.T) {
	tests := []struct {
		name           string
		n1, x1, n2, x2 int64
		enough         bool
		z, p           float64 // checked when enough
	}{
		// Pooled rate 0.15, SE = √(0.15·0.85·(1/200+1/200)) = 0.035707.
		{"200 vs 200 leads, 20 vs 40 SAL", 200, 20, 200, 40, true, 2.800560, 0.005101},
		{"the other way round", 200, 40, 200, 20, true, -2.800560, 0.005101},
		{"1000 vs 1000, 10% vs 12%", 1000, 100, 1000, 120, true, 1.429301, 0.152918},
		{"60 vs 60, 10 vs 20", 60, 10, 60, 20, true, 2.108185, 0.035015},
		{"equal rates", 100, 30, 100, 30, true, 0, 1},
		{"29 leads in one variant", 29, 10, 200, 40, false, 0, 1},
		{"too few successes: 1 vs 2 of 40", 40, 1, 40, 2, false, 0, 1},
		{"too few failures: 39 vs 40 of 40", 40, 39, 40, 40, false, 0, 1},
		{"no successes at all", 100, 0, 100, 0, false, 0, 1},
		{"more successes than leads", 40, 50, 40, 10, false, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TwoProportion(tt.n1, tt.x1, tt.n2, tt.x2)
			if got.Enough != tt.enough {
				t.Fatalf("enough = %v, want %v", got.Enough, tt.enough)
			}
			if math.Abs(got.Z-tt.z) > 1e-5 || math.Abs(got.P-tt.p) > 1e-5 {
				t.Errorf("z, p = %.6f, %.6f; want %.6f, %.6f", got.Z, got.P, tt.z, tt.p)
			}
			if got.Significant != (tt.enough && tt.p < Alpha) {
				t.Errorf("significant = %v", got.Significant)
			}
		})
	}
}

func TestABVerdicts(t *testing.T) {
	variant := func(v string, leads, mql, sal int64) Source {
		return Source{Campaign: "q4", Variant: v, Month: "2026-11", Counters: Counters{"leads": leads, "mql": mql, "sal": sal}}
	}
	tests := []struct {
		name    string
		sources []Source
		verdict []string // SAL then MQL, per non-baseline variant
		winner  []string
	}{
		{"B better to SAL, no MQL difference", []Source{variant("A", 200, 60, 20), variant("B", 200, 64, 40)},
			[]string{"B converts better to SAL than A (20.0% vs 10.0%, p = 0.005)", "no significant difference yet (p = 0.67)"},
			[]string{"B", ""}},
		{"baseline better", []Source{variant("A", 200, 60, 40), variant("B", 200, 60, 20)},
			[]string{"A converts better to SAL than B (20.0% vs 10.0%, p = 0.005)", "no significant difference yet (p = 1.00)"},
			[]string{"A", ""}},
		{"small sample", []Source{variant("A", 20, 10, 5), variant("B", 25, 12, 9)},
			[]string{"not enough data yet (needs 30 leads and about 5 SAL per variant)", "not enough data yet (needs 30 leads and about 5 MQL per variant)"},
			[]string{"", ""}},
		{"three variants: each against A", []Source{variant("A", 200, 60, 20), variant("B", 200, 60, 22), variant("C", 200, 60, 40)},
			[]string{"no significant difference yet (p = 0.74)", "no significant difference yet (p = 1.00)",
				"C converts better to SAL than A (20.0% vs 10.0%, p = 0.005)", "no significant difference yet (p = 1.00)"},
			[]string{"", "", "C", ""}},
		// A retired in the period: only its accepted leads of before
		// count, it has no rate; B and C are the test.
		{"first variant without leads", []Source{variant("A", 0, 0, 3), variant("B", 200, 60, 20), variant("C", 200, 60, 40)},
			[]string{"C converts better to SAL than B (20.0% vs 10.0%, p = 0.005)", "no significant difference yet (p = 1.00)"},
			[]string{"C", ""}},
		{"only one variant with leads", []Source{variant("A", 0, 0, 3), variant("B", 200, 60, 20)}, nil, nil},
		// Four offers of the same quality show a "winner" against A in one
		// campaign in eight at p < 0.05 each: three comparisons share the
		// 5% (Bonferroni), so D's 18% vs 10% at p = 0.02 is no winner yet,
		// and its verdict says why.
		{"four variants: each needs p < 0.05/3", []Source{variant("A", 200, 60, 20), variant("B", 200, 60, 22), variant("C", 200, 60, 20), variant("D", 200, 60, 36)},
			[]string{"no significant difference yet (p = 0.74)",
				"no significant difference yet (p = 1.00)",
				"no significant difference yet (p = 1.00)",
				"no significant difference yet (p = 1.00)",
				"no significant difference yet (p = 0.02; 3 variants compared with A: each needs p < 0.017)",
				"no significant difference yet (p = 1.00)"},
			[]string{"", "", "", "", "", ""}},
		{"four variants: a clear winner still wins", []Source{variant("A", 200, 60, 20), variant("B", 200, 60, 22), variant("C", 200, 60, 20), variant("D", 200, 60, 40)},
			[]string{"no significant difference yet (p = 0.74)",
				"no significant difference yet (p = 1.00)",
				"no significant difference yet (p = 1.00)",
				"no significant difference yet (p = 1.00)",
				"D converts better to SAL than A (20.0% vs 10.0%, p = 0.005)",
				"no significant difference yet (p = 1.00)"},
			[]string{"", "", "", "", "D", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Build(tt.sources, Economics{}, Period{})
			tests := r.Campaigns[0].Tests
			if len(tests) != len(tt.verdict) {
				t.Fatalf("%d tests, want %d", len(tests), len(tt.verdict))
			}
			for i, at := range tests {
				if at.Verdict != tt.verdict[i] || at.Winner != tt.winner[i] {
					t.Errorf("test %d (%s %s vs %s): verdict %q winner %q; want %q, %q",
						i, at.Metric, at.Variant.Variant, at.Baseline.Variant, at.Verdict, at.Winner, tt.verdict[i], tt.winner[i])
				}
			}
		})
	}
	one := Build([]Source{variant("A", 500, 100, 50)}, Economics{}, Period{})
	if len(one.Campaigns[0].Tests) != 0 {
		t.Error("a single variant is no A/B test")
	}
}

func TestFormatP(t *testing.T) {
	tests := []struct {
		p    float64
		want string
	}{
		{0.0004, "p < 0.001"}, {0.0051, "p = 0.005"}, {0.03, "p = 0.03"}, {0.0312, "p = 0.03"},
		{0.0499, "p = 0.050"}, {0.052, "p = 0.052"}, {0.41, "p = 0.41"}, {1, "p = 1.00"},
	}
	for _, tt := range tests {
		if got := FormatP(tt.p); got != tt.want {
			t.Errorf("FormatP(%v) = %q, want %q", tt.p, got, tt.want)
		}
	}
	if !strings.HasPrefix(FormatP(0.2), "p = ") {
		t.Error("prefix")
	}
}

// The control a campaign file lists first is every variant's baseline,
// whatever the ids' order: "original" against "bundle" and "discount",
// not "bundle" (first by id) against the others.
func TestABBaselineIsTheCampaignsControl(t *testing.T) {
	variant := func(v string, leads, sal int64) Source {
		return Source{Campaign: "q4", Variant: v, Month: "2026-11", Counters: Counters{"leads": leads, "mql": leads / 2, "sal": sal}}
	}
	sources := []Source{variant("original", 200, 20), variant("bundle", 200, 22), variant("discount", 200, 40)}
	tests := []struct {
		name     string
		controls map[string]string
		want     []string // "variant vs baseline" per metric pair
	}{
		{"the control named", map[string]string{"q4": "original"}, []string{"bundle vs original", "discount vs original"}},
		{"no control known: the first by id", nil, []string{"discount vs bundle", "original vs bundle"}},
		{"a control without leads in the period: the first by id", map[string]string{"q4": "retired"}, []string{"discount vs bundle", "original vs bundle"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Build(sources, Economics{Controls: tt.controls}, Period{})
			var got []string
			for i, at := range r.Campaigns[0].Tests {
				if i%2 == 0 {
					got = append(got, at.Variant.Variant+" vs "+at.Baseline.Variant)
				}
			}
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("compared %v, want %v", got, tt.want)
			}
		})
	}
}
