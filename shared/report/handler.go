package report

// The handler serves the campaign reports (GET /reports as JSON, CSV or
// the HTML dashboard) and sends the weekly digest to marketing, exactly
// once per week. Reports read the monthly counters only — never the leads.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/token"
)

// Routes this handler serves: GET /reports and the planner IAM-authorised
// in AWS, the dashboard of a digest's signed link public.
var Routes = []string{"GET /reports", PlanRoute, DashboardRoute}

// DashboardRoute shows the HTML dashboard to whoever holds a digest's
// signed link (links.Dashboard): a browser makes no signed AWS request.
const DashboardRoute = "GET /dashboard/{token}"

// Store is what reports read and the digest records.
type Store interface {
	// MonthSources lists every campaign's and variant's counters of a month.
	MonthSources(ctx context.Context, month string) ([]Source, error)
	// Once records key and reports true the first time only.
	Once(ctx context.Context, key string, at time.Time) (bool, error)
	// Forget removes a key recorded by Once (the digest was not sent).
	Forget(ctx context.Context, key string) error
}

// Handler serves reports and the digest.
type Handler struct {
	Store     Store
	Economics Economics
	Mail      mail.Sender
	// From sends the digest to Marketing.
	From, Marketing  string
	ConfigurationSet string
	// BaseURL is where the dashboard is (for the digest's link).
	BaseURL string
	// Keys sign the digests' dashboard links (links.Dashboard) and verify
	// them on DashboardRoute; without keys the digests link GET /reports.
	Keys token.Keys
	// Teams are the routing config's sales teams: the per-rep view names
	// reps by them, and each team's lead gets the team's weekly digest
	// (TeamDigests).
	Teams []Team
	// Open reads each rep's open leads for the per-rep view; nil leaves
	// the open figures out. A lead accepted longer ago than OpenHorizon
	// (the outcome horizon; 0: no bound) can take no outcome any more and
	// is not counted, as the rep's own weekly list leaves it out.
	Open        OpenStore
	OpenHorizon time.Duration
	Clock       func() time.Time
	Log         *slog.Logger

	// Segments are the retargeting segments' counts (nil: none shown).
	Segments Segments
}

var monthRe = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// maxMonths bounds a report's period (one query per month).
const maxMonths = 24

// Build reads the counters of a period and builds the
func (h *Handler) Build(ctx context.Context, from, to string) (Report, error) {
	sources, err := h.monthSources(ctx, from, to)
	if err != nil {
		return Report{}, err
	}
	return h.build(ctx, sources, Period{From: from, To: to})
}

// build is Build of the sources' months in period.
func (h *Handler) build(ctx context.Context, sources []Source, period Period) (Report, error) {
	r := Build(sources, h.Economics, period)
	var err error
	r.Reps, err = h.reps(ctx, sources, r.Period)
	return r, err
}

// monthSources reads the counters of the months from to to, one query
// each.
func (h *Handler) monthSources(ctx context.Context, from, to string) ([]Source, error) {
	start, err := time.Parse("2006-01", from)
	if err != nil {
		return nil, err
	}
	var sources []Source
	for m := start; m.Format("2006-01") <= to; m = m.AddDate(0, 1, 0) {
		rows, err := h.Store.MonthSources(ctx, m.Format("2006-01"))
		if err != nil {
			return nil, err
		}
		sources = append(sources, rows...)
	}
	return sources, nil
}

