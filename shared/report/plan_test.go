package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/report"
)

func TestWilson(t *testing.T) {
	for _, tt := range []struct {
		k, n      int64
		low, high float64
	}{
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{5, 10, 0.2366, 0.7634},
		{1, 2, 0.0945, 0.9055},
		{10, 25, 0.2340, 0.5926},
		{500, 1000, 0.4691, 0.5309},
		{0, 0, 0, 1},        // nothing measured: anything
		{12, 10, 0.7225, 1}, // more successes than trials: clamped
		{-1, 10, 0, 0.2775},
	} {
		iv := report.Wilson(tt.k, tt.n)
		if math.Abs(iv.Low-tt.low) > 5e-5 || math.Abs(iv.High-tt.high) > 5e-5 {
			t.Errorf("Wilson(%d, %d) = [%.5f, %.5f], want [%.4f, %.4f]", tt.k, tt.n, iv.Low, iv.High, tt.low, tt.high)
		}
		if p := float64(min(max(tt.k, 0), tt.n)) / float64(max(tt.n, 1)); tt.n > 0 && (iv.Low > p || iv.High < p) {
			t.Errorf("Wilson(%d, %d) = %+v does not hold the rate %v", tt.k, tt.n, iv, p)
		}
	}
}

// TestRateWords: rates and intervals on screen come from the counts,
// not from the JSON's 4 decimals (rounding twice would show 3 of 17 as
// 17.7% and 6 of 8's 92.852% as 92.8%).
func TestRateWords(t *testing.T) {
	for _, tt := range []struct {
		k, n          int64
		pct, interval string
	}{
		{3, 17, "17.6%", "6.2–41.0%"},
		{6, 8, "75.0%", "40.9–92.9%"},
		{0, 0, "—", "0.0–100.0%"},
	} {
		r := report.StageRate{Successes: tt.k, N: tt.n, Rate: 0.1765}
		if r.Pct() != tt.pct || r.IntervalWords() != tt.interval {
			t.Errorf("%d of %d: %s %s, want %s %s", tt.k, tt.n, r.Pct(), r.IntervalWords(), tt.pct, tt.interval)
		}
	}
}

func TestParsePlanPeriod(t *testing.T) {
	for _, tt := range []struct {
		in, label, from, to string
		months              int
		words               string
	}{
		{"2027-Q1", "2027-Q1", "2027-01", "2027-03", 3, "Q1 2027 (Jan 2027 – Mar 2027)"},
		{"2027-q4", "2027-Q4", "2027-10", "2027-12", 3, "Q4 2027 (Oct 2027 – Dec 2027)"},
		{"2027", "2027", "2027-01", "2027-12", 12, "2027"},
		{"2027-03", "2027-03", "2027-03", "2027-03", 1, "Mar 2027"},
		{" 2028-Q2 ", "2028-Q2", "2028-04", "2028-06", 3, "Q2 2028 (Apr 2028 – Jun 2028)"},
	} {
		p, err := report.ParsePlanPeriod(tt.in)
		if err != nil || p.Label != tt.label || p.From != tt.from || p.To != tt.to || p.Months != tt.months || p.Words() != tt.words {
			t.Errorf("ParsePlanPeriod(%q) = %+v %q, %v", tt.in, p, p.Words(), err)
		}
	}
	for _, bad := range []string{"", "2027-Q5", "2027-Q0", "2027-13", "2027-3", "Q1-2027", "27", "2027-Q1-", "1999", "1999-Q1", "2027/03", "next quarter"} {
		if _, err := report.ParsePlanPeriod(bad); err == nil || !strings.Contains(err.Error(), "a year (2027), a quarter (2027-Q1) or a month (2027-03)") {
			t.Errorf("ParsePlanPeriod(%q): err = %v", bad, err)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
		err  string
	}{
		{"100000", 100000, ""},
		{"2500.50", 2500.5, ""},
		{" 7 ", 7, ""},
		{"0", 0, "must be more than 0"},
		{"0.00", 0, "must be more than 0"},
		{"-5", 0, "must be an amount like 100000"},
		{"100,000", 0, "no thousands separator"},
		{"€100", 0, "currency sign"},
		{"1e5", 0, "must be an amount like 100000"},
		{"NaN", 0, "must be an amount like 100000"},
		{"12.345", 0, "must be an amount like 100000"},
		{"", 0, "must be an amount like 100000"},
		{"1000000000001", 0, "must be at most 1,000,000,000,000"},
	} {
		got, err := report.ParseTarget(tt.in)
		if tt.err == "" && (err != nil || got != tt.want) || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("ParseTarget(%q) = %v, %v; want %v %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestLookbackFor(t *testing.T) {
	for _, tt := range []struct {
		now      time.Time
		months   int
		from, to string
	}{
		{time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC), 12, "2025-12", "2026-11"},
		{time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), 2, "2026-02", "2026-03"}, // no Feb 31 overflow
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1, "2026-01", "2026-01"},
	} {
		if p := report.LookbackFor(tt.now, tt.months); p.From != tt.from || p.To != tt.to {
			t.Errorf("LookbackFor(%s, %d) = %+v", tt.now, tt.months, p)
		}
	}
}

