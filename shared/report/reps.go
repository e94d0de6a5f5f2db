package report

// The per-rep sales view: for each sales rep, the alerts they received,
// how they answered (accepted, rejected and why), how fast (first
// response median and p90, from the response-time buckets), the SLA
// breaches, the accepted leads still without an outcome by age, and the
// deals they won or lost. Like the campaign figures it reads counters
// kept at write time — the rep's own stats items, listed by the same
// month query as the campaigns' — plus, for the open leads, one query of
// the open-leads index per rep that returns acceptance times only. No
// figure names or describes a lead: only counts and amounts.

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Person is a rep or team lead as the routing config names them.
type Person struct {
	Name, Email string
}

// Team is a sales team of the routing config: its reps and its lead
// (Lead.Email "" when it has none), who gets the team's weekly digest.
type Team struct {
	Name string
	Lead Person
	Reps []Person
}

// RepRow is one rep's figures over a period. Rep counters are per rep,
// not per team: a rep in two teams shows the same row in both.
type RepRow struct {
	Rep   string   `json:"rep"`   // the rep's address, the routing config's identity for them
	Name  string   `json:"name"`  // from the routing config; "" when it does not list the address
	Teams []string `json:"teams"` // the teams listing the address (as rep or team lead), by name
	// Alerts are the first alerts about hot leads sent to the rep
	// (escalations to a team lead are not alerts to them).
	Alerts   int64 `json:"alerts"`
	Accepted int64 `json:"accepted"`
	// Rejected: the leads the rep rejected, by reason, most frequent
	// first; Share is of the rep's answers (accepted + rejected).
	Rejected   Breakdown `json:"rejected"`
	AcceptRate Ratio     `json:"accept_rate"` // accepted / (accepted + rejected)
	Response   Response  `json:"first_response"`
	SLA        RepSLA    `json:"sla"`
	// Open are the leads the rep accepted that have no won or lost yet,
	// by how long ago they were accepted: the current state, whatever
	// the period. Null when it could not be read.
	Open  *OpenAges `json:"open_without_outcome"`
	Deals RepDeals  `json:"deals"`
}

// Response is how fast a rep first answered the alerts sent to them.
// The times are bucketed (≤ 1 min, 5 min, 15 min, 1 h, 4 h, 24 h, more):
// a quantile is the upper bound of the bucket holding it.
type Response struct {
	Responses    int64         `json:"responses"`
	Median       Quantile      `json:"median"`
	P90          Quantile      `json:"p90"`
	WithinTarget Ratio         `json:"within_target"` // within TargetMinutes, of the responses
	Buckets      []BucketCount `json:"buckets"`
}

// RepSLA is the alerts a rep did not answer within the first-response
// SLA: escalated (nobody answered, the escalation went) or answered late
// (after the deadline, before the escalation). Breaches is their sum;
// Rate is of the alerts.
type RepSLA struct {
	Breaches     int64 `json:"breaches"`
	Escalated    int64 `json:"escalated"`
	AnsweredLate int64 `json:"answered_late"`
	Rate         Ratio `json:"rate"`
}

// RepDeals is what became of the leads a rep accepted: SQLs, deals won
// and lost (recorded by the rep's links or by the CRM), and the revenue
// of the won ones in the report's currency.
type RepDeals struct {
	SQL         int64    `json:"sql"`
	Won         int64    `json:"won"`
	Lost        int64    `json:"lost"`
	WinRate     Ratio    `json:"win_rate"` // won / (won + lost)
	Revenue     float64  `json:"revenue"`
	WonValued   int64    `json:"won_with_amount"`
	AverageDeal *float64 `json:"average_deal"`
}

// OpenAges counts accepted leads without an outcome by age since
// acceptance: under 7 days, 7 to 30 days, over 30 days.
type OpenAges struct {
	Total     int64 `json:"total"`
	Under7    int64 `json:"under_7_days"`
	Days7To30 int64 `json:"days_7_to_30"`
	Over30    int64 `json:"over_30_days"`
}

// AgeOpen sorts acceptance times into OpenAges at now: under 7 days
// (7 × 24 h), 7 to 30 days inclusive, more than 30 days.
func AgeOpen(accepted []time.Time, now time.Time) OpenAges {
	var o OpenAges
	for _, at := range accepted {
		age := now.Sub(at)
		switch {
		case age < 7*24*time.Hour:
			o.Under7++
		case age <= 30*24*time.Hour:
			o.Days7To30++
		default:
			o.Over30++
		}
		o.Total++
	}
	return o
}

