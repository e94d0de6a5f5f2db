package qualify

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestFitPointsGradeAndReasons(t *testing.T) {
	c := mustParse(t, withRules(
		`{field: job_title, op: in, values: [CMO, Head of Marketing], points: 20}`,
		`{field: company_size, op: range, min: 50, max: 5000, points: 25}`,
		`{field: country, op: equals, values: [US], points: 10, label: served country}`,
		`{field: email_domain, op: in, values: [gmail.com], points: -15, label: personal email}`,
		`{field: phone, op: exists, points: 5}`,
	))
	tests := []struct {
		name    string
		lead    lead.Submission
		points  int
		grade   string
		reasons []string
	}{
		{"nothing matches", lead.Submission{JobTitle: "Engineer"}, 0, "D", []string{"grade D (0 fit points)"}},
		{"grade C", lead.Submission{JobTitle: "cmo"}, 20, "C", []string{
			"+20 job title in [CMO, Head of Marketing]", "grade C (20 fit points)"}},
		{"grade B", lead.Submission{JobTitle: "CMO", CompanySize: "51-200"}, 45, "B", []string{
			"+20 job title in [CMO, Head of Marketing]", "+25 company size 51-200 in range 50–5000", "grade B (45 fit points)"}},
		{"grade A with label", lead.Submission{JobTitle: "CMO", CompanySize: "200", Country: "US", Phone: "+1 555"}, 60, "A", []string{
			"+20 job title in [CMO, Head of Marketing]", "+25 company size 200 in range 50–5000",
			"+10 served country (country is \"US\")", "+5 phone given", "grade A (60 fit points)"}},
		{"negative points", lead.Submission{Email: "a@gmail.com", JobTitle: "CMO"}, 5, "D", []string{
			"+20 job title in [CMO, Head of Marketing]", `-15 personal email (email domain in [gmail.com])`, "grade D (5 fit points)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := c.Evaluate(stored(tt.lead), nil, now)
			if d.FitPoints != tt.points || d.Grade != tt.grade {
				t.Errorf("fit %d grade %s, want %d %s", d.FitPoints, d.Grade, tt.points, tt.grade)
			}
			got := d.Reasons[:len(d.Reasons)-1] // drop the temperature
			if !slices.Equal(got, tt.reasons) {
				t.Errorf("reasons\n got %q\nwant %q", got, tt.reasons)
			}
		})
	}
}

func TestGradeBoundariesAreInclusive(t *testing.T) {
	c := mustParse(t, withRules(`{field: answers.pts, op: range, min: 0, points: 1}`))
	for _, tt := range []struct {
		points int
		grade  string
	}{{60, "A"}, {59, "B"}, {40, "B"}, {39, "C"}, {20, "C"}, {19, "D"}} {
		if g := gradeNames[c.base.grade(tt.points)]; g != tt.grade {
			t.Errorf("%d points: grade %s, want %s", tt.points, g, tt.grade)
		}
	}
}

const engagementConfig = `
engagement:
  half_life: 336h
  signals:
    - {signal: "form:demo_request", points: 30, half_life: 168h}
    - {signal: pricing_page_view, points: 10}
    - {signal: email_click, points: 3, half_life: 1h}
`

func TestEngagementDecay(t *testing.T) {
	c := mustParse(t, withRules()+engagementConfig)
	day := 24 * time.Hour
	tests := []struct {
		name    string
		signals []Signal
		score   float64
		reason  string // the engagement reason, "" for none
	}{
		{"none", nil, 0, ""},
		{"fresh", []Signal{{"form:demo_request", now}}, 30, "+30 demo request form"},
		{"zero time counts as now", []Signal{{Kind: "pricing_page_view"}}, 10, "+10 pricing page view"},
		{"future counts as now", []Signal{{"form:demo_request", now.Add(time.Hour)}}, 30, "+30 demo request form"},
		{"one half-life", []Signal{{"form:demo_request", now.Add(-7 * day)}}, 15, "+30 demo request form (decayed to 15.0)"},
		{"two half-lives", []Signal{{"form:demo_request", now.Add(-14 * day)}}, 7.5, "+30 demo request form (decayed to 7.5)"},
		{"one day", []Signal{{"form:demo_request", now.Add(-day)}}, 27.2, "+30 demo request form (decayed to 27.2)"},
		{"default half-life", []Signal{{"pricing_page_view", now.Add(-14 * day)}}, 5, "+10 pricing page view (decayed to 5.0)"},
		{"repeats add up", []Signal{{"pricing_page_view", now}, {"pricing_page_view", now.Add(-14 * day)}}, 15,
			"+20 pricing page view ×2 (decayed to 15.0)"},
		{"unknown kinds are ignored", []Signal{{"reply", now}, {"form:other", now}}, 0, ""},
		{"decays to almost nothing", []Signal{{"email_click", now.Add(-30 * day)}}, 0, "+3 email click (decayed to 0.0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := c.Evaluate(stored(lead.Submission{}), tt.signals, now)
			if d.Score != tt.score {
				t.Errorf("score %v, want %v", d.Score, tt.score)
			}
			// Reasons: grade, [engagement], temperature.
			var got string
			if len(d.Reasons) == 3 {
				got = d.Reasons[1]
			}
			if got != tt.reason {
				t.Errorf("engagement reason %q, want %q (all: %q)", got, tt.reason, d.Reasons)
			}
		})
	}
}

