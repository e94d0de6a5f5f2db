package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app/registry"
	"github.com/leadflow/leadflow/shared/awsclients/all"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

func trackRequest(route, tok, body string, headers map[string]string) httpapi.Request {
	r := httpapi.Request{RouteKey: route, Body: body, Headers: headers}
	if tok != "" {
		r.PathParameters = map[string]string{"token": tok}
	}
	r.RequestContext.HTTP.Method = strings.Fields(route)[0]
	r.RequestContext.RequestID = fmt.Sprint(time.Now().UnixNano())
	return r
}

// TestClicksAndPageViewsReGradeAndHandOff: a warm lead clicks a nurture
// link and then reads the pricing page: each signal re-grades it, and
// when it turns hot, sales gets the alert.
func TestClicksAndPageViewsReGradeAndHandOff(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	tr, _, logs := buildAt(t, "track", map[string]string{"ALLOWED_ORIGINS": "https://www.example.com", "PUBLIC_BASE_URL": "https://leads.example.com"}, testenv.Clock(t), table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	keys, _ := token.ParseKeys(testKeys)
	email := fmt.Sprintf("warm.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","name":"Wendy Warm","company":"BigCorp","job_title":"CMO","company_size":"1000+","country":"DE","campaign":"q4-demo","consent":true}`)))
	created := struct{ ID string }{capturedID(t, table, email)}
	before, _ := st.Lead(ctx, created.ID)
	if before.Handoff != nil {
		t.Fatalf("fixture lead is already hot: %+v", before.Qualification)
	}

	// A click: recorded, redirected to the signed target with a visitor token.
	// The email went out an hour ago (a click within a minute of the send is a mail scanner's).
	link := links.Click(keys, "https://leads.example.com", created.ID, "https://www.example.com/guide?ref=nurture", testenv.Now(t).Add(-time.Hour))
	tok := link[strings.LastIndex(link, "/")+1:]
	r, _ := tr.HTTP(ctx, trackRequest("GET /t/c/{token}", tok, "", nil))
	loc, _ := url.Parse(r.Headers["Location"])
	if r.StatusCode != http.StatusFound || loc.Host != "www.example.com" || loc.Path != "/guide" || loc.Query().Get("ref") != "nurture" || loc.Query().Get(links.VisitorParam) == "" {
		t.Fatalf("click: %d → %s", r.StatusCode, r.Headers["Location"])
	}
	// An attacker-made token pointing elsewhere is refused, no redirect.
	evil := keys.Sign(token.Claims{Action: links.ActionClick, Subject: created.ID, Extra: "https://evil.example/phish", Expires: testenv.Now(t).Add(time.Hour)})
	forged := evil[:strings.LastIndex(evil, ".")] + tok[strings.LastIndex(tok, "."):] // someone else's signature
	if r, _ := tr.HTTP(ctx, trackRequest("GET /t/c/{token}", forged, "", nil)); r.StatusCode != http.StatusForbidden || r.Headers["Location"] != "" {
		t.Fatalf("forged click token: %d → %q, want 403 and no redirect", r.StatusCode, r.Headers["Location"])
	}

	visitor := loc.Query().Get(links.VisitorParam)
	view := func(body string) int {
		r, _ := tr.HTTP(ctx, trackRequest("POST /events", "", body, map[string]string{"content-type": "text/plain", "origin": "https://www.example.com"}))
		return r.StatusCode
	}
	for name, body := range map[string]string{
		"not json":      `t=1`,
		"relative url":  `{"t":"` + visitor + `","url":"/pricing"}`,
		"unknown field": `{"t":"` + visitor + `","url":"https://www.example.com/","x":1}`,
	} {
		if code := view(body); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	if code := view(`{"t":"forged.token.value","url":"https://www.example.com/pricing"}`); code != http.StatusForbidden {
		t.Errorf("forged visitor: %d, want 403", code)
	}
	hot := false
	for i := 0; i < 4 && !hot; i++ {
		if code := view(`{"t":"` + visitor + `","url":"https://www.example.com/pricing?plan=pro&email=x@y.example","referrer":"https://www.google.com/"}`); code != http.StatusNoContent {
			t.Fatalf("pricing view: %d", code)
		}
		l, _ := st.Lead(ctx, created.ID)
		hot = l.Handoff != nil
	}
	l, _ := st.Lead(ctx, created.ID)
	if !hot || l.Stage != lead.StageMQL {
		t.Fatalf("pricing views did not make the lead hot: %+v", l.Qualification)
	}
	if got := mailFor(t, email, 1); len(got) != 1 || !strings.Contains(got[0].Text, "https://www.example.com/pricing") {
		t.Fatalf("alert after engagement: %d emails (want 1, listing the pricing page)", len(got))
	}
	tl, err := st.Timeline(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	pricingViews := 0
	for _, e := range tl {
		u, _ := e.Data["url"].(string)
		if strings.Contains(u, "email=") {
			t.Fatalf("a page URL's query (personal data) was stored: %s", u)
		}
		if e.Kind == "page_view" && strings.HasPrefix(u, "https://www.example.com/pricing") {
			pricingViews++
		}
	}
	if pricingViews == 0 {
		t.Fatalf("no pricing page_view with its URL in the timeline (the check above saw none): %+v", tl)
	}
	stats := counted(t, st, "q4-demo")
	if stats["email_click"] != 1 || stats["pricing_page_view"] < 1 {
		t.Fatalf("counters = %v", stats)
	}
	if strings.Contains(logs.String(), email) {
		t.Fatal("raw email in the tracking logs")
	}
}

func TestPageViewRateLimitAndSnippet(t *testing.T) {
	// A fixed clock in the middle of an hour: the limit is per clock hour,
	// and a run crossing one would see two windows.
	midHour := func() time.Time { return time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC) }
	capture, table, _ := buildAt(t, "capture", nil, midHour, "")
	tr, _, _ := buildAt(t, "track", map[string]string{"ALLOWED_ORIGINS": "*", "PUBLIC_BASE_URL": "https://leads.example.com"}, midHour, table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	email := fmt.Sprintf("busy.%d@acme.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`"}`)))
	created := struct{ ID string }{capturedID(t, table, email)}
	visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: created.ID, Expires: midHour().Add(time.Hour)})
	limited := 0
	for i := 0; i < 65; i++ {
		r, _ := tr.HTTP(ctx, trackRequest("POST /events", "", `{"t":"`+visitor+`","url":"https://www.example.com/blog/`+fmt.Sprint(i)+`"}`, map[string]string{"content-type": "application/json"}))
		if r.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 5 {
		t.Fatalf("%d of 65 page views refused, want 5 over the 60/hour limit", limited)
	}
	js, _ := tr.HTTP(ctx, trackRequest("GET /t/s.js", "", "", nil))
	if js.StatusCode != 200 || !strings.Contains(js.Body, `"https://leads.example.com/events"`) || !strings.Contains(js.Body, "sendBeacon") {
		t.Fatalf("snippet: %d %s", js.StatusCode, js.Body)
	}
}

