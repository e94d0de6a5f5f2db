package report

import (
	"fmt"
	"math"
	"strconv"
)

// Minimum sample for an A/B comparison: below it the normal approximation
// is not trustworthy and the verdict is "not enough data yet".
const (
	MinLeadsPerVariant = 30 // leads in each variant
	MinSuccesses       = 5  // expected successes and failures in each variant at the pooled rate
)

// Alpha is the error rate the A/B verdicts promise: the chance, per
// campaign and conversion, that offers of the same quality are ever
// reported as a winner — however many times the test is looked at while
// its counts grow (every weekly digest, every reload of the dashboard)
// and however long it runs. A fixed-level test re-run on growing counts
// does not keep that promise: looked at weekly for a quarter, p < 0.05
// names a winner between equal offers about one time in five. So P is an
// always-valid p-value (anytimeP), which stays below Alpha, at any look,
// with chance at most Alpha when the offers are equal. A campaign with
// more than two variants shares Alpha among its comparisons with the
// first (Bonferroni): each needs P < Alpha / comparisons, as four offers
// of the same quality compared at Alpha each would show a "winner" in
// one campaign in eight.
const Alpha = 0.05

// mixture is the spread of the differences the always-valid test looks
// for, as a variance in units of one lead's (p·(1 − p) at the pooled
// rate): 0.05 puts its weight on standardized differences of about
// √0.05 ≈ 0.22 — 10% against 17%, 4% against 8% — the lifts an offer
// test is run to find within a few hundred leads or a few thousand views
// per variant. Any value keeps the Alpha guarantee; this one only sets
// which differences are found soonest, and the bar a z must clear varies
// little with it (about 3.1 from 100 to 1,000 leads per variant; 1.96 is
// the bar of a single look).
const mixture = 0.05

// ABTest compares one variant with the campaign's baseline variant on one
// conversion.
type ABTest struct {
	Campaign    string `json:"campaign"`
	Metric      string `json:"metric"`       // "view_to_lead", "lead_to_sal" or "lead_to_mql"
	MetricLabel string `json:"metric_label"` // "lead → SAL"
	// Sample is what each arm's rate is out of: "views" (view_to_lead:
	// the arm's views, its leads being its successes) or "leads".
	Sample      string  `json:"sample"`
	Baseline    Arm     `json:"baseline"` // the campaign's control (Economics.Controls), else its first variant by id with views (view_to_lead) or leads in the period
	Variant     Arm     `json:"variant"`
	Enough      bool    `json:"enough_data"` // the minimum sample is met
	Z           float64 `json:"z"`           // (variant − baseline) / pooled SE; 0 without enough data
	P           float64 `json:"p"`           // two-sided, always valid (anytimeP); 1 without enough data
	Significant bool    `json:"significant"` // P < Threshold
	// Threshold is the p a difference needs: Alpha shared among the
	// campaign's comparisons with its first variant (Alpha / comparisons).
	Threshold float64 `json:"threshold"`
	// Comparisons is how many variants were compared with the first.
	Comparisons int    `json:"comparisons"`
	Winner      string `json:"winner"`  // the variant that converts better when significant, else ""
	Verdict     string `json:"verdict"` // in plain words
	// Since is the first month the test counts when that is not its
	// report's (the digest's tests: TestsFromStart), else "".
	Since string `json:"since,omitempty"`
}

// TestsFromStart counts each campaign's A/B tests in r from the test's
// own start to r's last month, out of history (the counters of r's
// months and of earlier ones). A test starts in the month its last
// variant started: the latest of its variants' first months with
// counters. The always-valid p holds for looks at one growing sample; a
// report whose period moves its start (the digest: last month and this
// one) would start a new sample every month and, over a long test, give
// equal offers fresh chances of a winner. Counting from the start also
// leaves out the months a control ran alone. A change of variants starts
// a new test. Only the tests change; every other figure is r's period.
func (r *Report) TestsFromStart(history []Source, econ Economics) {
	first := map[[2]string]string{} // campaign, variant → its first month with counters
	for _, s := range history {
		if s.Rep != "" || s.Variant == "" || s.Month > r.Period.To || !s.Counters.nonzero() {
			continue
		}
		k := [2]string{s.Campaign, s.Variant}
		if m, ok := first[k]; !ok || s.Month < m {
			first[k] = s.Month
		}
	}
	for i := range r.Campaigns {
		c := &r.Campaigns[i]
		name, start := c.Total.Campaign, ""
		if len(c.Tests) == 0 {
			continue
		}
		for _, v := range c.Variants {
			start = max(start, first[[2]string{name, v.Variant}])
		}
		if start == "" || start == r.Period.From {
			continue
		}
		var own []Source
		for _, s := range history {
			if s.Campaign == name && s.Month >= start {
				own = append(own, s)
			}
		}
		span := Build(own, econ, Period{From: start, To: r.Period.To})
		for _, sc := range span.Campaigns {
			if sc.Total.Campaign != name {
				continue
			}
			c.Tests = sc.Tests
			for j := range c.Tests {
				c.Tests[j].Since = start
			}
		}
	}
}

