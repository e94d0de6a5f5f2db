package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/token"
)

// TestEveryPageCarriesItsSecurityHeaders fetches each kind of HTML page
// through the wired handlers — hosted campaign page, its "not found", the
// refused-form page, the feedback and unsubscribe pages, a damaged click
// link, the report dashboard — and checks each renders under its own
// Content-Security-Policy (default-src 'none' plus only what it uses: its
// hashed <style>, its form's target), with nosniff, a Referrer-Policy
// (none for pages whose URL is a token) and no framing; the embeddable
// snippet and its framed form stay frameable, the snippet is never
// sniffed; JSON answers are nosniff. The pages a lead or a rep sees read
// well with a screen reader (httpapitest.AccessibilityProblems).
func TestEveryPageCarriesItsSecurityHeaders(t *testing.T) {
	base := "https://leads.example.com"
	capture, table, _ := build(t, "capture", map[string]string{"PUBLIC_BASE_URL": base})
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	unsub, _, _ := buildAt(t, "unsubscribe", nil, testenv.Clock(t), table)
	tr, _, _ := buildAt(t, "track", map[string]string{"PUBLIC_BASE_URL": base}, testenv.Clock(t), table)
	reports, _, _ := buildAt(t, "reports", map[string]string{"PUBLIC_BASE_URL": base}, testenv.Clock(t), table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)

	email := fmt.Sprintf("headers.%d@acme.example", time.Now().UnixNano())
	resp, _ := capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","consent":true}`))
	created := struct{ ID string }{capturedID(t, table, email)}
	if resp.StatusCode != 202 || resp.Headers["X-Content-Type-Options"] != "nosniff" {
		t.Fatalf("capture: %d %v", resp.StatusCode, resp.Headers)
	}
	get := func(route, param, value string) httpapi.Request {
		r := httpapi.Request{RouteKey: route, PathParameters: map[string]string{param: value}, RawPath: "/" + value}
		r.RequestContext.HTTP.Method = strings.Fields(route)[0]
		r.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
		return r
	}
	refused := jsonLead("email=nope")
	refused.Headers = map[string]string{"content-type": "application/x-www-form-urlencoded", "referer": "https://www.example.com/demo"}
	feedbackTok := links.FeedbackToken(keys, created.ID, links.ActionAccept, "ana@example.com", time.Time{}, testenv.Now(t).Add(time.Hour))
	unsubTok := links.Unsubscribe(keys, base, created.ID, testenv.Now(t))
	unsubTok = unsubTok[strings.LastIndex(unsubTok, "/")+1:]
	confirmTok := links.Confirm(keys, base, created.ID, "r1", testenv.Now(t).Add(time.Hour))
	confirmTok = confirmTok[strings.LastIndex(confirmTok, "/")+1:]
	dashboard := httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: map[string]string{"format": "html"}}
	dashboard.RequestContext.HTTP.Method = http.MethodGet
	badPlan := sampleEvent(t, "reports-plan.json")
	badPlan.QueryStringParameters = map[string]string{"target": "-1", "period": "2027-Q1", "format": "html"}

	for _, tc := range []struct {
		name       string
		fn         func(context.Context, httpapi.Request) (httpapi.Response, error)
		req        httpapi.Request
		status     int
		formAction string
		referrer   string
	}{
		{"hosted campaign page", capture.HTTP, get("GET /c/{campaign}", "campaign", "q4-demo"), 200, base, "strict-origin-when-cross-origin"},
		{"campaign thank-you page", capture.HTTP, get("GET /c/{campaign}/thanks", "campaign", "q4-demo"), 200, "'none'", "strict-origin-when-cross-origin"},
		{"generic thank-you page", capture.HTTP, get("GET /thanks", "", ""), 200, "'none'", "strict-origin-when-cross-origin"},
		{"unknown campaign", capture.HTTP, get("GET /c/{campaign}", "campaign", "nope"), 404, "'none'", "strict-origin-when-cross-origin"},
		{"refused form post", capture.HTTP, refused, 400, "'none'", "strict-origin-when-cross-origin"},
		{"feedback page", fb.HTTP, get("GET /feedback/{token}", "token", feedbackTok), 200, "'self'", "no-referrer"},
		{"feedback, damaged link", fb.HTTP, get("GET /feedback/{token}", "token", "x.y.z"), 403, "'self'", "no-referrer"},
		{"unsubscribe page", unsub.HTTP, get("GET /unsubscribe/{token}", "token", unsubTok), 200, "'self'", "no-referrer"},
		{"subscription confirm page", unsub.HTTP, get("GET /confirm/{token}", "token", confirmTok), 200, "'self'", "no-referrer"},
		{"damaged click link", tr.HTTP, get("GET /t/c/{token}", "token", "x.y.z"), 403, "'none'", "strict-origin-when-cross-origin"},
		{"report dashboard", reports.HTTP, dashboard, 200, "'none'", "strict-origin-when-cross-origin"},
		{"revenue planner", reports.HTTP, sampleEvent(t, "reports-plan.json"), 200, "'self'", "strict-origin-when-cross-origin"},
		{"revenue planner, refused target", reports.HTTP, badPlan, 400, "'self'", "strict-origin-when-cross-origin"},
	} {
		r, err := tc.fn(ctx, tc.req)
		if err != nil || r.StatusCode != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, r.StatusCode, err, tc.status)
			continue
		}
		if p := httpapitest.PageProblems(r); len(p) > 0 {
			t.Errorf("%s: %q\nCSP %s", tc.name, p, r.Headers["Content-Security-Policy"])
		}
		// Every page — a lead's, a sales rep's, the marketer's reports
		// (on a phone, or with a screen reader) — has a language, one main
		// landmark, one h1, headings in order and labelled fields.
		if p := httpapitest.AccessibilityProblems(r.Body); len(p) > 0 {
			t.Errorf("%s: %q", tc.name, p)
		}
		d := httpapitest.Directives(r.Headers["Content-Security-Policy"])
		if got := strings.Join(d["form-action"], " "); got != tc.formAction || httpapitest.Framing(r) || r.Headers["Referrer-Policy"] != tc.referrer {
			t.Errorf("%s: form-action %q (want %q), framing %v, referrer %q (want %q)", tc.name, got, tc.formAction, httpapitest.Framing(r), r.Headers["Referrer-Policy"], tc.referrer)
		}
	}

	embed, _ := capture.HTTP(ctx, get("GET /c/{campaign}/embed", "campaign", "q4-demo"))
	if embed.StatusCode != 200 || embed.Headers["Content-Type"] != "text/plain; charset=utf-8" || embed.Headers["X-Content-Type-Options"] != "nosniff" || !httpapitest.Framing(embed) {
		t.Errorf("embed: %d %v; want text, nosniff, frameable", embed.StatusCode, embed.Headers)
	}
	// The framed form: frameable by the allowed sites only (build allows "*").
	frame, _ := capture.HTTP(ctx, get("GET /c/{campaign}/form", "campaign", "q4-demo"))
	if p := httpapitest.PageProblems(frame); frame.StatusCode != 200 || len(p) > 0 || !httpapitest.Framing(frame) {
		t.Errorf("framed form: %d %q %v", frame.StatusCode, p, frame.Headers)
	}
	js, _ := tr.HTTP(ctx, get("GET /t/s.js", "", ""))
	if js.Headers["X-Content-Type-Options"] != "nosniff" {
		t.Errorf("site script without nosniff: %v", js.Headers)
	}
}
