package report

// The revenue planner: from a revenue target, work backwards through each
// campaign's measured funnel (average deal, SQL → won, SAL → SQL,
// MQL → SAL, lead → MQL, cost per lead) to the won deals, SQLs, SALs,
// MQLs, leads, budget and sales hours the target needs. Like the report,
// it reads the monthly counters only, and like every figure here it is
// pure: BuildPlan gets the counters of the lookback and returns numbers.

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Planner settings.
const (
	// DefaultLookbackMonths is how many months of counters the rates are
	// measured over: the current month (so far) and the 11 before it.
	DefaultLookbackMonths = 12
	// MaxLookbackMonths bounds the lookback (one query per month).
	MaxLookbackMonths = 24
	// MinLowShare is the confidence rule (planRules says "half"): a stage is measured well enough
	// to plan with when the low end of its 95% interval is at least this
	// share of the measured rate (below it the leads needed could be more
	// than double the plan's).
	MinLowShare = 0.5
	// ImprovePoints is the improvement tried at each stage: 5 percentage
	// points (20% → 25%), at most 100%.
	ImprovePoints = 0.05
	// MaxTarget bounds the target (a sanity limit, not a business one).
	MaxTarget = 1e12
)

// z95 is the standard normal quantile of a two-sided 95% interval.
const z95 = 1.959963984540054

// Interval is a rate's 95% confidence interval, as shares (0.25 = 25%).
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Wilson is the Wilson score interval at 95% for k successes in n
// trials: it stays inside [0, 1] and is not degenerate at 0 or n
// successes, unlike the normal approximation. With n ≤ 0 it is [0, 1]
// (nothing is known); k is clamped to [0, n].
func Wilson(k, n int64) Interval {
	if n <= 0 {
		return Interval{0, 1}
	}
	k = min(max(k, 0), n)
	nf := float64(n)
	p := float64(k) / nf
	z2 := z95 * z95
	den := 1 + z2/nf
	mid := (p + z2/(2*nf)) / den
	half := z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	iv := Interval{max(mid-half, 0), min(mid+half, 1)}
	// Exact at the edges (the formula's rounding can leave 1e-17).
	if k == 0 {
		iv.Low = 0
	}
	if k == n {
		iv.High = 1
	}
	return iv
}

// PlanPeriod is the period a target is for: a year, a quarter or a month.
type PlanPeriod struct {
	Label  string `json:"label"` // as asked: "2027", "2027-Q1", "2027-03"
	From   string `json:"from"`  // first month, "2027-01"
	To     string `json:"to"`    // last month, "2027-03"
	Months int    `json:"months"`
}

var (
	yearRe    = regexp.MustCompile(`^(\d{4})$`)
	quarterRe = regexp.MustCompile(`^(\d{4})-[Qq]([1-4])$`)
)

// PeriodHint says which periods ParsePlanPeriod takes.
const PeriodHint = "must be a year (2027), a quarter (2027-Q1) or a month (2027-03)"

// ParsePlanPeriod reads "2027" (12 months), "2027-Q1" (3) or "2027-03"
// (1); anything else is an error that says what is expected.
func ParsePlanPeriod(s string) (PlanPeriod, error) {
	s = strings.TrimSpace(s)
	var first time.Time
	months := 0
	switch {
	case yearRe.MatchString(s):
		y, _ := strconv.Atoi(s)
		first, months = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), 12
	case quarterRe.MatchString(s):
		m := quarterRe.FindStringSubmatch(s)
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		first, months = time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC), 3
		s = m[1] + "-Q" + m[2]
	case monthRe.MatchString(s):
		first, _ = time.Parse("2006-01", s)
		months = 1
	default:
		return PlanPeriod{}, fmt.Errorf("%s", PeriodHint)
	}
	if first.Year() < 2000 {
		return PlanPeriod{}, fmt.Errorf("%s, from 2000 on", PeriodHint)
	}
	return PlanPeriod{Label: s, From: first.Format("2006-01"), To: first.AddDate(0, months-1, 0).Format("2006-01"), Months: months}, nil
}

// Words is the period for people: "Q1 2027 (Jan – Mar 2027)", "Mar 2027"
// or "2027".
func (p PlanPeriod) Words() string {
	switch p.Months {
	case 1:
		return monthLabel(p.From)
	case 3:
		y, q, _ := strings.Cut(p.Label, "-")
		return q + " " + y + " (" + Period{From: p.From, To: p.To}.Label() + ")"
	}
	return p.Label
}

