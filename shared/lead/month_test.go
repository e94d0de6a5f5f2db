package lead_test

import (
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// TestMonthInBusinessZone: a counter's month is the month of the business
// time zone (REPORT_TIME_ZONE), not UTC's — at the last half hour of a
// month, at its first, and around the zone's DST changes. Instants are
// given in UTC so the expectation does not lean on the code under test.
func TestMonthInBusinessZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	syd, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	tests := []struct {
		name string
		zone *time.Location
		at   string // UTC
		want string
	}{
		// New York: EST is UTC−5, EDT UTC−4.
		{"NY 30 Nov 23:30 EST is November", ny, "2026-12-01T04:30:00Z", "2026-11"},
		{"NY 1 Dec 00:00 EST is December", ny, "2026-12-01T05:00:00Z", "2026-12"},
		{"NY 31 Dec 23:59 EST is December, not next year", ny, "2027-01-01T04:59:00Z", "2026-12"},
		{"NY 31 Oct 23:30 EDT, the night before DST ends, is October", ny, "2026-11-01T03:30:00Z", "2026-10"},
		{"NY 1 Nov 01:30 EST, the repeated hour DST ends in, is November", ny, "2026-11-01T06:30:00Z", "2026-11"},
		{"NY 28 Feb 23:30 EST, before DST starts, is February", ny, "2027-03-01T04:30:00Z", "2027-02"},
		{"NY 31 Mar 23:30 EDT, after DST started, is March", ny, "2027-04-01T03:30:00Z", "2027-03"},
		{"NY 1 Apr 00:00 EDT is April", ny, "2027-04-01T04:00:00Z", "2027-04"},
		// Sydney: AEST is UTC+10, AEDT UTC+11 (October to April).
		{"Sydney 30 Nov 23:30 AEDT is November", syd, "2026-11-30T12:30:00Z", "2026-11"},
		{"Sydney 1 Dec 00:30 AEDT is December (UTC is still 30 Nov)", syd, "2026-11-30T13:30:00Z", "2026-12"},
		{"Sydney 30 Sep 23:30 AEST, before DST starts, is September", syd, "2026-09-30T13:30:00Z", "2026-09"},
		{"Sydney 1 Oct 00:30 AEST is October", syd, "2026-09-30T14:30:00Z", "2026-10"},
		{"Sydney 31 Mar 23:30 AEDT, before DST ends, is March", syd, "2027-03-31T12:30:00Z", "2027-03"},
		{"Sydney 1 Apr 00:30 AEDT is April", syd, "2027-03-31T13:30:00Z", "2027-04"},
		{"Sydney 1 Jan 00:30 AEDT is the new year", syd, "2026-12-31T13:30:00Z", "2027-01"},
		// UTC, the default: unchanged.
		{"UTC 30 Nov 23:30", time.UTC, "2026-11-30T23:30:00Z", "2026-11"},
		{"UTC 1 Dec 00:00", time.UTC, "2026-12-01T00:00:00Z", "2026-12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := utc(tt.at)
			if got := lead.MonthIn(at, tt.zone); got != tt.want {
				t.Errorf("MonthIn(%s, %s) = %s, want %s", tt.at, tt.zone, got, tt.want)
			}
			// The process's zone (set at init from REPORT_TIME_ZONE) is
			// what Month, and so every counter, uses.
			lead.SetMonthZone(tt.zone)
			t.Cleanup(func() { lead.SetMonthZone(nil) })
			if got := lead.Month(at); got != tt.want {
				t.Errorf("Month(%s) in %s = %s, want %s", tt.at, tt.zone, got, tt.want)
			}
			// An instant given in another zone is the same instant.
			if got := lead.Month(at.In(time.FixedZone("elsewhere", -12*3600))); got != tt.want {
				t.Errorf("Month(%s in UTC−12) in %s = %s, want %s", tt.at, tt.zone, got, tt.want)
			}
		})
	}
}

// TestMonthZoneDefaultsToUTC: a process that sets no zone (and nil) counts
// months in UTC, as deployments before REPORT_TIME_ZONE did.
func TestMonthZoneDefaultsToUTC(t *testing.T) {
	if z := lead.MonthZone(); z != time.UTC {
		t.Fatalf("default zone %v, want UTC", z)
	}
	lead.SetMonthZone(nil)
	if got := lead.Month(time.Date(2026, 12, 1, 4, 30, 0, 0, time.UTC)); got != "2026-12" {
		t.Fatalf("Month with nil zone = %s, want 2026-12", got)
	}
}
