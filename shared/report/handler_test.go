package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/token"
)

// now is Wednesday 12 March 2031 (ISO week 11).
var now = time.Date(2031, 3, 12, 8, 0, 0, 0, time.UTC)

// seeded is a store with counters for three months of two campaigns (one
// with an A/B variant), and a month before them.
func seeded(t *testing.T) *memstore.Store {
	t.Helper()
	st := memstore.New()
	ctx := context.Background()
	for i, m := range []time.Time{
		time.Date(2030, 12, 5, 0, 0, 0, 0, time.UTC), time.Date(2031, 1, 5, 0, 0, 0, 0, time.UTC),
		time.Date(2031, 2, 5, 0, 0, 0, 0, time.UTC), time.Date(2031, 3, 5, 0, 0, 0, 0, time.UTC),
	} {
		for range 10 * (i + 1) {
			if err := st.Count(ctx, "spring", m, "leads"); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Count(ctx, "autumn", m, "leads", "mql", "sal"); err != nil {
			t.Fatal(err)
		}
	}
	// A lead of spring's variant b: counts for spring and for spring/b.
	l := lead.New("L1", lead.Submission{Email: "ann@acme.example", Source: lead.Attribution{Campaign: "spring", Variant: "b", At: now}})
	ch := lead.Change{At: now, Counters: []lead.Counter{{Campaign: "spring", Name: "leads"}}}
	if err := st.CreateLead(ctx, l, ch, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

func newHandler(st report.Store, out *mailtest.Outbox) *report.Handler {
	return &report.Handler{Store: st, Mail: out, From: "reports@example.com", Marketing: "marketing@example.com",
		ConfigurationSet: "leadflow", BaseURL: "https://api.example.com",
		Clock: func() time.Time { return now }, Log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))}
}

func get(t *testing.T, h *report.Handler, query map[string]string) httpapi.Response {
	t.Helper()
	req := httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: query}
	req.RequestContext.HTTP.Method = http.MethodGet
	req.RequestContext.RequestID = "req-1"
	resp, err := h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// summary is the part of the JSON report these tests read.
type summary struct {
	Period struct{ From, To string }
	Months []string
	Total  struct{ Leads int64 }
	// Campaigns, by id, with their variants.
	Campaigns []struct {
		Total struct {
			Campaign string
			Leads    int64
		}
		Variants []struct {
			Variant string
			Leads   int64
		}
	}
}

func TestReportFormats(t *testing.T) {
	h := newHandler(seeded(t), &mailtest.Outbox{})
	q := map[string]string{"from": "2031-01", "to": "2031-03"}

	q["format"] = "json"
	resp := get(t, h, q)
	if resp.StatusCode != http.StatusOK || resp.Headers["Content-Type"] != "application/json" || resp.Headers["Cache-Control"] != "no-store" {
		t.Fatalf("json: %d %v", resp.StatusCode, resp.Headers)
	}
	var s summary
	if err := json.Unmarshal([]byte(resp.Body), &s); err != nil {
		t.Fatal(err)
	}
	// December 2030 is outside the period: spring 20+30+40+1, autumn 3.
	got := fmt.Sprintf("%s..%s %v total %d", s.Period.From, s.Period.To, s.Months, s.Total.Leads)
	if want := "2031-01..2031-03 [2031-01 2031-02 2031-03] total 94"; got != want {
		t.Fatalf("report = %s, want %s", got, want)
	}
	if len(s.Campaigns) != 2 || s.Campaigns[1].Total.Campaign != "spring" || s.Campaigns[1].Total.Leads != 91 ||
		len(s.Campaigns[1].Variants) != 1 || s.Campaigns[1].Variants[0].Variant != "b" || s.Campaigns[1].Variants[0].Leads != 1 {
		t.Fatalf("campaigns = %+v", s.Campaigns)
	}

	q["format"] = "csv"
	resp = get(t, h, q)
	if resp.StatusCode != http.StatusOK || resp.Headers["Content-Type"] != "text/csv; charset=utf-8" ||
		resp.Headers["Content-Disposition"] != `attachment; filename="leadflow-2031-01-2031-03.csv"` {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Headers)
	}
	rows, err := csv.NewReader(strings.NewReader(resp.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(report.CSVColumns(), ",") || len(rows) != 1+4 { // campaigns, variant, total
		t.Fatalf("csv has %d rows, header %v", len(rows), rows[0])
	}

	q["format"] = "html"
	resp = get(t, h, q)
	if resp.StatusCode != http.StatusOK || resp.Headers["Content-Type"] != "text/html; charset=utf-8" || !strings.Contains(resp.Body, "spring") {
		t.Fatalf("html: %d %v", resp.StatusCode, resp.Headers)
	}
}

func TestReportDefaultsToTheLastThreeMonths(t *testing.T) {
	resp := get(t, newHandler(seeded(t), &mailtest.Outbox{}), nil)
	var s summary
	if err := json.Unmarshal([]byte(resp.Body), &s); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	if s.Period.From != "2031-01" || s.Period.To != "2031-03" {
		t.Fatalf("period = %+v", s.Period)
	}
}

// TestReportDefaultsAroundTheMonthsGiven: a report asked with only `to`
// covers that month and the two before it, as one asked with neither
// covers this month and the two before; only `from` runs to this month.
func TestReportDefaultsAroundTheMonthsGiven(t *testing.T) {
	h := newHandler(seeded(t), &mailtest.Outbox{})
	for _, tc := range []struct {
		query    map[string]string
		from, to string
	}{
		{map[string]string{"to": "2031-02"}, "2030-12", "2031-02"},
		{map[string]string{"to": "2029-01"}, "2028-11", "2029-01"},
		{map[string]string{"from": "2030-12"}, "2030-12", "2031-03"},
	} {
		resp := get(t, h, tc.query)
		var s summary
		if err := json.Unmarshal([]byte(resp.Body), &s); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%v: %d %s", tc.query, resp.StatusCode, resp.Body)
			continue
		}
		if s.Period.From != tc.from || s.Period.To != tc.to {
			t.Errorf("%v: period = %+v, want %s..%s", tc.query, s.Period, tc.from, tc.to)
		}
	}
}

func TestBadReportRequests(t *testing.T) {
	h := newHandler(seeded(t), &mailtest.Outbox{})
	for _, tc := range []struct {
		name  string
		query map[string]string
		field string
	}{
		{"month 13", map[string]string{"from": "2031-13"}, "from"},
		{"not a month", map[string]string{"to": "March"}, "to"},
		{"a day", map[string]string{"from": "2031-01-01"}, "from"},
		{"unknown format", map[string]string{"format": "xml"}, "format"},
		{"to before from", map[string]string{"from": "2031-03", "to": "2031-01"}, "to"},
		{"more than 24 months", map[string]string{"from": "2029-01", "to": "2031-02"}, "to"},
		// Only `from`, after this month (which `to` defaults to): the
		// field the user gave is the one to fix.
		{"from after this month, no to", map[string]string{"from": "2031-06"}, "from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, h, tc.query)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Body, `"field":"`+tc.field+`"`) {
				t.Fatalf("%d %s, want 400 naming %s", resp.StatusCode, resp.Body, tc.field)
			}
		})
	}
	// Several bad fields are listed in the order of the query's fields,
	// every time.
	for range 10 {
		resp := get(t, h, map[string]string{"from": "x", "to": "y", "format": "xml"})
		if i, j, k := strings.Index(resp.Body, `"field":"from"`), strings.Index(resp.Body, `"field":"to"`), strings.Index(resp.Body, `"field":"format"`); !(0 <= i && i < j && j < k) {
			t.Fatalf("fields out of order: %s", resp.Body)
		}
	}
	// The longest period allowed is fine.
	if resp := get(t, h, map[string]string{"from": "2029-03", "to": "2031-03"}); resp.StatusCode != http.StatusOK {
		t.Fatalf("24 months: %d %s", resp.StatusCode, resp.Body)
	}
}

