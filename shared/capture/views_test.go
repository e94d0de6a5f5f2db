package capture_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// counters is every stats item of now's month, by "campaign/variant".
func counters(t *testing.T, st *memstore.Store) map[string]report.Counters {
	t.Helper()
	srcs, err := st.MonthSources(context.Background(), now.Format("2006-01"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]report.Counters{}
	for _, s := range srcs {
		out[s.Campaign+"/"+s.Variant] = s.Counters
	}
	return out
}

// TestPageViewsAreCounted: a load of a campaign's own page — the hosted
// page or the embed's frame — by a browser counts one view for the variant
// it shows, on the variant's item only; nothing else does: a declared bot,
// a preflight, a HEAD, the snippet, the thank-you page, a paused
// campaign's page, an unknown campaign.
func TestPageViewsAreCounted(t *testing.T) {
	set := campaigns(t, map[string]string{"ab.yaml": ab, "old-offer.yaml": paused})
	const browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
	get := func(route, id string, query map[string]string, method, ua string) httpapi.Request {
		r := campaignGet(route, id)
		r.QueryStringParameters = query
		r.RequestContext.HTTP.Method = method
		r.Headers = map[string]string{"user-agent": ua}
		return r
	}
	tests := []struct {
		name string
		req  httpapi.Request
		want string // the stats item counted ("ab/<variant shown>" for "shown"), "" for none
	}{
		{"hosted page, drawn variant", get("GET /c/{campaign}", "ab", nil, http.MethodGet, browser), "shown"},
		{"hosted page, pinned variant", get("GET /c/{campaign}", "ab", map[string]string{"variant": "short"}, http.MethodGet, browser), "ab/short"},
		{"hosted page, unknown variant: the drawn one", get("GET /c/{campaign}", "ab", map[string]string{"variant": "nope"}, http.MethodGet, browser), "shown"},
		{"embed frame", get("GET /c/{campaign}/form", "ab", nil, http.MethodGet, browser), "shown"},
		{"a browser that names no bot", get("GET /c/{campaign}", "ab", nil, http.MethodGet, ""), "shown"},
		{"link preview", get("GET /c/{campaign}", "ab", nil, http.MethodGet, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"), ""},
		{"crawler", get("GET /c/{campaign}", "ab", nil, http.MethodGet, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), ""},
		{"headless browser", get("GET /c/{campaign}/form", "ab", nil, http.MethodGet, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36"), ""},
		{"curl (a script, an uptime check)", get("GET /c/{campaign}", "ab", nil, http.MethodGet, "curl/8.5.0"), ""},
		{"an HTTP library", get("GET /c/{campaign}/form", "ab", nil, http.MethodGet, "python-requests/2.31.0"), ""},
		{"preflight", get("GET /c/{campaign}", "ab", nil, http.MethodOptions, browser), ""},
		{"HEAD", get("GET /c/{campaign}", "ab", nil, http.MethodHead, browser), ""},
		{"snippet", get("GET /c/{campaign}/embed", "ab", nil, http.MethodGet, browser), ""},
		{"thank-you page", get("GET /c/{campaign}/thanks", "ab", nil, http.MethodGet, browser), ""},
		{"paused campaign's page", get("GET /c/{campaign}", "old-offer", nil, http.MethodGet, browser), ""},
		{"unknown campaign", get("GET /c/{campaign}", "nope", nil, http.MethodGet, browser), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := memstore.New()
			h := newHandler(st, &bytes.Buffer{})
			h.Campaigns, h.BaseURL = set, "https://leads.example.com"
			resp, err := h.Handle(context.Background(), tt.req)
			if err != nil || resp.StatusCode >= 500 {
				t.Fatalf("%d %v", resp.StatusCode, err)
			}
			want := tt.want
			if want == "shown" {
				m := variantRe.FindStringSubmatch(resp.Body)
				if m == nil {
					t.Fatalf("no variant on the page: %s", resp.Body)
				}
				want = "ab/" + m[1]
			}
			got := map[string]int64{}
			for k, c := range counters(t, st) {
				if n := c[report.ViewsCounter]; n != 0 {
					got[k] = n
				}
				if len(c) != 0 && c[report.ViewsCounter] != int64(len(c)) && c[report.ViewsCounter] != 0 {
					t.Errorf("%s: a view wrote other counters: %v", k, c)
				}
			}
			switch {
			case want == "" && len(got) != 0:
				t.Errorf("counted %v, want nothing", got)
			case want != "" && (len(got) != 1 || got[want] != 1):
				t.Errorf("counted %v, want one view of %s", got, want)
			}
		})
	}
}

// viewsFail is memstore whose view counter cannot be written.
type viewsFail struct{ *memstore.Store }

func (viewsFail) CountView(context.Context, string, string, string, time.Time) (bool, error) {
	return false, errors.New("dynamodb unavailable")
}

// A view that cannot be counted still shows the visitor the page.
func TestPageShownWhenItsViewIsNotCounted(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(viewsFail{memstore.New()}, &logs)
	h.Campaigns, h.BaseURL = campaigns(t, map[string]string{"ab.yaml": ab}), "https://leads.example.com"
	resp, _ := h.Handle(context.Background(), campaignGet("GET /c/{campaign}", "ab"))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "<form") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(logs.String(), `"view":"not_counted"`) || !strings.Contains(logs.String(), "dynamodb unavailable") {
		t.Errorf("the lost view is not logged: %s", logs.String())
	}
}

// TestPageLeadsAreCounted: a new lead posted from a campaign's own page
// (the form carries the page view's _idem) counts a page lead for the
// campaign and the variant it saw, beside its lead; the same person again,
// a JSON post, a form without the page's token (the static snippet) and
// a site's own form with an _idem of its own (as the README's fields
// advise, and as the local demo landing page does) count none.
func TestPageLeadsAreCounted(t *testing.T) {
	st := memstore.New()
	h := newHandler(st, &bytes.Buffer{})
	h.Campaigns, h.BaseURL = campaigns(t, map[string]string{"ab.yaml": ab}), "https://leads.example.com"
	ctx := context.Background()
	page, _ := h.Handle(ctx, campaignGet("GET /c/{campaign}", "ab"))
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page.Body, -1) {
		form.Set(m[1], m[2])
	}
	shown := form.Get("variant")
	if form.Get("_idem") == "" || shown == "" {
		t.Fatalf("hidden fields: %v", form)
	}
	send := func(contentType, body string) {
		t.Helper()
		if r, _ := h.Handle(ctx, post(contentType, body)); r.StatusCode != 303 && r.StatusCode != 202 {
			t.Fatalf("post: %d %s", r.StatusCode, r.Body)
		}
	}
	form.Set("email", "ann@acme.example")
	form.Set("name", "Ann")
	send("application/x-www-form-urlencoded", form.Encode())
	form.Set("name", "Ann B") // the same person, from the page again
	send("application/x-www-form-urlencoded", form.Encode())
	send("application/json", `{"email":"bob@acme.example","campaign":"ab","variant":"`+shown+`"}`)
	send("application/x-www-form-urlencoded", "email=cy%40acme.example&name=Cy&campaign=ab&variant="+shown) // the static snippet
	send("application/x-www-form-urlencoded", "email=dee%40acme.example&name=Dee&campaign=ab&variant="+shown+
		"&_idem=9f86d081884c7d659a2feaa0c55ad015") // a site's own form, its own token
	forged := url.Values{}
	for k, v := range form {
		forged[k] = v
	}
	forged.Set("email", "eve@acme.example")
	tok, alt := form.Get("_idem"), "0"
	if strings.HasSuffix(tok, alt) {
		alt = "1"
	}
	forged.Set("_idem", tok[:len(tok)-1]+alt) // a page token altered
	send("application/x-www-form-urlencoded", forged.Encode())

	c := counters(t, st)
	for _, k := range []string{"ab/", "ab/" + shown} {
		if c[k]["leads"] != 5 || c[k][report.PageLeadsCounter] != 1 || c[k]["resubmissions"] != 1 {
			t.Errorf("%s: %v, want 5 leads, 1 from the page, 1 resubmission", k, c[k])
		}
	}
}