// planSources are the counters of a known population, lookback
// 2025-12..2026-11:
//
//	alpha  200 leads → 100 MQL → 50 SAL → 25 SQL → 10 won, €100,000 (2 months, with variants); spend €5,000
//	beta    90 → 60 → 40 → 20 → 10 won, €50,000; no spend
//	gamma   10 → 5 → 3 → 2 → 1 won, €5,000: every interval too wide
//	delta   20 → 10 → 0 SAL
//	zeta   100 → 100 → 100 → 100 → 50 won, none with an amount
//	eta    100 → 100 → 100 → 5 SQL → 8 won
//	epsilon a spend, no counters
//
// and counters outside the lookback that must not count.
func planSources() ([]report.Source, report.Economics) {
	c := func(kv ...any) report.Counters {
		out := report.Counters{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = int64(kv[i+1].(int))
		}
		return out
	}
	src := []report.Source{
		// alpha: March by its variants only, October as a total.
		{Campaign: "alpha", Variant: "a", Month: "2026-03", Counters: c("leads", 60, "mql", 30, "sal", 15, "sql", 10, "won", 4, "won_valued", 4, "revenue_minor", 4000000)},
		{Campaign: "alpha", Variant: "b", Month: "2026-03", Counters: c("leads", 40, "mql", 20, "sal", 10, "sql", 5, "won", 2, "won_valued", 2, "revenue_minor", 2000000)},
		{Campaign: "alpha", Month: "2026-10", Counters: c("leads", 100, "mql", 50, "sal", 25, "sql", 10, "won", 4, "won_valued", 4, "revenue_minor", 4000000)},
		{Campaign: "alpha", Variant: "a", Month: "2026-10", Counters: c("leads", 100, "mql", 50)},
		{Campaign: "beta", Month: "2026-11", Counters: c("leads", 90, "mql", 60, "sal", 40, "sql", 20, "won", 10, "won_valued", 10, "revenue_minor", 5000000)},
		{Campaign: "gamma", Month: "2026-11", Counters: c("leads", 10, "mql", 5, "sal", 3, "sql", 2, "won", 1, "won_valued", 1, "revenue_minor", 500000)},
		{Campaign: "delta", Month: "2026-11", Counters: c("leads", 20, "mql", 10)},
		{Campaign: "zeta", Month: "2026-11", Counters: c("leads", 100, "mql", 100, "sal", 100, "sql", 100, "won", 50)},
		{Campaign: "eta", Month: "2026-11", Counters: c("leads", 100, "mql", 100, "sal", 100, "sql", 5, "won", 8)},
		// Before the lookback and after it.
		{Campaign: "alpha", Month: "2025-11", Counters: c("leads", 9999, "won", 999, "won_valued", 999, "revenue_minor", 999999999)},
		{Campaign: "gamma", Month: "2026-12", Counters: c("leads", 9999, "mql", 9999, "sal", 9999, "sql", 9999, "won", 9999)},
	}
	return src, report.Economics{Spend: map[string]float64{"alpha": 5000, "epsilon": 300}}
}

