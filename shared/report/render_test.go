package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := knownReport().JSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Total struct {
			Funnel    map[string]any `json:"funnel"`
			Economics map[string]any `json:"economics"`
		} `json:"total"`
		Campaigns []struct {
			Total struct {
				Speed struct {
					Median        map[string]any `json:"median"`
					SLABreachRate any            `json:"sla_breach_rate"`
				} `json:"speed"`
				Economics map[string]any `json:"economics"`
			} `json:"total"`
		} `json:"campaigns"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	b := got.Campaigns[1].Total
	tests := []struct {
		name      string
		got, want any
	}{
		{"rate as a decimal", got.Total.Funnel["lead_to_mql"], 0.3333},
		{"rates rounded to 4 places", got.Total.Funnel["lead_to_sal"], 0.1667},
		{"wasted hours", got.Total.Economics["wasted_hours"], 11.25},
		{"cost per lead", got.Campaigns[0].Total.Economics["cost_per_lead"], 15.0},
		{"no spend is null", b.Economics["cost_per_sal"], nil},
		{"undefined rate is null", b.Speed.SLABreachRate, nil},
		{"quantile without responses", b.Speed.Median, map[string]any{"label": NoResponses, "minutes": nil}},
		{"quantile", got.Campaigns[0].Total.Speed.Median, map[string]any{"label": "≤ 5 min", "minutes": 5.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

// TestJSONListsAreNeverNull: an empty period, a campaign without
// variants and one without A/B tests give empty lists, not null, as the
// months and the reps do: a client iterating them needs no null check.
func TestJSONListsAreNeverNull(t *testing.T) {
	for name, r := range map[string]Report{
		"no campaign":       Build(nil, Economics{}, Period{From: "2026-11", To: "2026-11"}),
		"no variant":        Build([]Source{{Campaign: "x", Month: "2026-11", Counters: Counters{"leads": 3}}}, Economics{}, Period{}),
		"one variant":       Build([]Source{{Campaign: "x", Variant: "a", Month: "2026-11", Counters: Counters{"leads": 3}}}, Economics{}, Period{}),
		"spend, no counter": Build(nil, Economics{Spend: map[string]float64{"x": 100}}, Period{}),
	} {
		var buf bytes.Buffer
		if err := r.JSON(&buf); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Campaigns []struct {
				Variants json.RawMessage `json:"variants"`
				Tests    json.RawMessage `json:"ab_tests"`
			} `json:"campaigns"`
		}
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), `"campaigns": null`) {
			t.Errorf("%s: campaigns is null", name)
		}
		for _, c := range got.Campaigns {
			if string(c.Variants) == "null" || string(c.Tests) == "null" {
				t.Errorf("%s: variants %s, ab_tests %s", name, c.Variants, c.Tests)
			}
		}
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := knownReport().CSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The header is a contract with spreadsheets and imports.
	want := []string{
		"row", "campaign", "variant", "period_from", "period_to",
		"leads", "resubmissions", "bots",
		"non_target", "non_target_share", "non_target_reasons",
		"mql", "sal", "sql", "won", "lost",
		"lead_to_mql", "mql_to_sal", "sal_to_sql", "sql_to_won", "lead_to_sal", "lead_to_won",
		"rejected", "rejection_rate", "rejection_reasons",
		"handoffs", "responses", "median_response", "median_response_minutes",
		"p90_response", "p90_response_minutes", "within_5m_share",
		"sla_breaches", "sla_breach_rate", "sla_late_responses",
		"wasted_leads", "wasted_hours", "wasted_cost", "currency", "spend", "cost_per_lead", "cost_per_sal",
		"enrolled", "nurture_sends", "delivered", "bounces", "soft_bounces", "complaints",
		"unsubscribes", "email_clicks", "page_views", "pricing_page_views", "email_opens",
		"revenue", "won_with_amount", "average_deal", "win_rate", "revenue_per_lead", "roas", "cost_per_won",
		"open_sql", "pipeline_value", "median_days_to_won", "median_days_to_won_from", "median_days_to_won_to",
		"rep", "rep_name", "rep_teams", "open_under_7d", "open_7_to_30d", "open_over_30d",
		"views", "page_leads", "view_to_lead",
	}
	if !reflect.DeepEqual(recs[0], want) || !reflect.DeepEqual(CSVColumns(), want) {
		t.Fatalf("header = %v", recs[0])
	}
	if len(recs) != 4 { // header, A, B, total
		t.Fatalf("%d records, want 4", len(recs))
	}
	row := func(i int) map[string]string {
		m := map[string]string{}
		for j, col := range recs[0] {
			m[col] = recs[i][j]
		}
		return m
	}
	a, b, total := row(1), row(2), row(3)
	checks := []struct{ name, got, want string }{
		{"A row", a["row"], "campaign"},
		{"A opens", a["email_opens"], "44"},
		{"A campaign", a["campaign"], "A"},
		{"period", a["period_from"] + ".." + a["period_to"], "2026-09..2026-11"},
		{"A leads", a["leads"], "100"},
		{"A non-target share", a["non_target_share"], "0.3"},
		{"A non-target reasons", a["non_target_reasons"], "job_seeker=20;student=10"},
		{"A lead→MQL", a["lead_to_mql"], "0.4"},
		{"A SQL→won", a["sql_to_won"], "0.375"},
		{"A rejection rate", a["rejection_rate"], "0.3333"},
		{"A rejection reasons", a["rejection_reasons"], "not_icp=6;no_budget=4"},
		{"A median", a["median_response"] + "|" + a["median_response_minutes"], "<= 5 min|5"},
		{"A p90", a["p90_response"] + "|" + a["p90_response_minutes"], "<= 1 h|60"},
		{"A within 5 min", a["within_5m_share"], "0.6"},
		{"A SLA breach rate", a["sla_breach_rate"], "0.1"},
		{"A wasted", a["wasted_leads"] + "|" + a["wasted_hours"] + "|" + a["wasted_cost"], "40|10|600"},
		{"A money", a["currency"] + "|" + a["spend"] + "|" + a["cost_per_lead"] + "|" + a["cost_per_sal"], "EUR|1500|15|75"},
		{"B undefined cells are empty", b["sla_breach_rate"] + b["median_response"] + b["median_response_minutes"] + b["cost_per_sal"], ""},
		{"B wasted hours", b["wasted_hours"], "1.25"},
		{"total row", total["row"] + "|" + total["campaign"] + "|" + total["leads"], "total||150"},
		{"A revenue", a["revenue"] + "|" + a["won_with_amount"] + "|" + a["average_deal"] + "|" + a["win_rate"] + "|" + a["revenue_per_lead"], "18000|3|6000|0.6|180"},
		{"A return", a["roas"] + "|" + a["cost_per_won"] + "|" + a["open_sql"] + "|" + a["pipeline_value"], "12|500|4|14400"},
		{"A lead → won", a["median_days_to_won"] + "|" + a["median_days_to_won_from"] + "|" + a["median_days_to_won_to"], "22-30 days|21|30"},
		{"B: no spend, no deals", b["revenue"] + "|" + b["roas"] + "|" + b["cost_per_won"] + "|" + b["win_rate"] + "|" + b["pipeline_value"] + "|" + b["median_days_to_won"], "0|||||"},
		{"total ROAS over paid campaigns", total["roas"] + "|" + total["revenue"], "12|18000"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	r := Build([]Source{{Campaign: "=HYPERLINK(\"http://x\")", Variant: "+1", Month: "2026-11",
		Counters: Counters{"leads": 1, "rejected": 1, "rej_-x": 1}}}, Economics{}, Period{})
	var buf bytes.Buffer
	if err := r.CSV(&buf); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(&buf).ReadAll()
	if got := recs[1][1]; got != `'=HYPERLINK("http://x")` {
		t.Errorf("campaign cell = %q", got)
	}
	if got := recs[2][2]; got != "'+1" {
		t.Errorf("variant cell = %q", got)
	}
	if got := recs[1][24]; got != "'-x=1" {
		t.Errorf("rejection reasons cell = %q", got)
	}
}