var targetRe = regexp.MustCompile(`^\d+(\.\d{1,2})?$`)

// ParseTarget reads a revenue target: a positive amount like 100000 or
// 2500.50 (no thousands separators, no currency sign), at most MaxTarget.
func ParseTarget(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if !targetRe.MatchString(s) {
		return 0, fmt.Errorf("must be an amount like 100000 or 2500.50 (digits, no thousands separator or currency sign)")
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || !finite(f):
		return 0, fmt.Errorf("must be an amount like 100000 or 2500.50")
	case f <= 0:
		return 0, fmt.Errorf("must be more than 0")
	case f > MaxTarget:
		return 0, fmt.Errorf("must be at most %s", Count(int64(MaxTarget)))
	}
	return f, nil
}

// LookbackFor is the lookback of months months ending with now's month
// (this month so far included).
func LookbackFor(now time.Time, months int) Period {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return Period{From: first.AddDate(0, -(months - 1), 0).Format("2006-01"), To: first.Format("2006-01")}
}

// PlanRequest is what a plan is asked for.
type PlanRequest struct {
	Target   float64 // revenue to win in Period, in the reporting currency
	Period   PlanPeriod
	Lookback Period // the months whose counters the rates are measured over
}

// Plan is a revenue target worked backwards through each campaign's
// measured funnel.
type Plan struct {
	Target   float64    `json:"target"`
	Period   PlanPeriod `json:"period"`
	Lookback Lookback   `json:"lookback"`
	Settings Settings   `json:"settings"`
	Rules    PlanRules  `json:"rules"`
	// Campaigns are the campaigns with enough data, largest share first.
	Campaigns []CampaignPlan `json:"campaigns"`
	// NotEnoughData are the campaigns left out of the plan and why.
	NotEnoughData []Unplannable `json:"not_enough_data"`
	Total         PlanTotal     `json:"total"`
}

// Lookback is the months the rates were measured over.
type Lookback struct {
	From           string `json:"from"`
	To             string `json:"to"`
	Months         int    `json:"months"`
	MonthsWithData int    `json:"months_with_data"` // months with any counter
}

// PlanRules are the planner's rules in words (shown with every plan).
type PlanRules struct {
	Split      string `json:"split"`
	Confidence string `json:"confidence"`
	Counts     string `json:"counts"`
	Improve    string `json:"improve"`
}

// CampaignPlan is one campaign's part of the target and what it needs.
type CampaignPlan struct {
	Campaign string   `json:"campaign"`
	Name     string   `json:"name"`   // for people: "(no campaign)" for leads without one
	Share    float64  `json:"share"`  // of the target (4 decimals)
	Target   float64  `json:"target"` // revenue to win, to 0.01
	Measured Measured `json:"measured"`
	Needed   Needed   `json:"needed"`
	PerMonth PerMonth `json:"per_month"`
	// BestCase and WorstCase are what is needed with every rate at the
	// top, or at the bottom, of its 95% interval.
	BestCase  Needed `json:"best_case"`
	WorstCase Needed `json:"worst_case"`
	// Improvements: what ImprovePoints at each stage would save, in
	// funnel order; ImproveFirst is the one that saves most (nil when no
	// stage can improve: every rate at 100%).
	Improvements []Improvement `json:"improvements"`
	ImproveFirst *Improvement  `json:"improve_first"`
}

// Measured are a campaign's figures over the lookback.
type Measured struct {
	Leads         int64       `json:"leads"`
	Won           int64       `json:"won"`
	WonWithAmount int64       `json:"won_with_amount"`
	Revenue       float64     `json:"revenue"`
	AverageDeal   float64     `json:"average_deal"` // revenue ÷ won with an amount, to 0.01
	Rates         []StageRate `json:"rates"`        // lead → MQL … SQL → won
	Spend         *float64    `json:"spend"`        // nil without one
	CostPerLead   *float64    `json:"cost_per_lead"`
	Months        int         `json:"months"`          // months the campaign has counters in
	LeadsPerMonth float64     `json:"leads_per_month"` // leads ÷ Months, to 0.1
}

// exactDeal is the average deal unrounded, which the plan divides by:
// a target of 100,000 at deals averaging 100,000 ÷ 3 needs 3 won deals,
// while ÷ 33,333.33 would ask for a fourth.
func (m Measured) exactDeal() float64 {
	if m.WonWithAmount > 0 && m.Revenue > 0 {
		return m.Revenue / float64(m.WonWithAmount)
	}
	return m.AverageDeal
}

