package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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

// qualifyWithRates is the default qualification config with
// outcomes.rates {USD: 0.92} (no GBP rate), as a file.
func qualifyWithRates(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(testenv.Root(t), "shared", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const commented = "  # rates: {USD: 0.92, GBP: 1.17}"
	if !strings.Contains(string(src), commented) {
		t.Fatalf("default.yaml no longer has %q", commented)
	}
	path := filepath.Join(t.TempDir(), "qualify.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(string(src), commented, "  rates: {USD: 0.92}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRevenueInReports records won, lost and SQL outcomes for two
// campaigns and two variants through the rep's links, the CRM's events
// and the back-fill route — a CRM event delivered twice and a back-fill
// sent twice among them, a deal in USD converted at the configured rate,
// one in GBP (no rate) refused and one whose amount the CRM corrects — then reads every revenue figure in
// the report's JSON, CSV, dashboard and digest.
func TestRevenueInReports(t *testing.T) {
	rates := map[string]string{"QUALIFY_CONFIG": qualifyWithRates(t)}
	capture, table, _ := build(t, "capture", rates)
	fb, _, logs := buildAt(t, "feedback", rates, testenv.Clock(t), table)
	marketing := fmt.Sprintf("marketing.%d@example.com", time.Now().UnixNano())
	reports, _, _ := buildAt(t, "reports", map[string]string{"QUALIFY_CONFIG": rates["QUALIFY_CONFIG"], "MARKETING_ADDRESS": marketing,
		"PUBLIC_BASE_URL": "https://leads.example.com", "CAMPAIGN_SPEND": "alpha=1000,beta=0"}, testenv.Clock(t), table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	st := store.New(testenv.Clients(t).DynamoDB, table)
	stamp := time.Now().UnixNano()
	emails := map[string]string{}
	hot := func(name, campaign, variant string) string {
		email := fmt.Sprintf("%s.%d@bigcorp.example", name, stamp)
		body := fmt.Sprintf(`{"email":%q,"name":"Hot","company":"BigCorp","job_title":"CMO","company_size":"1000+","country":"DE","budget":"$100k","timeline":"this quarter","form_type":"demo_request","campaign":%q,"variant":%q}`, email, campaign, variant)
		if r, err := capture.HTTP(ctx, jsonLead(body)); err != nil || r.StatusCode != 202 {
			t.Fatalf("capture: %v %+v", err, r)
		}
		id := capturedID(t, table, email)
		emails[id] = email
		return id
	}
	answer := func(id, action, form string) httpapi.Response {
		t.Helper()
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": keys.Sign(token.Claims{Action: action, Subject: id, Extra: "ana@example.com", Expires: testenv.Now(t).Add(time.Hour)})}
		ev.Body, ev.IsBase64Encoded = form, false
		r, err := fb.HTTP(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	recorded := func(id, action, form string) {
		t.Helper()
		if r := answer(id, action, form); r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
			t.Fatalf("%s %s: %d %s", action, id, r.StatusCode, r.Body)
		}
	}
	crm := func(detail, eventID string) {
		t.Helper()
		ev := crmEvent(t, detail)
		ev.ID = eventID
		if err := fb.Event(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	backfill := func(body string) httpapi.Response {
		t.Helper()
		req := sampleEvent(t, "feedback-outcomes-backfill.json")
		req.Body, req.IsBase64Encoded = body, false
		r, err := fb.HTTP(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	a1, a2 := hot("a1", "alpha", "a"), hot("a2", "alpha", "a")
	b1, b2 := hot("b1", "alpha", "b"), hot("b2", "alpha", "b")
	c1, c2 := hot("c1", "beta", ""), hot("c2", "beta", "")
	for _, id := range []string{a1, a2, b1, b2, c1, c2} {
		recorded(id, links.ActionAccept, "")
	}
	recorded(a1, links.ActionSQL, "")
	recorded(b1, links.ActionSQL, "")
	recorded(b2, links.ActionLost, "comment=went+elsewhere")
	// a1 won through the CRM's bus: EventBridge delivers it twice.
	for i := 0; i < 2; i++ {
		crm(`{"lead_id":"`+a1+`","stage":"won","amount":10000,"event_id":"deal-a1"}`, "bus-1")
	}
	// a2 won in USD through a back-fill the CRM sends twice, saved as
	// Excel saves "CSV UTF-8": a byte-order mark, every cell quoted, CRLF,
	// a row of commas alone.
	fill := "\ufeff\"lead_id\",\"stage\",\"amount\",\"currency\"\r\n\"" + a2 + "\",\"won\",\"5,000.00\",\"USD\"\r\n,,,\r\n"
	for i, want := range []string{`"recorded":1`, `"already":1`} {
		if r := backfill(fill); r.StatusCode != 200 || !strings.Contains(r.Body, want) {
			t.Fatalf("back-fill %d: %d %s", i+1, r.StatusCode, r.Body)
		}
	}
	// c1 won on the rep's page (EUR, the configured currency); the CRM
	// corrects its amount later (the correction delivered twice).
	recorded(c1, links.ActionWon, "amount=2000")
	for i := 0; i < 2; i++ {
		crm(`{"lead_id":"`+c1+`","stage":"won","amount":2500,"event_id":"deal-c1-fix"}`, "bus-3")
	}
	if l, _ := st.Lead(ctx, c1); l.Deal == nil || l.Deal.Amount != 2500 {
		t.Fatalf("c1's deal after the correction: %+v", l.Deal)
	}
	// c2 in GBP has no rate: refused by the page (400: in words for the
	// rep, with what they typed kept), the back-fill (its row) and the bus
	// (logged, dropped), naming the currency and where the rate goes;
	// nothing is recorded.
	hint := "no rate converts GBP into EUR: add it to the qualify config as outcomes.rates.GBP"
	if r := answer(c2, links.ActionWon, "amount=900&currency=GBP"); r.StatusCode != 400 ||
		!strings.Contains(r.Body, "deals can be recorded in EUR here, not in GBP yet") || !strings.Contains(r.Body, `value="900"`) || !strings.Contains(r.Body, `value="GBP"`) {
		t.Fatalf("won in GBP on the page: %d %s", r.StatusCode, r.Body)
	}
	if r := backfill("lead_id,stage,amount,currency\n" + c2 + ",won,900,GBP\n"); r.StatusCode != 422 ||
		!strings.Contains(r.Body, `"field":"currency"`) || !strings.Contains(r.Body, hint) {
		t.Fatalf("won in GBP back-filled: %d %s", r.StatusCode, r.Body)
	}
	crm(`{"lead_id":"`+c2+`","stage":"won","amount":900,"currency":"GBP"}`, "bus-2")
	if !strings.Contains(logs.String(), hint) {
		t.Fatalf("the bus's GBP deal is not logged as refused:\n%s", logs)
	}
	if l, _ := st.Lead(ctx, c2); l.Stage != lead.StageSAL {
		t.Fatalf("c2 is %s after refused outcomes", l.Stage)
	}
	testenv.Settle(t, table)

	get := func(format string) string { t.Helper(); return reportIn(t, reports, format) }

	// CSV: every figure of every row.
	rows, err := csv.NewReader(strings.NewReader(get("csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	cols := []string{"sql", "won", "lost", "revenue", "won_with_amount", "average_deal", "win_rate", "revenue_per_lead", "roas",
		"cost_per_won", "open_sql", "pipeline_value", "median_days_to_won"}
	want := map[string]string{
		// SQLs: a1 and b1 marked, a2 won straight from SAL (counted as
		// one, and closed); b2 lost at SAL is none.
		// 10,000 EUR + 5,000 USD × 0.92; won 2 of 3 closed; 1 open SQL
		// (b1) × 2/3 × 7,300; spend 1,000.
		"campaign/alpha/": "3 2 1 14600 2 7300 0.6667 3650 14.6 500 1 4866.67 <= 1 day",
		"variant/alpha/a": "2 2 0 14600 2 7300 1 7300   0 0 <= 1 day",
		"variant/alpha/b": "1 0 1 0 0  0 0   1  ",
		// c1 won from SAL: its SQL. 2,000 corrected to 2,500. Spend 0:
		// ROAS n/a (empty), a won deal cost nothing.
		"campaign/beta/": "1 1 0 2500 1 2500 1 1250  0 0 0 <= 1 day",
		// Total ROAS: the revenue of campaigns with a spend over their
		// spend, which includes the shipped campaign files' (q4-demo 1,200,
		// webinar-nov 450: spent on no lead here): 17,100 / 2,650.
		"total//": "4 3 1 17100 3 5700 0.75 2850 6.45 883.33 1 4275 <= 1 day",
	}
	checkRows(t, "", rows, col, "variant", cols, want)

	// JSON: the same figures, ROAS null without a spend.
	var rep struct {
		Total struct {
			Revenue struct {
				Revenue float64  `json:"revenue"`
				ROAS    *float64 `json:"roas"`
			} `json:"revenue"`
		} `json:"total"`
		Campaigns []struct {
			Total struct {
				Campaign string `json:"campaign"`
				Revenue  struct {
					Revenue   float64  `json:"revenue"`
					ROAS      *float64 `json:"roas"`
					Pipeline  *float64 `json:"pipeline_value"`
					DaysToWon struct {
						Median *struct{ Label string } `json:"median"`
					} `json:"days_to_won"`
				} `json:"revenue"`
			} `json:"total"`
		} `json:"campaigns"`
	}
	if err := json.Unmarshal([]byte(get("json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Total.Revenue.Revenue != 17100 || rep.Total.Revenue.ROAS == nil || *rep.Total.Revenue.ROAS != 6.45 {
		t.Fatalf("JSON total: %+v", rep.Total)
	}
	byName := map[string]int{}
	for i, c := range rep.Campaigns {
		byName[c.Total.Campaign] = i
	}
	alpha, beta := rep.Campaigns[byName["alpha"]].Total.Revenue, rep.Campaigns[byName["beta"]].Total.Revenue
	if alpha.Revenue != 14600 || alpha.ROAS == nil || *alpha.ROAS != 14.6 || alpha.Pipeline == nil || *alpha.Pipeline != 4866.67 ||
		alpha.DaysToWon.Median == nil || alpha.DaysToWon.Median.Label != "≤ 1 day" || beta.ROAS != nil {
		t.Fatalf("JSON: alpha %+v, beta %+v", alpha, beta)
	}

	// The dashboard's revenue table.
	page := get("html")
	sec := page[strings.Index(page, `<section id="revenue"`):strings.Index(page, `<section id="funnels"`)]
	for _, w := range []string{"€14,600", "€7,300", "14.6×", "€4,867", "€2,500", "n/a", "6.45×", "≤ 1 day"} {
		if !strings.Contains(sec, w) {
			t.Errorf("the dashboard's revenue table lacks %q", w)
		}
	}

	// The digest.
	if err := reports.Event(ctx, tickEvent("digest-revenue")); err != nil {
		t.Fatal(err)
	}
	all := testenv.Mail(t)
	digests := sesstore.To(all, marketing)
	if len(digests) != 1 {
		t.Fatalf("%d digests", len(digests))
	}
	for _, w := range []string{
		"Revenue €17,100 from 3 won deals · average deal €5,700 · win rate 75.0% · ROAS 6.45× · cost per won deal €883 · pipeline €4,275",
		"  - alpha: €14,600 (2 won · average €7,300 · win rate 66.7% · ROAS 14.6× · pipeline €4,867 · lead → won ≤ 1 day)",
		"  - alpha / a: €14,600",
		"  - beta: €2,500 (1 won · average €2,500 · win rate 100.0% · ROAS n/a",
	} {
		if !strings.Contains(digests[0].Text, w) {
			t.Errorf("digest lacks %q:\n%s", w, digests[0].Text)
		}
	}
}

// TestReportsRefuseSpendWithoutARate: the reports function does not start
// when a spend is in a currency that has no rate into the reporting
// currency (the campaign file's line is named), and converts it when it
// has one.
func TestReportsRefuseSpendWithoutARate(t *testing.T) {
	dir := t.TempDir()
	src := "version: 1\nid: gbp\nname: gbp\nhypothesis: it works\nspend: {amount: 100, currency: GBP}\n" +
		"variants: [{id: a, headline: Hello, cta: Go}]\nform: {form_type: demo_request, consent_text: News, consent_version: v1, fields: [email]}\n"
	if err := os.WriteFile(filepath.Join(dir, "gbp.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"TABLE_NAME": "t", "SENDER_ADDRESS": "a@x.example", "MARKETING_ADDRESS": "m@x.example",
		"SIGNING_KEYS": testKeys, "AWS_REGION": "us-east-1", "QUALIFY_CONFIG": qualifyWithRates(t)}
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"campaign spend in GBP", map[string]string{"CAMPAIGNS_DIR": dir},
			filepath.Join(dir, "gbp.yaml") + ":5: spend.currency: no rate converts GBP into EUR"},
		{"CURRENCY=GBP", map[string]string{"CURRENCY": "GBP", "CAMPAIGN_SPEND": "x=1"},
			"CURRENCY=GBP prices HOURLY_COST and CAMPAIGN_SPEND, but no rate converts GBP into EUR: add it to the qualify config as outcomes.rates.GBP"},
		{"CURRENCY=USD has a rate", map[string]string{"CURRENCY": "USD", "CAMPAIGN_SPEND": "x=100"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			_, err := registry.Build(context.Background(), "reports", all.Services, func(k string) string { return env[k] }, &bytes.Buffer{}, testenv.Clock(t))
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestReportsStartOnTemplateDefaults: a deployment that changes only its
// qualification config's reporting currency (outcomes.currency: USD, no
// rates: all its amounts are in dollars) and leaves the economics
// parameters at the template's defaults gets a reports function that
// starts. The template's Currency defaulted to EUR, so HOURLY_COST's
// default 60 was taken as euros with no rate into USD, and the dashboard,
// the reports API and the weekly digest refused to start.
func TestReportsStartOnTemplateDefaults(t *testing.T) {
	fn, ok := testenv.Template(t).Function("reports")
	if !ok {
		t.Fatal("template.yaml has no reports function")
	}
	src, err := os.ReadFile(filepath.Join(testenv.Root(t), "shared", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cur := range []string{"EUR", "USD"} {
		t.Run(cur, func(t *testing.T) {
			rules := strings.Replace(string(src), "  currency: EUR\n", "  currency: "+cur+"\n", 1)
			if cur != "EUR" && rules == string(src) {
				t.Fatal("default.yaml no longer says currency: EUR")
			}
			path := filepath.Join(t.TempDir(), "qualify.yaml")
			if err := os.WriteFile(path, []byte(rules), 0o644); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{}
			for k, v := range fn.Env {
				if !strings.HasPrefix(v, "ref:") && !strings.HasPrefix(v, "getatt:") {
					env[k] = v // parameter defaults and literals
				}
			}
			for k, v := range map[string]string{"TABLE_NAME": "t", "SENDER_ADDRESS": "a@x.example", "MARKETING_ADDRESS": "m@x.example",
				"SALES_ADDRESS": "s@x.example", "SIGNING_KEYS": testKeys, "AWS_REGION": "us-east-1", "QUALIFY_CONFIG": path,
				// the example campaigns' spends are in euros; this deployment's would be in its own currency
				"CAMPAIGNS_DIR": t.TempDir(), "SEGMENTS_DIR": t.TempDir(), "ZONEINFO": ""} {
				env[k] = v
			}
			if _, err := registry.Build(context.Background(), "reports", all.Services, func(k string) string { return env[k] }, &bytes.Buffer{}, testenv.Clock(t)); err != nil {
				t.Fatalf("reports with the template's defaults (CURRENCY=%q) and outcomes.currency %s: %v", env["CURRENCY"], cur, err)
			}
		})
	}
}
