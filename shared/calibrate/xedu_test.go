package calibrate

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The X Education shape: a public lead-scoring dataset of an online
// course seller (9,240 leads, 38.5% converted). synthXEdu draws leads of
// that shape with known effects: what a lead did and said (origin,
// source, occupation, last activity, time on site, …) sets the log-odds
// of converting; two columns sales fills in afterwards — Tags and Lead
// Quality — are drawn from the outcome itself, with outcome vocabulary and
// an emptiness that depends on the outcome; a dozen Yes/No columns are
// nearly always "No"; "Select" stands for not given.

type weighted struct {
	v      string
	p      float64 // share
	effect float64 // log-odds
}

func draw(rng *rand.Rand, opts []weighted) weighted {
	total := 0.0
	for _, o := range opts {
		total += o.p
	}
	x := rng.Float64() * total
	for _, o := range opts {
		if x -= o.p; x < 0 {
			return o
		}
	}
	return opts[len(opts)-1]
}

// xeduHeader is the X Education export's header (Prospect ID and Lead
// Number identify leads).
var xeduHeader = []string{"Prospect ID", "Lead Number", "Lead Origin", "Lead Source", "Do Not Email", "Do Not Call", "Converted",
	"TotalVisits", "Total Time Spent on Website", "Page Views Per Visit", "Last Activity", "Country", "Specialization",
	"How did you hear about X Education", "What is your current occupation", "What matters most to you in choosing a course",
	"Search", "Magazine", "Newspaper Article", "X Education Forums", "Newspaper", "Digital Advertisement",
	"Through Recommendations", "Receive More Updates About Our Courses", "Tags", "Lead Quality",
	"Update me on Supply Chain Content", "Get updates on DM Content", "Lead Profile", "City",
	"Asymmetrique Activity Index", "Asymmetrique Profile Index", "Asymmetrique Activity Score", "Asymmetrique Profile Score",
	"I agree to pay the amount through cheque", "A free copy of Mastering The Interview", "Last Notable Activity"}

// xeduNearlyNo are the Yes/No columns that are "No" for ≥ 99.8% of leads.
var xeduNearlyNo = []string{"Do Not Call", "Search", "Magazine", "Newspaper Article", "X Education Forums", "Newspaper",
	"Digital Advertisement", "Through Recommendations", "Receive More Updates About Our Courses",
	"Update me on Supply Chain Content", "Get updates on DM Content", "I agree to pay the amount through cheque"}

