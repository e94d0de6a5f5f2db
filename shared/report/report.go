package report

import (
	"math"
	"sort"
	"strings"
)

// Report is the funnel of every campaign in a period, its variants, and
// the total over all campaigns.
type Report struct {
	Period    Period     `json:"period"`
	Months    []string   `json:"months"` // months that had counters, ascending
	Settings  Settings   `json:"settings"`
	Total     Row        `json:"total"`
	Campaigns []Campaign `json:"campaigns"` // by campaign id
	// Reps is the per-rep sales view (Handler.Build fills it: BuildReps).
	Reps []RepRow `json:"reps"`
	// Segments are the retargeting segments and their last counts (the
	// dashboard's last table); nil when the handler has none.
	Segments []SegmentRow `json:"segments,omitempty"`
}

// Campaign is one campaign's total, its variants and their A/B tests.
type Campaign struct {
	Total    Row      `json:"total"`
	Variants []Row    `json:"variants"` // by variant id; empty when the campaign has none
	Tests    []ABTest `json:"ab_tests"` // when it has ≥ 2 variants
}

// Row is every figure of one campaign, one variant, or the total.
type Row struct {
	Kind          string `json:"row"`               // KindCampaign, KindVariant or KindTotal
	Campaign      string `json:"campaign"`          // "" in the total row
	Variant       string `json:"variant,omitempty"` // "" for a campaign total
	Leads         int64  `json:"leads"`
	Resubmissions int64  `json:"resubmissions"`
	Bots          int64  `json:"bots"`
	// Views are loads of the campaign's own pages (the hosted page and the
	// embed's frame) by browsers that do not say they are bots, one per
	// visitor a day (capture names the visitor by a keyed hash of its
	// address and browser, new each day: a reload the same day counts no
	// second view). PageLeads are the new
	// leads whose first form was posted from one of those pages (a lead
	// of the API, the static snippet or a site's own form is not one);
	// ViewToLead is PageLeads / Views, the offer's own conversion,
	// undefined without views and when PageLeads exceed them (views
	// counted in an earlier month, or lost: no rate above 100%).
	Views      int64     `json:"views"`
	PageLeads  int64     `json:"page_leads"`
	ViewToLead Ratio     `json:"view_to_lead"`
	Funnel     Funnel    `json:"funnel"`
	NonTarget  Breakdown `json:"non_target"`        // Share: of leads
	Rejected   Breakdown `json:"rejected_by_sales"` // Share: of SAL + rejected
	Speed      Speed     `json:"speed"`
	Economics  Cost      `json:"economics"`
	Revenue    Revenue   `json:"revenue"`
	Nurture    Nurture   `json:"nurture"`
	Other      Counters  `json:"other_counters,omitempty"` // counters this package does not know, kept as they are
}

// The counters of a campaign's own pages (see Row.Views): a view is
// counted on the variant's item only; a page lead on the campaign's and
// the variant's, in the capture's write, like leads.
const (
	ViewsCounter     = "views"
	PageLeadsCounter = "page_leads"
)

// Row kinds.
const (
	KindCampaign = "campaign"
	KindVariant  = "variant"
	KindTotal    = "total"
)

// Funnel is leads → MQL → SAL → SQL → won with the rate between stages.
type Funnel struct {
	Leads     int64 `json:"leads"`
	MQL       int64 `json:"mql"`
	SAL       int64 `json:"sal"`
	SQL       int64 `json:"sql"`
	Won       int64 `json:"won"`
	Lost      int64 `json:"lost"`
	LeadToMQL Ratio `json:"lead_to_mql"`
	MQLToSAL  Ratio `json:"mql_to_sal"`
	SALToSQL  Ratio `json:"sal_to_sql"`
	SQLToWon  Ratio `json:"sql_to_won"`
	LeadToSAL Ratio `json:"lead_to_sal"`
	LeadToWon Ratio `json:"lead_to_won"`
}

// Stage is one step of the funnel for charts: its count and the rate from
// the step before (undefined for leads).
type Stage struct {
	Name  string
	Count int64
	Rate  Ratio
}

// Stages lists the funnel's five steps in order.
func (f Funnel) Stages() []Stage {
	return []Stage{
		{"Leads", f.Leads, Ratio{}},
		{"MQL", f.MQL, f.LeadToMQL},
		{"SAL", f.SAL, f.MQLToSAL},
		{"SQL", f.SQL, f.SALToSQL},
		{"Won", f.Won, f.SQLToWon},
	}
}