// TestOpenPixelIsOptInAndCountsEachEmailOnce: nurture emails carry no
// pixel by default; with TRACK_OPENS=true they do, and its first load
// records one email_open signal (repeats and forged pixels record
// nothing), while every load answers the image.
func TestOpenPixelIsOptInAndCountsEachEmailOnce(t *testing.T) {
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock.now, "")
	tr, _, logs := buildAt(t, "track", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	firstEmail := func(trackOpens string) (string, sesstore.Email) {
		t.Helper()
		tick, _, tickLogs := buildAt(t, "nurture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "TRACK_OPENS": trackOpens, "LOG_LEVEL": "debug"}, clock.now, table)
		email := fmt.Sprintf("opens.%t.%d@smallco.example", trackOpens == "true", time.Now().UnixNano())
		resp, _ := capture.HTTP(ctx, jsonLead(coldBody(email)))
		created := struct{ ID string }{capturedID(t, table, email)}
		if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
			t.Fatal(err)
		}
		got := emailsTo(t, email)
		if len(got) != 1 {
			t.Fatalf("TRACK_OPENS=%q: %d emails, want 1\n%s\n%s", trackOpens, len(got), resp.Body, tickLogs)
		}
		return created.ID, got[0]
	}
	if _, m := firstEmail(""); strings.Contains(m.HTML, "/t/o/") {
		t.Fatalf("a pixel without TRACK_OPENS:\n%s", m.HTML)
	}
	id, m := firstEmail("true")
	px := regexp.MustCompile(`<img src="https://leads\.example\.com/t/o/([A-Za-z0-9_.-]+)" width="1" height="1"`).FindStringSubmatch(m.HTML)
	if px == nil {
		t.Fatalf("no pixel with TRACK_OPENS=true:\n%s", m.HTML)
	}
	opens := func() int {
		tl, _ := st.Timeline(ctx, id)
		n := 0
		for _, e := range tl {
			if e.Kind == "email_open" {
				n++
			}
		}
		return n
	}
	for i, tok := range []string{px[1], px[1], px[1][:len(px[1])-2] + "xx"} {
		r, _ := tr.HTTP(ctx, trackRequest("GET /t/o/{token}", tok, "", nil))
		gif, err := base64.StdEncoding.DecodeString(r.Body)
		if r.StatusCode != 200 || !r.IsBase64Encoded || r.Headers["Content-Type"] != "image/gif" || err != nil || !bytes.HasPrefix(gif, []byte("GIF89a")) {
			t.Fatalf("pixel load %d: %d %q %v", i, r.StatusCode, r.Headers["Content-Type"], err)
		}
		if opens() != 1 {
			t.Fatalf("after pixel load %d: %d email_open events, want 1", i, opens())
		}
	}
	l, _ := st.Lead(ctx, id)
	n := 0
	for _, s := range l.Signals {
		if s.Kind == "email_open" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("lead has %d email_open signals, want 1", n)
	}
	if !strings.Contains(logs.String(), `"outcome":"repeat"`) || !strings.Contains(logs.String(), `"outcome":"bad_token"`) {
		t.Fatalf("repeat and forged loads are not logged:\n%s", logs.String())
	}
	if _, err := registry.Build(ctx, "nurture", all.Services, func(k string) string {
		return map[string]string{"TABLE_NAME": table, "SENDER_ADDRESS": "a@example.com", "SALES_ADDRESS": "s@example.com",
			"SIGNING_KEYS": testKeys, "SES_MAX_SEND_RATE": "1", "TRACK_OPENS": "yes", "AWS_REGION": "us-east-1", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Berlin"}[k]
	}, io.Discard, testenv.Clock(t)); err == nil || !strings.Contains(err.Error(), "TRACK_OPENS") {
		t.Fatalf("TRACK_OPENS=yes: %v, want a config error naming it", err)
	}
}

// TestPricingVisitTriggersItsSequence: a cold lead in cold-education reads
// the pricing page; the default sequences' triggered pricing-interest takes
// it at once and the next tick sends that email, not the next education one.
func TestPricingVisitTriggersItsSequence(t *testing.T) {
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", base, clock.now, table)
	tr, _, _ := buildAt(t, "track", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALLOWED_ORIGINS": "*"}, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("pricing.%d@smallco.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(email))))
	created := struct{ ID string }{capturedID(t, table, email)}
	if err := tick.Event(ctx, tickEvent("first")); err != nil {
		t.Fatal(err)
	}
	if got := emailsTo(t, email); len(got) != 1 {
		t.Fatalf("welcome: %d emails", len(got))
	}

	clock.add(2 * time.Hour)
	keys, _ := token.ParseKeys(testKeys)
	visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: created.ID, Expires: clock.now().Add(time.Hour)})
	r, _ := tr.HTTP(ctx, trackRequest("POST /events", "", `{"t":"`+visitor+`","url":"https://www.example.com/pricing"}`, map[string]string{"content-type": "application/json"}))
	if r.StatusCode != http.StatusNoContent {
		t.Fatalf("pricing view: %d %s", r.StatusCode, r.Body)
	}
	l, _ := st.Lead(ctx, created.ID)
	if l.Nurture == nil || l.Nurture.Sequence != "pricing-interest" || !slices.Contains(l.Nurture.Completed, "cold-education") {
		t.Fatalf("after the pricing view: %+v (stage %s, %s)", l.Nurture, l.Stage, l.Qualification.Temperature)
	}
	if err := tick.Event(ctx, tickEvent("second")); err != nil {
		t.Fatal(err)
	}
	got := emailsTo(t, email)
	if len(got) != 2 || got[1].Subject != "Questions about pricing?" {
		t.Fatalf("after the trigger: %d emails, last %q", len(got), got[len(got)-1].Subject)
	}
	tl, _ := st.Timeline(ctx, created.ID)
	var exit, enrolled bool
	for _, e := range tl {
		exit = exit || (e.Kind == "nurture_exit" && e.Data["reason"] == "triggered" && e.Data["sequence"] == "cold-education")
		enrolled = enrolled || (e.Kind == "enrolled" && e.Data["sequence"] == "pricing-interest" && e.Data["trigger"] == "pricing_page_view")
	}
	if !exit || !enrolled {
		t.Fatalf("timeline lacks the switch (exit %v, enrolled %v)", exit, enrolled)
	}
}

