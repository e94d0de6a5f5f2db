package qualify

import (
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/lead"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic, every
// problem must name the file, and a config it accepts must evaluate and
// route any lead without panicking.
func FuzzParse(f *testing.F) {
	f.Add(defaultYAML)
	f.Add([]byte(full))
	f.Add([]byte(withRules()))
	f.Add([]byte(""))
	f.Add([]byte("version: 1\nfit: *a\n"))
	f.Add([]byte("a: &a [*a]\nversion: *a\n"))
	f.Add([]byte(strings.Replace(full, "op: in\n", "op: startswith\n", 1)))
	f.Add([]byte(strings.Replace(full, "B: {hot: 40, warm: 10}", "B: {hot: 10, warm: 20}", 1)))
	f.Add([]byte(strings.Replace(full, "values: [CMO", "values: ['(CMO'", 1)))
	f.Add([]byte(strings.Replace(full, "  grades: {A: 60, B: 40, C: 20}", "  grades: {A: 60, B: 40, C: 20", 1)))
	f.Add([]byte("version: 1\nfit:\n  rules:\n    - {field: company_size, op: range, min: .inf, points: 1}\n"))
	f.Add([]byte("- [\n\t"))
	sample := stored(lead.Submission{Email: "a@acme.example", Name: "Ann", JobTitle: "CMO", CompanySize: "1,000+",
		Budget: "$50k", Message: "hello vacancy", Answers: map[string]string{"crm": "HubSpot"},
		Source: lead.Attribution{Campaign: "webinar-2026", UTMSource: "google"}})
	signals := []Signal{{Kind: "form:demo_request", At: now}, {Kind: "page_view"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") {
					t.Fatalf("problem without file: %q", line)
				}
			}
			return
		}
		d := c.Evaluate(sample, signals, now)
		if d.Grade == "" || d.Temperature == "" {
			t.Fatalf("incomplete decision %+v", d)
		}
		c.Route(sample)
		c.Summary()
	})
}
