package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRepResponseQuantilesFromBuckets: a rep's median and p90 are the
// nearest-rank buckets of their response-time counters.
func TestRepResponseQuantilesFromBuckets(t *testing.T) {
	tests := []struct {
		name        string
		c           Counters
		median, p90 string
		within      string
	}{
		{"no responses", Counters{"handoffs": 3}, NoResponses, NoResponses, "—"},
		{"one response", Counters{"resp_le_15m": 1}, "≤ 15 min", "≤ 15 min", "0.0%"},
		// 10 answers: ranks 5 (median) and 9 (p90).
		{"rank 5 in the first bucket", Counters{"resp_le_1m": 5, "resp_le_1h": 4, "resp_gt_24h": 1}, "≤ 1 min", "≤ 1 h", "50.0%"},
		{"rank 5 one past the first bucket", Counters{"resp_le_1m": 4, "resp_le_5m": 1, "resp_le_4h": 5}, "≤ 5 min", "≤ 4 h", "50.0%"},
		{"p90 in the open bucket", Counters{"resp_le_5m": 2, "resp_gt_24h": 8}, "> 24 h", "> 24 h", "20.0%"},
		// Even n: the lower median (rank n/2).
		{"even, lower median", Counters{"resp_le_1m": 1, "resp_le_24h": 1}, "≤ 1 min", "≤ 24 h", "50.0%"},
		// A p90 rank that rounds up: ⌈0.9·11⌉ = 10.
		{"p90 rounds up", Counters{"resp_le_1m": 9, "resp_le_15m": 1, "resp_le_1h": 1}, "≤ 1 min", "≤ 15 min", "81.8%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := buildRepRow("ana@example.com", tt.c).Response
			if r.Median.Label != tt.median || r.P90.Label != tt.p90 || r.WithinTarget.String() != tt.within {
				t.Errorf("median %q p90 %q within 5 min %s, want %q %q %s", r.Median.Label, r.P90.Label, r.WithinTarget, tt.median, tt.p90, tt.within)
			}
		})
	}
}

func TestAgeOpen(t *testing.T) {
	now := time.Date(2031, 3, 31, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name string
		ago  []time.Duration
		want OpenAges
	}{
		{"none", nil, OpenAges{}},
		{"just accepted", []time.Duration{0}, OpenAges{Total: 1, Under7: 1}},
		{"just under 7 days", []time.Duration{7*day - time.Second}, OpenAges{Total: 1, Under7: 1}},
		{"7 days exactly", []time.Duration{7 * day}, OpenAges{Total: 1, Days7To30: 1}},
		{"30 days exactly", []time.Duration{30 * day}, OpenAges{Total: 1, Days7To30: 1}},
		{"just over 30 days", []time.Duration{30*day + time.Second}, OpenAges{Total: 1, Over30: 1}},
		{"a mix", []time.Duration{day, 2 * day, 10 * day, 100 * day}, OpenAges{Total: 4, Under7: 2, Days7To30: 1, Over30: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var at []time.Time
			for _, d := range tt.ago {
				at = append(at, now.Add(-d))
			}
			if got := AgeOpen(at, now); got != tt.want {
				t.Errorf("AgeOpen = %+v, want %+v", got, tt.want)
			}
		})
	}
}

var testTeams = []Team{
	{Name: "smb", Lead: Person{"Max Berg", "max@example.com"}, Reps: []Person{{"Sam Reed", "sam@example.com"}, {"Priya Nair", "priya@example.com"}}},
	{Name: "enterprise", Lead: Person{"Lea Stone", "lea@example.com"}, Reps: []Person{{"Ana Lopez", "Ana@Example.com"}, {"Ben Wu", "ben@example.com"}}},
}