// BuildReps builds the rep rows of a period from the rep sources
// (Source.Rep set) of its months, the teams of the routing config, and
// the open leads of each rep (by address; a rep missing from open gets
// no open figures). Every rep a team lists gets a row, active or not;
// a team lead or an address no team lists (the fallback sales address,
// a rep removed from the config) gets one when it has counters in the
// period or open leads. Rows are ordered by team, then name, then
// address; reps of no team come last.
func BuildReps(sources []Source, period Period, teams []Team, open map[string]OpenAges) []RepRow {
	counters := map[string]Counters{}
	for _, s := range sources {
		if s.Rep == "" || !period.Contains(s.Month) {
			continue
		}
		k := repKey(s.Rep)
		if counters[k] == nil {
			counters[k] = Counters{}
		}
		counters[k].add(s.Counters)
	}
	type who struct {
		name   string
		teams  []string
		listed bool // a team lists the address as a rep
	}
	people := map[string]*who{}
	sorted := slices.SortedFunc(slices.Values(teams), func(a, b Team) int { return strings.Compare(a.Name, b.Name) })
	for _, t := range sorted {
		member := func(p Person, rep bool) {
			k := repKey(p.Email)
			if k == "" {
				return
			}
			w := people[k]
			if w == nil {
				w = &who{}
				people[k] = w
			}
			w.name = cmp.Or(w.name, p.Name)
			w.listed = w.listed || rep
			if !slices.Contains(w.teams, t.Name) {
				w.teams = append(w.teams, t.Name)
			}
		}
		for _, p := range t.Reps {
			member(p, true)
		}
		member(t.Lead, false)
	}
	rows := []RepRow{} // [] in JSON, never null
	seen := map[string]bool{}
	add := func(k string) {
		if seen[k] {
			return
		}
		seen[k] = true
		w := people[k]
		o, hasOpen := open[k]
		if (w == nil || !w.listed) && len(counters[k]) == 0 && o.Total == 0 {
			return // not a rep, and nothing to show
		}
		row := buildRepRow(k, counters[k])
		if w != nil {
			row.Name, row.Teams = w.name, w.teams
		}
		if hasOpen {
			row.Open = &o
		}
		rows = append(rows, row)
	}
	for k := range people {
		add(k)
	}
	for k := range counters {
		add(k)
	}
	for k := range open {
		add(k)
	}
	slices.SortFunc(rows, func(a, b RepRow) int {
		if (len(a.Teams) == 0) != (len(b.Teams) == 0) {
			if len(a.Teams) == 0 {
				return 1
			}
			return -1
		}
		if len(a.Teams) > 0 {
			if c := strings.Compare(a.Teams[0], b.Teams[0]); c != 0 {
				return c
			}
		}
		return cmp.Or(strings.Compare(a.DisplayName(), b.DisplayName()), strings.Compare(a.Rep, b.Rep))
	})
	return rows
}

// buildRepRow computes one rep's figures from their counters.
func buildRepRow(rep string, c Counters) RepRow {
	accepted := c["sal"]
	r := RepRow{Rep: rep, Alerts: c["handoffs"], Accepted: accepted, Teams: []string{}}
	r.Rejected = breakdown(c, "rejected", "rej_", accepted+c["rejected"])
	r.AcceptRate = ratio(accepted, accepted+r.Rejected.Total)
	s := buildSpeed(c)
	r.Response = Response{Responses: s.Responses, Median: s.Median, P90: s.P90, WithinTarget: s.WithinTarget, Buckets: s.Buckets}
	r.SLA = RepSLA{Escalated: c["sla_breaches"], AnsweredLate: c["sla_late_responses"]}
	r.SLA.Breaches = r.SLA.Escalated + r.SLA.AnsweredLate
	r.SLA.Rate = ratio(r.SLA.Breaches, r.Alerts)
	d := RepDeals{SQL: c["sql"], Won: c["won"], Lost: c["lost"], WonValued: c[counterWonValued]}
	d.WinRate = ratio(d.Won, d.Won+d.Lost)
	d.Revenue = float64(c[counterRevenue]) / 100
	d.AverageDeal = perUnit(d.Revenue, d.WonValued)
	r.Deals = d
	return r
}

// DisplayName is the rep's name from the routing config, else the address.
func (r RepRow) DisplayName() string { return cmp.Or(r.Name, r.Rep) }

// Active reports whether the row has anything to show: an alert, an
// answer, an outcome or an open lead.
func (r RepRow) Active() bool {
	d := r.Deals
	return r.Alerts+r.Accepted+r.Rejected.Total+r.Response.Responses+r.SLA.Breaches+d.SQL+d.Won+d.Lost > 0 ||
		d.Revenue != 0 || r.Open != nil && r.Open.Total > 0
}

// InTeam reports whether the team lists the rep.
func (r RepRow) InTeam(team string) bool { return slices.Contains(r.Teams, team) }

// TopReasons are the rep's first n rejection reasons (most frequent first).
func (r RepRow) TopReasons(n int) []ReasonCount {
	return r.Rejected.Reasons[:min(n, len(r.Rejected.Reasons))]
}

// repKey is lead.RepKey (trimmed, lower case): this package imports no
// lead code.
func repKey(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }
