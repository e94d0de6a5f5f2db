package track

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/metrics"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/token"
)

type noRules struct{}

func (noRules) QualifySignal(*lead.Lead, string, time.Time) lead.Change { return lead.Change{} }

// handler serves the tracking routes over memstore (the DynamoDB
// adapter's semantics: shared/store/contract_test.go), which stores one
// lead, L1, and is the rate limiter too.
func handler(t testing.TB) (*Handler, token.Keys) {
	keys, err := token.ParseKeys("k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
	// Event ids must differ: the store, like DynamoDB, refuses a second
	// event with the same key (time, kind, id).
	var ids atomic.Int64
	st := memstore.New()
	if err := st.CreateLead(context.Background(), lead.Lead{ID: "L1", Version: 1}, lead.Change{At: now()}, nil); err != nil {
		t.Fatal(err)
	}
	return &Handler{
		Engage: &Service{Store: st, Rules: noRules{}, Clock: now},
		Limits: st, Keys: keys, CORS: httpapi.NewCORS("*"), Pages: []Page{{"/pricing", "pricing_page_view"}},
		PerLeadPerHour: 60, BaseURL: "https://leads.example.com", Clock: now, NewID: func(time.Time) string { return fmt.Sprint("e", ids.Add(1)) },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, keys
}

// FuzzPageView: no payload makes the handler panic or answer 5xx; only a
// valid visitor token with an http(s) URL is recorded.
func FuzzPageView(f *testing.F) {
	h, keys := handler(f)
	visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: "L1", Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)})
	for _, seed := range []string{
		`{"t":"` + visitor + `","url":"https://www.example.com/pricing","referrer":"https://www.google.com/"}`,
		`{"t":"` + visitor + `","url":"javascript:alert(1)"}`,
		`{"t":"x.y.z","url":"https://a.example/"}`, `{}`, `[]`, `null`, `{"t":1}`, strings.Repeat("[", 5000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httpapi.Request{RouteKey: "POST /events", Body: body, Headers: map[string]string{"content-type": "text/plain"}}
		req.RequestContext.HTTP.Method = http.MethodPost
		resp, err := h.Handle(context.Background(), req)
		if err != nil || resp.StatusCode >= 500 {
			t.Fatalf("%q → %d %v", body, resp.StatusCode, err)
		}
		if resp.StatusCode == http.StatusNoContent && !strings.Contains(body, visitor) {
			t.Fatalf("recorded a page view without the visitor token: %q", body)
		}
	})
}

func TestOpenPixel(t *testing.T) {
	h, keys := handler(t) // its limiter counts each email's first open once (limit 1)
	var logs strings.Builder
	h.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	now := h.Clock()
	pixelFor := func(lead, email string) string {
		u := links.OpenPixel(keys, "https://leads.example.com", lead, email, now)
		return u[strings.LastIndex(u, "/")+1:]
	}
	opens := func() int {
		l, _ := h.Engage.Store.Lead(context.Background(), "L1")
		return len(l.Signals)
	}
	for _, tc := range []struct {
		name, token, outcome string
		opens                int
	}{
		{"first open", pixelFor("L1", "seq:welcome"), `"outcome":"recorded"`, 1},
		{"same email again", pixelFor("L1", "seq:welcome"), `"outcome":"repeat"`, 1},
		{"next email", pixelFor("L1", "seq:followup"), `"outcome":"recorded"`, 2},
		{"erased lead", pixelFor("L2", "seq:welcome"), `"outcome":"unknown_lead"`, 2},
		{"forged", pixelFor("L1", "seq:x")[:10] + "tampered", `"outcome":"bad_token"`, 2},
		{"a click token", keys.Sign(token.Claims{Action: links.ActionClick, Subject: "L1", Extra: "https://x.example/", Expires: now.Add(time.Hour)}), `"outcome":"bad_token"`, 2},
	} {
		logs.Reset()
		req := httpapi.Request{RouteKey: "GET /t/o/{token}", PathParameters: map[string]string{"token": tc.token}}
		r, err := h.Handle(context.Background(), req)
		if err != nil || r.StatusCode != 200 || r.Headers["Content-Type"] != "image/gif" || !r.IsBase64Encoded || r.Body == "" {
			t.Fatalf("%s: %d %v %v", tc.name, r.StatusCode, r.Headers, err)
		}
		if !strings.Contains(logs.String(), tc.outcome) || opens() != tc.opens {
			t.Fatalf("%s: %d signals, log %s; want %d and %s", tc.name, opens(), logs.String(), tc.opens, tc.outcome)
		}
	}
}