// TestForgedPageViewsCountOncePerDay: whoever holds a lead's ?lf= visitor
// token (it travels in URLs) can post page views, but a page counts once
// per lead per UTC day: three /pricing views in one day add the points of
// one and leave a grade-B lead short of hot; the repeats stay on the
// timeline as facts marked "repeat", without the query, fragment or
// user:password@ they came with. A view the next day counts again.
func TestForgedPageViewsCountOncePerDay(t *testing.T) {
	clock := &clockAt{t: monday.Add(9 * time.Hour)}
	capture, table, _ := buildAt(t, "capture", nil, clock.now, "")
	tr, _, _ := buildAt(t, "track", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	keys, _ := token.ParseKeys(testKeys)
	// Grade B (decision maker, go-to-market role, served country): hot at 35.
	email := fmt.Sprintf("forged.%d@midco.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","job_title":"Head of Marketing","country":"DE","consent":true}`)))
	created := struct{ ID string }{capturedID(t, table, email)}
	visitor := links.Visitor(keys, created.ID, clock.now())
	view := func(page string) {
		t.Helper()
		r, _ := tr.HTTP(ctx, trackRequest("POST /events", "", `{"t":"`+visitor+`","url":"`+page+`"}`, map[string]string{"content-type": "text/plain"}))
		if r.StatusCode != http.StatusNoContent {
			t.Fatalf("view %s: %d %s", page, r.StatusCode, r.Body)
		}
	}
	pricing := func(l lead.Lead) (n int) {
		for _, s := range l.Signals {
			if s.Kind == "pricing_page_view" {
				n++
			}
		}
		return n
	}
	before, _ := st.Lead(ctx, created.ID)
	if before.Qualification == nil || before.Qualification.Grade != "B" || before.Handoff != nil {
		t.Fatalf("fixture: %+v, want a grade-B lead that is not hot", before.Qualification)
	}

	view("https://www.example.com/pricing")
	once, _ := st.Lead(ctx, created.ID)
	for i, page := range []string{"https://www.example.com/pricing?plan=pro", "https://eve:pw@www.example.com/pricing#x"} {
		clock.add(time.Minute)
		view(page)
		l, _ := st.Lead(ctx, created.ID)
		if pricing(l) != 1 || l.Qualification.Score > once.Qualification.Score || l.Handoff != nil || l.Stage == lead.StageMQL {
			t.Fatalf("repeat %d the same day: %d pricing signals, score %.1f (after one view %.1f), handoff %+v; want 1 signal, no more points, not hot",
				i+1, pricing(l), l.Qualification.Score, once.Qualification.Score, l.Handoff)
		}
	}
	if once.Qualification.Score <= before.Qualification.Score {
		t.Fatalf("the first view added no points: %.1f → %.1f", before.Qualification.Score, once.Qualification.Score)
	}
	tl, _ := st.Timeline(ctx, created.ID)
	views, repeats := 0, 0
	for _, e := range tl {
		if e.Kind != "page_view" {
			continue
		}
		views++
		if e.Data["repeat"] == true {
			repeats++
		}
		if u := e.Data["url"]; u != "https://www.example.com/pricing" {
			t.Errorf("stored page URL %v, want https://www.example.com/pricing", u)
		}
	}
	stats, _ := st.CampaignStats(ctx, "unattributed", clock.now())
	if views != 3 || repeats != 2 || stats["pricing_page_view"] != 1 {
		t.Fatalf("%d page_view events (%d repeats), counter %d; want 3 (2), 1", views, repeats, stats["pricing_page_view"])
	}

	clock.add(24 * time.Hour)
	view("https://www.example.com/pricing")
	next, _ := st.Lead(ctx, created.ID)
	if pricing(next) != 2 || next.Qualification.Score <= once.Qualification.Score-1 {
		t.Fatalf("next day: %d pricing signals, score %.1f (day before %.1f); want 2 and the new view's points", pricing(next), next.Qualification.Score, once.Qualification.Score)
	}
}

// siteVisitor is a grade-B lead (Head of Marketing, DE) whose visitor
// token posts pages through a track function that takes those of
// https://www.example.com, on clock.
type siteVisitor struct {
	st   *store.Store
	id   string
	view func(page string) httpapi.Response
}

func newSiteVisitor(t *testing.T, clock *clockAt, name, extra string) siteVisitor {
	t.Helper()
	capture, table, _ := buildAt(t, "capture", nil, clock.now, "")
	tr, _, _ := buildAt(t, "track", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALLOWED_ORIGINS": "https://www.example.com"}, clock.now, table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	email := fmt.Sprintf("%s.%d@midco.example", name, time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","job_title":"Head of Marketing","country":"DE"`+extra+`}`)))
	id := capturedID(t, table, email)
	visitor := links.Visitor(keys, id, clock.now())
	return siteVisitor{st: store.New(testenv.Clients(t).DynamoDB, table), id: id, view: func(page string) httpapi.Response {
		t.Helper()
		r, err := tr.HTTP(ctx, trackRequest("POST /events", "", `{"t":"`+visitor+`","url":"`+page+`"}`, map[string]string{"content-type": "text/plain"}))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}}
}

