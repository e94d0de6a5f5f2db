package report

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"sort"
	"strings"
	"sync"
	texttemplate "text/template"
)

// DigestOptions are what the weekly digest needs besides the report.
type DigestOptions struct {
	DashboardURL string // absolute http(s) link to the dashboard; "" leaves the link out
	Week         string // e.g. "2026-W47": the digest's week, named beside the period its figures cover
	Top          int    // campaigns per ranking and reasons listed; 0 means 3
}

// ErrInvalidOptions is returned for digest options that cannot be used.
var ErrInvalidOptions = errors.New("invalid digest options")

// maxSubject caps the subject in characters.
const maxSubject = 150

var (
	digestHTML = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.New("digest.html.tmpl").Funcs(funcs).
			ParseFS(templateFS, "templates/digest.html.tmpl"))
	})
	digestText = sync.OnceValue(func() *texttemplate.Template {
		return texttemplate.Must(texttemplate.New("digest.txt.tmpl").
			ParseFS(templateFS, "templates/digest.txt.tmpl"))
	})
)

// digest is what both digest templates read. Every string is already
// flattened to one line, so a campaign id cannot start a line of its own
// in the text part.
type digest struct {
	Subject      string
	When         string // "week 2026-W47 · figures for Nov 2026"
	DashboardURL string
	Headline     []string // the total in a few lines
	Waste        string   // the wasted-time sentence
	NoWaste      bool     // none was wasted: the sentence is no warning
	Top, Bottom  []digestItem
	Wasteful     []digestItem
	Rejections   []digestItem
	NonTarget    []digestItem
	Revenue      []digestItem // campaigns by revenue, each followed by its variants
	Results      []string     // A/B verdicts with a result
	Pending      int          // A/B comparisons still without one
	MinLeads     int
}

type digestItem struct {
	Name, Figure, Detail string
}

// Digest renders the weekly digest for the marketing team: the total, the
// wasted sales time, the best and the weakest campaigns by lead → SAL
// (at least MinLeadsToRank leads), where sales time went, why sales
// rejected leads, and the A/B tests with a result. The html part is a
// complete email document with inline styles; text is its plain
// alternative.
func (r Report) Digest(opt DigestOptions) (subject, html, text string, err error) {
	if opt.DashboardURL != "" {
		u, perr := url.Parse(opt.DashboardURL)
		if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", "", "", fmt.Errorf("%w: dashboard URL %q is not an absolute http(s) URL", ErrInvalidOptions, opt.DashboardURL)
		}
	}
	if opt.Top <= 0 {
		opt.Top = 3
	}
	d := r.digest(opt)
	var hb, tb bytes.Buffer
	if err := digestHTML().Execute(&hb, d); err != nil {
		return "", "", "", err
	}
	if err := digestText().Execute(&tb, d); err != nil {
		return "", "", "", err
	}
	return d.Subject, hb.String(), tb.String(), nil
}

func (r Report) digest(opt DigestOptions) digest {
	t, s := r.Total, r.Settings
	period := r.Period.Label()
	d := digest{DashboardURL: r.Period.link(opt.DashboardURL, ""), When: "figures for " + period, MinLeads: MinLeadsToRank}
	// The subject names the period the figures cover, not only the week
	// the digest goes out in: a week's digest reports whole months.
	label := period
	if w := oneLine(opt.Week, 40); w != "" {
		label = period + " (week " + w + ")"
		d.When = "week " + w + " · " + d.When
	}
	d.Subject = oneLine(fmt.Sprintf("Leads %s: %s, %s accepted by sales, %s of sales time wasted",
		label, Plural(t.Leads, "lead", "leads"), Count(t.Funnel.SAL), Hours(t.Economics.WastedHours)), maxSubject)

	response := NoResponses
	if t.Speed.Median.Known {
		response = fmt.Sprintf("median %s, p90 %s", t.Speed.Median.Label, t.Speed.P90.Label)
	}
	d.Headline = []string{
		fmt.Sprintf("%s · %s non-target (%s) · %s accepted by sales (%s of leads) · %s won",
			Plural(t.Leads, "lead", "leads"), Count(t.NonTarget.Total), t.NonTarget.Share, Count(t.Funnel.SAL), t.Funnel.LeadToSAL, Count(t.Funnel.Won)),
		fmt.Sprintf("First response: %s · %s (%s of alerts)",
			response, Plural(t.Speed.SLABreaches, "SLA breach", "SLA breaches"), t.Speed.SLABreachRate),
	}
	if t.Economics.CostPerSAL != nil {
		d.Headline = append(d.Headline, fmt.Sprintf("Cost per SAL %s · cost per lead %s (campaigns with a spend)",
			s.MoneyOr(t.Economics.CostPerSAL), s.MoneyOr(t.Economics.CostPerLead)))
	}
	if v := t.Revenue; hasRevenue(t) {
		d.Headline = append(d.Headline, fmt.Sprintf("Revenue %s from %s · average deal %s · win rate %s · ROAS %s · cost per won deal %s · pipeline %s",
			s.Money(v.Revenue), Plural(t.Funnel.Won, "won deal", "won deals"), s.MoneyOr(v.AverageDeal), v.WinRate,
			ROASLabel(v.ROAS), s.MoneyOr(v.CostPerWon), s.MoneyOr(v.Pipeline)))
	}
	d.Revenue = r.revenueItems(opt.Top)
	were := "were"
	if t.Economics.WastedLeads == 1 {
		were = "was"
	}
	d.Waste = fmt.Sprintf("Sales spent about %s (%s) on %s that %s non-target or rejected (%s min each).",
		Hours(t.Economics.WastedHours), s.Money(t.Economics.WastedCost), Plural(t.Economics.WastedLeads, "lead", "leads"), were, decimal(s.MinutesPerLead, 1))
	if d.NoWaste = t.Economics.WastedLeads == 0; d.NoWaste {
		d.Waste = "No sales time went to non-target or rejected leads in this period."
	}

	top, bottom := r.Ranked(opt.Top)
	rate := func(rows []Row) []digestItem {
		var out []digestItem
		for _, row := range rows {
			out = append(out, digestItem{
				Name:   oneLine(row.Name(), 80),
				Figure: row.Funnel.LeadToSAL.String(),
				Detail: fmt.Sprintf("%s SAL of %s", Count(row.Funnel.SAL), Plural(row.Leads, "lead", "leads")),
			})
		}
		return out
	}
	d.Top, d.Bottom = rate(top), rate(bottom)
	for _, row := range r.MostWasteful(opt.Top) {
		detail := Plural(row.Economics.WastedLeads, "lead", "leads") + " rejected or non-target"
		detail += mostly(append(append([]ReasonCount(nil), row.NonTarget.Reasons...), row.Rejected.Reasons...))
		d.Wasteful = append(d.Wasteful, digestItem{
			Name:   oneLine(row.Name(), 80),
			Figure: Hours(row.Economics.WastedHours) + " (" + s.Money(row.Economics.WastedCost) + ")",
			Detail: detail,
		})
	}
	reasons := func(rs []ReasonCount) []digestItem {
		var out []digestItem
		for _, x := range rs {
			out = append(out, digestItem{Name: oneLine(x.Label, 60), Figure: Count(x.Count), Detail: x.Share.String()})
		}
		return out
	}
	d.Rejections = reasons(r.MainRejections(opt.Top))
	d.NonTarget = reasons(r.MainNonTarget(opt.Top))
	for _, tt := range r.Results() {
		label := tt.MetricLabel
		if tt.Since != "" {
			label += " (since " + monthLabel(tt.Since) + ")"
		}
		d.Results = append(d.Results, oneLine(tt.Campaign+", "+label+": "+tt.Verdict, 200))
	}
	for _, c := range r.Campaigns {
		d.Pending += len(c.Tests)
	}
	d.Pending -= len(d.Results)
	return d
}

