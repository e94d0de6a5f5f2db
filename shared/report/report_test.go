package report

import (
	"fmt"
	"reflect"
	"testing"
)

// campaignA is the known population every figure is checked against.
var campaignA = Counters{
	"leads": 100, "resubmissions": 6, "bots": 4,
	"disqualified": 30, "dq_job_seeker": 20, "dq_student": 10,
	"mql": 40, "sal": 20, "rejected": 10, "rej_not_icp": 6, "rej_no_budget": 4,
	"sql": 8, "won": 3, "lost": 2,
	"handoffs": 30, "sla_breaches": 3, "sla_late_responses": 1,
	"responses": 20, "resp_le_1m": 5, "resp_le_5m": 7, "resp_le_15m": 4, "resp_le_1h": 2, "resp_le_4h": 1, "resp_gt_24h": 1,
	"enrolled": 40, "nurture_sends": 200, "delivered": 190, "bounces": 10, "soft_bounces": 3,
	"complaints": 1, "unsubscribes": 5, "email_click": 19, "page_view": 60, "pricing_page_view": 12,
	"email_open": 44, "ses_rejects": 2,
	"won_valued": 3, "revenue_minor": 1800000, "sql_closed": 4, "won_days_le_30": 2, "won_days_le_60": 1,
}

// campaignB has no spend, no rejections, and a disqualified total its
// reasons do not fully cover.
var campaignB = Counters{"leads": 50, "disqualified": 5, "dq_spam": 3, "mql": 10, "sal": 5}

func knownReport() Report {
	return Build([]Source{
		{Campaign: "A", Month: "2026-11", Counters: campaignA},
		{Campaign: "B", Month: "2026-10", Counters: campaignB},
		{Campaign: "B", Month: "2026-08", Counters: Counters{"leads": 999}}, // outside the period
	}, Economics{Spend: map[string]float64{"A": 1500}}, Period{From: "2026-09", To: "2026-11"})
}

