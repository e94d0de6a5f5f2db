package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app/registry"
	"github.com/leadflow/leadflow/shared/awsclients/all"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// TestHostedCampaignPageRoundTrip: the campaign's hosted page (from
// config/campaigns) is served, a browser posts its form as rendered, and
// the lead lands with the campaign, the variant shown and the answers.
func TestHostedCampaignPageRoundTrip(t *testing.T) {
	capture, table, _ := build(t, "capture", map[string]string{"ALLOWED_ORIGINS": "*"})
	ctx := context.Background()
	req := httpapi.Request{RouteKey: "GET /c/{campaign}", RawPath: "/c/q4-demo", RawQueryString: "utm_source=linkedin",
		PathParameters: map[string]string{"campaign": "q4-demo"}, QueryStringParameters: map[string]string{"utm_source": "linkedin"}}
	req.RequestContext.HTTP.Method = http.MethodGet
	req.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
	page, err := capture.HTTP(ctx, req)
	if err != nil || page.StatusCode != 200 || !strings.Contains(page.Body, `action="https://abc123.execute-api.eu-west-1.amazonaws.com/leads"`) {
		t.Fatalf("page: %d %v %s", page.StatusCode, err, page.Body)
	}
	// The consent checkbox links the privacy notice: the campaign file's
	// own, else the template parameter PrivacyNoticeURL.
	if !regexp.MustCompile(`name="consent"[^>]*><label[^>]*>[^<]*</label> <a class="lf-privacy" href="https://[^"]+"`).MatchString(page.Body) {
		t.Fatalf("no privacy notice link beside the consent checkbox:\n%s", page.Body)
	}
	// Post what the form holds: its hidden inputs, plus what a person types.
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page.Body, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	variant := form.Get("variant")
	if form.Get("campaign") != "q4-demo" || variant == "" || form.Get("_idem") == "" || form.Get("utm_source") != "linkedin" {
		t.Fatalf("hidden fields: %v", form)
	}
	form.Set("email", "ops.lead@acme.example")
	form.Set("company", "Acme")
	form.Set("consent", "true")
	post := httpapi.Request{RouteKey: "POST /leads", Body: form.Encode(), Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}
	post.RequestContext.HTTP.Method = http.MethodPost
	if r, _ := capture.HTTP(ctx, post); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("posting the hosted form: %d %s", r.StatusCode, r.Body)
	}
	l, err := store.New(testenv.Clients(t).DynamoDB, table).LeadByEmail(ctx, lead.HashEmail("ops.lead@acme.example"))
	if err != nil || l.FirstTouch.Campaign != "q4-demo" || l.FirstTouch.Variant != variant || l.FormType == "" {
		t.Fatalf("lead = %+v, %v", l.FirstTouch, err)
	}
	unknown := req
	unknown.PathParameters = map[string]string{"campaign": "nope"}
	if r, _ := capture.HTTP(ctx, unknown); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown campaign: %d", r.StatusCode)
	}
	embed := req
	embed.RouteKey = "GET /c/{campaign}/embed"
	if r, _ := capture.HTTP(ctx, embed); r.StatusCode != 200 || !strings.Contains(r.Body, "<form") {
		t.Fatalf("snippet: %d", r.StatusCode)
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(s)
}

// TestCampaignSequenceIsCheckedAtInit: a campaign naming a nurture
// sequence that does not exist stops the function at init, naming the
// file and line; a valid one sends the campaign's leads there first.
func TestCampaignSequenceIsCheckedAtInit(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(testenv.Root(t), "config", "campaigns", "webinar-nov.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), "sequence: warm-followup", "sequence: no-such-sequence", 1)
	if bad == string(src) {
		t.Fatal("webinar-nov.yaml no longer names its sequence; update this test")
	}
	if err := os.WriteFile(filepath.Join(dir, "webinar-nov.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TABLE_NAME": "t", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": "*", "THANK_YOU_URL": "https://x.example/t", "SENDER_ADDRESS": "a@x.example",
		"SALES_ADDRESS": "s@x.example", "SIGNING_KEYS": testKeys, "CAMPAIGNS_DIR": dir, "AWS_REGION": "us-east-1", "SES_MAX_SEND_RATE": "1"}
	for _, fn := range []string{"capture", "nurture", "track"} {
		_, err := registry.Build(context.Background(), fn, all.Services, func(k string) string { return env[k] }, io.Discard, time.Now)
		if err == nil || !strings.Contains(err.Error(), "webinar-nov.yaml:") || !strings.Contains(err.Error(), `sequence "no-such-sequence" is not in the nurture sequences`) {
			t.Errorf("%s: err = %v", fn, err)
		}
	}
}

// TestCampaignFileQualifyOverrides: a campaign file's qualify: section
// changes how that campaign's leads are scored in capture (here: any
// engagement makes a graded lead hot, so sales gets it at once), and a
// broken one stops the functions at init naming the file and line.
func TestCampaignFileQualifyOverrides(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(testenv.Root(t), "config", "campaigns", "webinar-nov.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	withQualify := func(section string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "webinar-nov.yaml"), []byte(string(src)+section), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	body := func(email string) string {
		return `{"email":"` + email + `","name":"Wes Binar","company":"MidCo","job_title":"Head of Marketing","company_size":"51-200",` +
			`"country":"DE","form_type":"content_download","consent":true,"campaign":"webinar-nov"}`
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name, dir string
		hot       bool
	}{
		{"shipped file", filepath.Join(testenv.Root(t), "config", "campaigns"), false},
		{"file with qualify:", withQualify("qualify:\n  thresholds: {A: {hot: 1}, B: {hot: 1}, C: {hot: 1}, D: {}}\n"), true},
	} {
		capture, table, _ := build(t, "capture", map[string]string{"CAMPAIGNS_DIR": tc.dir})
		email := fmt.Sprintf("wes.%d@midco.example", time.Now().UnixNano())
		if r, _ := capture.HTTP(ctx, jsonLead(body(email))); r.StatusCode != 202 {
			t.Fatalf("%s: capture %d %s", tc.name, r.StatusCode, r.Body)
		}
		l, _ := store.New(testenv.Clients(t).DynamoDB, table).LeadByEmail(ctx, lead.HashEmail(email))
		if got := l.Qualification != nil && l.Qualification.Temperature == "hot"; got != tc.hot {
			t.Errorf("%s: lead %+v; want hot %v", tc.name, l.Qualification, tc.hot)
		}
		if tc.hot && (l.Qualification.Campaign != "webinar-nov" || l.Stage != lead.StageMQL) {
			t.Errorf("%s: campaign rules %q, stage %s", tc.name, l.Qualification.Campaign, l.Stage)
		}
	}

	bad := withQualify("qualify:\n  thresholds:\n    A: {hot: 5, warm: 20}\n")
	env := map[string]string{"TABLE_NAME": "t", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": "*", "THANK_YOU_URL": "https://x.example/t", "SENDER_ADDRESS": "a@x.example",
		"SALES_ADDRESS": "s@x.example", "SIGNING_KEYS": testKeys, "CAMPAIGNS_DIR": bad, "AWS_REGION": "us-east-1", "SES_MAX_SEND_RATE": "1"}
	line := strings.Count(string(src), "\n") + 3
	for _, fn := range []string{"capture", "nurture", "track"} {
		_, err := registry.Build(ctx, fn, all.Services, func(k string) string { return env[k] }, io.Discard, time.Now)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("webinar-nov.yaml:%d: qualify.thresholds.A: hot (5) must be above warm (20)", line)) {
			t.Errorf("%s: err = %v", fn, err)
		}
	}
}
