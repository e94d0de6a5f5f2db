package app_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/token"
)

// TestReportReconcilesWithAKnownPopulation drives leads, sales answers
// and outcomes through the real handlers, then checks every figure of
// the campaign's report row (CSV) and the digest.
func TestReportReconcilesWithAKnownPopulation(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	marketing := fmt.Sprintf("marketing.%d@example.com", time.Now().UnixNano())
	// The reports function's clock stands still once the funnel is
	// recorded (set to the wall's time below): the digest's "once a week"
	// is per ISO week, and three schedule runs astride a Monday's
	// midnight would rightly send two.
	clock := &clockAt{t: testenv.Now(t)}
	reports, _, _ := buildAt(t, "reports", map[string]string{"MARKETING_ADDRESS": marketing, "PUBLIC_BASE_URL": "https://leads.example.com",
		"CAMPAIGN_SPEND": "alpha=500", "MINUTES_PER_LEAD": "15", "HOURLY_COST": "60"}, clock.now, table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	stamp := time.Now().UnixNano()
	post := func(body string) string {
		r, err := capture.HTTP(ctx, jsonLead(body))
		if err != nil || r.StatusCode != 202 {
			t.Fatalf("capture: %d %v %s", r.StatusCode, err, r.Body)
		}
		var in struct{ Email string }
		_ = json.Unmarshal([]byte(body), &in)
		return capturedID(t, table, in.Email)
	}
	answer := func(id, action, extra string) {
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": keys.Sign(token.Claims{Action: action, Subject: id, Extra: extra, Expires: testenv.Now(t).Add(time.Hour)})}
		if r, _ := fb.HTTP(ctx, ev); r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
			t.Fatalf("%s %s: %d", action, id, r.StatusCode)
		}
	}
	hot := func(i int, variant string) string {
		return post(fmt.Sprintf(`{"email":"hot%d.%d@bigcorp.example","name":"Hot","company":"BigCorp","job_title":"CMO","company_size":"1000+","country":"DE","budget":"$100k","timeline":"this quarter","form_type":"demo_request","campaign":"alpha","variant":%q}`, i, stamp, variant))
	}
	var a, b []string
	for i := 0; i < 6; i++ {
		a = append(a, hot(i, "a"))
	}
	for i := 6; i < 10; i++ {
		b = append(b, hot(i, "b"))
	}
	for i := 0; i < 3; i++ {
		post(fmt.Sprintf(`{"email":"seeker%d.%d@mail.example","message":"Any vacancy for a junior marketer?","campaign":"alpha"}`, i, stamp))
	}
	for i := 0; i < 5; i++ {
		post(fmt.Sprintf(`{"email":"cold%d.%d@smallco.example","job_title":"Marketing Manager","company_size":"51-200","form_type":"newsletter","campaign":"alpha"}`, i, stamp))
	}
	for _, id := range a[:4] {
		answer(id, links.ActionAccept, "ana@example.com")
	}
	answer(a[4], links.ActionReject, "not_icp")
	answer(a[5], links.ActionReject, "no_budget")
	answer(b[0], links.ActionAccept, "ben@example.com")
	answer(a[0], links.ActionSQL, "")
	answer(a[1], links.ActionSQL, "")
	answer(a[0], links.ActionWon, "")
	testenv.Settle(t, table) // the alerts' counters come from the table's stream
	clock.add(testenv.Now(t).Sub(clock.now()))

	body := reportIn(t, reports, "csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	row := func(kind, campaign, variant string) map[string]string {
		for _, rec := range rows[1:] {
			if rec[col["row"]] == kind && rec[col["campaign"]] == campaign && rec[col["variant"]] == variant {
				out := map[string]string{}
				for h, i := range col {
					out[h] = rec[i]
				}
				return out
			}
		}
		t.Fatalf("no %s row %s/%s in:\n%s", kind, campaign, variant, body)
		return nil
	}
	total := row("campaign", "alpha", "")
	want := map[string]string{"leads": "18", "non_target": "3", "non_target_reasons": "job_seeker=3", "mql": "10", "sal": "5",
		"rejected": "2", "rejection_reasons": "no_budget=1;not_icp=1", "sql": "2", "won": "1", "handoffs": "10", "responses": "7",
		"lead_to_sal": "0.2778", "wasted_leads": "5", "wasted_hours": "1.25", "wasted_cost": "75", "spend": "500", "cost_per_sal": "100"}
	for k, v := range want {
		if total[k] != v {
			t.Errorf("alpha %s = %q, want %q", k, total[k], v)
		}
	}
	va, vb := row("variant", "alpha", "a"), row("variant", "alpha", "b")
	if va["leads"] != "6" || va["sal"] != "4" || vb["leads"] != "4" || vb["sal"] != "1" {
		t.Errorf("variants: a %s leads %s SAL, b %s leads %s SAL", va["leads"], va["sal"], vb["leads"], vb["sal"])
	}

	html, _ := reports.HTTP(ctx, httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: map[string]string{"format": "html"}})
	if html.StatusCode != 200 || !strings.Contains(html.Body, "<svg") || !strings.Contains(html.Body, "alpha") {
		t.Fatalf("dashboard: %d", html.StatusCode)
	}
	bad, _ := reports.HTTP(ctx, httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: map[string]string{"from": "2026-13"}})
	if bad.StatusCode != 400 || !strings.Contains(bad.Body, `"field":"from"`) {
		t.Fatalf("bad month: %d %s", bad.StatusCode, bad.Body)
	}

	// The weekly digest goes out once however often the schedule fires.
	for i := 0; i < 3; i++ {
		if err := reports.Event(ctx, tickEvent(fmt.Sprint("digest", i))); err != nil {
			t.Fatal(err)
		}
	}
	all := testenv.Mail(t)
	digests := sesstore.To(all, marketing)
	if len(digests) != 1 || !strings.Contains(digests[0].Text, "alpha") {
		t.Fatalf("digests to marketing: %d", len(digests))
	}
	// Its dashboard link opens in a browser, which makes no signed AWS
	// request: a signed link to the dashboard of the digest's months.
	link := regexp.MustCompile(`https://leads\.example\.com/dashboard/([^?\s]+)\?from=(\d{4}-\d\d)&to=(\d{4}-\d\d)`).FindStringSubmatch(digests[0].Text)
	if link == nil {
		t.Fatalf("the digest links no signed dashboard:\n%s", digests[0].Text)
	}
	dash, _ := reports.HTTP(ctx, httpapi.Request{RouteKey: "GET /dashboard/{token}", PathParameters: map[string]string{"token": link[1]},
		QueryStringParameters: map[string]string{"from": link[2], "to": link[3]}})
	if dash.StatusCode != 200 || !strings.Contains(dash.Body, "alpha") || dash.Headers["Referrer-Policy"] != "no-referrer" {
		t.Fatalf("the digest's dashboard link: %d %v", dash.StatusCode, dash.Headers)
	}
}