// TestPageViewsAndClicksCountOncePerDay: a page (a configured signal's
// prefix, else host and path) and a link count once per lead per UTC
// day; repeats are timeline facts marked "repeat" with no signal and no
// counter; the next day counts again. Stored URLs keep scheme, host and
// path only.
func TestPageViewsAndClicksCountOncePerDay(t *testing.T) {
	h, keys := handler(t)
	day := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	now := day
	h.Clock = func() time.Time { return now }
	h.Engage.Clock = h.Clock
	st := h.Engage.Store.(*memstore.Store)
	visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: "L1", Expires: day.Add(links.VisitTTL)})
	click := func(target string) string {
		u := links.Click(keys, "https://leads.example.com", "L1", target, day)
		return u[strings.LastIndex(u, "/")+1:]
	}
	steps := []struct {
		name    string
		at      time.Duration // after day
		view    string        // page URL, or
		click   string        // link target
		signals int           // kept on the lead after the step
		stored  string        // URL on the step's timeline event
		repeat  bool
	}{
		{"first pricing view", 0, "https://www.example.com/pricing", "", 1, "https://www.example.com/pricing", false},
		{"forged repeat with a query", time.Minute, "https://www.example.com/pricing?plan=pro&lf=tok", "", 1, "https://www.example.com/pricing", true},
		{"repeat under the prefix, fragment and userinfo", 2 * time.Minute, "https://eve:secret@www.example.com/pricing/enterprise#access_token=x", "", 1, "https://www.example.com/pricing/enterprise", true},
		{"another page counts", 3 * time.Minute, "https://www.example.com/blog/a", "", 2, "https://www.example.com/blog/a", false},
		{"same page, trailing slash and case", 4 * time.Minute, "https://WWW.example.com/Blog/a/", "", 2, "https://WWW.example.com/Blog/a/", true},
		{"first click", 5 * time.Minute, "", "https://www.example.com/guide?ref=nurture#top", 3, "https://www.example.com/guide", false},
		{"same link again", 6 * time.Minute, "", "https://www.example.com/guide?ref=nurture#top", 3, "https://www.example.com/guide", true},
		{"another link", 7 * time.Minute, "", "https://www.example.com/guide?ref=footer", 4, "https://www.example.com/guide", false},
		{"pricing the next UTC day", 14 * time.Hour, "https://www.example.com/pricing", "", 5, "https://www.example.com/pricing", false},
		{"the link the next day", 14*time.Hour + time.Minute, "", "https://www.example.com/guide?ref=nurture#top", 6, "https://www.example.com/guide", false},
	}
	for i, s := range steps {
		now = day.Add(s.at)
		var req httpapi.Request
		want := http.StatusNoContent
		if s.view != "" {
			req = httpapi.Request{RouteKey: "POST /events", Body: `{"t":"` + visitor + `","url":"` + s.view + `"}`, Headers: map[string]string{"content-type": "text/plain"}}
		} else {
			req = httpapi.Request{RouteKey: "GET /t/c/{token}", PathParameters: map[string]string{"token": click(s.click)}}
			want = http.StatusFound
		}
		r, err := h.Handle(context.Background(), req)
		if err != nil || r.StatusCode != want {
			t.Fatalf("%s: %d %v %s", s.name, r.StatusCode, err, r.Body)
		}
		l, _ := st.Lead(context.Background(), "L1")
		tl, _ := st.Timeline(context.Background(), "L1")
		if len(l.Signals) != s.signals || len(tl) != i+1 {
			t.Fatalf("%s: %d signals, %d events; want %d and %d", s.name, len(l.Signals), len(tl), s.signals, i+1)
		}
		ev := tl[len(tl)-1]
		for _, e := range tl { // the timeline is in time order; find this step's
			if e.At.Equal(now) {
				ev = e
			}
		}
		if ev.Data["url"] != s.stored || (ev.Data["repeat"] == true) != s.repeat {
			t.Fatalf("%s: event %+v, want url %s, repeat %v", s.name, ev.Data, s.stored, s.repeat)
		}
	}
	stats, _ := st.CampaignStats(context.Background(), "unattributed", day)
	if stats["pricing_page_view"] != 2 || stats["page_view"] != 1 || stats["email_click"] != 3 {
		t.Fatalf("counters %v: repeats must not count", stats)
	}
}

