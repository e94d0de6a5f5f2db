package report

import "math"

// Counters are one campaign's (or one variant's) counters for one month,
// by name: leads, mql, sal, dq_<reason>, rej_<code>, resp_le_5m, … A
// missing counter is zero.
type Counters map[string]int64

// nonzero says whether any counter is not zero.
func (c Counters) nonzero() bool {
	for _, n := range c {
		if n != 0 {
			return true
		}
	}
	return false
}

// Source is one counter item: a campaign (Variant "") or one of its
// variants, for one month; or a sales rep's month (Rep set, no campaign:
// see BuildReps).
type Source struct {
	Campaign string
	Variant  string // "" for the campaign total
	Month    string // "2026-11"
	Counters Counters
	Rep      string // a rep's address (lead.RepKey); "" for a campaign
}

// Economics prices the sales time a campaign wastes and what it cost.
type Economics struct {
	MinutesPerLead float64            // sales minutes spent per lead that reaches sales (default 15)
	HourlyCost     float64            // cost of one sales hour (default 60)
	Currency       string             // ISO code, default "EUR"
	Spend          map[string]float64 // campaign → spend in the period; enables cost per lead and per SAL
	// Controls are each campaign's control variant (the first its file
	// lists): the A/B baseline every other variant is compared with.
	// Without one, or when it has no leads in the period, the baseline
	// is the first variant by id that has.
	Controls map[string]string
}

// Defaults for Economics fields left zero.
const (
	DefaultMinutesPerLead = 15
	DefaultHourlyCost     = 60
	DefaultCurrency       = "EUR"
)

// Settings are the economics a report was computed with, defaults applied.
type Settings struct {
	MinutesPerLead float64 `json:"minutes_per_lead"`
	HourlyCost     float64 `json:"hourly_cost"`
	Currency       string  `json:"currency"`
}

func (e Economics) settings() Settings {
	s := Settings{MinutesPerLead: e.MinutesPerLead, HourlyCost: e.HourlyCost, Currency: e.Currency}
	if !positive(s.MinutesPerLead) {
		s.MinutesPerLead = DefaultMinutesPerLead
	}
	if !positive(s.HourlyCost) {
		s.HourlyCost = DefaultHourlyCost
	}
	if s.Currency == "" {
		s.Currency = DefaultCurrency
	}
	return s
}

// spend is the campaign's spend, or nil when none (or an unusable one:
// negative, NaN, Inf) was given.
func (e Economics) spend(campaign string) *float64 {
	v, ok := e.Spend[campaign]
	if !ok || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func positive(f float64) bool { return f > 0 && !math.IsInf(f, 0) && !math.IsNaN(f) }

// Period is an inclusive range of months ("2026-09".."2026-11"). An empty
// end is open.
type Period struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Contains reports whether month ("yyyy-mm") is in the period.
func (p Period) Contains(month string) bool {
	return (p.From == "" || month >= p.From) && (p.To == "" || month <= p.To)
}
