package report

import (
	"math"
	"strings"
	"testing"
)

// TestAnytimeP: the always-valid p is 1/Λ of the mixture SPRT, written
// here in its textbook form (Johari et al.: θ the difference of the
// rates, V its variance, τ² the mixture's, both in units of one trial's
// variance) rather than anytimeP's; at the bar it equals Alpha.
func TestAnytimeP(t *testing.T) {
	textbook := func(z float64, n1, n2 int64) float64 {
		v := 1/float64(n1) + 1/float64(n2) // σ² = 1: θ/√V = z
		theta2 := z * z * v
		lambda := math.Sqrt(v/(v+mixture)) * math.Exp(theta2*mixture/(2*v*(v+mixture)))
		return math.Min(1, 1/lambda)
	}
	tests := []struct {
		z      float64
		n1, n2 int64
		want   float64 // checked when > 0
	}{
		{0, 100, 100, 1}, // no difference: Λ = √ρ < 1
		// The bar, z² = (2·ln(1/α) + ln(1 + n·mixture)) / (1 − ρ):
		{3.056120, 200, 200, Alpha}, // 1.96 at a single look
		{3.909713, 30, 30, Alpha},   // the minimum sample
		{3.101539, 1000, 1000, Alpha},
		{3.051940, 350, 150, Alpha},    // a 70/30 split
		{2.800560, 200, 200, 0.093285}, // p = 0.005 at a single look
		{-2.800560, 200, 200, 0.093285},
		{1.429301, 1000, 1000, 1},
		{5, 400, 90, 0},
		{2.5, 31, 5000, 0},
	}
	for _, tt := range tests {
		got := anytimeP(tt.z, tt.n1, tt.n2)
		if want := textbook(tt.z, tt.n1, tt.n2); math.Abs(got-want) > 1e-9 {
			t.Errorf("anytimeP(%v, %d, %d) = %v, the textbook mSPRT says %v", tt.z, tt.n1, tt.n2, got, want)
		}
		if tt.want > 0 && math.Abs(got-tt.want) > 1e-5 {
			t.Errorf("anytimeP(%v, %d, %d) = %v, want %v", tt.z, tt.n1, tt.n2, got, tt.want)
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
		// p is always valid (anytimeP): 200 vs 200, 20 vs 40 would be
		// p = 0.005 at a single look.
		{"200 vs 200 leads, 20 vs 40 SAL", 200, 20, 200, 40, true, 2.800560, 0.093285},
		{"the other way round", 200, 40, 200, 20, true, -2.800560, 0.093285},
		{"300 vs 300, 10% vs 20%", 300, 30, 300, 60, true, 3.429972, 0.016240},
		{"400 vs 400, 10% vs 20%", 400, 40, 400, 80, true, 3.960590, 0.002655},
		{"1000 vs 1000, 10% vs 12%", 1000, 100, 1000, 120, true, 1.429301, 1},
		{"60 vs 60, 10 vs 20", 60, 10, 60, 20, true, 2.108185, 0.416784},
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
		{"B better to SAL, no MQL difference", []Source{variant("A", 300, 90, 30), variant("B", 300, 96, 60)},
			[]string{"B converts better to SAL than A (20.0% vs 10.0%, p = 0.02)",
				"no winner yet: needs more leads (B 32.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.05)"},
			[]string{"B", ""}},
		{"baseline better", []Source{variant("A", 300, 90, 60), variant("B", 300, 90, 30)},
			[]string{"A converts better to SAL than B (20.0% vs 10.0%, p = 0.02)",
				"no winner yet: needs more leads (B 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.05)"},
			[]string{"A", ""}},
		// 20% vs 10% of 200 leads each is p = 0.005 at a single look, but
		// a test looked at every week needs more before it names a winner.
		{"a single look's p = 0.005 is no winner yet", []Source{variant("A", 200, 60, 20), variant("B", 200, 60, 40)},
			[]string{"no winner yet: needs more leads (B 20.0% vs A 10.0% so far, p = 0.09; a winner needs p < 0.05)",
				"no winner yet: needs more leads (B 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.05)"},
			[]string{"", ""}},
		{"small sample", []Source{variant("A", 20, 10, 5), variant("B", 25, 12, 9)},
			[]string{"not enough data yet (needs 30 leads and about 5 SAL per variant)", "not enough data yet (needs 30 leads and about 5 MQL per variant)"},
			[]string{"", ""}},
		{"three variants: each against A", []Source{variant("A", 300, 90, 30), variant("B", 300, 90, 33), variant("C", 300, 90, 60)},
			[]string{"no winner yet: needs more leads (B 11.0% vs A 10.0% so far, p = 1.00; a winner needs p < 0.025, 2 variants being compared with A)",
				"no winner yet: needs more leads (B 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.025, 2 variants being compared with A)",
				"C converts better to SAL than A (20.0% vs 10.0%, p = 0.02)",
				"no winner yet: needs more leads (C 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.025, 2 variants being compared with A)"},
			[]string{"", "", "C", ""}},
		// A retired in the period: only its accepted leads of before
		// count, it has no rate; B and C are the test.
		{"first variant without leads", []Source{variant("A", 0, 0, 3), variant("B", 300, 90, 30), variant("C", 300, 90, 60)},
			[]string{"C converts better to SAL than B (20.0% vs 10.0%, p = 0.02)",
				"no winner yet: needs more leads (C 30.0% vs B 30.0% so far, p = 1.00; a winner needs p < 0.05)"},
			[]string{"C", ""}},
		{"only one variant with leads", []Source{variant("A", 0, 0, 3), variant("B", 300, 90, 30)}, nil, nil},
		// Four offers of the same quality show a "winner" against A in one
		// campaign in eight at p < 0.05 each: three comparisons share the
		// 5% (Bonferroni), so D's 19.3% vs 10% at p = 0.03 is no winner
		// yet, and its verdict says why.
		{"four variants: each needs p < 0.05/3", []Source{variant("A", 300, 90, 30), variant("B", 300, 90, 33), variant("C", 300, 90, 30), variant("D", 300, 90, 58)},
			[]string{"no winner yet: needs more leads (B 11.0% vs A 10.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)",
				"no winner yet: needs more leads (B 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)",
				"no winner yet: needs more leads (C 10.0% vs A 10.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)",
				"no winner yet: needs more leads (C 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)",
				"no winner yet: needs more leads (D 19.3% vs A 10.0% so far, p = 0.03; a winner needs p < 0.017, 3 variants being compared with A)",
				"no winner yet: needs more leads (D 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)"},
			[]string{"", "", "", "", "", ""}},
		{"four variants: a clear winner still wins", []Source{variant("A", 300, 90, 30), variant("B", 300, 90, 33), variant("C", 300, 90, 30), variant("D", 300, 90, 66)},
			[]string{"no winner yet: needs more leads (B 11.0% vs A 10.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)",
				"no winner yet: needs more leads (B 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)",
				"no winner yet: needs more leads (C 10.0% vs A 10.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)",
				"no winner yet: needs more leads (C 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)",
				"D converts better to SAL than A (22.0% vs 10.0%, p = 0.002)",
				"no winner yet: needs more leads (D 30.0% vs A 30.0% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with A)"},
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
