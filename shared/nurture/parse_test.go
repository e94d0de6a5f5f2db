package nurture

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
)

func TestFullConfigParses(t *testing.T) {
	c := mustParse(t, full)
	if got := c.Sequences(); strings.Join(got, ",") != "cold-education,warm-followup" {
		t.Errorf("sequences = %v", got)
	}
	if got := c.Templates(); strings.Join(got, ",") != "case_study,last_chance,welcome" {
		t.Errorf("templates = %v", got)
	}
	if max, per := c.FrequencyCap(); max != 2 || per != 168*time.Hour {
		t.Errorf("cap = %d per %v", max, per)
	}
	if got := c.Window().String(); got != "09:00–17:00 Mon–Fri" {
		t.Errorf("window = %s", got)
	}
	seq := c.byID["cold-education"]
	if check := seq.steps[seq.index["check"]]; check.then != seq.index["fast-track"] || check.els != seq.index["wait-3"] {
		t.Errorf("branch targets %d/%d", check.then, check.els)
	}
	warm := c.byID["warm-followup"]
	if b := warm.steps[1]; b.cond.kind != condVisited || b.cond.path != "/pricing" || b.els != 2 {
		t.Errorf("warm branch = %+v", b)
	}
}

// TestValidationLines breaks one thing at a time and checks the message
// and the exact line it points at: the line holding marker after the edit.
func TestValidationLines(t *testing.T) {
	tests := []struct{ Name, Old, New, Marker, Want string }{
		{"unknown top-level field", "templates:\n", "template: {}\ntemplates:\n", "template: {}",
			`unknown field "template" (did you mean "templates"?)`},
		{"unknown step field", "{id: wait-1, wait: 72h}", "{id: wait-1, wiat: 72h}", "wiat",
			`unknown field "wiat" in sequence cold-education, steps[1] (did you mean "wait"?)`},
		{"unknown window field", `window: {from: "09:00"`, `window: {form: "09:00"`, "form:",
			`unknown field "form" in defaults.window (did you mean "from"?)`},
		{"duplicate key", "  frequency_cap:", "  window: {}\n  frequency_cap:", "window: {}",
			`defaults: duplicate field "window" (first at line 5)`},
		{"duplicate step id", "{id: wait-2, wait: 48h}", "{id: wait-1, wait: 48h}", "{id: wait-1, wait: 48h}",
			`sequence cold-education: duplicate step id "wait-1" (first at line 12)`},
		{"unknown branch target", "then: fast-track", "then: fast-trak", "fast-trak",
			`sequence cold-education, step check: branch target "fast-trak" is not a step of this sequence (did you mean "fast-track"?)`},
		{"unknown else target", "else: wait-3", "else: nowhere", "nowhere",
			`sequence cold-education, step check: branch target "nowhere" is not a step of this sequence (steps: welcome, wait-1, case-study, wait-2, check, wait-3, last, done, fast-track)`},
		{"unknown template", "send: case_study", "send: case_studdy", "case_studdy",
			`sequence cold-education, step case-study.send: unknown template "case_studdy" (did you mean "case_study"?)`},
		{"template does not parse", `html: "<p>Hi {{.FirstName}},</p><p>Read`, `html: "<p>Hi {{.FirstName},</p><p>Read`, "{{.FirstName},</p>",
			`templates.welcome.html: bad character U+007D '}'`},
		{"template line inside a block", "      <p>A case study for {{.JobTitle}}s.</p>", "      <p>A case study for {{.JobTitel}}s.</p>", "JobTitel",
			`templates.case_study.html: unknown field {{.JobTitel}} (did you mean {{.JobTitle}}?)`},
		{"unknown field in subject", `subject: "{{.FirstName}}, three`, `subject: "{{.First}}, three`, "{{.First}}",
			`templates.welcome.subject: unknown field {{.First}} (fields: FirstName, Name, Company, JobTitle, Industry, Country, UnsubscribeURL)`},
		{"subject on two lines", "subject: Last chance", "subject: \"Last\\nchance\"", `"Last\nchance"`,
			`templates.last_chance.subject: must be one line`},
		{"subject empty without data", "subject: Last chance", "subject: \"{{.Company}}\"", `"{{.Company}}"`,
			`templates.last_chance.subject: empty for a lead that gave only an email address`},
		{"missing text part", "    text: Bye {{.Name}}\n", "", "  last_chance:",
			`templates.last_chance: missing text`},
		{"bad wait duration", "wait: 72h", "wait: 3 days", "3 days",
			`sequence cold-education, step wait-1.wait: bad duration "3 days" (use hours or minutes such as 336h or 90m, or days such as 14d)`},
		{"bad cap duration", "per: 168h", "per: weekly", "weekly",
			`defaults.frequency_cap.per: bad duration "weekly"`},
		{"bad window time", `from: "09:00"`, `from: "9am"`, "9am",
			`defaults.window.from: bad time "9am" (use 24-hour HH:MM such as 09:00 or 17:30)`},
		{"window hour out of range", `to: "17:00"`, `to: "25:00"`, "25:00",
			`defaults.window.to: bad time "25:00"`},
		{"window ends before it starts", `to: "17:00"`, `to: "08:00"`, "08:00",
			`defaults.window: to (08:00) must be after from (09:00); a window cannot span midnight`},
		{"unknown weekday", "days: [mon, tue, wed, thu, fri]", "days: [mon, tue, wed, thr, fri]", "thr",
			`defaults.window.days: unknown weekday "thr" (did you mean "thu"?)`},
		{"day listed twice", "days: [mon, tue, wed, thu, fri]", "days: [mon, tue, wed, thu, monday]", "monday",
			`defaults.window.days: Monday is listed twice (first at line 5)`},
		{"no send days", "days: [mon, tue, wed, thu, fri]", "days: []", "days: []",
			`defaults.window.days: no send days`},
		{"invalid time zone", "time_zone: Europe/Berlin", "time_zone: Europe/Berlinn", "Berlinn",
			`defaults.time_zone: unknown time zone "Europe/Berlinn" (use an IANA name such as Europe/Berlin or America/New_York)`},
		{"Local is not a zone", "time_zone: Europe/Berlin", "time_zone: Local", "Local",
			`defaults.time_zone: unknown time zone "Local"`},
		{"invalid country zone", "{US: America/Chicago}", "{US: America/Chicgo}", "Chicgo",
			`defaults.country_time_zones.US: unknown time zone "America/Chicgo"`},
		{"bad country code", "{US: America/Chicago}", "{usa: America/Chicago}", "usa",
			`defaults.country_time_zones: country "usa" must be an ISO 3166 code of two capital letters, like DE`},
		{"cap max below one", "max: 2", "max: 0", "max: 0",
			`defaults.frequency_cap.max: must be at least 1, got 0`},
		{"cap max above history", "max: 2", "max: 50", "max: 50",
			`defaults.frequency_cap.max: can be at most 20 (the sends a lead's history keeps), got 50`},
		{"cap max not a number", "max: 2", "max: two", "max: two",
			`defaults.frequency_cap.max: expected a whole number of emails, got "two"`},
		{"no send step", "      - id: recap\n        send: welcome\n", "      - {id: recap, wait: 1h}\n", "    steps:\n      - {id: recap",
			`sequence warm-followup: no send step (a sequence must send at least one email)`},
		{"branch loops without wait", "{id: wait-3, wait: 96h}", "{id: wait-3, branch: {if: opened, then: check}}", "then: check}",
			`sequence cold-education, step wait-3: jumping back to "check" loops forever without a wait or send`},
		{"branch jumps back", "then: fast-track", "then: welcome", "then: welcome",
			`sequence cold-education, step check: jumping back to "welcome" is not allowed: sequences only branch forward, so each step runs at most once per lead`},
		{"duplicate sequence id", "  - id: warm-followup", "  - id: cold-education", "  - id: cold-education\n    entry:\n      temperatures: [warm]",
			`sequences[1]: duplicate sequence id "cold-education" (first at line 8)`},
		{"step with two actions", "{id: wait-1, wait: 72h}", "{id: wait-1, wait: 72h, send: welcome}", "{id: wait-1, wait: 72h, send",
			`sequence cold-education, step wait-1: one action per step (it has both wait and send)`},
		{"step without action", "{id: wait-1, wait: 72h}", "{id: wait-1}", "{id: wait-1}",
			`sequence cold-education, step wait-1: the step does nothing (give one of send, wait, branch, handoff, exit)`},
		{"step without id", "{id: wait-1, wait: 72h}", "{wait: 72h}", "{wait: 72h}",
			`sequence cold-education, steps[1]: missing id`},
		{"unknown condition", "if: clicked", "if: clikced", "clikced",
			`sequence cold-education, step check.branch.if: unknown condition "clikced" (did you mean "clicked"?)`},
		{"condition needs a value", "if: clicked", "if: score_at_least", "score_at_least",
			`sequence cold-education, step check.branch.if: score_at_least needs a value, as in {score_at_least: 40}`},
		{"bad score", "if: clicked", "if: {score_at_least: lots}", "lots",
			`sequence cold-education, step check.branch.if.score_at_least: expected a number, got "lots"`},
		{"bad grade", "if: clicked", "if: {grade_in: [A, E]}", "grade_in",
			`sequence cold-education, step check.branch.if.grade_in: unknown grade "E" (use A, B, C, D)`},
		{"no grades", "if: clicked", "if: {grade_in: []}", "grade_in",
			`sequence cold-education, step check.branch.if.grade_in: no grades`},
		{"two conditions", "if: clicked", "if: {grade_in: [A], score_at_least: 3}", "grade_in",
			`sequence cold-education, step check.branch.if: one condition per branch (use another branch step for a second)`},
		{"visited needs a path", "if: {visited: /pricing}", "if: {visited: pricing}", "{visited: pricing}",
			`sequence warm-followup, step pricing.branch.if.visited: page "pricing" must be a path starting with /, like /pricing`},
		{"clicked right after a send", "      - id: pricing\n        branch:\n          if: {visited: /pricing}", "      - id: pricing\n        branch:\n          if: clicked", "      - id: pricing\n",
			`sequence warm-followup: step "pricing" checks clicked right after a send, before anyone could open it (put a wait step before it)`},
		{"clicked right after a send and a branch", "          then: to-sales\n", "          then: to-sales\n      - {id: clicks, branch: {if: clicked, then: to-sales}}\n", "{id: clicks",
			`sequence warm-followup: step "clicks" checks clicked right after a send, before anyone could open it (put a wait step before it)`},
		{"unreachable step", "{id: done, exit: completed}\n      - {id: fast-track, handoff: true}", "{id: done, exit: completed}\n      - {id: orphan, send: welcome}\n      - {id: fast-track, handoff: true}", "orphan",
			`sequence cold-education: step "orphan" is never reached (it follows a handoff or exit and no branch jumps to it)`},
		{"handoff false", "{id: fast-track, handoff: true}", "{id: fast-track, handoff: false}", "handoff: false",
			`sequence cold-education, step fast-track.handoff: handoff: false does nothing (remove the step, or write handoff: true)`},
		{"unknown temperature", "temperatures: [cold]", "temperatures: [cool]", "cool",
			`sequence cold-education, entry.temperatures: unknown value "cool" (use cold, warm, hot)`},
		{"bad entry campaign", "campaigns: []}", "campaigns: [Web Inar]}", "campaigns: [Web",
			`sequence cold-education, entry.campaigns: campaign id "Web Inar" must be lowercase letters, digits, - or _, as in the lead's campaign`},
		{"bad trigger signal", "campaigns: []}", "campaigns: [], signals: [Pricing Page]}", "signals: [Pricing",
			`sequence cold-education, entry.signals: "Pricing Page" is no signal that starts a sequence (use email_open, email_click, page_view, pricing_page_view or page_view:<name> of a page TRACK_PAGES names)`},
		{"misspelt trigger signal", "campaigns: []}", "campaigns: [], signals: [pricing_page_veiw]}", "signals: [pricing",
			`sequence cold-education, entry.signals: "pricing_page_veiw" is no signal that starts a sequence (did you mean "pricing_page_view"?)`},
		{"form as a trigger", "campaigns: []}", "campaigns: [], signals: [\"form:webinar\"]}", "signals: [\"form",
			`sequence cold-education, entry.signals: "form:webinar" never starts a sequence: a form re-grades the lead and places it by its campaign (name the sequence in the campaign file's sequence:)`},
		{"reply as a trigger", "campaigns: []}", "campaigns: [], signals: [reply]}", "signals: [reply",
			`sequence cold-education, entry.signals: "reply" is no signal that starts a sequence (use email_open, email_click, page_view, pricing_page_view or page_view:<name> of a page TRACK_PAGES names)`},
		{"empty trigger list", "campaigns: []}", "campaigns: [], signals: []}", "signals: []",
			`sequence cold-education, entry.signals: empty (list the signals that trigger the sequence, or leave signals out)`},
		{"trigger from an unknown sequence", "campaigns: []}", "campaigns: [], signals: [email_click], from: [cold-educaton]}", "from: [cold-educaton]",
			`sequence cold-education, entry.from: "cold-educaton" is not another sequence of this file (have cold-education, warm-followup)`},
		{"from without signals", "campaigns: []}", "campaigns: [], from: [warm-followup]}", "from: [warm",
			`sequence cold-education, entry.from: only a triggered sequence (one with signals) takes leads from other sequences`},
		{"bad step id", "{id: wait-1, wait: 72h}", "{id: Wait 1, wait: 72h}", "Wait 1",
			`sequence cold-education, steps[1].id: step id "Wait 1" must be lowercase letters, digits, - or _ (like cold-education)`},
		{"unsupported version", "version: 1", "version: 2", "version: 2",
			`unsupported version "2" (this build reads version 1)`},
		{"YAML syntax", `  window: {from: "09:00", to: "17:00", days: [mon, tue, wed, thu, fri]}`, `  window: {from: "09:00", to: "17:00", days: [mon, tue, wed, thu, fri]`, "  window:",
			"YAML syntax: did not find expected ',' or '}'"},
	}
	yamltest.CheckEdits(t, full, "sequences.yaml", ErrInvalid, func(b []byte, file string) error {
		_, err := Parse(b, file)
		return err
	}, tests)
}

func TestValidationCollectsEveryProblemInFileOrder(t *testing.T) {
	src := full
	src = strings.Replace(src, "wait: 72h", "wait: soon", 1)
	src = strings.Replace(src, "then: fast-track", "then: nowhere", 1)
	src = strings.Replace(src, "days: [mon,", "days: [moon,", 1)
	src = strings.Replace(src, "Bye {{.Name}}</p>", "Bye {{.Name</p>", 1)
	_, err := Parse([]byte(src), "sequences.yaml")
	yamltest.InFileOrder(t, err, 4)
}

func TestParseRejectsNonConfigs(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty", "", "sequences.yaml:1: empty config"},
		{"comment only", "# nothing\n", "sequences.yaml:1: empty config"},
		{"scalar", "hello", `sequences.yaml:1: expected a mapping of fields, got "hello"`},
		{"list", "- a\n", "sequences.yaml:1: expected a mapping of fields, got a list"},
		{"missing sections", "version: 1\n", "sequences.yaml:1: missing sequences"},
		{"no sequences", "version: 1\nsequences: []\ntemplates: {}\n", "sequences.yaml:2: sequences: no sequences"},
		{"no templates", "version: 1\nsequences: []\ntemplates: {}\n", "sequences.yaml:3: templates: no templates"},
		{"no steps", "version: 1\nsequences: [{id: a, steps: []}]\ntemplates: {t: {subject: s, html: h, text: t}}\n", "sequences.yaml:2: sequence a: no steps"},
		{"tab indentation", "version: 1\nsequences:\n\t- a\n", "sequences.yaml:3: YAML syntax: found character that cannot start any token"},
		{"unknown anchor", "version: 1\nsequences: *nope\n", `sequences.yaml:2: YAML syntax: unknown anchor "nope" referenced`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "")
			if err == nil || !strings.Contains(err.Error()+"\n", tt.want) {
				t.Errorf("got %v\nwant a line %q", err, tt.want)
			}
		})
	}
}

func TestParseAcceptsVariants(t *testing.T) {
	src := strings.Replace(full, "wait: 72h", "wait: 3d", 1)
	src = strings.Replace(src, "days: [mon, tue, wed, thu, fri]", "days: [Monday, tue, WED, thurs, fri, sat]", 1)
	src = strings.Replace(src, `to: "17:00"`, `to: "24:00"`, 1)
	src = strings.Replace(src, "  - id: warm-followup\n", "  - &warm\n    id: warm-followup\n", 1)
	c := mustParse(t, src)
	seq := c.byID["cold-education"]
	if seq.steps[1].wait != 72*time.Hour {
		t.Errorf("3d = %v", seq.steps[1].wait)
	}
	if got := c.Window().String(); got != "09:00–24:00 Mon–Sat" {
		t.Errorf("window = %s", got)
	}
}

func TestWindowString(t *testing.T) {
	tests := []struct {
		days string
		want string
	}{
		{"[mon, tue, wed, thu, fri, sat, sun]", "every day"},
		{"[mon, wed, fri]", "Mon, Wed, Fri"},
		{"[mon, tue, thu, fri, sat]", "Mon, Tue, Thu–Sat"},
		{"[sun]", "Sun"},
	}
	for _, tt := range tests {
		c := mustParse(t, strings.Replace(full, "[mon, tue, wed, thu, fri]", tt.days, 1))
		if got := c.Window().dayList(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.days, got, tt.want)
		}
	}
}