// failingStore fails the listing of counters or recording a digest.
type failingStore struct {
	*memstore.Store
	list, once error
}

func (s failingStore) MonthSources(ctx context.Context, m string) ([]report.Source, error) {
	if s.list != nil {
		return nil, s.list
	}
	return s.Store.MonthSources(ctx, m)
}

func (s failingStore) Once(ctx context.Context, k string, at time.Time) (bool, error) {
	if s.once != nil {
		return false, s.once
	}
	return s.Store.Once(ctx, k, at)
}

func TestReportStoreFailureIs500(t *testing.T) {
	resp := get(t, newHandler(failingStore{Store: seeded(t), list: errors.New("dynamodb: throttled")}, &mailtest.Outbox{}), nil)
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(resp.Body, "dynamodb") || !strings.Contains(resp.Body, "req-1") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
}

func TestDigestOncePerWeek(t *testing.T) {
	out := &mailtest.Outbox{}
	h := newHandler(seeded(t), out)
	for i, want := range []string{"sent", "already_sent", "already_sent"} {
		got, err := h.Digest(context.Background())
		if err != nil || got != want {
			t.Fatalf("run %d = %s, %v; want %s", i, got, err, want)
		}
	}
	if len(out.Sent()) != 1 {
		t.Fatalf("%d digests in one week", len(out.Sent()))
	}
	m := out.Sent()[0]
	if m.To != "marketing@example.com" || m.From != "reports@example.com" || !strings.Contains(m.Subject, "2031-W11") ||
		m.Tags["kind"] != "digest" || m.ConfigurationSet != "leadflow" || !strings.Contains(m.Text, "https://api.example.com/reports?format=html") {
		t.Fatalf("digest = %+v", m)
	}
	// Sunday is still week 11; Monday starts week 12.
	h.Clock = func() time.Time { return time.Date(2031, 3, 16, 23, 0, 0, 0, time.UTC) }
	if got, _ := h.Digest(context.Background()); got != "already_sent" {
		t.Fatalf("Sunday = %s", got)
	}
	h.Clock = func() time.Time { return time.Date(2031, 3, 17, 0, 30, 0, 0, time.UTC) }
	if got, err := h.Digest(context.Background()); err != nil || got != "sent" || len(out.Sent()) != 2 || !strings.Contains(out.Sent()[1].Subject, "2031-W12") {
		t.Fatalf("next week = %s, %v; %d digests", got, err, len(out.Sent()))
	}
}

