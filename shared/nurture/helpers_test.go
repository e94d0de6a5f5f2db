package nurture

import (
	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// monday is Monday 23 November 2026, 10:00 in Berlin (09:00 UTC): inside
// the usual send window.
var monday = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// full is a valid config using every section and step kind; the
// validation tests break one line of it at a time.
const full = `version: 1
defaults:
  time_zone: Europe/Berlin
  country_time_zones: {US: America/Chicago}
  window: {from: "09:00", to: "17:00", days: [mon, tue, wed, thu, fri]}
  frequency_cap: {max: 2, per: 168h}
sequences:
  - id: cold-education
    entry: {temperatures: [cold], grades: [A, B, C], campaigns: []}
    steps:
      - {id: welcome, send: welcome}
      - {id: wait-1, wait: 72h}
      - {id: case-study, send: case_study}
      - {id: wait-2, wait: 48h}
      - {id: check, branch: {if: clicked, then: fast-track, else: wait-3}}
      - {id: wait-3, wait: 96h}
      - {id: last, send: last_chance}
      - {id: done, exit: completed}
      - {id: fast-track, handoff: true}
  - id: warm-followup
    entry:
      temperatures: [warm]
      campaigns: [webinar-2026]
    steps:
      - id: recap
        send: welcome
      - id: pricing
        branch:
          if: {visited: /pricing}
          then: to-sales
      - {id: done, exit: completed}
      - {id: to-sales, handoff: true}
templates:
  welcome:
    subject: "{{.FirstName}}, three ways teams cut lead response time"
    html: "<p>Hi {{.FirstName}},</p><p>Read <a href=\"https://example.com/guide\">the guide</a>.</p>"
    text: "Hi {{.FirstName}}, read https://example.com/guide"
  case_study:
    subject: How {{if .Company}}{{.Company}}{{else}}teams{{end}} could answer in minutes
    html: |
      <p>Hi {{.FirstName}},</p>
      <p>A case study for {{.JobTitle}}s.</p>
    text: |
      Hi {{.FirstName}},
      A case study for {{.JobTitle}}s.
  last_chance:
    subject: Last chance
    html: <p>Bye {{.Name}}</p>
    text: Bye {{.Name}}
`

func mustParse(t testing.TB, src string) *Config {
	t.Helper()
	c, err := Parse([]byte(src), "sequences.yaml")
	if err != nil {
		t.Fatalf("Parse:\n%v\nconfig:\n%s", err, numbered(src))
	}
	return c
}

// withSequence is a config with full's defaults and templates and the
// given steps as its only sequence ("s", any lead).
func withSequence(steps ...string) string {
	head, rest, _ := strings.Cut(full, "sequences:\n")
	_, templates, _ := strings.Cut(rest, "templates:\n")
	return head + "sequences:\n  - id: s\n    steps:\n      - " + strings.Join(steps, "\n      - ") + "\ntemplates:\n" + templates
}

// newLead is a consenting lead of the given temperature and grade, in
// Berlin.
func newLead(temperature, grade string) lead.Lead {
	l := lead.New("L1", lead.Submission{
		Email: "dana@northwind.example", Name: "Dana Whitfield", Company: "Northwind",
		JobTitle: "VP Marketing", TimeZone: "Europe/Berlin",
		Consent: lead.Consent{MarketingOptIn: true},
	})
	l.Stage = lead.StageNurturing
	l.Qualification = &lead.Qualification{Grade: grade, Temperature: temperature, Score: 12}
	return l
}

// at puts a lead at a step of a sequence, due at next, enrolled a week
// before, with the given sends.
func at(l lead.Lead, seq, stepID string, index int, next time.Time, sends ...lead.Send) lead.Lead {
	l.Nurture = &lead.Nurture{Sequence: seq, Step: stepID, StepIndex: index,
		EnrolledAt: next.Add(-7 * 24 * time.Hour), NextAt: next, Sends: sends}
	return l
}

func send(seq, stepID string, at time.Time) lead.Send {
	return lead.Send{Sequence: seq, Step: stepID, At: at, MessageID: "m-" + stepID}
}

// berlin parses a Berlin wall time "2006-01-02 15:04".
func berlin(t testing.TB, s string) time.Time { return local(t, "Europe/Berlin", s) }

func local(t testing.TB, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Shared with the other config packages' tests.
var (
	numbered = yamltest.Numbered
	lineOf   = yamltest.LineOf
)
