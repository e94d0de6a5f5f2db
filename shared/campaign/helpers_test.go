package campaign

import (
	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
	"testing"
)

// full is a valid campaign using every field; the validation tests break
// one line of it at a time.
const full = `version: 1
id: q4-demo
name: "Q4 demo push — ops leaders"
hypothesis: "Ops leaders at 200–2000 companies want faster lead routing"
status: live
spend: {amount: 1200, currency: EUR}
variants:
  - {id: a, weight: 50, headline: "See leadflow on your own funnel", offer: "30-minute demo with your data", cta: "Book my demo"}
  - {id: b, weight: 50, headline: "Answer every hot lead in 5 minutes", offer: "Free routing audit", cta: "Get my audit"}
form:
  form_type: demo_request
  consent_text: "Send me occasional product news. I can unsubscribe at any time."
  consent_version: "2026-09"
  fields: [email, name, company, job_title, country, {field: message, label: "What should the demo cover?"}]
  required: [email, company]
  questions:
    - {id: company_size, label: "Company size", choices: ["1-10", "11-50", "51-200", "201-1000", "1000+"]}
    - {id: timeline, label: "When do you want to start?", choices: [this quarter, next quarter, this year, just researching]}
    - {id: crm, label: "Which CRM do you use?", choices: [Salesforce, HubSpot, Pipedrive, Other]}
thank_you_url: https://www.example.com/thanks
privacy_url: https://www.example.com/privacy
`

func mustParse(t testing.TB, src string) *Campaign {
	t.Helper()
	c, err := Parse([]byte(src), "q4-demo.yaml")
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, numbered(src))
	}
	return c
}

// Shared with the other config packages' tests.
var (
	numbered = yamltest.Numbered
	lineOf   = yamltest.LineOf
)