func TestHalfLifeMath(t *testing.T) {
	c := mustParse(t, withRules()+engagementConfig)
	// points × 0.5^(age/half-life), for ages that are not whole half-lives.
	for _, hours := range []float64{0, 1, 12, 84, 168, 200, 500, 1000} {
		age := time.Duration(hours * float64(time.Hour))
		want := math.Round(30*math.Pow(0.5, hours/168)*10) / 10
		d := c.Evaluate(stored(lead.Submission{}), []Signal{{"form:demo_request", now.Add(-age)}}, now)
		if d.Score != want {
			t.Errorf("age %vh: score %v, want %v", hours, d.Score, want)
		}
	}
}

func TestDisqualifiers(t *testing.T) {
	src := withRules(`{field: job_title, op: in, values: [CMO], points: 60}`) + `
disqualifiers:
  - reason: job_seeker
    field: message
    op: contains
    values: [vacancy, resume, internship, "looking for a job"]
  - reason: competitor
    field: email_domain
    op: in
    values: [rival.example]
  - reason: spam
    field: name
    op: regex
    values: ['(?i)^(test|asdf)$']
`
	c := mustParse(t, src)
	tests := []struct {
		name   string
		lead   lead.Submission
		reason string
		why    string
	}{
		{"job seeker by message", lead.Submission{Message: "any Vacancy for juniors?"}, "job_seeker", `disqualified: job_seeker (message contains "vacancy")`},
		{"competitor domain", lead.Submission{Email: "x@rival.example"}, "competitor", `disqualified: competitor (email domain in [rival.example])`},
		{"spam name", lead.Submission{Name: "ASDF"}, "spam", `disqualified: spam (name matches "ASDF")`},
		{"first match wins", lead.Submission{Email: "x@rival.example", Message: "internship?"}, "job_seeker", `disqualified: job_seeker (message contains "internship")`},
		{"clean lead", lead.Submission{Name: "Ann Lee", Message: "demo please"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.lead.JobTitle = "CMO" // grade A and warm at 0: only disqualification makes it cold
			d := c.Evaluate(stored(tt.lead), nil, now)
			if d.Reason != tt.reason || d.Disqualified != (tt.reason != "") {
				t.Fatalf("disqualified=%v reason=%q, want %q", d.Disqualified, d.Reason, tt.reason)
			}
			if tt.reason == "" {
				if d.Temperature != Warm {
					t.Errorf("clean lead is %s", d.Temperature)
				}
				return
			}
			if d.Reasons[0] != tt.why || d.Temperature != Cold || d.Reasons[len(d.Reasons)-1] != "cold: disqualified" {
				t.Errorf("reasons %q, temperature %s", d.Reasons, d.Temperature)
			}
			if d.Grade != "A" {
				t.Errorf("a disqualified lead still shows its grade: got %s", d.Grade)
			}
		})
	}
}