// Breakdown is a count with its reasons, most frequent first.
type Breakdown struct {
	Total   int64         `json:"total"`
	Share   Ratio         `json:"share"`
	Reasons []ReasonCount `json:"reasons"`
}

// ReasonCount is how many leads one reason accounts for.
type ReasonCount struct {
	Code  string `json:"code"`  // "job_seeker", "not_icp", or Unspecified
	Label string `json:"label"` // for people: "job seeker", "not ICP"
	Count int64  `json:"count"`
	Share Ratio  `json:"share"` // of the breakdown's total
}

// Unspecified is the reason code of the part of a total its reason
// counters do not cover.
const Unspecified = "unspecified"

// Cost is the sales time a row wasted and, with a spend, what its leads cost.
type Cost struct {
	WastedLeads int64    `json:"wasted_leads"` // rejected + disqualified
	WastedHours float64  `json:"wasted_hours"` // WastedLeads × MinutesPerLead / 60, to 0.01 h
	WastedCost  float64  `json:"wasted_cost"`  // WastedHours × HourlyCost, to 0.01
	Spend       *float64 `json:"spend"`        // nil without one
	CostPerLead *float64 `json:"cost_per_lead"`
	CostPerSAL  *float64 `json:"cost_per_sal"`
}

// Nurture is what the nurture emails did.
type Nurture struct {
	Enrolled         int64 `json:"enrolled"`
	Sends            int64 `json:"sends"`
	Delivered        int64 `json:"delivered"`
	Bounces          int64 `json:"bounces"`
	SoftBounces      int64 `json:"soft_bounces"`
	Complaints       int64 `json:"complaints"`
	Unsubscribes     int64 `json:"unsubscribes"`
	Clicks           int64 `json:"email_clicks"`
	PageViews        int64 `json:"page_views"`
	PricingPageViews int64 `json:"pricing_page_views"`
	// Opens are first opens of nurture emails, counted only with open
	// tracking on (TrackOpens); image proxies inflate them.
	Opens           int64 `json:"email_opens"`
	BounceRate      Ratio `json:"bounce_rate"`      // bounces / sends
	ComplaintRate   Ratio `json:"complaint_rate"`   // complaints / delivered
	UnsubscribeRate Ratio `json:"unsubscribe_rate"` // unsubscribes / delivered
	ClickRate       Ratio `json:"click_rate"`       // email clicks / delivered
}

// known are the counters a Row shows; anything else lands in Row.Other.
var known = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`leads resubmissions bots views page_leads mql disqualified handoffs
		sla_breaches sla_late_responses sal rejected sql won lost responses unsubscribes
		bounces soft_bounces complaints delivered enrolled nurture_sends email_click
		page_view pricing_page_view email_open`) {
		known[n] = true
	}
	for _, b := range responseBuckets {
		known[b.counter] = true
	}
}