// TestMadeUpPagesDoNotMakeALeadHot: a visitor token says who, not where.
// Pages of another site are refused (400 naming url) when ALLOWED_ORIGINS
// lists the site's origins, and ever new pages of the site add points at
// most engagement.max_per_day (5) times a day — thirteen posts no longer
// turn a grade-B lead hot.
func TestMadeUpPagesDoNotMakeALeadHot(t *testing.T) {
	clock := &clockAt{t: monday.Add(9 * time.Hour)}
	v := newSiteVisitor(t, clock, "madeup", `,"consent":true`)
	ctx, st, id, view := context.Background(), v.st, v.id, v.view
	before, _ := st.Lead(ctx, id)
	if before.Qualification == nil || before.Qualification.Grade != "B" || before.Handoff != nil || before.Qualification.Score+5 >= 35 {
		t.Fatalf("fixture: %+v, want a grade-B lead more than 5 points below hot (35)", before.Qualification)
	}
	for _, page := range []string{"https://forged1.evil.example/p1", "http://www.example.com/pricing", "https://www.example.com:8443/x"} {
		if r := view(page); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, `"field":"url"`) || !strings.Contains(r.Body, "ALLOWED_ORIGINS") {
			t.Fatalf("page of another origin %s: %d %s, want 400 naming url", page, r.StatusCode, r.Body)
		}
	}
	for i := range 13 {
		clock.add(time.Minute)
		if r := view(fmt.Sprintf("https://www.example.com:443/made-up-%d", i)); r.StatusCode != http.StatusNoContent {
			t.Fatalf("view %d: %d %s", i, r.StatusCode, r.Body)
		}
	}
	after, _ := st.Lead(ctx, id)
	views := 0
	for _, s := range after.Signals {
		if s.Kind == "page_view" {
			views++
		}
	}
	if views != 5 || after.Handoff != nil || after.Qualification.Score > before.Qualification.Score+5 {
		t.Fatalf("%d page_view signals kept, score %.1f → %.1f, handoff %+v; want 5, at most 5 points more, not hot",
			views, before.Qualification.Score, after.Qualification.Score, after.Handoff)
	}
	// The next day new pages count again, up to the cap.
	clock.add(24 * time.Hour)
	if r := view("https://www.example.com/another"); r.StatusCode != http.StatusNoContent {
		t.Fatalf("next day: %d %s", r.StatusCode, r.Body)
	}
	next, _ := st.Lead(ctx, id)
	if n := len(next.Signals); n != len(after.Signals)+1 {
		t.Fatalf("next day: %d signals, want %d", n, len(after.Signals)+1)
	}
}

