package qualify

import (
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
)

// full is a valid config using every section; the validation tests break
// one line of it at a time.
const full = `version: 1
fit:
  rules:
    - field: job_title
      op: in
      values: [CMO, Head of Marketing, VP Marketing]
      points: 20
      label: decision maker
    - field: company_size
      op: range
      min: 50
      max: 5000
      points: 25
  grades: {A: 60, B: 40, C: 20}
engagement:
  half_life: 336h
  signals:
    - signal: form:demo_request
      points: 30
      half_life: 168h
    - {signal: pricing_page_view, points: 10}
disqualifiers:
  - reason: job_seeker
    field: message
    op: contains
    values: [vacancy, resume, internship, "looking for a job"]
  - reason: competitor
    field: email_domain
    op: in
    values: [rival.example]
thresholds:
  A: {hot: 20, warm: 0}
  B: {hot: 40, warm: 10}
  C: {warm: 30}
  D: {}
routing:
  teams:
    enterprise:
      reps:
        - {name: Ana Lopez, email: ana@example.com}
        - {name: Ben Wu, email: ben@example.com, away: true}
      lead: {name: Lea Stone, email: lea@example.com}
    smb:
      reps: [{name: Sam Reed, email: sam@example.com}]
  rules:
    - team: enterprise
      field: company_size
      op: range
      min: 500
  default_team: smb
sla:
  first_response: 5m
reject_reasons:
  - {code: not_icp, label: Not our ideal customer, action: disqualify}
  - {code: no_budget, label: No budget yet, action: nurture}
campaigns:
  webinar-2026:
    thresholds: {A: {hot: 10, warm: 0}, B: {hot: 20, warm: 5}, C: {warm: 20}, D: {}}
`

func TestFullConfigParses(t *testing.T) {
	c := mustParse(t, full)
	if len(c.base.fit) != 2 || len(c.base.signals) != 2 || len(c.base.disqualifiers) != 2 ||
		len(c.teams) != 2 || len(c.routes) != 1 || len(c.campaigns) != 1 || len(c.rejects) != 2 {
		t.Errorf("unexpected shape: %s", c.Summary())
	}
	if c.SLA().Minutes() != 5 {
		t.Errorf("SLA = %v", c.SLA())
	}
	if got := c.RejectReasons(); got[1] != (RejectReason{"no_budget", "No budget yet", ActionNurture}) {
		t.Errorf("reject reasons = %+v", got)
	}
	if r, ok := c.RejectReason("not_icp"); !ok || r.Action != ActionDisqualify {
		t.Errorf("RejectReason(not_icp) = %+v, %v", r, ok)
	}
	if _, ok := c.RejectReason("nope"); ok {
		t.Error("RejectReason found an unknown code")
	}
}