// Build sums the counters of the months in period and computes every
// figure. Per campaign and month the campaign-total source is used when
// there is one, else the sum of its variants' sources; sources repeated
// for the same campaign, variant and month add up. Views are counted on
// variant items only (one write per page load): a campaign's are always
// the sum of its variants' (and any of its own). A campaign with a
// Spend but no counters in the period still gets a row: money spent on no
// leads is a finding.
func Build(sources []Source, econ Economics, period Period) Report {
	type key struct{ campaign, variant, month string }
	byKey := map[key]Counters{}
	months := map[string]bool{}
	for _, s := range sources {
		if !period.Contains(s.Month) || s.Rep != "" { // reps: BuildReps
			continue
		}
		k := key{s.Campaign, s.Variant, s.Month}
		if byKey[k] == nil {
			byKey[k] = Counters{}
		}
		byKey[k].add(s.Counters)
		months[s.Month] = true
	}

	// Campaign totals per month: the total item, else its variants' sum.
	campaigns := map[string]Counters{}
	variants := map[string]map[string]Counters{}
	hasTotal := map[key]bool{}
	for k := range byKey {
		if k.variant == "" {
			hasTotal[key{k.campaign, "", k.month}] = true
		}
	}
	for k, c := range byKey {
		if campaigns[k.campaign] == nil {
			campaigns[k.campaign] = Counters{}
		}
		if k.variant == "" {
			campaigns[k.campaign].add(c)
			continue
		}
		if variants[k.campaign] == nil {
			variants[k.campaign] = map[string]Counters{}
		}
		if variants[k.campaign][k.variant] == nil {
			variants[k.campaign][k.variant] = Counters{}
		}
		variants[k.campaign][k.variant].add(c)
		if !hasTotal[key{k.campaign, "", k.month}] {
			campaigns[k.campaign].add(c)
		} else if n := c[ViewsCounter]; n != 0 {
			campaigns[k.campaign][ViewsCounter] += n
		}
	}
	for name := range econ.Spend {
		if campaigns[name] == nil && econ.spend(name) != nil {
			campaigns[name] = Counters{}
		}
	}

	s := econ.settings()
	// Lists are [] in JSON, never null, like the months and the reps.
	r := Report{Period: period, Months: sortedKeys(months), Settings: s, Campaigns: []Campaign{}}
	if len(r.Months) > 0 {
		if r.Period.From == "" {
			r.Period.From = r.Months[0]
		}
		if r.Period.To == "" {
			r.Period.To = r.Months[len(r.Months)-1]
		}
	}

	all := Counters{}
	var spend float64
	var paidLeads, paidSAL, paidWon int64
	var paidRevenue float64
	anySpend := false
	for _, name := range sortedKeys(campaigns) {
		c := campaigns[name]
		all.add(c)
		camp := Campaign{Total: buildRow(name, "", c, s, econ.spend(name)), Variants: []Row{}}
		if sp := camp.Total.Economics.Spend; sp != nil {
			anySpend = true
			spend += *sp
			paidLeads += camp.Total.Leads
			paidSAL += camp.Total.Funnel.SAL
			paidWon += camp.Total.Funnel.Won
			paidRevenue += camp.Total.Revenue.Revenue
		}
		for _, v := range sortedKeys(variants[name]) {
			camp.Variants = append(camp.Variants, buildRow(name, v, variants[name][v], s, nil))
		}
		camp.Tests = append([]ABTest{}, abTests(name, econ.Controls[name], camp.Variants)...)
		r.Campaigns = append(r.Campaigns, camp)
	}
	r.Total = buildRow("", "", all, s, nil)
	r.Total.Kind = KindTotal
	if anySpend {
		// Cost per lead and per SAL of the total cover the campaigns that
		// have a spend: organic campaigns would otherwise dilute them.
		r.Total.Economics.Spend = &spend
		r.Total.Economics.CostPerLead = perUnit(spend, paidLeads)
		r.Total.Economics.CostPerSAL = perUnit(spend, paidSAL)
		// Likewise ROAS and cost per won deal: the revenue of the
		// campaigns that were paid for, over what they cost.
		r.Total.Revenue.ROAS = roas(paidRevenue, spend)
		r.Total.Revenue.CostPerWon = perUnit(spend, paidWon)
	}
	return r
}

func buildRow(campaign, variant string, c Counters, s Settings, spend *float64) Row {
	f := Funnel{
		Leads: c["leads"], MQL: c["mql"], SAL: c["sal"], SQL: c["sql"], Won: c["won"], Lost: c["lost"],
	}
	f.LeadToMQL = ratio(f.MQL, f.Leads)
	f.MQLToSAL = ratio(f.SAL, f.MQL)
	f.SALToSQL = ratio(f.SQL, f.SAL)
	f.SQLToWon = ratio(f.Won, f.SQL)
	f.LeadToSAL = ratio(f.SAL, f.Leads)
	f.LeadToWon = ratio(f.Won, f.Leads)

	row := Row{
		Kind:          KindCampaign,
		Campaign:      campaign,
		Variant:       variant,
		Leads:         f.Leads,
		Resubmissions: c["resubmissions"],
		Bots:          c["bots"],
		Views:         c[ViewsCounter],
		PageLeads:     c[PageLeadsCounter],
		Funnel:        f,
		NonTarget:     breakdown(c, "disqualified", "dq_", f.Leads),
		Rejected:      breakdown(c, "rejected", "rej_", f.SAL+c["rejected"]),
		Speed:         buildSpeed(c),
		Nurture:       buildNurture(c),
	}

	if row.PageLeads <= row.Views {
		row.ViewToLead = ratio(row.PageLeads, row.Views)
	}
	if variant != "" {
		row.Kind = KindVariant
	}
	wasted := row.Rejected.Total + row.NonTarget.Total
	hours := float64(wasted) * s.MinutesPerLead / 60
	row.Economics = Cost{
		WastedLeads: wasted,
		WastedHours: round(hours, 2),
		WastedCost:  round(hours*s.HourlyCost, 2),
	}
	row.Revenue = buildRevenue(c, f, spend)
	if spend != nil {
		row.Economics.Spend = spend
		row.Economics.CostPerLead = perUnit(*spend, f.Leads)
		row.Economics.CostPerSAL = perUnit(*spend, f.SAL)
	}

	for name, v := range c {
		if known[name] || strings.HasPrefix(name, "dq_") || strings.HasPrefix(name, "rej_") || isRevenueCounter(name) {
			continue
		}
		if row.Other == nil {
			row.Other = Counters{}
		}
		row.Other[name] = v
	}
	return row
}