func planFor(t *testing.T, target float64, period string) report.Plan {
	t.Helper()
	src, econ := planSources()
	p, err := report.ParsePlanPeriod(period)
	if err != nil {
		t.Fatal(err)
	}
	return report.BuildPlan(src, econ, report.PlanRequest{Target: target, Period: p,
		Lookback: report.LookbackFor(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), 12)})
}

func ptr(f float64) *float64 { return &f }

func eqPtr(a, b *float64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

// TestBuildPlanWorksBackwards checks every figure of a plan against the
// arithmetic done by hand: €250,000 in Q1, split 2:1 between alpha
// (€100,000 won in the lookback) and beta (€50,000).
func TestBuildPlanWorksBackwards(t *testing.T) {
	p := planFor(t, 250000, "2027-Q1")
	if p.Lookback != (report.Lookback{From: "2025-12", To: "2026-11", Months: 12, MonthsWithData: 3}) {
		t.Errorf("lookback %+v", p.Lookback)
	}
	if len(p.Campaigns) != 2 || p.Campaigns[0].Campaign != "alpha" || p.Campaigns[1].Campaign != "beta" {
		t.Fatalf("plannable campaigns: %+v", p.Campaigns)
	}
	alpha, beta := p.Campaigns[0], p.Campaigns[1]

	// Measured.
	if m := alpha.Measured; m.Leads != 200 || m.Won != 10 || m.Revenue != 100000 || m.AverageDeal != 10000 || !eqPtr(m.CostPerLead, ptr(25)) ||
		m.Months != 2 || m.LeadsPerMonth != 100 {
		t.Errorf("alpha measured %+v", m)
	}
	wantRates := []report.StageRate{
		{Stage: "lead_to_mql", Label: "Lead → MQL", Successes: 100, N: 200, Rate: 0.5, CI95: report.Interval{Low: 0.4314, High: 0.5686}},
		{Stage: "mql_to_sal", Label: "MQL → SAL", Successes: 50, N: 100, Rate: 0.5, CI95: report.Interval{Low: 0.4038, High: 0.5962}},
		{Stage: "sal_to_sql", Label: "SAL → SQL", Successes: 25, N: 50, Rate: 0.5, CI95: report.Interval{Low: 0.3664, High: 0.6336}},
		{Stage: "sql_to_won", Label: "SQL → won", Successes: 10, N: 25, Rate: 0.4, CI95: report.Interval{Low: 0.234, High: 0.5926}},
	}
	for i, w := range wantRates {
		if alpha.Measured.Rates[i] != w {
			t.Errorf("alpha rate %d = %+v, want %+v", i, alpha.Measured.Rates[i], w)
		}
	}
	if beta.Measured.CostPerLead != nil || beta.Measured.AverageDeal != 5000 || beta.Measured.Months != 1 {
		t.Errorf("beta measured %+v", beta.Measured)
	}

	// Split 2:1.
	if alpha.Share != 0.6667 || alpha.Target != 166666.67 || beta.Share != 0.3333 || beta.Target != 83333.33 {
		t.Errorf("split: alpha %v %v, beta %v %v", alpha.Share, alpha.Target, beta.Share, beta.Target)
	}

	// Backwards, each count rounded up: alpha 166,666.67 ÷ 10,000 = 16.7
	// → 17 won ÷ 0.4 = 42.5 → 43 SQL ÷ 0.5 = 86 SAL → 172 MQL → 344
	// leads × €25 = €8,600; 172 MQL × 15 min = 43 h × €60 = €2,580.
	// beta 83,333.33 ÷ 5,000 → 17 won ÷ 0.5 = 34 SQL → 68 SAL ÷ ⅔ = 102
	// MQL ÷ ⅔ = 153 leads, no budget; 102 × 15 min = 25.5 h.
	for _, tt := range []struct {
		name      string
		got, want report.Needed
	}{
		{"alpha", alpha.Needed, report.Needed{Won: 17, SQL: 43, SAL: 86, MQL: 172, Leads: 344, Budget: ptr(8600), SalesHours: 43, SalesCost: 2580}},
		{"alpha best", alpha.BestCase, report.Needed{Won: 17, SQL: 29, SAL: 46, MQL: 78, Leads: 138, Budget: ptr(3450), SalesHours: 19.5, SalesCost: 1170}},
		{"alpha worst", alpha.WorstCase, report.Needed{Won: 17, SQL: 73, SAL: 200, MQL: 496, Leads: 1150, Budget: ptr(28750), SalesHours: 124, SalesCost: 7440}},
		{"beta", beta.Needed, report.Needed{Won: 17, SQL: 34, SAL: 68, MQL: 102, Leads: 153, SalesHours: 25.5, SalesCost: 1530}},
		{"beta worst", beta.WorstCase, report.Needed{Won: 17, SQL: 57, SAL: 162, MQL: 300, Leads: 532, SalesHours: 75, SalesCost: 4500}},
		{"total", p.Total.Needed, report.Needed{Won: 34, SQL: 77, SAL: 154, MQL: 274, Leads: 497, Budget: ptr(8600), SalesHours: 68.5, SalesCost: 4110}},
		{"total worst", p.Total.WorstCase, report.Needed{Won: 34, SQL: 130, SAL: 362, MQL: 796, Leads: 1682, Budget: ptr(28750), SalesHours: 199, SalesCost: 11940}},
	} {
		if tt.got.Won != tt.want.Won || tt.got.SQL != tt.want.SQL || tt.got.SAL != tt.want.SAL || tt.got.MQL != tt.want.MQL ||
			tt.got.Leads != tt.want.Leads || !eqPtr(tt.got.Budget, tt.want.Budget) || tt.got.SalesHours != tt.want.SalesHours || tt.got.SalesCost != tt.want.SalesCost {
			t.Errorf("%s needs %+v (budget %v), want %+v (budget %v)", tt.name, tt.got, deref(tt.got.Budget), tt.want, deref(tt.want.Budget))
		}
	}
	// Per month over Q1's 3 months: 497 → 166 leads, €8,600 → €2,866.67.
	if pm := p.Total.PerMonth; pm.Leads != 166 || !eqPtr(pm.Budget, ptr(2866.67)) || pm.SalesHours != 22.83 {
		t.Errorf("per month %+v", pm)
	}
	if len(p.Total.BudgetMissing) != 1 || p.Total.BudgetMissing[0] != "beta" {
		t.Errorf("budget missing %v", p.Total.BudgetMissing)
	}
	// Now: €155,000 over 3 months with data = €51,666.67 a month; the
	// target's €83,333.33 a month is 1.61× that.
	if tt := p.Total; tt.TargetPerMonth != 83333.33 || !eqPtr(tt.RevenuePerMonth, ptr(51666.67)) || !eqPtr(tt.Multiple, ptr(1.61)) {
		t.Errorf("pace: %v %v %v", tt.TargetPerMonth, deref(tt.RevenuePerMonth), deref(tt.Multiple))
	}

	// +5 points at each stage, worked out before rounding: alpha needs
	// 333.3 leads and 166.7 MQLs exactly; 55% instead of 50% at any of
	// the first three stages makes it 303.0 leads (30 saved, × €25 =
	// €757.58), and from MQL → SAL on 151.5 MQLs (15.2 × 15 min = 3.79 h);
	// SQL → won 45% instead of 40%: 296.3 leads (37, €925.93) and 148.1
	// MQLs (4.63 h) — the lowest rate pays most.
	wantImp := map[string][]report.Improvement{
		"alpha": {
			{Stage: "lead_to_mql", Label: "Lead → MQL", From: 0.5, To: 0.55, LeadsSaved: 30, BudgetSaved: ptr(757.58), HoursSaved: 0},
			{Stage: "mql_to_sal", Label: "MQL → SAL", From: 0.5, To: 0.55, LeadsSaved: 30, BudgetSaved: ptr(757.58), HoursSaved: 3.79},
			{Stage: "sal_to_sql", Label: "SAL → SQL", From: 0.5, To: 0.55, LeadsSaved: 30, BudgetSaved: ptr(757.58), HoursSaved: 3.79},
			{Stage: "sql_to_won", Label: "SQL → won", From: 0.4, To: 0.45, LeadsSaved: 37, BudgetSaved: ptr(925.93), HoursSaved: 4.63},
		},
		// beta needs 150 leads, 100 MQLs exactly: SAL → SQL and SQL → won
		// (both 50%) save the same, 13.6 leads and 2.27 h: the earlier
		// stage is named.
		"beta": {
			{Stage: "lead_to_mql", Label: "Lead → MQL", From: 0.6667, To: 0.7167, LeadsSaved: 10, HoursSaved: 0},
			{Stage: "mql_to_sal", Label: "MQL → SAL", From: 0.6667, To: 0.7167, LeadsSaved: 10, HoursSaved: 1.74},
			{Stage: "sal_to_sql", Label: "SAL → SQL", From: 0.5, To: 0.55, LeadsSaved: 14, HoursSaved: 2.27},
			{Stage: "sql_to_won", Label: "SQL → won", From: 0.5, To: 0.55, LeadsSaved: 14, HoursSaved: 2.27},
		},
		// Summed before rounding; beta has no spend, so the total ranks
		// by leads.
		"total": {
			{Stage: "lead_to_mql", Label: "Lead → MQL", LeadsSaved: 41, BudgetSaved: ptr(757.58), HoursSaved: 0},
			{Stage: "mql_to_sal", Label: "MQL → SAL", LeadsSaved: 41, BudgetSaved: ptr(757.58), HoursSaved: 5.53},
			{Stage: "sal_to_sql", Label: "SAL → SQL", LeadsSaved: 44, BudgetSaved: ptr(757.58), HoursSaved: 6.06},
			{Stage: "sql_to_won", Label: "SQL → won", LeadsSaved: 51, BudgetSaved: ptr(925.93), HoursSaved: 6.9},
		},
	}
	gotImp := map[string][]report.Improvement{"alpha": alpha.Improvements, "beta": beta.Improvements, "total": p.Total.Improvements}
	for who, want := range wantImp {
		got := gotImp[who]
		if len(got) != len(want) {
			t.Fatalf("%s improvements %+v", who, got)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Stage != w.Stage || g.Label != w.Label || g.From != w.From || g.To != w.To || g.LeadsSaved != w.LeadsSaved ||
				!eqPtr(g.BudgetSaved, w.BudgetSaved) || g.HoursSaved != w.HoursSaved {
				t.Errorf("%s improvement %d = %+v (budget %v), want %+v (budget %v)", who, i, g, deref(g.BudgetSaved), w, deref(w.BudgetSaved))
			}
		}
	}
	for who, f := range map[string]*report.Improvement{"alpha": alpha.ImproveFirst, "beta": beta.ImproveFirst, "total": p.Total.ImproveFirst} {
		want := map[string]string{"alpha": "sql_to_won", "beta": "sal_to_sql", "total": "sql_to_won"}[who]
		if f == nil || f.Stage != want {
			t.Errorf("%s improves first %+v, want %s", who, f, want)
		}
	}

	// Not enough data, each with why, in campaign order; none in the totals.
	want := map[string][]string{
		"delta":   {"MQL → SAL is 0 of 10: no SALs yet, so no number of leads reaches the target"},
		"epsilon": {"no leads in the lookback"},
		"eta": {"SAL → SQL is 5 of 100 (5.0%): at 95% confidence it could be as low as 2.2%, under half of that — too few SALs to plan with",
			"SQL → won is 8 of 5: more won deals than SQLs in the lookback (reached by leads from before it, or skipped a stage), so the rate cannot be measured — a longer lookback may help",
			"no won deal with an amount, so the average deal is unknown"},
		"gamma": {"Lead → MQL is 5 of 10 (50.0%): at 95% confidence it could be as low as 23.7%, under half of that — too few leads to plan with",
			"MQL → SAL is 3 of 5 (60.0%): at 95% confidence it could be as low as 23.1%, under half of that — too few MQLs to plan with",
			"SAL → SQL is 2 of 3 (66.7%): at 95% confidence it could be as low as 20.8%, under half of that — too few SALs to plan with",
			"SQL → won is 1 of 2 (50.0%): at 95% confidence it could be as low as 9.5%, under half of that — too few SQLs to plan with"},
		"zeta": {"no won deal with an amount, so the average deal is unknown"},
	}
	if len(p.NotEnoughData) != len(want) {
		t.Fatalf("not enough data: %+v", p.NotEnoughData)
	}
	order := []string{"delta", "epsilon", "eta", "gamma", "zeta"}
	for i, u := range p.NotEnoughData {
		if u.Campaign != order[i] || strings.Join(u.Reasons, "\n") != strings.Join(want[u.Campaign], "\n") {
			t.Errorf("not enough data %d: %s %q, want %s %q", i, u.Campaign, u.Reasons, order[i], want[order[i]])
		}
	}
	if g := p.NotEnoughData[3].Measured; len(g.Rates) != 4 || g.Rates[3].CI95 != (report.Interval{Low: 0.0945, High: 0.9055}) {
		t.Errorf("gamma's measured rates: %+v", g.Rates)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func TestBuildPlanEdges(t *testing.T) {
	t.Run("no campaign has enough data", func(t *testing.T) {
		p := report.BuildPlan([]report.Source{{Campaign: "x", Month: "2026-11", Counters: report.Counters{"leads": 3}}}, report.Economics{},
			report.PlanRequest{Target: 1000, Period: report.PlanPeriod{Label: "2027", From: "2027-01", To: "2027-12", Months: 12},
				Lookback: report.Period{From: "2026-01", To: "2026-12"}})
		if len(p.Campaigns) != 0 || p.Total.ImproveFirst != nil || p.Total.Needed.Leads != 0 || p.Total.RevenuePerMonth != nil ||
			len(p.NotEnoughData) != 1 || p.NotEnoughData[0].Reasons[0] != "Lead → MQL is 0 of 3: no MQLs yet, so no number of leads reaches the target" {
			t.Fatalf("%+v", p)
		}
		var b bytes.Buffer
		if err := p.JSON(&b); err != nil || !strings.Contains(b.String(), `"campaigns": []`) || !strings.Contains(b.String(), `"multiple_of_now": null`) {
			t.Fatalf("JSON %v:\n%s", err, b.String())
		}
	})
	t.Run("every rate at 100%: nothing to improve", func(t *testing.T) {
		c := report.Counters{"leads": 40, "mql": 40, "sal": 40, "sql": 40, "won": 40, "won_valued": 40, "revenue_minor": 4000000}
		p := report.BuildPlan([]report.Source{{Campaign: "x", Month: "2026-11", Counters: c}}, report.Economics{Spend: map[string]float64{"x": 0}},
			report.PlanRequest{Target: 1000.01, Period: report.PlanPeriod{Label: "2027-01", From: "2027-01", To: "2027-01", Months: 1},
				Lookback: report.Period{From: "2026-11", To: "2026-11"}})
		if len(p.Campaigns) != 1 {
			t.Fatalf("%+v", p.NotEnoughData)
		}
		// €1,000.01 at €1,000 a deal: 2 deals, then 2 at every stage; a
		// spend of 0 is a budget of 0.
		x := p.Campaigns[0]
		if x.Needed.Won != 2 || x.Needed.Leads != 2 || !eqPtr(x.Needed.Budget, ptr(0)) || x.ImproveFirst != nil || p.Total.ImproveFirst != nil {
			t.Fatalf("%+v %+v", x.Needed, x.ImproveFirst)
		}
	})
}

func TestPlanRenderings(t *testing.T) {
	p := planFor(t, 250000, "2027-Q1")

	var text bytes.Buffer
	if err := p.Text(&text); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"Revenue plan: €250,000 in Q1 2027 (Jan 2027 – Mar 2027): €83,333 a month",
		"Rates measured over Dec 2025 – Nov 2026 (12 months, 3 with data). Revenue now: €51,667 a month, so the target is 1.61× that.",
		"Leads: between 206 and 1,682 with every rate at the top or the bottom of its 95% interval.",
		"Budget leaves out beta: no spend recorded.",
		"50.0% 43.1–56.9% 100/200",
		"overall: SQL → won +5 points in every campaign saves 51 leads, €926 and 6.9 h of sales time",
		"alpha: SQL → won +5 points (40.0% → 45.0%) saves 37 leads, €926 and 4.63 h of sales time",
		"gamma: Lead → MQL is 5 of 10 (50.0%)",
	} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, text.String())
		}
	}
	if !regexpLine(text.String(), `^\s*alpha\s+66\.7%\s+€166,667\s+17\s+43\s+86\s+172\s+344\s+115\s+\(100\)\s+€8,600\s+43 h`) ||
		!regexpLine(text.String(), `^\s*Total\s+€250,000\s+34\s+77\s+154\s+274\s+497\s+166\s+€8,600\s+69 h`) {
		t.Errorf("text table:\n%s", text.String())
	}

	var b bytes.Buffer
	if err := p.CSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if len(rows) != 1+2+5+1 {
		t.Fatalf("%d rows", len(rows))
	}
	get := func(r int, c string) string { return rows[r][col[c]] }
	for _, tt := range []struct {
		row       int
		col, want string
	}{
		{1, "campaign", "alpha"}, {1, "share", "0.6667"}, {1, "leads", "344"}, {1, "budget", "8600"}, {1, "sql_to_won", "0.4"},
		{1, "sql_to_won_low", "0.234"}, {1, "sql_to_won_n", "25"}, {1, "improve_first", "sql_to_won"}, {1, "worst_case_leads", "1150"},
		{2, "budget", ""}, {2, "cost_per_lead", ""},
		{3, "row", "not_enough_data"}, {3, "campaign", "delta"}, {3, "sal_to_sql", ""}, {3, "mql_to_sal_n", "10"},
		{3, "reasons", "MQL → SAL is 0 of 10: no SALs yet, so no number of leads reaches the target"},
		{8, "row", "total"}, {8, "leads", "497"}, {8, "leads_per_month", "166"}, {8, "period", "2027-Q1"}, {8, "currency", "EUR"},
	} {
		if g := get(tt.row, tt.col); g != tt.want {
			t.Errorf("CSV row %d %s = %q, want %q", tt.row, tt.col, g, tt.want)
		}
	}

	// JSON round-trips (make plan reads it back).
	b.Reset()
	if err := p.JSON(&b); err != nil {
		t.Fatal(err)
	}
	var back report.Plan
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	var t1, t2 bytes.Buffer
	_ = p.Text(&t1)
	_ = back.Text(&t2)
	if t1.String() != t2.String() {
		t.Errorf("the plan read back from JSON prints differently:\n%s\n---\n%s", t1.String(), t2.String())
	}

	var page bytes.Buffer
	if err := p.HTML(&page, report.PlanForm{Target: "250000", Period: "2027-Q1", Lookback: "12"}); err != nil {
		t.Fatal(err)
	}
	h := page.String()
	for _, w := range []string{
		"<title>Revenue plan · €250,000 in Q1 2027 (Jan 2027 – Mar 2027)</title>",
		`<svg class="plan"`, "The funnel backwards, all planned campaigns",
		"÷ 40.0% SQL → won · 95%: 23.4–59.3% · 10 of 25",  // alpha's step with its interval
		"÷ about 44.2% SQL → won, the campaigns together", // 34 won ÷ 77 SQLs, the needs added up
		"÷ €10,000 average deal (10 won deals with an amount)",
		"× €25 per lead (spend ÷ leads in the lookback)",
		"no spend recorded: budget unknown", // beta
		`<td>50.0%<small>95%: 43.1–56.9%</small><small>100 of 200</small></td>`,
		"<strong>gamma</strong>: Lead → MQL is 5 of 10 (50.0%)",
		"SQL → won <strong>· improve first</strong>",
		`value="250000"`, `action="plan"`, `href="../reports?format=html"`,
	} {
		if !strings.Contains(h, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	// One campaign planned: the overall funnel divides by its measured
	// rates, not by a rate its rounded-up needs imply.
	one := p
	one.Campaigns = p.Campaigns[:1]
	page.Reset()
	if err := one.HTML(&page, report.PlanForm{Target: "250000", Period: "2027-Q1", Lookback: "12"}); err != nil {
		t.Fatal(err)
	}
	if w := "÷ 40.0% SQL → won (alpha)"; !strings.Contains(page.String(), w) {
		t.Errorf("a one-campaign page lacks %q", w)
	}
	if strings.Contains(h, "style=") || strings.Contains(h, "<script") {
		t.Error("the page has an inline style attribute or a script (the CSP allows neither)")
	}
	if strings.Contains(h, "NaN") || strings.Contains(h, "Inf") {
		t.Error("NaN or Inf on the page")
	}
}

func regexpLine(s, re string) bool {
	for _, l := range strings.Split(s, "\n") {
		if regexp.MustCompile(re).MatchString(l) {
			return true
		}
	}
	return false
}

// TestPlanMonthsIgnoreReps: a rep's counters (Source.Rep, no campaign)
// are no campaign's months: the leads a month now of the campaign without
// a name are its leads over the months it had counters in, however many
// months the reps were busy.
func TestPlanMonthsIgnoreReps(t *testing.T) {
	src := []report.Source{
		{Month: "2026-11", Counters: report.Counters{"leads": 100, "mql": 80, "sal": 60, "sql": 40, "won": 20, "won_valued": 20, "revenue_minor": 2000000}},
		{Rep: "ana@example.com", Month: "2026-01", Counters: report.Counters{"handoffs": 3}},
		{Rep: "ana@example.com", Month: "2026-05", Counters: report.Counters{"handoffs": 3}},
		{Rep: "ben@example.com", Month: "2026-11", Counters: report.Counters{"handoffs": 3}},
	}
	p := report.BuildPlan(src, report.Economics{}, report.PlanRequest{Target: 100000,
		Period:   report.PlanPeriod{Label: "2027-01", From: "2027-01", To: "2027-01", Months: 1},
		Lookback: report.LookbackFor(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), 12)})
	if len(p.Campaigns) != 1 {
		t.Fatalf("campaigns %+v, not enough data %+v", p.Campaigns, p.NotEnoughData)
	}
	if m := p.Campaigns[0].Measured; m.Months != 1 || m.LeadsPerMonth != 100 {
		t.Errorf("months %d, leads a month %v; want 1 and 100 (the reps' months are not the campaign's)", m.Months, m.LeadsPerMonth)
	}
	if p.Lookback.MonthsWithData != 1 {
		t.Errorf("months with data %d, want 1", p.Lookback.MonthsWithData)
	}
}