// TestValidationLines breaks one thing at a time and checks the message
// and the exact line it points at. The line is the one holding marker
// after the edit.
func TestValidationLines(t *testing.T) {
	tests := []struct{ Name, Old, New, Marker, Want string }{
		{"unknown field", "  grades: {A: 60", "  gradee: {A: 60", "gradee",
			`unknown field "gradee" in fit (did you mean "grades"?)`},
		{"unknown top-level field", "sla:\n", "slaa: 1\nsla:\n", "slaa",
			`unknown field "slaa" (did you mean "sla"?)`},
		{"unknown operator", "      op: in\n", "      op: startswith\n", "startswith",
			`unknown operator "startswith" (use equals, in, contains, regex, range, exists)`},
		{"overlapping thresholds", "B: {hot: 40, warm: 10}", "B: {hot: 10, warm: 20}", "B: {hot: 10",
			`thresholds.B: hot (10) must be above warm (20) — overlapping thresholds`},
		{"equal thresholds overlap", "B: {hot: 40, warm: 10}", "B: {hot: 10, warm: 10}", "B: {hot: 10",
			`thresholds.B: hot (10) must be above warm (10) — overlapping thresholds`},
		{"non-descending grades", "{A: 60, B: 40, C: 20}", "{A: 60, B: 70, C: 20}", "grades:",
			`fit.grades: must be strictly descending A > B > C (got A 60, B 70, C 20)`},
		{"bad regex", "      op: in\n      values: [CMO, Head of Marketing, VP Marketing]", "      op: regex\n      values: ['(CMO']", "(CMO",
			"fit.rules[0]: invalid regex \"(CMO\": missing closing ): `(CMO`"},
		{"bad duration", "half_life: 336h", "half_life: 2 weeks", "2 weeks",
			`engagement.half_life: bad duration "2 weeks" (use hours or minutes such as 336h or 90m, or days such as 14d)`},
		{"negative daily cap", "half_life: 336h\n", "half_life: 336h\n  max_per_day: -1\n", "max_per_day",
			`engagement.max_per_day: must be a whole number, 0 (no cap) or more, got -1`},
		{"fractional daily cap", "half_life: 336h\n", "half_life: 336h\n  max_per_day: 2.5\n", "max_per_day",
			`engagement.max_per_day: must be a whole number, 0 (no cap) or more, got 2.5`},
		{"bad sla duration", "first_response: 5m", "first_response: soon", "soon",
			`sla.first_response: bad duration "soon" (use hours or minutes such as 336h or 90m, or days such as 14d)`},
		{"unanswered hand-offs returned too soon", "first_response: 5m", "first_response: 5m\n  return_unanswered: 3d", "return_unanswered",
			`sla.return_unanswered (3d) must be at least 7d: the alert's links work for a week, and the team lead needs time after the escalation`},
		{"unknown routing team", "    - team: enterprise", "    - team: enterprize", "enterprize",
			`routing.rules[0]: unknown team "enterprize" (did you mean "enterprise"?)`},
		{"unknown default team", "default_team: smb", "default_team: mid", "default_team",
			`routing.default_team: unknown team "mid" (teams: enterprise, smb)`},
		{"missing points", "      max: 5000\n      points: 25\n", "      max: 5000\n", "field: company_size",
			`fit.rules[1]: missing points`},
		{"rep without email", "{name: Sam Reed, email: sam@example.com}", "{name: Sam Reed}", "Sam Reed",
			`routing.teams.smb.reps[0]: rep "Sam Reed" without email`},
		{"rep with empty email", "{name: Sam Reed, email: sam@example.com}", "{name: Sam Reed, email: ''}", "Sam Reed",
			`routing.teams.smb.reps[0]: rep "Sam Reed" without email`},
		{"rep with bad email", "{name: Sam Reed, email: sam@example.com}", "{name: Sam Reed, email: sam}", "Sam Reed",
			`routing.teams.smb.reps[0]: email "sam" is not a valid email address`},
		{"empty reason code", "  - reason: competitor", "  - reason: ''", "reason: ''",
			`disqualifiers[1].reason: empty reason code`},
		{"null reason code", "  - reason: competitor", "  - reason: ~", "reason: ~",
			`disqualifiers[1].reason: empty reason code`},
		{"duplicate reject codes", "code: no_budget", "code: not_icp", "No budget yet",
			`reject_reasons[1]: duplicate reject reason code "not_icp" (first at line 54)`},
		{"unknown reject action", "action: nurture}", "action: later}", "No budget yet",
			`reject_reasons[1].action: unknown action "later" (use disqualify or nurture)`},
		{"misspelt signal kind", "signal: pricing_page_view", "signal: pricing_page_veiw", "pricing_page_veiw",
			`engagement.signals[1]: unknown signal kind "pricing_page_veiw" (did you mean "pricing_page_view"?)`},
		{"unknown signal kind", "signal: pricing_page_view", "signal: pricing_view", "pricing_view",
			`engagement.signals[1]: unknown signal kind "pricing_view" (use form:<form_type>, page_view, pricing_page_view, email_open, email_click, reply, resubmission or page_view:<name> of a page TRACK_PAGES names)`},
		{"bad named page view", "signal: pricing_page_view", `signal: "page_view:Demo Page"`, `"page_view:Demo Page"`,
			`engagement.signals[1]: named page view "page_view:Demo Page" needs a page name of lowercase letters, digits, _ . / or - after "page_view:" (the name TRACK_PAGES gives it)`},
		{"bad form signal", "signal: form:demo_request", `signal: "form:"`, `signal: "form:"`,
			`engagement.signals[0]: form signal "form:" needs a form type of lowercase letters, digits, - or _ after "form:"`},
		{"duplicate signal", "signal: pricing_page_view", "signal: form:demo_request", "{signal: form:demo_request",
			`engagement.signals[1]: duplicate signal "form:demo_request" (first at line 18)`},
		{"unknown lead field", "field: message", "field: mesage", "mesage",
			`disqualifiers[0]: unknown lead field "mesage" (did you mean "message"?)`},
		{"bad answer key", "field: message", "field: answers.Bad Key", "answers.Bad",
			`disqualifiers[0]: answer key "Bad Key" must be lowercase letters, digits and _`},
		{"missing values", "    values: [rival.example]\n", "", "op: in\nthresholds",
			`disqualifiers[1]: op in needs values`},
		{"equals with a list", "    op: in\n    values: [rival.example]", "    op: equals\n    values: [a.example, b.example]", "a.example",
			`disqualifiers[1]: equals takes one value (use in for a list)`},
		{"range without bounds", "      min: 500\n", "", "op: range\n  default_team",
			`routing.rules[0]: op range needs min, max or both`},
		{"range min above max", "      min: 50\n      max: 5000", "      min: 5000\n      max: 50", "max: 50",
			`fit.rules[1]: min (5000) is above max (50)`},
		{"values with range", "      min: 50\n", "      values: [x]\n      min: 50\n", "values: [x]",
			`fit.rules[1]: values is not used with op range (use min and max)`},
		{"not a number", "min: 500", "min: lots", "lots",
			`routing.rules[0].min: expected a number, got "lots"`},
		{"points not a whole number", "points: 25", "points: 2.5", "2.5",
			`fit.rules[1].points: expected a whole number of points from -1000 to 1000, got "2.5"`},
		{"unknown threshold grade", "  D: {}", "  E: {}", "  E: {}",
			`thresholds: unknown grade "E" (use A, B, C, D)`},
		// A grade left out was never warm nor hot, without a word: a
		// campaign's "thresholds: {A: {hot: 10}}" silently dropped B and C.
		{"threshold grade left out", "  B: {hot: 40, warm: 10}\n", "", "thresholds:",
			`thresholds: missing grade B (write B: {} for a grade that is never warm or hot)`},
		{"empty thresholds", "thresholds:\n  A: {hot: 20, warm: 0}\n  B: {hot: 40, warm: 10}\n  C: {warm: 30}\n  D: {}\n", "thresholds: {}\n", "thresholds:",
			`thresholds: missing grade A (write A: {} for a grade that is never warm or hot)`},
		{"campaign threshold grades left out", "thresholds: {A: {hot: 10, warm: 0}, B: {hot: 20, warm: 5}, C: {warm: 20}, D: {}}", "thresholds: {A: {hot: 10, warm: 0}}", "thresholds: {A: {hot: 10, warm: 0}}",
			`campaigns.webinar-2026.thresholds: missing grade C (write C: {} for a grade that is never warm or hot)`},
		{"bad away", "away: true", "away: maybe", "maybe",
			`routing.teams.enterprise.reps[1].away: expected true or false, got "maybe"`},
		{"unknown rep time zone", "away: true}", "away: true, time_zone: Europe/Berlinn}", "Berlinn",
			`routing.teams.enterprise.reps[1].time_zone: unknown time zone "Europe/Berlinn" (an IANA name, like Europe/Berlin or America/New_York)`},
		{"Local is not a zone", "away: true}", "away: true, time_zone: Local}", "Local",
			`routing.teams.enterprise.reps[1].time_zone: unknown time zone "Local" (an IANA name, like Europe/Berlin or America/New_York)`},
		{"unknown routing time zone", "  default_team: smb", "  default_team: smb\n  time_zone: CEST", "CEST",
			`routing.time_zone: unknown time zone "CEST" (an IANA name, like Europe/Berlin or America/New_York)`},
		{"team with no reps", "reps: [{name: Sam Reed, email: sam@example.com}]", "reps: []", "reps: []",
			`routing.teams.smb: team has no reps`},
		// A team lead always gets the team's escalations and held-alert
		// summaries: away on a lead was taken and did nothing.
		{"team lead marked away", "lead: {name: Lea Stone, email: lea@example.com}", "lead: {name: Lea Stone, email: lea@example.com, away: true}", "lead: {name: Lea",
			`routing.teams.enterprise.lead.away: a team lead cannot be marked away (escalations and held-alert summaries go to the team lead): name a stand-in as the lead while they are away`},
		{"bad campaign id", "  webinar-2026:", "  Webinar 2026:", "Webinar 2026",
			`campaigns: campaign id "Webinar 2026" must be lowercase letters, digits, - or _, as in the lead's campaign`},
		{"campaign overrides nothing", "    thresholds: {A: {hot: 10", "    nothing: {A: {hot: 10", "nothing:",
			`unknown field "nothing" in campaigns.webinar-2026 (fields: fit, engagement, disqualifiers, thresholds)`},
		{"campaign section is checked", "B: {hot: 20, warm: 5}", "B: {hot: 5, warm: 20}", "B: {hot: 5",
			`campaigns.webinar-2026.thresholds.B: hot (5) must be above warm (20) — overlapping thresholds`},
		{"unsupported version", "version: 1", "version: 2", "version: 2",
			`unsupported version "2" (this build reads version 1)`},
		{"duplicate key", "sla:\n", "sla: {first_response: 1m}\nsla:\n", "\nsla:\n",
			`duplicate field "sla" (first at line 51)`},
		{"YAML syntax", "  grades: {A: 60, B: 40, C: 20}", "  grades: {A: 60, B: 40, C: 20", "  grades:",
			"YAML syntax: did not find expected ',' or '}'"},
	}
	yamltest.CheckEdits(t, full, "qualify.yaml", ErrInvalid, func(b []byte, file string) error {
		_, err := Parse(b, file)
		return err
	}, tests)
}