// Arm is one side of a comparison.
type Arm struct {
	Variant   string `json:"variant"`
	Leads     int64  `json:"leads"`
	Successes int64  `json:"successes"`
	Views     int64  `json:"views,omitempty"` // view_to_lead: the sample (Leads are its successes)
	Rate      Ratio  `json:"rate"`
}

// Of is what the arm's rate is out of: its views in a view → lead test,
// else its leads.
func (a Arm) Of() int64 {
	if a.Views > 0 {
		return a.Views
	}
	return a.Leads
}

// abTests compares every other variant with the control — the one the
// campaign file lists first and shows (control), else the first by id — on view →
// lead (the offer's own conversion: leads from its page of its page's
// views), then lead → SAL and lead → MQL. Comparing with the control
// rather than with the current leader keeps the baseline from moving as
// numbers come in. A variant without views in the period has no view →
// lead and one without leads (retired before it, whose earlier leads
// still move down the funnel) no lead rates: it is neither the control
// nor compared on them. Each family of tests shares Alpha among its own
// comparisons.
func abTests(campaign, control string, variants []Row) []ABTest {
	tests := viewTests(campaign, control, variants)
	arms := armsOf(control, variants, func(r Row) bool { return r.Leads > 0 })
	if len(arms) < 2 {
		return tests
	}
	base := arms[0]
	comparisons := len(arms) - 1
	for _, v := range arms[1:] {
		for _, m := range []struct {
			id, label, stage string
			count            func(Row) int64
		}{
			{"lead_to_sal", "lead → SAL", "SAL", func(r Row) int64 { return r.Funnel.SAL }},
			{"lead_to_mql", "lead → MQL", "MQL", func(r Row) int64 { return r.Funnel.MQL }},
		} {
			t := TwoProportion(base.Leads, m.count(base), v.Leads, m.count(v))
			t.Campaign, t.Metric, t.MetricLabel, t.Sample = campaign, m.id, m.label, "leads"
			t.Baseline.Variant, t.Variant.Variant = base.Variant, v.Variant
			t.judge(comparisons)
			t.Verdict = t.verdict(words{sample: "leads", stage: m.stage, better: "converts better to " + m.stage + " than"})
			tests = append(tests, t)
		}
	}
	return tests
}

// judge decides a comparison, one of comparisons with the same control:
// its share of Alpha (Bonferroni), whether it is significant, and then
// the winner, the side that converts better.
func (t *ABTest) judge(comparisons int) {
	t.Comparisons, t.Threshold = comparisons, Alpha/float64(comparisons)
	t.Significant = t.Enough && t.P < t.Threshold
	if t.Significant {
		t.Winner = t.Variant.Variant
		if t.Z < 0 {
			t.Winner = t.Baseline.Variant
		}
	}
}

// armsOf are the variants that take part in one family of tests (in),
// the control first — else the first by id of them.
func armsOf(control string, variants []Row, in func(Row) bool) []Row {
	var arms []Row
	for _, v := range variants {
		if !in(v) {
			continue
		}
		if v.Variant == control {
			arms = append([]Row{v}, arms...)
		} else {
			arms = append(arms, v)
		}
	}
	return arms
}

// viewTests compare the variants with views on view → lead: each one's
// leads from its own page out of its page's views, by the same test and
// rules as the funnel's (minimum sample, Bonferroni among the variants
// with views). A variant with more page leads than views (views of an
// earlier month, or lost) cannot be compared and says so.
func viewTests(campaign, control string, variants []Row) []ABTest {
	arms := armsOf(control, variants, func(r Row) bool { return r.Views > 0 })
	if len(arms) < 2 {
		return nil
	}
	base := arms[0]
	comparisons := len(arms) - 1
	var tests []ABTest
	for _, v := range arms[1:] {
		t := TwoProportion(base.Views, base.PageLeads, v.Views, v.PageLeads)
		t.Campaign, t.Metric, t.MetricLabel, t.Sample = campaign, "view_to_lead", "view → lead", "views"
		t.Baseline.Variant, t.Variant.Variant = base.Variant, v.Variant
		t.Baseline.Leads, t.Baseline.Views = base.PageLeads, base.Views
		t.Variant.Leads, t.Variant.Views = v.PageLeads, v.Views
		t.judge(comparisons)
		t.Verdict = t.verdict(words{sample: "views", stage: "leads", better: "converts visitors to leads better than"})
		for _, a := range []Row{base, v} {
			if a.PageLeads > a.Views {
				t.Verdict = fmt.Sprintf("not comparable: %s has more leads from its page than counted views (views of an earlier month, or lost)", name(a.Variant))
				break
			}
		}
		tests = append(tests, t)
	}
	return tests
}

// words are how a verdict names its test: what the sample counts, the
// stage converted to, and the winner's phrase.
type words struct{ sample, stage, better string }