// exactCostPerLead is the cost per lead unrounded (spend ÷ leads), which
// the budget multiplies by; nil without a spend.
func (m Measured) exactCostPerLead() *float64 {
	if m.CostPerLead == nil || m.Spend == nil || m.Leads <= 0 {
		return m.CostPerLead
	}
	v := *m.Spend / float64(m.Leads)
	return &v
}

// StageRate is a measured rate with its 95% Wilson interval.
type StageRate struct {
	Stage     string   `json:"stage"` // lead_to_mql, mql_to_sal, sal_to_sql, sql_to_won
	Label     string   `json:"label"` // "Lead → MQL"
	Successes int64    `json:"successes"`
	N         int64    `json:"n"`
	Rate      float64  `json:"rate"` // Successes ÷ N, 4 decimals
	CI95      Interval `json:"ci95"`
}

// Needed is what a target needs, each count the next one divided by its
// rate and rounded up.
type Needed struct {
	Won   int64 `json:"won"`
	SQL   int64 `json:"sql"`
	SAL   int64 `json:"sal"`
	MQL   int64 `json:"mql"`
	Leads int64 `json:"leads"`
	// Budget is Leads × cost per lead; nil without a spend (in a total:
	// of the campaigns that have one).
	Budget *float64 `json:"budget"`
	// SalesHours is MQL × minutes per lead ÷ 60: every MQL is handed to
	// sales, who spend that long on it, accepted or not.
	SalesHours float64 `json:"sales_hours"`
	SalesCost  float64 `json:"sales_cost"` // SalesHours × hourly cost
}

// PerMonth is Needed spread over the period's months.
type PerMonth struct {
	Leads      int64    `json:"leads"` // rounded up
	Budget     *float64 `json:"budget"`
	SalesHours float64  `json:"sales_hours"`
}

// Improvement is what ImprovePoints at one stage saves, the other rates
// unchanged.
type Improvement struct {
	Stage       string   `json:"stage"`
	Label       string   `json:"label"`
	From        float64  `json:"from,omitempty"` // the measured rate (not in a total)
	To          float64  `json:"to,omitempty"`   // improved, at most 1
	LeadsSaved  int64    `json:"leads_saved"`
	BudgetSaved *float64 `json:"budget_saved"` // nil without a spend
	HoursSaved  float64  `json:"sales_hours_saved"`
	// The savings before rounding, which rank the stages.
	leads, budget, hours float64
}

// Unplannable is a campaign with too little data to plan with.
type Unplannable struct {
	Campaign string   `json:"campaign"`
	Name     string   `json:"name"`
	Reasons  []string `json:"reasons"`
	Measured Measured `json:"measured"` // what was measured (a rate with n 0 is unknown)
}

// PlanTotal sums the plannable campaigns.
type PlanTotal struct {
	Target    float64  `json:"target"`
	Needed    Needed   `json:"needed"`
	PerMonth  PerMonth `json:"per_month"`
	BestCase  Needed   `json:"best_case"`
	WorstCase Needed   `json:"worst_case"`
	// BudgetMissing are plannable campaigns without a spend: the total
	// budget leaves them out.
	BudgetMissing []string `json:"budget_missing"`
	// Improvements are the campaigns' savings summed per stage;
	// ImproveFirst saves most budget (leads when a campaign has no
	// spend).
	Improvements []Improvement `json:"improvements"`
	ImproveFirst *Improvement  `json:"improve_first"`
	// TargetPerMonth is Target ÷ the period's months; RevenuePerMonth is
	// every campaign's revenue in the lookback ÷ its months with data,
	// and Multiple their ratio (nil without revenue).
	TargetPerMonth  float64  `json:"target_per_month"`
	RevenuePerMonth *float64 `json:"revenue_per_month_now"`
	Multiple        *float64 `json:"multiple_of_now"`
}

// planStages are the rates worked backwards, in funnel order.
var planStages = []struct{ key, label, from, to string }{
	{"lead_to_mql", "Lead → MQL", "leads", "MQLs"},
	{"mql_to_sal", "MQL → SAL", "MQLs", "SALs"},
	{"sal_to_sql", "SAL → SQL", "SALs", "SQLs"},
	{"sql_to_won", "SQL → won", "SQLs", "won deals"},
}