// reportCSV is the report as CSV: its records, the header first, and each
// column's index by its name.
func reportCSV(t *testing.T, reports app.Handlers) ([][]string, map[string]int) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(reportIn(t, reports, "csv"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("report csv: %d rows, %v", len(rows), err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	return rows, col
}

// checkRows checks the report rows want names — "<row>/<campaign>/<by>",
// by being the column that tells rows of a campaign apart ("variant" or
// "rep") — each against its columns cols, space-separated; a row want
// names that the report lacks fails the test. what, when not empty, says
// at which point of the test.
func checkRows(t *testing.T, what string, rows [][]string, col map[string]int, by string, cols []string, want map[string]string) {
	t.Helper()
	if what != "" {
		what += ", "
	}
	left := maps.Clone(want)
	for _, rec := range rows[1:] {
		k := rec[col["row"]] + "/" + rec[col["campaign"]] + "/" + rec[col[by]]
		w, ok := left[k]
		if !ok {
			continue
		}
		delete(left, k)
		var got []string
		for _, c := range cols {
			got = append(got, rec[col[c]])
		}
		if g := strings.Join(got, " "); g != w {
			t.Errorf("%s%s: %s =\n  %q\nwant\n  %q", what, k, strings.Join(cols, " "), g, w)
		}
	}
	if len(left) > 0 {
		t.Fatalf("%srows not found: %v\n%v", what, left, rows)
	}
}

// reportIn is GET /reports of the reports function in format, failing
// the test unless it answers 200.
func reportIn(t *testing.T, reports app.Handlers, format string) string {
	t.Helper()
	req := httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: map[string]string{"format": format}}
	req.RequestContext.HTTP.Method = "GET"
	r, err := reports.HTTP(context.Background(), req)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("report %s: %d %v %s", format, r.StatusCode, err, r.Body)
	}
	return r.Body
}