// synthXEdu writes n leads as the X Education export does, and the latent
// log-odds of each (for checks against the truth).
func synthXEdu(n int, seed uint64) ([]byte, []float64) {
	rng := rand.New(rand.NewPCG(seed, 0x58656475))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(xeduHeader)
	truth := make([]float64, n)
	orNo := func(v string) string {
		if v == "" {
			return pick(rng, "", "Select")
		}
		return v
	}
	for i := range n {
		row := map[string]string{"Prospect ID": fmt.Sprintf("%08x-%04x", rng.Uint32(), i), "Lead Number": fmt.Sprint(660000 + i)}
		z := -1.6
		origin := draw(rng, []weighted{{"API", 0.39, 0}, {"Landing Page Submission", 0.53, 0.1}, {"Lead Add Form", 0.075, 2.4}, {"Lead Import", 0.006, -0.3}})
		row["Lead Origin"], z = origin.v, z+origin.effect
		var source weighted
		switch origin.v {
		case "API":
			source = draw(rng, []weighted{{"Olark Chat", 0.45, -0.4}, {"Google", 0.3, 0.1}, {"Organic Search", 0.15, 0}, {"Direct Traffic", 0.08, -0.1}, {"Referral Sites", 0.02, -0.4}})
		case "Landing Page Submission":
			source = draw(rng, []weighted{{"Direct Traffic", 0.5, -0.1}, {"Google", 0.35, 0.1}, {"Organic Search", 0.13, 0}, {"Referral Sites", 0.02, -0.4}})
		case "Lead Add Form":
			source = draw(rng, []weighted{{"Reference", 0.75, 0.3}, {"Welingak Website", 0.2, 1.5}, {"Click2call", 0.05, 0}})
		default:
			source = weighted{"Facebook", 1, -0.2}
		}
		if source.v == "Google" && rng.Float64() < 0.03 {
			source.v = "google"
		}
		row["Lead Source"], z = source.v, z+source.effect
		dne := draw(rng, []weighted{{"No", 0.92, 0}, {"Yes", 0.08, -1.2}})
		row["Do Not Email"], z = dne.v, z+dne.effect
		for _, c := range xeduNearlyNo {
			row[c] = "No"
			if rng.Float64() < 0.001 {
				row[c] = "Yes"
			}
		}
		visits, seconds, perVisit := 0.0, 0.0, 0.0
		if origin.v != "Lead Add Form" && !(source.v == "Olark Chat" && rng.Float64() < 0.6) {
			visits = math.Min(1+math.Floor(rng.ExpFloat64()*3.5), 60)
			if rng.Float64() < 0.003 {
				visits = float64(100 + rng.IntN(150))
			}
			seconds = math.Min(math.Round(math.Exp(rng.NormFloat64()*0.9+6.1)), 2272)
			perVisit = math.Round((1+rng.Float64()*4)*100) / 100
		}
		z += 0.2*math.Log1p(visits) + 3.0*math.Min(seconds, 2000)/1000 - 0.9
		switch {
		case rng.Float64() < 0.015:
			row["TotalVisits"], row["Page Views Per Visit"] = "", ""
		default:
			row["TotalVisits"], row["Page Views Per Visit"] = fmt.Sprint(visits), fmt.Sprint(perVisit)
		}
		row["Total Time Spent on Website"] = fmt.Sprint(seconds)
		act := draw(rng, []weighted{{"Email Opened", 0.37, 0}, {"SMS Sent", 0.30, 1.3}, {"Olark Chat Conversation", 0.105, -1.2},
			{"Page Visited on Website", 0.07, -0.3}, {"Converted to Lead", 0.046, -1.0}, {"Email Bounced", 0.035, -1.3},
			{"Email Link Clicked", 0.029, -0.2}, {"Form Submitted on Website", 0.013, -0.3}, {"Unreachable", 0.01, 0},
			{"Unsubscribed", 0.007, -0.3}, {"Had a Phone Conversation", 0.003, 1.5}, {"", 0.011, 0}})
		row["Last Activity"], z = act.v, z+act.effect
		switch r := rng.Float64(); {
		case act.v == "Email Opened" && r < 0.15 || act.v == "SMS Sent" && r < 0.2:
			row["Last Notable Activity"] = "Modified"
		case act.v == "":
			row["Last Notable Activity"] = "Modified"
		default:
			row["Last Notable Activity"] = act.v
		}
		occ := draw(rng, []weighted{{"Unemployed", 0.606, 0}, {"", 0.29, -1.3}, {"Working Professional", 0.076, 2.0},
			{"Student", 0.023, -0.3}, {"Other", 0.002, 0}, {"Housewife", 0.001, 2}, {"Businessman", 0.001, 0.5}})
		row["What is your current occupation"], z = orNo(occ.v), z+occ.effect
		if occ.v == "" {
			row["What matters most to you in choosing a course"] = orNo("")
			row["Specialization"] = orNo("")
		} else {
			row["What matters most to you in choosing a course"] = draw(rng, []weighted{{"Better Career Prospects", 0.995, 0}, {"Flexibility & Convenience", 0.003, 0}, {"Other", 0.002, 0}}).v
			spec := draw(rng, []weighted{{"", 0.25, -0.2}, {"Finance Management", 0.13, 0.1}, {"Human Resource Management", 0.12, 0.1},
				{"Marketing Management", 0.12, 0.15}, {"Operations Management", 0.07, 0}, {"Business Administration", 0.06, 0},
				{"IT Projects Management", 0.055, 0}, {"Supply Chain Management", 0.05, 0}, {"Banking, Investment And Insurance", 0.05, 0.2},
				{"Media and Advertising", 0.03, 0}, {"Travel and Tourism", 0.03, -0.2}, {"International Business", 0.025, 0},
				{"Healthcare Management", 0.023, 0.1}, {"Hospitality Management", 0.016, -0.2}, {"E-COMMERCE", 0.016, 0},
				{"Retail Management", 0.015, 0}, {"Rural and Agribusiness", 0.011, 0}, {"E-Business", 0.008, 0}, {"Services Excellence", 0.005, -0.3}})
			row["Specialization"], z = orNo(spec.v), z+spec.effect
		}
		row["How did you hear about X Education"] = orNo(draw(rng, []weighted{{"", 0.79, 0}, {"Online Search", 0.09, 0}, {"Word Of Mouth", 0.04, 0},
			{"Student of SomeSchool", 0.03, 0}, {"Other", 0.02, 0}, {"Multiple Sources", 0.017, 0}, {"Advertisements", 0.008, 0}}).v)
		row["Country"] = draw(rng, []weighted{{"India", 0.70, 0}, {"", 0.27, 0}, {"United States", 0.008, 0}, {"United Arab Emirates", 0.006, 0},
			{"Singapore", 0.003, 0}, {"Saudi Arabia", 0.002, 0}, {"United Kingdom", 0.002, 0}, {"Australia", 0.002, 0}}).v
		prof := draw(rng, []weighted{{"", 0.74, 0}, {"Potential Lead", 0.17, 1.0}, {"Other Leads", 0.05, 0}, {"Student of SomeSchool", 0.026, -2.5},
			{"Lateral Student", 0.002, 1}, {"Dual Specialization Student", 0.002, 1}})
		row["Lead Profile"], z = orNo(prof.v), z+prof.effect
		row["City"] = orNo(draw(rng, []weighted{{"", 0.39, 0}, {"Mumbai", 0.35, 0}, {"Thane & Outskirts", 0.08, 0}, {"Other Cities", 0.07, 0},
			{"Other Cities of Maharashtra", 0.05, 0}, {"Other Metro Cities", 0.04, 0}, {"Tier II Cities", 0.008, 0}}).v)
		if rng.Float64() < 0.54 {
			ai := draw(rng, []weighted{{"02.Medium", 0.78, 0}, {"01.High", 0.16, 0.3}, {"03.Low", 0.06, -0.8}})
			pi := draw(rng, []weighted{{"02.Medium", 0.56, 0}, {"01.High", 0.44, 0.4}})
			row["Asymmetrique Activity Index"], row["Asymmetrique Profile Index"] = ai.v, pi.v
			z += ai.effect + pi.effect
			base := map[string]int{"01.High": 16, "02.Medium": 14, "03.Low": 11}
			row["Asymmetrique Activity Score"] = fmt.Sprint(base[ai.v] + rng.IntN(3) - 1)
			row["Asymmetrique Profile Score"] = fmt.Sprint(base[pi.v] + 2 + rng.IntN(3) - 1)
		}
		free := draw(rng, []weighted{{"No", 0.69, 0}, {"Yes", 0.31, -0.1}})
		row["A free copy of Mastering The Interview"], z = free.v, z+free.effect

		truth[i] = z
		converted := rng.Float64() < sigmoid(z)
		row["Converted"] = "0"
		if converted {
			row["Converted"] = "1"
		}
		// Filled in by sales afterwards, from the outcome.
		if converted {
			row["Tags"] = draw(rng, []weighted{{"", 0.25, 0}, {"Will revert after reading the email", 0.55, 0}, {"Closed by Horizzon", 0.11, 0},
				{"Lost to EINS", 0.05, 0}, {"Busy", 0.02, 0}, {"Want to take admission but has financial problems", 0.01, 0}, {"Ringing", 0.01, 0}}).v
			row["Lead Quality"] = draw(rng, []weighted{{"", 0.30, 0}, {"High in Relevance", 0.17, 0}, {"Might be", 0.33, 0}, {"Interested", 0.10, 0},
				{"Low in Relevance", 0.09, 0}, {"Not Sure", 0.01, 0}}).v
		} else {
			row["Tags"] = draw(rng, []weighted{{"", 0.45, 0}, {"Ringing", 0.21, 0}, {"Interested in other courses", 0.09, 0}, {"Already a student", 0.08, 0},
				{"switched off", 0.04, 0}, {"Not doing further education", 0.025, 0}, {"Interested  in full time MBA", 0.02, 0},
				{"Graduation in progress", 0.015, 0}, {"invalid number", 0.015, 0}, {"Diploma holder (Not Eligible)", 0.01, 0},
				{"wrong number given", 0.008, 0}, {"opp hangup", 0.005, 0}, {"number not provided", 0.004, 0},
				{"Will revert after reading the email", 0.02, 0}, {"Busy", 0.015, 0}}).v
			row["Lead Quality"] = draw(rng, []weighted{{"", 0.65, 0}, {"Not Sure", 0.14, 0}, {"Worst", 0.10, 0}, {"Might be", 0.06, 0},
				{"Low in Relevance", 0.02, 0}, {"Interested", 0.03, 0}}).v
		}
		rec := make([]string, len(xeduHeader))
		for j, h := range xeduHeader {
			rec[j] = row[h]
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes(), truth
}

func pick(rng *rand.Rand, xs ...string) string { return xs[rng.IntN(len(xs))] }

// xeduMapping maps the export as a marketer would: the answers as custom
// answers, the source as utm_source, engagement as signals — visits as
// page views, time on site and views per visit under names of their own.
// occupation is the field "What is your current occupation" maps to.
func xeduMapping(occupation string, extra string) string {
	var b strings.Builder
	b.WriteString(`outcome: {column: Converted, positive: ["1"], negative: ["0"]}
fields:
  answers.lead_origin: Lead Origin
  utm_source: Lead Source
  answers.do_not_email: Do Not Email
  answers.last_activity: Last Activity
  country: Country
  answers.specialization: Specialization
  answers.heard_from: How did you hear about X Education
  ` + occupation + `: What is your current occupation
  answers.matters_most: What matters most to you in choosing a course
  answers.tags: Tags
  answers.lead_quality: Lead Quality
  answers.lead_profile: Lead Profile
  answers.city: City
  answers.activity_index: Asymmetrique Activity Index
  answers.profile_index: Asymmetrique Profile Index
  answers.activity_score: {column: Asymmetrique Activity Score, type: number}
  answers.profile_score: {column: Asymmetrique Profile Score, type: number}
  answers.free_copy: A free copy of Mastering The Interview
  answers.last_notable: Last Notable Activity
`)
	for i, c := range xeduNearlyNo {
		fmt.Fprintf(&b, "  answers.yes_no_%d: %s\n", i, c)
	}
	b.WriteString(`signals:
  page_view: TotalVisits
  time_on_site: Total Time Spent on Website
  views_per_visit: Page Views Per Visit
`)
	b.WriteString(extra)
	return b.String()
}

// xeduDataset reads synthetic leads through the mapping.
func xeduDataset(t testing.TB, n int, seed uint64, mapping string) *Dataset {
	t.Helper()
	data, _ := synthXEdu(n, seed)
	m, err := ParseMapping([]byte(mapping), "xedu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := ReadCSV(bytes.NewReader(data), m, "xedu.csv")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestXEducationShape: on leads shaped like the X Education export, the
// two sales-filled columns are flagged and left out, the nearly-always-No
// columns dropped, "Select" read as not given, and the export — scored by
// qualify as live leads arrive — ranks holdout leads almost as well as
// the true log-odds, with the effects in their true order.
func TestXEducationShape(t *testing.T) {
	t.Parallel()
	const n = 3000
	ds := xeduDataset(t, n, 42, xeduMapping("answers.occupation", ""))
	r := runOK(t, ds, Options{Seed: 1, Bootstrap: 20})

	dropped := map[string]ColumnCheck{}
	for _, c := range r.Leakage {
		if c.Dropped {
			dropped[c.Column] = c
		}
		if c.Flagged && c.Column != "Tags" && c.Column != "Lead Quality" {
			t.Errorf("flagged %s: %q", c.Column, c.Reasons)
		}
	}
	for _, col := range []string{"Tags", "Lead Quality"} {
		c, ok := dropped[col]
		if !ok || !c.Flagged || !c.WhatIf || c.Claimed < c.Live+0.03 {
			t.Errorf("%s: %+v", col, c)
		}
	}
	if reasons := strings.Join(dropped["Lead Quality"].Reasons, "; "); !strings.Contains(reasons, "read like a sales outcome") {
		t.Errorf("Lead Quality's reasons: %s", reasons)
	}
	for _, col := range xeduNearlyNo {
		if c, ok := dropped[col]; !ok || !c.NearConstant {
			t.Errorf("%s not dropped as nearly constant", col)
		}
	}
	if len(dropped) != 2+len(xeduNearlyNo) {
		t.Errorf("dropped %d columns", len(dropped))
	}
	for _, q := range ds.Quality {
		if q.Column == "Specialization" && q.Placeholders == 0 {
			t.Error(`"Select" not read as not given`)
		}
	}

	// Against the truth.
	_, truth := synthXEdu(n, 42)
	var z []float64
	for _, x := range r.Test {
		z = append(z, truth[x.Line-2])
	}
	oracle := AUC(z, outcomes(r.Test))
	if r.Eval.ExportAUC < oracle-0.02 || r.Eval.ExportAUC < r.Eval.AUC-0.01 {
		t.Errorf("export AUC %.3f, model %.3f, the truth %.3f", r.Eval.ExportAUC, r.Eval.AUC, oracle)
	}
	if p := r.New.TopK[3].Precision; p < 0.7 {
		t.Errorf("top 30%% precision %.3f", p)
	}
	effect := func(name string) float64 {
		f := factorOf(r, name)
		if math.IsNaN(f.Effect) {
			t.Fatalf("no factor %s", name)
		}
		return f.Effect
	}
	order := [][2]string{
		{`answers.occupation "Working Professional"`, `answers.occupation "Unemployed"`},
		{`answers.occupation "Unemployed"`, `answers.occupation (not given)`},
		{`answers.lead_origin "Lead Add Form"`, `answers.lead_origin "Landing Page Submission"`},
		{`answers.last_activity "SMS Sent"`, `answers.last_activity "Email Opened"`},
		{`answers.last_activity "Email Opened"`, `answers.last_activity "Olark Chat Conversation"`},
		{`answers.do_not_email "No"`, `answers.do_not_email "Yes"`},
		{`utm_source "Welingak Website"`, `utm_source "Olark Chat"`},
	}
	for _, o := range order {
		if a, b := effect(o[0]), effect(o[1]); !(a > b) {
			t.Errorf("%s (%.2f) should beat %s (%.2f)", o[0], a, o[1], b)
		}
	}
	// Time on site: the longest bin beats the shortest by far.
	var first, last float64
	for _, f := range r.Factors {
		if f.Feature.Field == "answers.time_on_site" && f.Feature.kind == featBin {
			if !f.Feature.HasMin {
				first = f.Effect
			}
			if !f.Feature.HasMax {
				last = f.Effect
			}
		}
	}
	if last-first < 2 || r.Bins < 5 {
		t.Errorf("time on site: longest %.2f, shortest %.2f (%d bins)", last, first, r.Bins)
	}
	// The product records no time on site: the report says what leads
	// whose form does not send it get, and warns.
	var onSite *ColumnCheck
	for i, c := range r.Leakage {
		if c.Field == "answers.time_on_site" {
			onSite = &r.Leakage[i]
		}
	}
	if onSite == nil || onSite.FromSignal != "time_on_site" || onSite.Dropped || !onSite.WhatIf || onSite.Live > onSite.Claimed-0.01 {
		t.Errorf("time on site: %+v", onSite)
	} else if !slices.ContainsFunc(r.Warnings, func(w string) bool {
		return strings.Contains(w, "answers.time_on_site") && strings.Contains(w, fmt.Sprintf("%.3f for leads arriving without it", onSite.Live))
	}) {
		t.Errorf("no warning for time on site: %q", r.Warnings)
	}
	for _, rule := range r.Export.Rules {
		if rule.Op == "exists" {
			t.Errorf("a given rule on categories and numbers: %+v", rule)
		}
	}
	if r.Live.Disqualified.Leads != 0 {
		t.Errorf("disqualified %d", r.Live.Disqualified.Leads)
	}
}

// TestXEducationOccupationAsJobTitle: mapping "What is your current
// occupation" to job_title, the default disqualifiers reject the
// unemployed — most leads and most conversions — and the report says so.
func TestXEducationOccupationAsJobTitle(t *testing.T) {
	t.Parallel()
	ds := xeduDataset(t, 1500, 43, xeduMapping("job_title", ""))
	r := runOK(t, ds, Options{Seed: 1, Bootstrap: 10})
	var js *DisqualifierStat
	for i, s := range r.Live.Reasons {
		if s.Grade == "job_seeker" {
			js = &r.Live.Reasons[i]
		}
	}
	if js == nil || js.Share < 0.5 || js.Recall < 0.5 {
		t.Fatalf("job_seeker: %+v", js)
	}
	warned := strings.Join(r.Warnings, "\n")
	if !strings.Contains(warned, "disqualifier job_seeker rejects ") || !strings.Contains(warned, `job title matches "Unemployed"`) {
		t.Errorf("warnings: %s", warned)
	}
	var buf bytes.Buffer
	_ = r.WriteReport(&buf)
	if !strings.Contains(buf.String(), "| job_seeker ⚠ |") {
		t.Error("the disqualifier table does not flag job_seeker")
	}
	if r.Eval.ExportAUC > r.Eval.AUC-0.1 {
		t.Errorf("the back-test hides the disqualifiers: export %.3f, model %.3f", r.Eval.ExportAUC, r.Eval.AUC)
	}
}