// planRules are the rules in words, with the settings' numbers.
func planRules() PlanRules {
	return PlanRules{
		Split: "The target is split across the campaigns with enough data in proportion to the revenue each won in the lookback: " +
			"a campaign that brought 60% of that revenue is asked for 60% of the target. Campaigns without enough data get no share.",
		Confidence: "A campaign is planned only when it won a deal with an amount in the lookback and, at every stage, " +
			"the low end of the rate's 95% Wilson interval is at least half the measured rate (otherwise the leads needed could be " +
			"more than double the plan). Other campaigns are listed as not enough data to plan with, and left out of the totals.",
		Counts: "Won deals = target ÷ average deal; SQLs = won deals ÷ SQL → won; SALs = SQLs ÷ SAL → SQL; MQLs = SALs ÷ MQL → SAL; " +
			"leads = MQLs ÷ lead → MQL; each rounded up. Budget = leads × cost per lead (spend ÷ leads in the lookback); " +
			"sales hours = MQLs × minutes per lead ÷ 60 (every MQL is handed to sales). Best and worst case: every rate at the top, " +
			"or at the bottom, of its interval.",
		Improve: fmt.Sprintf("Each stage's rate is raised by %d percentage points (at most 100%%), the others unchanged, and what that "+
			"saves is worked out before rounding up. The stage that saves the most budget (leads, when a campaign has no spend) pays "+
			"most: usually the one with the lowest rate. A relative improvement (+10%% of a rate) would save the same at every stage, "+
			"since leads = target ÷ (average deal × every rate).", improvePoints()),
	}
}

// BuildPlan works req.Target backwards through the funnel of every
// campaign with counters (or a spend) in req.Lookback. sources are the
// counters, as for Build; econ gives spend, minutes per lead and the
// hourly cost.
func BuildPlan(sources []Source, econ Economics, req PlanRequest) Plan {
	r := Build(sources, econ, req.Lookback)
	monthsOf := map[string]map[string]bool{}
	for _, s := range sources {
		if !req.Lookback.Contains(s.Month) || len(s.Counters) == 0 || s.Rep != "" { // a rep's month is no campaign's
			continue
		}
		if monthsOf[s.Campaign] == nil {
			monthsOf[s.Campaign] = map[string]bool{}
		}
		monthsOf[s.Campaign][s.Month] = true
	}
	p := Plan{
		Target: round(req.Target, 2), Period: req.Period, Settings: r.Settings, Rules: planRules(),
		Lookback:  Lookback{From: req.Lookback.From, To: req.Lookback.To, Months: monthSpan(req.Lookback), MonthsWithData: len(r.Months)},
		Campaigns: []CampaignPlan{}, NotEnoughData: []Unplannable{},
	}
	type candidate struct {
		row      Row
		measured Measured
		rates    [4]float64
	}
	var ok []candidate
	var revenue float64
	for _, c := range r.Campaigns {
		m, reasons := measure(c.Total, len(monthsOf[c.Total.Campaign]))
		if len(reasons) > 0 {
			p.NotEnoughData = append(p.NotEnoughData, Unplannable{Campaign: c.Total.Campaign, Name: c.Total.Name(), Reasons: reasons, Measured: m})
			continue
		}
		var rates [4]float64
		for i, s := range m.Rates {
			rates[i] = float64(s.Successes) / float64(s.N)
		}
		ok = append(ok, candidate{c.Total, m, rates})
		revenue += m.Revenue
	}
	sort.SliceStable(ok, func(i, j int) bool { return ok[i].measured.Revenue > ok[j].measured.Revenue })

	s := r.Settings
	t := &p.Total
	t.Target = p.Target
	t.TargetPerMonth = round(req.Target/float64(max(req.Period.Months, 1)), 2)
	if len(r.Months) > 0 && r.Total.Revenue.Revenue > 0 {
		v := round(r.Total.Revenue.Revenue/float64(len(r.Months)), 2)
		t.RevenuePerMonth = &v
		m := round(req.Target/float64(max(req.Period.Months, 1))/(r.Total.Revenue.Revenue/float64(len(r.Months))), 2)
		t.Multiple = &m
	}
	t.BudgetMissing = []string{}
	anyBudget := false
	saved := make([]Improvement, len(planStages))
	for i, st := range planStages {
		saved[i] = Improvement{Stage: st.key, Label: st.label}
	}
	for _, c := range ok {
		share := c.measured.Revenue / revenue
		target := req.Target * share
		m := c.measured
		cp := CampaignPlan{Campaign: c.row.Campaign, Name: c.row.Name(), Share: round(share, 4), Target: round(target, 2), Measured: m}
		deal, cpl := m.exactDeal(), m.exactCostPerLead()
		cp.Needed = backwards(target, deal, c.rates, s, cpl)
		cp.PerMonth = perMonth(cp.Needed, req.Period.Months)
		var low, high [4]float64
		for i, r := range m.Rates {
			low[i], high[i] = r.CI95.Low, r.CI95.High
		}
		cp.BestCase = backwards(target, deal, high, s, cpl)
		cp.WorstCase = backwards(target, deal, low, s, cpl)
		leads0, mql0 := exactFunnel(target, deal, c.rates)
		for i, st := range planStages {
			better := c.rates
			better[i] = min(better[i]+ImprovePoints, 1)
			leads1, mql1 := exactFunnel(target, deal, better)
			dl, dh := leads0-leads1, (mql0-mql1)*s.MinutesPerLead/60
			imp := Improvement{Stage: st.key, Label: st.label, From: round(c.rates[i], 4), To: round(better[i], 4),
				LeadsSaved: int64(math.Round(dl)), HoursSaved: round(dh, 2), leads: dl, hours: dh}
			sum := &saved[i]
			if cpl != nil {
				imp.budget = dl * *cpl
				imp.BudgetSaved = ptrTo(round(imp.budget, 2))
				sum.budget += imp.budget
				sum.BudgetSaved = ptrTo(round(sum.budget, 2))
			}
			sum.leads += dl
			sum.hours += dh
			sum.LeadsSaved, sum.HoursSaved = int64(math.Round(sum.leads)), round(sum.hours, 2)
			cp.Improvements = append(cp.Improvements, imp)
		}
		cp.ImproveFirst = mostSaved(cp.Improvements, false)
		p.Campaigns = append(p.Campaigns, cp)

		addNeeded(&t.Needed, cp.Needed)
		addNeeded(&t.BestCase, cp.BestCase)
		addNeeded(&t.WorstCase, cp.WorstCase)
		if m.CostPerLead == nil {
			t.BudgetMissing = append(t.BudgetMissing, cp.Name)
		} else {
			anyBudget = true
		}
	}
	if len(ok) > 0 {
		t.PerMonth = perMonth(t.Needed, req.Period.Months)
		t.Improvements = saved
		t.ImproveFirst = mostSaved(saved, anyBudget && len(t.BudgetMissing) == 0)
	}
	return p
}

