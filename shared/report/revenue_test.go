package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

func fp(f float64) *float64 { return &f }

func showAmount(v *float64) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprint(*v)
}

// TestRevenueFigures: the arithmetic of every revenue figure, on counters
// whose answers are known by hand.
func TestRevenueFigures(t *testing.T) {
	tests := []struct {
		name                                 string
		c                                    Counters
		spend                                *float64
		revenue                              float64
		avg, perLead, roas, perWon, pipeline *float64
		winRate                              string
		openSQL                              int64
	}{
		{name: "three won, one lost, spend 1000",
			c:     Counters{"leads": 50, "sql": 6, "won": 3, "lost": 1, "sql_closed": 4, "won_valued": 3, "revenue_minor": 900000},
			spend: fp(1000), revenue: 9000, avg: fp(3000), perLead: fp(180), roas: fp(9), perWon: fp(333.33),
			winRate: "75.0%", openSQL: 2, pipeline: fp(4500)}, // 2 × 0.75 × 3000
		{name: "zero spend: ROAS n/a, not Inf",
			c:     Counters{"leads": 10, "won": 1, "won_valued": 1, "revenue_minor": 50000},
			spend: fp(0), revenue: 500, avg: fp(500), perLead: fp(50), roas: nil, perWon: fp(0),
			winRate: "100.0%", pipeline: fp(0)},
		{name: "no spend given", c: Counters{"leads": 4, "won": 1, "won_valued": 1, "revenue_minor": 12345},
			revenue: 123.45, avg: fp(123.45), perLead: fp(30.86), winRate: "100.0%", pipeline: fp(0)},
		{name: "a won deal without an amount does not lower the average",
			c:       Counters{"leads": 4, "won": 2, "won_valued": 1, "revenue_minor": 100000},
			revenue: 1000, avg: fp(1000), perLead: fp(250), winRate: "100.0%", pipeline: fp(0)},
		{name: "nothing closed yet: no win rate, no pipeline", c: Counters{"leads": 5, "sql": 3},
			revenue: 0, perLead: fp(0), winRate: "—", openSQL: 3},
		{name: "only lost: pipeline needs an average deal", c: Counters{"leads": 5, "sql": 3, "lost": 2, "sql_closed": 2},
			revenue: 0, perLead: fp(0), winRate: "0.0%", openSQL: 1},
		{name: "pipeline from the unrounded average deal",
			c:       Counters{"leads": 9, "sql": 6, "won": 3, "sql_closed": 3, "won_valued": 3, "revenue_minor": 10000},
			revenue: 100, avg: fp(33.33), perLead: fp(11.11), winRate: "100.0%", openSQL: 3, pipeline: fp(100)}, // 3 × 1 × 100/3, not 3 × 33.33
		{name: "SQLs closed this period that opened before: never negative",
			c:       Counters{"leads": 1, "sql": 1, "won": 3, "sql_closed": 3, "won_valued": 3, "revenue_minor": 300},
			revenue: 3, avg: fp(1), perLead: fp(3), winRate: "100.0%", openSQL: 0, pipeline: fp(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := buildRow("c", "", tt.c, Economics{}.settings(), tt.spend)
			r := row.Revenue
			got := fields(r.Revenue, showAmount(r.AverageDeal), showAmount(r.RevenuePerLead), showAmount(r.ROAS), showAmount(r.CostPerWon), r.WinRate, r.OpenSQL, showAmount(r.Pipeline))
			want := fields(tt.revenue, showAmount(tt.avg), showAmount(tt.perLead), showAmount(tt.roas), showAmount(tt.perWon), tt.winRate, tt.openSQL, showAmount(tt.pipeline))
			if got != want {
				t.Fatalf("revenue, average, per lead, ROAS, per won, win rate, open SQL, pipeline =\n %s\nwant\n %s", got, want)
			}
			b, err := json.Marshal(r)
			if err != nil || strings.Contains(string(b), "Inf") || strings.Contains(string(b), "NaN") {
				t.Fatalf("JSON %s, %v", b, err)
			}
			if row.Other != nil {
				t.Fatalf("revenue counters left as unknown: %v", row.Other)
			}
		})
	}
}

