package capture_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

func campaignGet(route, id string) httpapi.Request {
	r := httpapi.Request{RouteKey: route, RawPath: "/c/" + id, PathParameters: map[string]string{"campaign": id}}
	r.RequestContext.HTTP.Method = http.MethodGet
	r.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
	return r
}

// TestPageHeaders: each kind of page capture serves renders under its own
// policy — nothing the page does is blocked, nothing else is allowed —
// and only the embeddable snippet may be framed.
func TestPageHeaders(t *testing.T) {
	set, err := campaign.LoadDir("../../config/campaigns")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	tests := []struct {
		name       string
		base       string // the handler's BaseURL
		req        httpapi.Request
		status     int
		formAction string // the CSP's form-action
		frameable  bool
	}{
		{"hosted page, API's own address", "", campaignGet("GET /c/{campaign}", "q4-demo"), 200,
			"https://abc123.execute-api.eu-west-1.amazonaws.com", false},
		{"hosted page, public base on another origin", "https://leads.example.com", campaignGet("GET /c/{campaign}", "q4-demo"), 200,
			"https://leads.example.com", false},
		{"framed form", "https://leads.example.com", campaignGet("GET /c/{campaign}/form", "q4-demo"), 200,
			"https://leads.example.com", true},
		{"campaign thank-you page", "", campaignGet("GET /c/{campaign}/thanks", "q4-demo"), 200, "'none'", false},
		{"generic thank-you page", "", campaignGet("GET /thanks", ""), 200, "'none'", false},
		{"unknown campaign", "", campaignGet("GET /c/{campaign}", "nope"), 404, "'none'", false},
		{"unknown campaign's thank-you page", "", campaignGet("GET /c/{campaign}/thanks", "nope"), 404, "'none'", false},
		{"form refused", "", post("application/x-www-form-urlencoded", "email=nope", "referer", "https://www.example.com/demo"), 400, "'none'", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(memstore.New(), &logs)
			h.Campaigns, h.BaseURL = set, tt.base
			resp, err := h.Handle(context.Background(), tt.req)
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("%d %v", resp.StatusCode, err)
			}
			if p := httpapitest.PageProblems(resp); len(p) > 0 {
				t.Fatalf("%q\nCSP %s", p, resp.Headers["Content-Security-Policy"])
			}
			d := httpapitest.Directives(resp.Headers["Content-Security-Policy"])
			if got := strings.Join(d["form-action"], " "); got != tt.formAction {
				t.Errorf("form-action %s, want %s", got, tt.formAction)
			}
			if httpapitest.Framing(resp) != tt.frameable || resp.Headers["Referrer-Policy"] != "strict-origin-when-cross-origin" {
				t.Errorf("headers %v", resp.Headers)
			}
			// The framed form: only the sites allowed to post may frame it.
			if got := strings.Join(d["frame-ancestors"], " "); tt.frameable && got != "https://www.example.com" {
				t.Errorf("frame-ancestors %q, want the allowed origins", got)
			}
		})
	}

	// The snippets are text to paste, frameable by any site, never
	// sniffed into HTML: the frame by default, static HTML for a variant.
	h := newHandler(memstore.New(), &logs)
	h.Campaigns = set
	for query, want := range map[string]string{"": "<iframe", "b": `<form`} {
		req := campaignGet("GET /c/{campaign}/embed", "q4-demo")
		if query != "" {
			req.QueryStringParameters = map[string]string{"variant": query}
		}
		resp, err := h.Handle(context.Background(), req)
		if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, want) {
			t.Fatalf("embed %q: %d %v\n%s", query, resp.StatusCode, err, resp.Body)
		}
		if resp.Headers["Content-Type"] != "text/plain; charset=utf-8" || resp.Headers["X-Content-Type-Options"] != "nosniff" ||
			!httpapitest.Framing(resp) || !strings.HasPrefix(resp.Headers["Content-Security-Policy"], "default-src 'none'") {
			t.Fatalf("embed headers %v", resp.Headers)
		}
	}
	// Any site may frame the form when any may post.
	h.CORS = httpapi.NewCORS("*")
	resp, _ := h.Handle(context.Background(), campaignGet("GET /c/{campaign}/form", "q4-demo"))
	if !httpapitest.Framing(resp) || len(httpapitest.PageProblems(resp)) > 0 {
		t.Fatalf("framed form, any origin: %v", resp.Headers)
	}
	// JSON answers are nosniff too.
	resp, _ = h.Handle(context.Background(), post("application/json", `{"email":"nope"}`))
	if resp.StatusCode != 400 || resp.Headers["X-Content-Type-Options"] != "nosniff" {
		t.Fatalf("json refusal: %d %v", resp.StatusCode, resp.Headers)
	}
}
