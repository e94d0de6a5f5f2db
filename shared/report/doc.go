// Package report turns a campaign's monthly counters into a funnel report,
// renders it as JSON, CSV, a server-rendered HTML dashboard with inline
// SVG charts, and a weekly digest email, and serves it (Handler: GET
// /reports and the scheduled digest).
//
// The product counts at write time (atomic ADDs on CAMPAIGN#<c>/STATS#<yyyy-mm>#<shard>,
// and per variant), so a report never scans leads: Build only sums the
// counters of the months in a Period and derives every figure from them.
// The figures are pure — no AWS, no clock, no I/O besides the io.Writer the
// renderers are given — so every figure is testable on a known population;
// the handler reads the counters through the Store it declares.
//
// How the figures are computed (the same text is printed under the
// dashboard, because a figure nobody can check convinces nobody):
//
//   - Funnel: leads → MQL → SAL → SQL → won, each rate is the stage over the
//     stage before it; lead → SAL and lead → won are over leads. Counters
//     count transitions in a month, so a lead captured in October and
//     accepted in November counts in each month's own stage: over short
//     periods a rate can exceed 100%.
//   - Non-target: the disqualified counter, as a share of leads, with its
//     dq_<reason> breakdown (a gap between the total and the reasons shows
//     as "no reason recorded").
//   - Rejected by sales: the rejected counter with its rej_<code>
//     breakdown; the rejection rate is rejected / (SAL + rejected), i.e.
//     of the leads sales answered, how many they turned down.
//   - Speed: median and p90 time to first response by nearest rank over
//     the resp_* buckets, reported as the bucket's upper bound ("≤ 5 min");
//     SLA breach rate is sla_breaches / handoffs.
//   - Wasted sales time: (rejected + disqualified) × MinutesPerLead / 60
//     hours, times HourlyCost. Cost per lead and per SAL divide the
//     campaign's Spend, when given.
//   - Revenue: revenue_minor (won amounts in the reporting currency's
//     hundredths, converted when recorded); average deal over won_valued;
//     win rate won / (won + lost); ROAS revenue / spend (undefined without
//     a spend or with spend 0, and for variants); cost per won deal spend /
//     won; open SQLs sql − sql_closed (never below 0); pipeline open SQLs ×
//     win rate × average deal; lead → won median the won_days_* bucket of
//     the deal of rank ⌈n/2⌉ (the bucket's width is its resolution).
//   - Views → lead: page_leads (new leads posted from the campaign's own
//     page) / views (loads of it, counted on variant items only, so a
//     campaign's views are its variants'); undefined without views or
//     with more page leads than views.
//   - A/B: a pooled two-proportion z-test (two-sided, normal
//     approximation) of each variant against the campaign's control (the
//     first variant its file lists and shows, Economics.Controls; else the first by
//     id) on view → lead (variants without views left out) and on lead →
//     SAL and lead → MQL (variants without leads in the period left out),
//     with an always-valid p (mixture SPRT: anytimeP), significant below
//     Alpha divided by the number of variants compared (Bonferroni): equal
//     offers are named a winner with chance at most Alpha however many
//     times the growing counts are looked at.
//
// The revenue planner (BuildPlan, GET /reports/plan) works a revenue
// target backwards through each campaign's funnel measured over a
// lookback (the 12 months up to this one): won deals = target ÷ average
// deal, then ÷ each rate up to leads, each rounded up; budget = leads ×
// cost per lead; sales hours = MQLs × MinutesPerLead. Each rate has its
// 95% Wilson interval; a campaign whose interval's low end falls under
// half its rate at any stage (or without a won deal with an amount) is
// "not enough data to plan with" and left out; the target is split in
// proportion to the revenue each planned campaign won in the lookback.
//
// A rate whose denominator is zero is undefined: null in JSON, an empty
// cell in CSV, "—" on screen. No figure is ever NaN or Inf.
package report
