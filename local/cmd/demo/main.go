// Command demo fills a running local stack (make run) with a realistic
// month through the real API, as people would: leads post the landing
// forms of three campaigns (one with an A/B offer, whose people load its
// pages first, each from a loopback address of their own, beside
// visitors who leave without a form), reps answer the
// alerts in the mailbox by following their links — each rep in their own
// way: fast or after the SLA, accepting or rejecting, some alerts left to
// escalate — and record opportunities and deals won (with their amounts)
// or lost, and the dashboard at /reports?format=html shows the result,
// revenue and the Sales reps view included; the revenue planner
// (/reports/plan) plans with q4-demo's deals. Most people confirm their
// subscription, the retargeting segments are exported (their counts on
// the dashboard), and last it fires the weekly reports schedule, so the
// digests are in the mailbox.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/segment"
)

// pageCampaign is the campaign whose people come through its landing
// page (the A/B offer); the others' post through the API.
const pageCampaign = "q4-demo"

type person struct {
	campaign, variant, email, title, size, form, message, budget, timeline string
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the running local stack")
	flag.Parse()
	if err := run(context.Background(), strings.TrimRight(*base, "/")); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, base string) error {
	var info struct{ SES, Speed string }
	if err := getJSON(base+"/_local/info", &info); err != nil {
		return fmt.Errorf("no local stack at %s (start it with make run): %w", base, err)
	}
	speed, _ := strconv.ParseFloat(info.Speed, 64) // the stack's clock speed (SPEED)
	if speed <= 0 {
		speed = 1
	}
	stamp := time.Now().Unix()
	var people []person
	add := func(n int, p person) {
		for i := 0; i < n; i++ {
			q := p
			q.email = fmt.Sprintf("%s.%s%s.%d.%d@%s", strings.ReplaceAll(p.title, " ", "."), p.campaign, p.variant, i, stamp,
				map[bool]string{true: "mail.example", false: "corp.example"}[p.message != ""])
			q.email = strings.ToLower(q.email)
			people = append(people, q)
		}
	}
	hot := person{title: "VP Marketing", size: "1000+", form: "demo_request", budget: "$50k-$100k", timeline: "this quarter"}
	// q4-demo: a good hypothesis, with an A/B offer, and enough deals
	// for the revenue planner to plan with (/reports/plan).
	add(18, with(hot, "q4-demo", "a"))
	add(12, with(hot, "q4-demo", "b"))
	add(4, person{campaign: "q4-demo", variant: "a", title: "Student", size: "1-10", message: "I am a student writing my thesis, can I get a trial?"})
	add(3, person{campaign: "q4-demo", variant: "b", title: "Marketing Manager", size: "51-200", form: "newsletter"})
	// webinar-nov: brings mostly job seekers and students.
	add(3, with(hot, "webinar-nov", ""))
	add(9, person{campaign: "webinar-nov", title: "Junior", message: "Do you have any vacancy or internship?"})
	add(5, person{campaign: "webinar-nov", title: "Marketing Manager", size: "11-50", form: "content_download"})
	// brand-search: few, good — too few deals for the planner.
	add(6, with(hot, "brand-search", ""))
	// Smaller companies with a smaller budget: the smb team's (Sam, Priya).
	smb := person{title: "Head of Marketing", size: "51-200", form: "demo_request", budget: "$10k-$25k", timeline: "this quarter"}
	add(5, with(smb, "brand-search", ""))
	add(3, with(smb, "q4-demo", "a"))

	fmt.Printf("posting %d leads through %s/leads …\n", len(people), base)
	// Reps answer the alerts from the mailbox as they arrive, each in
	// their own way, so the Sales reps view has something to compare.
	reps := newAnswerer(base, info.SES, fmt.Sprint(stamp), speed)
	for i, p := range people {
		if i%5 == 4 {
			time.Sleep(300 * time.Millisecond) // the SES emulator stores asynchronously
			if err := reps.round(ctx); err != nil {
				return err
			}
		}
		form := url.Values{"email": {p.email}, "name": {"Demo " + p.title}, "company": {"Demo Co"}, "job_title": {p.title},
			"company_size": {p.size}, "form_type": {p.form}, "message": {p.message}, "budget": {p.budget}, "timeline": {p.timeline},
			"country": {"DE"}, "campaign": {p.campaign}, "variant": {p.variant}, "consent": {"true"}, "utm_source": {"demo"}}
		for k, v := range form {
			if v[0] == "" {
				delete(form, k)
			}
		}
		// q4-demo's A/B offers are tested on their landing pages: each of
		// its people comes from the ad for their offer, sees the page (a
		// view) and posts its form (a lead of the page).
		client := noRedirect
		if p.campaign == pageCampaign {
			client = visitor(i)
			hidden, err := view(client, base, p.campaign, p.variant)
			if err != nil {
				return err
			}
			for k, v := range hidden {
				form[k] = v
			}
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/leads", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		req.Header.Set("User-Agent", browserUA)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("posting %s: %s", p.email, resp.Status)
		}
	}

	// Most who see an offer's page leave without a form — b's offer keeps
	// more of them — so the dashboard's view → lead has its denominator.
	views := 0
	for i, p := range people {
		if p.campaign != pageCampaign {
			continue
		}
		left := 11
		if p.variant == "b" {
			left = 6
		}
		for k := range left {
			if _, err := view(visitor(len(people)+11*i+k), base, p.campaign, p.variant); err != nil {
				return err
			}
			views++
		}
	}
	fmt.Printf("%d more visitors looked at the %s offers' pages and left\n", views, pageCampaign)

	time.Sleep(time.Second)
	if err := reps.round(ctx); err != nil {
		return err
	}
	if err := reps.finish(ctx); err != nil {
		return err
	}
	a := reps
	emails, err := sesstore.Fetch(ctx, info.SES)
	if err != nil {
		return err
	}
	fmt.Printf("reps accepted %d and rejected %d hot leads from their alert emails (%d late), left %d unanswered, and won %d deals\n",
		a.accepted, a.rejected, a.late, a.ignored, a.won)
	if a.escalated > 0 {
		fmt.Printf("%d unanswered alerts breached the SLA and went to the team lead, who accepted them\n", a.escalated)
	} else if a.ignored > 0 {
		fmt.Printf("the %d unanswered alerts breach the 5-minute SLA and escalate to the team lead within about %s; the Sales reps view counts them then (make run SPEED=10 shows late answers and escalations within the demo)\n", a.ignored, time.Duration(float64(6*time.Minute)/speed).Round(time.Second))
	}

	// Most people who ticked the consent box confirm it from the email
	// (double opt-in); the rest never get marketing email.
	confirmRe := regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/[A-Za-z0-9_.-]+`)
	confirmed, asked := 0, 0
	for _, e := range emails {
		link := confirmRe.FindString(e.Text)
		if link == "" || !strings.Contains(strings.Join(e.To, ","), fmt.Sprint(stamp)) {
			continue
		}
		asked++
		if asked%4 == 0 {
			continue // one in four never clicks
		}
		if _, err := post(link); err != nil {
			return err
		}
		confirmed++
	}
	fmt.Printf("%d of %d people confirmed their subscription from the confirmation email\n", confirmed, asked)

	// The retargeting segments' export, as the weekly schedule runs it:
	// each segment's customer list into the local bucket, and its counts
	// onto the dashboard.
	var exported segment.Exported
	body, err := postForm(base+"/reports/segments/export", url.Values{})
	if err != nil {
		return fmt.Errorf("segment export: %w", err)
	}
	if err := json.Unmarshal([]byte(body), &exported); err != nil {
		return fmt.Errorf("segment export: %w", err)
	}
	fmt.Println("retargeting segments exported (hashed customer lists, consenting and unsuppressed leads only):")
	for _, x := range exported.Exports {
		fmt.Printf("  %-20s %3d matching, %3d in the file  s3://%s/%s\n", x.Segment, x.Matching, x.Exportable, exported.Bucket, x.Key)
	}
	first := "won-customers"
	if len(exported.Exports) > 0 {
		first = exported.Exports[0].Segment
	}
	// The weekly reports schedule, now rather than in a week: the digest
	// to marketing, each rep's open leads, each team lead's team digest
	// (once per ISO week: the schedule's own run this week sends none).
	if _, err := postForm(base+"/_local/schedule/reports", url.Values{}); err != nil {
		fmt.Printf("weekly digests not sent: %v\n", err)
	} else {
		fmt.Println("the weekly digests went out: marketing's, each rep's open leads, each team lead's team digest (see the mailbox)")
	}
	// Triple this month's revenue over the next quarter: 3 × 3 months.
	target := (9*a.revenue + 9999) / 10000 * 10000
	fmt.Printf("\ndashboard: %s/reports?format=html   (sales reps: %s/reports?format=html#reps)\nCSV:       %s/reports?format=csv\nplanner:   %s/reports/plan?format=html\n"+
		"           to triple this month's revenue next quarter: make plan TARGET=%d PERIOD=%s\n"+
		"segments:  %s/reports/segments (a list now: %s/reports/segments/%s/csv)\nmailbox:   %s\n",
		base, base, base, base, max(target, 10000), nextQuarter(time.Now()), base, base, first, info.SES)
	return nil
}

// nextQuarter is the quarter after t's: "2027-Q1".
func nextQuarter(t time.Time) string {
	q := (int(t.Month())-1)/3 + 2
	y := t.Year()
	if q > 4 {
		q, y = 1, y+1
	}
	return fmt.Sprintf("%d-Q%d", y, q)
}

func with(p person, campaign, variant string) person {
	p.campaign, p.variant = campaign, variant
	return p
}

var noRedirect = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// dealValue is a won deal's amount (in the configured currency, EUR by
// default): each campaign sells a different size, varied a little.
func dealValue(alert string, n int) int {
	base := 6000
	switch {
	case strings.Contains(alert, "q4-demo"):
		base = 14000
	case strings.Contains(alert, "brand-search"):
		base = 9500
	}
	return base + 750*(n%5)
}

func post(u string) (string, error) { return postForm(u, nil) }

func postForm(u string, form url.Values) (string, error) {
	if u == "" {
		return "", fmt.Errorf("no such link on the page")
	}
	resp, err := noRedirect.Post(u, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("POST %s: %s", u, resp.Status)
	}
	return string(b), nil
}

func getJSON(u string, v any) error {
	resp, err := noRedirect.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}