// TestDigestCoversLastMonthOnAMonthsLastDays: "a month before 31 March"
// is 3 March in Go's date arithmetic; the digest still covers February
// and March, and the dashboard's default period its three months.
func TestDigestCoversLastMonthOnAMonthsLastDays(t *testing.T) {
	out := &mailtest.Outbox{}
	h := newHandler(seeded(t), out)
	h.Clock = func() time.Time { return time.Date(2031, 3, 31, 8, 0, 0, 0, time.UTC) }
	if got, err := h.Digest(context.Background()); err != nil || got != "sent" {
		t.Fatalf("digest = %s, %v", got, err)
	}
	if m := out.Sent()[0]; !strings.Contains(m.Text, "Feb 2031 – Mar 2031") {
		t.Fatalf("the digest of 31 March does not cover February and March:\n%s", m.Text)
	}
	h.Clock = func() time.Time { return time.Date(2031, 4, 30, 8, 0, 0, 0, time.UTC) }
	if resp := get(t, h, nil); resp.StatusCode != http.StatusOK || !strings.Contains(strings.Join(strings.Fields(resp.Body), ""), `"period":{"from":"2031-02","to":"2031-04"}`) {
		t.Fatalf("the dashboard of 30 April does not start in February: %d %.300s", resp.StatusCode, resp.Body)
	}
}

func TestFailedDigestIsRetried(t *testing.T) {
	out := &mailtest.Outbox{Fail: mail.ErrThrottled}
	h := newHandler(seeded(t), out)
	if _, err := h.Digest(context.Background()); !errors.Is(err, mail.ErrThrottled) {
		t.Fatalf("err = %v, want the send's", err)
	}
	out.Fail = nil
	if got, err := h.Digest(context.Background()); err != nil || got != "sent" || len(out.Sent()) != 1 {
		t.Fatalf("retry = %s, %v; %d digests", got, err, len(out.Sent()))
	}
	if got, _ := h.Digest(context.Background()); got != "already_sent" {
		t.Fatalf("after the retry = %s", got)
	}
}

func TestDigestNotRecordedIsNotSent(t *testing.T) {
	out := &mailtest.Outbox{}
	h := newHandler(failingStore{Store: seeded(t), once: errors.New("dynamodb: throttled")}, out)
	if _, err := h.Digest(context.Background()); err == nil || len(out.Sent()) != 0 {
		t.Fatalf("err = %v, %d sent; want an error and nothing sent", err, len(out.Sent()))
	}
}

