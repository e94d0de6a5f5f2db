package gateway_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/landing"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/all"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestLandingFormPostsThroughGateway drives the demo page the way a
// browser without JavaScript does: load the page, post its form, follow
// the redirect, and find the lead with its UTM and consent in the table.
func TestLandingFormPostsThroughGateway(t *testing.T) {
	tm := testenv.Template(t)
	table := testenv.NewTable(t)
	var logs bytes.Buffer
	srvURL := ""
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	srvURL = srv.URL
	gw, err := gateway.New(context.Background(), options(t, tm, table, srvURL, &logs))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", gw)
	site := landing.Handler("/leads", "https://www.example.com/privacy", nil)
	mux.Handle("GET /{$}", site)

	page := get(t, srvURL+"/?utm_source=newsletter&utm_campaign=nov&campaign=nov-webinar")
	for _, want := range []string{`action="/leads"`, `name="utm_source" value="newsletter"`, `name="campaign" value="nov-webinar"`, `name="_idem"`, `name="fax"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("landing page lacks %s", want)
		}
	}
	form := url.Values{"email": {"Pia@Example.org"}, "name": {"Pia"}, "consent": {"true"}, "utm_source": {"newsletter"},
		"campaign": {"nov-webinar"}, "landing_page": {srvURL + "/?utm_source=newsletter"}, "answers[crm]": {"Pipedrive"}, "fax": {""}, "_idem": {"abc123"}}
	req, _ := http.NewRequest(http.MethodPost, srvURL+"/leads", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srvURL)
	resp, err := http.DefaultClient.Do(req) // follows the 303 to capture's generic /thanks (nov-webinar is no campaign file)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/thanks" || !strings.Contains(string(body), "Thank you") {
		t.Fatalf("after posting: %d %s", resp.StatusCode, resp.Request.URL)
	}
	l, err := store.New(testenv.Clients(t).DynamoDB, table).LeadByEmail(context.Background(), lead.HashEmail("pia@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := token.ParseKeys("t1:test-signing-key-0123456789abcdef")
	if l.FirstTouch.UTMSource != "newsletter" || l.FirstTouch.Campaign != "nov-webinar" || l.Answers["crm"] != "Pipedrive" || l.Consent.MarketingOptIn || l.OptIn == nil || l.OptIn.IPHash != enrol.Evidence(keys).Hash("127.0.0.1") {
		t.Fatalf("stored lead = %+v", l)
	}

	for path, want := range map[string]int{"/nowhere": 404} {
		r, _ := http.Get(srvURL + path)
		if r.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, r.StatusCode, want)
		}
	}
	r, _ := http.Get(srvURL + "/leads")
	if r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /leads = %d, want 405", r.StatusCode)
	}
}

// options is the gateway over the emulators and table, for a site at
// siteURL (its origin and the links' base).
func options(t *testing.T, tm *sam.Template, table, siteURL string, logs io.Writer) gateway.Options {
	e := testenv.Get(t)
	o := gateway.Options{
		Template: tm, Refs: map[string]string{tm.TableID: table},
		Env: map[string]string{"DYNAMODB_ENDPOINT": e.DynamoDB, "SES_ENDPOINT": e.SES, "S3_ENDPOINT": e.S3, "AWS_REGION": "us-east-1",
			"PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": siteURL, "PUBLIC_BASE_URL": siteURL, "SIGNING_KEYS": "t1:test-signing-key-0123456789abcdef", "SES_MAX_SEND_RATE": "100",
			"CAMPAIGNS_DIR": filepath.Join(testenv.Root(t), "config", "campaigns"), "SEGMENTS_DIR": filepath.Join(testenv.Root(t), "config", "segments")},
		Clock: time.Now, Logs: logs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	maps.Copy(o.Env, gateway.LocalAddresses)
	return o
}

// TestHandlersRunWithinTheirLambdaTimeout: locally as in Lambda, every
// invocation's context ends at the function's Timeout from the template,
// counted from its start (capture 10 s, the nurture tick 55 s): code that
// watches ctx.Deadline() behaves as deployed. The deadline each function
// saw is read off its first DynamoDB request, and must be the timeout
// from a moment within the invocation (between the wall times read just
// before and after it): exact however slow the machine is, where the time
// left at that request depends on how long the requests before it took.
func TestHandlersRunWithinTheirLambdaTimeout(t *testing.T) {
	tm := testenv.Template(t)
	table := testenv.NewTable(t)
	var mu sync.Mutex
	deadline := map[string]time.Time{} // first DynamoDB request of each kind → its deadline (zero: none)
	o := options(t, tm, table, "https://site.example", io.Discard)
	o.Services = append(slices.Clone(all.Services), func(_ awsclients.Base, cl *awsclients.Clients) {
		cl.DynamoDB = dynamodb.New(cl.DynamoDB.Options(), func(opt *dynamodb.Options) {
			opt.APIOptions = append(opt.APIOptions, func(st *middleware.Stack) error {
				return st.Initialize.Add(middleware.InitializeMiddlewareFunc("deadline", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					mu.Lock()
					op := middleware.GetOperationName(ctx)
					if _, seen := deadline[op]; !seen {
						dl, _ := ctx.Deadline()
						deadline[op] = dl
					}
					mu.Unlock()
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
			})
		})
	})
	gw, err := gateway.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	timeout := map[string]time.Duration{}
	for _, f := range tm.Functions {
		timeout[f.Name] = time.Duration(f.Timeout) * time.Second
	}
	// check: the first op request of the invocation that ran between
	// before and after had the deadline want from the invocation's start.
	check := func(what, op string, want time.Duration, before, after time.Time) {
		t.Helper()
		mu.Lock()
		got, ok := deadline[op]
		mu.Unlock()
		if !ok || got.IsZero() || got.Before(before.Add(want)) || got.After(after.Add(want)) {
			t.Errorf("%s: its %s had the deadline %v (absent: %v), %v after the invocation began at the latest; want the function's %v timeout from the invocation's start",
				what, op, got, !ok, got.Sub(before), want)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/leads", strings.NewReader(`{"email":"deadline@acme.example","consent":false}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	before := time.Now()
	gw.ServeHTTP(rec, req)
	after := time.Now()
	if rec.Code != http.StatusAccepted {
		t.Fatalf("capture answered %d %s", rec.Code, rec.Body)
	}
	check("capture", "TransactWriteItems", timeout["capture"], before, after)
	for _, s := range gw.Schedules() {
		if s.Function == "nurture" {
			before = time.Now()
			if err := s.Fire(context.Background()); err != nil {
				t.Fatal(err)
			}
			after = time.Now()
		}
	}
	check("the nurture tick", "Query", timeout["nurture"], before, after)
}

func get(t *testing.T, u string) string {
	t.Helper()
	r, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		expr string
		want time.Duration
		ok   bool
	}{
		{"rate(5 minutes)", 5 * time.Minute, true},
		{"rate(1 minute)", time.Minute, true},
		{"rate(2 hours)", 2 * time.Hour, true},
		{"rate(7 days)", 7 * 24 * time.Hour, true},
		{"rate(0 minutes)", 0, false},
		{"cron(0 9 ? * MON *)", 0, false}, // ParseCron's
	}
	for _, tt := range tests {
		got, err := gateway.ParseRate(tt.expr)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseRate(%q) = %v, %v", tt.expr, got, err)
		}
	}
}
