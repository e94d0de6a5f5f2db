package qualify

import (
	"fmt"
	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// minimal is the smallest valid config; %s is the fit rules (each a flow
// mapping on its own "    - " line).
const minimal = `version: 1
fit:
  rules:
%s
  grades: {A: 60, B: 40, C: 20}
thresholds: {A: {hot: 20, warm: 0}, B: {hot: 40, warm: 10}, C: {warm: 30}, D: {}}
routing:
  teams:
    smb: {reps: [{name: Sam Reed, email: sam@example.com}]}
  default_team: smb
`

// withRules is minimal with the given fit rules.
func withRules(rules ...string) string {
	if len(rules) == 0 {
		return fmt.Sprintf(minimal, "    []")
	}
	return fmt.Sprintf(minimal, "    - "+strings.Join(rules, "\n    - "))
}

func mustParse(t testing.TB, src string) *Config {
	t.Helper()
	c, err := Parse([]byte(src), "qualify.yaml")
	if err != nil {
		t.Fatalf("Parse:\n%v\nconfig:\n%s", err, numbered(src))
	}
	return c
}

// stored is a lead as the store holds it: created from a submission, so
// its last touch is set.
func stored(s lead.Submission) lead.Lead {
	if s.Email == "" {
		s.Email = "someone@acme.example"
	}
	return lead.New("L1", s)
}

// Shared with the other config packages' tests.
var (
	numbered = yamltest.Numbered
	lineOf   = yamltest.LineOf
)
