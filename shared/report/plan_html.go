package report

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"sync"

	"github.com/leadflow/leadflow/shared/httpapi"
)

var planTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("plan.html.tmpl").Funcs(funcs).Funcs(template.FuncMap{
		"rate": ratePct,
		"rateArgs": func(v planView, name string, m Measured, noData bool) rateArgs {
			return rateArgs{V: v, Name: name, M: m, NoData: noData}
		},
	}).ParseFS(templateFS, "templates/plan.html.tmpl"))
})

// PlanPolicy is the planner page's Content-Security-Policy: its own
// <style> (hashed) and its form, which asks this site for another plan;
// no script, image or framing.
var PlanPolicy = func() httpapi.Policy {
	src, err := templateFS.ReadFile("templates/plan.html.tmpl")
	if err != nil {
		panic(err)
	}
	return httpapi.Policy{Styles: httpapi.Styles(string(src)), FormAction: []string{"'self'"}}
}()

// planView is what the planner page reads.
type planView struct {
	Plan
	Form    PlanForm
	Planned bool // target and period were valid: a plan (maybe without campaigns)
	Title   string
	Tiles   []tile
	Overall planChart
	Cards   []planCard
	// Invalid marks the form's fields that were refused.
	Invalid map[string]bool
}

// rateArgs are what a row of the rates table needs.
type rateArgs struct {
	V      planView
	Name   string
	M      Measured
	NoData bool
}

// Points is the improvement tried at each stage, in percentage points.
func (v planView) Points() int { return improvePoints() }

// AnchorOf is the id of a campaign's card.
func (v planView) AnchorOf(campaign string) string {
	for _, c := range v.Cards {
		if c.Campaign == campaign {
			return c.Anchor
		}
	}
	return ""
}

// IsFirst reports whether stage is the one to improve first overall.
func (v planView) IsFirst(stage string) bool {
	return v.Total.ImproveFirst != nil && v.Total.ImproveFirst.Stage == stage
}

type planCard struct {
	CampaignPlan
	Anchor string
	Chart  planChart
}

// planChart is the funnel drawn backwards, laid out in Go: target, won,
// SQL, SAL, MQL, leads, budget, with a step line between each two saying
// what the figure was divided (or multiplied) by. Count rows have a bar
// and a whisker from the best to the worst case.
type planChart struct {
	ID, Title, Desc string
	Width, Height   int
	LabelX, BarX    int
	BarMax, ValueX  int
	BarH            int
	Rows            []planRow
}

type planRow struct {
	Step       bool // a step line ("↓ ÷ 40.0% SQL → won …")
	Bar        bool // a count with its bar
	Y, TextY   int
	Label      string
	Value      string
	Note       string
	W          string // bar width
	WX1, WX2   string // whisker ends
	WY         int    // whisker's y
	Open       bool   // the whisker runs past the chart's end
	HasWhisker bool
}

const (
	planChartWidth = 600
	planRowH       = 28
	planStepH      = 20
)

// HTML writes the planner page: the form, and with a plan its summary,
// the overall funnel drawn backwards, what each campaign needs, the
// measured rates with their intervals, the stage to improve first, the
// campaigns without enough data and how it is all computed.
func (p Plan) HTML(w io.Writer, form PlanForm) error {
	v := planView{Plan: p, Form: form, Planned: p.Period.Months > 0, Invalid: map[string]bool{}}
	for _, pr := range form.Problems {
		v.Invalid[pr.Field] = true
	}
	v.Title = "Revenue plan"
	if v.Planned {
		v.Title = "Revenue plan · " + p.Settings.Money(p.Target) + " in " + p.Period.Words()
		v.Tiles = p.tiles()
		if len(p.Campaigns) > 0 {
			v.Overall = p.overallChart()
		}
		for i, c := range p.Campaigns {
			anchor := "p" + strconv.Itoa(i+1)
			v.Cards = append(v.Cards, planCard{CampaignPlan: c, Anchor: anchor, Chart: c.chart(anchor, p.Settings)})
		}
	}
	return planTmpl().Execute(w, v)
}

