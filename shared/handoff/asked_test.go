package handoff

import (
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
)

// TestDealStatus: the notice that a lead asked again says where its deal
// stands in words a rep reads, "today" rather than "0 days ago".
func TestDealStatus(t *testing.T) {
	won := time.Date(2026, 10, 9, 15, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		stage lead.Stage
		deal  *lead.Deal
		days  int
		want  string
	}{
		{lead.StageSAL, &lead.Deal{}, 0, "You accepted it today."},
		{lead.StageSAL, &lead.Deal{}, 1, "You accepted it yesterday, on 3 Dec 2026."},
		{lead.StageSAL, &lead.Deal{}, 12, "You accepted it on 3 Dec 2026, 12 days ago."},
		{lead.StageSQL, &lead.Deal{}, 40, "You accepted it on 3 Dec 2026, 40 days ago, and it is a qualified opportunity (SQL)."},
		{lead.StageWon, &lead.Deal{ClosedAt: won}, 90, "Its deal was won on 9 Oct 2026."},
		{lead.StageWon, &lead.Deal{}, 90, "Its deal is won."},
	} {
		l := lead.Lead{Stage: c.stage, Deal: c.deal}
		if got := dealStatus(&l, mail.OpenLead{AcceptedOn: "3 Dec 2026", Days: c.days}, time.UTC); got != c.want {
			t.Errorf("%s, %d days: %q, want %q", c.stage, c.days, got, c.want)
		}
	}
}
