package track

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

const browserUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// TestMailScannerClicksDoNotCount: corporate mail security (Microsoft
// Safe Links, Mimecast, Proofpoint, Barracuda) fetches the links of a
// nurture email as it arrives. Such a fetch still gets its redirect, but
// counts no click — no signal, so no points, no `clicked` branch, no
// counter, and no visitor token for the site — when it is a HEAD, when
// its User-Agent names a scanner or an HTTP library, when it comes
// within a minute of the email's send, or when it is one of clicks on
// different links of one email within 2 seconds of each other (a
// scanner walking the links, minutes later: the click of the burst that
// counted is taken back). A person's click — a browser, after that
// minute, one link at a time, or one link twice — counts and redirects.
func TestMailScannerClicksDoNotCount(t *testing.T) {
	type click struct {
		link   string        // target path on www.example.com
		after  time.Duration // after the email was sent
		method string        // "" is GET
		ua     string        // "" is a browser
		counts bool          // a signal added
	}
	tests := []struct {
		name    string
		clicks  []click
		signals int    // kept on the lead at the end
		counted int64  // the campaign's email_click counter at the end
		outcome string // logged for the last click
	}{
		{"a person, an hour after the send", []click{{"/guide", time.Hour, "", "", true}}, 1, 1, "recorded"},
		{"a person, a minute after the send", []click{{"/guide", time.Minute, "", "", true}}, 1, 1, "recorded"},
		{"within seconds of the send", []click{{"/guide", 4 * time.Second, "", "", false}}, 0, 0, "scanner_not_recorded"},
		{"every link within seconds of the send", []click{{"/guide", 3 * time.Second, "", "", false}, {"/pricing", 3*time.Second + 200*time.Millisecond, "", "", false}, {"/demo", 50 * time.Second, "", "", false}}, 0, 0, "scanner_not_recorded"},
		{"HEAD", []click{{"/guide", time.Hour, http.MethodHead, "", false}}, 0, 0, "bot_not_recorded"},
		{"Barracuda", []click{{"/guide", time.Hour, "", "Mozilla/5.0 (compatible; BarracudaCentral link protection)", false}}, 0, 0, "bot_not_recorded"},
		{"Proofpoint", []click{{"/guide", time.Hour, "", "Proofpoint URL Defense", false}}, 0, 0, "bot_not_recorded"},
		{"an HTTP library", []click{{"/guide", time.Hour, "", "python-requests/2.31.0", false}}, 0, 0, "bot_not_recorded"},
		{"Go's HTTP client", []click{{"/guide", time.Hour, "", "Go-http-client/1.1", false}}, 0, 0, "bot_not_recorded"},
		{"every link within a second, minutes after the send", []click{
			{"/guide", 10 * time.Minute, "", "", true}, // counted until the next one shows the burst
			{"/pricing", 10*time.Minute + 300*time.Millisecond, "", "", false},
			{"/demo", 10*time.Minute + 1500*time.Millisecond, "", "", false},
		}, 0, 0, "scanner_not_recorded"},
		{"a person clicking two links a minute apart", []click{{"/guide", time.Hour, "", "", true}, {"/pricing", time.Hour + time.Minute, "", "", true}}, 2, 2, "recorded"},
		{"a person double-clicking one link", []click{{"/guide", time.Hour, "", "", true}, {"/guide", time.Hour + 400*time.Millisecond, "", "", false}}, 1, 1, "repeat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, keys := handler(t)
			h.CORS = httpapi.NewCORS("https://www.example.com")
			var logs strings.Builder
			h.Log = slog.New(slog.NewJSONHandler(&logs, nil))
			sent := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			var now time.Time
			h.Clock = func() time.Time { return now }
			h.Engage.Clock = h.Clock
			st := h.Engage.Store.(*memstore.Store)
			for i, c := range tt.clicks {
				now = sent.Add(c.after)
				logs.Reset()
				link := links.Click(keys, "https://leads.example.com", "L1", "https://www.example.com"+c.link+"?ref=nurture", sent)
				ua := c.ua
				if ua == "" {
					ua = browserUA
				}
				req := httpapi.Request{RouteKey: "GET /t/c/{token}", PathParameters: map[string]string{"token": link[strings.LastIndex(link, "/")+1:]},
					Headers: map[string]string{"user-agent": ua}}
				req.RequestContext.HTTP.Method = http.MethodGet
				if c.method != "" {
					req.RequestContext.HTTP.Method = c.method
				}
				before, _ := st.Lead(context.Background(), "L1")
				resp, err := h.Handle(context.Background(), req)
				loc, _ := url.Parse(resp.Headers["Location"])
				if err != nil || resp.StatusCode != http.StatusFound || loc == nil || loc.Path != c.link || loc.Query().Get("ref") != "nurture" {
					t.Fatalf("click %d: %d %q %v: every fetch gets its redirect", i, resp.StatusCode, resp.Headers["Location"], err)
				}
				l, _ := st.Lead(context.Background(), "L1")
				if added := len(l.Signals) > len(before.Signals); added != c.counts {
					t.Errorf("click %d (%s at +%s): counted %v, want %v (log %s)", i, c.link, c.after, added, c.counts, logs.String())
				}
				// A person's click, counted or a repeat, hands on the visitor token.
				person := c.counts || tt.outcome == "repeat"
				if got := loc.Query().Has(links.VisitorParam); got != person {
					t.Errorf("click %d: visitor token %v, want %v", i, got, person)
				}
			}
			l, _ := st.Lead(context.Background(), "L1")
			stats, _ := st.CampaignStats(context.Background(), "unattributed", sent)
			if len(l.Signals) != tt.signals || stats["email_click"] != tt.counted {
				t.Errorf("%d signals, email_click counter %d; want %d and %d", len(l.Signals), stats["email_click"], tt.signals, tt.counted)
			}
			if !strings.Contains(logs.String(), `"outcome":"`+tt.outcome+`"`) {
				t.Errorf("last click's log %s: want outcome %s", logs.String(), tt.outcome)
			}
			for _, bad := range []string{"example.com/", "ref=nurture", "lf="} {
				if strings.Contains(logs.String(), bad) {
					t.Errorf("log holds %q (a URL or token): %s", bad, logs.String())
				}
			}
		})
	}
}