// measure reads a campaign's rates over the lookback and says why it
// cannot be planned with (no reason: it can).
func measure(row Row, months int) (Measured, []string) {
	f := row.Funnel
	m := Measured{Leads: row.Leads, Won: f.Won, WonWithAmount: row.Revenue.WonValued, Revenue: row.Revenue.Revenue,
		Spend: row.Economics.Spend, CostPerLead: row.Economics.CostPerLead, Months: months}
	if row.Revenue.AverageDeal != nil {
		m.AverageDeal = *row.Revenue.AverageDeal
	}
	if months > 0 {
		m.LeadsPerMonth = round(float64(row.Leads)/float64(months), 1)
	}
	if row.Leads == 0 {
		return m, []string{"no leads in the lookback"}
	}
	var reasons []string
	blocked := false // a stage with none: the later ones follow from it
	for i, r := range []Ratio{f.LeadToMQL, f.MQLToSAL, f.SALToSQL, f.SQLToWon} {
		st := planStages[i]
		k, n := r.Num, r.Den
		iv := Wilson(k, n)
		m.Rates = append(m.Rates, StageRate{Stage: st.key, Label: st.label, Successes: k, N: n,
			Rate: round(r.Value(), 4), CI95: Interval{round(iv.Low, 4), round(iv.High, 4)}})
		if blocked {
			continue
		}
		blocked = n == 0 || k == 0
		switch {
		case n == 0:
			reasons = append(reasons, fmt.Sprintf("no %s in the lookback, so %s is unknown", st.from, st.label))
		case k == 0:
			reasons = append(reasons, fmt.Sprintf("%s is 0 of %s: no %s yet, so no number of leads reaches the target", st.label, Count(n), st.to))
		case k > n:
			reasons = append(reasons, fmt.Sprintf("%s is %s of %s: more %s than %s in the lookback (reached by leads from before it, or skipped a stage), so the rate cannot be measured — a longer lookback may help",
				st.label, Count(k), Count(n), st.to, st.from))
		case iv.Low < MinLowShare*r.Value():
			reasons = append(reasons, fmt.Sprintf("%s is %s of %s (%s): at 95%% confidence it could be as low as %s, under half of that — too few %s to plan with",
				st.label, Count(k), Count(n), r.String(), ratePct(iv.Low), st.from))
		}
	}
	switch {
	case f.Won > 0 && m.WonWithAmount == 0:
		reasons = append(reasons, "no won deal with an amount, so the average deal is unknown")
	case m.WonWithAmount > 0 && !(m.Revenue > 0):
		reasons = append(reasons, "its won deals add up to no revenue")
	}
	return m, reasons
}

