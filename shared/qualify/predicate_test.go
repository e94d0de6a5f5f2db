package qualify

import (
	"testing"

	"github.com/leadflow/leadflow/shared/lead"
)

// TestOperators runs every operator as a 10-point fit rule and checks
// whether it matched.
func TestOperators(t *testing.T) {
	tests := []struct {
		name  string
		rule  string
		lead  lead.Submission
		match bool
	}{
		{"equals", `{field: job_title, op: equals, values: [CMO], points: 10}`, lead.Submission{JobTitle: "CMO"}, true},
		{"equals ignores case", `{field: job_title, op: equals, values: [cmo], points: 10}`, lead.Submission{JobTitle: "CMO"}, true},
		{"equals takes a single value", `{field: job_title, op: equals, values: CMO, points: 10}`, lead.Submission{JobTitle: "cmo"}, true},
		{"equals is not contains", `{field: job_title, op: equals, values: [CMO], points: 10}`, lead.Submission{JobTitle: "CMO Europe"}, false},
		{"equals on empty field", `{field: job_title, op: equals, values: [CMO], points: 10}`, lead.Submission{}, false},
		{"in", `{field: job_title, op: in, values: [CMO, Head of Marketing, VP Marketing], points: 10}`, lead.Submission{JobTitle: "head of marketing"}, true},
		{"in miss", `{field: job_title, op: in, values: [CMO, VP Marketing], points: 10}`, lead.Submission{JobTitle: "Engineer"}, false},
		{"in long list (map)", `{field: country, op: in, values: [US, CA, GB, DE, FR, NL, BE, SE, DK, NO], points: 10}`, lead.Submission{Country: "se"}, true},
		{"in long list miss", `{field: country, op: in, values: [US, CA, GB, DE, FR, NL, BE, SE, DK, NO], points: 10}`, lead.Submission{Country: "BR"}, false},
		{"in long list non-ASCII", `{field: company, op: in, values: [a, b, c, d, e, f, g, h, i, Ärzte AG], points: 10}`, lead.Submission{Company: "ÄRZTE AG"}, true},
		{"contains", `{field: message, op: contains, values: [vacancy, internship], points: 10}`, lead.Submission{Message: "Any Internship openings?"}, true},
		{"contains miss", `{field: message, op: contains, values: [vacancy], points: 10}`, lead.Submission{Message: "We need a demo"}, false},
		{"regex", `{field: job_title, op: regex, values: ['^(VP|Head) '], points: 10}`, lead.Submission{JobTitle: "VP Sales"}, true},
		{"regex is case-sensitive", `{field: job_title, op: regex, values: ['^(VP|Head) '], points: 10}`, lead.Submission{JobTitle: "vp sales"}, false},
		{"regex (?i)", `{field: job_title, op: regex, values: ['(?i)^(vp|head) '], points: 10}`, lead.Submission{JobTitle: "VP Sales"}, true},
		{"regex any of", `{field: job_title, op: regex, values: ['^CEO$', '^CFO$'], points: 10}`, lead.Submission{JobTitle: "CFO"}, true},
		{"range plain", `{field: company_size, op: range, min: 50, max: 5000, points: 10}`, lead.Submission{CompanySize: "200"}, true},
		{"range 51-200", `{field: company_size, op: range, min: 50, max: 5000, points: 10}`, lead.Submission{CompanySize: "51-200"}, true},
		{"range 11-50 below", `{field: company_size, op: range, min: 51, points: 10}`, lead.Submission{CompanySize: "11-50"}, false},
		{"range $50k", `{field: budget, op: range, min: 10000, points: 10}`, lead.Submission{Budget: "$50k"}, true},
		{"range 1,000+", `{field: company_size, op: range, min: 1000, max: 1000, points: 10}`, lead.Submission{CompanySize: "1,000+"}, true},
		{"range max only", `{field: company_size, op: range, max: 10, points: 10}`, lead.Submission{CompanySize: "1-10"}, true},
		{"range above max", `{field: company_size, op: range, max: 10, points: 10}`, lead.Submission{CompanySize: "11"}, false},
		{"range junk", `{field: company_size, op: range, min: 0, points: 10}`, lead.Submission{CompanySize: "lots"}, false},
		{"range empty", `{field: company_size, op: range, min: 0, points: 10}`, lead.Submission{}, false},
		{"exists", `{field: phone, op: exists, points: 10}`, lead.Submission{Phone: "+1 555 0100"}, true},
		{"exists empty", `{field: phone, op: exists, points: 10}`, lead.Submission{}, false},
		{"exists blank", `{field: phone, op: exists, points: 10}`, lead.Submission{Phone: "  "}, false},
		{"answers key", `{field: answers.crm, op: in, values: [Salesforce, HubSpot], points: 10}`, lead.Submission{Answers: map[string]string{"crm": "hubspot"}}, true},
		{"answers missing", `{field: answers.crm, op: exists, points: 10}`, lead.Submission{Answers: map[string]string{"other": "x"}}, false},
		{"email domain", `{field: email_domain, op: in, values: [Acme.Example], points: 10}`, lead.Submission{Email: "ann@acme.example"}, true},
		{"email", `{field: email, op: regex, values: ['^test\d*@'], points: 10}`, lead.Submission{Email: "test42@acme.example"}, true},
		{"source field from last touch", `{field: utm_source, op: equals, values: [linkedin], points: 10}`, lead.Submission{Source: lead.Attribution{UTMSource: "LinkedIn"}}, true},
		{"campaign field", `{field: campaign, op: equals, values: [webinar-2026], points: 10}`, lead.Submission{Source: lead.Attribution{Campaign: "webinar-2026"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, withRules(tt.rule))
			d := c.Evaluate(stored(tt.lead), nil, now)
			if got := d.FitPoints == 10; got != tt.match {
				t.Errorf("matched = %v, want %v (reasons %q)", got, tt.match, d.Reasons)
			}
		})
	}
}

func TestSourceFieldsFallBackToSubmission(t *testing.T) {
	c := mustParse(t, withRules(`{field: utm_medium, op: equals, values: [cpc], points: 10}`))
	// A lead built by hand from a submission, never stored: no last touch.
	l := lead.Lead{Submission: lead.Submission{Email: "a@b.example", Source: lead.Attribution{UTMMedium: "cpc"}}}
	if d := c.Evaluate(l, nil, now); d.FitPoints != 10 {
		t.Errorf("fit = %d, want 10: %q", d.FitPoints, d.Reasons)
	}
}