// repSources are two months of rep counters and a month outside the
// period, plus a campaign's (which the rep view ignores).
func repSources() []Source {
	return []Source{
		{Rep: "ana@example.com", Month: "2031-02", Counters: Counters{"handoffs": 6, "responses": 6, "resp_le_1m": 4, "resp_le_5m": 2,
			"sal": 5, "rejected": 1, "rej_no_budget": 1, "won": 2, "lost": 1, "won_valued": 2, "revenue_minor": 2500000}},
		{Rep: "ana@example.com", Month: "2031-03", Counters: Counters{"handoffs": 2, "responses": 1, "resp_le_1m": 1, "sal": 1, "sla_breaches": 1}},
		{Rep: "ana@example.com", Month: "2031-01", Counters: Counters{"handoffs": 100}}, // outside the period
		{Rep: "ben@example.com", Month: "2031-03", Counters: Counters{"handoffs": 4, "responses": 4, "resp_le_4h": 3, "resp_gt_24h": 1,
			"sla_breaches": 2, "sla_late_responses": 1, "rejected": 3, "rej_not_icp": 2, "rej_spam": 1, "sal": 1}},
		// An address no team lists (the fallback sales address).
		{Rep: "sales@example.com", Month: "2031-03", Counters: Counters{"handoffs": 1}},
		{Campaign: "spring", Month: "2031-03", Counters: Counters{"leads": 9, "handoffs": 13}},
	}
}

// TestBuildRepsAggregates sums a rep's months in the period, names them
// from the routing config, lists every configured rep (an idle one too)
// but a team lead only when active, and orders rows by team and name.
func TestBuildRepsAggregates(t *testing.T) {
	open := map[string]OpenAges{"ana@example.com": {Total: 2, Under7: 1, Over30: 1}, "lea@example.com": {Total: 1, Days7To30: 1}, "max@example.com": {}}
	rows := BuildReps(repSources(), Period{From: "2031-02", To: "2031-03"}, testTeams, open)
	var order []string
	for _, r := range rows {
		order = append(order, r.DisplayName()+"/"+strings.Join(r.Teams, "+"))
	}
	// Lea has open leads (she accepted an escalated lead); Max has none.
	want := []string{"Ana Lopez/enterprise", "Ben Wu/enterprise", "Lea Stone/enterprise", "Priya Nair/smb", "Sam Reed/smb", "sales@example.com/"}
	if !reflect.DeepEqual(order, want) {
		t.Fatalf("rows %v, want %v", order, want)
	}
	ana, ben := rows[0], rows[1]
	if ana.Rep != "ana@example.com" || ana.Alerts != 8 || ana.Accepted != 6 || ana.Rejected.Total != 1 || ana.AcceptRate.String() != "85.7%" {
		t.Errorf("ana: %s alerts %d accepted %d rejected %d accept rate %s", ana.Rep, ana.Alerts, ana.Accepted, ana.Rejected.Total, ana.AcceptRate)
	}
	if ana.Response.Responses != 7 || ana.Response.Median.Label != "≤ 1 min" || ana.Response.P90.Label != "≤ 5 min" {
		t.Errorf("ana's responses: %+v", ana.Response)
	}
	if ana.SLA != (RepSLA{Breaches: 1, Escalated: 1, Rate: Ratio{1, 8}}) {
		t.Errorf("ana's SLA: %+v", ana.SLA)
	}
	if d := ana.Deals; d.Won != 2 || d.Lost != 1 || d.WinRate.String() != "66.7%" || d.Revenue != 25000 || d.AverageDeal == nil || *d.AverageDeal != 12500 {
		t.Errorf("ana's deals: %+v", d)
	}
	if ana.Open == nil || *ana.Open != open["ana@example.com"] {
		t.Errorf("ana's open leads: %+v", ana.Open)
	}
	// Ben: an escalation and a late answer are both breaches; his
	// rejections by reason, most frequent first, of his 4 answers.
	if ben.SLA.Breaches != 3 || ben.SLA.Rate.String() != "75.0%" || ben.Response.Median.Label != "≤ 4 h" || ben.Response.P90.Label != "> 24 h" {
		t.Errorf("ben: SLA %+v response %+v", ben.SLA, ben.Response)
	}
	if got := reasonsOf(ben.TopReasons(1)); got != "not_icp=2" || reasonsOf(ben.Rejected.Reasons) != "not_icp=2;spam=1" || ben.Rejected.Share.String() != "75.0%" {
		t.Errorf("ben's reasons: top %s, all %s, share %s", got, reasonsOf(ben.Rejected.Reasons), ben.Rejected.Share)
	}
	if ben.Open != nil {
		t.Errorf("ben's open leads were not read, got %+v", ben.Open)
	}
	if priya := rows[3]; priya.Active() || priya.Alerts != 0 || priya.Response.Median.Known {
		t.Errorf("priya is idle: %+v", priya)
	}
	if rows[5].Name != "" || len(rows[5].Teams) != 0 || rows[5].Alerts != 1 {
		t.Errorf("the fallback address: %+v", rows[5])
	}
}

