package segment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
)

// fixture uses every condition.
const fixture = `version: 1
id: warm-pricing
description: Warm or hot A/B leads of q4-demo who looked at pricing lately
conditions:
  stage: [nurturing, mql]
  grade: [A, b]
  temperature: Warm
  campaign: q4-demo
  variant: [a, b]
  reasons:
    any_of: [not_now]
    none_of: [competitor, student]
  signals:
    - signal: pricing_page_view
      at_least: 2
      within: 30d
    - {signal: "form:demo_request"}
  last_activity:
    within: 90d
    older_than: 7d
`

func TestParseReadsEveryCondition(t *testing.T) {
	s, err := Parse([]byte(fixture), "config/segments/warm-pricing.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Conditions
	day := 24 * time.Hour
	if s.ID != "warm-pricing" || !strings.HasPrefix(s.Description, "Warm or hot") ||
		!slices.Equal(c.Stages, []lead.Stage{lead.StageNurturing, lead.StageMQL}) ||
		!slices.Equal(c.Grades, []string{"A", "B"}) || !slices.Equal(c.Temperatures, []string{"warm"}) ||
		!slices.Equal(c.Campaigns, []string{"q4-demo"}) || !slices.Equal(c.Variants, []string{"a", "b"}) ||
		!slices.Equal(c.AnyOf, []string{"not_now"}) || !slices.Equal(c.NoneOf, []string{"competitor", "student"}) ||
		!slices.Equal(c.Signals, []SignalCondition{{Kind: "pricing_page_view", AtLeast: 2, Within: 30 * day}, {Kind: "form:demo_request", AtLeast: 1}}) ||
		c.ActiveWithin != 90*day || c.InactiveFor != 7*day {
		t.Fatalf("parsed %+v", s)
	}
}

func TestParseEmptyConditionsTakeEveryLead(t *testing.T) {
	s, err := Parse([]byte("version: 1\nid: everyone\ndescription: Every consenting lead\nconditions: {}\n"), "everyone.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Match(&lead.Lead{Stage: lead.StageWon}, time.Now()) {
		t.Fatal("no conditions: every lead matches")
	}
}

// TestParseReportsEachProblemAtItsLine breaks the fixture one line at a
// time; each report names the file and the line.
func TestParseReportsEachProblemAtItsLine(t *testing.T) {
	yamltest.CheckEdits(t, fixture, "config/segments/warm-pricing.yaml", ErrInvalid,
		func(data []byte, file string) error { _, err := Parse(data, file); return err },
		[]struct{ Name, Old, New, Marker, Want string }{
			{"unknown top field", "conditions:\n", "condition: {}\nconditions:\n", "condition:", `unknown field "condition" (did you mean "conditions"?)`},
			{"unknown condition", "  grade: [A, b]", "  grades: [A, b]", "  grades:", `unknown field "grades" in conditions (did you mean "grade"?)`},
			{"bad stage", "[nurturing, mql]", "[nurturing, mq1]", "  stage:", `conditions.stage: unknown stage "mq1" (did you mean "mql"?)`},
			{"bad grade", "[A, b]", "[A, E]", "  grade:", `conditions.grade: unknown grade "E" (one of A, B, C, D)`},
			{"bad temperature", "temperature: Warm", "temperature: tepid", "  temperature:", `conditions.temperature: unknown temperature "tepid" (one of hot, warm, cold)`},
			{"null conditions", fixture[strings.Index(fixture, "conditions:\n"):], "conditions:\n", "conditions:", "conditions: no value (write conditions: {} to take every lead that may be uploaded)"},
			{"empty stage", "stage: [nurturing, mql]", "stage: []", "  stage:", "conditions.stage: no value (leave the condition out to take every lead)"},
			{"null grade", "grade: [A, b]", "grade:", "  grade:", "conditions.grade: no value"},
			{"bad campaign id", "campaign: q4-demo", "campaign: Q4 Demo", "  campaign:", `conditions.campaign: campaign id "Q4 Demo" must be lowercase`},
			{"variant without campaign", "  campaign: q4-demo\n", "", "  variant:", "conditions.variant: needs conditions.campaign too"},
			{"unknown reasons key", "    none_of:", "    nonе_of:", "    nonе_of:", `unknown field "nonе_of" in conditions.reasons`},
			{"reason both ways", "none_of: [competitor, student]", "none_of: [competitor, not_now]", "  reasons:", `conditions.reasons: "not_now" is in both any_of and none_of`},
			{"empty reasons", "  reasons:\n    any_of: [not_now]\n    none_of: [competitor, student]\n", "  reasons: {}\n", "  reasons:", "conditions.reasons: give any_of or none_of"},
			{"bad signal kind", "signal: pricing_page_view", "signal: pricing_page_veiw", "    - signal: pricing", `conditions.signals[0].signal: unknown signal kind "pricing_page_veiw" (did you mean "pricing_page_view"?)`},
			{"bad form signal", `"form:demo_request"`, `"form:Demo Request"`, `    - {signal: "form:`, `conditions.signals[1].signal: form signal "form:Demo Request" needs a form type of lowercase letters, digits, - or _ after "form:"`},
			{"at_least not whole", "at_least: 2", "at_least: 1.5", "      at_least:", `conditions.signals[0].at_least: want a whole number from 1 to 50`},
			{"at_least zero", "at_least: 2", "at_least: 0", "      at_least:", `conditions.signals[0].at_least: want a whole number`},
			{"missing signal", "    - {signal: \"form:demo_request\"}", "    - {at_least: 3}", "    - {at_least", "conditions.signals[1]: missing signal"},
			{"signals not a list", "  signals:\n    - signal: pricing_page_view\n      at_least: 2\n      within: 30d\n    - {signal: \"form:demo_request\"}\n", "  signals: {signal: page_view}\n", "  signals:", "conditions.signals: expected a list"},
			{"bad within", "within: 30d", "within: a month", "      within:", `conditions.signals[0].within: bad duration "a month"`},
			{"too long", "within: 90d", "within: 4000d", "    within: 4000d", "conditions.last_activity.within: bad duration"},
			{"older than within", "older_than: 7d", "older_than: 120d", "    within: 90d", "conditions.last_activity: within (2160h) must be longer than older_than (2880h)"},
			{"empty last_activity", "  last_activity:\n    within: 90d\n    older_than: 7d\n", "  last_activity:\n", "  last_activity:", "conditions.last_activity: give within"},
			{"unknown last_activity key", "    older_than: 7d", "    before: 7d", "    before:", `unknown field "before" in conditions.last_activity (fields: within, older_than)`},
			{"id not file", "id: warm-pricing", "id: warm-leads", "id:", `id "warm-leads" does not match the file name "warm-pricing.yaml"`},
			{"bad id", "id: warm-pricing", "id: Warm Pricing", "id:", `id: segment id "Warm Pricing" must be lowercase`},
			{"missing description", "description: Warm or hot A/B leads of q4-demo who looked at pricing lately\n", "", "version:", "missing description"},
			{"empty description", "description: Warm or hot A/B leads of q4-demo who looked at pricing lately", `description: ""`, "description:", "description: empty"},
			{"long description", "description: Warm or hot A/B leads of q4-demo who looked at pricing lately", "description: " + strings.Repeat("x", 201), "description:", "description: longer than 200 characters"},
			{"version", "version: 1", "version: 2", "version:", `unsupported version "2"`},
			{"duplicate key", "  temperature: Warm\n", "  temperature: Warm\n  temperature: hot\n", "  temperature: hot", `conditions: duplicate field "temperature"`},
			{"syntax", "  grade: [A, b]", "  grade: [A, b", "  grade:", "YAML syntax:"},
		})
}

func TestParseListsEveryProblemInFileOrder(t *testing.T) {
	src := strings.NewReplacer("[nurturing, mql]", "[nurture]", "temperature: Warm", "temperature: tepid", "at_least: 2", "at_least: -1").Replace(fixture)
	_, err := Parse([]byte(src), "warm-pricing.yaml")
	yamltest.InFileOrder(t, err, 3)
}

func TestParseEmptyFile(t *testing.T) {
	_, err := Parse(nil, "x.yaml")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "x.yaml:1: empty segment") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadDirAndCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("warm-pricing.yaml", fixture)
	write("everyone.yml", "version: 1\nid: everyone\ndescription: all\nconditions:\n  campaign: [webinar-nov, unattributed]\n")
	write("notes.txt", "not a segment")
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range set.All() {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{"everyone", "warm-pricing"}) {
		t.Fatalf("ids %v", ids)
	}
	if _, ok := set.Get("everyone"); !ok {
		t.Fatal("Get")
	}

	ok := Known{Campaigns: map[string][]string{"q4-demo": {"a", "b"}, "webinar-nov": {"main"}}, Reasons: []string{"competitor", "not_now", "student"}}
	if err := set.Check(ok); err != nil {
		t.Fatalf("check: %v", err)
	}
	bad := Known{Campaigns: map[string][]string{"q4-demo": {"a"}}, Reasons: []string{"competitor", "not_now", "students"}}
	err = set.Check(bad)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("check: %v", err)
	}
	file := filepath.Join(dir, "warm-pricing.yaml")
	for _, want := range []string{
		file + `:9: conditions.variant: q4-demo has no variant "b" (known: a; if its leads still carry it, keep it in the campaign file with retired: true)`,
		file + `:12: conditions.reasons: no reason code "student" in the qualification config's disqualifiers or reject_reasons (did you mean "students"? If leads still carry it from an earlier config, list it under retired_reasons)`,
	} {
		if !strings.Contains(err.Error(), want+"\n") && !strings.HasSuffix(err.Error(), want) {
			t.Errorf("want %q in\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "everyone.yml") {
		t.Errorf("a campaign without a file is not checked: %v", err)
	}
	if set.Check(Known{}) != nil {
		t.Error("nothing known: nothing checked")
	}

	write("warm-pricing2.yaml", strings.Replace(fixture, "id: warm-pricing", "id: warm-pricing2", 1)+"bogus: 1\n")
	write("broken.yaml", "version: 1\nid: broken\n")
	_, err = LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "broken.yaml:1: missing description") || !strings.Contains(err.Error(), `warm-pricing2.yaml:21: unknown field "bogus"`) {
		t.Fatalf("every file's problems: %v", err)
	}
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing folder is an error")
	}
}