func TestStoredURLKeepsSchemeHostAndPath(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.example.com/pricing":                   "https://www.example.com/pricing",
		"https://www.example.com/pricing?email=a@b.example": "https://www.example.com/pricing",
		"https://www.example.com/p#access_token=abc":        "https://www.example.com/p",
		"https://user:pass@www.example.com/p?q=1#f":         "https://www.example.com/p",
		"https://user@www.example.com:8443/a/b?":            "https://www.example.com:8443/a/b",
		"http://www.example.com":                            "http://www.example.com",
		"https://www.example.com/caf%C3%A9?lf=tok#x":        "https://www.example.com/caf%C3%A9",
		"https://www.example.com/a%23b?x#y":                 "https://www.example.com/a%23b",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := storedURL(u); got != want {
			t.Errorf("storedURL(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestVisitorTokenLastsAtMost90Days(t *testing.T) {
	h, keys := handler(t)
	issued := h.Clock()
	tok := links.Visitor(keys, "L1", issued)
	for _, tc := range []struct {
		after time.Duration
		code  int
	}{{89 * 24 * time.Hour, http.StatusNoContent}, {90*24*time.Hour + time.Second, http.StatusForbidden}} {
		at := issued.Add(tc.after)
		h.Clock = func() time.Time { return at }
		h.Engage.Clock = h.Clock
		req := httpapi.Request{RouteKey: "POST /events", Body: `{"t":"` + tok + `","url":"https://www.example.com/x"}`, Headers: map[string]string{"content-type": "text/plain"}}
		if r, _ := h.Handle(context.Background(), req); r.StatusCode != tc.code {
			t.Errorf("visitor token after %v: %d, want %d", tc.after, r.StatusCode, tc.code)
		}
	}
}

// TestPageOf: a page has one spelling, so a forged variant of a page
// viewed today is a repeat, not another page worth points; a configured
// signal covers its path and the folder under it, in any case, and no
// longer paths that merely start with the same letters.
func TestPageOf(t *testing.T) {
	pages := []Page{{"/pricing", "pricing_page_view"}, {"/Demo/", "demo_page_view"}}
	for _, tc := range []struct{ url, kind, page string }{
		{"https://www.example.com/pricing", "pricing_page_view", "/pricing"},
		{"https://www.example.com/pricing/", "pricing_page_view", "/pricing"},
		{"https://www.example.com/pricing/enterprise", "pricing_page_view", "/pricing"},
		{"https://www.example.com/Pricing", "pricing_page_view", "/pricing"},
		{"https://www.example.com/PRICING/Teams", "pricing_page_view", "/pricing"},
		{"https://www.example.com/x/../pricing", "pricing_page_view", "/pricing"},
		{"https://www.example.com/./pricing", "pricing_page_view", "/pricing"},
		{"https://www.example.com//pricing", "pricing_page_view", "/pricing"},
		{"https://www.example.com/pricingx", "page_view", "www.example.com/pricingx"},
		{"https://www.example.com/pricing.", "page_view", "www.example.com/pricing."},
		{"https://www.example.com/demo", "demo_page_view", "/Demo/"},
		{"https://www.example.com/demo/book", "demo_page_view", "/Demo/"},
		{"https://www.example.com/demonstration", "page_view", "www.example.com/demonstration"},
		{"https://www.example.com/docs", "page_view", "www.example.com/docs"},
		{"https://WWW.Example.com/Docs/", "page_view", "www.example.com/docs"},
		{"https://www.example.com:443/docs", "page_view", "www.example.com/docs"},
		{"http://www.example.com:80/docs", "page_view", "www.example.com/docs"},
		{"https://www.example.com:8443/docs", "page_view", "www.example.com:8443/docs"},
		{"https://www.example.com//docs", "page_view", "www.example.com/docs"},
		{"https://www.example.com/a/./b/../docs", "page_view", "www.example.com/a/docs"},
		{"https://www.example.com/%64ocs", "page_view", "www.example.com/docs"},
		{"https://www.example.com", "page_view", "www.example.com/"},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if kind, page := pageOf(u, pages); kind != tc.kind || page != tc.page {
			t.Errorf("pageOf(%s) = %s %s, want %s %s", tc.url, kind, page, tc.kind, tc.page)
		}
	}
}

// TestPageOrigin: a page's origin as a browser sends it, so it compares
// with ALLOWED_ORIGINS however the URL spells it.
func TestPageOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.example.com/pricing":       "https://www.example.com",
		"https://WWW.Example.com:443/x":         "https://www.example.com",
		"http://www.example.com:80/x":           "http://www.example.com",
		"https://www.example.com:8443/x":        "https://www.example.com:8443",
		"HTTPS://eve:pw@www.example.com/x#frag": "https://www.example.com",
		"https://[2001:db8::1]:443/x":           "https://[2001:db8::1]",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := pageOrigin(u); got != want {
			t.Errorf("pageOrigin(%s) = %s, want %s", in, got, want)
		}
	}
}

