package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// JSON writes the plan, indented.
func (p Plan) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// ratePct writes a share as a percentage with one decimal: "40.0%".
func ratePct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

// Pct is the rate for people, "40.0%", from its counts (the JSON's Rate
// is rounded to 4 decimals: 3 of 17 is 0.1765 there, 17.6% here).
func (r StageRate) Pct() string {
	if r.N <= 0 {
		return "—"
	}
	return ratePct(float64(r.Successes) / float64(r.N))
}

// IntervalWords is the rate's 95% interval for people, "23.4–59.3%",
// from its counts.
func (r StageRate) IntervalWords() string { return Wilson(r.Successes, r.N).Words() }

// Words writes a rate for people: "40.0% (95%: 23.4–59.3%, 10 of 25)".
func (r StageRate) Words() string {
	if r.N == 0 {
		return "— (none measured)"
	}
	return fmt.Sprintf("%s (95%%: %s, %s of %s)", r.Pct(), r.IntervalWords(), Count(r.Successes), Count(r.N))
}

// Words writes an interval: "23.4–59.3%".
func (i Interval) Words() string {
	return strconv.FormatFloat(100*i.Low, 'f', 1, 64) + "–" + ratePct(i.High)
}

// Words writes an improvement: "MQL → SAL +5 points (50.0% → 55.0%)
// saves 18 leads, €450 and 2.25 sales hours".
func (i Improvement) Words(s Settings) string {
	var head string
	if i.To > 0 {
		head = fmt.Sprintf("%s +%d points (%s → %s)", i.Label, improvePoints(), ratePct(i.From), ratePct(i.To))
	} else {
		head = fmt.Sprintf("%s +%d points in every campaign", i.Label, improvePoints())
	}
	saved := []string{Plural(i.LeadsSaved, "lead", "leads")}
	if i.BudgetSaved != nil {
		saved = append(saved, s.Money(*i.BudgetSaved))
	}
	saved = append(saved, Hours(i.HoursSaved)+" of sales time")
	return head + " saves " + joinAnd(saved)
}

func improvePoints() int {
	p := ImprovePoints
	return int(math.Round(p * 100))
}