// breakdown is the counter total with its prefix<reason> counters; share
// is total / shareOf.
func breakdown(c Counters, total, prefix string, shareOf int64) Breakdown {
	b := Breakdown{Total: c[total], Share: ratio(c[total], shareOf)}
	var covered int64
	for name, n := range c {
		code, ok := strings.CutPrefix(name, prefix)
		if !ok || n == 0 {
			continue
		}
		b.Reasons = append(b.Reasons, ReasonCount{Code: code, Label: ReasonLabel(code), Count: n})
		covered += n
	}
	if gap := b.Total - covered; gap > 0 {
		b.Reasons = append(b.Reasons, ReasonCount{Code: Unspecified, Label: ReasonLabel(Unspecified), Count: gap})
	}
	sort.Slice(b.Reasons, func(i, j int) bool {
		if b.Reasons[i].Count != b.Reasons[j].Count {
			return b.Reasons[i].Count > b.Reasons[j].Count
		}
		return b.Reasons[i].Code < b.Reasons[j].Code
	})
	for i := range b.Reasons {
		b.Reasons[i].Share = ratio(b.Reasons[i].Count, b.Total)
	}
	return b
}

// namedPageView is the prefix of a named page's view counter
// (page_view:demo, a page TRACK_PAGES names): a page view too.
const namedPageView = "page_view:"

func buildNurture(c Counters) Nurture {
	views := c["page_view"]
	for name, v := range c {
		if strings.HasPrefix(name, namedPageView) {
			views += v
		}
	}
	n := Nurture{
		Enrolled: c["enrolled"], Sends: c["nurture_sends"], Delivered: c["delivered"],
		Bounces: c["bounces"], SoftBounces: c["soft_bounces"], Complaints: c["complaints"],
		Unsubscribes: c["unsubscribes"], Clicks: c["email_click"], PageViews: views,
		PricingPageViews: c["pricing_page_view"], Opens: c["email_open"],
	}
	n.BounceRate = ratio(n.Bounces, n.Sends)
	n.ComplaintRate = ratio(n.Complaints, n.Delivered)
	n.UnsubscribeRate = ratio(n.Unsubscribes, n.Delivered)
	n.ClickRate = ratio(n.Clicks, n.Delivered)
	return n
}

// reasonLabels are the built-in reasons in words; others lose their
// underscores.
var reasonLabels = map[string]string{
	"job_seeker": "job seeker", "student": "student", "partner_pitch": "partner pitch",
	"competitor": "competitor", "disposable_email": "disposable email", "spam": "spam",
	"not_icp": "not ICP", "no_budget": "no budget", "no_authority": "no authority",
	"bad_timing": "bad timing", "wrong_contact": "wrong contact",
	Unspecified: "no reason recorded",
}

// ReasonLabel is a disqualification or rejection code in words.
func ReasonLabel(code string) string {
	if l, ok := reasonLabels[code]; ok {
		return l
	}
	return strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ").Replace(code))
}

func (c Counters) add(o Counters) {
	for k, v := range o {
		c[k] += v
	}
}

func perUnit(amount float64, n int64) *float64 {
	if n <= 0 {
		return nil
	}
	v := round(amount/float64(n), 2)
	return &v
}

func round(f float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(f*p) / p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
