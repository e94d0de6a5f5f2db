package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 12, 30, 0, 0, time.UTC)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, now)
	return code, out.String(), errOut.String()
}

// TestCheckDefaultConfig: from the repository root, make check-config
// checks the qualification config, every campaign file and the nurture
// sequences, and says what it checked.
func TestCheckDefaultConfig(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	code, out, errOut := runCmd("check-config")
	lines := strings.Split(out, "\n")
	if code != 0 || errOut != "" || len(lines) != 5 ||
		!strings.HasPrefix(lines[0], "qualification config OK (embedded default): 12 fit rules,") ||
		lines[1] != "config/campaigns: 2 campaign files OK (q4-demo, webinar-nov)" ||
		lines[2] != "config/segments: 4 segment files OK (demo-requesters, not-a-fit, q4-demo-nurturing, won-customers)" ||
		!strings.HasPrefix(lines[3], "nurture sequences OK (embedded default): ") {
		t.Errorf("code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

func TestCheckInvalidConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qualify.yaml")
	bad := "version: 1\nfit:\n  rules:\n    - {field: job_title, op: startswith, values: [CMO], points: 5}\n  gradee: {A: 1}\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("check-config", "-config", path)
	if code != 1 || out != "" {
		t.Errorf("code %d stdout %q", code, out)
	}
	for _, want := range []string{
		path + `:4: unknown operator "startswith" (use equals, in, contains, regex, range, exists)`,
		path + `:5: unknown field "gradee" in fit (did you mean "grades"?)`,
		path + `:2: fit: missing grades`,
		path + `:1: missing thresholds`,
	} {
		if !strings.Contains(errOut, want+"\n") {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestCheckSampleLeads(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"../../events/sample-lead.json", []string{
			"lead dana.whitfield@northwind-analytics.com",
			"grade A (110 fit points), engagement 52.7, hot → stage mql",
			"team enterprise (Ana Lopez, Ben Wu), first response within 5m",
			"    +40 demo request form\n",
			"    +3 email click (decayed to 2.7)\n",
			"    hot: grade A and score 52.7 ≥ 20\n",
		}},
		{"../../events/sample-lead-jobseeker.json", []string{
			"  disqualified: job_seeker\n",
			"cold → stage disqualified",
			`    disqualified: job_seeker (message contains "vacancy")`,
		}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			code, out, errOut := runCmd("check-config", "-lead", tt.file, "-signals", "pricing_page_view, email_click@48h")
			if code != 0 || errOut != "" {
				t.Fatalf("code %d stderr %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestCheckConfigUsageErrors(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "lead.json")
	os.WriteFile(typo, []byte(`{"email": "a@acme.example", "jobtitle": "CMO"}`), 0o600)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "usage: leadflow"},
		{"unknown command", []string{"deploy"}, 2, `unknown command "deploy"`},
		{"bad signal age", []string{"check-config", "-lead", "../../events/sample-lead.json", "-signals", "reply@yesterday"}, 2, `bad age "yesterday"`},
		{"signals without lead", []string{"check-config", "-signals", "reply"}, 2, "-signals needs -lead"},
		// A misspelt kind scored nothing, and the preview looked as if the
		// config ignored the signal.
		{"misspelt signal kind", []string{"check-config", "-lead", "../../events/sample-lead.json", "-signals", "pricing_page_veiw@2h"}, 2,
			`check-config: -signals: unknown signal kind "pricing_page_veiw" (did you mean "pricing_page_view"?)`},
		{"unknown signal kind", []string{"check-config", "-lead", "../../events/sample-lead.json", "-signals", "webinar"}, 2,
			`check-config: -signals: unknown signal kind "webinar" (use form:<form_type>, page_view, pricing_page_view, email_open, email_click, reply, resubmission or page_view:<name> of a page TRACK_PAGES names)`},
		{"lead field typo", []string{"check-config", "-lead", typo}, 1, `unknown field "jobtitle"`},
		{"missing lead file", []string{"check-config", "-lead", filepath.Join(dir, "nope.json")}, 1, "no such file"},
		{"missing config file", []string{"check-config", "-config", filepath.Join(dir, "nope.yaml")}, 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCmd(tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("code %d (want %d), stderr:\n%s", code, tt.code, errOut)
			}
		})
	}
}

// TestCheckConfigAppliesCampaignFiles: -campaigns reads the campaign
// files' qualify: sections; the decision for a lead of that campaign says
// whose rules applied, and a broken section is reported as file:line.
func TestCheckConfigAppliesCampaignFiles(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "config", "campaigns", "webinar-nov.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile(filepath.Join("..", "..", "events", "sample-lead.json"))
	if err != nil {
		t.Fatal(err)
	}
	leadPath := filepath.Join(t.TempDir(), "lead.json")
	if err := os.WriteFile(leadPath, []byte(strings.Replace(string(sample), `"campaign": "search-q4"`, `"campaign": "webinar-nov"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(section string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "webinar-nov.yaml"), []byte(string(src)+section), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}

	good := write("qualify:\n  thresholds: {A: {hot: 80}, B: {hot: 90}, C: {}, D: {}}\n")
	code, out, errOut := runCmd("check-config", "-campaigns", good, "-lead", leadPath)
	if code != 0 || !strings.Contains(out, "1 campaign override (webinar-nov)") || !strings.Contains(out, "campaign overrides: webinar-nov") {
		t.Errorf("code %d\nstdout %s\nstderr %s", code, out, errOut)
	}

	bad := write("qualify:\n  thresholds: {A: {hot: 1}}\n  fitt: {}\n")
	code, out, errOut = runCmd("check-config", "-campaigns", bad)
	want := filepath.Join(bad, "webinar-nov.yaml") + fmt.Sprintf(`:%d: unknown field "fitt" in qualify (did you mean "fit"?)`, strings.Count(string(src), "\n")+3)
	if code != 1 || out != "" || !strings.Contains(errOut, want) {
		t.Errorf("code %d stdout %q\nstderr %s\nwant %s", code, out, errOut, want)
	}
}

// TestCheckConfigReportsEveryFile: a broken qualification config, campaign
// file and sequences file are reported together, each problem as
// file:line: message and nothing else, with exit status 1.
func TestCheckConfigReportsEveryFile(t *testing.T) {
	dir := t.TempDir()
	qualifyPath := filepath.Join(dir, "qualify.yaml")
	os.WriteFile(qualifyPath, []byte("version: 1\nfitt: {}\n"), 0o600)
	campaigns := filepath.Join(dir, "campaigns")
	os.Mkdir(campaigns, 0o700)
	os.WriteFile(filepath.Join(campaigns, "spring.yaml"), []byte("version: 1\nid: spring\nvariants:\n  - {id: a, headline: H, offer: O}\n"), 0o600)
	seqPath := filepath.Join(dir, "nurture.yaml")
	os.WriteFile(seqPath, []byte("version: 1\nsequencess: []\n"), 0o600)

	code, out, errOut := runCmd("check-config", "-config", qualifyPath, "-campaigns", campaigns, "-sequences", seqPath)
	if code != 1 || out != "" {
		t.Fatalf("code %d stdout %q", code, out)
	}
	for _, file := range []string{qualifyPath, filepath.Join(campaigns, "spring.yaml"), seqPath} {
		if !strings.Contains(errOut, file+":") {
			t.Errorf("stderr names no problem of %s:\n%s", file, errOut)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if !strings.HasPrefix(l, dir) {
			t.Errorf("stderr line %q is not file:line: message", l)
		}
	}
}

func TestCheckConfigCountsCampaignFiles(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "config", "campaigns", "webinar-nov.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "webinar-nov.yaml"), src, 0o600)
	code, out, _ := runCmd("check-config", "-campaigns", dir)
	if code != 0 || !strings.Contains(out, dir+": 1 campaign file OK (webinar-nov)\n") {
		t.Errorf("code %d stdout %s", code, out)
	}
	empty := t.TempDir()
	code, out, _ = runCmd("check-config", "-campaigns", empty)
	if code != 0 || !strings.Contains(out, empty+": no campaign files\n") {
		t.Errorf("code %d stdout %s", code, out)
	}
}

// TestCheckConfigCampaignSequence: a campaign naming a sequence the
// sequences config lacks fails the check as it fails the functions' init.
func TestCheckConfigCampaignSequence(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "config", "campaigns", "webinar-nov.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lines := strings.Split(string(src), "\n")
	at := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "sequence:") {
			at, lines[i] = i, "sequence: no-such-sequence"
		}
	}
	if at < 0 {
		t.Fatal("webinar-nov.yaml names no sequence")
	}
	os.WriteFile(filepath.Join(dir, "webinar-nov.yaml"), []byte(strings.Join(lines, "\n")), 0o600)
	code, out, errOut := runCmd("check-config", "-campaigns", dir)
	want := fmt.Sprintf("%s:%d: sequence %q is not in the nurture sequences", filepath.Join(dir, "webinar-nov.yaml"), at+1, "no-such-sequence")
	if code != 1 || out != "" || !strings.Contains(errOut, want) {
		t.Errorf("code %d stdout %q\nstderr %s\nwant %s", code, out, errOut, want)
	}
}

// TestCheckConfigChecksSegments: -segments reads the segment files, and a
// variant or reason code the deployment does not have is reported at its
// line with everything else.
func TestCheckConfigChecksSegments(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	campaigns := filepath.Join("..", "..", "config", "campaigns")
	write("ok.yaml", "version: 1\nid: ok\ndescription: fine\nconditions:\n  campaign: q4-demo\n  variant: b\n")
	code, out, errOut := runCmd("check-config", "-campaigns", campaigns, "-segments", dir)
	if code != 0 || !strings.Contains(out, dir+": 1 segment file OK (ok)\n") {
		t.Fatalf("code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	write("bad.yaml", "version: 1\nid: bad\ndescription: typos\nconditions:\n  stage: [nurturing, mq1]\n  campaign: q4-demo\n  variant: c\n  reasons: {any_of: [jobseeker]}\n")
	code, out, errOut = runCmd("check-config", "-campaigns", campaigns, "-segments", dir)
	if code != 1 || out != "" {
		t.Fatalf("code %d stdout %q", code, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	for _, want := range []string{bad + `:5: conditions.stage: unknown stage "mq1" (did you mean "mql"?)`} {
		if !strings.Contains(errOut, want+"\n") {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	// Names are checked against the deployment once the files parse.
	write("bad.yaml", "version: 1\nid: bad\ndescription: typos\nconditions:\n  campaign: q4-demo\n  variant: c\n  reasons: {any_of: [jobseeker]}\n")
	code, _, errOut = runCmd("check-config", "-campaigns", campaigns, "-segments", dir)
	for _, want := range []string{
		bad + `:6: conditions.variant: q4-demo has no variant "c" (known: a, b; if its leads still carry it, keep it in the campaign file with retired: true)`,
		bad + `:7: conditions.reasons: no reason code "jobseeker" in the qualification config's disqualifiers or reject_reasons (did you mean "job_seeker"? If leads still carry it from an earlier config, list it under retired_reasons)`,
	} {
		if code != 1 || !strings.Contains(errOut, want+"\n") {
			t.Errorf("code %d, stderr lacks %q:\n%s", code, want, errOut)
		}
	}
	if code, _, errOut := runCmd("check-config", "-segments", filepath.Join(dir, "missing")); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("a missing -segments folder: code %d, %s", code, errOut)
	}
}

// TestCheckConfigCountsAPlainFormFill: capture records a form without a
// form_type as a form:contact signal; check-config counts it the same, so
// it decides the lead as capture will (the default gives a contact form
// 15 points).
func TestCheckConfigCountsAPlainFormFill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lead.json")
	lead := `{"email": "pat@acme-corp.example", "job_title": "Operations Manager", "company_size": "60", "country": "GB"}`
	if err := os.WriteFile(path, []byte(lead), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd("check-config", "-lead", path)
	if code != 0 || errOut != "" || !strings.Contains(out, "engagement 15.0") {
		t.Errorf("code %d stderr %s\n%s", code, errOut, out)
	}
}

// TestCheckConfigSpendCurrencyNeedsRate: a campaign's spend in a currency
// the qualification config has no outcomes.rates entry for stops the
// reports function at start; check-config refuses it too, at the line.
func TestCheckConfigSpendCurrencyNeedsRate(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "config", "campaigns", "q4-demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "q4-demo.yaml")
	usd := strings.Replace(string(src), "currency: EUR}", "currency: USD}", 1)
	if usd == string(src) {
		t.Fatal("sample campaign has no EUR spend")
	}
	os.WriteFile(file, []byte(usd), 0o600)
	// the campaign its thank-you page links to (/c/webinar-nov), as is
	webinar, err := os.ReadFile(filepath.Join("..", "..", "config", "campaigns", "webinar-nov.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "webinar-nov.yaml"), webinar, 0o600)
	code, out, errOut := runCmd("check-config", "-campaigns", dir, "-segments", t.TempDir())
	if code != 1 || out != "" || !strings.Contains(errOut, file+":8: spend.currency: no rate converts USD into EUR") {
		t.Errorf("code %d\nstdout %s\nstderr %s", code, out, errOut)
	}

	// With the rate in the qualification config it passes.
	base, err := os.ReadFile(filepath.Join("..", "..", "shared", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "qualify.yaml")
	os.WriteFile(cfg, []byte(strings.Replace(string(base), "  # rates: {USD: 0.92, GBP: 1.17}", "  rates: {USD: 0.92}", 1)), 0o600)
	code, out, errOut = runCmd("check-config", "-config", cfg, "-campaigns", dir, "-segments", t.TempDir())
	if code != 0 || errOut != "" {
		t.Errorf("with a rate: code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

// TestCheckConfigSignalAgeInDays: the config's durations take days (14d);
// -signals refused "reply@2d" as a bad age.
func TestCheckConfigSignalAgeInDays(t *testing.T) {
	code, out, errOut := runCmd("check-config", "-lead", "../../events/sample-lead.json", "-signals", "email_click@2d")
	if code != 0 || errOut != "" || !strings.Contains(out, "    +3 email click (decayed to 2.7)\n") {
		t.Errorf("code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

// TestCheckConfigShowsSLAWorkingHours: a config with working hours says
// how the first response counts for the lead's team, and a bad hours
// block is refused with its file:line.
func TestCheckConfigShowsSLAWorkingHours(t *testing.T) {
	src, err := os.ReadFile("../../shared/qualify/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const sla = "  first_response: 5m            # sales must respond to a hot lead within this\n"
	if !bytes.Contains(src, []byte(sla)) {
		t.Fatal("default.yaml has no first_response line")
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, bytes.Replace(src, []byte(sla), []byte(sla+`  hours: {from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fri], time_zone: Europe/Berlin}`+"\n"), 1), 0o600)
	code, out, errOut := runCmd("check-config", "-config", good, "-lead", "../../events/sample-lead.json")
	if want := "team enterprise (Ana Lopez, Ben Wu), first response within 5m of working hours (Mon–Fri 08:00–18:00 Europe/Berlin)"; code != 0 || errOut != "" || !strings.Contains(out, want) {
		t.Errorf("code %d, output lacks %q:\n%s%s", code, want, out, errOut)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, bytes.Replace(src, []byte(sla), []byte(sla+`  hours: {from: "08:00", to: "18:00", days: [mon, tue, wed, thu, fry]}`+"\n"), 1), 0o600)
	line := bytes.Count(src[:bytes.Index(src, []byte(sla))], []byte("\n")) + 2
	code, _, errOut = runCmd("check-config", "-config", bad)
	if want := fmt.Sprintf(`%s:%d: sla.hours.days: unknown weekday "fry" (did you mean "fri"?)`, bad, line); code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("code %d, stderr lacks %q:\n%s", code, want, errOut)
	}
}

// TestCheckConfigChecksPageSignalsAgainstTrackPages: a page signal the
// rules score, a sequence waits for or a segment counts is recorded only
// when TRACK_PAGES maps a page to it. check-config checks the three
// against the deployment's TRACK_PAGES (-track-pages; the function's
// default /pricing=pricing_page_view when not given), each at its line.
func TestCheckConfigChecksPageSignalsAgainstTrackPages(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	def, err := os.ReadFile(filepath.Join("..", "..", "shared", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rules := write("qualify.yaml", strings.Replace(string(def), "    - {signal: page_view, points: 1, half_life: 72h}\n",
		"    - {signal: page_view, points: 1, half_life: 72h}\n    - {signal: \"page_view:demo\", points: 12}\n", 1))
	seqSrc, err := os.ReadFile(filepath.Join("..", "..", "shared", "nurture", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	seqs := write("nurture.yaml", strings.Replace(string(seqSrc), "entry: {signals: [pricing_page_view],", `entry: {signals: [pricing_page_view, "page_view:tour"],`, 1))
	segs := filepath.Join(dir, "segments")
	if err := os.Mkdir(segs, 0o755); err != nil {
		t.Fatal(err)
	}
	write("segments/demo-viewers.yaml", "version: 1\nid: demo-viewers\ndescription: saw the demo\nconditions:\n  signals:\n    - {signal: \"page_view:demo\"}\n")
	ruleLine := lineOf(t, rules, `"page_view:demo"`)
	seqLine := lineOf(t, seqs, `"page_view:tour"`)
	args := []string{"check-config", "-config", rules, "-sequences", seqs, "-segments", segs, "-campaigns", filepath.Join("..", "..", "config", "campaigns")}

	code, out, errOut := runCmd(args...)
	for _, want := range []string{
		fmt.Sprintf(`%s:%d: engagement.signals[9]: no page records page_view:demo, so it never counts (TRACK_PAGES is /pricing=pricing_page_view; map a page to it, e.g. /demo=page_view:demo)`, rules, ruleLine),
		fmt.Sprintf(`%s:%d: sequence pricing-interest, entry.signals: no page records page_view:tour, so it never counts (TRACK_PAGES is /pricing=pricing_page_view; map a page to it, e.g. /tour=page_view:tour)`, seqs, seqLine),
		filepath.Join(segs, "demo-viewers.yaml") + `:6: conditions.signals[0].signal: no page records page_view:demo`,
	} {
		if code != 1 || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("code %d, stdout %q, stderr lacks %q:\n%s", code, out, want, errOut)
		}
	}
	code, out, errOut = runCmd(append(args, "-track-pages", "/demo=page_view:demo, /tour=page_view:tour,/pricing=pricing_page_view")...)
	if code != 0 || errOut != "" {
		t.Errorf("with the pages mapped: code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	// Without /pricing, the default rules' and sequence's pricing_page_view
	// would never count either.
	code, _, errOut = runCmd(append(args, "-track-pages", "/demo=page_view:demo,/tour=page_view:tour")...)
	if code != 1 || !strings.Contains(errOut, "no page records pricing_page_view") {
		t.Errorf("without /pricing: code %d\nstderr %s", code, errOut)
	}
	if code, _, errOut := runCmd(append(args, "-track-pages", "/demo=demo_view")...); code != 1 || !strings.Contains(errOut, `TRACK_PAGES: page signal "/demo=demo_view": demo_view is no page signal`) {
		t.Errorf("a bad -track-pages: code %d\nstderr %s", code, errOut)
	}
}

// lineOf is the 1-based line of path holding s.
func lineOf(t *testing.T, path, s string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, s) {
			return i + 1
		}
	}
	t.Fatalf("%s has no %q", path, s)
	return 0
}