// backwards works target back through the funnel: rates are lead → MQL,
// MQL → SAL, SAL → SQL, SQL → won, each > 0.
func backwards(target, averageDeal float64, rates [4]float64, s Settings, costPerLead *float64) Needed {
	var n Needed
	n.Won = ceilCount(target / averageDeal)
	n.SQL = ceilCount(float64(n.Won) / rates[3])
	n.SAL = ceilCount(float64(n.SQL) / rates[2])
	n.MQL = ceilCount(float64(n.SAL) / rates[1])
	n.Leads = ceilCount(float64(n.MQL) / rates[0])
	hours := float64(n.MQL) * s.MinutesPerLead / 60
	n.SalesHours = round(hours, 2)
	n.SalesCost = round(hours*s.HourlyCost, 2)
	if costPerLead != nil {
		v := round(float64(n.Leads)**costPerLead, 2)
		n.Budget = &v
	}
	return n
}

// maxCount caps a count worked out from tiny rates (far beyond any plan).
const maxCount = 1e15

// ceilCount rounds up, forgiving the float error of a division that is
// whole (12 ÷ 0.4 = 30.000000000000004 is 30).
func ceilCount(x float64) int64 {
	if !(x > 0) {
		return 0
	}
	if x >= maxCount || !finite(x) {
		return maxCount
	}
	return int64(math.Ceil(x - 1e-9*max(1, x)))
}

func perMonth(n Needed, months int) PerMonth {
	months = max(months, 1)
	pm := PerMonth{Leads: (n.Leads + int64(months) - 1) / int64(months), SalesHours: round(n.SalesHours/float64(months), 2)}
	if n.Budget != nil {
		v := round(*n.Budget/float64(months), 2)
		pm.Budget = &v
	}
	return pm
}

func addNeeded(t *Needed, n Needed) {
	t.Won += n.Won
	t.SQL += n.SQL
	t.SAL += n.SAL
	t.MQL += n.MQL
	t.Leads += n.Leads
	t.SalesHours = round(t.SalesHours+n.SalesHours, 2)
	t.SalesCost = round(t.SalesCost+n.SalesCost, 2)
	if n.Budget != nil {
		t.Budget = addTo(t.Budget, *n.Budget)
	}
}

func addTo(sum *float64, v float64) *float64 {
	s := v
	if sum != nil {
		s = round(*sum+v, 2)
	}
	return &s
}

// exactFunnel is what a target needs before rounding up: the leads and
// MQLs as expected values, so improvements compare without the noise of
// rounding.
func exactFunnel(target, averageDeal float64, rates [4]float64) (leads, mql float64) {
	mql = target / averageDeal / rates[3] / rates[2] / rates[1]
	return mql / rates[0], mql
}

func ptrTo(v float64) *float64 { return &v }

// mostSaved is the improvement that saves most budget (byBudget) or
// leads, then sales hours, before rounding; the earliest stage on a tie;
// nil when none saves anything.
func mostSaved(imps []Improvement, byBudget bool) *Improvement {
	key := func(i Improvement) [2]float64 {
		if byBudget {
			return [2]float64{i.budget, i.hours}
		}
		return [2]float64{i.leads, i.hours}
	}
	// more compares with a tolerance: stages with the same rate save the
	// same, whatever the float order of the divisions.
	more := func(a, b float64) bool { return a-b > 1e-9*max(1, math.Abs(a), math.Abs(b)) }
	best := -1
	for i := range imps {
		k := key(imps[i])
		if !more(k[0], 0) && !more(k[1], 0) {
			continue
		}
		if best < 0 {
			best = i
			continue
		}
		b := key(imps[best])
		if more(k[0], b[0]) || !more(b[0], k[0]) && more(k[1], b[1]) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	b := imps[best]
	return &b
}

// monthSpan is how many months p covers (both ends given).
func monthSpan(p Period) int {
	f, err1 := time.Parse("2006-01", p.From)
	t, err2 := time.Parse("2006-01", p.To)
	if err1 != nil || err2 != nil || t.Before(f) {
		return 0
	}
	return (t.Year()-f.Year())*12 + int(t.Month()-f.Month()) + 1
}