// Handle serves GET /reports?from=YYYY-MM&to=YYYY-MM&format=json|csv|html.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	if req.RouteKey == PlanRoute {
		return h.Plan(ctx, req)
	}
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	q := req.QueryStringParameters
	// This month is the business time zone's (REPORT_TIME_ZONE), the
	// zone the counters' months are in.
	now := h.Clock().In(lead.MonthZone())
	signed := req.RouteKey == DashboardRoute
	if signed {
		// A digest's link: the HTML dashboard and nothing else, while
		// the link lasts.
		if _, err := h.Keys.Verify(req.PathParameters["token"], links.ActionDashboard, now); err != nil {
			log.Warn("report", "status", http.StatusForbidden, "outcome", "bad_link")
			return httpapi.Page(http.StatusForbidden, expiredDashboard, signedPolicy, nil), nil
		}
		q = map[string]string{"from": q["from"], "to": q["to"], "format": "html"} // "" is not given
	}
	to := orDefault(q["to"], now.Format("2006-01"))
	// Without `from`: the month `to` names and the two before it — this
	// month and the two before without either (never now.AddDate: 31 Mar
	// − 1 month is 3 Mar).
	end := now
	if t, err := time.Parse("2006-01", to); err == nil && monthRe.MatchString(to) {
		end = t
	}
	from := orDefault(q["from"], LookbackFor(end, 3).From)
	format := orDefault(q["format"], "json")
	var problems []map[string]string
	for _, f := range []struct{ field, v string }{{"from", from}, {"to", to}} {
		if !monthRe.MatchString(f.v) {
			problems = append(problems, map[string]string{"field": f.field, "reason": "must be a month like 2026-11"})
		}
	}
	if format != "json" && format != "csv" && format != "html" {
		problems = append(problems, map[string]string{"field": "format", "reason": "must be json, csv or html"})
	}
	if len(problems) == 0 {
		f, _ := time.Parse("2006-01", from)
		t, _ := time.Parse("2006-01", to)
		switch {
		case t.Before(f) && q["to"] == "":
			// `to` was not given: it is this month, which `from` passed.
			problems = append(problems, map[string]string{"field": "from", "reason": "must not be after this month (" + to + "), which `to` is without one"})
		case t.Before(f) || f.AddDate(0, maxMonths, 0).Before(t):
			problems = append(problems, map[string]string{"field": "to", "reason": fmt.Sprintf("must be from `from` to %d months after it", maxMonths)})
		}
	}
	if len(problems) > 0 {
		log.Warn("report", "status", http.StatusBadRequest)
		if format == "html" {
			// A browser: a page saying what to fix, linking the default
			// months (relative: the same path, /reports or the signed one).
			back := "?format=html"
			if signed {
				back = req.PathParameters["token"]
			}
			return badDashboardPage(problems, q, back, signed), nil
		}
		return httpapi.JSON(http.StatusBadRequest, map[string]any{"error": "invalid report request", "fields": problems}, nil), nil
	}
	r, err := h.Build(ctx, from, to)
	if err == nil && h.Segments != nil && format != "csv" {
		r.Segments, err = h.Segments.SegmentRows(ctx)
	}
	if err != nil {
		log.Error("report", "status", http.StatusInternalServerError, "error", err.Error())
		return httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error", "request_id": req.RequestContext.RequestID}, nil), nil
	}
	var b bytes.Buffer
	ct := map[string]string{"json": "application/json", "csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8"}[format]
	switch format {
	case "json":
		err = r.JSON(&b)
	case "csv":
		err = r.CSV(&b)
	case "html":
		err = r.html(&b, !signed)
	}
	if err != nil {
		log.Error("report", "status", http.StatusInternalServerError, "error", err.Error())
		return httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error"}, nil), nil
	}
	headers := map[string]string{"Content-Type": ct, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
	if format == "csv" {
		headers["Content-Disposition"] = fmt.Sprintf(`attachment; filename="leadflow-%s-%s.csv"`, from, to)
	}
	log.Info("report", "status", http.StatusOK, "format", format, "from", from, "to", to, "campaigns", len(r.Campaigns))
	if format == "html" {
		policy := DashboardPolicy
		if signed {
			policy.Referrer = httpapi.NoReferrer // the URL is a credential
		}
		return httpapi.Page(http.StatusOK, b.String(), policy, headers), nil
	}
	return httpapi.Response{StatusCode: http.StatusOK, Body: b.String(), Headers: headers}, nil
}

