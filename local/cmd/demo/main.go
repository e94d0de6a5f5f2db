// Command demo fills a running local stack (make run) with a realistic
// month through the real API, as people would: leads post the landing
// forms of three campaigns (one with an A/B offer), reps answer the
// alerts in the mailbox by following their links and record opportunities
// and deals won (with their amounts) or lost, most people confirm their
// subscription, the retargeting segments are exported, and the dashboard
// at /reports?format=html shows the result, revenue and segment counts
// included.
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
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/mail/sesstore"
)

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
	var info struct{ SES string }
	if err := getJSON(base+"/_local/info", &info); err != nil {
		return fmt.Errorf("no local stack at %s (start it with make run): %w", base, err)
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
	// q4-demo: a good hypothesis, with an A/B offer.
	add(9, with(hot, "q4-demo", "a"))
	add(6, with(hot, "q4-demo", "b"))
	add(4, person{campaign: "q4-demo", variant: "a", title: "Student", size: "1-10", message: "I am a student writing my thesis, can I get a trial?"})
	add(3, person{campaign: "q4-demo", variant: "b", title: "Marketing Manager", size: "51-200", form: "newsletter"})
	// webinar-nov: brings mostly job seekers and students.
	add(3, with(hot, "webinar-nov", ""))
	add(9, person{campaign: "webinar-nov", title: "Junior", message: "Do you have any vacancy or internship?"})
	add(5, person{campaign: "webinar-nov", title: "Marketing Manager", size: "11-50", form: "content_download"})
	// brand-search: few, good.
	add(6, with(hot, "brand-search", ""))

	fmt.Printf("posting %d leads through %s/leads …\n", len(people), base)
	for _, p := range people {
		form := url.Values{"email": {p.email}, "name": {"Demo " + p.title}, "company": {"Demo Co"}, "job_title": {p.title},
			"company_size": {p.size}, "form_type": {p.form}, "message": {p.message}, "budget": {p.budget}, "timeline": {p.timeline},
			"country": {"DE"}, "campaign": {p.campaign}, "variant": {p.variant}, "consent": {"true"}, "utm_source": {"demo"}}
		for k, v := range form {
			if v[0] == "" {
				delete(form, k)
			}
		}
		req, _ := http.NewRequest(http.MethodPost, base+"/leads", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		resp, err := noRedirect.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("posting %s: %s", p.email, resp.Status)
		}
	}

	// Reps answer the alerts from the mailbox: accept most of q4-demo and
	// brand-search, reject webinar leads (not our ICP) and a few others.
	time.Sleep(time.Second)
	emails, err := sesstore.Fetch(ctx, info.SES)
	if err != nil {
		return err
	}
	linkRe := regexp.MustCompile(regexp.QuoteMeta(base) + `/feedback/[A-Za-z0-9_.-]+`)
	accepted, rejected, won := 0, 0, 0
	for i, e := range emails {
		if !strings.Contains(e.Subject, "Hot lead") || !strings.Contains(strings.Join(e.ReplyTo, ","), fmt.Sprint(stamp)) {
			continue
		}
		links := linkRe.FindAllString(e.Text, -1)
		if len(links) < 3 {
			continue
		}
		accept, reject := links[0], links[1] // accept first, then one per reason (not_icp first)
		target := accept
		if strings.Contains(e.Text, "webinar-nov") || i%5 == 4 {
			target = reject
		}
		body, err := post(target)
		if err != nil {
			return err
		}
		if target == accept {
			accepted++
			// Later the rep records how it went: an opportunity (SQL),
			// then a deal won with its amount or lost; some stay open
			// (the pipeline) and some are lost before they became one.
			outcomes := map[string]string{}
			for _, o := range regexp.MustCompile(`class="btn" href="([A-Za-z0-9_.-]+)">([^<]+)<`).FindAllStringSubmatch(body, -1) {
				outcomes[o[2]] = base + "/feedback/" + o[1]
			}
			var steps []string
			switch accepted % 4 {
			case 1:
				steps = []string{"Qualified opportunity (SQL)", "Won"}
			case 3:
				steps = []string{"Qualified opportunity (SQL)"} // open
				if accepted%8 == 7 {
					steps = append(steps, "Lost")
				}
			case 2:
				if accepted%8 == 6 {
					steps = []string{"Lost"}
				}
			}
			for _, step := range steps {
				form := url.Values{}
				if step == "Won" {
					form.Set("amount", fmt.Sprint(dealValue(e.Text, accepted)))
					won++
				}
				if _, err := postForm(outcomes[step], form); err != nil {
					return fmt.Errorf("%s: %w", step, err)
				}
			}
		} else {
			rejected++
		}
	}
	fmt.Printf("reps accepted %d and rejected %d hot leads from their alert emails, and won %d deals\n", accepted, rejected, won)

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
	var exported struct {
		Bucket  string
		Exports []struct {
			Segment              string
			Matching, Exportable int
			Key                  string
		}
	}
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
	fmt.Printf("\ndashboard: %s/reports?format=html\nCSV:       %s/reports?format=csv\nsegments:  %s/reports/segments (a list now: %s/reports/segments/%s/csv)\nmailbox:   %s\n",
		base, base, base, base, first, info.SES)
	return nil
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
