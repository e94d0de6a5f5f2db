package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
)

// OpenStore reads the leads open with a rep for the per-rep view.
type OpenStore interface {
	// OpenSince lists when each lead open with rep (accepted, no won or
	// lost yet) was accepted, at or after since.
	OpenSince(ctx context.Context, rep string, since time.Time) ([]time.Time, error)
}

// reps builds the per-rep rows of a period: the rep sources, and the
// open leads of every rep or team lead of the routing config and every
// address with counters in the period, one index query each.
func (h *Handler) reps(ctx context.Context, sources []Source, period Period) ([]RepRow, error) {
	var open map[string]OpenAges
	if h.Open != nil {
		now := h.Clock()
		var since time.Time // a lead accepted before it can take no outcome any more
		if h.OpenHorizon > 0 {
			since = now.Add(-h.OpenHorizon)
		}
		open = map[string]OpenAges{}
		read := func(addr string) error {
			k := repKey(addr)
			if _, done := open[k]; done || k == "" {
				return nil
			}
			accepted, err := h.Open.OpenSince(ctx, k, since)
			if err != nil {
				return err
			}
			open[k] = AgeOpen(accepted, now)
			return nil
		}
		for _, t := range h.Teams {
			for _, p := range append(append([]Person(nil), t.Reps...), t.Lead) {
				if err := read(p.Email); err != nil {
					return nil, err
				}
			}
		}
		for _, s := range sources {
			if s.Rep != "" && period.Contains(s.Month) {
				if err := read(s.Rep); err != nil {
					return nil, err
				}
			}
		}
	}
	return BuildReps(sources, period, h.Teams, open), nil
}

// TeamDigests sends each team lead of the routing config the weekly
// digest of their team's reps (this month and the last, and the open
// leads as they are now), exactly once per ISO week and team however
// often the schedule fires or Lambda retries (a Once marker per team and
// week, forgotten again when the email did not go). A team without a
// lead, or whose reps have nothing to report, gets none. It returns how
// many it sent; a failed team is tried again on the next run.
func (h *Handler) TeamDigests(ctx context.Context) (int, error) {
	// The week (its once-marker) is UTC's; the months are the business
	// time zone's, the counters'.
	now := h.Clock().In(lead.MonthZone())
	year, week := now.UTC().ISOWeek()
	wk := fmt.Sprintf("%d-W%02d", year, week)
	var r *Report
	sent := 0
	var errs []error
	for _, t := range h.Teams {
		if t.Lead.Email == "" {
			continue
		}
		if r == nil {
			period := LookbackFor(now, 2) // last month and this one
			built, err := h.Build(ctx, period.From, period.To)
			if err != nil {
				return 0, err
			}
			r = &built
		}
		if !r.teamActive(t.Name) {
			continue
		}
		key := "TEAMDIGEST#" + t.Name + "#" + wk
		first, err := h.Store.Once(ctx, key, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !first {
			continue
		}
		subject, html, text, err := r.TeamDigest(t, DigestOptions{DashboardURL: h.dashboardURL("team", now), Week: wk})
		if err == nil {
			_, err = h.Mail.Send(ctx, mail.Message{From: h.From, To: t.Lead.Email, Subject: subject, HTML: html, Text: text,
				Tags: map[string]string{"kind": "team_digest"}, ConfigurationSet: h.ConfigurationSet})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("team %s: %w", t.Name, err), h.Store.Forget(ctx, key))
			continue
		}
		sent++
	}
	return sent, errors.Join(errs...)
}

// TeamRows are the rows of the reps a team lists (and its lead's, when
// active), in the report's order.
func (r Report) TeamRows(team string) []RepRow {
	var out []RepRow
	for _, row := range r.Reps {
		if row.InTeam(team) {
			out = append(out, row)
		}
	}
	return out
}

func (r Report) teamActive(team string) bool {
	for _, row := range r.TeamRows(team) {
		if row.Active() {
			return true
		}
	}
	return false
}

var (
	teamDigestHTML = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.New("teamdigest.html.tmpl").Funcs(funcs).
			ParseFS(templateFS, "templates/teamdigest.html.tmpl"))
	})
	teamDigestText = sync.OnceValue(func() *texttemplate.Template {
		return texttemplate.Must(texttemplate.New("teamdigest.txt.tmpl").
			ParseFS(templateFS, "templates/teamdigest.txt.tmpl"))
	})
)

// teamDigest is what both team digest templates read; every string is
// flattened to one line.
type teamDigest struct {
	Subject, When, Team, DashboardURL string
	Headline                          string
	Reps                              []teamDigestRep
}

type teamDigestRep struct {
	Name  string       // "Ana Lopez (ana@example.com)"
	Items []digestItem // figure lines
	Quiet bool         // nothing to report for this rep
	Lines []string     // Items as text lines
}

