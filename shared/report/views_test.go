package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Views are counted on variant items only (one counter write per page
// load); page_leads on the campaign and the variant, like leads.
func TestViewsAndViewToLead(t *testing.T) {
	r := Build([]Source{
		// November: the campaign item (leads of every form, 12 of them
		// posted from its own pages) and its variants' items.
		{Campaign: "q4", Month: "2026-11", Counters: Counters{"leads": 20, "page_leads": 12}},
		{Campaign: "q4", Variant: "a", Month: "2026-11", Counters: Counters{"views": 300, "leads": 9, "page_leads": 6}},
		{Campaign: "q4", Variant: "b", Month: "2026-11", Counters: Counters{"views": 200, "leads": 8, "page_leads": 6}},
		// October: variant items only (no campaign item that month).
		{Campaign: "q4", Variant: "a", Month: "2026-10", Counters: Counters{"views": 100, "leads": 2, "page_leads": 2}},
		// A variant with views and no lead at all.
		{Campaign: "q4", Variant: "c", Month: "2026-11", Counters: Counters{"views": 50}},
		// Leads posted through the API (no view, no page lead) and a few
		// posts from its page whose view was counted in the month before
		// the period: more page leads than views is no rate.
		{Campaign: "api", Month: "2026-11", Counters: Counters{"leads": 40, "page_leads": 3}},
		{Campaign: "api", Variant: "x", Month: "2026-11", Counters: Counters{"views": 2, "leads": 40, "page_leads": 3}},
		// No views at all.
		{Campaign: "old", Month: "2026-11", Counters: Counters{"leads": 5}},
	}, Economics{}, Period{From: "2026-10", To: "2026-11"})

	byName := map[string]Row{}
	for _, c := range r.Campaigns {
		byName[c.Total.Campaign] = c.Total
		for _, v := range c.Variants {
			byName[c.Total.Campaign+"/"+v.Variant] = v
		}
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"q4 views: its variants' (the campaign item has none)", byName["q4"].Views, int64(650)},
		{"q4 page leads", byName["q4"].PageLeads, int64(14)},
		{"q4 leads as before", byName["q4"].Leads, int64(22)},
		{"q4 view → lead", byName["q4"].ViewToLead, Ratio{14, 650}},
		{"q4/a over both months", []int64{byName["q4/a"].Views, byName["q4/a"].PageLeads}, []int64{400, 8}},
		{"q4/a view → lead", byName["q4/a"].ViewToLead.String(), "2.0%"},
		{"q4/b view → lead", byName["q4/b"].ViewToLead, Ratio{6, 200}},
		{"q4/c: views, no lead", byName["q4/c"].ViewToLead, Ratio{0, 50}},
		{"api: more page leads than views is no rate", byName["api"].ViewToLead.Defined(), false},
		{"api/x likewise", byName["api/x"].ViewToLead.Defined(), false},
		{"api/x counts kept", []int64{byName["api/x"].Views, byName["api/x"].PageLeads}, []int64{2, 3}},
		{"old: no views, no rate", []any{byName["old"].Views, byName["old"].ViewToLead.Defined()}, []any{int64(0), false}},
		{"views are no unknown counter", byName["q4/a"].Other, Counters(nil)},
		{"total views", r.Total.Views, int64(652)},
		{"total page leads", r.Total.PageLeads, int64(17)},
		{"total view → lead", r.Total.ViewToLead, Ratio{17, 652}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}

	// JSON: counts, and the rate as a number or null.
	var buf bytes.Buffer
	if err := r.JSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Campaigns []struct {
			Total    map[string]any   `json:"total"`
			Variants []map[string]any `json:"variants"`
		} `json:"campaigns"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	api, q4 := doc.Campaigns[0], doc.Campaigns[2]
	if q4.Variants[1]["views"] != 200.0 || q4.Variants[1]["page_leads"] != 6.0 || q4.Variants[1]["view_to_lead"] != 0.03 {
		t.Errorf("JSON q4/b: %v", q4.Variants[1])
	}
	if v, ok := api.Total["view_to_lead"]; !ok || v != nil {
		t.Errorf("JSON api view_to_lead = %v (present %v), want null", v, ok)
	}

	// CSV: the new columns come after every column there was, the rep
	// columns too, so no importer's column moves.
	buf.Reset()
	if err := r.CSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	if got := strings.Join(head[len(head)-4:], ","); got != "open_over_30d,views,page_leads,view_to_lead" {
		t.Fatalf("header ends %s", got)
	}
	cells := map[string][]string{}
	for _, rec := range recs[1:] {
		n := len(head)
		cells[rec[1]+"/"+rec[2]] = rec[n-3:]
	}
	for key, want := range map[string][]string{
		"q4/": {"650", "14", "0.0215"}, "q4/b": {"200", "6", "0.03"}, "q4/c": {"50", "0", "0"},
		"api/": {"2", "3", ""}, "old/": {"0", "0", ""}, "/": {"652", "17", "0.0261"},
	} {
		if !reflect.DeepEqual(cells[key], want) {
			t.Errorf("CSV %s views, page_leads, view_to_lead = %v, want %v", key, cells[key], want)
		}
	}
}

func TestABViewToLead(t *testing.T) {
	variant := func(v string, views, pageLeads int64) Source {
		// Leads and MQL alike in every variant: only view → lead differs.
		return Source{Campaign: "q4", Variant: v, Month: "2026-11",
			Counters: Counters{"views": views, "page_leads": pageLeads, "leads": 100, "mql": 30, "sal": 10}}
	}
	tests := []struct {
		name     string
		sources  []Source
		controls map[string]string
		want     []string // "variant vs baseline: verdict" of the view → lead tests, in order
		winners  []string
	}{
		{"b converts visitors better", []Source{variant("a", 2000, 78), variant("b", 2000, 130)}, nil,
			[]string{"b vs a: b converts visitors to leads better than a (6.5% vs 3.9%, p = 0.009)"}, []string{"b"}},
		{"the control better", []Source{variant("a", 2000, 130), variant("b", 2000, 78)}, nil,
			[]string{"b vs a: a converts visitors to leads better than b (6.5% vs 3.9%, p = 0.009)"}, []string{"a"}},
		{"the file's first variant is the control", []Source{variant("a", 2000, 130), variant("orig", 2000, 78)}, map[string]string{"q4": "orig"},
			[]string{"a vs orig: a converts visitors to leads better than orig (6.5% vs 3.9%, p = 0.009)"}, []string{"a"}},
		// At a single look 6.1% vs 3.9% of 1,000 views each is p = 0.02: a
		// test looked at every week needs more views.
		{"p = 0.02 at a single look is no winner yet", []Source{variant("a", 1000, 39), variant("b", 1000, 61)}, nil,
			[]string{"b vs a: no winner yet: needs more views (b 6.1% vs a 3.9% so far, p = 0.44; a winner needs p < 0.05)"}, []string{""}},
		// Four offers: three comparisons share the 5% (Bonferroni).
		{"four variants: p = 0.048 is no winner", []Source{variant("a", 2000, 78), variant("b", 2000, 80), variant("c", 2000, 78), variant("d", 2000, 122)}, nil,
			[]string{"b vs a: no winner yet: needs more views (b 4.0% vs a 3.9% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with a)",
				"c vs a: no winner yet: needs more views (c 3.9% vs a 3.9% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with a)",
				"d vs a: no winner yet: needs more views (d 6.1% vs a 3.9% so far, p = 0.048; a winner needs p < 0.017, 3 variants being compared with a)"}, []string{"", "", ""}},
		{"four variants: a clear winner wins", []Source{variant("a", 2000, 78), variant("b", 2000, 80), variant("c", 2000, 78), variant("d", 2000, 150)}, nil,
			[]string{"b vs a: no winner yet: needs more views (b 4.0% vs a 3.9% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with a)",
				"c vs a: no winner yet: needs more views (c 3.9% vs a 3.9% so far, p = 1.00; a winner needs p < 0.017, 3 variants being compared with a)",
				"d vs a: d converts visitors to leads better than a (7.5% vs 3.9%, p < 0.001)"}, []string{"", "", "d"}},
		{"small sample", []Source{variant("a", 25, 2), variant("b", 20, 3)}, nil,
			[]string{"b vs a: not enough data yet (needs 30 views and about 5 leads per variant)"}, []string{""}},
		// An offer nobody converts on is in the test (it has views), a
		// variant without views is not, and the control without views
		// leaves the first by id with views as the baseline.
		{"a variant with views and no lead", []Source{variant("a", 1000, 30), variant("b", 1000, 0), variant("z", 0, 0)}, map[string]string{"q4": "z"},
			[]string{"b vs a: a converts visitors to leads better than b (3.0% vs 0.0%, p < 0.001)"}, []string{"a"}},
		{"more page leads than views", []Source{variant("a", 1000, 39), variant("b", 40, 50)}, nil,
			[]string{"b vs a: not comparable: b has more leads from its page than counted views (views of an earlier month, or lost)"}, []string{""}},
		{"no views: no view test", []Source{variant("a", 0, 0), variant("b", 0, 0)}, nil, nil, nil},
		{"one variant with views", []Source{variant("a", 500, 20), variant("b", 0, 0)}, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Build(tt.sources, Economics{Controls: tt.controls}, Period{})
			var got, winners []string
			funnel := 0
			for _, at := range r.Campaigns[0].Tests {
				if at.Metric != "view_to_lead" {
					funnel++
					continue
				}
				if funnel > 0 {
					t.Errorf("view → lead after the funnel's tests: it is the offer's first conversion")
				}
				got = append(got, at.Variant.Variant+" vs "+at.Baseline.Variant+": "+at.Verdict)
				winners = append(winners, at.Winner)
				if at.MetricLabel != "view → lead" || at.Sample != "views" {
					t.Errorf("label %q, sample %q", at.MetricLabel, at.Sample)
				}
				for _, arm := range []Arm{at.Baseline, at.Variant} {
					if arm.Leads != arm.Successes || arm.Rate != ratio(arm.Successes, arm.Views) {
						t.Errorf("arm %+v: leads are its successes, out of its views", arm)
					}
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") || !reflect.DeepEqual(winners, tt.winners) {
				t.Errorf("got\n%s\nwinners %q; want\n%s\nwinners %q", strings.Join(got, "\n"), winners, strings.Join(tt.want, "\n"), tt.winners)
			}
			for _, at := range r.Campaigns[0].Tests {
				if at.Metric != "view_to_lead" && at.Sample != "leads" {
					t.Errorf("%s sample %q, want leads", at.Metric, at.Sample)
				}
			}
		})
	}

	// The digest names a view → lead winner with the other results.
	r := Build([]Source{variant("a", 2000, 78), variant("b", 2000, 130)}, Economics{}, Period{})
	_, _, text, err := r.Digest(DigestOptions{})
	if err != nil || !strings.Contains(text, "q4, view → lead: b converts visitors to leads better than a (6.5% vs 3.9%, p = 0.009)") {
		t.Errorf("digest: %v\n%s", err, text)
	}
	// The dashboard shows the test out of views, and the campaign's row
	// its views and view → lead.
	var page bytes.Buffer
	if err := r.HTML(&page); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<td>6.5%<small>130 / 2,000 views</small></td>", "<td>3.9%<small>78 / 2,000 views</small></td>",
		"<th scope=\"col\">Views → lead</th>", "<td>5.2%<small>208 of 4,000 views</small></td>"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
}

// TestDashboardSaysHowViewsCount: a view is a visitor's first load of
// the day (capture names the visitor, keeps the offer drawn for the day
// and counts it once), so the dashboard must not tell a marketer that a
// reload counts again and may show another variant: she would discount
// view → lead for reloads that were never counted.
func TestDashboardSaysHowViewsCount(t *testing.T) {
	r := Build([]Source{
		{Campaign: "q4", Month: "2026-11", Counters: Counters{"leads": 3, "page_leads": 3}},
		{Campaign: "q4", Variant: "a", Month: "2026-11", Counters: Counters{"views": 40, "leads": 3, "page_leads": 3}},
	}, Economics{}, Period{From: "2026-11", To: "2026-11"})
	var buf bytes.Buffer
	if err := r.HTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, wrong := range []string{"reload counts again", "page loads, not unique visitors", "Views are page loads"} {
		if strings.Contains(page, wrong) {
			t.Errorf("dashboard says %q: a reload the same day counts no second view", wrong)
		}
	}
	for _, want := range []string{"one view per visitor a day", "a reload or a return the same day shows the same offer and counts no second view"} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard does not say %q", want)
		}
	}
}

// TestDashboardTilesCountInWords: a marketer reads "1 SLA breach", not
// "1 SLA breaches" — the tiles write their counts as the digest does —
// and what a share is of.
func TestDashboardTilesCountInWords(t *testing.T) {
	for _, c := range []struct {
		counters  Counters
		want, not []string
	}{
		{Counters{"leads": 4, "resubmissions": 1, "bots": 1, "disqualified": 1, "dq_student": 1, "mql": 3, "sal": 2, "rejected": 1, "rej_no_budget": 1,
			"handoffs": 3, "responses": 3, "resp_le_1m": 3, "sla_breaches": 1},
			[]string{"plus 1 repeat submission; 1 bot blocked", "1 lead filtered out", "1 SLA breach (", "2 leads rejected by sales or non-target"},
			[]string{"1 repeat submissions", "1 bots", "1 leads", "1 SLA breaches"}},
		// Every answer in time, three alerts never answered: "100.0%
		// answered within 5 min · 3 SLA breaches" read as a contradiction;
		// the share is of the answers.
		{Counters{"leads": 6, "mql": 6, "handoffs": 6, "responses": 3, "resp_le_1m": 3, "sla_breaches": 3},
			[]string{"100.0% of answers within 5 min · 3 SLA breaches (50.0% of alerts)"},
			[]string{"answered within"}},
		{Counters{"leads": 1, "mql": 1, "handoffs": 1},
			[]string{"1 alert sent · 0 SLA breaches", "plus 0 repeat submissions; 0 bots blocked"},
			[]string{"1 alerts"}},
	} {
		r := Build([]Source{{Campaign: "q4", Month: "2026-11", Counters: c.counters}}, Economics{}, Period{From: "2026-11", To: "2026-11"})
		var buf bytes.Buffer
		if err := r.HTML(&buf); err != nil {
			t.Fatal(err)
		}
		page := buf.String()
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("dashboard does not say %q", w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(page, w) {
				t.Errorf("dashboard says %q", w)
			}
		}
	}
}