// An open that makes the lead hot hands it off, and the open's log line
// carries the invocation's business metrics (AlertsSent, as the click and
// page-view lines do): the dashboard counts alerts from those lines.
func TestOpenThatHandsOffWritesItsMetrics(t *testing.T) {
	h, keys := handler(t)
	var logs strings.Builder
	h.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	h.Metrics = "leadflow/test"
	st := h.Engage.Store.(*memstore.Store)
	h.Engage.Rules = &hotAfter{hot: 1}
	h.Engage.HandOff = func(ctx context.Context, l lead.Lead, owner, base string) (lead.Outcome, error) {
		metrics.Count(ctx, metrics.AlertsSent, 1) // as handoff does for an alert sent
		_, err := lead.Update(ctx, st, l.ID, func(l *lead.Lead) (lead.Change, error) {
			l.Handoff.State = lead.HandoffSent
			return lead.Change{At: h.Clock()}, nil
		})
		return "sent", err
	}
	u := links.OpenPixel(keys, "https://leads.example.com", "L1", "seq:welcome", h.Clock())
	req := httpapi.Request{RouteKey: "GET /t/o/{token}", PathParameters: map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}}
	if r, err := h.Handle(context.Background(), req); err != nil || r.StatusCode != 200 {
		t.Fatalf("%d %v", r.StatusCode, err)
	}
	line := logs.String()
	if !strings.Contains(line, `"outcome":"recorded+handoff_sent"`) || !strings.Contains(line, `"AlertsSent":1`) || !strings.Contains(line, `"_aws":`) {
		t.Errorf("open line without its metrics: %s", line)
	}
}

