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
// config/campaigns) is served with the variant its link pins, a browser
// posts its form as rendered — refused while a required field is empty —
// and the lead lands with the campaign, the variant shown and the answers.
func TestHostedCampaignPageRoundTrip(t *testing.T) {
	capture, table, _ := build(t, "capture", map[string]string{"ALLOWED_ORIGINS": "*"})
	ctx := context.Background()
	req := httpapi.Request{RouteKey: "GET /c/{campaign}", RawPath: "/c/q4-demo", RawQueryString: "utm_source=linkedin&variant=b",
		PathParameters: map[string]string{"campaign": "q4-demo"}, QueryStringParameters: map[string]string{"utm_source": "linkedin", "variant": "b"}}
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
	if form.Get("campaign") != "q4-demo" || variant != "b" || form.Get("_idem") == "" || form.Get("utm_source") != "linkedin" {
		t.Fatalf("hidden fields: %v", form)
	}
	form.Set("email", "ops.lead@acme.example")
	form.Set("company", "Acme")
	form.Set("consent", "true")
	post := httpapi.Request{RouteKey: "POST /leads", Body: form.Encode(), Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}
	post.RequestContext.HTTP.Method = http.MethodPost
	post.RequestContext.DomainName = req.RequestContext.DomainName
	// company_size is required (form.required): the API refuses the post
	// without it, naming the question as the form labelled it.
	if r, _ := capture.HTTP(ctx, post); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "<strong>Company size</strong>: is required") {
		t.Fatalf("posting without a required answer: %d %s", r.StatusCode, r.Body)
	}
	if _, err := store.New(testenv.Clients(t).DynamoDB, table).LeadByEmail(ctx, lead.HashEmail("ops.lead@acme.example")); err == nil {
		t.Fatal("a refused post stored the lead")
	}
	form.Set("company_size", "201-1000")
	post.Body = form.Encode()
	thanksURL := "https://abc123.execute-api.eu-west-1.amazonaws.com/c/q4-demo/thanks"
	if r, _ := capture.HTTP(ctx, post); r.StatusCode != http.StatusSeeOther || r.Headers["Location"] != thanksURL {
		t.Fatalf("posting the hosted form: %d to %q, want 303 to %s: %s", r.StatusCode, r.Headers["Location"], thanksURL, r.Body)
	}
	// The redirect lands on the campaign's hosted thank-you page, which
	// the page's form-action allows.
	if !strings.Contains(page.Headers["Content-Security-Policy"], "form-action https://abc123.execute-api.eu-west-1.amazonaws.com") {
		t.Fatalf("the page's CSP does not allow the redirect: %s", page.Headers["Content-Security-Policy"])
	}
	thanks := req
	thanks.RouteKey, thanks.RawPath = "GET /c/{campaign}/thanks", "/c/q4-demo/thanks"
	if r, _ := capture.HTTP(ctx, thanks); r.StatusCode != 200 || !strings.Contains(r.Body, "<h1>Thank you — your demo request is in</h1>") {
		t.Fatalf("thank-you page: %d %s", r.StatusCode, r.Body)
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
	embed.RouteKey, embed.QueryStringParameters = "GET /c/{campaign}/embed", nil
	if r, _ := capture.HTTP(ctx, embed); r.StatusCode != 200 || !strings.Contains(r.Body, `<iframe src="https://abc123.execute-api.eu-west-1.amazonaws.com/c/q4-demo/form"`) {
		t.Fatalf("snippet: %d %s", r.StatusCode, r.Body)
	}
	embed.QueryStringParameters = map[string]string{"variant": "b"}
	if r, _ := capture.HTTP(ctx, embed); r.StatusCode != 200 || !strings.Contains(r.Body, `name="variant" value="b"`) || !strings.Contains(r.Body, "pins variant b") {
		t.Fatalf("static snippet: %d %s", r.StatusCode, r.Body)
	}
}

