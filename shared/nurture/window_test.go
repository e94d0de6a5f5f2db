package nurture

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/wallclock/wallclocktest"
)

var (
	weekdaysOnly = Window{From: 9 * 60, To: 17 * 60, Days: [7]bool{1: true, 2: true, 3: true, 4: true, 5: true}}
	everyDay     = Window{From: 9 * 60, To: 17 * 60, Days: [7]bool{true, true, true, true, true, true, true}}
	// nightly opens inside the hour DST skips or repeats in Europe.
	nightly = Window{From: 2*60 + 30, To: 4 * 60, Days: [7]bool{true, true, true, true, true, true, true}}
	tueThu  = Window{From: 9 * 60, To: 17 * 60, Days: [7]bool{2: true, 4: true}}
	lateDay = Window{From: 20 * 60, To: 24 * 60, Days: [7]bool{true, true, true, true, true, true, true}}
	// backInto closes inside the hour DST repeats in Europe: when the
	// clocks go back, the wall clock re-enters it mid-window.
	backInto = Window{From: 60 + 30, To: 2*60 + 30, Days: [7]bool{true, true, true, true, true, true, true}}
)

func TestNextOpen(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name   string
		zone   string
		w      Window
		now    time.Time
		want   time.Time
		offset int // the wanted instant's UTC offset in hours, to prove the DST side
	}{
		{"open now", "Europe/Berlin", weekdaysOnly, utc("2026-11-24T10:00:00Z"), utc("2026-11-24T10:00:00Z"), 1},
		{"before opening", "Europe/Berlin", weekdaysOnly, utc("2026-11-24T06:59:59Z"), utc("2026-11-24T08:00:00Z"), 1},
		{"closing time is closed", "Europe/Berlin", weekdaysOnly, utc("2026-11-24T16:00:00Z"), utc("2026-11-25T08:00:00Z"), 1},
		{"last minute is open", "Europe/Berlin", weekdaysOnly, utc("2026-11-24T15:59:59Z"), utc("2026-11-24T15:59:59Z"), 1},
		{"Friday evening to Monday", "Europe/Berlin", weekdaysOnly, utc("2026-11-27T17:00:00Z"), utc("2026-11-30T08:00:00Z"), 1},
		// Europe/Berlin springs forward on Sunday 29 March 2026 (02:00 → 03:00).
		{"Berlin weekend over spring forward", "Europe/Berlin", weekdaysOnly, utc("2026-03-28T09:00:00Z"), utc("2026-03-30T07:00:00Z"), 2},
		{"Berlin DST Sunday, every day", "Europe/Berlin", everyDay, utc("2026-03-29T00:30:00Z"), utc("2026-03-29T07:00:00Z"), 2},
		{"Berlin window inside the skipped hour opens at the jump", "Europe/Berlin", nightly, utc("2026-03-28T23:00:00Z"), utc("2026-03-29T01:00:00Z"), 2},
		// Europe/Berlin falls back on Sunday 25 October 2026 (03:00 → 02:00).
		{"Berlin weekend over fall back", "Europe/Berlin", weekdaysOnly, utc("2026-10-23T15:00:00Z"), utc("2026-10-26T08:00:00Z"), 1},
		{"Berlin fall-back Sunday, every day", "Europe/Berlin", everyDay, utc("2026-10-24T23:00:00Z"), utc("2026-10-25T08:00:00Z"), 1},
		{"Berlin window inside the repeated hour opens the first time", "Europe/Berlin", nightly, utc("2026-10-24T22:00:00Z"), utc("2026-10-25T00:30:00Z"), 2},
		{"Berlin repeated hour: open again the second time", "Europe/Berlin", nightly, utc("2026-10-25T01:10:00Z"), utc("2026-10-25T01:30:00Z"), 1},
		{"Berlin clocks go back into the window: open at the change", "Europe/Berlin", backInto, utc("2026-10-25T00:40:00Z"), utc("2026-10-25T01:00:00Z"), 1},
		// America/New_York springs forward on 8 March 2026, falls back on 1 November 2026.
		{"New York weekend over spring forward", "America/New_York", weekdaysOnly, utc("2026-03-07T17:00:00Z"), utc("2026-03-09T13:00:00Z"), -4},
		{"New York DST Sunday, every day", "America/New_York", everyDay, utc("2026-03-08T06:00:00Z"), utc("2026-03-08T13:00:00Z"), -4},
		{"New York weekend over fall back", "America/New_York", weekdaysOnly, utc("2026-10-30T22:00:00Z"), utc("2026-11-02T14:00:00Z"), -5},
		{"New York fall-back Sunday, every day", "America/New_York", everyDay, utc("2026-11-01T05:30:00Z"), utc("2026-11-01T14:00:00Z"), -5},
		{"Tokyo has no DST", "Asia/Tokyo", weekdaysOnly, utc("2026-03-27T08:00:00Z"), utc("2026-03-30T00:00:00Z"), 9},
		{"Kolkata half-hour offset", "Asia/Kolkata", weekdaysOnly, utc("2026-03-30T03:00:00Z"), utc("2026-03-30T03:30:00Z"), 5},
		{"Sydney falls back 5 April 2026", "Australia/Sydney", weekdaysOnly, utc("2026-04-03T07:00:00Z"), utc("2026-04-05T23:00:00Z"), 10},
		{"quiet days: Wednesday to Thursday", "Europe/Berlin", tueThu, utc("2026-11-25T09:00:00Z"), utc("2026-11-26T08:00:00Z"), 1},
		{"quiet days: Thursday evening to Tuesday", "Europe/Berlin", tueThu, utc("2026-11-26T17:00:00Z"), utc("2026-12-01T08:00:00Z"), 1},
		{"window to midnight", "Europe/Berlin", lateDay, utc("2026-11-24T22:59:00Z"), utc("2026-11-24T22:59:00Z"), 1},
		{"after a window to midnight", "Europe/Berlin", lateDay, utc("2026-11-24T23:00:00Z"), utc("2026-11-25T19:00:00Z"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			got := tt.w.NextOpen(tt.now, loc)
			if !got.Equal(tt.want) {
				t.Fatalf("NextOpen(%s) = %s (%s), want %s (%s)", tt.now.In(loc), got.UTC(), got.In(loc), tt.want.UTC(), tt.want.In(loc))
			}
			if _, off := got.In(loc).Zone(); off != tt.offset*3600 && !(tt.zone == "Asia/Kolkata" && off == 5*3600+1800) {
				t.Errorf("offset %ds, want %dh", off, tt.offset)
			}
			if !tt.w.Open(got, loc) {
				t.Errorf("window closed at %s", got.In(loc))
			}
		})
	}
}