// mostly names the reason the most of rs counted (", mostly job
// seeker"), or the reasons tied for most, together; "" for none.
func mostly(rs []ReasonCount) string {
	var top []string
	var most int64
	for _, x := range rs {
		switch {
		case x.Count > most || len(top) == 0:
			top, most = []string{oneLine(x.Label, 40)}, x.Count
		case x.Count == most:
			top = append(top, oneLine(x.Label, 40))
		}
	}
	switch len(top) {
	case 0:
		return ""
	case 1:
		return ", mostly " + top[0]
	}
	return ", mostly " + strings.Join(top[:len(top)-1], ", ") + " and " + top[len(top)-1] + " (as many each)"
}

// hasRevenue says whether a row has revenue figures to show: a deal that
// reached SQL, won or lost, or revenue (a correction of a deal won before
// the period is revenue too, negative when the amount went down).
func hasRevenue(r Row) bool {
	f := r.Funnel
	return f.SQL+f.Won+f.Lost > 0 || r.Revenue.Revenue != 0
}

// revenueItems are the top campaigns by revenue (then won deals; only
// those with a deal or revenue: hasRevenue), each followed by its variants.
func (r Report) revenueItems(top int) []digestItem {
	var cs []Campaign
	for _, c := range r.Campaigns {
		if hasRevenue(c.Total) {
			cs = append(cs, c)
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i].Total, cs[j].Total
		if a.Revenue.Revenue != b.Revenue.Revenue {
			return a.Revenue.Revenue > b.Revenue.Revenue
		}
		return a.Funnel.Won > b.Funnel.Won
	})
	if len(cs) > top {
		cs = cs[:top]
	}
	s := r.Settings
	item := func(name string, row Row) digestItem {
		v := row.Revenue
		detail := fmt.Sprintf("%s · average %s · win rate %s · ROAS %s · pipeline %s", Plural(row.Funnel.Won, "won", "won"),
			s.MoneyOr(v.AverageDeal), v.WinRate, ROASLabel(v.ROAS), s.MoneyOr(v.Pipeline))
		if m := v.DaysToWon.Median; m != nil {
			detail += " · lead → won " + m.Label
		}
		return digestItem{Name: oneLine(name, 80), Figure: s.Money(v.Revenue), Detail: detail}
	}
	var out []digestItem
	for _, c := range cs {
		out = append(out, item(c.Total.Name(), c.Total))
		for _, v := range c.Variants {
			out = append(out, item(c.Total.Name()+" / "+v.Name(), v))
		}
	}
	return out
}

// link is the dashboard URL base (already checked: absolute http(s))
// opened on the period's months, with the fragment: a digest's "Open the
// dashboard" shows the figures the digest reports, not the dashboard's
// default months (the last three). The base's own query stays as given,
// in its order; a base that names its months already keeps them. "" stays "".
func (p Period) link(base, fragment string) string {
	if base == "" {
		return ""
	}
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	if q := u.Query(); !q.Has("from") && !q.Has("to") && p.From != "" && p.To != "" {
		months := url.Values{"from": {p.From}, "to": {p.To}}.Encode()
		if u.RawQuery == "" {
			u.RawQuery = months
		} else {
			u.RawQuery += "&" + months
		}
	}
	if fragment != "" {
		u.Fragment = fragment
	}
	return u.String()
}