// TestFramedFormRoundTrip: the embed's frame serves a variant and posts to
// the top window; only the allowed sites may frame it; the post lands the
// lead with the variant shown, and the browser on the thank-you page.
func TestFramedFormRoundTrip(t *testing.T) {
	capture, table, _ := build(t, "capture", map[string]string{"ALLOWED_ORIGINS": "https://www.example.com", "PUBLIC_BASE_URL": "https://leads.example.com"})
	ctx := context.Background()
	req := httpapi.Request{RouteKey: "GET /c/{campaign}/form", RawPath: "/c/q4-demo/form",
		PathParameters: map[string]string{"campaign": "q4-demo"}, Headers: map[string]string{"referer": "https://www.example.com/pricing"}}
	req.RequestContext.HTTP.Method = http.MethodGet
	page, err := capture.HTTP(ctx, req)
	if err != nil || page.StatusCode != 200 || !strings.Contains(page.Body, `action="https://leads.example.com/leads" target="_top"`) {
		t.Fatalf("frame: %d %v %s", page.StatusCode, err, page.Body)
	}
	if csp := page.Headers["Content-Security-Policy"]; !strings.Contains(csp, "frame-ancestors https://www.example.com") || page.Headers["X-Frame-Options"] != "" {
		t.Fatalf("frame headers: %v", page.Headers)
	}
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page.Body, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	if form.Get("landing_page") != "https://www.example.com/pricing" || form.Get("referrer") != "" {
		t.Fatalf("the framing page is the landing page: %v", form)
	}
	form.Set("email", "framed@acme.example")
	form.Set("company", "Acme")
	form.Set("company_size", "51-200")
	// posted from the frame: the API's own origin, not in ALLOWED_ORIGINS
	post := httpapi.Request{RouteKey: "POST /leads", Body: form.Encode(),
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "origin": "https://leads.example.com"}}
	post.RequestContext.HTTP.Method = http.MethodPost
	if r, _ := capture.HTTP(ctx, post); r.StatusCode != http.StatusSeeOther || r.Headers["Location"] != "https://leads.example.com/c/q4-demo/thanks" {
		t.Fatalf("posting the framed form: %d to %q: %s", r.StatusCode, r.Headers["Location"], r.Body)
	}
	l, err := store.New(testenv.Clients(t).DynamoDB, table).LeadByEmail(ctx, lead.HashEmail("framed@acme.example"))
	if err != nil || l.FirstTouch.Campaign != "q4-demo" || l.FirstTouch.Variant != form.Get("variant") || l.FirstTouch.LandingPage != "https://www.example.com/pricing" {
		t.Fatalf("lead = %+v, %v", l.FirstTouch, err)
	}
}

// TestRefusedCampaignFormSpeaksLabels: a refused post of a campaign form
// names the fields as the form labelled them and links back to the page.
func TestRefusedCampaignFormSpeaksLabels(t *testing.T) {
	capture, _, _ := build(t, "capture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"})
	post := httpapi.Request{RouteKey: "POST /leads", Body: "campaign=q4-demo&email=nope&country=Germany",
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}
	post.RequestContext.HTTP.Method = http.MethodPost
	r, _ := capture.HTTP(context.Background(), post)
	for _, want := range []string{"<strong>Work email</strong>", "<strong>Country code (e.g. DE)</strong>", `<a href="https://leads.example.com/c/q4-demo">Back to the form</a>`} {
		if r.StatusCode != 400 || !strings.Contains(r.Body, want) {
			t.Errorf("refusal page lacks %s: %d\n%s", want, r.StatusCode, r.Body)
		}
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
		_, err := registry.Build(context.Background(), fn, all.Services, func(k string) string { return env[k] }, io.Discard, testenv.Clock(t))
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
		_, err := registry.Build(ctx, fn, all.Services, func(k string) string { return env[k] }, io.Discard, testenv.Clock(t))
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("webinar-nov.yaml:%d: qualify.thresholds.A: hot (5) must be above warm (20)", line)) {
			t.Errorf("%s: err = %v", fn, err)
		}
	}
}