func TestValidationCollectsEveryProblemInFileOrder(t *testing.T) {
	src := full
	src = strings.Replace(src, "op: in\n", "op: startswith\n", 1)
	src = strings.Replace(src, "half_life: 336h", "half_life: 2 weeks", 1)
	src = strings.Replace(src, "B: {hot: 40, warm: 10}", "B: {hot: 10, warm: 20}", 1)
	src = strings.Replace(src, "    - team: enterprise", "    - team: nobody", 1)
	_, err := Parse([]byte(src), "qualify.yaml")
	yamltest.InFileOrder(t, err, 4)
}

func TestParseRejectsNonConfigs(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"empty", "", "qualify.yaml:1: empty config"},
		{"comment only", "# nothing\n", "qualify.yaml:1: empty config"},
		{"scalar", "hello", "qualify.yaml:1: expected a mapping of fields, got \"hello\""},
		{"list", "- a\n- b\n", "qualify.yaml:1: expected a mapping of fields, got a list"},
		{"missing sections", "version: 1\n", "qualify.yaml:1: missing fit"},
		{"tab indentation", "version: 1\nfit:\n\trules: []\n", "qualify.yaml:3: YAML syntax: found character that cannot start any token"},
		{"unclosed flow mapping", "version: 1\nfit: {rules: []\nthresholds: {}\n", "qualify.yaml:2: YAML syntax: did not find expected ',' or '}'"},
		{"bad indentation", "version: 1\nfit:\n  rules: []\n grades: {}\n", "qualify.yaml:4: YAML syntax: did not find expected key"},
		{"first line", "a: b: c\n", "qualify.yaml:1: YAML syntax: mapping values are not allowed in this context"},
		{"unknown anchor", "version: 1\nfit: *nope\n", "qualify.yaml:2: YAML syntax: unknown anchor \"nope\" referenced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v\nwant prefix %q", err, tt.want)
			}
		})
	}
}