func reasonsOf(rs []ReasonCount) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, r.Code+"="+itoa(r.Count))
	}
	return strings.Join(parts, ";")
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// repReport is a report of the test sources with its rep rows.
func repReport() Report {
	p := Period{From: "2031-02", To: "2031-03"}
	r := Build(repSources(), Economics{}, p)
	r.Reps = BuildReps(repSources(), p, testTeams, map[string]OpenAges{"ana@example.com": {Total: 2, Under7: 1, Over30: 1}})
	return r
}

// TestRepsInJSONAndCSV: the rep rows are in the JSON ("reps") and in
// the CSV after the total, one "rep" row each with the columns that
// mean the same for a rep filled; the campaign rows keep the rep
// columns empty, and a campaign's own counters do not leak into reps.
func TestRepsInJSONAndCSV(t *testing.T) {
	r := repReport()
	if r.Total.Speed.Handoffs != 13 || len(r.Campaigns) != 1 {
		t.Fatalf("the campaign part changed: %+v", r.Total.Speed)
	}
	var b bytes.Buffer
	if err := r.JSON(&b); err != nil {
		t.Fatal(err)
	}
	var js struct {
		Reps []map[string]any
	}
	if err := json.Unmarshal(b.Bytes(), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Reps) != 5 || js.Reps[0]["rep"] != "ana@example.com" || js.Reps[0]["name"] != "Ana Lopez" {
		t.Fatalf("json reps: %v", js.Reps)
	}
	fr := js.Reps[0]["first_response"].(map[string]any)
	if fr["median"].(map[string]any)["label"] != "≤ 1 min" || fr["p90"].(map[string]any)["minutes"] != 5.0 {
		t.Errorf("json first response: %v", fr)
	}
	if open := js.Reps[0]["open_without_outcome"].(map[string]any); open["over_30_days"] != 1.0 || js.Reps[1]["open_without_outcome"] != nil {
		t.Errorf("json open: %v / %v", open, js.Reps[1]["open_without_outcome"])
	}

	b.Reset()
	if err := r.CSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll() // every record as wide as the header
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if len(recs) != 1+2+5 { // header, campaign, total, 5 reps
		t.Fatalf("%d records", len(recs))
	}
	if recs[1][col["rep"]] != "" || recs[1][col["open_under_7d"]] != "" {
		t.Errorf("a campaign row has rep cells: %v", recs[1])
	}
	ana := recs[3]
	want := map[string]string{"row": "rep", "rep": "ana@example.com", "rep_name": "Ana Lopez", "rep_teams": "enterprise",
		"handoffs": "8", "sal": "6", "rejected": "1", "rejection_reasons": "no_budget=1", "rejection_rate": "0.1429",
		"responses": "7", "median_response": "<= 1 min", "p90_response_minutes": "5", "sla_breaches": "1", "sla_breach_rate": "0.125",
		"won": "2", "lost": "1", "win_rate": "0.6667", "revenue": "25000", "average_deal": "12500",
		"open_under_7d": "1", "open_7_to_30d": "0", "open_over_30d": "1", "leads": "", "period_from": "2031-02"}
	for k, v := range want {
		if ana[col[k]] != v {
			t.Errorf("ana's %s = %q, want %q", k, ana[col[k]], v)
		}
	}
	if ben := recs[4]; ben[col["sla_late_responses"]] != "1" || ben[col["sla_breach_rate"]] != "0.75" || ben[col["open_under_7d"]] != "" {
		t.Errorf("ben's row: %v", ben)
	}
}