// TestClickHandsTheVisitorTokenOnlyToOurSites: the visitor token binds
// page views to the lead, so a click hands it only to a site the snippet
// runs on (ALLOWED_ORIGINS). A nurture email may link elsewhere (a
// partner, a video); that site gets the plain link, not a token it, its
// analytics or anyone reading its logs could post page views with.
func TestClickHandsTheVisitorTokenOnlyToOurSites(t *testing.T) {
	h, keys := handler(t)
	h.CORS = httpapi.NewCORS("https://www.example.com")
	sent := h.Clock().Add(-time.Hour)
	for _, tc := range []struct {
		target string
		token  bool
	}{
		{"https://www.example.com/guides/playbook?utm_source=email", true},
		{"https://WWW.example.com:443/demo", true},
		{"https://partner.example/webinar?id=7", false},
		{"http://www.example.com/demo", false}, // another origin
	} {
		// Each link in an email of its own, sent an hour or more ago: a
		// click within a minute of the send, or links of one email clicked
		// together, are a mail scanner's, which gets no token.
		sent = sent.Add(-time.Minute)
		link := links.Click(keys, "https://leads.example.com", "L1", tc.target, sent)
		req := httpapi.Request{RouteKey: "GET /t/c/{token}", PathParameters: map[string]string{"token": strings.TrimPrefix(link, "https://leads.example.com/t/c/")}}
		req.RequestContext.HTTP.Method = http.MethodGet
		resp, _ := h.Handle(context.Background(), req)
		loc, err := url.Parse(resp.Headers["Location"])
		if resp.StatusCode != http.StatusFound || err != nil {
			t.Fatalf("%s: %d %q", tc.target, resp.StatusCode, resp.Headers["Location"])
		}
		if got := loc.Query().Has(links.VisitorParam); got != tc.token {
			t.Errorf("%s: redirect to %s, visitor token %v, want %v", tc.target, loc, got, tc.token)
		}
	}
}

// TestClickKeepsTheLinksQueryAsWritten: the redirect is the link of the
// email with the visitor token added at the end of its query, nothing
// else changed — not re-encoded (a site may read "%20" but not "+" as a
// space), re-ordered, or "?register" turned into "?register=", and a
// query with ";" (which Go's parser refuses) not lost. An lf the link
// already had is replaced.
func TestClickKeepsTheLinksQueryAsWritten(t *testing.T) {
	h, keys := handler(t)
	h.CORS = httpapi.NewCORS("https://www.example.com")
	sent := h.Clock().Add(-time.Hour)
	for _, tc := range []struct{ target, want string }{
		{"https://www.example.com/guide", "https://www.example.com/guide?lf=$"},
		{"https://www.example.com/webinar?register", "https://www.example.com/webinar?register&lf=$"},
		{"https://www.example.com/a?z=1&a=2", "https://www.example.com/a?z=1&a=2&lf=$"},
		{"https://www.example.com/s?q=a%20b&x=%2F", "https://www.example.com/s?q=a%20b&x=%2F&lf=$"},
		{"https://www.example.com/p?a=1;b=2", "https://www.example.com/p?a=1;b=2&lf=$"},
		{"https://www.example.com/p?lf=old&x=1&lfx=2", "https://www.example.com/p?x=1&lfx=2&lf=$"},
		{"https://www.example.com/?#/pricing?x=1", "https://www.example.com/?lf=$#/pricing?x=1"},
		{"https://www.example.com/d?utm_source=email#faq", "https://www.example.com/d?utm_source=email&lf=$#faq"},
	} {
		// Each link in an email of its own: links of one email clicked
		// together are a mail scanner walking them, which gets no token.
		sent = sent.Add(-time.Minute)
		link := links.Click(keys, "https://leads.example.com", "L1", tc.target, sent)
		req := httpapi.Request{RouteKey: "GET /t/c/{token}", PathParameters: map[string]string{"token": link[strings.LastIndex(link, "/")+1:]}}
		resp, _ := h.Handle(context.Background(), req)
		want := strings.Replace(tc.want, "$", url.QueryEscape(links.Visitor(keys, "L1", h.Clock())), 1)
		if resp.StatusCode != http.StatusFound || resp.Headers["Location"] != want {
			t.Errorf("%s: %d → %s, want %s", tc.target, resp.StatusCode, resp.Headers["Location"], want)
		}
	}
}