// TestThresholdMatrix checks every grade against scores around its
// thresholds: A {hot 20, warm 0}, B {hot 40, warm 10}, C {warm 30}, D {}.
func TestThresholdMatrix(t *testing.T) {
	src := withRules(`{field: answers.tier, op: equals, values: [a], points: 60}`,
		`{field: answers.tier, op: equals, values: [b], points: 40}`,
		`{field: answers.tier, op: equals, values: [c], points: 20}`) + `
engagement:
  signals: [{signal: reply, points: 1}]
`
	c := mustParse(t, src)
	tests := []struct {
		grade string
		score int
		want  string
	}{
		{"A", 0, Warm}, {"A", 19, Warm}, {"A", 20, Hot}, {"A", 100, Hot},
		{"B", 0, Cold}, {"B", 9, Cold}, {"B", 10, Warm}, {"B", 39, Warm}, {"B", 40, Hot},
		{"C", 0, Cold}, {"C", 29, Cold}, {"C", 30, Warm}, {"C", 1000, Warm},
		{"D", 0, Cold}, {"D", 1000, Cold},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.grade, tt.score), func(t *testing.T) {
			signals := make([]Signal, tt.score)
			for i := range signals {
				signals[i] = Signal{Kind: SignalReply, At: now}
			}
			d := c.Evaluate(stored(lead.Submission{Answers: map[string]string{"tier": strings.ToLower(tt.grade)}}), signals, now)
			if d.Grade != tt.grade || d.Score != float64(tt.score) {
				t.Fatalf("setup: grade %s score %v", d.Grade, d.Score)
			}
			if d.Temperature != tt.want {
				t.Errorf("temperature %s, want %s (%q)", d.Temperature, tt.want, d.Reasons)
			}
			last := d.Reasons[len(d.Reasons)-1]
			if !strings.HasPrefix(last, tt.want+": grade "+tt.grade) {
				t.Errorf("last reason %q", last)
			}
		})
	}
}