// hostile ids come from config; none may reach the page as markup.
func hostileReport() Report {
	evil := `<script>alert(1)</script>`
	return Build([]Source{
		{Campaign: evil, Month: "2026-11", Counters: Counters{"leads": 100, "mql": 40, "sal": 20, "rejected": 5, "won": 1, "revenue_minor": 100,
			"rej_</title><script>alert(2)</script>": 5, "disqualified": 3, `dq_"><img src=x onerror=alert(3)>`: 3}},
		{Campaign: evil, Variant: `"><svg onload=alert(4)>`, Month: "2026-11", Counters: Counters{"leads": 50, "sal": 10}},
		{Campaign: evil, Variant: "B&amp;", Month: "2026-11", Counters: Counters{"leads": 50, "sal": 10}},
	}, Economics{Currency: `<b>X</b>`, Spend: map[string]float64{evil: 100}}, Period{})
}

func TestHTMLEscapesHostileIDs(t *testing.T) {
	var buf bytes.Buffer
	if err := hostileReport().HTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "<img", "<svg onload", `"><img`, `"><svg`, "<b>X", "</title><script"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(3)&gt;", "B&amp;amp;"} {
		if !strings.Contains(page, good) {
			t.Errorf("page lacks the escaped %q", good)
		}
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	page := render(t, sampleReport())
	for _, bad := range []string{"<script", "src=", "http://", "https://", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must need no script and no external resource", bad)
		}
	}
	for _, want := range []string{`<html lang="en">`, `name="viewport"`, "<caption", `scope="col"`, `scope="row"`, `role="img"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestHTMLFunnelHasABarPerStage(t *testing.T) {
	r := knownReport()
	page := render(t, r)
	svgs := regexp.MustCompile(`(?s)<svg[^>]*aria-labelledby="(all|c\d+)-funnel-t[^>]*>.*?</svg>`).FindAllString(page, -1)
	if len(svgs) != 1+len(r.Campaigns) {
		t.Fatalf("%d funnel charts, want %d (overall + one per campaign)", len(svgs), 1+len(r.Campaigns))
	}
	for _, svg := range svgs {
		if n := strings.Count(svg, `class="bar stage"`); n != 5 {
			t.Errorf("funnel has %d bars, want 5:\n%s", n, svg)
		}
		for _, stage := range []string{">Leads<", ">MQL<", ">SAL<", ">SQL<", ">Won<"} {
			if !strings.Contains(svg, stage) {
				t.Errorf("funnel lacks the label %s", stage)
			}
		}
	}
	// Campaign A: 100 leads is the longest bar, 40 MQL is 40% of it.
	a := svgs[1]
	if !strings.Contains(a, `width="198.0"`) || !strings.Contains(a, `width="79.2"`) {
		t.Errorf("bar widths not proportional to the counts:\n%s", a)
	}
	if !strings.Contains(a, `<tspan class="num">100</tspan>`) || !strings.Contains(a, `<tspan class="note">40.0%</tspan>`) {
		t.Errorf("funnel lacks its numbers:\n%s", a)
	}
	// Rejection reasons are bars too.
	if n := strings.Count(page, `class="bar reject"`); n != 4 { // overall 2 + A 2
		t.Errorf("%d rejection bars, want 4", n)
	}
}

