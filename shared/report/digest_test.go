package report

import (
	"errors"
	"strings"
	"testing"
)

func TestDigest(t *testing.T) {
	subject, html, text, err := sampleReport().Digest(DigestOptions{DashboardURL: "https://reports.example.com/q4?team=a&b=1", Week: "2026-W47"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Leads Sep 2026 – Nov 2026 (week 2026-W47): 1,398 leads, 158 accepted by sales, 141 h of sales time wasted"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	for _, want := range []string{
		"week 2026-W47 · figures for Sep 2026 – Nov 2026",
		"Sales spent about 141 h (€8,430) on 562 leads that were non-target or rejected (15 min each).",
		"Where sales time went:\n  - meta-lookalike-cmo: 76 h (€4,530), 302 leads rejected or non-target, mostly job seeker",
		"Why sales rejected leads:\n  - not ICP: 47 (43.9%)",
		"Best campaigns, lead to SAL (at least 30 leads):\n  - google-brand-search: 30.5% (39 SAL of 128 leads)",
		"Weakest campaigns:\n  - meta-lookalike-cmo: 2.6% (11 SAL of 420 leads)",
		// B's 17.8% vs A's 9.2% of about 235 leads each would be p = 0.006
		// at a single look: not yet enough for a test looked at every week.
		"A/B tests:\n  2 comparisons without a winner yet: not enough data to tell the offers apart (the dashboard has each verdict)",
		"Dashboard: https://reports.example.com/q4?team=a&b=1&from=2026-09&to=2026-11\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "ebook-roi-calculator") {
		t.Error("a campaign under the minimum sample is ranked")
	}
	for _, want := range []string{`href="https://reports.example.com/q4?team=a&amp;b=1&amp;from=2026-09&amp;to=2026-11"`, "Why sales rejected leads", "141 h (€8,430)"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
}

func TestDigestEscapes(t *testing.T) {
	r := hostileReport()
	subject, html, text, err := r.Digest(DigestOptions{Week: "W47\r\nBcc: victim@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject has a line break: %q", subject)
	}
	for _, bad := range []string{"<script", "<img", `"><svg`} {
		if strings.Contains(html, bad) {
			t.Errorf("html contains %q", bad)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("html lacks the escaped campaign")
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Bcc:") {
			t.Errorf("text has a line made by the week option: %q", line)
		}
	}
}

func TestDigestOptions(t *testing.T) {
	r := knownReport()
	for _, bad := range []string{"javascript:alert(1)", "/relative", "ftp://x.example", "https://"} {
		if _, _, _, err := r.Digest(DigestOptions{DashboardURL: bad}); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("URL %q: err = %v, want ErrInvalidOptions", bad, err)
		}
	}
	subject, html, text, err := Build(nil, Economics{}, Period{From: "2026-11", To: "2026-11"}).Digest(DigestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Leads Nov 2026: 0 leads, 0 accepted by sales, 0 h of sales time wasted" {
		t.Errorf("empty subject = %q", subject)
	}
	if strings.Contains(text, "Dashboard:") || strings.Contains(html, "Open the dashboard") {
		t.Error("no dashboard URL, but a link")
	}
	if !strings.Contains(text, "none has 30 leads yet") {
		t.Errorf("empty ranking not explained:\n%s", text)
	}
}

// TestDigestCountsReadRight: one lead is "1 lead", and the subject names
// the months the figures cover beside the week it is sent in.
func TestDigestCountsReadRight(t *testing.T) {
	r := Build([]Source{{Campaign: "webinar", Month: "2026-11", Counters: Counters{"leads": 1, "disqualified": 1, "dq_student": 1}}},
		Economics{MinutesPerLead: 15, HourlyCost: 60, Currency: "EUR"}, Period{From: "2026-11", To: "2026-12"})
	subject, _, text, err := r.Digest(DigestOptions{Week: "2026-W49"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Leads Nov 2026 – Dec 2026 (week 2026-W49): 1 lead, 0 accepted by sales, 0.25 h of sales time wasted"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	for _, want := range []string{"1 lead · 1 non-target", "0 SLA breaches", "on 1 lead that was non-target or rejected"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"1 leads", "1 SLA breaches", "1 lead that were"} {
		if strings.Contains(subject+"\n"+text, bad) {
			t.Errorf("says %q:\n%s\n%s", bad, subject, text)
		}
	}
}

// TestDigestRevenue: the digest gives the total's revenue figures and
// the campaigns (then their variants) by revenue; a campaign without a
// deal is left out.
func TestDigestRevenue(t *testing.T) {
	r := knownReport()
	r.Campaigns[0].Variants = []Row{buildRow("A", "v1", Counters{"leads": 10, "won": 1, "won_valued": 1, "revenue_minor": 250000, "won_days_le_7": 1}, r.Settings, nil)}
	_, html, text, err := r.Digest(DigestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Revenue €18,000 from 3 won deals · average deal €6,000 · win rate 60.0% · ROAS 12× · cost per won deal €500 · pipeline €14,400",
		"Revenue by campaign and variant:\n  - A: €18,000 (3 won · average €6,000 · win rate 60.0% · ROAS 12× · pipeline €14,400 · lead → won 22–30 days)\n" +
			"  - A / v1: €2,500 (1 won · average €2,500 · win rate 100.0% · ROAS n/a · pipeline €0 · lead → won 4–7 days)\n\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "  - B:") && strings.Contains(text[strings.Index(text, "Revenue by campaign"):], "  - B: €") {
		t.Error("campaign B has no deal and is listed under revenue")
	}
	if !strings.Contains(html, "Revenue by campaign and variant") || !strings.Contains(html, "A / v1") {
		t.Error("html lacks the revenue section")
	}
}

// TestDigestRevenueCorrectionOnly: a period whose only revenue is a
// correction (a deal won earlier whose amount went down) shows it, as the
// dashboard does: the digest may not leave a -€5,000 adjustment out.
func TestDigestRevenueCorrectionOnly(t *testing.T) {
	r := Build([]Source{
		{Campaign: "A", Month: "2026-11", Counters: Counters{"leads": 40, "mql": 20, "sal": 10, "revenue_minor": -500000}},
		{Campaign: "B", Month: "2026-11", Counters: Counters{"leads": 40, "mql": 20, "sal": 10}},
	}, Economics{}, Period{From: "2026-11", To: "2026-11"})
	if !r.dashboard().HasRevenue {
		t.Fatal("the dashboard shows no revenue table")
	}
	_, _, text, err := r.Digest(DigestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Revenue -€5,000 from 0 won deals", "Revenue by campaign and variant:\n  - A: -€5,000 (0 won"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if rev, _, _ := strings.Cut(text[strings.Index(text, "Revenue by campaign"):], "\n\n"); strings.Contains(rev, "  - B:") {
		t.Errorf("campaign B has no revenue and no deal, yet is listed:\n%s", rev)
	}
}

// TestDigestWithoutResponses: a period whose alerts sales has not
// answered yet says so once, not as a median and a p90 that both read
// "no responses yet".
func TestDigestWithoutResponses(t *testing.T) {
	r := sampleReport()
	r.Total.Speed.Responses = 0
	r.Total.Speed.Median, r.Total.Speed.P90 = Quantile{Label: NoResponses}, Quantile{Label: NoResponses}
	_, html, text, err := r.Digest(DigestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{text, html} {
		if strings.Contains(doc, "median "+NoResponses) || !strings.Contains(doc, "First response: "+NoResponses+" ·") {
			t.Errorf("digest headline without responses:\n%s", doc)
		}
	}
}

// TestDigestLinksItsPeriod: the digest's figures are last month's and
// this one's, the dashboard's default the last three months. Its link
// opens the dashboard on the digest's own months, so the figures she
// clicks through to are the ones she just read; the team leads' link
// too, on their section.
func TestDigestLinksItsPeriod(t *testing.T) {
	r := Build(nil, Economics{}, Period{From: "2026-11", To: "2026-12"})
	_, html, text, err := r.Digest(DigestOptions{DashboardURL: "https://api.example.com/reports?format=html", Week: "2026-W49"})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://api.example.com/reports?format=html&from=2026-11&to=2026-12"
	if !strings.Contains(text, "Dashboard: "+want+"\n") {
		t.Errorf("text part's link is not %s:\n%s", want, text)
	}
	if !strings.Contains(html, `href="https://api.example.com/reports?format=html&amp;from=2026-11&amp;to=2026-12"`) {
		t.Errorf("html part's link is not %s", want)
	}
	_, html, text, err = repReport().TeamDigest(testTeams[1], DigestOptions{DashboardURL: "https://api.example.com/reports?format=html", Week: "2031-W11"})
	if err != nil {
		t.Fatal(err)
	}
	p := repReport().Period
	want = "https://api.example.com/reports?format=html&from=" + p.From + "&to=" + p.To + "#reps"
	if !strings.Contains(text, "Dashboard: "+want+"\n") || !strings.Contains(html, `&amp;to=`+p.To+`#reps"`) {
		t.Errorf("team digest's link is not %s:\n%s", want, text)
	}
}

// TestWhereTimeWentNamesTiesAsTies: the digest's "mostly" names the one
// reason most of a campaign's wasted leads had; reasons tied for most
// are named together, not the first of them alone.
func TestWhereTimeWentNamesTiesAsTies(t *testing.T) {
	rc := func(label string, n int64) ReasonCount { return ReasonCount{Label: label, Count: n} }
	tests := []struct {
		name string
		in   []ReasonCount
		want string
	}{
		{"none", nil, ""},
		{"one", []ReasonCount{rc("job seeker", 3)}, ", mostly job seeker"},
		{"a clear first", []ReasonCount{rc("student", 2), rc("job seeker", 5), rc("no budget", 1)}, ", mostly job seeker"},
		{"two tied", []ReasonCount{rc("no authority", 5), rc("no budget", 5), rc("student", 1)}, ", mostly no authority and no budget (as many each)"},
		{"three tied", []ReasonCount{rc("a", 1), rc("b", 1), rc("c", 1)}, ", mostly a, b and c (as many each)"},
	}
	for _, tt := range tests {
		if got := mostly(tt.in); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestDigestOfAWeekWithoutWaste: a period with no lead sales rejected or
// the rules marked non-target says so plainly, not "Sales spent about 0 h
// (€0) on 0 leads" in the red box of wasted time.
func TestDigestOfAWeekWithoutWaste(t *testing.T) {
	r := Build(nil, Economics{}, Period{From: "2026-11", To: "2026-12"})
	_, html, text, err := r.Digest(DigestOptions{Week: "2026-W49"})
	if err != nil {
		t.Fatal(err)
	}
	const none = "No sales time went to non-target or rejected leads in this period."
	for _, doc := range []string{text, html} {
		if !strings.Contains(doc, none) || strings.Contains(doc, "Sales spent about") {
			t.Errorf("digest without waste:\n%s", doc)
		}
	}
	if strings.Contains(html, "#fef2f2") {
		t.Error("the digest without waste shows it in the red box")
	}
}
