package report

import "sort"

// MinLeadsToRank is the sample a campaign needs to be ranked by its SAL
// rate: with fewer leads one accepted lead swings the rate by over 3%.
const MinLeadsToRank = 30

// Ranked splits the campaigns with at least MinLeadsToRank leads into the
// best and the worst by lead → SAL rate, at most n each, best first and
// worst first respectively. A campaign is never in both lists: with fewer
// than 2n ranked campaigns the better half goes to top.
func (r Report) Ranked(n int) (top, bottom []Row) {
	var rows []Row
	for _, c := range r.Campaigns {
		if c.Total.Leads >= MinLeadsToRank {
			rows = append(rows, c.Total)
		}
	}
	if n <= 0 || len(rows) == 0 {
		return nil, nil
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].Funnel.LeadToSAL, rows[j].Funnel.LeadToSAL
		// a/b > c/d without floating point: a·d > c·b.
		if x, y := a.Num*b.Den, b.Num*a.Den; x != y {
			return x > y
		}
		if rows[i].Leads != rows[j].Leads {
			return rows[i].Leads > rows[j].Leads
		}
		return rows[i].Campaign < rows[j].Campaign
	})
	nTop := min(n, (len(rows)+1)/2)
	top = rows[:nTop]
	rest := rows[nTop:]
	nBottom := min(n, len(rest))
	for i := len(rest) - 1; i >= len(rest)-nBottom; i-- {
		bottom = append(bottom, rest[i])
	}
	return top, bottom
}

// MainRejections are the n most frequent reasons sales gave for rejecting
// leads, over all campaigns.
func (r Report) MainRejections(n int) []ReasonCount {
	return firstN(r.Total.Rejected.Reasons, n)
}

// MainNonTarget are the n most frequent disqualification reasons.
func (r Report) MainNonTarget(n int) []ReasonCount {
	return firstN(r.Total.NonTarget.Reasons, n)
}

// MostWasteful are the n campaigns that cost sales the most hours, most
// first; campaigns that wasted nothing are left out.
func (r Report) MostWasteful(n int) []Row {
	var rows []Row
	for _, c := range r.Campaigns {
		if c.Total.Economics.WastedLeads > 0 {
			rows = append(rows, c.Total)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Economics.WastedLeads != rows[j].Economics.WastedLeads {
			return rows[i].Economics.WastedLeads > rows[j].Economics.WastedLeads
		}
		return rows[i].Campaign < rows[j].Campaign
	})
	return firstN(rows, n)
}

// WastedHours is the sales time all campaigns wasted.
func (r Report) WastedHours() float64 { return r.Total.Economics.WastedHours }

// Results are the A/B comparisons that name a winner.
func (r Report) Results() []ABTest {
	var out []ABTest
	for _, c := range r.Campaigns {
		for _, t := range c.Tests {
			if t.Significant {
				out = append(out, t)
			}
		}
	}
	return out
}

func firstN[T any](s []T, n int) []T {
	if n < 0 {
		n = 0
	}
	return s[:min(n, len(s))]
}