func TestRendersZeroDataWithoutNaN(t *testing.T) {
	nan := 0.0
	nan = nan / nan
	reports := map[string]Report{
		"nothing":        Build(nil, Economics{}, Period{}),
		"empty counters": Build([]Source{{Campaign: "x", Variant: "A", Month: "2026-11"}, {Campaign: "x", Variant: "B", Month: "2026-11"}}, Economics{}, Period{}),
		"zero leads, spend and NaN settings": Build([]Source{{Campaign: "x", Month: "2026-11", Counters: Counters{"handoffs": 0}}},
			Economics{MinutesPerLead: nan, HourlyCost: 1 / nan, Spend: map[string]float64{"x": 500, "y": nan}}, Period{From: "2026-09", To: "2026-11"}),
		"stages without leads": Build([]Source{{Campaign: "x", Month: "2026-11", Counters: Counters{"sal": 3, "won": 1, "rejected": 2}}}, Economics{}, Period{}),
	}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			var j, c, h bytes.Buffer
			if err := r.JSON(&j); err != nil {
				t.Fatal(err)
			}
			if err := r.CSV(&c); err != nil {
				t.Fatal(err)
			}
			if err := r.HTML(&h); err != nil {
				t.Fatal(err)
			}
			_, dh, dt, err := r.Digest(DigestOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for kind, out := range map[string]string{"JSON": j.String(), "CSV": c.String(), "HTML": h.String(), "digest html": dh, "digest text": dt} {
				for _, bad := range []string{"NaN", "Inf", "%!"} {
					if strings.Contains(out, bad) {
						t.Errorf("%s contains %q", kind, bad)
					}
				}
			}
			if !json.Valid(j.Bytes()) {
				t.Error("invalid JSON")
			}
		})
	}
}

func render(t *testing.T, r Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := r.HTML(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestHTMLRevenueTable: the revenue section has a row per campaign and
// variant with every figure, "n/a" for a ROAS without a spend, and sits
// in its own table (the campaign table keeps its columns).
func TestHTMLRevenueTable(t *testing.T) {
	r := knownReport()
	r.Campaigns[0].Variants = []Row{buildRow("A", "v1", Counters{"leads": 10, "won": 1, "won_valued": 1, "revenue_minor": 250000}, r.Settings, nil)}
	var buf bytes.Buffer
	if err := r.HTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	start, end := strings.Index(page, `<section id="revenue"`), strings.Index(page, `<section id="funnels"`)
	if start < 0 || end < start {
		t.Fatal("no revenue section before the funnels")
	}
	sec := page[start:end]
	rows := strings.Split(sec, "<tr")[2:] // after the header row
	if len(rows) != 4 {
		t.Fatalf("%d revenue rows, want A, its variant, B and the total:\n%s", len(rows), sec)
	}
	for i, want := range [][]string{
		{">A<", "€18,000", "€6,000", "60.0%", "€180", "12×", "€500", ">4<", "€14,400", "22–30 days"},
		{"v1", "€2,500", "€250", "n/a"},
		{">B<", "€0", "n/a", "—"},
		{"All campaigns", "€18,000", "12×"},
	} {
		for _, w := range want {
			if !strings.Contains(rows[i], w) {
				t.Errorf("revenue row %d lacks %q:\n%s", i, w, rows[i])
			}
		}
	}
	if campaigns := page[strings.Index(page, `<section id="campaigns"`):start]; strings.Contains(campaigns, "Revenue") || strings.Contains(campaigns, "ROAS") {
		t.Error("revenue columns leaked into the campaign table")
	}
}
