package report_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// inZone sets the process's month zone (REPORT_TIME_ZONE) for one test.
func inZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	lead.SetMonthZone(z)
	t.Cleanup(func() { lead.SetMonthZone(nil) })
	return z
}

// TestReportMonthsAreTheBusinessZones: with a business time zone, a lead
// counted at 23:30 on the last day of a month local time is that month's,
// and the report's "this month" (the default period's end, the digest's
// months, the planner's lookback and its next quarter) is the zone's
// month at the report's own clock — not UTC's, which is already the next
// month in New York and still the last in Sydney.
func TestReportMonthsAreTheBusinessZones(t *testing.T) {
	tests := []struct {
		zone      string
		at        string // the clock and the count, UTC
		thisMonth string // in the zone
		digest    string // the digest's period
		quarter   string // the planner's next quarter
	}{
		// 30 Nov 23:30 EST: UTC says 1 December.
		{"America/New_York", "2026-12-01T04:30:00Z", "2026-11", "Oct 2026 – Nov 2026", "2027-Q1"},
		// 1 Dec 00:30 AEDT: UTC says 30 November.
		{"Australia/Sydney", "2026-11-30T13:30:00Z", "2026-12", "Nov 2026 – Dec 2026", "2027-Q1"},
		// 30 Sep 23:30 EDT: UTC says 1 October, the next quarter.
		{"America/New_York", "2026-10-01T03:30:00Z", "2026-09", "Aug 2026 – Sep 2026", "2026-Q4"},
		// 1 Oct 00:30 AEST, hours before Sydney's DST starts (4 Oct):
		// UTC says 30 September.
		{"Australia/Sydney", "2026-09-30T14:30:00Z", "2026-10", "Sep 2026 – Oct 2026", "2027-Q1"},
		// UTC, the default: unchanged.
		{"UTC", "2026-11-30T23:30:00Z", "2026-11", "Oct 2026 – Nov 2026", "2027-Q1"},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.at, func(t *testing.T) {
			inZone(t, tt.zone)
			at, _ := time.Parse(time.RFC3339, tt.at)
			st := memstore.New()
			if err := st.Count(context.Background(), "fall", at, "leads"); err != nil {
				t.Fatal(err)
			}
			out := &mailtest.Outbox{}
			h := newHandler(st, out)
			h.Clock = func() time.Time { return at }

			// The default report ends with this month, which holds the lead.
			var s summary
			if r := get(t, h, nil); r.StatusCode != http.StatusOK || json.Unmarshal([]byte(r.Body), &s) != nil {
				t.Fatalf("%d %s", r.StatusCode, r.Body)
			}
			if s.Period.To != tt.thisMonth || s.Total.Leads != 1 {
				t.Errorf("default report %s..%s has %d leads, want it to end %s with the lead", s.Period.From, s.Period.To, s.Total.Leads, tt.thisMonth)
			}
			s = summary{}
			if r := get(t, h, map[string]string{"from": tt.thisMonth, "to": tt.thisMonth}); json.Unmarshal([]byte(r.Body), &s) != nil || s.Total.Leads != 1 {
				t.Errorf("%s's report has %d leads, want the lead", tt.thisMonth, s.Total.Leads)
			}

			// The weekly digest: last month and this one, the zone's.
			if got, err := h.Digest(context.Background()); err != nil || got != "sent" {
				t.Fatalf("digest = %s, %v", got, err)
			}
			if m := out.Sent(); len(m) != 1 || !strings.Contains(m[0].Subject, "Leads "+tt.digest) || !strings.Contains(m[0].Subject, "1 lead,") {
				t.Errorf("digest subject %q, want the period %s with the lead", m[0].Subject, tt.digest)
			}

			// The planner: its lookback ends with this month, and its form
			// offers the quarter after this one.
			var p report.Plan
			if r := getPlan(t, h, map[string]string{"target": "50000", "period": "2031-Q2", "lookback": "1"}); json.Unmarshal([]byte(r.Body), &p) != nil {
				t.Fatalf("%d %s", r.StatusCode, r.Body)
			}
			if p.Lookback.From != tt.thisMonth || p.Lookback.To != tt.thisMonth {
				t.Errorf("plan lookback %s..%s, want %s", p.Lookback.From, p.Lookback.To, tt.thisMonth)
			}
			if r := getPlan(t, h, map[string]string{"format": "html"}); !strings.Contains(r.Body, `value="`+tt.quarter+`"`) {
				t.Errorf("the planner's form does not offer %s", tt.quarter)
			}
		})
	}
}