func TestParseAcceptsDaysAndAliases(t *testing.T) {
	src := strings.Replace(full, "half_life: 336h", "half_life: 14d", 1)
	src = strings.Replace(src, "  webinar-2026:\n", "  webinar-2026: &w\n", 1) + "  webinar-2027: *w\n"
	c := mustParse(t, src)
	if c.base.halfLife.Hours() != 336 {
		t.Errorf("14d = %v", c.base.halfLife)
	}
	if c.campaigns["webinar-2027"] == nil {
		t.Error("aliased campaign missing")
	}
}

const withRates = full + `outcomes:
  currency: EUR
  rates: {USD: 0.92, GBP: 1.17}
`

func TestOutcomeRates(t *testing.T) {
	c, err := Parse([]byte(withRates), "qualify.yaml")
	if err != nil {
		t.Fatal(err)
	}
	o := c.Outcomes()
	for _, tt := range []struct {
		amount float64
		cur    string
		minor  int64
		ok     bool
	}{
		{100, "EUR", 10000, true}, {100, "", 10000, true}, {12.345, "EUR", 1235, true},
		{1000, "USD", 92000, true}, {0.01, "USD", 1, true}, {10, "GBP", 1170, true}, {10, "CHF", 0, false},
	} {
		if minor, ok := o.Convert(tt.amount, tt.cur); minor != tt.minor || ok != tt.ok {
			t.Errorf("Convert(%v, %q) = %d, %v; want %d, %v", tt.amount, tt.cur, minor, ok, tt.minor, tt.ok)
		}
	}
	if h := o.RateHint("CHF"); !strings.Contains(h, "outcomes.rates.CHF") {
		t.Errorf("RateHint = %q: does not say where the rate goes", h)
	}
}

