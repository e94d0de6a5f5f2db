package app_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/calibrate"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestOutcomeReversalsInReports: deals won or lost last month are
// reversed this month through the real feedback function — a rep's
// mis-click corrected each way on the page (following the won page's own
// "Lost instead" link), and a CRM's "closed lost" for a deal it reported
// won (cancelled), delivered twice, then the original win redelivered —
// and the real reports function shows the corrected state: last month no
// longer holds the wins and losses that were not, this month counts what
// replaced them, no counter of either month is below zero, the whole
// period counts each deal once (funnel, win rate, revenue, the rep's
// figures), calibration labels the leads by their corrected outcome and
// each lead's timeline keeps both records.
func TestOutcomeReversalsInReports(t *testing.T) {
	now := testenv.Now(t).UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 12, 0, 0, 0, time.UTC)
	lastMonth := thisMonth.AddDate(0, 0, -10) // the 20th or so of last month
	clock := lastMonth
	at := func() time.Time { return clock }
	rates := map[string]string{"QUALIFY_CONFIG": qualifyWithRates(t)}
	capture, table, _ := buildAt(t, "capture", rates, at, "")
	fb, _, logs := buildAt(t, "feedback", rates, at, table)
	reports, _, _ := buildAt(t, "reports", map[string]string{"QUALIFY_CONFIG": rates["QUALIFY_CONFIG"], "MARKETING_ADDRESS": "m@example.com",
		"PUBLIC_BASE_URL": "https://leads.example.com"}, testenv.Clock(t), table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	st := store.New(testenv.Clients(t).DynamoDB, table)
	stamp := time.Now().UnixNano()
	hot := func(name string) string {
		email := fmt.Sprintf("%s.%d@bigcorp.example", name, stamp)
		body := fmt.Sprintf(`{"email":%q,"name":"Hot","company":"BigCorp","job_title":"CMO","company_size":"1000+","country":"DE","budget":"$100k","timeline":"this quarter","form_type":"demo_request","campaign":"gamma"}`, email)
		if r, err := capture.HTTP(ctx, jsonLead(body)); err != nil || r.StatusCode != 202 {
			t.Fatalf("capture: %v %+v", err, r)
		}
		return capturedID(t, table, email)
	}
	call := func(file, tok, form string) httpapi.Response {
		t.Helper()
		ev := sampleEvent(t, file)
		ev.PathParameters = map[string]string{"token": tok}
		ev.Body, ev.IsBase64Encoded = form, false
		r, err := fb.HTTP(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tok := func(id, action string) string {
		return keys.Sign(token.Claims{Action: action, Subject: id, Extra: "ana@example.com", Expires: now.Add(24 * time.Hour)})
	}
	answer := func(id, action, form, want string) httpapi.Response {
		t.Helper()
		r := call("feedback-answer.json", tok(id, action), form)
		if r.StatusCode != 200 || !strings.Contains(r.Body, want) {
			t.Fatalf("%s %s: %d, want %q:\n%s", action, id, r.StatusCode, want, r.Body)
		}
		return r
	}
	crm := func(detail, eventID string) {
		t.Helper()
		ev := crmEvent(t, detail)
		ev.ID = eventID
		if err := fb.Event(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}

	// Last month: four deals closed.
	r1, r2, c1, c2 := hot("r1"), hot("r2"), hot("c1"), hot("c2")
	for _, id := range []string{r1, r2, c1, c2} {
		answer(id, links.ActionAccept, "", "Recorded")
	}
	won := answer(r1, links.ActionWon, "amount=3000", "Recorded: won (3,000.00 EUR") // meant lost
	answer(r2, links.ActionSQL, "", "Recorded")
	answer(r2, links.ActionLost, "", "Recorded: lost.") // meant won
	crm(`{"lead_id":"`+c1+`","stage":"won","amount":10000,"event_id":"deal-c1-won"}`, "bus-1")
	crm(`{"lead_id":"`+c2+`","stage":"won","amount":4000,"event_id":"deal-c2-won"}`, "bus-2")

	// This month: the reversals.
	clock = now
	// r1: the won page offers "Lost instead"; its form says what it does.
	m := regexp.MustCompile(`href="([A-Za-z0-9_.-]+)">Lost instead</a>`).FindStringSubmatch(won.Body)
	if m == nil {
		t.Fatalf("the won page offers no way to mark the deal lost instead:\n%s", won.Body)
	}
	if p := call("feedback-page.json", m[1], ""); p.StatusCode != 200 || !strings.Contains(p.Body, "This deal is recorded as won (3,000.00 EUR). Mark it lost instead?") {
		t.Fatalf("the lost page of a won deal: %d\n%s", p.StatusCode, p.Body)
	}
	if r := call("feedback-answer.json", m[1], "comment=clicked+the+wrong+button"); r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded: lost, instead of won.") {
		t.Fatalf("lost instead: %d\n%s", r.StatusCode, r.Body)
	}
	answer(r1, links.ActionLost, "", "This was already recorded; nothing changed.") // pressed again
	// r2: won after all, with its amount.
	answer(r2, links.ActionWon, "amount=1500", "Recorded: won (1,500.00 EUR")
	// c1: the CRM cancels the deal it reported won (EventBridge delivers
	// it twice), then redelivers the old win: nothing changes after the
	// first.
	for i := 0; i < 2; i++ {
		crm(`{"lead_id":"`+c1+`","stage":"lost","reason":"refunded","event_id":"deal-c1-cancelled"}`, "bus-3")
	}
	crm(`{"lead_id":"`+c1+`","stage":"won","amount":10000,"event_id":"deal-c1-won"}`, "bus-1")
	for id, want := range map[string]lead.Stage{r1: lead.StageLost, r2: lead.StageWon, c1: lead.StageLost, c2: lead.StageWon} {
		if l, err := st.Lead(ctx, id); err != nil || l.Stage != want {
			t.Fatalf("%s is %s, want %s (%v)", id, l.Stage, want, err)
		}
	}
	if n := strings.Count(logs.String(), `"outcome":"corrected"`); n != 1 {
		t.Fatalf("%d CRM outcomes logged corrected, want 1 (the cancellation; its redelivery and the old win's are already):\n%s", n, logs)
	}
	testenv.Settle(t, table)

	// No month's counter below zero.
	for _, month := range []string{lead.Month(lastMonth), lead.Month(now)} {
		rows, err := st.MonthStats(ctx, month)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			for name, v := range r.Counters {
				if v < 0 {
					t.Errorf("%s %s%s: %s = %d", month, r.Campaign, r.Rep, name, v)
				}
			}
		}
	}

	report := func(from, to string) map[string]string {
		t.Helper()
		req := httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: map[string]string{"format": "csv", "from": from, "to": to}}
		req.RequestContext.HTTP.Method = "GET"
		r, err := reports.HTTP(ctx, req)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("report: %d %v %s", r.StatusCode, err, r.Body)
		}
		rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		out := map[string]string{}
		for _, rec := range rows[1:] {
			k := ""
			switch {
			case rec[col["row"]] == "campaign" && rec[col["campaign"]] == "gamma":
				k = "gamma"
			case rec[col["row"]] == "rep" && rec[col["rep"]] == "ana@example.com":
				k = "ana"
			default:
				continue
			}
			var got []string
			cols := []string{"sal", "sql", "won", "lost", "win_rate", "revenue", "won_with_amount", "average_deal", "open_sql"}
			if k == "ana" {
				cols = []string{"sal", "sql", "won", "lost", "win_rate", "revenue", "won_with_amount", "average_deal"}
			}
			for _, c := range cols {
				got = append(got, rec[col[c]])
			}
			out[k] = strings.Join(got, " ")
		}
		return out
	}
	last, this := lead.Month(lastMonth), lead.Month(now)
	for _, tt := range []struct {
		name, from, to string
		want           map[string]string
	}{
		// Last month keeps c2's win (from SAL: its SQL too) and r2's
		// SQL; r1's win, c1's win and r2's loss are out of it.
		{"last month", last, last, map[string]string{
			"gamma": "4 2 1 0 1 4000 1 4000 1",
			"ana":   "4 2 1 0 1 4000 1 4000"}},
		// This month: r1 and c1 lost, r2 won (from its SQL), 1,500.
		{"this month", this, this, map[string]string{
			"gamma": "0 0 1 2 0.3333 1500 1 1500 0",
			"ana":   "0 0 1 2 0.3333 1500 1 1500"}},
		// Both: each deal once, as it ended.
		{"both months", last, this, map[string]string{
			"gamma": "4 2 2 2 0.5 5500 2 2750 0",
			"ana":   "4 2 2 2 0.5 5500 2 2750"}},
	} {
		if got := report(tt.from, tt.to); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: sal sql won lost win_rate revenue won_with_amount average_deal open_sql =\n  %v\nwant\n  %v", tt.name, got, tt.want)
		}
	}

	// Calibration labels the leads by their outcome as it is now.
	for id, want := range map[string]struct {
		positive bool
		value    float64
	}{r1: {false, 0}, r2: {true, 1500}, c1: {false, 0}, c2: {true, 4000}} {
		l, err := st.Lead(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		e, ok := calibrate.ExampleFromLead(l)
		if !ok || e.Positive != want.positive || e.Value != want.value {
			t.Errorf("%s: calibration example %v %v %v, want %+v", id, ok, e.Positive, e.Value, want)
		}
	}

	// Each timeline keeps both records, and the stage change says what
	// it corrected.
	for id, want := range map[string]string{r1: "lost won", r2: "lost won", c1: "lost won"} {
		tl, err := st.Timeline(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var outcomes []string
		corrected := false
		for _, e := range tl {
			if e.Kind == "won" || e.Kind == "lost" {
				outcomes = append(outcomes, e.Kind)
			}
			if e.Kind == lead.EventStage && e.Data[lead.DataCorrects] != nil && e.Data["from"] == e.Data[lead.DataCorrects] {
				corrected = true
			}
		}
		if got := strings.Join(slices.Sorted(slices.Values(outcomes)), " "); got != want || !corrected {
			t.Errorf("%s: timeline outcomes %q (want %q), stage change saying what it corrected: %v", id, got, want, corrected)
		}
	}
}
