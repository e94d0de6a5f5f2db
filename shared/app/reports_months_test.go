package app_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/token"
)

// TestReportMonthsAndVariantsByHand drives a small population of one A/B
// campaign across a month boundary (UTC) through the real capture,
// feedback and privacy handlers on a controlled clock — a lead captured
// on 31 October and accepted and won on 1 November, a lead of variant a
// that posts again with variant b (and its address in capitals), a bot,
// a job seeker, a lead erased after capture — and checks each month's
// and the two months' figures against a hand count, in JSON and CSV.
func TestReportMonthsAndVariantsByHand(t *testing.T) {
	stamp := time.Now().UnixNano()
	clock := &clockAt{t: time.Date(2031, 10, 31, 23, 40, 0, 0, time.UTC)}
	capture, table, _ := buildAt(t, "capture", nil, clock.now, "")
	fb, _, _ := buildAt(t, "feedback", nil, clock.now, table)
	admin, _, _ := buildAt(t, "privacy", nil, clock.now, table)
	reports, _, _ := buildAt(t, "reports", nil, clock.now, table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	camp := fmt.Sprintf("ab%d", stamp%1_000_000)

	post := func(body string) {
		t.Helper()
		if r, err := capture.HTTP(ctx, jsonLead(body)); err != nil || r.StatusCode != 202 {
			t.Fatalf("capture: %v %+v", err, r)
		}
	}
	hot := func(name, variant string) (id, email string) {
		t.Helper()
		email = fmt.Sprintf("%s.%d@bigcorp.example", name, stamp)
		post(fmt.Sprintf(`{"email":%q,"name":"Hot","company":"BigCorp","job_title":"CMO","company_size":"1000+","country":"DE","budget":"$100k","timeline":"this quarter","form_type":"demo_request","campaign":%q,"variant":%q}`, email, camp, variant))
		return capturedID(t, table, email), email
	}
	answer := func(id, action, extra string) {
		t.Helper()
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": keys.Sign(token.Claims{Action: action, Subject: id, Extra: extra, Expires: clock.now().Add(time.Hour)})}
		if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
			t.Fatalf("%s %s: %d %v", action, id, r.StatusCode, err)
		}
	}

	// 31 October, 23:40 UTC.
	l1, l1mail := hot("l1", "a")
	l2, _ := hot("l2", "b")
	post(fmt.Sprintf(`{"email":"bot.%d@spam.example","fax":"555-0100","campaign":%q,"variant":"a"}`, stamp, camp))

	// 1 November, 00:20 UTC.
	clock.add(40 * time.Minute)
	answer(l1, links.ActionAccept, "ana@example.com")
	answer(l2, links.ActionReject, "not_icp")
	// l1 again, from variant b's page, its address in capitals: the same
	// lead, still of variant a.
	post(fmt.Sprintf(`{"email":%q,"company":"BigCorp","campaign":%q,"variant":"b","message":"Can we talk pricing?"}`, strings.ToUpper(l1mail), camp))
	post(fmt.Sprintf(`{"email":"seeker.%d@mail.example","message":"Any vacancy for a junior marketer?","campaign":%q,"variant":"b"}`, stamp, camp))
	_, l4mail := hot("l4", "a")
	if r, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+l4mail+`"}`)); r.StatusCode != 200 {
		t.Fatalf("erase: %d %s", r.StatusCode, r.Body)
	}
	answer(l1, links.ActionWon, "")
	testenv.Settle(t, table)

	type figures struct{ leads, resub, bots, mql, sal, sql, won, rejected, nonTarget int64 }
	want := map[string]map[string]figures{ // period → "" (campaign), "a", "b"
		"2031-10": {"": {leads: 2, bots: 1, mql: 2}, "a": {leads: 1, mql: 1}, "b": {leads: 1, mql: 1}},
		"2031-11": {"": {leads: 2, resub: 1, mql: 1, sal: 1, sql: 1, won: 1, rejected: 1, nonTarget: 1},
			"a": {leads: 1, resub: 1, mql: 1, sal: 1, sql: 1, won: 1}, "b": {leads: 1, rejected: 1, nonTarget: 1}},
		"both": {"": {leads: 4, resub: 1, bots: 1, mql: 3, sal: 1, sql: 1, won: 1, rejected: 1, nonTarget: 1},
			"a": {leads: 2, resub: 1, mql: 2, sal: 1, sql: 1, won: 1}, "b": {leads: 2, mql: 1, rejected: 1, nonTarget: 1}},
	}
	periods := map[string][2]string{"2031-10": {"2031-10", "2031-10"}, "2031-11": {"2031-11", "2031-11"}, "both": {"2031-10", "2031-11"}}
	get := func(from, to, format string) string {
		t.Helper()
		req := httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: map[string]string{"from": from, "to": to, "format": format}}
		req.RequestContext.HTTP.Method = "GET"
		r, err := reports.HTTP(ctx, req)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("report %s %s–%s: %d %v %s", format, from, to, r.StatusCode, err, r.Body)
		}
		return r.Body
	}
	for name, p := range periods {
		var rep report.Report
		if err := json.Unmarshal([]byte(get(p[0], p[1], "json")), &rep); err != nil {
			// Ratio has no UnmarshalJSON: read the counts only.
			t.Logf("decode: %v", err)
		}
		var c *report.Campaign
		for i := range rep.Campaigns {
			if rep.Campaigns[i].Total.Campaign == camp {
				c = &rep.Campaigns[i]
			}
		}
		if c == nil {
			t.Fatalf("%s: no campaign %s in the report", name, camp)
		}
		rows := map[string]report.Row{"": c.Total}
		for _, v := range c.Variants {
			rows[v.Variant] = v
		}
		for v, w := range want[name] {
			r, ok := rows[v]
			if !ok {
				t.Errorf("%s: no row for variant %q", name, v)
				continue
			}
			f := r.Funnel
			got := figures{r.Leads, r.Resubmissions, r.Bots, f.MQL, f.SAL, f.SQL, f.Won, r.Rejected.Total, r.NonTarget.Total}
			if got != w {
				t.Errorf("%s variant %q: got %+v, want %+v", name, v, got, w)
			}
		}
		if len(rows) != len(want[name]) {
			t.Errorf("%s: rows %v", name, len(rows))
		}

		// The CSV says the same, and every numeric cell parses.
		recs, err := csv.NewReader(strings.NewReader(get(p[0], p[1], "csv"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		for _, rec := range recs[1:] {
			if len(rec) != len(recs[0]) {
				t.Fatalf("%s: a row of %d cells under %d columns", name, len(rec), len(recs[0]))
			}
			if rec[col["campaign"]] != camp {
				continue
			}
			w := want[name][rec[col["variant"]]]
			for k, v := range map[string]int64{"leads": w.leads, "resubmissions": w.resub, "bots": w.bots, "mql": w.mql, "sal": w.sal,
				"sql": w.sql, "won": w.won, "rejected": w.rejected, "non_target": w.nonTarget} {
				if rec[col[k]] != strconv.FormatInt(v, 10) {
					t.Errorf("%s csv %q %s = %q, want %d", name, rec[col["variant"]], k, rec[col[k]], v)
				}
			}
			for _, k := range []string{"lead_to_mql", "mql_to_sal", "lead_to_sal", "non_target_share", "rejection_rate", "wasted_hours"} {
				if s := rec[col[k]]; s != "" {
					if _, err := strconv.ParseFloat(s, 64); err != nil {
						t.Errorf("%s csv %s = %q does not parse", name, k, s)
					}
				}
			}
		}
	}
}

// TestABBaselineIsTheControlTheFileListsFirst: the reports function
// compares each variant with the one the campaign file lists first (the
// control), not with the first by id.
func TestABBaselineIsTheControlTheFileListsFirst(t *testing.T) {
	stamp := time.Now().UnixNano()
	camp := fmt.Sprintf("ctl%d", stamp%1_000_000)
	dir := t.TempDir()
	file := "version: 1\nid: " + camp + "\nname: Control first\nhypothesis: test\n" +
		"variants:\n  - {id: original, weight: 50, headline: Demo, cta: Book}\n  - {id: bundle, weight: 25, headline: Bundle, cta: Get}\n" +
		"  - {id: discount, weight: 25, headline: Discount, cta: Get}\n" +
		"form:\n  form_type: demo_request\n  consent_text: News.\n  consent_version: \"1\"\n  fields: [email, company]\n  required: [email]\n"
	if err := os.WriteFile(filepath.Join(dir, camp+".yaml"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	capture, table, _ := build(t, "capture", nil)
	reports, _, _ := buildAt(t, "reports", map[string]string{"CAMPAIGNS_DIR": dir}, testenv.Clock(t), table)
	ctx := context.Background()
	for i, v := range []string{"original", "bundle", "discount"} {
		body := fmt.Sprintf(`{"email":"ctl%d.%d@smallco.example","company":"SmallCo","campaign":%q,"variant":%q}`, i, stamp, camp, v)
		if r, err := capture.HTTP(ctx, jsonLead(body)); err != nil || r.StatusCode != 202 {
			t.Fatalf("capture: %v %+v", err, r)
		}
	}
	var rep struct {
		Campaigns []struct {
			Total struct{ Campaign string } `json:"total"`
			Tests []struct {
				Baseline struct{ Variant string } `json:"baseline"`
				Variant  struct{ Variant string } `json:"variant"`
			} `json:"ab_tests"`
		} `json:"campaigns"`
	}
	if err := json.Unmarshal([]byte(reportIn(t, reports, "json")), &rep); err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Campaigns {
		if c.Total.Campaign != camp {
			continue
		}
		var got []string
		for _, tt := range c.Tests {
			got = append(got, tt.Variant.Variant+" vs "+tt.Baseline.Variant)
		}
		if want := "bundle vs original,bundle vs original,discount vs original,discount vs original"; strings.Join(got, ",") != want {
			t.Fatalf("compared %v, want %s", got, want)
		}
		return
	}
	t.Fatalf("no campaign %s in the report", camp)
}
