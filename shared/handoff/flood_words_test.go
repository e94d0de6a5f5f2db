package handoff

import (
	"strings"
	"testing"
)

// TestHeldSummaryCountsInWords: the held-alert summary's subject and text
// say "1 hot lead … was" and "3 hot leads … were", never "1 hot leads".
func TestHeldSummaryCountsInWords(t *testing.T) {
	tests := []struct {
		total        int
		campaignWide bool
		subject, why string
	}{
		{1, false, "[Alerts held] 1 hot lead from Q4 / linkedin",
			"1 hot lead from campaign Q4, source linkedin, between 4 Dec 2026 08:00 and 09:00 UTC was not alerted to your reps: the lead had an alert shortly before. A flood of hot leads from one source is often a script; it is kept as an MQL with its alert held, and nobody was escalated."},
		{3, false, "[Alerts held] 3 hot leads from Q4 / linkedin",
			"3 hot leads from campaign Q4, source linkedin, between 4 Dec 2026 08:00 and 09:00 UTC were not alerted to your reps: the lead had an alert shortly before. A flood of hot leads from one source is often a script; they are kept as MQLs with their alert held, and nobody was escalated."},
		// Held by the campaign's limit, all its sources together.
		{4, true, "[Alerts held] 4 hot leads from Q4 / all sources",
			"4 hot leads from campaign Q4, source all sources, between 4 Dec 2026 08:00 and 09:00 UTC were not alerted to your reps: the campaign, all its sources together, passed its limit of 20 alerts in that time. A flood of hot leads from one campaign is often a script; they are kept as MQLs with their alert held, and nobody was escalated."},
	}
	for _, tt := range tests {
		d := summaryData{Name: "Lea Stone", Campaign: "Q4", UTMSource: "linkedin", From: "4 Dec 2026 08:00", To: "09:00 UTC", Total: tt.total}
		if tt.campaignWide {
			d.UTMSource, d.Limit, d.CampaignWide = "all sources", 20, true
		}
		if got := summarySubject(d); got != tt.subject {
			t.Errorf("subject %q, want %q", got, tt.subject)
		}
		var text, html strings.Builder
		if err := summaryText().Execute(&text, d); err != nil {
			t.Fatal(err)
		}
		if err := summaryHTML().Execute(&html, d); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text.String(), tt.why) || !strings.Contains(html.String(), tt.why) {
			t.Errorf("%d held: the text says\n%s\nwant\n%s", tt.total, text.String(), tt.why)
		}
	}
}