// TestRepsOnTheDashboard: the "Sales reps" section shows both tables,
// the bucketed median, the top reasons and the open leads by age.
func TestRepsOnTheDashboard(t *testing.T) {
	var b bytes.Buffer
	if err := repReport().HTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`<a href="#reps">Sales reps</a>`, `<h2 id="reps-h">Sales reps</h2>`,
		"First response, median (bucketed)", "Answering alerts, Feb 2031 – Mar 2031", "Accepted leads and deals",
		`<th scope="row">Ana Lopez<small class="who">ana@example.com · enterprise</small></th>`,
		"<td>≤ 1 min<small>p90 ≤ 5 min</small></td>", `<td class="reasons">not ICP 2 · spam 1</td>`,
		"<td>1</td>\n<td>0</td>\n<td>1</td>", "€25,000", "€12,500", "<td>66.7%</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	var empty bytes.Buffer
	if err := Build(nil, Economics{}, Period{}).HTML(&empty); err != nil || !strings.Contains(empty.String(), "No sales reps in the routing config") {
		t.Errorf("dashboard without reps: %v", err)
	}
}

// TestTeamDigest: the team lead's digest lists the team's reps (an idle
// one as such, not the other team's), each with their figures, and
// nothing about any lead.
func TestTeamDigest(t *testing.T) {
	subject, html, text, err := repReport().TeamDigest(testTeams[1], DigestOptions{Week: "2031-W11", DashboardURL: "https://api.example.com/reports?format=html"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Sales team enterprise, week 2031-W11: 12 alerts, 7 accepted, 4 SLA breaches, 2 won"; subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	for _, want := range []string{
		"Ana Lopez (ana@example.com)\n  - Alerts received: 8 (6 accepted, 1 rejected: 85.7% of the answers accepted)",
		"  - First response, median: ≤ 1 min (p90 ≤ 5 min, over 7 responses; bucketed)",
		"  - SLA breaches: 1 (12.5% of alerts; 1 escalated, 0 answered late)",
		"  - Accepted, no outcome yet: 2 (under 7 days 1 · 7–30 days 0 · over 30 days 1)",
		"  - Won: 2 (lost 1 · win rate 66.7% · revenue €25,000)",
		"  - Rejected, main reasons: 1 (no budget 1)",
		"Ben Wu (ben@example.com)", "  - Rejected, main reasons: 3 (not ICP 2, spam 1)",
		"Dashboard: https://api.example.com/reports?format=html&from=2031-02&to=2031-03#reps", "bucketed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"Sam Reed", "Priya", "sales@example.com", "Lea Stone"} {
		if strings.Contains(text, bad) || strings.Contains(html, bad) {
			t.Errorf("the enterprise digest shows %q", bad)
		}
	}
	if !strings.Contains(html, "Open the sales reps view") || !strings.Contains(html, "Ana Lopez (ana@example.com)") {
		t.Error("html part incomplete")
	}
	// An idle rep is listed as such.
	_, _, smb, err := repReport().TeamDigest(testTeams[0], DigestOptions{})
	if err != nil || !strings.Contains(smb, "Sam Reed (sam@example.com)\n  nothing in this period") || strings.Contains(smb, "Dashboard:") {
		t.Errorf("smb digest: %v\n%s", err, smb)
	}
	if _, _, _, err := repReport().TeamDigest(testTeams[0], DigestOptions{DashboardURL: "javascript:alert(1)"}); err == nil {
		t.Error("a non-http dashboard URL was accepted")
	}
}
