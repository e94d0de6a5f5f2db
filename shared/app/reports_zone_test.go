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
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/token"
)

// TestReportCountsMonthsInTheBusinessZone: with REPORT_TIME_ZONE set to
// America/New_York, a lead captured at 23:30 on 30 November New York time
// (04:30 UTC on 1 December) is a November lead in the report, and sales
// accepting it the next morning is December's SAL; "this month" is
// November until New York's midnight. Through the real capture, feedback
// and reports handlers and DynamoDB Local.
func TestReportCountsMonthsInTheBusinessZone(t *testing.T) {
	t.Cleanup(func() { lead.SetMonthZone(nil) }) // the next test's build sets its own
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Now().UnixNano()
	clock := &clockAt{t: time.Date(2026, 11, 30, 23, 30, 0, 0, ny)}
	zone := map[string]string{"REPORT_TIME_ZONE": "America/New_York"}
	capture, table, _ := buildAt(t, "capture", zone, clock.now, "")
	fb, _, _ := buildAt(t, "feedback", zone, clock.now, table)
	reports, _, _ := buildAt(t, "reports", zone, clock.now, table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	camp := fmt.Sprintf("tz%d", stamp%1_000_000)

	email := fmt.Sprintf("late.%d@bigcorp.example", stamp)
	if r, err := capture.HTTP(ctx, jsonLead(fmt.Sprintf(`{"email":%q,"name":"Late","company":"BigCorp","job_title":"CMO","company_size":"1000+","country":"US","budget":"$100k","timeline":"this quarter","form_type":"demo_request","campaign":%q}`, email, camp))); err != nil || r.StatusCode != 202 {
		t.Fatalf("capture: %v %+v", err, r)
	}
	id := capturedID(t, table, email)

	type counts struct{ leads, sal int64 }
	get := func(q map[string]string) (report.Period, counts) {
		t.Helper()
		req := httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: q}
		req.RequestContext.HTTP.Method = "GET"
		r, err := reports.HTTP(ctx, req)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("report %v: %d %v %s", q, r.StatusCode, err, r.Body)
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(r.Body), &rep); err != nil {
			t.Logf("decode: %v", err) // Ratio has no UnmarshalJSON: read the counts only
		}
		for _, c := range rep.Campaigns {
			if c.Total.Campaign == camp {
				return rep.Period, counts{c.Total.Leads, c.Total.Funnel.SAL}
			}
		}
		return rep.Period, counts{}
	}
	month := func(m string) counts {
		t.Helper()
		_, c := get(map[string]string{"from": m, "to": m, "format": "json"})
		return c
	}

	// Still 30 November in New York: this month is November, and holds
	// the lead.
	if p, c := get(map[string]string{"format": "json"}); p.To != "2026-11" || c.leads != 1 {
		t.Errorf("the default report at 23:30 on 30 Nov in New York ends %s with %d leads of %s, want 2026-11 with 1", p.To, c.leads, camp)
	}

	// 10:00 on 1 December in New York: sales accepts it.
	clock.add(10*time.Hour + 30*time.Minute)
	ev := sampleEvent(t, "feedback-answer.json")
	ev.PathParameters = map[string]string{"token": keys.Sign(token.Claims{Action: links.ActionAccept, Subject: id, Extra: "ana@example.com", Expires: clock.now().Add(time.Hour)})}
	if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
		t.Fatalf("accept: %d %v", r.StatusCode, err)
	}
	testenv.Settle(t, table)

	if got, want := month("2026-11"), (counts{leads: 1}); got != want {
		t.Errorf("November (New York): %+v, want %+v — the lead captured at 23:30 on 30 Nov New York time belongs to November", got, want)
	}
	if got, want := month("2026-12"), (counts{sal: 1}); got != want {
		t.Errorf("December (New York): %+v, want %+v", got, want)
	}
}