// TestNextOpenIsTheFirstOpenMinute checks NextOpen against brute force:
// for random instants through 2026 in zones with and without DST, the
// result is open and no minute between now and it is.
func TestNextOpenIsTheFirstOpenMinute(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, zone := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"} {
		loc, _ := time.LoadLocation(zone)
		for _, w := range []Window{weekdaysOnly, nightly, tueThu, lateDay, backInto} {
			// Random instants through the year, and many around each DST change.
			var nows []time.Time
			for range 60 {
				nows = append(nows, start.Add(time.Duration(r.Int64N(int64(365*24*time.Hour)))))
			}
			for _, change := range wallclocktest.DSTChanges(loc, 2026) {
				for range 40 {
					nows = append(nows, change.Add(time.Duration(r.Int64N(int64(72*time.Hour)))-36*time.Hour))
				}
			}
			for _, now := range nows {
				now = now.Truncate(time.Minute)
				got := w.NextOpen(now, loc)
				if got.Before(now) || !w.Open(got, loc) {
					t.Fatalf("%s %v: NextOpen(%s) = %s is not open", zone, w, now, got)
				}
				for m := now; m.Before(got); m = m.Add(time.Minute) {
					if w.Open(m, loc) {
						t.Fatalf("%s %v: NextOpen(%s) = %s, but %s is open", zone, w, now.In(loc), got.In(loc), m.In(loc))
					}
				}
			}
		}
	}
}

func TestLocation(t *testing.T) {
	c := mustParse(t, full) // default Europe/Berlin, US → America/Chicago
	tests := []struct {
		name, tz, country, want string
	}{
		{"lead's own zone", "Asia/Tokyo", "US", "Asia/Tokyo"},
		{"country from the config", "", "US", "America/Chicago"},
		{"built-in country", "", "GB", "Europe/London"},
		{"country in lower case", "", "jp", "Asia/Tokyo"},
		{"config default", "", "", "Europe/Berlin"},
		{"unknown country", "", "XX", "Europe/Berlin"},
		{"invalid zone falls back to country", "Mars/Olympus", "GB", "Europe/London"},
		{"Local is never used", "Local", "", "Europe/Berlin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lead.Lead{Submission: lead.Submission{TimeZone: tt.tz, Country: tt.country}}
			if got := c.Location(l).String(); got != tt.want {
				t.Errorf("Location = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestBuiltinCountryZonesLoad(t *testing.T) {
	for cc, name := range countryZones {
		if _, err := time.LoadLocation(name); err != nil || len(cc) != 2 {
			t.Errorf("%s: %s: %v", cc, name, err)
		}
	}
	c := Default()
	for cc, name := range countryZones {
		if got := c.Location(lead.Lead{Submission: lead.Submission{Country: cc}}); got.String() != name {
			t.Errorf("Location of a lead from %s = %s, want %s", cc, got, name)
		}
	}
}