func TestTemperatureReasons(t *testing.T) {
	c := mustParse(t, full)
	l := stored(lead.Submission{JobTitle: "CMO", CompanySize: "30"})
	tests := []struct {
		signals []Signal
		want    string
	}{
		{[]Signal{{"form:demo_request", now}}, "warm: grade C and score 30.0 ≥ 30"},
		{nil, "cold: grade C and score 0.0 below warm 30"},
	}
	for _, tt := range tests {
		d := c.Evaluate(l, tt.signals, now)
		if got := d.Reasons[len(d.Reasons)-1]; got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	d := c.Evaluate(stored(lead.Submission{JobTitle: "CMO", CompanySize: "200"}),
		[]Signal{{"form:demo_request", now}, {"pricing_page_view", now}}, now)
	if got := d.Reasons[len(d.Reasons)-1]; got != "hot: grade B and score 40.0 ≥ 40" {
		t.Errorf("got %q", got)
	}
	if got := c.Evaluate(stored(lead.Submission{}), nil, now).Reasons; got[len(got)-1] != "cold: grade D is never warm or hot" {
		t.Errorf("got %q", got)
	}
}

func TestCampaignOverrides(t *testing.T) {
	src := full + `  fit-only:
    fit:
      rules: [{field: industry, op: equals, values: [Retail], points: 70}]
      grades: {A: 60, B: 40, C: 20}
  strict:
    disqualifiers: [{reason: free_mail, field: email_domain, op: in, values: [gmail.com]}]
    engagement:
      signals: [{signal: page_view, points: 50}]
`
	c := mustParse(t, src)
	bGrade := lead.Submission{Email: "x@gmail.com", JobTitle: "CMO", CompanySize: "200"} // 45 fit points: B
	withCampaign := func(s lead.Submission, campaign string) lead.Lead {
		s.Source.Campaign = campaign
		return stored(s)
	}
	demo := []Signal{{"form:demo_request", now}} // 30 points in the base config

	base := c.Evaluate(withCampaign(bGrade, "other"), demo, now)
	if base.Campaign != "" || base.Temperature != Warm {
		t.Errorf("other campaign: campaign %q temperature %s", base.Campaign, base.Temperature)
	}

	web := c.Evaluate(withCampaign(bGrade, "webinar-2026"), demo, now)
	if web.Campaign != "webinar-2026" || web.Temperature != Hot || web.FitPoints != 45 {
		t.Errorf("webinar: %+v", web)
	}
	if !slices.Contains(web.Reasons, "using the rules of campaign webinar-2026") {
		t.Errorf("webinar reasons %q", web.Reasons)
	}

	fit := c.Evaluate(withCampaign(lead.Submission{JobTitle: "CMO", Industry: "retail"}, "fit-only"), nil, now)
	if fit.FitPoints != 70 || fit.Grade != "A" {
		t.Errorf("fit override replaces the whole fit section: %+v", fit)
	}

	strict := c.Evaluate(withCampaign(bGrade, "strict"), append(demo, Signal{Kind: "page_view", At: now}), now)
	if !strict.Disqualified || strict.Reason != "free_mail" || strict.Score != 50 {
		t.Errorf("strict: %+v", strict)
	}
	// Thresholds were not overridden in "strict": the base ones apply.
	if c.campaigns["strict"].thresholds != c.base.thresholds {
		t.Error("strict lost the base thresholds")
	}

	// A lead never stored (no last touch) still uses its submission's campaign.
	raw := lead.Lead{Submission: bGrade}
	raw.Source.Campaign = "webinar-2026"
	if d := c.Evaluate(raw, demo, now); d.Campaign != "webinar-2026" {
		t.Errorf("unstored lead: campaign %q", d.Campaign)
	}
}

func TestEvaluateDoesNotModifyTheLead(t *testing.T) {
	c := Default()
	l := stored(lead.Submission{JobTitle: "CMO", Answers: map[string]string{"crm": "HubSpot"}})
	before := fmt.Sprintf("%+v", l)
	c.Evaluate(l, []Signal{{Kind: "form:demo_request"}}, now)
	if after := fmt.Sprintf("%+v", l); after != before {
		t.Errorf("lead changed:\n%s\n%s", before, after)
	}
}

// TestAnswerReasonsLocateTheAnswer: every reason about a custom answer is
// located (which reason, which key, the words around "answer <key>"), so
// a page can name the answer by its label; other reasons are not.
func TestAnswerReasonsLocateTheAnswer(t *testing.T) {
	c := mustParse(t, withRules(
		`{field: job_title, op: in, values: [CMO], points: 20}`,
		`{field: answers.crm, op: in, values: [None yet], points: 10, label: greenfield}`,
		`{field: answers.seats, op: range, min: 10, points: 5}`,
	))
	d := c.Evaluate(stored(lead.Submission{JobTitle: "CMO", Answers: map[string]string{"crm": "none yet", "seats": "25"}}), nil, now)
	want := []lead.AnswerReason{
		{Reason: 1, Answer: "crm", Head: "+10 greenfield (", Tail: " in [None yet])"},
		{Reason: 2, Answer: "seats", Head: "+5 ", Tail: " 25 at least 10"},
	}
	if !slices.Equal(d.AnswerReasons, want) {
		t.Fatalf("answer reasons\n got %+v\nwant %+v\nreasons %q", d.AnswerReasons, want, d.Reasons)
	}
	for _, a := range d.AnswerReasons {
		if got := a.Head + "answer " + a.Answer + a.Tail; got != d.Reasons[a.Reason] {
			t.Errorf("reason %d is %q, its parts make %q", a.Reason, d.Reasons[a.Reason], got)
		}
	}
}

// TestNamedPageViews: a page TRACK_PAGES names ("/demo=page_view:demo")
// records page_view:demo. It is a page view: without a rule of its own
// it scores as page_view; with one, by that rule alone.
func TestNamedPageViews(t *testing.T) {
	c := mustParse(t, withRules()+`
engagement:
  signals:
    - {signal: page_view, points: 1}
    - {signal: "page_view:demo", points: 12}
`)
	tests := []struct {
		name    string
		signals []Signal
		score   float64
		reason  string
	}{
		{"its own rule", []Signal{{"page_view:demo", now}}, 12, "+12 demo page view"},
		{"no rule of its own: a page view", []Signal{{"page_view:blog", now}}, 1, "+1 page view"},
		{"with plain page views", []Signal{{"page_view:blog", now}, {"page_view", now}}, 2, "+2 page view ×2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := c.Evaluate(stored(lead.Submission{}), tt.signals, now)
			if d.Score != tt.score || len(d.Reasons) != 3 || d.Reasons[1] != tt.reason {
				t.Errorf("score %v, reasons %q; want %v with %q", d.Score, d.Reasons, tt.score, tt.reason)
			}
		})
	}
	if !IsSignalKind("page_view:demo") || IsSignalKind("page_view:Demo") {
		t.Error("IsSignalKind does not take named page views as TRACK_PAGES writes them")
	}
}