func (p Plan) tiles() []tile {
	s, t := p.Settings, p.Total
	if len(p.Campaigns) == 0 {
		return nil
	}
	var now float64
	for _, c := range p.Campaigns {
		now += c.Measured.LeadsPerMonth
	}
	tiles := []tile{
		{Label: "Leads needed", Value: Count(t.Needed.Leads),
			Note: fmt.Sprintf("%s a month; these campaigns bring %s a month now", Count(t.PerMonth.Leads), decimal(now, 1))},
		{Label: "Budget", Value: s.MoneyOr(t.Needed.Budget), Note: "at each campaign's cost per lead"},
		{Label: "Sales hours", Value: Hours(t.Needed.SalesHours),
			Note: fmt.Sprintf("%s a month · %s at %s min per MQL", Hours(t.PerMonth.SalesHours), s.Money(t.Needed.SalesCost), decimal(s.MinutesPerLead, 1))},
		{Label: "Won deals needed", Value: Count(t.Needed.Won), Note: fmt.Sprintf("from %s SQLs, %s SALs, %s MQLs", Count(t.Needed.SQL), Count(t.Needed.SAL), Count(t.Needed.MQL))},
	}
	if t.PerMonth.Budget != nil {
		tiles[1].Note = s.Money(*t.PerMonth.Budget) + " a month, at each campaign's cost per lead"
	}
	if len(t.BudgetMissing) > 0 {
		tiles[1].Note += "; leaves out " + joinAnd(t.BudgetMissing) + " (no spend recorded)"
	}
	if t.ImproveFirst != nil {
		tiles = append(tiles, tile{Label: "Improve first", Value: t.ImproveFirst.Label, Tone: "good", Wide: true, Note: t.ImproveFirst.Words(s)})
	}
	if t.Multiple != nil {
		tiles = append(tiles, tile{Label: "Target against now", Value: decimal(*t.Multiple, 2) + "×",
			Note: fmt.Sprintf("%s a month against %s a month in the lookback", s.Money(t.TargetPerMonth), s.Money(*t.RevenuePerMonth))})
	}
	return tiles
}

// overallChart draws the plannable campaigns added up.
func (p Plan) overallChart() planChart {
	s, t := p.Settings, p.Total
	// Several campaigns: the rate their needs added up imply (from
	// rounded-up counts, so "about"); one campaign: its measured rate.
	together := func(stage int, num, den int64) string {
		if len(p.Campaigns) == 1 && len(p.Campaigns[0].Measured.Rates) == 4 {
			return p.Campaigns[0].Measured.Rates[stage].Pct()
		}
		if den == 0 {
			return "—"
		}
		return "about " + ratePct(float64(num)/float64(den))
	}
	first, rest := ", the campaigns together", ", together"
	if len(p.Campaigns) == 1 {
		first, rest = " ("+p.Campaigns[0].Name+")", ""
	}
	targetNote := "split by each campaign's share of revenue"
	budgetNote := "at each campaign's cost per lead"
	if len(t.BudgetMissing) > 0 {
		budgetNote = "leaves out " + joinAnd(t.BudgetMissing) + " (no spend)"
	}
	steps := [6]string{
		"÷ each campaign's average deal",
		"÷ " + together(3, t.Needed.Won, t.Needed.SQL) + " SQL → won" + first,
		"÷ " + together(2, t.Needed.SQL, t.Needed.SAL) + " SAL → SQL" + rest,
		"÷ " + together(1, t.Needed.SAL, t.Needed.MQL) + " MQL → SAL" + rest,
		"÷ " + together(0, t.Needed.MQL, t.Needed.Leads) + " lead → MQL" + rest,
		"× each campaign's cost per lead",
	}
	return layoutPlanChart("plan-all", "The funnel backwards, all planned campaigns", s, t.Target, targetNote, t.Needed, t.BestCase, t.WorstCase, steps, budgetNote)
}

