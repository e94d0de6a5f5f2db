package lead

import (
	"fmt"
	"testing"
	"time"
)

func TestMergeKeepsFirstTouchAndLeavesConsent(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	first := Submission{Email: "a@b.example", Name: "Ann", JobTitle: "Marketing Manager",
		Answers: map[string]string{"crm": "HubSpot", "budget_q": "small"},
		Consent: Consent{MarketingOptIn: false, At: t0}, Source: Attribution{UTMSource: "google", Campaign: "search", At: t0}}
	l := New("L1", first)

	t1 := t0.Add(48 * time.Hour)
	second := Submission{Email: "a@b.example", JobTitle: "Head of Marketing", Answers: map[string]string{"crm": "Salesforce"},
		Consent: Consent{MarketingOptIn: true, At: t1}, Source: Attribution{UTMSource: "linkedin", Campaign: "webinar", At: t1}}
	m := Merge(l, second)

	tests := []struct{ name, got, want string }{
		{"name kept when new is empty", m.Name, "Ann"},
		{"newer title wins", m.JobTitle, "Head of Marketing"},
		{"answer replaced", m.Answers["crm"], "Salesforce"},
		{"answer kept", m.Answers["budget_q"], "small"},
		{"first touch kept", m.FirstTouch.UTMSource, "google"},
		{"last touch moves", m.LastTouch.UTMSource, "linkedin"},
		{"campaign follows last touch", m.Source.Campaign, "webinar"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	// A later form neither grants consent (AskConsent asks for it) nor
	// withdraws it.
	if len(m.Consents) != 1 || m.Consent.MarketingOptIn {
		t.Errorf("consent history = %+v, current = %+v", m.Consents, m.Consent)
	}
	if ch := m.ChangedSinceFirst(); len(ch) != 1 || ch[0].Label != "Job title" || ch[0].First != "Marketing Manager" || ch[0].Now != "Head of Marketing" {
		t.Errorf("changed since first touch = %+v", ch)
	}
	if m.Touches != 2 || m.Version != 1 || !m.UpdatedAt.Equal(t1) || !m.CreatedAt.Equal(t0) {
		t.Errorf("touches=%d version=%d updated=%v created=%v", m.Touches, m.Version, m.UpdatedAt, m.CreatedAt)
	}
	if l.Answers["crm"] != "HubSpot" || len(l.Consents) != 1 {
		t.Error("Merge modified its input")
	}
}

func TestMergeOutOfOrderKeepsLatestLastTouch(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	l := New("L1", Submission{Email: "a@b.example", Source: Attribution{UTMSource: "new", At: t0}})
	late := Merge(l, Submission{Email: "a@b.example", Source: Attribution{UTMSource: "old", At: t0.Add(-time.Hour)}})
	if late.LastTouch.UTMSource != "new" {
		t.Errorf("an older submission replaced the last touch: %q", late.LastTouch.UTMSource)
	}
}

// A known address posted again and again with new answer keys: the lead
// keeps at most MaxAnswers answers (its own first), so its store item
// stays bounded; an answer it has still takes a later value.
func TestMergeBoundsTheAnswers(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	l := New("L1", Submission{Email: "a@b.example", Answers: map[string]string{"crm": "HubSpot"}, Source: Attribution{At: t0}})
	for post := 0; post < 10; post++ {
		answers := map[string]string{}
		for i := 0; i < MaxAnswers; i++ {
			answers[fmt.Sprintf("p%d_%d", post, i)] = "x"
		}
		l = Merge(l, Submission{Email: "a@b.example", Answers: answers, Source: Attribution{At: t0.Add(time.Duration(post+1) * time.Minute)}})
	}
	if len(l.Answers) != MaxAnswers || l.Answers["crm"] != "HubSpot" {
		t.Fatalf("after 10 posts of %d new answers: %d answers, crm %q", MaxAnswers, len(l.Answers), l.Answers["crm"])
	}
	l = Merge(l, Submission{Email: "a@b.example", Answers: map[string]string{"crm": "Salesforce", "new_key": "y"}, Source: Attribution{At: t0.Add(time.Hour)}})
	if len(l.Answers) != MaxAnswers || l.Answers["crm"] != "Salesforce" {
		t.Fatalf("a full lead's answer updated: %d answers, crm %q", len(l.Answers), l.Answers["crm"])
	}
}

// TestMergeMovesTheTimeZoneWithTheCountry: a later form that names
// another country and no time zone (hosted campaign pages ask for the
// country and derive the zone from it) moves the lead: the time zone an
// earlier form gave was the old country's, and nurture emails would go
// on arriving in that zone's daytime — the lead's night.
func TestMergeMovesTheTimeZoneWithTheCountry(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                  string
		country, zone         string // the lead's
		newCountry, newZone   string // the later form's
		wantCountry, wantZone string
	}{
		{"another country, no zone: the old zone goes", "US", "America/Los_Angeles", "DE", "", "DE", ""},
		{"another country, case aside the same", "US", "America/Los_Angeles", "us", "", "us", "America/Los_Angeles"},
		{"the same country: the zone stays", "US", "America/Los_Angeles", "US", "", "US", "America/Los_Angeles"},
		{"another country with its zone", "US", "America/Los_Angeles", "DE", "Europe/Berlin", "DE", "Europe/Berlin"},
		{"no country before: the zone stays", "", "America/Los_Angeles", "US", "", "US", "America/Los_Angeles"},
		{"no country on the form", "US", "America/Los_Angeles", "", "", "US", "America/Los_Angeles"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New("L1", Submission{Email: "a@b.example", Country: tc.country, TimeZone: tc.zone, Source: Attribution{At: t0}})
			m := Merge(l, Submission{Email: "a@b.example", Country: tc.newCountry, TimeZone: tc.newZone, Source: Attribution{At: t0.Add(time.Hour)}})
			if m.Country != tc.wantCountry || m.TimeZone != tc.wantZone {
				t.Errorf("country %q, time zone %q; want %q, %q", m.Country, m.TimeZone, tc.wantCountry, tc.wantZone)
			}
		})
	}
}