// TeamDigest renders a team lead's weekly digest: per rep of the team,
// alerts and answers, first response (bucketed), SLA breaches, accepted
// leads still without an outcome by age, deals and revenue, and the main
// rejection reasons. Counts and amounts only: no lead is named.
func (r Report) TeamDigest(t Team, opt DigestOptions) (subject, html, text string, err error) {
	if opt.DashboardURL != "" {
		u, perr := url.Parse(opt.DashboardURL)
		if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", "", "", fmt.Errorf("%w: dashboard URL %q is not an absolute http(s) URL", ErrInvalidOptions, opt.DashboardURL)
		}
	}
	if opt.Top <= 0 {
		opt.Top = 3
	}
	d := r.teamDigest(t, opt)
	var hb, tb bytes.Buffer
	if err := teamDigestHTML().Execute(&hb, d); err != nil {
		return "", "", "", err
	}
	if err := teamDigestText().Execute(&tb, d); err != nil {
		return "", "", "", err
	}
	return d.Subject, hb.String(), tb.String(), nil
}

func (r Report) teamDigest(t Team, opt DigestOptions) teamDigest {
	s := r.Settings
	period := r.Period.Label()
	team := oneLine(t.Name, 60)
	d := teamDigest{Team: team, DashboardURL: r.Period.link(opt.DashboardURL, "reps"), When: "figures for " + period + "; open leads as of now"}
	label := period
	if w := oneLine(opt.Week, 40); w != "" {
		label = "week " + w
		d.When = "week " + w + " · " + d.When
	}
	rows := r.TeamRows(t.Name)
	var alerts, accepted, breaches, open, won int64
	var revenue float64
	for _, row := range rows {
		alerts += row.Alerts
		accepted += row.Accepted
		breaches += row.SLA.Breaches
		won += row.Deals.Won
		revenue += row.Deals.Revenue
		if row.Open != nil {
			open += row.Open.Total
		}
	}
	d.Subject = oneLine(fmt.Sprintf("Sales team %s, %s: %s, %s accepted, %s, %s won",
		team, label, Plural(alerts, "alert", "alerts"), Count(accepted), Plural(breaches, "SLA breach", "SLA breaches"), Count(won)), maxSubject)
	d.Headline = oneLine(fmt.Sprintf("%s over %s: %s, %s accepted, %s · %s without an outcome · %s won (%s)",
		Plural(int64(len(rows)), "rep", "reps"), period, Plural(alerts, "alert", "alerts"), Count(accepted),
		Plural(breaches, "SLA breach", "SLA breaches"), Plural(open, "accepted lead", "accepted leads"), Count(won), s.Money(revenue)), 300)
	for _, row := range rows {
		name := oneLine(row.DisplayName(), 60)
		if row.Name != "" {
			name += " (" + oneLine(row.Rep, 80) + ")"
		}
		if row.Rep == repKey(t.Lead.Email) {
			name += ", team lead" // escalations they took over
		}
		rep := teamDigestRep{Name: name, Quiet: !row.Active()}
		if !rep.Quiet {
			rep.Items = repItems(row, s, opt.Top)
			for _, it := range rep.Items {
				line := it.Name + ": " + it.Figure
				if it.Detail != "" {
					line += " (" + it.Detail + ")"
				}
				rep.Lines = append(rep.Lines, line)
			}
		}
		d.Reps = append(d.Reps, rep)
	}
	return d
}

// repItems are a rep's figures as digest lines.
func repItems(row RepRow, s Settings, top int) []digestItem {
	resp := row.Response
	items := []digestItem{
		{Name: "Alerts received", Figure: Count(row.Alerts),
			Detail: fmt.Sprintf("%s accepted, %s rejected: %s of the answers accepted", Count(row.Accepted), Count(row.Rejected.Total), row.AcceptRate)},
	}
	if resp.Median.Known {
		items = append(items, digestItem{Name: "First response, median", Figure: resp.Median.Label,
			Detail: fmt.Sprintf("p90 %s, over %s; bucketed", resp.P90.Label, Plural(resp.Responses, "response", "responses"))})
	} else {
		items = append(items, digestItem{Name: "First response, median", Figure: "—", Detail: NoResponses})
	}
	items = append(items, digestItem{Name: "SLA breaches", Figure: Count(row.SLA.Breaches),
		Detail: fmt.Sprintf("%s of alerts; %s escalated, %s answered late", row.SLA.Rate, Count(row.SLA.Escalated), Count(row.SLA.AnsweredLate))})
	if o := row.Open; o != nil {
		items = append(items, digestItem{Name: "Accepted, no outcome yet", Figure: Count(o.Total),
			Detail: fmt.Sprintf("under 7 days %s · 7–30 days %s · over 30 days %s", Count(o.Under7), Count(o.Days7To30), Count(o.Over30))})
	}
	dl := row.Deals
	items = append(items, digestItem{Name: "Won", Figure: Count(dl.Won),
		Detail: fmt.Sprintf("lost %s · win rate %s · revenue %s", Count(dl.Lost), dl.WinRate, s.Money(dl.Revenue))})
	if rs := row.TopReasons(top); len(rs) > 0 {
		parts := make([]string, len(rs))
		for i, x := range rs {
			parts[i] = oneLine(x.Label, 40) + " " + Count(x.Count)
		}
		items = append(items, digestItem{Name: "Rejected, main reasons", Figure: Count(row.Rejected.Total), Detail: strings.Join(parts, ", ")})
	}
	return items
}