func (c CampaignPlan) chart(id string, s Settings) planChart {
	m := c.Measured
	var steps [6]string
	steps[0] = "÷ " + s.Money(m.AverageDeal) + " average deal (" + Plural(m.WonWithAmount, "won deal", "won deals") + " with an amount)"
	for i := 0; i < 4; i++ {
		r := m.Rates[3-i]
		steps[1+i] = fmt.Sprintf("÷ %s %s · 95%%: %s · %s of %s", r.Pct(), r.Label, r.IntervalWords(), Count(r.Successes), Count(r.N))
	}
	budgetNote := "no spend recorded: budget unknown"
	if m.CostPerLead != nil {
		steps[5] = "× " + s.Money(*m.CostPerLead) + " per lead (spend ÷ leads in the lookback)"
		budgetNote = ""
	} else {
		steps[5] = "× cost per lead: unknown"
	}
	return layoutPlanChart(id, "The funnel backwards, "+c.Name, s, c.Target, ratePct(c.Share)+" of the target", c.Needed, c.BestCase, c.WorstCase, steps, budgetNote)
}

// layoutPlanChart places target, step, won, step … leads, step, budget.
func layoutPlanChart(id, title string, s Settings, target float64, targetNote string, n, best, worst Needed, steps [6]string, budgetNote string) planChart {
	c := planChart{ID: id, Title: title, Width: planChartWidth, LabelX: 84, BarX: 92, BarMax: 290, BarH: 16}
	c.ValueX = c.BarX + c.BarMax + 10
	scale := float64(n.Leads)
	if w := float64(worst.Leads); w > scale {
		scale = min(w, 2*scale)
	}
	x := func(v int64) float64 {
		if scale <= 0 {
			return 0
		}
		return min(float64(c.BarMax)*float64(v)/scale, float64(c.BarMax))
	}
	y := 4
	money := func(label, value, note string) {
		c.Rows = append(c.Rows, planRow{Label: label, Value: value, Note: note, Y: y, TextY: y + 18})
		y += planRowH
	}
	step := func(text string) {
		c.Rows = append(c.Rows, planRow{Step: true, Value: "↓ " + text, Y: y, TextY: y + 13})
		y += planStepH
	}
	count := func(label string, v, lo, hi int64) {
		r := planRow{Bar: true, Label: label, Value: Count(v), Y: y + 5, TextY: y + 18, WY: y + 13}
		r.W = strconv.FormatFloat(max(x(v), 2), 'f', 1, 64)
		if lo != hi {
			r.HasWhisker = true
			r.WX1 = strconv.FormatFloat(float64(c.BarX)+x(lo), 'f', 1, 64)
			r.WX2 = strconv.FormatFloat(float64(c.BarX)+x(hi), 'f', 1, 64)
			r.Open = float64(hi) > scale
			r.Note = "(" + Count(lo) + "–" + Count(hi) + ")"
		}
		c.Rows = append(c.Rows, r)
		y += planRowH
	}
	money("Target", s.Money(target), targetNote)
	step(steps[0])
	count("Won deals", n.Won, best.Won, worst.Won)
	step(steps[1])
	count("SQLs", n.SQL, best.SQL, worst.SQL)
	step(steps[2])
	count("SALs", n.SAL, best.SAL, worst.SAL)
	step(steps[3])
	count("MQLs", n.MQL, best.MQL, worst.MQL)
	step(steps[4])
	count("Leads", n.Leads, best.Leads, worst.Leads)
	step(steps[5])
	budget := s.MoneyOr(n.Budget)
	if n.Budget != nil && best.Budget != nil && worst.Budget != nil && *best.Budget != *worst.Budget {
		budgetNote = join("("+s.Money(*best.Budget)+"–"+s.Money(*worst.Budget)+")", budgetNote)
	}
	money("Budget", budget, budgetNote)
	c.Height = y
	c.Desc = fmt.Sprintf("Target %s: %s won deals, %s SQLs, %s SALs, %s MQLs, %s leads, budget %s. In brackets and as whiskers: every rate at the top or the bottom of its 95%% interval.",
		s.Money(target), Count(n.Won), Count(n.SQL), Count(n.SAL), Count(n.MQL), Count(n.Leads), budget)
	return c
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + " · " + b
}
