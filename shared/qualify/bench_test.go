package qualify

import (
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// BenchmarkEvaluate is the default config on a realistic B2B lead with five
// signals. Target: well under 20µs and a handful of allocations.
func BenchmarkEvaluate(b *testing.B) {
	c := Default()
	l := stored(lead.Submission{
		Email: "dana.whitfield@northwind-analytics.com", Name: "Dana Whitfield", Company: "Northwind Analytics",
		JobTitle: "VP Marketing", Phone: "+1 415 555 0134", CompanySize: "201-500", Industry: "B2B SaaS",
		Country: "US", Budget: "$50k-$100k", Timeline: "This quarter", FormType: "demo_request",
		Message: "We're consolidating our lead capture and routing before Q1. Could we see a demo focused on Salesforce sync and SLA alerts?",
		Answers: map[string]string{"crm": "Salesforce"},
		Source:  lead.Attribution{UTMSource: "google", UTMMedium: "cpc", Campaign: "search-q4"},
	})
	signals := []Signal{
		{"form:demo_request", now.Add(-time.Hour)},
		{"pricing_page_view", now.Add(-26 * time.Hour)},
		{"page_view", now.Add(-27 * time.Hour)},
		{"email_open", now.Add(-72 * time.Hour)},
		{"email_click", now.Add(-71 * time.Hour)},
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Evaluate(l, signals, now)
	}
}

// BenchmarkEvaluateDisqualified is a job seeker: disqualifiers run first.
func BenchmarkEvaluateDisqualified(b *testing.B) {
	c := Default()
	l := stored(lead.Submission{Email: "jordan.p@gmail.com", Name: "Jordan Price", JobTitle: "Marketing graduate",
		Message: "Hi, do you have any vacancy in your marketing team? My CV is attached."})
	b.ReportAllocs()
	for b.Loop() {
		c.Evaluate(l, nil, now)
	}
}

func BenchmarkRoute(b *testing.B) {
	c := Default()
	l := stored(lead.Submission{Email: "a@acme.example", CompanySize: "120", Budget: "$75k"})
	b.ReportAllocs()
	for b.Loop() {
		c.Route(l)
	}
}
