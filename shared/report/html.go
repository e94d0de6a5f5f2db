package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

//go:embed templates
var templateFS embed.FS

var funcs = template.FuncMap{
	"count":   Count,
	"hours":   Hours,
	"pct":     func(r Ratio) string { return r.String() },
	"z":       func(z float64) string { return strconv.FormatFloat(z, 'f', 2, 64) },
	"p":       FormatP,
	"rowArgs": func(d dashboard, r Row) rowArgs { return rowArgs{D: d, R: r} },
	"roas":    ROASLabel,
	"day":     func(t time.Time) string { return t.In(lead.MonthZone()).Format("2006-01-02") }, // the business time zone's day
	"intp":    func(n *int) string { return Count(int64(*n)) },
}

// rowArgs are what the table-row template needs: the page (settings,
// which columns show) and the row.
type rowArgs struct {
	D dashboard
	R Row
}

var dashboardTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("dashboard.html.tmpl").Funcs(funcs).
		ParseFS(templateFS, "templates/dashboard.html.tmpl", "templates/reps.html.tmpl", "templates/segments.html.tmpl"))
})

// DashboardPolicy is the dashboard's Content-Security-Policy: its own
// <style> (hashed) and nothing else — no script, image, font, form or
// framing. The page's meta policy says much the same for a saved copy.
var DashboardPolicy = func() httpapi.Policy {
	src, err := templateFS.ReadFile("templates/dashboard.html.tmpl")
	if err != nil {
		panic(err)
	}
	return httpapi.Policy{Styles: httpapi.Styles(string(src))}
}()

// dashboard is what the page template reads: the report plus the charts
// laid out in Go.
type dashboard struct {
	Report
	Title     string
	Planner   bool // link the revenue planner (reports/plan)
	Tiles     []tile
	Overall   panel
	Campaigns []campaignView
	HasSpend  bool
	HasTests  bool
	HasEmail  bool
	// HasRevenue: a deal reached SQL, won or lost (the revenue table).
	HasRevenue bool
}

type tile struct {
	Label, Value, Note, Tone string
	Wide                     bool // spans two columns on wide screens
}

type panel struct {
	Funnel, NonTarget, Rejected, Speed chart
}

type campaignView struct {
	Campaign
	Anchor   string
	Charts   panel
	HasEmail bool // a row in the nurture-email table
}

// HTML writes the dashboard: one self-contained page (inline CSS and SVG,
// no script, no external resource) with a summary strip, the overall
// funnel, a table of every campaign and variant, a funnel and the reasons
// per campaign, the A/B tests and the nurture emails. Every id from
// config is escaped by html/template.
func (r Report) HTML(w io.Writer) error { return r.html(w, true) }

// html renders the dashboard, with the planner's link or (the signed
// dashboard of a digest's link, whose relative links lead nowhere)
// without.
func (r Report) html(w io.Writer, planner bool) error {
	d := r.dashboard()
	d.Planner = planner
	return dashboardTmpl().Execute(w, d)
}

func (r Report) dashboard() dashboard {
	d := dashboard{Report: r, Title: "Lead funnel · " + r.Period.Label()}
	t := r.Total
	s := r.Settings
	d.Tiles = []tile{
		{Label: "Leads", Value: Count(t.Leads),
			Note: fmt.Sprintf("plus %s; %s blocked", Plural(t.Resubmissions, "repeat submission", "repeat submissions"), Plural(t.Bots, "bot", "bots"))},
		{Label: "Non-target", Value: t.NonTarget.Share.String(),
			Note: Plural(t.NonTarget.Total, "lead", "leads") + " filtered out"},
		{Label: "Accepted by sales", Value: Count(t.Funnel.SAL),
			Note: "SAL: " + t.Funnel.LeadToSAL.String() + " of leads"},
		{Label: "Won", Value: Count(t.Funnel.Won),
			Note: t.Funnel.LeadToWon.String() + " of leads"},
		{Label: "Sales time wasted", Value: Hours(t.Economics.WastedHours) + " · " + s.Money(t.Economics.WastedCost), Tone: "waste", Wide: true,
			Note: fmt.Sprintf("%s rejected by sales or non-target × %s min each",
				Plural(t.Economics.WastedLeads, "lead", "leads"), decimal(s.MinutesPerLead, 1))},
		speedTile(t.Speed),
	}
	if e := t.Economics; e.Spend != nil {
		d.HasSpend = true
		d.Tiles = append(d.Tiles, tile{Label: "Cost per SAL", Value: s.MoneyOr(e.CostPerSAL),
			Note: fmt.Sprintf("%s spent · %s per lead", s.Money(*e.Spend), s.MoneyOr(e.CostPerLead))})
	} else {
		d.Tiles[len(d.Tiles)-1].Wide = true // keeps the strip two full rows
	}
	d.HasEmail = t.Nurture != (Nurture{})
	d.HasRevenue = hasRevenue(t)
	d.Overall = rowPanel("all", "all campaigns", t)
	for i, c := range r.Campaigns {
		d.HasTests = d.HasTests || len(c.Tests) > 0
		anchor := "c" + strconv.Itoa(i+1)
		d.Campaigns = append(d.Campaigns, campaignView{
			Campaign: c, Anchor: anchor, Charts: rowPanel(anchor, c.Total.Name(), c.Total),
			HasEmail: c.Total.Nurture != (Nurture{}),
		})
	}
	return d
}

func rowPanel(id, who string, r Row) panel {
	return panel{
		Funnel:    funnelChart(id+"-funnel", who, r.Funnel),
		NonTarget: reasonChart(id+"-dq", "Non-target leads by reason, "+who, "dq", r.NonTarget),
		Rejected:  reasonChart(id+"-rej", "Leads rejected by sales by reason, "+who, "reject", r.Rejected),
		Speed:     speedChart(id+"-speed", who, r.Speed),
	}
}

func speedTile(s Speed) tile {
	t := tile{Label: "First response, median", Value: s.Median.Label}
	switch {
	case s.Handoffs == 0 && !s.Median.Known:
		t.Value, t.Note = "—", "no alerts sent to sales yet"
	case !s.Median.Known:
		t.Note = Plural(s.Handoffs, "alert", "alerts") + " sent · " + Plural(s.SLABreaches, "SLA breach", "SLA breaches")
	default:
		t.Note = fmt.Sprintf("p90 %s · %s of answers within %d min · %s (%s of alerts)",
			s.P90.Label, s.WithinTarget, TargetMinutes, Plural(s.SLABreaches, "SLA breach", "SLA breaches"), s.SLABreachRate)
	}
	return t
}
