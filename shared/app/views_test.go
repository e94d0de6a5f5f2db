package app_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/httpapi"
)

// abCampaign writes a campaign file (id: prefix and a number of the
// moment) with two offers split 50/50, original and bundle, and returns
// its id and the environment naming its folder.
func abCampaign(t *testing.T, prefix, name string) (string, map[string]string) {
	t.Helper()
	camp := fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()%1_000_000)
	dir := t.TempDir()
	file := "version: 1\nid: " + camp + "\nname: " + name + "\nhypothesis: A bundle converts visitors better\n" +
		"variants:\n  - {id: original, weight: 50, headline: Demo, cta: Book}\n  - {id: bundle, weight: 50, headline: Bundle, cta: Get}\n" +
		"form:\n  form_type: newsletter\n  consent_text: News.\n  consent_version: \"1\"\n  fields: [email, company]\n  required: [email]\n"
	if err := os.WriteFile(filepath.Join(dir, camp+".yaml"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	return camp, map[string]string{"CAMPAIGNS_DIR": dir}
}

// TestLandingViewsToLeadsByVariant: an A/B campaign's pages are loaded
// through the real capture function — 100 times each variant (bundle's
// partly through the embed's frame) — beside loads that must not count (a
// link preview, a headless browser, a preflight, a HEAD, the thank-you
// page, the snippet); leads are posted from those pages (2 from the
// control's, 20 from bundle's), plus one through the API and one person
// again from a page. The reports function then shows each variant's views
// and view → lead, in JSON and CSV, and bundle winning view → lead against
// the control the file lists first; a campaign with leads and no views has
// no rate.
func TestLandingViewsToLeadsByVariant(t *testing.T) {
	stamp := time.Now().UnixNano()
	camp, env := abCampaign(t, "lp", "Landing views")
	clock := &clockAt{t: time.Date(2031, 6, 15, 10, 0, 0, 0, time.UTC)}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	reports, _, _ := buildAt(t, "reports", env, clock.now, table)
	ctx := context.Background()
	const browser = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"

	load := func(route, variant, method, ua string) httpapi.Response {
		t.Helper()
		path := "/c/" + camp + strings.TrimPrefix(route, "GET /c/{campaign}")
		req := httpapi.Request{RouteKey: route, RawPath: path, PathParameters: map[string]string{"campaign": camp},
			Headers: map[string]string{"user-agent": ua}}
		if variant != "" {
			req.RawQueryString, req.QueryStringParameters = "variant="+variant, map[string]string{"variant": variant}
		}
		req.RequestContext.HTTP.Method = method
		req.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
		r, err := capture.HTTP(ctx, req)
		if err != nil || r.StatusCode >= 300 {
			t.Fatalf("%s %s %s: %d %v %s", method, route, variant, r.StatusCode, err, r.Body)
		}
		return r
	}
	// Each page load's form, as the browser would post it.
	var pages = map[string][]url.Values{}
	hidden := regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
	view := func(route, variant string) {
		t.Helper()
		r := load(route, variant, http.MethodGet, browser)
		form := url.Values{}
		for _, m := range hidden.FindAllStringSubmatch(r.Body, -1) {
			form.Set(m[1], htmlUnescape(m[2]))
		}
		if form.Get("variant") != variant || form.Get("_idem") == "" {
			t.Fatalf("page of %s: hidden fields %v", variant, form)
		}
		pages[variant] = append(pages[variant], form)
	}
	for i := 0; i < 100; i++ {
		view("GET /c/{campaign}", "original")
		if i < 90 {
			view("GET /c/{campaign}", "bundle")
		} else {
			view("GET /c/{campaign}/form", "bundle")
		}
	}
	// None of these is a person's view.
	load("GET /c/{campaign}", "bundle", http.MethodGet, "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)")
	load("GET /c/{campaign}/form", "original", http.MethodGet, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36")
	load("GET /c/{campaign}", "bundle", http.MethodOptions, browser)
	load("GET /c/{campaign}", "original", http.MethodHead, browser)
	load("GET /c/{campaign}/thanks", "", http.MethodGet, browser)
	load("GET /c/{campaign}/embed", "", http.MethodGet, browser)

	postForm := func(form url.Values, email string) {
		t.Helper()
		form.Set("email", email)
		form.Set("company", "SmallCo")
		req := httpapi.Request{RouteKey: "POST /leads", Body: form.Encode(), Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}
		req.RequestContext.HTTP.Method = http.MethodPost
		req.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
		if r, err := capture.HTTP(ctx, req); err != nil || r.StatusCode != http.StatusSeeOther {
			t.Fatalf("posting the page's form: %d %v %s", r.StatusCode, err, r.Body)
		}
	}
	for i := 0; i < 2; i++ {
		postForm(pages["original"][i], fmt.Sprintf("orig%d.%d@smallco.example", i, stamp))
	}
	for i := 0; i < 20; i++ {
		postForm(pages["bundle"][i*4], fmt.Sprintf("bundle%d.%d@smallco.example", i, stamp))
	}
	// The same person from another of bundle's pages: a resubmission, no
	// new lead of the page.
	postForm(pages["bundle"][95], fmt.Sprintf("bundle0.%d@smallco.example", stamp))
	// A lead of the API with the control's variant: a lead, not of a view.
	if r, err := capture.HTTP(ctx, jsonLead(fmt.Sprintf(`{"email":"api.%d@smallco.example","company":"SmallCo","campaign":%q,"variant":"original"}`, stamp, camp))); err != nil || r.StatusCode != 202 {
		t.Fatalf("API lead: %v %+v", err, r)
	}
	// A campaign with leads of the API only: no views, no rate.
	other := fmt.Sprintf("api%d", stamp%1_000_000)
	if r, err := capture.HTTP(ctx, jsonLead(fmt.Sprintf(`{"email":"other.%d@smallco.example","campaign":%q,"variant":"x"}`, stamp, other))); err != nil || r.StatusCode != 202 {
		t.Fatalf("API lead: %v %+v", err, r)
	}
	testenv.Settle(t, table)

	get := func(format string) string {
		t.Helper()
		req := httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: map[string]string{"from": "2031-06", "to": "2031-06", "format": format}}
		req.RequestContext.HTTP.Method = http.MethodGet
		r, err := reports.HTTP(ctx, req)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("report %s: %d %v %s", format, r.StatusCode, err, r.Body)
		}
		return r.Body
	}

	type row struct {
		Variant    string   `json:"variant"`
		Leads      int64    `json:"leads"`
		Views      int64    `json:"views"`
		PageLeads  int64    `json:"page_leads"`
		ViewToLead *float64 `json:"view_to_lead"`
	}
	var rep struct {
		Campaigns []struct {
			Total struct {
				row
				Campaign string `json:"campaign"`
			} `json:"total"`
			Variants []row `json:"variants"`
			Tests    []struct {
				Metric   string `json:"metric"`
				Sample   string `json:"sample"`
				Verdict  string `json:"verdict"`
				Winner   string `json:"winner"`
				Baseline struct {
					Variant string `json:"variant"`
					Views   int64  `json:"views"`
				} `json:"baseline"`
			} `json:"ab_tests"`
		} `json:"campaigns"`
	}
	if err := json.Unmarshal([]byte(get("json")), &rep); err != nil {
		t.Fatal(err)
	}
	f := func(v float64) *float64 { return &v }
	want := map[string]row{ // campaign, or campaign/variant
		camp:               {Leads: 23, Views: 200, PageLeads: 22, ViewToLead: f(0.11)},
		camp + "/original": {Variant: "original", Leads: 3, Views: 100, PageLeads: 2, ViewToLead: f(0.02)},
		camp + "/bundle":   {Variant: "bundle", Leads: 20, Views: 100, PageLeads: 20, ViewToLead: f(0.2)},
		other:              {Leads: 1},
		other + "/x":       {Variant: "x", Leads: 1},
	}
	got := map[string]row{}
	for _, c := range rep.Campaigns {
		if c.Total.Campaign != camp && c.Total.Campaign != other {
			continue
		}
		got[c.Total.Campaign] = c.Total.row
		for _, v := range c.Variants {
			got[c.Total.Campaign+"/"+v.Variant] = v
		}
		if c.Total.Campaign != camp {
			for _, tt := range c.Tests {
				t.Errorf("%s: a test of a campaign with one variant: %+v", other, tt)
			}
			continue
		}
		var verdicts []string
		for _, tt := range c.Tests {
			if tt.Metric == "view_to_lead" {
				verdicts = append(verdicts, tt.Verdict)
				if tt.Winner != "bundle" || tt.Baseline.Variant != "original" || tt.Baseline.Views != 100 || tt.Sample != "views" {
					t.Errorf("view → lead test: %+v", tt)
				}
			}
		}
		if len(verdicts) != 1 || verdicts[0] != "bundle converts visitors to leads better than original (20.0% vs 2.0%, p = 0.005)" {
			t.Errorf("view → lead verdicts: %q", verdicts)
		}
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("no row %s in the report", k)
			continue
		}
		if g.Leads != w.Leads || g.Views != w.Views || g.PageLeads != w.PageLeads || (g.ViewToLead == nil) != (w.ViewToLead == nil) ||
			g.ViewToLead != nil && *g.ViewToLead != *w.ViewToLead {
			t.Errorf("%s: leads %d views %d page leads %d view → lead %v; want %d %d %d %v", k, g.Leads, g.Views, g.PageLeads, show(g.ViewToLead),
				w.Leads, w.Views, w.PageLeads, show(w.ViewToLead))
		}
	}

	// The CSV says the same in its last columns.
	recs, err := csv.NewReader(strings.NewReader(get("csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if n := len(recs[0]); col["views"] != n-3 || col["page_leads"] != n-2 || col["view_to_lead"] != n-1 {
		t.Errorf("view columns are not the last: %v", recs[0][n-4:])
	}
	wantCSV := map[string][3]string{
		camp + "/": {"200", "22", "0.11"}, camp + "/original": {"100", "2", "0.02"}, camp + "/bundle": {"100", "20", "0.2"},
		other + "/": {"0", "0", ""}, other + "/x": {"0", "0", ""},
	}
	for _, rec := range recs[1:] {
		k := rec[col["campaign"]] + "/" + rec[col["variant"]]
		w, ok := wantCSV[k]
		if !ok {
			continue
		}
		delete(wantCSV, k)
		if g := [3]string{rec[col["views"]], rec[col["page_leads"]], rec[col["view_to_lead"]]}; g != w {
			t.Errorf("csv %s: views, page_leads, view_to_lead = %q, want %q", k, g, w)
		}
	}
	if len(wantCSV) > 0 {
		t.Errorf("csv lacks rows %v", wantCSV)
	}
}

func show(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