// TestPlanDividesByTheExactAverageDeal: the plan works back from the
// average deal and cost per lead as measured, not as shown (to the cent):
// 30 deals worth 10,000,000 average 333,333.33…, and a target of
// 1,000,000 needs 3 won deals — ÷ 333,333.33 asked for a fourth, and the
// funnel before it; the 30 leads those need, at 1,000 spent on 300 leads,
// cost 100, not 30 × 3.33.
func TestPlanDividesByTheExactAverageDeal(t *testing.T) {
	src := []report.Source{{Campaign: "alpha", Month: "2026-11", Counters: report.Counters{"leads": 300, "mql": 80, "sal": 60, "sql": 40, "won": 30,
		"won_valued": 30, "revenue_minor": 1_000_000_000}}}
	p := report.BuildPlan(src, report.Economics{Spend: map[string]float64{"alpha": 1000}}, report.PlanRequest{Target: 1_000_000,
		Period:   report.PlanPeriod{Label: "2027-01", From: "2027-01", To: "2027-01", Months: 1},
		Lookback: report.LookbackFor(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), 12)})
	if len(p.Campaigns) != 1 {
		t.Fatalf("campaigns %+v, not enough data %+v", p.Campaigns, p.NotEnoughData)
	}
	c := p.Campaigns[0]
	if c.Measured.AverageDeal != 333333.33 || c.Needed.Won != 3 || c.Needed.SQL != 4 {
		t.Errorf("average deal %v (shown), won %d, SQL %d needed; want 333333.33, 3 and 4", c.Measured.AverageDeal, c.Needed.Won, c.Needed.SQL)
	}
	if !eqPtr(c.Measured.CostPerLead, ptr(3.33)) || c.Needed.Leads != 30 || !eqPtr(c.Needed.Budget, ptr(100)) {
		t.Errorf("cost per lead %v (shown), %d leads needed, budget %v; want 3.33, 30 and 100", *c.Measured.CostPerLead, c.Needed.Leads, *c.Needed.Budget)
	}
}