func TestROAS(t *testing.T) {
	for _, tt := range []struct {
		revenue, spend float64
		want           string
	}{
		{9000, 1000, "9×"}, {1000, 3000, "0.33×"}, {0, 1000, "0×"}, {500, 0, "n/a"}, {500, -1, "n/a"},
		{500, math.Inf(1), "n/a"}, {500, math.NaN(), "n/a"},
	} {
		if got := ROASLabel(roas(tt.revenue, tt.spend)); got != tt.want {
			t.Errorf("ROAS(%v / %v) = %s, want %s", tt.revenue, tt.spend, got, tt.want)
		}
	}
}

// TestDaysToWonMedian: the median is the bucket of the deal of rank
// ⌈n/2⌉.
func TestDaysToWonMedian(t *testing.T) {
	for _, tt := range []struct {
		name  string
		c     Counters
		deals int64
		want  string
	}{
		{"none", Counters{}, 0, "none"},
		{"one deal", Counters{"won_days_le_14": 1}, 1, "8–14 days"},
		{"odd: the middle one", Counters{"won_days_le_1": 1, "won_days_le_7": 1, "won_days_le_90": 1}, 3, "4–7 days"},
		{"even: the lower middle", Counters{"won_days_le_3": 2, "won_days_le_30": 2}, 4, "2–3 days"},
		{"skewed", Counters{"won_days_le_1": 1, "won_days_le_60": 5, "won_days_gt_365": 3}, 9, "46–60 days"},
		{"open bucket", Counters{"won_days_le_1": 1, "won_days_gt_365": 2}, 3, "> 365 days"},
		{"first bucket", Counters{"won_days_le_1": 2, "won_days_le_180": 1}, 3, "≤ 1 day"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := daysToWon(tt.c)
			got := "none"
			if d.Median != nil {
				got = d.Median.Label
			}
			if got != tt.want || d.Deals != tt.deals {
				t.Fatalf("median %s of %d deals, want %s of %d", got, d.Deals, tt.want, tt.deals)
			}
		})
	}
}

// TestTotalROASCoversPaidCampaigns: like cost per SAL, the total's ROAS
// and cost per won deal are over the campaigns that have a spend; an
// organic campaign's revenue still counts in the total revenue.
func TestTotalROASCoversPaidCampaigns(t *testing.T) {
	src := []Source{
		{Campaign: "paid", Month: "2026-11", Counters: Counters{"leads": 10, "won": 2, "won_valued": 2, "revenue_minor": 400000}},
		{Campaign: "paid", Variant: "a", Month: "2026-11", Counters: Counters{"leads": 6, "won": 2, "won_valued": 2, "revenue_minor": 400000}},
		{Campaign: "organic", Month: "2026-11", Counters: Counters{"leads": 5, "won": 1, "won_valued": 1, "revenue_minor": 100000}},
	}
	r := Build(src, Economics{Spend: map[string]float64{"paid": 1000}}, Period{})
	if got := fields(r.Total.Revenue.Revenue, showAmount(r.Total.Revenue.ROAS), showAmount(r.Total.Revenue.CostPerWon)); got != "5000 4 500" {
		t.Fatalf("total revenue, ROAS, cost per won = %s, want 5000 4 500", got)
	}
	v := r.Campaigns[1].Variants[0]
	if v.Revenue.ROAS != nil || v.Revenue.Revenue != 4000 || showAmount(v.Revenue.RevenuePerLead) != "666.67" {
		t.Fatalf("variant: ROAS %s (want n/a: spend is per campaign), revenue %v, per lead %s", showAmount(v.Revenue.ROAS), v.Revenue.Revenue, showAmount(v.Revenue.RevenuePerLead))
	}
}

func fields(v ...any) string { return strings.TrimSpace(fmt.Sprintln(v...)) }