// TestDashboardHeaders: the dashboard renders under its own policy (its
// hashed <style>, nothing else, no framing); every format is nosniff.
func TestDashboardHeaders(t *testing.T) {
	h := newHandler(seeded(t), &mailtest.Outbox{})
	for _, format := range []string{"html", "json", "csv"} {
		resp := get(t, h, map[string]string{"from": "2031-01", "to": "2031-03", "format": format})
		if resp.Headers["X-Content-Type-Options"] != "nosniff" {
			t.Errorf("%s: no nosniff: %v", format, resp.Headers)
		}
		if format != "html" {
			continue
		}
		if p := httpapitest.PageProblems(resp); len(p) > 0 {
			t.Errorf("dashboard: %q\nCSP %s", p, resp.Headers["Content-Security-Policy"])
		}
		if httpapitest.Framing(resp) || !strings.Contains(resp.Headers["Content-Security-Policy"], "style-src 'sha256-") {
			t.Errorf("dashboard headers %v", resp.Headers)
		}
	}
}

type openAt map[string][]time.Time

// OpenSince keeps to the store's contract: acceptances at or after since.
func (o openAt) OpenSince(_ context.Context, rep string, since time.Time) ([]time.Time, error) {
	var out []time.Time
	for _, at := range o[rep] {
		if !at.Before(since) {
			out = append(out, at)
		}
	}
	return out, nil
}

// TestRepsOpenLeadsEndAtTheOutcomeHorizon: a lead accepted longer ago
// than the outcome horizon can take no outcome any more; the per-rep view
// does not count it as open (the rep's own weekly list leaves it out too),
// so "over 30 days" does not grow for ever.
func TestRepsOpenLeadsEndAtTheOutcomeHorizon(t *testing.T) {
	h := newHandler(seeded(t), &mailtest.Outbox{})
	h.Teams = []report.Team{{Name: "sales", Reps: []report.Person{{Name: "Ana", Email: "ana@example.com"}}}}
	day := 24 * time.Hour
	h.Open = openAt{"ana@example.com": {now.Add(-400 * day), now.Add(-181 * day), now.Add(-40 * day), now.Add(-3 * day)}}
	h.OpenHorizon = 180 * day
	r, err := h.Build(context.Background(), "2031-01", "2031-03")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r.Reps {
		if row.Rep == "ana@example.com" {
			if row.Open == nil || *row.Open != (report.OpenAges{Total: 2, Under7: 1, Over30: 1}) {
				t.Fatalf("Ana's open leads: %+v; want the two within the horizon", row.Open)
			}
			return
		}
	}
	t.Fatalf("no row for Ana: %+v", r.Reps)
}