// TestAPageBeyondTheDailyCapCountsOnceToo: past engagement.max_per_day
// distinct pages a day (5 by default), a page counts no more: the first
// one past the cap and every view after it are repeats (timeline facts,
// no counter), not a new page view each time — a visitor token posting
// one page 60 times an hour adds 60 to the campaign's page views
// otherwise. The campaign's counter is the five pages the lead kept.
func TestAPageBeyondTheDailyCapCountsOnceToo(t *testing.T) {
	clock := &clockAt{t: monday.Add(9 * time.Hour)}
	v := newSiteVisitor(t, clock, "capped", "")
	ctx, st, id := context.Background(), v.st, v.id
	pages := []string{"/a", "/b", "/c", "/d", "/e", "/f", "/f", "/f", "/f"}
	for _, p := range pages {
		clock.add(time.Minute)
		if r := v.view("https://www.example.com" + p); r.StatusCode != http.StatusNoContent {
			t.Fatalf("view %s: %d %s", p, r.StatusCode, r.Body)
		}
	}
	tl, _ := st.Timeline(ctx, id)
	views, repeats := 0, 0
	for _, e := range tl {
		if e.Kind == "page_view" {
			views++
			if e.Data["repeat"] == true {
				repeats++
			}
		}
	}
	stats, _ := st.CampaignStats(ctx, "unattributed", clock.now())
	if views != len(pages) || repeats != 4 || stats["page_view"] != 5 {
		t.Fatalf("%d page_view events (%d repeats), counter %d; want %d (/f past the cap and its 3 views again), 5 counted", views, repeats, stats["page_view"], len(pages))
	}
}

