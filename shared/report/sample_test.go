package report

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// go test ./shared/report -update writes the sample dashboard and digest
// to testdata/ to look at (e.g. as a headless-browser screenshot).
var update = flag.Bool("update", false, "write testdata/dashboard.html and the sample digest")

// sampleReport is a realistic quarter: a LinkedIn A/B test, a webinar, a
// brand search campaign, a lookalike audience that mostly brings job
// seekers, a partner directory, and a campaign still too small to rank.
func sampleReport() Report {
	months := []string{"2026-09", "2026-10", "2026-11"}
	weights := []int64{28, 33, 39}
	var sources []Source
	add := func(campaign, variant string, c Counters) {
		split := make([]Counters, len(months))
		for i := range split {
			split[i] = Counters{}
		}
		for name, total := range c {
			var given int64
			for i, w := range weights {
				n := total * w / 100
				if i == len(weights)-1 {
					n = total - given
				}
				split[i][name] = n
				given += n
			}
		}
		for i, m := range months {
			sources = append(sources, Source{Campaign: campaign, Variant: variant, Month: m, Counters: split[i]})
		}
	}
	funnel := func(leads, dq, mql, sal, rej, sql, won int64) Counters {
		return Counters{"leads": leads, "disqualified": dq, "mql": mql, "sal": sal, "rejected": rej, "sql": sql, "won": won,
			"lost": sql / 3, "handoffs": sal + rej + sal/5, "resubmissions": leads / 12, "bots": leads / 20}
	}
	with := func(c Counters, more Counters) Counters {
		for k, v := range more {
			c[k] += v
		}
		return c
	}
	speed := func(c Counters, b ...int64) Counters {
		names := []string{"resp_le_1m", "resp_le_5m", "resp_le_15m", "resp_le_1h", "resp_le_4h", "resp_le_24h", "resp_gt_24h"}
		for i, n := range b {
			c[names[i]] += n
			c["responses"] += n
		}
		return c
	}

	a := speed(with(funnel(240, 58, 84, 22, 19, 9, 3), Counters{"dq_job_seeker": 21, "dq_student": 14, "dq_partner_pitch": 12, "dq_disposable_email": 11,
		"rej_not_icp": 9, "rej_no_authority": 6, "rej_bad_timing": 4, "sla_breaches": 4, "sla_late_responses": 2}), 9, 14, 8, 5, 2, 1, 0)
	b := speed(with(funnel(230, 41, 92, 41, 12, 17, 6), Counters{"dq_job_seeker": 12, "dq_student": 9, "dq_partner_pitch": 11, "dq_competitor": 9,
		"rej_not_icp": 5, "rej_no_budget": 4, "rej_wrong_contact": 3, "sla_breaches": 3, "sla_late_responses": 1}), 16, 22, 9, 4, 2, 0, 0)
	add("q4-demo-linkedin", "A", a)
	add("q4-demo-linkedin", "B", b)
	total := Counters{}
	total.add(a)
	total.add(b)
	add("q4-demo-linkedin", "", total)

	add("webinar-2026", "", speed(with(funnel(310, 47, 121, 38, 29, 12, 4), Counters{"dq_student": 25, "dq_job_seeker": 12, "dq_spam": 10,
		"rej_bad_timing": 14, "rej_no_budget": 10, "rej_not_icp": 5, "sla_breaches": 9, "sla_late_responses": 4,
		"enrolled": 180, "nurture_sends": 1240, "delivered": 1198, "bounces": 42, "soft_bounces": 17, "complaints": 2,
		"unsubscribes": 31, "email_click": 164, "page_view": 402, "pricing_page_view": 58}), 10, 18, 14, 11, 8, 3, 2))
	add("google-brand-search", "", speed(with(funnel(128, 9, 71, 39, 6, 18, 8), Counters{"dq_job_seeker": 4, "dq_competitor": 3, "dq_spam": 2,
		"rej_not_icp": 3, "rej_wrong_contact": 3, "sla_breaches": 1}), 21, 17, 5, 2, 0, 0, 0))
	add("meta-lookalike-cmo", "", speed(with(funnel(420, 268, 58, 11, 34, 3, 1), Counters{"dq_job_seeker": 141, "dq_student": 88, "dq_disposable_email": 24, "dq_spam": 15,
		"rej_not_icp": 21, "rej_no_authority": 8, "rej_spam": 5, "sla_breaches": 6, "sla_late_responses": 3,
		"enrolled": 40, "nurture_sends": 210, "delivered": 190, "bounces": 20, "complaints": 3, "unsubscribes": 14, "email_click": 6}), 4, 12, 9, 7, 6, 4, 3))
	add("partner-directory", "", speed(with(funnel(46, 29, 8, 3, 6, 1, 0), Counters{"dq_partner_pitch": 23, "dq_competitor": 6,
		"rej_not_icp": 4, "rej_wrong_contact": 2}), 1, 3, 2, 1, 1, 0, 0))
	add("ebook-roi-calculator", "", speed(with(funnel(24, 3, 11, 4, 1, 1, 0), Counters{"dq_student": 3, "rej_bad_timing": 1,
		"enrolled": 14, "nurture_sends": 52, "delivered": 51, "bounces": 1, "unsubscribes": 1, "email_click": 9, "page_view": 22, "pricing_page_view": 5}), 2, 2, 1, 0, 0, 0, 0))

	return Build(sources, Economics{
		MinutesPerLead: 15, HourlyCost: 60, Currency: "EUR",
		Spend: map[string]float64{"q4-demo-linkedin": 6200, "meta-lookalike-cmo": 3100, "google-brand-search": 2400, "webinar-2026": 1850},
	}, Period{From: "2026-09", To: "2026-11"})
}

func TestWriteSample(t *testing.T) {
	if !*update {
		t.Skip("run with -update to write testdata/dashboard.html")
	}
	r := sampleReport()
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join("testdata", "dashboard.html"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := r.HTML(f); err != nil {
		t.Fatal(err)
	}
	subject, html, text, err := r.Digest(DigestOptions{DashboardURL: "https://reports.example.com/q4", Week: "2026-W47"})
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"digest.html": html, "digest.txt": "Subject: " + subject + "\n\n" + text} {
		if err := os.WriteFile(filepath.Join("testdata", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