func TestBuildKnownPopulation(t *testing.T) {
	r := knownReport()
	if len(r.Campaigns) != 2 {
		t.Fatalf("campaigns = %d, want 2", len(r.Campaigns))
	}
	a, b, total := r.Campaigns[0].Total, r.Campaigns[1].Total, r.Total
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name      string
		got, want any
	}{
		{"period", r.Period, Period{"2026-09", "2026-11"}},
		{"months with counters", r.Months, []string{"2026-10", "2026-11"}},
		{"defaults", r.Settings, Settings{MinutesPerLead: 15, HourlyCost: 60, Currency: "EUR"}},
		{"kind", []string{a.Kind, total.Kind}, []string{KindCampaign, KindTotal}},

		{"A leads", a.Leads, int64(100)},
		{"A resubmissions, bots", []int64{a.Resubmissions, a.Bots}, []int64{6, 4}},
		{"A stages", []int64{a.Funnel.Leads, a.Funnel.MQL, a.Funnel.SAL, a.Funnel.SQL, a.Funnel.Won, a.Funnel.Lost}, []int64{100, 40, 20, 8, 3, 2}},
		{"A lead→MQL", a.Funnel.LeadToMQL.String(), "40.0%"},
		{"A MQL→SAL", a.Funnel.MQLToSAL.String(), "50.0%"},
		{"A SAL→SQL", a.Funnel.SALToSQL.String(), "40.0%"},
		{"A SQL→won", a.Funnel.SQLToWon, Ratio{3, 8}},
		{"A SQL→won value", a.Funnel.SQLToWon.Value(), 0.375},
		{"A lead→SAL", a.Funnel.LeadToSAL, Ratio{20, 100}},
		{"A lead→won", a.Funnel.LeadToWon.String(), "3.0%"},

		{"A non-target", a.NonTarget.Total, int64(30)},
		{"A non-target share of leads", a.NonTarget.Share, Ratio{30, 100}},
		{"A non-target reasons", a.NonTarget.Reasons, []ReasonCount{
			{Code: "job_seeker", Label: "job seeker", Count: 20, Share: Ratio{20, 30}},
			{Code: "student", Label: "student", Count: 10, Share: Ratio{10, 30}},
		}},
		{"A rejected", a.Rejected.Total, int64(10)},
		{"A rejection rate of sales answers", a.Rejected.Share, Ratio{10, 30}},
		{"A rejection reasons", a.Rejected.Reasons, []ReasonCount{
			{Code: "not_icp", Label: "not ICP", Count: 6, Share: Ratio{6, 10}},
			{Code: "no_budget", Label: "no budget", Count: 4, Share: Ratio{4, 10}},
		}},

		{"A responses", a.Speed.Responses, int64(20)},
		{"A median (rank 10 of 20 → 2nd bucket)", a.Speed.Median, Quantile{Label: "≤ 5 min", Minutes: 5, Known: true}},
		{"A p90 (rank 18 of 20 → 4th bucket)", a.Speed.P90, Quantile{Label: "≤ 1 h", Minutes: 60, Known: true}},
		{"A answered within 5 min", a.Speed.WithinTarget, Ratio{12, 20}},
		{"A SLA breach rate", a.Speed.SLABreachRate, Ratio{3, 30}},
		{"A late responses", a.Speed.LateResponses, int64(1)},

		{"A wasted leads = rejected + non-target", a.Economics.WastedLeads, int64(40)},
		{"A wasted hours = 40 × 15 / 60", a.Economics.WastedHours, 10.0},
		{"A wasted cost = 10 h × 60", a.Economics.WastedCost, 600.0},
		{"A spend", a.Economics.Spend, f(1500)},
		{"A cost per lead", a.Economics.CostPerLead, f(15)},
		{"A cost per SAL", a.Economics.CostPerSAL, f(75)},

		{"A nurture", a.Nurture.Sends + a.Nurture.Delivered + a.Nurture.Clicks, int64(409)},
		{"A opens", a.Nurture.Opens, int64(44)},
		{"A bounce rate of sends", a.Nurture.BounceRate, Ratio{10, 200}},
		{"A click rate of delivered", a.Nurture.ClickRate, Ratio{19, 190}},
		{"A unknown counters kept", a.Other, Counters{"ses_rejects": 2}},

		{"B reasons with a gap", b.NonTarget.Reasons, []ReasonCount{
			{Code: "spam", Label: "spam", Count: 3, Share: Ratio{3, 5}},
			{Code: Unspecified, Label: "no reason recorded", Count: 2, Share: Ratio{2, 5}},
		}},
		{"B rejection rate", b.Rejected.Share, Ratio{0, 5}},
		{"B no responses", b.Speed.Median, Quantile{Label: NoResponses}},
		{"B SLA breach rate undefined", b.Speed.SLABreachRate.Defined(), false},
		{"B wasted hours = 5 × 15 / 60", b.Economics.WastedHours, 1.25},
		{"B wasted cost", b.Economics.WastedCost, 75.0},
		{"B no spend", []*float64{b.Economics.Spend, b.Economics.CostPerLead, b.Economics.CostPerSAL}, []*float64{nil, nil, nil}},

		{"total leads (August left out)", total.Leads, int64(150)},
		{"total SAL", total.Funnel.SAL, int64(25)},
		{"total lead→SAL", total.Funnel.LeadToSAL, Ratio{25, 150}},
		{"total non-target", total.NonTarget.Share, Ratio{35, 150}},
		{"total wasted hours", total.Economics.WastedHours, 11.25},
		{"total wasted cost", total.Economics.WastedCost, 675.0},
		{"total spend", total.Economics.Spend, f(1500)},
		{"total cost per lead over campaigns with a spend", total.Economics.CostPerLead, f(15)},
		{"total cost per SAL over campaigns with a spend", total.Economics.CostPerSAL, f(75)},
		{"report wasted hours", r.WastedHours(), 11.25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %s, want %s", show(tt.got), show(tt.want))
			}
		})
	}
}

func show(v any) string {
	if p, ok := v.(*float64); ok && p != nil {
		return fmt.Sprintf("&%v", *p)
	}
	return fmt.Sprintf("%+v", v)
}

