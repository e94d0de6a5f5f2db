package report

import (
	"strconv"
	"strings"
)

// repColumns follow the campaign columns in the CSV header. A rep's
// row ("rep" in the row column) fills them and the campaign columns that
// mean the same for a rep; the others stay empty, as repColumns do on
// campaign rows:
//
//	handoffs                 alerts the rep received
//	sal                      leads the rep accepted
//	rejected, rejection_rate, rejection_reasons   the rep's rejections, of their answers
//	responses … within_5m_share   the rep's first responses (bucketed)
//	sla_breaches             escalated; sla_late_responses answered late;
//	                         sla_breach_rate is (both) / handoffs
//	sql, won, lost, win_rate, revenue, won_with_amount, average_deal   the rep's deals
//	rep, rep_name, rep_teams the address, the routing config's name, its teams ("a;b")
//	open_under_7d, open_7_to_30d, open_over_30d   accepted leads without an
//	                         outcome now, by days since acceptance (empty: not read)
var repColumns = []string{"rep", "rep_name", "rep_teams", "open_under_7d", "open_7_to_30d", "open_over_30d"}

// KindRep is the row column of a rep's CSV row.
const KindRep = "rep"

// repRecord is a rep's CSV row, filled by column name.
func (r Report) repRecord(x RepRow) []string {
	rec := make([]string, len(csvColumns))
	col := map[string]int{}
	for i, c := range csvColumns {
		col[c] = i
	}
	set := func(name, v string) { rec[col[name]] = v }
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	rate := func(q Ratio) string {
		if !q.Defined() {
			return ""
		}
		return decimal(q.Value(), 4)
	}
	quant := func(prefix string, q Quantile) {
		if q.Known {
			set(prefix+"_response", strings.ReplaceAll(q.Label, "≤", "<="))
			set(prefix+"_response_minutes", decimal(q.Minutes, 2))
		}
	}
	set("row", KindRep)
	set("period_from", r.Period.From)
	set("period_to", r.Period.To)
	set("handoffs", i(x.Alerts))
	set("sal", i(x.Accepted))
	set("rejected", i(x.Rejected.Total))
	set("rejection_rate", rate(x.Rejected.Share))
	set("rejection_reasons", reasons(x.Rejected.Reasons))
	set("responses", i(x.Response.Responses))
	quant("median", x.Response.Median)
	quant("p90", x.Response.P90)
	set("within_5m_share", rate(x.Response.WithinTarget))
	set("sla_breaches", i(x.SLA.Escalated))
	set("sla_late_responses", i(x.SLA.AnsweredLate))
	set("sla_breach_rate", rate(x.SLA.Rate))
	d := x.Deals
	set("sql", i(d.SQL))
	set("won", i(d.Won))
	set("lost", i(d.Lost))
	set("win_rate", rate(d.WinRate))
	set("currency", cell(r.Settings.Currency))
	set("revenue", decimal(d.Revenue, 2))
	set("won_with_amount", i(d.WonValued))
	if d.AverageDeal != nil {
		set("average_deal", decimal(*d.AverageDeal, 2))
	}
	set("rep", cell(x.Rep))
	set("rep_name", cell(x.Name))
	set("rep_teams", cell(strings.Join(x.Teams, ";")))
	if o := x.Open; o != nil {
		set("open_under_7d", i(o.Under7))
		set("open_7_to_30d", i(o.Days7To30))
		set("open_over_30d", i(o.Over30))
	}
	return rec
}
