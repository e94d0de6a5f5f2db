package report

import (
	"strconv"
	"strings"
)

// Revenue counters (written with the won and lost outcomes by the
// feedback package; the names are shared with it).
const (
	counterRevenue   = "revenue_minor" // won amounts, reporting currency, hundredths
	counterWonValued = "won_valued"    // won deals recorded with an amount
	counterSQLClosed = "sql_closed"    // SQLs won or lost
)

// daysBuckets are the lead → won histogram's counters (feedback writes
// them): days from capture to the deal's close, upper bound inclusive.
// The open bucket has to 0.
var daysBuckets = []struct {
	counter  string
	from, to int // more than from days, at most to (0: no bound)
}{
	{"won_days_le_1", 0, 1}, {"won_days_le_3", 1, 3}, {"won_days_le_7", 3, 7}, {"won_days_le_14", 7, 14},
	{"won_days_le_21", 14, 21}, {"won_days_le_30", 21, 30}, {"won_days_le_45", 30, 45}, {"won_days_le_60", 45, 60},
	{"won_days_le_90", 60, 90}, {"won_days_le_120", 90, 120}, {"won_days_le_180", 120, 180},
	{"won_days_le_270", 180, 270}, {"won_days_le_365", 270, 365}, {"won_days_gt_365", 365, 0},
}

// Revenue is what won deals brought and what open SQLs may still bring,
// in the report's currency (Settings.Currency). Amounts in another
// currency were converted when they were recorded.
type Revenue struct {
	Revenue   float64 `json:"revenue"`         // won amounts, to 0.01
	WonValued int64   `json:"won_with_amount"` // won deals with an amount
	// AverageDeal is Revenue / WonValued: a won deal recorded without an
	// amount does not pull it down.
	AverageDeal *float64 `json:"average_deal"`
	// WinRate is won / (won + lost): of the deals closed, the share won.
	WinRate Ratio `json:"win_rate"`
	// RevenuePerLead is Revenue / leads: comparable between A/B variants,
	// which share their campaign's spend.
	RevenuePerLead *float64 `json:"revenue_per_lead"`
	// ROAS is Revenue / spend (2 decimals); null ("n/a") without a spend
	// or with a spend of 0, and for variants (spend is per campaign).
	ROAS *float64 `json:"roas"`
	// CostPerWon is spend / won; null without a spend or a won deal.
	CostPerWon *float64 `json:"cost_per_won"`
	// OpenSQL is sql − sql_closed over the period (never below 0).
	OpenSQL int64 `json:"open_sql"`
	// Pipeline is OpenSQL × WinRate × AverageDeal; null while either is
	// undefined.
	Pipeline  *float64  `json:"pipeline_value"`
	DaysToWon DaysToWon `json:"days_to_won"`
}

// DaysToWon is the lead → won histogram and its median.
type DaysToWon struct {
	Deals   int64       `json:"deals"` // won deals in the histogram
	Median  *DayRange   `json:"median"`
	Buckets []DayBucket `json:"buckets"` // the non-empty ones, shortest first
}

// DayRange is one histogram bucket: more than From days, at most To (To
// 0: no upper bound). The median is a bucket: its resolution is the
// bucket's width.
type DayRange struct {
	From  int    `json:"from_days"`
	To    int    `json:"to_days"`
	Label string `json:"label"` // "≤ 1 day", "8–14 days", "> 365 days"
}

// DayBucket is a bucket and how many won deals fell in it.
type DayBucket struct {
	DayRange
	Count int64 `json:"count"`
}

func dayLabel(from, to int) string {
	switch {
	case to == 0:
		return "> " + strconv.Itoa(from) + " days"
	case from == 0 && to == 1:
		return "≤ 1 day"
	case from == 0:
		return "≤ " + strconv.Itoa(to) + " days"
	}
	return strconv.Itoa(from+1) + "–" + strconv.Itoa(to) + " days"
}

// daysToWon reads the histogram; the median is the bucket holding the
// deal of rank ⌈n/2⌉ (nearest rank, the lower median for an even n).
func daysToWon(c Counters) DaysToWon {
	var d DaysToWon
	for _, b := range daysBuckets {
		if n := c[b.counter]; n > 0 {
			d.Deals += n
			d.Buckets = append(d.Buckets, DayBucket{DayRange{b.from, b.to, dayLabel(b.from, b.to)}, n})
		}
	}
	rank, seen := (d.Deals+1)/2, int64(0)
	for _, b := range d.Buckets {
		if seen += b.Count; seen >= rank && d.Deals > 0 {
			m := b.DayRange
			d.Median = &m
			break
		}
	}
	return d
}

// buildRevenue computes a row's revenue figures; spend is the row's own
// (nil for variants and organic campaigns).
func buildRevenue(c Counters, f Funnel, spend *float64) Revenue {
	rev := float64(c[counterRevenue]) / 100
	r := Revenue{Revenue: rev, WonValued: c[counterWonValued], WinRate: ratio(f.Won, f.Won+f.Lost), DaysToWon: daysToWon(c)}
	r.AverageDeal = perUnit(rev, r.WonValued)
	r.RevenuePerLead = perUnit(rev, f.Leads)
	r.OpenSQL = max(f.SQL-c[counterSQLClosed], 0)
	if r.AverageDeal != nil && r.WinRate.Defined() {
		// From the unrounded average: 3 open SQLs at a sure win of deals
		// averaging 100/3 are worth 100, not 3 × 33.33.
		v := round(float64(r.OpenSQL)*r.WinRate.Value()*rev/float64(r.WonValued), 2)
		r.Pipeline = &v
	}
	if spend != nil {
		r.ROAS, r.CostPerWon = roas(rev, *spend), perUnit(*spend, f.Won)
	}
	return r
}

// roas is revenue / spend to 2 decimals, nil ("n/a") when nothing was
// spent: never Inf.
func roas(revenue, spend float64) *float64 {
	if !(spend > 0) || !finite(spend) {
		return nil
	}
	v := round(revenue/spend, 2)
	return &v
}

// ROASLabel writes a ROAS for people: "3.25×", or "n/a" without a spend.
func ROASLabel(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return decimal(*v, 2) + "×"
}

func isRevenueCounter(name string) bool {
	return name == counterRevenue || name == counterWonValued || name == counterSQLClosed || strings.HasPrefix(name, "won_days_")
}