// TestAClickOrOpenWhoseAlertFailedIsRecorded: when the signal is saved
// but the alert it made due fails (SES throttled; the schedule sends it),
// the log says the signal was recorded and the alert left to the
// schedule — not "not_recorded", which sends whoever reads the logs
// looking for a lost click.
func TestAClickOrOpenWhoseAlertFailedIsRecorded(t *testing.T) {
	for _, route := range []string{"GET /t/c/{token}", "GET /t/o/{token}"} {
		h, keys := handler(t)
		var logs strings.Builder
		h.Log = slog.New(slog.NewJSONHandler(&logs, nil))
		h.Engage.Rules = &hotAfter{hot: 1}
		h.Engage.HandOff = func(context.Context, lead.Lead, string, string) (lead.Outcome, error) {
			return "", errors.New("ses send: throttled")
		}
		u := links.Click(keys, "https://leads.example.com", "L1", "https://www.example.com/guide", h.Clock().Add(-time.Hour))
		if strings.Contains(route, "/o/") {
			u = links.OpenPixel(keys, "https://leads.example.com", "L1", "seq:welcome", h.Clock().Add(-time.Hour))
		}
		req := httpapi.Request{RouteKey: route, PathParameters: map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}}
		if _, err := h.Handle(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		l, _ := h.Engage.Store.Lead(context.Background(), "L1")
		if len(l.Signals) != 1 {
			t.Fatalf("%s: %d signals, want the one saved", route, len(l.Signals))
		}
		if line := logs.String(); strings.Contains(line, "not_recorded") || !strings.Contains(line, `"outcome":"recorded+alert_left_to_schedule"`) || !strings.Contains(line, "throttled") {
			t.Errorf("%s: log %s; want outcome recorded+alert_left_to_schedule with the error", route, line)
		}
		// Nothing is lost (the schedule sends the alert, as after a
		// capture whose alert failed): a warning, not an ERROR line, which
		// the function's error-log alarm pages for — SES throttles alerts
		// while a large nurture batch uses the account's rate.
		if line := logs.String(); strings.Contains(line, `"level":"ERROR"`) || !strings.Contains(line, `"level":"WARN"`) {
			t.Errorf("%s: log %s; want a warning, no ERROR line", route, line)
		}
	}
}

// TestPageViewOfAnUnknownLeadIsAWarning: a visitor token of a lead that is
// gone (erased and deleted) is refused 403 with a warning, as a click of
// its links is: nothing is broken, and an ERROR line would page the
// operator through the function's error-log alarm. A store failure is
// still an ERROR (the view is lost).
func TestPageViewOfAnUnknownLeadIsAWarning(t *testing.T) {
	h, keys := handler(t)
	var logs strings.Builder
	h.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	gone := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: "GONE", Expires: h.Clock().Add(links.VisitTTL)})
	req := httpapi.Request{RouteKey: "POST /events", Body: `{"t":"` + gone + `","url":"https://www.example.com/pricing"}`, Headers: map[string]string{"content-type": "text/plain"}}
	if r, err := h.Handle(context.Background(), req); err != nil || r.StatusCode != http.StatusForbidden {
		t.Fatalf("page view of a lead that is gone: %d %v, want 403", r.StatusCode, err)
	}
	if line := logs.String(); strings.Contains(line, `"level":"ERROR"`) || !strings.Contains(line, `"level":"WARN"`) {
		t.Fatalf("log %s; want a warning, no ERROR line", line)
	}
}

