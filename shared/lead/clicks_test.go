package lead

import (
	"testing"
	"time"
)

// TestSeeClick: a click within the scan window of its email's send, or
// within the burst gap of a click on another link of the same email, is
// a scanner's, and takes back the counted clicks of its burst; a person
// clicking one link, then another a while later, or one link twice, is
// not; nor are links of different emails clicked together.
func TestSeeClick(t *testing.T) {
	sent := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	other := sent.Add(-24 * time.Hour) // another email's send
	type click struct {
		email     time.Time
		link      string
		after     time.Duration // after sent
		scanner   string
		takenBack int
	}
	tests := []struct {
		name   string
		clicks []click
	}{
		{"a person an hour later", []click{{sent, "a", time.Hour, "", 0}}},
		{"at the window's end", []click{{sent, "a", time.Minute, "", 0}}},
		{"within seconds of the send", []click{{sent, "a", 5 * time.Second, ScannerTooSoon, 0}}},
		{"every link at delivery", []click{{sent, "a", time.Second, ScannerTooSoon, 0}, {sent, "b", time.Second, ScannerTooSoon, 0}}},
		{"a late scan walks the links", []click{{sent, "a", time.Hour, "", 0}, {sent, "b", time.Hour + time.Second, ScannerBurst, 1}, {sent, "c", time.Hour + 2*time.Second, ScannerBurst, 0}}},
		{"a late scan arrives out of order", []click{{sent, "b", time.Hour + time.Second, "", 0}, {sent, "a", time.Hour, ScannerBurst, 1}}},
		{"a burst straddling the window", []click{{sent, "a", 59 * time.Second, ScannerTooSoon, 0}, {sent, "b", 60 * time.Second, ScannerBurst, 0}}},
		{"two links a minute apart", []click{{sent, "a", time.Hour, "", 0}, {sent, "b", time.Hour + time.Minute, "", 0}}},
		{"one link twice", []click{{sent, "a", time.Hour, "", 0}, {sent, "a", time.Hour + 300*time.Millisecond, "", 0}}},
		{"two emails' links together", []click{{other, "a", time.Hour, "", 0}, {sent, "b", time.Hour, "", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l Lead
			for i, c := range tt.clicks {
				at := sent.Add(c.after)
				scanner, back := l.SeeClick("email_click", ClickSeen{Email: c.email, Link: c.link, At: at}, time.Minute, 2*time.Second)
				if scanner != c.scanner || back != c.takenBack {
					t.Fatalf("click %d: scanner %q, taken back %d; want %q, %d", i, scanner, back, c.scanner, c.takenBack)
				}
				if scanner == "" {
					l.AddSignal(Signal{Kind: "email_click", At: at, Key: c.link})
				}
			}
		})
	}
}

// TestRecentClicksAreBounded: the lead keeps the newest MaxRecentClicks.
func TestRecentClicksAreBounded(t *testing.T) {
	sent := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var l Lead
	for i := range MaxRecentClicks + 3 {
		l.SeeClick("email_click", ClickSeen{Email: sent, Link: "a", At: sent.Add(time.Hour + time.Duration(i)*time.Minute)}, time.Minute, 2*time.Second)
	}
	if len(l.RecentClicks) != MaxRecentClicks {
		t.Fatalf("%d recent clicks, want %d", len(l.RecentClicks), MaxRecentClicks)
	}
}