func joinAnd(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// Headline is the plan in one line: "€100,000 in Q1 2027 (Jan 2027 –
// Mar 2027): €33,333 a month".
func (p Plan) Headline() string {
	return fmt.Sprintf("%s in %s: %s a month", p.Settings.Money(p.Target), p.Period.Words(), p.Settings.Money(p.Total.TargetPerMonth))
}

// Basis says what the rates come from and how the target compares with
// the revenue now.
func (p Plan) Basis() string {
	lb := p.Lookback
	s := fmt.Sprintf("Rates measured over %s (%s, %s with data).", Period{From: lb.From, To: lb.To}.Label(),
		Plural(int64(lb.Months), "month", "months"), Count(int64(lb.MonthsWithData)))
	if p.Total.RevenuePerMonth != nil && p.Total.Multiple != nil {
		s += fmt.Sprintf(" Revenue now: %s a month, so the target is %s× that.", p.Settings.Money(*p.Total.RevenuePerMonth), decimal(*p.Total.Multiple, 2))
	} else {
		s += " No revenue in the lookback yet."
	}
	return s
}

// Text writes the plan for a terminal: what each campaign needs, the
// rates with their intervals, the stage to improve first and the
// campaigns without enough data.
func (p Plan) Text(w io.Writer) error {
	s := p.Settings
	var b strings.Builder
	fmt.Fprintf(&b, "Revenue plan: %s\n%s\n\n", p.Headline(), p.Basis())
	if len(p.Campaigns) == 0 {
		b.WriteString("No campaign has enough data to plan with yet: record outcomes (SQL, won with an amount), or plan over a longer lookback.\n")
	} else {
		rows := [][]string{{"CAMPAIGN", "SHARE", "TARGET", "WON", "SQL", "SAL", "MQL", "LEADS", "LEADS/MONTH", "(NOW)", "BUDGET", "SALES HOURS"}}
		for _, c := range p.Campaigns {
			rows = append(rows, []string{c.Name, ratePct(c.Share), s.Money(c.Target), Count(c.Needed.Won), Count(c.Needed.SQL),
				Count(c.Needed.SAL), Count(c.Needed.MQL), Count(c.Needed.Leads), Count(c.PerMonth.Leads),
				"(" + decimal(c.Measured.LeadsPerMonth, 1) + ")", s.MoneyOr(c.Needed.Budget), Hours(c.Needed.SalesHours)})
		}
		t := p.Total
		rows = append(rows, []string{"Total", "", s.Money(t.Target), Count(t.Needed.Won), Count(t.Needed.SQL), Count(t.Needed.SAL),
			Count(t.Needed.MQL), Count(t.Needed.Leads), Count(t.PerMonth.Leads), "", s.MoneyOr(t.Needed.Budget), Hours(t.Needed.SalesHours)})
		b.WriteString(columns(rows))
		fmt.Fprintf(&b, "Leads: between %s and %s with every rate at the top or the bottom of its 95%% interval.\n",
			Count(t.BestCase.Leads), Count(t.WorstCase.Leads))
		if len(t.BudgetMissing) > 0 {
			fmt.Fprintf(&b, "Budget leaves out %s: no spend recorded.\n", strings.Join(t.BudgetMissing, ", "))
		}
		fmt.Fprintf(&b, "Sales hours: %s (%s) at %s min per MQL.\n", Hours(t.Needed.SalesHours), s.Money(t.Needed.SalesCost), decimal(s.MinutesPerLead, 1))

		b.WriteString("\nMeasured rates (95% Wilson interval, successes of n):\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CAMPAIGN\tLEAD → MQL\tMQL → SAL\tSAL → SQL\tSQL → WON\tAVG DEAL\tCOST/LEAD")
		for _, c := range p.Campaigns {
			fmt.Fprintf(tw, "%s", c.Name)
			for _, r := range c.Measured.Rates {
				fmt.Fprintf(tw, "\t%s %s %s/%s", r.Pct(), r.IntervalWords(), Count(r.Successes), Count(r.N))
			}
			fmt.Fprintf(tw, "\t%s\t%s\n", s.Money(c.Measured.AverageDeal), s.MoneyOr(c.Measured.CostPerLead))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		b.WriteString("\nImprove first:\n")
		if t.ImproveFirst != nil {
			fmt.Fprintf(&b, "  overall: %s\n", t.ImproveFirst.Words(s))
		}
		for _, c := range p.Campaigns {
			if c.ImproveFirst != nil {
				fmt.Fprintf(&b, "  %s: %s\n", c.Name, c.ImproveFirst.Words(s))
			}
		}
	}
	if len(p.NotEnoughData) > 0 {
		b.WriteString("\nNot enough data to plan with (left out of the plan):\n")
		for _, u := range p.NotEnoughData {
			fmt.Fprintf(&b, "  %s: %s\n", u.Name, strings.Join(u.Reasons, "; "))
		}
	}
	fmt.Fprintf(&b, "\nSplit: %s\nConfidence: %s\n", p.Rules.Split, p.Rules.Confidence)
	_, err := io.WriteString(w, b.String())
	return err
}

// columns lays rows out as a table: the first column left-aligned, the
// others right-aligned, two spaces apart.
func columns(rows [][]string) string {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			gap := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i == 0 {
				line.WriteString(c + gap)
				continue
			}
			line.WriteString("  " + gap + c)
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return b.String()
}

// planCSVColumns are the plan CSV's columns: one row per campaign
// (row "campaign"), per campaign without enough data ("not_enough_data",
// its reasons in the last column) and the total last.
var planCSVColumns = func() []string {
	cols := []string{"row", "campaign", "period", "lookback_from", "lookback_to", "currency",
		"share", "target", "won", "sql", "sal", "mql", "leads", "leads_per_month", "budget", "budget_per_month",
		"sales_hours", "sales_cost", "best_case_leads", "worst_case_leads"}
	for _, st := range planStages {
		cols = append(cols, st.key, st.key+"_low", st.key+"_high", st.key+"_successes", st.key+"_n")
	}
	return append(cols, "average_deal", "cost_per_lead", "leads_per_month_now", "improve_first", "improve_first_leads_saved",
		"improve_first_budget_saved", "reasons")
}()

// CSV writes the plan as a table: amounts to 2 decimals, rates as
// decimals (0.4 = 40%) to 4; empty cells where a figure is undefined.
func (p Plan) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(planCSVColumns); err != nil {
		return err
	}
	money := func(v *float64) string {
		if v == nil {
			return ""
		}
		return decimal(*v, 2)
	}
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	row := func(kind, campaign string, share, target *float64, n *Needed, pm *PerMonth, best, worst *Needed, m *Measured, first *Improvement, reasons []string) []string {
		r := []string{kind, cell(campaign), p.Period.Label, p.Lookback.From, p.Lookback.To, p.Settings.Currency, "", money(target)}
		if share != nil {
			r[6] = decimal(*share, 4)
		}
		if n != nil {
			r = append(r, num(n.Won), num(n.SQL), num(n.SAL), num(n.MQL), num(n.Leads), num(pm.Leads), money(n.Budget), money(pm.Budget),
				decimal(n.SalesHours, 2), decimal(n.SalesCost, 2), num(best.Leads), num(worst.Leads))
		} else {
			r = append(r, make([]string, 12)...)
		}
		for i := range planStages {
			if m == nil || i >= len(m.Rates) || m.Rates[i].N == 0 {
				r = append(r, make([]string, 3)...)
				if m != nil && i < len(m.Rates) {
					r = append(r, num(m.Rates[i].Successes), num(m.Rates[i].N))
				} else {
					r = append(r, "", "")
				}
				continue
			}
			st := m.Rates[i]
			r = append(r, decimal(st.Rate, 4), decimal(st.CI95.Low, 4), decimal(st.CI95.High, 4), num(st.Successes), num(st.N))
		}
		if m != nil {
			avg := &m.AverageDeal
			if m.WonWithAmount == 0 {
				avg = nil
			}
			r = append(r, money(avg), money(m.CostPerLead), decimal(m.LeadsPerMonth, 1))
		} else {
			r = append(r, "", "", "")
		}
		if first != nil {
			r = append(r, first.Stage, num(first.LeadsSaved), money(first.BudgetSaved))
		} else {
			r = append(r, "", "", "")
		}
		return append(r, cell(strings.Join(reasons, "; ")))
	}
	for _, c := range p.Campaigns {
		if err := cw.Write(row("campaign", c.Campaign, &c.Share, &c.Target, &c.Needed, &c.PerMonth, &c.BestCase, &c.WorstCase, &c.Measured, c.ImproveFirst, nil)); err != nil {
			return err
		}
	}
	for _, u := range p.NotEnoughData {
		if err := cw.Write(row("not_enough_data", u.Campaign, nil, nil, nil, nil, nil, nil, &u.Measured, nil, u.Reasons)); err != nil {
			return err
		}
	}
	t := p.Total
	var share *float64
	if len(p.Campaigns) > 0 {
		one := 1.0
		share = &one
	}
	if err := cw.Write(row("total", "", share, &t.Target, &t.Needed, &t.PerMonth, &t.BestCase, &t.WorstCase, nil, t.ImproveFirst, nil)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