func TestLoadDirRefusesOneIDInTwoFiles(t *testing.T) {
	dir := t.TempDir()
	src := "version: 1\nid: dup\ndescription: d\nconditions: {}\n"
	for _, n := range []string{"dup.yaml", "dup.yml"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), `dup.yml:2: duplicate segment id "dup"`) {
		t.Fatalf("got %v", err)
	}
}

// TestShippedSegments keeps config/segments valid for the shipped
// campaign files and the default qualification config.
func TestShippedSegments(t *testing.T) {
	set, err := LoadDir(filepath.Join("..", "..", "config", "segments"))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.All()) < 2 {
		t.Fatalf("config/segments has %d segments, want the examples", len(set.All()))
	}
	campaigns, err := campaign.LoadDir(filepath.Join("..", "..", "config", "campaigns"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := campaigns.Qualify(qualify.Default())
	if err != nil {
		t.Fatal(err)
	}
	k := Deployment(campaigns, rules)
	if len(k.Campaigns["q4-demo"]) != 2 || !slices.Contains(k.Reasons, "job_seeker") || !slices.Contains(k.Reasons, "bad_timing") {
		t.Fatalf("deployment %+v", k)
	}
	if err := set.Check(k); err != nil {
		t.Fatal(err)
	}
}

// TestSegmentOfARenamedReason: marketing renamed the disqualifier
// job_seeker to jobseeker. The exclusion audience not-a-fit must keep the
// leads disqualified under the old code: it may name both once the
// qualification config lists the old one as retired; without that, the
// check says how to keep them rather than only suggesting the new code
// (which would drop every earlier lead from the audience).
func TestSegmentOfARenamedReason(t *testing.T) {
	src := "version: 1\nid: not-a-fit\ndescription: d\nconditions:\n  reasons: {any_of: [jobseeker, job_seeker]}\n"
	set, err := Parse([]byte(src), "not-a-fit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seg := NewSet(set)
	config := `version: 1
fit: {rules: [], grades: {A: 60, B: 40, C: 20}}
thresholds: {A: {hot: 20, warm: 0}, B: {}, C: {}, D: {}}
routing: {teams: {smb: {reps: [{name: Sam, email: sam@example.com}]}}, default_team: smb}
disqualifiers: [{reason: jobseeker, field: message, op: contains, values: [vacancy]}]
`
	renamed, err := qualify.Parse([]byte(config), "qualify.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = seg.Check(Deployment(nil, renamed))
	if err == nil || !strings.Contains(err.Error(), `no reason code "job_seeker" in the qualification config's disqualifiers or reject_reasons (did you mean "jobseeker"? `+
		`If leads still carry it from an earlier config, list it under retired_reasons)`) {
		t.Fatalf("check without retired_reasons: %v", err)
	}
	retired, err := qualify.Parse([]byte(config+"retired_reasons: [job_seeker]\n"), "qualify.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := seg.Check(Deployment(nil, retired)); err != nil {
		t.Fatalf("check with job_seeker retired: %v", err)
	}
	l := lead.Lead{Qualification: &lead.Qualification{Disqualified: "job_seeker"}}
	if !set.Match(&l, time.Now()) {
		t.Fatal("a lead disqualified under the old code is in the segment")
	}
}

// TestSegmentOfARetiredVariant: variant b of q4-demo lost its A/B test.
// The retargeting segment of b's leads keeps working once the campaign
// file marks b retired: true; deleting b instead is refused at the
// segment's line with what to do, not at export time.
func TestSegmentOfARetiredVariant(t *testing.T) {
	src := "version: 1\nid: offer-b\ndescription: d\nconditions:\n  campaign: q4-demo\n  variant: b\n"
	set, err := Parse([]byte(src), "offer-b.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seg := NewSet(set)
	const file = `version: 1
id: q4-demo
name: Q4
hypothesis: h
variants:
  - {id: a, weight: 50, headline: A, cta: Go}
  - {id: b, %s, headline: B, cta: Go}
form: {form_type: demo_request, consent_text: News, consent_version: v1, fields: [name]}
`
	campaigns := func(b string) *campaign.Set {
		t.Helper()
		dir := t.TempDir()
		src := fmt.Sprintf(file, b)
		if b == "" {
			src = strings.Replace(src, "  - {id: b, , headline: B, cta: Go}\n", "", 1)
		}
		if err := os.WriteFile(filepath.Join(dir, "q4-demo.yaml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := campaign.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if err := seg.Check(Deployment(campaigns("retired: true"), nil)); err != nil {
		t.Fatalf("b retired: %v", err)
	}
	err = seg.Check(Deployment(campaigns(""), nil))
	if err == nil || !strings.Contains(err.Error(), `offer-b.yaml:6: conditions.variant: q4-demo has no variant "b" (known: a; `+
		`if its leads still carry it, keep it in the campaign file with retired: true)`) {
		t.Fatalf("b deleted: %v", err)
	}
}