// TestATemplateGmailWouldClipIsRefused: Gmail clips an email whose HTML
// part is over 102 KB, and the end it hides is the footer: the
// unsubscribe link and the postal address the law asks for. A template
// whose email could be over mail.MaxHTMLSize as sent — with the longest
// values a lead's fields put in it, every link replaced by its (longer)
// click-tracking redirect, the open pixel and the footer — is refused at
// load, at its html's line.
func TestATemplateGmailWouldClipIsRefused(t *testing.T) {
	para := "      <p>" + strings.Repeat("Lorem ipsum dolor sit amet. ", 35) + "</p>\n" // ~1 KB
	links := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "      <p><a href=\"https://www.example.com/guides/a-long-page-name-for-guide-%d?utm_source=nurture&utm_medium=email\">Guide %d</a></p>\n", i, i)
		}
		return b.String()
	}
	config := func(body string) string {
		return "version: 1\nsequences:\n  - id: s\n    steps:\n      - {id: one, send: t}\ntemplates:\n  t:\n    subject: Hi\n    text: Hi\n    html: |\n      <p>Hi {{.FirstName}} of {{.Company}},</p>\n" + body
	}
	for _, tc := range []struct {
		name    string
		body    string
		refused bool
	}{
		{"70 KB of text", strings.Repeat(para, 70), false},
		{"90 KB of text", strings.Repeat(para, 90), true},
		{"60 KB of text and 150 links", strings.Repeat(para, 60) + links(150), true},
		{"60 KB of text and 10 links", strings.Repeat(para, 60) + links(10), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(config(tc.body)), "sequences.yaml")
			switch {
			case tc.refused && (err == nil || !strings.Contains(err.Error(), "sequences.yaml:10: templates.t.html: ") || !strings.Contains(err.Error(), "Gmail clips")):
				t.Errorf("err = %v, want a refusal at line 10 that says Gmail clips it", err)
			case !tc.refused && err != nil:
				t.Errorf("refused: %v", err)
			}
		})
	}
}
