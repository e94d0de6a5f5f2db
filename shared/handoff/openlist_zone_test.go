package handoff

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// monthsAsked records the months the reps-left scan reads.
type monthsAsked struct {
	OpenStore
	months []string
}

func (m *monthsAsked) RepsCounted(_ context.Context, month string) ([]string, error) {
	m.months = append(m.months, month)
	return nil, nil
}

// The reps who left are found in the counters' months, which are the
// business time zone's: with REPORT_TIME_ZONE=America/New_York a scan
// from 23:30 on 31 October to 23:30 on 30 November (New York time) reads
// October and November, not November and December as UTC would.
func TestRepsLeftScansTheBusinessZonesMonths(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		zone *time.Location
		want []string
	}{
		{nil, []string{"2026-11", "2026-12"}},
		{ny, []string{"2026-10", "2026-11"}},
	} {
		lead.SetMonthZone(tc.zone)
		st := &monthsAsked{}
		o := &OpenList{Store: st, Rules: rules(t, teamYAML)}
		since := time.Date(2026, 10, 31, 23, 30, 0, 0, ny)
		now := time.Date(2026, 11, 30, 23, 30, 0, 0, ny)
		if _, err := o.repsLeft(context.Background(), since, now); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(st.months, tc.want) {
			t.Errorf("zone %v: months read %v, want %v", lead.MonthZone(), st.months, tc.want)
		}
	}
	lead.SetMonthZone(nil)
}