// TestPageViewSignalsKnowTheirPage: a page view's signal carries the path
// it was of (as page views compare it), so a nurture branch
// `{if: {visited: /case-studies}}` can tell which pages a lead saw; a
// TRACK_PAGES signal keeps the path visited, not only its prefix.
func TestPageViewSignalsKnowTheirPage(t *testing.T) {
	h, keys := handler(t)
	st := h.Engage.Store.(*memstore.Store)
	visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: "L1", Expires: h.Clock().Add(links.VisitTTL)})
	for _, view := range []string{"https://www.example.com/Case-Studies/Acme/?utm_source=x#top", "https://www.example.com/pricing/enterprise"} {
		req := httpapi.Request{RouteKey: "POST /events", Body: `{"t":"` + visitor + `","url":"` + view + `"}`, Headers: map[string]string{"content-type": "text/plain"}}
		if r, err := h.Handle(context.Background(), req); err != nil || r.StatusCode != http.StatusNoContent {
			t.Fatalf("%s: %d %v %s", view, r.StatusCode, err, r.Body)
		}
	}
	l, _ := st.Lead(context.Background(), "L1")
	got := map[string]string{}
	for _, s := range l.Signals {
		got[s.Kind] = s.Page
	}
	if want := map[string]string{"page_view": "/case-studies/acme", "pricing_page_view": "/pricing/enterprise"}; !maps.Equal(got, want) {
		t.Fatalf("signals' pages %v, want %v", got, want)
	}
}

// TestClickOfAnUnknownLead: a click on a link of a lead that is gone (an
// erasure deleted it; a link of another deployment) redirects, says so as
// a warning like an open does (nothing is broken), and binds no visitor
// token the page views of which could only be refused.
func TestClickOfAnUnknownLead(t *testing.T) {
	h, keys := handler(t)
	h.CORS = httpapi.NewCORS("https://www.example.com")
	var logs strings.Builder
	h.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	u := links.Click(keys, "https://leads.example.com", "GONE", "https://www.example.com/guide?ref=nurture", h.Clock().Add(-time.Hour))
	req := httpapi.Request{RouteKey: "GET /t/c/{token}", PathParameters: map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}}
	resp, err := h.Handle(context.Background(), req)
	if err != nil || resp.StatusCode != http.StatusFound || resp.Headers["Location"] != "https://www.example.com/guide?ref=nurture" {
		t.Fatalf("%d %q %v: want the plain link", resp.StatusCode, resp.Headers["Location"], err)
	}
	if !strings.Contains(logs.String(), `"level":"WARN"`) || !strings.Contains(logs.String(), `"outcome":"unknown_lead"`) || strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Fatalf("log %s: want one warning, outcome unknown_lead", logs.String())
	}
}

