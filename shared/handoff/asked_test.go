package handoff

import (
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// TestDealStatus: the notice that a lead asked again says where its deal
// stands in words a rep reads, "today" rather than "0 days ago"; days are
// the rep's calendar days, and a close date given as a date is that date
// in any zone.
func TestDealStatus(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, berlin)
	accepted := func(d time.Duration) *lead.Deal { return &lead.Deal{AcceptedAt: now.Add(-d)} }
	won := time.Date(2026, 10, 9, 15, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		stage lead.Stage
		deal  *lead.Deal
		zone  *time.Location
		want  string
	}{
		{"an hour ago", lead.StageSAL, accepted(time.Hour), berlin, "You accepted it today."},
		{"10 h ago, last evening", lead.StageSAL, accepted(10 * time.Hour), berlin, "You accepted it yesterday, on 2 Dec 2026."},
		{"25 h ago, the day before yesterday", lead.StageSAL, &lead.Deal{AcceptedAt: time.Date(2026, 12, 1, 7, 0, 0, 0, berlin)}, berlin,
			"You accepted it on 1 Dec 2026, 2 days ago."},
		{"12 days", lead.StageSAL, accepted(12 * 24 * time.Hour), berlin, "You accepted it on 21 Nov 2026, 12 days ago."},
		{"SQL", lead.StageSQL, accepted(40 * 24 * time.Hour), berlin,
			"You accepted it on 24 Oct 2026, 40 days ago, and it is a qualified opportunity (SQL)."},
		{"won at a time", lead.StageWon, &lead.Deal{ClosedAt: won}, berlin, "Its deal was won on 9 Oct 2026."},
		{"won on a date, read west of UTC", lead.StageWon, &lead.Deal{ClosedAt: time.Date(2026, 10, 9, 0, 0, 0, 0, time.UTC)}, newYork,
			"Its deal was won on 9 Oct 2026."},
		{"won at a time, read west of UTC", lead.StageWon, &lead.Deal{ClosedAt: time.Date(2026, 10, 9, 2, 0, 0, 0, time.UTC)}, newYork,
			"Its deal was won on 8 Oct 2026."},
		{"won, no date", lead.StageWon, &lead.Deal{}, berlin, "Its deal is won."},
	} {
		l := lead.Lead{Stage: c.stage, Deal: c.deal}
		if got := dealStatus(&l, c.zone, now); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
