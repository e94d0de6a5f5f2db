package report

import "encoding/json"

// responseBuckets are the first-response-time counters (written by the
// feedback handler), fastest first; minutes is the bucket's upper bound.
// The open bucket sorts as one minute past the last bound.
var responseBuckets = []struct {
	counter string
	label   string
	minutes float64
}{
	{"resp_le_1m", "≤ 1 min", 1},
	{"resp_le_5m", "≤ 5 min", 5},
	{"resp_le_15m", "≤ 15 min", 15},
	{"resp_le_1h", "≤ 1 h", 60},
	{"resp_le_4h", "≤ 4 h", 240},
	{"resp_le_24h", "≤ 24 h", 1440},
	{"resp_gt_24h", "> 24 h", 1441},
}

// TargetMinutes is the first-response target the product is built for:
// Speed.WithinTarget is the share answered within it.
const TargetMinutes = 5

// NoResponses labels a quantile of zero responses.
const NoResponses = "no responses yet"

// Speed is how fast sales answered the alerts.
type Speed struct {
	Handoffs      int64         `json:"handoffs"`  // alerts sent to sales
	Responses     int64         `json:"responses"` // first responses
	Buckets       []BucketCount `json:"buckets"`
	Median        Quantile      `json:"median"`
	P90           Quantile      `json:"p90"`
	WithinTarget  Ratio         `json:"within_target"` // answered within TargetMinutes, of bucketed responses
	SLABreaches   int64         `json:"sla_breaches"`
	SLABreachRate Ratio         `json:"sla_breach_rate"` // breaches / handoffs
	LateResponses int64         `json:"sla_late_responses"`
}

// BucketCount is one response-time bucket.
type BucketCount struct {
	Counter string `json:"counter"`
	Label   string `json:"label"`
	Count   int64  `json:"count"`
}

// Quantile is a response-time quantile estimated from the buckets: the
// upper bound of the bucket holding it.
type Quantile struct {
	Label   string  // "≤ 5 min", "> 24 h", or NoResponses
	Minutes float64 // the bucket's upper bound, for sorting; 0 when !Known
	Known   bool    // false when there were no responses
}

// MarshalJSON writes {"label": …, "minutes": n|null}.
func (q Quantile) MarshalJSON() ([]byte, error) {
	var m *float64
	if q.Known {
		m = &q.Minutes
	}
	return json.Marshal(struct {
		Label   string   `json:"label"`
		Minutes *float64 `json:"minutes"`
	}{q.Label, m})
}

func buildSpeed(c Counters) Speed {
	s := Speed{
		Handoffs:      c["handoffs"],
		Responses:     c["responses"],
		SLABreaches:   c["sla_breaches"],
		LateResponses: c["sla_late_responses"],
	}
	s.SLABreachRate = ratio(s.SLABreaches, s.Handoffs)
	var total, fast int64
	for _, b := range responseBuckets {
		n := c[b.counter]
		s.Buckets = append(s.Buckets, BucketCount{Counter: b.counter, Label: b.label, Count: n})
		total += n
		if b.minutes <= TargetMinutes {
			fast += n
		}
	}
	// Responses and the buckets are written in one update; should they
	// ever disagree, the larger says how many answers there were.
	s.Responses = max(s.Responses, total)
	s.WithinTarget = ratio(fast, total)
	s.Median = quantile(s.Buckets, total, 50)
	s.P90 = quantile(s.Buckets, total, 90)
	return s
}

// quantile is the nearest-rank percentile: the first bucket whose
// cumulative count reaches ⌈pct·n/100⌉.
func quantile(buckets []BucketCount, n int64, pct int64) Quantile {
	if n <= 0 {
		return Quantile{Label: NoResponses}
	}
	rank := (pct*n + 99) / 100
	var cum int64
	for i, b := range buckets {
		cum += b.Count
		if cum >= rank {
			return Quantile{Label: b.Label, Minutes: responseBuckets[i].minutes, Known: true}
		}
	}
	last := responseBuckets[len(responseBuckets)-1]
	return Quantile{Label: last.label, Minutes: last.minutes, Known: true}
}