// TwoProportion is the pooled two-proportion z-test of x2/n2 against
// x1/n1, two-sided, by the normal approximation, with an always-valid P
// (anytimeP): valid however often it is computed again as the counts
// grow. Below the minimum sample (or with impossible counts: more
// successes than leads) it reports Enough false, Z 0 and P 1. It is one
// comparison (Threshold Alpha): abTests shares Alpha among a campaign's.
// Campaign, metric, variant names and the verdict are left for the
// caller.
func TwoProportion(n1, x1, n2, x2 int64) ABTest {
	t := ABTest{
		Baseline:    Arm{Leads: n1, Successes: x1, Rate: ratio(x1, n1)},
		Variant:     Arm{Leads: n2, Successes: x2, Rate: ratio(x2, n2)},
		P:           1,
		Threshold:   Alpha,
		Comparisons: 1,
	}
	if n1 < MinLeadsPerVariant || n2 < MinLeadsPerVariant || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2 {
		return t
	}
	pool := float64(x1+x2) / float64(n1+n2)
	for _, n := range []int64{n1, n2} {
		if float64(n)*pool < MinSuccesses || float64(n)*(1-pool) < MinSuccesses {
			return t
		}
	}
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	z := (t.Variant.Rate.Value() - t.Baseline.Rate.Value()) / se
	p := anytimeP(z, n1, n2)
	if se <= 0 || math.IsNaN(z) || math.IsInf(z, 0) || math.IsNaN(p) {
		return t
	}
	t.Enough, t.Z, t.P = true, z, p
	t.Significant = p < Alpha
	return t
}

// verdict says in plain words whether there is a winner and, when there
// is none, why: too small a sample to test, or a difference the counts
// so far cannot yet tell from chance (with the p it has and the p a
// winner needs).
func (t ABTest) verdict(w words) string {
	if !t.Enough {
		return fmt.Sprintf("not enough data yet (needs %d %s and about %d %s per variant)",
			MinLeadsPerVariant, w.sample, MinSuccesses, w.stage)
	}
	if !t.Significant {
		needs := "p < " + strconv.FormatFloat(t.Threshold, 'f', 2, 64)
		if t.Comparisons > 1 {
			needs = fmt.Sprintf("p < %s, %d variants being compared with %s",
				strconv.FormatFloat(t.Threshold, 'f', 3, 64), t.Comparisons, name(t.Baseline.Variant))
		}
		return fmt.Sprintf("no winner yet: needs more %s (%s %s vs %s %s so far, %s; a winner needs %s)",
			w.sample, name(t.Variant.Variant), t.Variant.Rate, name(t.Baseline.Variant), t.Baseline.Rate, FormatP(t.P), needs)
	}
	winner, loser, hi, lo := name(t.Variant.Variant), name(t.Baseline.Variant), t.Variant.Rate, t.Baseline.Rate
	if t.Z < 0 {
		winner, loser, hi, lo = loser, winner, lo, hi
	}
	return fmt.Sprintf("%s %s %s (%s vs %s, %s)", winner, w.better, loser, hi, lo, FormatP(t.P))
}

// FormatP writes a p-value for people: "p = 0.03", "p = 0.005", "p < 0.001".
func FormatP(p float64) string {
	switch {
	case p < 0.001:
		return "p < 0.001"
	case p < 0.01, p < 0.06 && p >= 0.045:
		// Three decimals where two would blur the 0.05 line.
		return "p = " + strconv.FormatFloat(p, 'f', 3, 64)
	default:
		return "p = " + strconv.FormatFloat(p, 'f', 2, 64)
	}
}

func name(variant string) string {
	if variant == "" {
		return "(no variant)"
	}
	return variant
}

// anytimeP is the always-valid two-sided p-value of a pooled z from n1
// and n2 trials: 1/Λ (at most 1), where Λ is the mixture sequential
// probability ratio (mSPRT; Johari, Pekelis and Walsh, "Always valid
// inference", 2017) of "the rates differ", the difference drawn from a
// normal of variance mixture (in units of one trial's), against "they
// are equal", with the z-test's normal approximation: with n = 1/(1/n1
// + 1/n2) and ρ = 1/(1 + n·mixture), Λ = √ρ · exp(z²·(1 − ρ)/2). Under
// equal rates Λ is a martingale as trials come in, so by Ville's
// inequality the chance that it ever reaches 1/α — that P ever falls to
// α, at any look however many — is at most α. The bar z must clear grows
// slowly with the sample (about 3.1 at 100 to 1,000 trials per arm, 3.9
// at 30), which is the price of looking as often as one likes.
func anytimeP(z float64, n1, n2 int64) float64 {
	n := 1 / (1/float64(n1) + 1/float64(n2))
	rho := 1 / (1 + n*mixture)
	return math.Min(1, math.Exp(-(math.Log(rho)/2 + z*z*(1-rho)/2)))
}