// TestVisitedBranchSeesTrackedPageViews: a sequence that branches on
// {visited: /case-studies} takes the branch for a lead whose tracked
// page views include /case-studies/acme, through the real track and
// nurture functions — page views are recorded as page_view signals, and
// the branch used to look for a page_view:/path signal nobody writes.
func TestVisitedBranchSeesTrackedPageViews(t *testing.T) {
	seq := `version: 1
defaults:
  time_zone: Europe/Berlin
  window: {from: "00:00", to: "24:00", days: [mon, tue, wed, thu, fri, sat, sun]}
sequences:
  - id: stories
    entry: {temperatures: [cold]}
    steps:
      - {id: hello, send: hello}
      - {id: wait-1, wait: 24h}
      - {id: read, branch: {if: {visited: /case-studies}, then: saw, else: missed}}
      - {id: saw, exit: saw_case_studies}
      - {id: missed, exit: missed_case_studies}
templates:
  hello:
    subject: "Stories"
    html: "<p>Hi {{.FirstName}}, read <a href=\"https://www.example.com/case-studies/acme\">how Acme did it</a>.</p>"
    text: "Hi {{.FirstName}}, read how Acme did it: https://www.example.com/case-studies/acme"
`
	path, campaigns := ownSequences(t, seq)
	for _, tc := range []struct {
		page, exit string
	}{
		{"https://www.example.com/Case-Studies/Acme/?utm_source=email", "saw_case_studies"},
		{"https://www.example.com/blog/case-studies-are-great", "missed_case_studies"},
	} {
		clock := &clockAt{t: monday}
		env := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "NURTURE_CONFIG": path, "CAMPAIGNS_DIR": campaigns}
		capture, table, _ := buildAt(t, "capture", env, clock.now, "")
		tick, _, _ := buildAt(t, "nurture", env, clock.now, table)
		tr, _, _ := buildAt(t, "track", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALLOWED_ORIGINS": "*", "NURTURE_CONFIG": path, "CAMPAIGNS_DIR": campaigns}, clock.now, table)
		ctx := context.Background()
		st := store.New(testenv.Clients(t).DynamoDB, table)
		email := fmt.Sprintf("stories.%d@smallco.example", time.Now().UnixNano())
		accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(email))))
		id := capturedID(t, table, email)
		if err := tick.Event(ctx, tickEvent("hello")); err != nil {
			t.Fatal(err)
		}
		if got := emailsTo(t, email); len(got) != 1 {
			t.Fatalf("hello: %d emails", len(got))
		}
		clock.add(2 * time.Hour)
		keys, _ := token.ParseKeys(testKeys)
		visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: id, Expires: clock.now().Add(time.Hour)})
		r, _ := tr.HTTP(ctx, trackRequest("POST /events", "", `{"t":"`+visitor+`","url":"`+tc.page+`"}`, map[string]string{"content-type": "application/json"}))
		if r.StatusCode != http.StatusNoContent {
			t.Fatalf("page view: %d %s", r.StatusCode, r.Body)
		}
		clock.add(24 * time.Hour)
		if err := tick.Event(ctx, tickEvent("branch")); err != nil {
			t.Fatal(err)
		}
		tl, err := st.Timeline(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var exit any
		for _, e := range tl {
			if e.Kind == "nurture_exit" {
				exit = e.Data["reason"]
			}
		}
		if exit != tc.exit {
			l, _ := st.Lead(ctx, id)
			t.Errorf("%s: left the sequence with %v, want %s (nurture %+v)", tc.page, exit, tc.exit, l.Nurture)
		}
	}
}

