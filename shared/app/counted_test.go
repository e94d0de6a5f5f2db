package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// counted is a campaign's counters summed over the months from the
// test's first clock reading (testenv.Began) to now: everything the test
// counted, whichever side of a month-end midnight each write fell on. A
// test on the wall clock that reads only "this month" fails when it runs
// across one (LEADFLOW_TEST_NOW places it there).
func counted(t *testing.T, st *store.Store, campaign string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range monthsSince(testenv.Began(t), testenv.Now(t)) {
		stats, err := st.CampaignStats(context.Background(), campaign, m)
		if err != nil {
			t.Fatalf("counters of %s in %s: %v", campaign, lead.Month(m), err)
		}
		for k, v := range stats {
			out[k] += v
		}
	}
	return out
}

// monthsSince is an instant in each counters' month (lead.MonthZone)
// from from's to to's, oldest first.
func monthsSince(from, to time.Time) []time.Time {
	z := lead.MonthZone()
	f, last := from.In(z), lead.Month(to)
	var out []time.Time
	// The 15th: a month later is always the next month (the 31st + 1
	// month can be two months on).
	for m := time.Date(f.Year(), f.Month(), 15, 12, 0, 0, 0, z); lead.Month(m) <= last; m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}