func TestQuantiles(t *testing.T) {
	tests := []struct {
		name        string
		c           Counters
		median, p90 string
	}{
		{"none", Counters{}, NoResponses, NoResponses},
		{"one fast", Counters{"resp_le_1m": 1}, "≤ 1 min", "≤ 1 min"},
		{"all slow", Counters{"resp_gt_24h": 3}, "> 24 h", "> 24 h"},
		{"even split: rank 1 of 2 is the first", Counters{"resp_le_1m": 1, "resp_le_4h": 1}, "≤ 1 min", "≤ 4 h"},
		{"p90 is the 9th of 10", Counters{"resp_le_5m": 9, "resp_le_24h": 1}, "≤ 5 min", "≤ 5 min"},
		{"p90 is the 10th of 11", Counters{"resp_le_5m": 9, "resp_le_24h": 2}, "≤ 5 min", "≤ 24 h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := buildSpeed(tt.c)
			if s.Median.Label != tt.median || s.P90.Label != tt.p90 {
				t.Errorf("median, p90 = %q, %q; want %q, %q", s.Median.Label, s.P90.Label, tt.median, tt.p90)
			}
		})
	}
	if q := buildSpeed(Counters{"resp_gt_24h": 1}).Median; q.Minutes <= 1440 {
		t.Errorf("> 24 h sorts as %v minutes, want more than 1440", q.Minutes)
	}
}