// TestMailScannerClicksCountNothing: a warm lead's company runs mail
// security that opens every link of a nurture email as it arrives, with
// a browser's User-Agent, and another gateway that checks them with
// HEAD. Through the track function each fetch gets its redirect, but
// none counts: no signal, no click counter, no score, no visitor token,
// no alert — the timeline keeps scanner_click facts. The lead's own
// click on the email an hour later counts and redirects with the token.
func TestMailScannerClicksCountNothing(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	// The track function's clock stands still: the scanners' fetches
	// come within the minute after the send however long the requests
	// take (on the wall clock, six of them under -race on a loaded
	// machine can take longer, and count as the lead's).
	clock := &clockAt{t: testenv.Now(t)}
	tr, _, logs := buildAt(t, "track", map[string]string{"ALLOWED_ORIGINS": "https://www.example.com", "PUBLIC_BASE_URL": "https://leads.example.com"}, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	keys, _ := token.ParseKeys(testKeys)
	email := fmt.Sprintf("scanned.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","name":"Sam Scanned","company":"BigCorp","job_title":"CMO","company_size":"1000+","country":"DE","campaign":"q4-demo","consent":true}`)))
	id := capturedID(t, table, email)
	before, _ := st.Lead(ctx, id)
	const browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	fetch := func(target string, sent time.Time, method string) *url.URL {
		t.Helper()
		link := links.Click(keys, "https://leads.example.com", id, target, sent)
		req := trackRequest("GET /t/c/{token}", link[strings.LastIndex(link, "/")+1:], "", map[string]string{"user-agent": browser})
		req.RequestContext.HTTP.Method = method
		r, err := tr.HTTP(ctx, req)
		loc, _ := url.Parse(r.Headers["Location"])
		if err != nil || r.StatusCode != http.StatusFound || loc == nil || loc.Host != "www.example.com" {
			t.Fatalf("%s %s: %d %q %v, want the redirect", method, target, r.StatusCode, r.Headers["Location"], err)
		}
		return loc
	}

	clock.add(testenv.Now(t).Sub(clock.now())) // the wall's time, after the capture
	sent := clock.now()                        // the email just went out
	targets := []string{"https://www.example.com/guide?ref=nurture", "https://www.example.com/pricing?ref=nurture", "https://www.example.com/demo?ref=nurture"}
	for _, target := range targets {
		if loc := fetch(target, sent, http.MethodGet); loc.Query().Has(links.VisitorParam) {
			t.Fatalf("a scanner's fetch got the visitor token: %s", loc)
		}
		fetch(target, sent, http.MethodHead)
	}
	l, _ := st.Lead(ctx, id)
	stats := counted(t, st, "q4-demo")
	if len(l.Signals) != len(before.Signals) || l.Qualification.Score != before.Qualification.Score || l.Handoff != nil || stats["email_click"] != 0 {
		t.Fatalf("scanner fetches counted: %d signals (before %d), score %.1f → %.1f, alert owed %v, email_click %d",
			len(l.Signals), len(before.Signals), before.Qualification.Score, l.Qualification.Score, l.Handoff != nil, stats["email_click"])
	}
	tl, _ := st.Timeline(ctx, id)
	facts := 0
	for _, e := range tl {
		if e.Kind == "scanner_click" {
			facts++
		}
	}
	if facts != len(targets) {
		t.Errorf("%d scanner_click facts, want %d (one per GET; a HEAD records nothing)", facts, len(targets))
	}

	// The lead reads an email sent an hour ago and clicks one link.
	if loc := fetch(targets[0], sent.Add(-time.Hour), http.MethodGet); !loc.Query().Has(links.VisitorParam) || loc.Query().Get("ref") != "nurture" {
		t.Fatalf("the lead's click: redirect %s, want the link with the visitor token", loc)
	}
	l, _ = st.Lead(ctx, id)
	stats = counted(t, st, "q4-demo")
	if len(l.Signals) != len(before.Signals)+1 || l.Qualification.Score <= before.Qualification.Score || stats["email_click"] != 1 {
		t.Fatalf("the lead's click: %d signals (before %d), score %.1f → %.1f, email_click %d; want it counted",
			len(l.Signals), len(before.Signals), before.Qualification.Score, l.Qualification.Score, stats["email_click"])
	}
	for _, bad := range []string{email, "ref=nurture", "lf="} {
		if strings.Contains(logs.String(), bad) {
			t.Fatalf("the tracking logs hold %q", bad)
		}
	}
}

// TestNamedPageViewScoresAndTriggers: TRACK_PAGES "/demo=page_view:demo"
// gives the demo page a signal of its own. Through the real capture,
// nurture and track functions, a nurtured lead's view of /demo/tour is a
// page view to everything that asks for one: the shipped rules, which
// name no page_view:demo, score it as a page view (it used to score 0),
// and a sequence triggered by page_view takes the lead (it used to wait
// for a plain page_view).
func TestNamedPageViewScoresAndTriggers(t *testing.T) {
	seq := `version: 1
defaults:
  time_zone: Europe/Berlin
  window: {from: "00:00", to: "24:00", days: [mon, tue, wed, thu, fri, sat, sun]}
sequences:
  - id: hello
    entry: {temperatures: [cold]}
    steps:
      - {id: hello, send: hello}
      - {id: wait-1, wait: 240h}
      - {id: done, exit: completed}
  - id: browsing
    entry: {signals: [page_view], temperatures: [cold, warm], from: [hello]}
    steps:
      - {id: tour, send: tour}
      - {id: done, exit: completed}
templates:
  hello:
    subject: "Hello"
    html: "<p>Hi {{.FirstName}}.</p>"
    text: "Hi {{.FirstName}}."
  tour:
    subject: "Your tour"
    html: "<p>Hi {{.FirstName}}, questions about the tour?</p>"
    text: "Hi {{.FirstName}}, questions about the tour?"
`
	path, campaigns := ownSequences(t, seq)
	clock := &clockAt{t: monday}
	env := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "NURTURE_CONFIG": path, "CAMPAIGNS_DIR": campaigns}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", env, clock.now, table)
	tr, _, _ := buildAt(t, "track", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALLOWED_ORIGINS": "*",
		"NURTURE_CONFIG": path, "CAMPAIGNS_DIR": campaigns, "TRACK_PAGES": "/pricing=pricing_page_view,/demo=page_view:demo"}, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("touring.%d@smallco.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(email))))
	id := capturedID(t, table, email)
	if err := tick.Event(ctx, tickEvent("hello")); err != nil {
		t.Fatal(err)
	}
	before, _ := st.Lead(ctx, id)
	if before.Nurture == nil || before.Nurture.Sequence != "hello" || before.Qualification == nil {
		t.Fatalf("after the first tick: %+v", before.Nurture)
	}

	clock.add(2 * time.Hour)
	keys, _ := token.ParseKeys(testKeys)
	visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: id, Expires: clock.now().Add(time.Hour)})
	r, _ := tr.HTTP(ctx, trackRequest("POST /events", "", `{"t":"`+visitor+`","url":"https://www.example.com/demo/tour"}`, map[string]string{"content-type": "application/json"}))
	if r.StatusCode != http.StatusNoContent {
		t.Fatalf("demo view: %d %s", r.StatusCode, r.Body)
	}
	l, err := st.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(l.Signals); n == 0 || l.Signals[n-1].Kind != "page_view:demo" {
		t.Fatalf("signals after the view: %+v", l.Signals)
	}
	if !slices.ContainsFunc(l.Qualification.Reasons, func(r string) bool { return strings.HasPrefix(r, "+1 page view") }) ||
		l.Qualification.Score <= before.Qualification.Score {
		t.Errorf("the demo view scored nothing: score %v → %v, reasons %q", before.Qualification.Score, l.Qualification.Score, l.Qualification.Reasons)
	}
	if l.Nurture == nil || l.Nurture.Sequence != "browsing" {
		t.Fatalf("the demo view did not trigger the page_view sequence: %+v", l.Nurture)
	}
	if err := tick.Event(ctx, tickEvent("tour")); err != nil {
		t.Fatal(err)
	}
	if got := emailsTo(t, email); len(got) != 2 || got[1].Subject != "Your tour" {
		t.Fatalf("after the trigger: %d emails", len(got))
	}
}

// ownSequences writes a nurture config and a campaigns folder holding
// only the single opt-in newsletter-q4 campaign coldBody posts to (the
// shipped campaign files name the default sequences), for NURTURE_CONFIG
// and CAMPAIGNS_DIR.
func ownSequences(t *testing.T, seq string) (path, campaigns string) {
	t.Helper()
	dir := t.TempDir()
	path, campaigns = filepath.Join(dir, "nurture.yaml"), filepath.Join(dir, "campaigns")
	if err := os.WriteFile(path, []byte(seq), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(campaigns, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(campaigns, "newsletter-q4.yaml"), []byte(campaignYAML("newsletter-q4", "consent_mode: single\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, campaigns
}