// TestPageViewBodyIsOneJSONObject: anything after the page view's JSON
// object is refused, not ignored.
func TestPageViewBodyIsOneJSONObject(t *testing.T) {
	h, keys := handler(t)
	visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: "L1", Expires: h.Clock().Add(links.VisitTTL)})
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"t":"` + visitor + `","url":"https://www.example.com/a"}`, http.StatusNoContent},
		{`{"t":"` + visitor + `","url":"https://www.example.com/b"}` + "\n", http.StatusNoContent},
		{`{"t":"` + visitor + `","url":"https://www.example.com/c"}garbage`, http.StatusBadRequest},
		{`{"t":"` + visitor + `","url":"https://www.example.com/d"}{"t":"x"}`, http.StatusBadRequest},
	} {
		req := httpapi.Request{RouteKey: "POST /events", Body: tc.body, Headers: map[string]string{"content-type": "text/plain"}}
		if r, err := h.Handle(context.Background(), req); err != nil || r.StatusCode != tc.want {
			t.Errorf("%q: %d %v, want %d", tc.body, r.StatusCode, err, tc.want)
		}
	}
}

// TestClicksOfDeclaredBotsAreNotRecorded: link previews (a lead pasting
// the link into Slack or LinkedIn), crawlers and headless browsers say
// what they are in their User-Agent; their fetch still gets the redirect
// but records no click (no signal, no event, no visitor token), so it
// neither scores nor takes a `clicked` branch. Anything else — a
// browser, or a client that names no bot — counts as the person's click.
func TestClicksOfDeclaredBotsAreNotRecorded(t *testing.T) {
	for _, tc := range []struct {
		name, userAgent string
		recorded        bool
	}{
		{"a browser", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", true},
		{"a phone whose model ends in bot", "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36", true},
		{"no User-Agent", "", true},
		{"Slack's link preview", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", false},
		{"LinkedIn's preview", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", false},
		{"a crawler posing as a browser", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", false},
		{"a headless browser", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", false},
		{"Facebook's preview", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, keys := handler(t)
			h.CORS = httpapi.NewCORS("https://www.example.com")
			var logs strings.Builder
			h.Log = slog.New(slog.NewJSONHandler(&logs, nil))
			link := links.Click(keys, "https://leads.example.com", "L1", "https://www.example.com/guide?ref=nurture", h.Clock().Add(-time.Hour))
			req := httpapi.Request{RouteKey: "GET /t/c/{token}", PathParameters: map[string]string{"token": link[strings.LastIndex(link, "/")+1:]},
				Headers: map[string]string{"user-agent": tc.userAgent}}
			resp, err := h.Handle(context.Background(), req)
			loc, _ := url.Parse(resp.Headers["Location"])
			if err != nil || resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("ref") != "nurture" {
				t.Fatalf("%d %q %v: every click gets its redirect", resp.StatusCode, resp.Headers["Location"], err)
			}
			l, _ := h.Engage.Store.Lead(context.Background(), "L1")
			tl, _ := h.Engage.Store.(*memstore.Store).Timeline(context.Background(), "L1")
			if got := len(l.Signals) == 1 && len(tl) == 1; got != tc.recorded {
				t.Fatalf("%d signals, %d events; recorded want %v (log %s)", len(l.Signals), len(tl), tc.recorded, logs.String())
			}
			if got := loc.Query().Has(links.VisitorParam); got != tc.recorded {
				t.Fatalf("redirect %s: visitor token %v, want %v", loc, got, tc.recorded)
			}
			if !tc.recorded && !strings.Contains(logs.String(), `"outcome":"bot_not_recorded"`) {
				t.Fatalf("log %s: want outcome bot_not_recorded", logs.String())
			}
		})
	}
}

// TestParsePages: TRACK_PAGES maps site paths to page signals; a signal
// no page view may record (a typo, a click's kind) is refused, since it
// would score nothing and trigger nothing.
func TestParsePages(t *testing.T) {
	tests := []struct {
		spec    string
		want    []Page
		problem string // in the error; "" for none
	}{
		{"", nil, ""},
		{"/pricing=pricing_page_view", []Page{{"/pricing", "pricing_page_view"}}, ""},
		{" /pricing=pricing_page_view, /demo=page_view:demo,/blog=page_view",
			[]Page{{"/pricing", "pricing_page_view"}, {"/demo", "page_view:demo"}, {"/blog", "page_view"}}, ""},
		{"/pricing", nil, `want /path=signal`},
		{"/pricing=pricing_pageview", nil, `"/pricing=pricing_pageview": pricing_pageview is no page signal (use page_view, pricing_page_view or page_view:<name>)`},
		{"/x=email_click", nil, `"/x=email_click": email_click is no page signal`},
		{"/demo=page_view:Demo", nil, `page_view:Demo is no page signal`},
	}
	for _, tt := range tests {
		got, err := ParsePages(tt.spec)
		switch {
		case tt.problem == "" && err != nil:
			t.Errorf("ParsePages(%q): %v", tt.spec, err)
		case tt.problem != "" && (err == nil || !strings.Contains(err.Error(), tt.problem)):
			t.Errorf("ParsePages(%q) error %v, want one saying %s", tt.spec, err, tt.problem)
		case tt.problem == "" && fmt.Sprint(got) != fmt.Sprint(tt.want):
			t.Errorf("ParsePages(%q) = %v, want %v", tt.spec, got, tt.want)
		}
	}
}
