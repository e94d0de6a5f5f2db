package handoff

import (
	"strings"
	"testing"
	"time"
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
			"4 hot leads from campaign Q4, all sources, between 4 Dec 2026 08:00 and 09:00 UTC were not alerted to your reps: the campaign, all its sources together, passed its limit of 20 alerts in that time. A flood of hot leads from one campaign is often a script; they are kept as MQLs with their alert held, and nobody was escalated."},
	}
	// Leads of no campaign the config lists share one window, which the
	// summary names as such, not as a campaign called so.
	unlisted := struct {
		total        int
		campaignWide bool
		subject, why string
	}{2, false, "[Alerts held] 2 hot leads from campaigns not in the config / linkedin",
		"2 hot leads from campaigns not in the config, source linkedin, between 4 Dec 2026 08:00 and 09:00 UTC were not alerted"}
	for _, tt := range append(tests, unlisted) {
		d := summaryData{Name: "Lea Stone", Campaign: "Q4", UTMSource: "linkedin", From: "4 Dec 2026 08:00", To: "09:00 UTC", Total: tt.total}
		if tt.campaignWide {
			d.UTMSource, d.Limit, d.CampaignWide = "all sources", 20, true
		}
		if tt == unlisted {
			d.Campaign, d.Unlisted = "campaigns not in the config", true
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

// TestSummaryWindowInTheReadersZone: the summary's window reads right in
// the team lead's zone whatever its length: a window that ends on another
// day there names that day, and one across a clock change names both
// zone abbreviations (01:00 to 03:00 is one hour on the night Europe
// springs forward, not two).
func TestSummaryWindowInTheReadersZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		name       string
		start, end string
		zone       *time.Location
		want       string
	}{
		{"an hour, UTC", "2026-12-04T08:00:00Z", "2026-12-04T09:00:00Z", time.UTC, "4 Dec 2026 08:00 and 09:00 UTC"},
		{"an hour, Berlin", "2026-12-04T08:00:00Z", "2026-12-04T09:00:00Z", berlin, "4 Dec 2026 09:00 and 10:00 CET"},
		{"an hour ending at midnight there", "2026-12-04T22:00:00Z", "2026-12-04T23:00:00Z", berlin, "4 Dec 2026 23:00 and 5 Dec 2026 00:00 CET"},
		{"a day (a UTC day)", "2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z", berlin, "4 Dec 2026 01:00 and 5 Dec 2026 01:00 CET"},
		{"a day west of UTC", "2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z", newYork, "3 Dec 2026 19:00 and 4 Dec 2026 19:00 EST"},
		{"Europe springs forward", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", berlin, "29 Mar 2026 01:00 CET and 03:00 CEST"},
		{"the US falls back", "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", newYork, "1 Nov 2026 01:00 EDT and 01:00 EST"},
	} {
		t.Run(c.name, func(t *testing.T) {
			from, to := windowSpan(at(c.start), at(c.end), c.zone)
			if got := from + " and " + to; got != c.want {
				t.Errorf("between %s, want between %s", got, c.want)
			}
		})
	}
}

// TestHeldSummaryStaysReadableInDarkMode: the summary coloured its text
// dark and left the background to the client, so a client's dark mode
// (one that darkens what an email does not set) showed dark grey on black
// to the team lead. It declares the light scheme it is designed in and
// sets the white its text colour was chosen for, as the alert does.
func TestHeldSummaryStaysReadableInDarkMode(t *testing.T) {
	var b strings.Builder
	d := summaryData{Name: "Lea Stone", Campaign: "Q4", UTMSource: "linkedin", From: "4 Dec 2026 08:00", To: "09:00 UTC", Total: 1,
		Leads: []summaryLead{{ID: "01J", ReleaseURL: "https://x.example/r"}}}
	if err := summaryHTML().Execute(&b, d); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if !strings.Contains(html, `<meta name="color-scheme" content="light">`) {
		t.Errorf("the summary does not declare its colour scheme (light):\n%.400s", html)
	}
	body := html[strings.Index(html, "<body"):]
	body = body[:strings.Index(body, ">")]
	if strings.Contains(body, "color:#") && !strings.Contains(body, "background:#") {
		t.Errorf("the summary's body colours its text but sets no background: %s", body)
	}
}