// Digest sends the weekly digest (this month and the last) once per ISO
// week, however often the schedule fires or Lambda retries.
func (h *Handler) Digest(ctx context.Context) (string, error) {
	// The week (its once-marker) is UTC's, as it always was: a changed
	// zone never sends a week's digest twice. The months are the
	// business time zone's, the counters'.
	now := h.Clock().In(lead.MonthZone())
	year, week := now.UTC().ISOWeek()
	key := fmt.Sprintf("DIGEST#%d-W%02d", year, week)
	first, err := h.Store.Once(ctx, key, now)
	if err != nil {
		return "", err
	}
	if !first {
		return "already_sent", nil
	}
	// The figures are last month's and this one's; the A/B tests count
	// from their own start (TestsFromStart), up to maxMonths back.
	period := LookbackFor(now, 2)
	history, err := h.monthSources(ctx, LookbackFor(now, maxMonths).From, period.To)
	var r Report
	if err == nil {
		r, err = h.build(ctx, history, period)
		r.TestsFromStart(history, h.Economics)
	}
	if err == nil {
		var subject, html, text string
		subject, html, text, err = r.Digest(DigestOptions{DashboardURL: h.dashboardURL("marketing", now), Week: fmt.Sprintf("%d-W%02d", year, week)})
		if err == nil {
			_, err = h.Mail.Send(ctx, mail.Message{From: h.From, To: h.Marketing, Subject: subject, HTML: html, Text: text,
				Tags: map[string]string{"kind": "digest"}, ConfigurationSet: h.ConfigurationSet})
		}
	}
	if err != nil {
		if ferr := h.Store.Forget(ctx, key); ferr != nil {
			return "", errors.Join(err, ferr)
		}
		return "", err
	}
	return "sent", nil
}

// dashboardURL is the dashboard link of a digest to reader ("marketing",
// "team"): a signed link (DashboardRoute) when the handler has keys,
// else GET /reports, which needs a signed AWS request.
func (h *Handler) dashboardURL(reader string, now time.Time) string {
	switch {
	case h.BaseURL == "":
		return ""
	case h.Keys.Current() != "":
		return links.Dashboard(h.Keys, h.BaseURL, reader, now)
	}
	return h.BaseURL + "/reports?format=html"
}

// badDashboardPage is the 400 page of a dashboard asked for months that
// are none, listing each field with what it got.
func badDashboardPage(problems []map[string]string, q map[string]string, back string, signed bool) httpapi.Response {
	type item struct{ Field, Reason, Got string }
	var items []item
	for _, p := range problems {
		items = append(items, item{p["field"], p["reason"], q[p["field"]]})
	}
	var b bytes.Buffer
	if err := badMonthsTmpl.Execute(&b, map[string]any{"Problems": items, "Back": back}); err != nil {
		return httpapi.JSON(http.StatusBadRequest, map[string]any{"error": "invalid report request", "fields": problems}, nil)
	}
	policy := httpapi.Policy{Styles: httpapi.Styles(b.String())}
	if signed {
		policy.Referrer = httpapi.NoReferrer // the URL is a credential
	}
	return httpapi.Page(http.StatusBadRequest, b.String(), policy, nil)
}

var badMonthsTmpl = template.Must(template.New("bad").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>These months cannot be shown</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:1.5rem auto;padding:0 1rem;line-height:1.5;color:#1d2433}h1{font-size:1.5rem}</style>
</head><body><main><h1>These months cannot be shown</h1>
<p>The address asks the dashboard for a period it cannot show:</p>
<ul>{{range .Problems}}<li><strong>{{.Field}}</strong>: {{.Reason}}{{with .Got}} (got “{{.}}”){{end}}</li>{{end}}</ul>
<p>Fix the address, or open <a href="{{.Back}}">the last three months</a>.</p>
</main></body></html>`))

// signedPolicy is the policy of the page a bad dashboard link gets.
var signedPolicy = httpapi.Policy{Styles: httpapi.Styles(expiredDashboard), Referrer: httpapi.NoReferrer}

// expiredDashboard is the page of an expired, damaged or foreign
// dashboard link: what to do instead.
const expiredDashboard = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>This dashboard link has expired</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:1.5rem auto;padding:0 1rem;line-height:1.5;color:#1d2433}h1{font-size:1.5rem}</style>
</head><body><main><h1>This dashboard link has expired</h1>
<p>A digest's dashboard link works for 14 days, or this one was damaged on the way. Open the dashboard from the latest weekly digest (each brings a new link), or with AWS credentials at <code>GET /reports?format=html</code>.</p>
</main></body></html>`

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