// TestDashboardLinkOpensWithoutAWSCredentials: GET /reports needs a
// signed AWS request, which no browser makes, so the digest's dashboard
// link is a signed link instead: GET /dashboard/{token} shows the HTML
// dashboard, for the months the link names, for two weeks. An expired,
// forged or other link's token gets a page saying what to do, not the
// figures; the page's URL is a credential (no referrer, not indexed, not
// cached), and it offers no planner (its relative link needs /reports).
func TestDashboardLinkOpensWithoutAWSCredentials(t *testing.T) {
	keys, err := token.ParseKeys("k1:" + strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	out := &mailtest.Outbox{}
	h := newHandler(seeded(t), out)
	h.Keys = keys
	if got, err := h.Digest(context.Background()); err != nil || got != "sent" {
		t.Fatalf("digest: %s, %v", got, err)
	}
	m := out.Sent()[0]
	link := regexp.MustCompile(`https://api\.example\.com/dashboard/([^?\s"]+)\?from=(\d{4}-\d\d)&to=(\d{4}-\d\d)`).FindStringSubmatch(m.Text)
	if link == nil || strings.Contains(m.Text, "/reports?format=html") {
		t.Fatalf("the digest links no signed dashboard:\n%s", m.Text)
	}
	open := func(tok string, at time.Time, query map[string]string) httpapi.Response {
		t.Helper()
		h.Clock = func() time.Time { return at }
		req := httpapi.Request{RouteKey: report.DashboardRoute, PathParameters: map[string]string{"token": tok}, QueryStringParameters: query}
		req.RequestContext.HTTP.Method = http.MethodGet
		resp, err := h.Handle(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	r := open(link[1], now.Add(13*24*time.Hour), map[string]string{"from": link[2], "to": link[3]})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Lead funnel") || strings.Contains(r.Body, "reports/plan") ||
		r.Headers["Referrer-Policy"] != "no-referrer" || r.Headers["Cache-Control"] != "no-store" || r.Headers["X-Robots-Tag"] == "" {
		t.Fatalf("signed dashboard: %d %v\n%.400s", r.StatusCode, r.Headers, r.Body)
	}
	for _, p := range httpapitest.PageProblems(r) {
		t.Errorf("signed dashboard: %s", p)
	}
	for name, tc := range map[string]struct {
		tok string
		at  time.Time
	}{
		"expired":          {link[1], now.Add(15 * 24 * time.Hour)},
		"forged":           {link[1][:len(link[1])-2] + "xx", now},
		"another's token":  {links.FeedbackToken(keys, "L1", links.ActionAccept, "ana@example.com", now, now.Add(time.Hour)), now},
		"made with no key": {"", now},
	} {
		r := open(tc.tok, tc.at, nil)
		if r.StatusCode != http.StatusForbidden || strings.Contains(r.Body, "Lead funnel") || !strings.Contains(r.Body, "weekly digest") {
			t.Errorf("%s link: %d\n%.400s", name, r.StatusCode, r.Body)
		}
		for _, p := range append(httpapitest.PageProblems(r), httpapitest.AccessibilityProblems(r.Body)...) {
			t.Errorf("%s link's page: %s", name, p)
		}
	}
	// The IAM route keeps its planner link.
	if r := get(t, h, map[string]string{"format": "html"}); !strings.Contains(r.Body, "reports/plan") {
		t.Error("the IAM dashboard lost its planner link")
	}
	// A month mistyped in the link's address is a page saying what to
	// fix, with a link to the default months — not JSON in a browser.
	r = open(link[1], now, map[string]string{"from": "2026-13", "to": link[3]})
	if r.StatusCode != http.StatusBadRequest || r.Headers["Content-Type"] != "text/html; charset=utf-8" ||
		!strings.Contains(r.Body, "<li><strong>from</strong>: must be a month like 2026-11 (got “2026-13”)</li>") ||
		!strings.Contains(r.Body, `<a href="`+link[1]+`">the last three months</a>`) || r.Headers["Referrer-Policy"] != "no-referrer" {
		t.Errorf("signed dashboard, bad month: %d %v\n%s", r.StatusCode, r.Headers, r.Body)
	}
	for _, p := range append(httpapitest.PageProblems(r), httpapitest.AccessibilityProblems(r.Body)...) {
		t.Errorf("bad month page: %s", p)
	}
}

// TestBadDashboardRequestIsAPage: the IAM dashboard (format=html) with a
// bad month answers a 400 page naming each field; JSON stays for JSON
// and CSV requests (scripts read it).
func TestBadDashboardRequestIsAPage(t *testing.T) {
	h := newHandler(seeded(t), &mailtest.Outbox{})
	r := get(t, h, map[string]string{"format": "html", "from": "2031-03", "to": "<b>x</b>"})
	if r.StatusCode != http.StatusBadRequest || r.Headers["Content-Type"] != "text/html; charset=utf-8" ||
		!strings.Contains(r.Body, "<li><strong>to</strong>: must be a month like 2026-11 (got “&lt;b&gt;x&lt;/b&gt;”)</li>") ||
		!strings.Contains(r.Body, `<a href="?format=html">the last three months</a>`) {
		t.Errorf("%d %v\n%s", r.StatusCode, r.Headers, r.Body)
	}
	for _, p := range append(httpapitest.PageProblems(r), httpapitest.AccessibilityProblems(r.Body)...) {
		t.Errorf("bad month page: %s", p)
	}
	if r := get(t, h, map[string]string{"format": "csv", "from": "x"}); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, `"field":"from"`) {
		t.Errorf("csv: %d %s", r.StatusCode, r.Body)
	}
}
