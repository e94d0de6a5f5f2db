package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/token"
)

// TestRevenuePlanner records a funnel through the real capture and
// feedback functions — alpha: 16 leads (12 hot), 10 accepted and 2
// rejected, 8 SQLs, 6 deals won for €54,000, a spend of €800; beta: 3
// hot leads, 2 accepted, 1 SQL won — then asks the reports function for
// a plan of €90,000 in 2027-Q1 and checks it against the arithmetic done
// by hand, the Wilson intervals, beta listed as not enough data, the
// page, the sample event and the refused requests.
func TestRevenuePlanner(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	reports, _, logs := buildAt(t, "reports", map[string]string{"CAMPAIGN_SPEND": "alpha=800"}, testenv.Clock(t), table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	stamp := time.Now().UnixNano()
	n := 0
	lead := func(campaign string, hot bool) string {
		n++
		email := fmt.Sprintf("plan%d.%d@bigcorp.example", n, stamp)
		body := fmt.Sprintf(`{"email":%q,"name":"Hot","company":"BigCorp","job_title":"CMO","company_size":"1000+","country":"DE","budget":"$100k","timeline":"this quarter","form_type":"demo_request","campaign":%q}`, email, campaign)
		if !hot {
			body = fmt.Sprintf(`{"email":%q,"name":"Nina Cole","company":"SmallCo","job_title":"Marketing Manager","company_size":"51-200","country":"DE","form_type":"newsletter","campaign":%q}`, email, campaign)
		}
		accepted(t)(capture.HTTP(ctx, jsonLead(body)))
		return capturedID(t, table, email)
	}
	record := func(id, action, extra, form string) {
		t.Helper()
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": keys.Sign(token.Claims{Action: action, Subject: id, Extra: extra, Expires: testenv.Now(t).Add(time.Hour)})}
		ev.Body, ev.IsBase64Encoded = form, false
		if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
			t.Fatalf("%s %s: %d %s %v", action, id, r.StatusCode, r.Body, err)
		}
	}
	var hot []string
	for i := 0; i < 12; i++ {
		hot = append(hot, lead("alpha", true))
	}
	for i := 0; i < 4; i++ {
		lead("alpha", false)
	}
	for i, id := range hot {
		switch {
		case i >= 10:
			record(id, links.ActionReject, "not_icp", "")
			continue
		default:
			record(id, links.ActionAccept, "ana@example.com", "")
		}
		if i < 8 {
			record(id, links.ActionSQL, "ana@example.com", "")
		}
		if i < 6 {
			amount := map[bool]string{true: "10000", false: "7000"}[i < 4] // 4 × 10,000 + 2 × 7,000 = 54,000
			record(id, links.ActionWon, "ana@example.com", "amount="+amount)
		}
	}
	b1, b2, _ := lead("beta", true), lead("beta", true), lead("beta", true)
	record(b1, links.ActionAccept, "ana@example.com", "")
	record(b2, links.ActionAccept, "ana@example.com", "")
	record(b1, links.ActionSQL, "ana@example.com", "")
	record(b1, links.ActionWon, "ana@example.com", "amount=5000")
	testenv.Settle(t, table)

	plan := func(query map[string]string) httpapi.Response {
		t.Helper()
		req := httpapi.Request{RouteKey: "GET /reports/plan", QueryStringParameters: query}
		req.RequestContext.HTTP.Method = "GET"
		r, err := reports.HTTP(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	asked := testenv.Now(t)
	r := plan(map[string]string{"target": "90000", "period": "2027-Q1"})
	answered := testenv.Now(t)
	var p report.Plan
	if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &p) != nil {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	// The lookback ends with the month the request was answered in: the
	// one it was asked in, or the next when a month ended meanwhile.
	if to := p.Lookback.To; to != asked.UTC().Format("2006-01") && to != answered.UTC().Format("2006-01") || p.Lookback.Months != 12 || p.Period.From != "2027-01" || p.Period.Months != 3 {
		t.Errorf("lookback %+v, period %+v", p.Lookback, p.Period)
	}
	if len(p.Campaigns) != 1 || p.Campaigns[0].Campaign != "alpha" {
		t.Fatalf("planned: %+v\nnot enough data: %+v", p.Campaigns, p.NotEnoughData)
	}
	a := p.Campaigns[0]
	// Measured: 12 of 16 leads MQL, 10 of 12 MQL accepted, 8 of 10 SQL,
	// 6 of 8 won; €54,000 over 6 deals is €9,000; €800 ÷ 16 leads = €50.
	want := []struct {
		k, n      int64
		low, high float64
	}{{12, 16, 0.505, 0.8982}, {10, 12, 0.552, 0.953}, {8, 10, 0.4902, 0.9433}, {6, 8, 0.4093, 0.9285}}
	for i, w := range want {
		got := a.Measured.Rates[i]
		if got.Successes != w.k || got.N != w.n || got.CI95.Low != w.low || got.CI95.High != w.high {
			t.Errorf("alpha %s = %d of %d %+v, want %d of %d [%v, %v]", got.Label, got.Successes, got.N, got.CI95, w.k, w.n, w.low, w.high)
		}
	}
	if m := a.Measured; m.Revenue != 54000 || m.AverageDeal != 9000 || m.CostPerLead == nil || *m.CostPerLead != 50 || m.Leads != 16 {
		t.Errorf("alpha measured %+v", m)
	}
	// €90,000 ÷ €9,000 = 10 won ÷ 0.75 = 13.3 → 14 SQL ÷ 0.8 = 17.5 → 18
	// SAL ÷ ⅚ = 21.6 → 22 MQL ÷ 0.75 = 29.3 → 30 leads × €50 = €1,500;
	// 22 MQL × 15 min = 5.5 h × €60 = €330. Over 3 months: 10 leads and
	// €500 a month.
	if nd := a.Needed; a.Share != 1 || nd.Won != 10 || nd.SQL != 14 || nd.SAL != 18 || nd.MQL != 22 || nd.Leads != 30 ||
		nd.Budget == nil || *nd.Budget != 1500 || nd.SalesHours != 5.5 || nd.SalesCost != 330 {
		t.Errorf("alpha needs %+v (share %v)", nd, a.Share)
	}
	if pm := p.Total.PerMonth; pm.Leads != 10 || pm.Budget == nil || *pm.Budget != 500 || p.Total.Needed.Leads != 30 {
		t.Errorf("total %+v, per month %+v", p.Total.Needed, pm)
	}
	if p.Total.ImproveFirst == nil || a.ImproveFirst == nil || p.Total.ImproveFirst.Stage != a.ImproveFirst.Stage {
		t.Errorf("improve first: %+v / %+v", p.Total.ImproveFirst, a.ImproveFirst)
	}
	// beta: every stage measured on 1 to 3 leads.
	var beta *report.Unplannable
	for i := range p.NotEnoughData {
		if p.NotEnoughData[i].Campaign == "beta" {
			beta = &p.NotEnoughData[i]
		}
	}
	if beta == nil || len(beta.Reasons) != 4 ||
		beta.Reasons[3] != "SQL → won is 1 of 1 (100.0%): at 95% confidence it could be as low as 20.7%, under half of that — too few SQLs to plan with" {
		t.Fatalf("beta: %+v", beta)
	}

	// The page: the funnel drawn backwards with alpha's intervals, beta
	// left out and why.
	r = plan(map[string]string{"target": "90000", "period": "2027-Q1", "format": "html"})
	for _, w := range []string{"Revenue plan · €90,000 in Q1 2027 (Jan 2027 – Mar 2027)", "The funnel backwards, alpha",
		"÷ 75.0% SQL → won · 95%: 40.9–92.9% · 6 of 8", "× €50 per lead", "<strong>beta</strong>: Lead → MQL is 3 of 3 (100.0%)"} {
		if r.StatusCode != 200 || !strings.Contains(r.Body, w) {
			t.Errorf("page (%d) lacks %q", r.StatusCode, w)
		}
	}
	// The sample event is a request the function serves.
	if r, err := reports.HTTP(ctx, sampleEvent(t, "reports-plan.json")); err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "€100,000 in Q1 2027") {
		t.Errorf("events/reports-plan.json: %d %v", r.StatusCode, err)
	}

	// Refused: the field and why.
	for _, tt := range []struct {
		query map[string]string
		want  string
	}{
		{map[string]string{"period": "2027-Q1"}, `{"field":"target","reason":"is required: the revenue to win in the period, e.g. 100000"}`},
		{map[string]string{"target": "abc", "period": "2027-Q1"}, `{"field":"target","reason":"must be an amount like 100000 or 2500.50 (digits, no thousands separator or currency sign)"}`},
		{map[string]string{"target": "0", "period": "2027-Q1"}, `{"field":"target","reason":"must be more than 0"}`},
		{map[string]string{"target": "90000", "period": "Q1"}, `{"field":"period","reason":"must be a year (2027), a quarter (2027-Q1) or a month (2027-03)"}`},
	} {
		if r := plan(tt.query); r.StatusCode != 400 || !strings.Contains(r.Body, tt.want) {
			t.Errorf("%v: %d %s", tt.query, r.StatusCode, r.Body)
		}
	}
	if strings.Contains(logs.String(), "bigcorp.example") {
		t.Error("the reports function logged an address")
	}
}
