package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
)

// csvColumns are the CSV export's columns, in order. They are a contract
// with whoever imports the file: add new ones at the end, never rename.
//
//	row                      campaign, variant or total
//	campaign, variant        ids ("" variant for a campaign, both "" for the total)
//	period_from, period_to   the report's months, yyyy-mm
//	leads … lost             counts
//	*_share, *_rate, a_to_b  decimals (0.4 = 40%), 4 places; empty when undefined
//	non_target_reasons,
//	rejection_reasons        "job_seeker=20;student=10", most frequent first
//	*_response               the bucket label, "<= 5 min"; *_minutes its upper
//	                         bound (1441 for "> 24 h"); both empty without responses
//	wasted_hours, wasted_cost, spend, cost_per_*   decimals, 2 places; empty without a spend
//	revenue … pipeline_value  amounts in currency, 2 places; roas 2 places;
//	                         empty when undefined (roas without a spend: "n/a" on screen)
//	median_days_to_won       the histogram bucket, "8-14 days"; *_from/_to its
//	                         bounds in days (more than from, at most to; to empty
//	                         for "> 365 days"); all empty without won deals
//
// then repColumns (a rep's row), then viewColumns, which came last.
var csvColumns = slices.Concat(campaignColumns, repColumns, viewColumns)

// campaignColumns are the columns of a campaign's, variant's and the
// total's rows that were there before the rep columns.
var campaignColumns = []string{
	"row", "campaign", "variant", "period_from", "period_to",
	"leads", "resubmissions", "bots",
	"non_target", "non_target_share", "non_target_reasons",
	"mql", "sal", "sql", "won", "lost",
	"lead_to_mql", "mql_to_sal", "sal_to_sql", "sql_to_won", "lead_to_sal", "lead_to_won",
	"rejected", "rejection_rate", "rejection_reasons",
	"handoffs", "responses", "median_response", "median_response_minutes",
	"p90_response", "p90_response_minutes", "within_5m_share",
	"sla_breaches", "sla_breach_rate", "sla_late_responses",
	"wasted_leads", "wasted_hours", "wasted_cost", "currency", "spend", "cost_per_lead", "cost_per_sal",
	"enrolled", "nurture_sends", "delivered", "bounces", "soft_bounces", "complaints",
	"unsubscribes", "email_clicks", "page_views", "pricing_page_views", "email_opens",
	"revenue", "won_with_amount", "average_deal", "win_rate", "revenue_per_lead", "roas", "cost_per_won",
	"open_sql", "pipeline_value", "median_days_to_won", "median_days_to_won_from", "median_days_to_won_to",
}

// viewColumns follow the rep columns (empty on a rep's row):
//
//	views, page_leads        loads of the campaign's own pages, and the new
//	                         leads posted from them (Row.Views)
//	view_to_lead             page_leads / views, 4 places; empty without views
//	                         or with more page leads than views
var viewColumns = []string{"views", "page_leads", "view_to_lead"}

// CSVColumns returns the CSV header (a copy).
func CSVColumns() []string { return append([]string(nil), csvColumns...) }

// CSV writes a header and one row per campaign, each followed by its
// variants, the total, then one row per sales rep (row "rep", repColumns). Text cells that a spreadsheet would run
// as a formula (starting with = + - @ or a tab) get a leading apostrophe.
func (r Report) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return err
	}
	rows := make([]Row, 0, len(r.Campaigns)+1)
	for _, c := range r.Campaigns {
		rows = append(rows, c.Total)
		rows = append(rows, c.Variants...)
	}
	rows = append(rows, r.Total)
	for _, row := range rows {
		if err := cw.Write(r.csvRecord(row)); err != nil {
			return err
		}
	}
	for _, rep := range r.Reps {
		if err := cw.Write(r.repRecord(rep)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func (r Report) csvRecord(x Row) []string {
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	rate := func(q Ratio) string {
		if !q.Defined() {
			return ""
		}
		return decimal(q.Value(), 4)
	}
	amount := func(v float64) string { return decimal(v, 2) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return amount(*v)
	}
	quant := func(q Quantile) (string, string) {
		if !q.Known {
			return "", ""
		}
		return strings.ReplaceAll(q.Label, "≤", "<="), decimal(q.Minutes, 2)
	}
	medL, medM := quant(x.Speed.Median)
	p90L, p90M := quant(x.Speed.P90)
	f, e, n, s := x.Funnel, x.Economics, x.Nurture, x.Speed
	rec := []string{
		x.Kind, cell(x.Campaign), cell(x.Variant), r.Period.From, r.Period.To,
		i(x.Leads), i(x.Resubmissions), i(x.Bots),
		i(x.NonTarget.Total), rate(x.NonTarget.Share), reasons(x.NonTarget.Reasons),
		i(f.MQL), i(f.SAL), i(f.SQL), i(f.Won), i(f.Lost),
		rate(f.LeadToMQL), rate(f.MQLToSAL), rate(f.SALToSQL), rate(f.SQLToWon), rate(f.LeadToSAL), rate(f.LeadToWon),
		i(x.Rejected.Total), rate(x.Rejected.Share), reasons(x.Rejected.Reasons),
		i(s.Handoffs), i(s.Responses), medL, medM,
		p90L, p90M, rate(s.WithinTarget),
		i(s.SLABreaches), rate(s.SLABreachRate), i(s.LateResponses),
		i(e.WastedLeads), amount(e.WastedHours), amount(e.WastedCost), cell(r.Settings.Currency), opt(e.Spend), opt(e.CostPerLead), opt(e.CostPerSAL),
		i(n.Enrolled), i(n.Sends), i(n.Delivered), i(n.Bounces), i(n.SoftBounces), i(n.Complaints),
		i(n.Unsubscribes), i(n.Clicks), i(n.PageViews), i(n.PricingPageViews), i(n.Opens),
	}
	v := x.Revenue
	medLabel, medFrom, medTo := "", "", ""
	if m := v.DaysToWon.Median; m != nil {
		medLabel, medFrom = strings.NewReplacer("≤", "<=", "–", "-").Replace(m.Label), i(int64(m.From))
		if m.To > 0 {
			medTo = i(int64(m.To))
		}
	}
	rec = append(rec, amount(v.Revenue), i(v.WonValued), opt(v.AverageDeal), rate(v.WinRate), opt(v.RevenuePerLead), opt(v.ROAS), opt(v.CostPerWon),
		i(v.OpenSQL), opt(v.Pipeline), medLabel, medFrom, medTo)
	rec = append(rec, make([]string, len(repColumns))...) // a rep's
	return append(rec, i(x.Views), i(x.PageLeads), rate(x.ViewToLead))
}

func reasons(rs []ReasonCount) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Code + "=" + strconv.FormatInt(r.Count, 10)
	}
	return cell(strings.Join(parts, ";"))
}

// cell defuses spreadsheet formulas in text that comes from config
// (campaign, variant and reason ids).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