func TestOutcomeRatesValidation(t *testing.T) {
	tests := []struct{ Name, Old, New, Marker, Want string }{
		{"not a currency", "USD: 0.92", "usd: 0.92", "usd",
			`outcomes.rates: "usd" is not a three-letter ISO 4217 code like USD`},
		{"zero rate", "GBP: 1.17", "GBP: 0", "GBP: 0",
			`outcomes.rates.GBP: must be a positive number (one GBP in the reporting currency), got "0"`},
		{"not a number", "GBP: 1.17", "GBP: lots", "GBP: lots", `outcomes.rates.GBP: expected a number, got "lots"`},
		{"the reporting currency", "GBP: 1.17", "EUR: 1", "EUR: 1",
			`outcomes.rates.EUR: EUR is the reporting currency (outcomes.currency): it needs no rate`},
	}
	yamltest.CheckEdits(t, withRates, "qualify.yaml", ErrInvalid, func(b []byte, file string) error {
		_, err := Parse(b, file)
		return err
	}, tests)
}

// TestRepListedTwiceInATeam: a rep listed twice in one team (a copy-paste
// slip, or the same address in another case) would take two turns of
// every round of the team's hand-offs; it is refused at the second
// listing. The same rep in two teams is fine.
func TestRepListedTwiceInATeam(t *testing.T) {
	tests := []struct{ Name, Old, New, Marker, Want string }{
		{"same address", "{name: Ben Wu, email: ben@example.com, away: true}", "{name: Ana L., email: ana@example.com}", "Ana L.",
			`routing.teams.enterprise.reps[1]: rep "Ana L." (ana@example.com) is listed twice in the team (first at line 40)`},
		{"same address in another case", "{name: Ben Wu, email: ben@example.com, away: true}", "{name: Ana Lopez, email: Ana@Example.com}", "Ana@Example",
			`routing.teams.enterprise.reps[1]: rep "Ana Lopez" (ana@example.com) is listed twice in the team (first at line 40)`},
	}
	yamltest.CheckEdits(t, full, "qualify.yaml", ErrInvalid, func(b []byte, file string) error {
		_, err := Parse(b, file)
		return err
	}, tests)
	mustParse(t, strings.Replace(full, "reps: [{name: Sam Reed, email: sam@example.com}]", "reps: [{name: Sam Reed, email: sam@example.com}, {name: Ana Lopez, email: ana@example.com}]", 1))
}