func TestBuildVariantsAndMonths(t *testing.T) {
	r := Build([]Source{
		// C has a campaign total in November (it includes leads without a
		// variant) but only variant items in October.
		{Campaign: "C", Month: "2026-11", Counters: Counters{"leads": 25}},
		{Campaign: "C", Variant: "A", Month: "2026-11", Counters: Counters{"leads": 10}},
		{Campaign: "C", Variant: "B", Month: "2026-11", Counters: Counters{"leads": 12}},
		{Campaign: "C", Variant: "A", Month: "2026-10", Counters: Counters{"leads": 4}},
		{Campaign: "C", Variant: "B", Month: "2026-10", Counters: Counters{"leads": 5, "sal": 1}},
		{Campaign: "C", Variant: "B", Month: "2026-10", Counters: Counters{"leads": 1}}, // a repeated item adds up
		{Campaign: "D", Month: "2026-12", Counters: Counters{"leads": 7}},               // after the period
	}, Economics{Spend: map[string]float64{"E": 300, "F": -1}}, Period{To: "2026-11"})

	tests := []struct {
		name      string
		got, want any
	}{
		{"campaigns: C, and E for its spend; not D, not F", names(r), []string{"C", "E"}},
		{"C total = Nov total + Oct variants", r.Campaigns[0].Total.Leads, int64(25 + 4 + 6)},
		{"C variants", []int64{r.Campaigns[0].Variants[0].Leads, r.Campaigns[0].Variants[1].Leads}, []int64{14, 18}},
		{"variant rows", []string{r.Campaigns[0].Variants[0].Kind, r.Campaigns[0].Variants[1].Variant}, []string{KindVariant, "B"}},
		{"C has tests", len(r.Campaigns[0].Tests), 2},
		{"E spent on nothing", r.Campaigns[1].Total.Economics.Spend != nil && r.Campaigns[1].Total.Economics.CostPerLead == nil, true},
		{"open start filled from data", r.Period, Period{From: "2026-10", To: "2026-11"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}
}

func names(r Report) []string {
	var out []string
	for _, c := range r.Campaigns {
		out = append(out, c.Total.Campaign)
	}
	return out
}

func TestEconomicsSettings(t *testing.T) {
	nan := 0.0
	nan = nan / nan
	tests := []struct {
		name string
		in   Economics
		want Settings
	}{
		{"defaults", Economics{}, Settings{15, 60, "EUR"}},
		{"given", Economics{MinutesPerLead: 20, HourlyCost: 45, Currency: "USD"}, Settings{20, 45, "USD"}},
		{"unusable values fall back", Economics{MinutesPerLead: nan, HourlyCost: -3}, Settings{15, 60, "EUR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.settings(); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	r := Build([]Source{{Campaign: "A", Month: "2026-11", Counters: campaignA}},
		Economics{MinutesPerLead: 20, HourlyCost: 90, Spend: map[string]float64{"A": nan}}, Period{})
	e := r.Campaigns[0].Total.Economics
	if e.WastedHours != 13.33 || e.WastedCost != 1200 || e.Spend != nil {
		t.Errorf("40 leads × 20 min at 90/h: got %v h, %v, spend %v; want 13.33 h, 1200, none", e.WastedHours, e.WastedCost, e.Spend)
	}
}

func TestRanked(t *testing.T) {
	src := func(c string, leads, sal int64) Source {
		return Source{Campaign: c, Month: "2026-11", Counters: Counters{"leads": leads, "sal": sal}}
	}
	r := Build([]Source{
		src("best", 100, 30), src("good", 200, 40), src("mid", 100, 10), src("weak", 60, 3),
		src("worst", 50, 0), src("tiny", 29, 29), // below the minimum sample
	}, Economics{}, Period{})
	rowNames := func(rows []Row) []string {
		var out []string
		for _, x := range rows {
			out = append(out, x.Campaign)
		}
		return out
	}
	tests := []struct {
		n           int
		top, bottom []string
	}{
		{2, []string{"best", "good"}, []string{"worst", "weak"}},
		{3, []string{"best", "good", "mid"}, []string{"worst", "weak"}},
		{10, []string{"best", "good", "mid"}, []string{"worst", "weak"}},
		{0, nil, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("n=", tt.n), func(t *testing.T) {
			top, bottom := r.Ranked(tt.n)
			if !reflect.DeepEqual(rowNames(top), tt.top) || !reflect.DeepEqual(rowNames(bottom), tt.bottom) {
				t.Errorf("top %v bottom %v; want %v, %v", rowNames(top), rowNames(bottom), tt.top, tt.bottom)
			}
		})
	}

	k := knownReport()
	if got := k.MainRejections(1); len(got) != 1 || got[0].Code != "not_icp" {
		t.Errorf("main rejection = %+v, want not_icp", got)
	}
	if got := k.MostWasteful(5); len(got) != 2 || got[0].Campaign != "A" {
		t.Errorf("most wasteful = %v, want A first of 2", rowNames(got))
	}
}

func TestFormats(t *testing.T) {
	eur, chf := Settings{Currency: "EUR"}, Settings{Currency: "CHF"}
	tests := []struct{ got, want string }{
		{Count(0), "0"}, {Count(999), "999"}, {Count(1000), "1,000"}, {Count(-1234567), "-1,234,567"},
		{Hours(0), "0 h"}, {Hours(1.25), "1.25 h"}, {Hours(10), "10 h"}, {Hours(141.25), "141 h"}, {Hours(1234.5), "1,235 h"},
		{eur.Money(600), "€600"}, {eur.Money(12.5), "€12.50"}, {eur.Money(8430), "€8,430"}, {eur.Money(89.736), "€89.74"},
		{chf.Money(12.5), "12.50 CHF"}, {eur.MoneyOr(nil), "—"},
		{Period{"2026-09", "2026-11"}.Label(), "Sep 2026 – Nov 2026"}, {Period{"2026-11", "2026-11"}.Label(), "Nov 2026"},
		{Period{}.Label(), "all months"}, {Period{From: "2026-09"}.Label(), "since Sep 2026"},
		{Ratio{1, 3}.String(), "33.3%"}, {Ratio{}.String(), "—"},
		{ReasonLabel("not_icp"), "not ICP"}, {ReasonLabel("too-small_company"), "too small company"},
		{oneLine("a\r\n\tb  c\u2028d", 100), "a b c d"}, {oneLine("abcdef", 4), "abc…"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestNamedPageViewsArePageViews: a page TRACK_PAGES names
// (/demo=page_view:demo) counts its views under page_view:demo. They are
// page views: the row's page views include them, and the counter stays
// in other_counters as the page's own count.
func TestNamedPageViewsArePageViews(t *testing.T) {
	r := Build([]Source{{Campaign: "A", Month: "2026-11", Counters: Counters{"leads": 3, "page_view": 5, "page_view:demo": 2, "pricing_page_view": 4}}},
		Economics{}, Period{From: "2026-11", To: "2026-11"})
	row := r.Campaigns[0].Total
	if row.Nurture.PageViews != 7 || row.Nurture.PricingPageViews != 4 || row.Other["page_view:demo"] != 2 {
		t.Errorf("page views %d, pricing %d, other %v; want 7 (5 + the demo page's 2), 4, page_view:demo 2",
			row.Nurture.PageViews, row.Nurture.PricingPageViews, row.Other)
	}
	if r.Total.Nurture.PageViews != 7 {
		t.Errorf("total page views %d, want 7", r.Total.Nurture.PageViews)
	}
}
