package wallclock

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/wallclock/wallclocktest"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var (
	monFri   = [7]bool{1: true, 2: true, 3: true, 4: true, 5: true}
	everyDay = [7]bool{true, true, true, true, true, true, true}
)

// TestAdd is the SLA deadline: a start plus working minutes, in fixed
// instants around weekends, nights and the 2026 DST changes (Europe:
// 29 March and 25 October; the US: 8 March and 1 November).
func TestAdd(t *testing.T) {
	berlin, ny := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	office := Hours{From: 8 * 60, To: 18 * 60, Days: monFri, Zone: berlin}
	nyOffice := Hours{From: 9 * 60, To: 17 * 60, Days: monFri, Zone: ny}
	// night covers the hour Europe skips (02:00–03:00 in March) and the
	// one it repeats (02:00–03:00 in October) every day.
	night := Hours{From: 0, To: 6 * 60, Days: everyDay, Zone: berlin}
	allWeek := Hours{From: 0, To: 24 * 60, Days: everyDay, Zone: berlin}
	lateEvening := Hours{From: 20 * 60, To: 24 * 60, Days: [7]bool{5: true, 6: true}, Zone: berlin}
	christmas := office
	christmas.Holidays = Dates(Date{2026, 12, 24}, Date{2026, 12, 25})
	betweenYears := office
	betweenYears.Holidays = Dates()
	for d := 24; d <= 32; d++ { // 24 December to 1 January
		y, m, dd := time.Date(2026, 12, d, 12, 0, 0, 0, time.UTC).Date()
		betweenYears.Holidays[Date{y, m, dd}] = true
	}
	nyChristmas := nyOffice
	nyChristmas.Holidays = Dates(Date{2026, 12, 24}, Date{2026, 12, 25})
	saturdayHoliday := office
	saturdayHoliday.Holidays = Dates(Date{2026, 12, 26})
	everyChristmas := office
	everyChristmas.Holidays = Dates(EveryYear(12, 24), EveryYear(12, 25), Date{2027, 12, 27})
	leapDay := office
	leapDay.Holidays = Dates(EveryYear(2, 29))
	// A weekend desk closed over two weekends between the years: each
	// holiday closes a week of its working days, not a day of the span.
	weekendDesk := Hours{From: 9 * 60, To: 17 * 60, Days: [7]bool{0: true, 6: true}, Zone: berlin,
		Holidays: Dates(Date{2026, 12, 26}, Date{2026, 12, 27}, Date{2027, 1, 2}, Date{2027, 1, 3})}
	// A team working Mondays only, off on Easter Monday and the next.
	mondays := Hours{From: 8 * 60, To: 18 * 60, Days: [7]bool{1: true}, Zone: berlin,
		Holidays: Dates(Date{2026, 4, 6}, Date{2026, 4, 13})}
	tests := []struct {
		name  string
		h     Hours
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside hours: plain addition", office, time.Date(2026, 11, 24, 10, 0, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 24, 10, 5, 0, 0, berlin)},
		{"ends exactly at closing", office, time.Date(2026, 11, 24, 17, 55, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 24, 18, 0, 0, 0, berlin)},
		{"overnight: two minutes tonight, three tomorrow", office, time.Date(2026, 11, 24, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 25, 8, 3, 0, 0, berlin)},
		{"seconds carry over", office, time.Date(2026, 11, 24, 17, 58, 30, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 25, 8, 3, 30, 0, berlin)},
		{"night arrival counts from the opening", office, time.Date(2026, 11, 24, 2, 0, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 24, 8, 5, 0, 0, berlin)},
		{"at closing time: counts from the next opening", office, time.Date(2026, 11, 24, 18, 0, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 25, 8, 5, 0, 0, berlin)},
		{"Friday 17:58 to Monday 08:03", office, time.Date(2026, 11, 27, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 30, 8, 3, 0, 0, berlin)},
		{"Saturday 02:00 to Monday 08:05", office, time.Date(2026, 11, 28, 2, 0, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 30, 8, 5, 0, 0, berlin)},
		{"a long SLA spans days", office, time.Date(2026, 11, 27, 16, 0, 0, 0, berlin), 13 * time.Hour, time.Date(2026, 12, 1, 9, 0, 0, 0, berlin)},
		{"Berlin: weekend over spring forward", office, time.Date(2026, 3, 27, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 3, 30, 8, 3, 0, 0, berlin)},
		{"Berlin: weekend over fall back", office, time.Date(2026, 10, 23, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 10, 26, 8, 3, 0, 0, berlin)},
		{"New York: weekend over spring forward", nyOffice, time.Date(2026, 3, 6, 16, 58, 0, 0, ny), 5 * time.Minute, time.Date(2026, 3, 9, 9, 3, 0, 0, ny)},
		{"New York: weekend over fall back", nyOffice, time.Date(2026, 10, 30, 16, 58, 0, 0, ny), 5 * time.Minute, time.Date(2026, 11, 2, 9, 3, 0, 0, ny)},
		{"New York Friday evening is Saturday in Berlin: the team's zone decides", nyOffice, time.Date(2026, 11, 27, 22, 0, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 27, 16, 5, 0, 0, ny)},
		// Working time is real time: the skipped hour is not worked, the
		// repeated one is worked twice.
		{"Berlin: the skipped hour inside the hours", night, time.Date(2026, 3, 29, 1, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 3, 29, 3, 3, 0, 0, berlin)},
		{"Berlin: the repeated hour inside the hours", night, time.Date(2026, 10, 24, 23, 0, 0, 0, time.UTC), 2 * time.Hour, time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)}, // 01:00 CEST + 2h = 02:00 CET, the second 02:00,
		{"never closes: plain addition", allWeek, time.Date(2026, 3, 28, 23, 0, 0, 0, berlin), 48 * time.Hour, time.Date(2026, 3, 28, 23, 0, 0, 0, berlin).Add(48 * time.Hour)},
		{"hours to midnight go on the next day's evening", lateEvening, time.Date(2026, 11, 27, 23, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 11, 28, 20, 3, 0, 0, berlin)},
		// Holidays: whole local days without working time.
		{"Christmas Eve and Day off: Wednesday 17:58 to Monday 08:03", christmas, time.Date(2026, 12, 23, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 12, 28, 8, 3, 0, 0, berlin)},
		{"a lead on a holiday counts from the next working day", christmas, time.Date(2026, 12, 24, 10, 0, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 12, 28, 8, 5, 0, 0, berlin)},
		{"closed between the years: more than a week", betweenYears, time.Date(2026, 12, 23, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2027, 1, 4, 8, 3, 0, 0, berlin)},
		{"a holiday in another zone's date: the team's wall clock decides", nyChristmas, time.Date(2026, 12, 25, 2, 0, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 12, 28, 9, 5, 0, 0, ny)},
		// Holidays every year: the month and day, whatever the year.
		{"every year's Christmas, 2026", everyChristmas, time.Date(2026, 12, 23, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 12, 28, 8, 3, 0, 0, berlin)},
		{"every year's Christmas and a dated day, 2027", everyChristmas, time.Date(2027, 12, 23, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2027, 12, 28, 8, 3, 0, 0, berlin)},
		{"every year's Christmas, 2040", everyChristmas, time.Date(2040, 12, 21, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2040, 12, 26, 8, 3, 0, 0, berlin)},
		{"a dated holiday is that year's only", everyChristmas, time.Date(2032, 12, 27, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2032, 12, 28, 8, 3, 0, 0, berlin)},
		{"29 February every leap year", leapDay, time.Date(2028, 2, 28, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2028, 3, 1, 8, 3, 0, 0, berlin)},
		{"29 February: nothing in a common year", leapDay, time.Date(2027, 2, 26, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2027, 3, 1, 8, 3, 0, 0, berlin)},
		{"a holiday on a weekend changes nothing", saturdayHoliday, time.Date(2026, 12, 25, 17, 58, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 12, 28, 8, 3, 0, 0, berlin)},
		{"weekend desk closed two weekends: the third", weekendDesk, time.Date(2026, 12, 24, 12, 0, 0, 0, berlin), 5 * time.Minute, time.Date(2027, 1, 9, 9, 5, 0, 0, berlin)},
		{"Mondays only, two Mondays off: the third", mondays, time.Date(2026, 4, 2, 12, 0, 0, 0, berlin), 5 * time.Minute, time.Date(2026, 4, 20, 8, 5, 0, 0, berlin)},
		{"zero SLA is the start", office, time.Date(2026, 11, 28, 2, 0, 0, 0, berlin), 0, time.Date(2026, 11, 28, 2, 0, 0, 0, berlin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.h.Add(tt.start, tt.d)
			if !got.Equal(tt.want) {
				t.Fatalf("Add(%s, %s) = %s (%s), want %s (%s)", tt.start.In(tt.h.Zone), tt.d, got.UTC(), got.In(tt.h.Zone), tt.want.UTC(), tt.want.In(tt.h.Zone))
			}
		})
	}
}

// TestAddCountsWorkingMinutes checks Add against brute force: for random
// instants through 2026 and around each DST change, in zones with and
// without DST, the working minutes between start and Add(start, d) are d,
// and the last minute before the deadline is working time.
func TestAddCountsWorkingMinutes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"} {
		loc := zone(t, name)
		for _, h := range []Hours{
			{From: 8 * 60, To: 18 * 60, Days: monFri},
			{From: 2*60 + 30, To: 4 * 60, Days: everyDay}, // inside the hours DST skips or repeats
			{From: 60 + 30, To: 2*60 + 30, Days: everyDay},
			{From: 0, To: 24 * 60, Days: [7]bool{2: true, 3: true}},
			{From: 20 * 60, To: 24 * 60, Days: [7]bool{4: true}},
		} {
			h.Zone = loc
			var starts []time.Time
			for range 40 {
				starts = append(starts, start.Add(time.Duration(r.Int64N(int64(365*24*time.Hour)))))
			}
			for _, change := range wallclocktest.DSTChanges(loc, 2026) {
				for range 20 {
					starts = append(starts, change.Add(time.Duration(r.Int64N(int64(72*time.Hour)))-36*time.Hour))
				}
			}
			for _, s := range starts {
				s = s.Truncate(time.Minute)
				d := time.Duration(1+r.IntN(600)) * time.Minute
				got := h.Add(s, d)
				var worked time.Duration
				for m := s; m.Before(got); m = m.Add(time.Minute) {
					if h.Open(m) {
						worked += time.Minute
					}
				}
				if worked != d || !h.Open(got.Add(-time.Minute)) {
					t.Fatalf("%s %v: Add(%s, %s) = %s: %s worked, last minute open %v", name, h, s.In(loc), d, got.In(loc), worked, h.Open(got.Add(-time.Minute)))
				}
			}
		}
	}
}

func TestString(t *testing.T) {
	h := Hours{From: 8 * 60, To: 18 * 60, Days: monFri, Zone: zone(t, "Europe/Berlin")}
	for _, tt := range []struct {
		holidays map[Date]bool
		want     string
	}{
		{nil, "Mon–Fri 08:00–18:00 Europe/Berlin"},
		{Dates(Date{2026, 12, 24}), "Mon–Fri 08:00–18:00 Europe/Berlin, except 1 holiday"},
		{Dates(Date{2026, 12, 24}, Date{2026, 12, 31}), "Mon–Fri 08:00–18:00 Europe/Berlin, except 2 holidays"},
		{Dates(EveryYear(12, 25)), "Mon–Fri 08:00–18:00 Europe/Berlin, except 1 holiday every year"},
		{Dates(EveryYear(12, 25), EveryYear(1, 1), Date{2026, 12, 24}), "Mon–Fri 08:00–18:00 Europe/Berlin, except 2 holidays every year and 1 more"},
	} {
		h.Holidays = tt.holidays
		if got := h.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestParseHoliday: a config's holiday is a date, or a month and day
// every year; a bad one says why.
func TestParseHoliday(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Date
		why  string
	}{
		{"2026-12-24", Date{2026, 12, 24}, ""},
		{" 2026-12-24 ", Date{2026, 12, 24}, ""},
		{"12-25", EveryYear(12, 25), ""},
		{"--12-25", EveryYear(12, 25), ""},
		{"01-01", EveryYear(1, 1), ""},
		{"02-29", EveryYear(2, 29), ""},
		{"2028-02-29", Date{2028, 2, 29}, ""},
		{"02-30", Date{}, "February has 29 days"},
		{"04-31", Date{}, "April has 30 days"},
		{"12-00", Date{}, "December has 31 days"},
		{"2026-02-29", Date{}, "February 2026 has 28 days"},
		{"2026-12-32", Date{}, "December 2026 has 31 days"},
		{"13-01", Date{}, "there is no month 13"},
		{"--00-10", Date{}, "there is no month 00"},
		{"2026-13-01", Date{}, "there is no month 13"},
		{"12/25", Date{}, "use YYYY-MM-DD such as 2026-12-24 for one day, or MM-DD such as 12-25 for that day every year"},
		{"1-5", Date{}, "use YYYY-MM-DD such as 2026-12-24 for one day, or MM-DD such as 12-25 for that day every year"},
		{"-12-25", Date{}, "use YYYY-MM-DD such as 2026-12-24 for one day, or MM-DD such as 12-25 for that day every year"},
		{"2026-12-24T00:00:00Z", Date{}, "use YYYY-MM-DD such as 2026-12-24 for one day, or MM-DD such as 12-25 for that day every year"},
	} {
		got, why := ParseHoliday(tt.in)
		if got != tt.want || why != tt.why {
			t.Errorf("ParseHoliday(%q) = %v, %q; want %v, %q", tt.in, got, why, tt.want, tt.why)
		}
	}
	if s := EveryYear(12, 25).String(); s != "12-25" {
		t.Errorf("every year's 25 December prints as %q", s)
	}
}

// TestTimes: the instants a local date's clock first reads a minute —
// one, the jump over a skipped time, or both readings of a repeated one —
// also where the clock skips or repeats around midnight (Santiago, Cairo
// and Havana go forward at 00:00; Santiago goes back at 24:00).
func TestTimes(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range []struct {
		name, zone string
		date       string
		minute     int
		want       []time.Time
	}{
		{"a plain day", "Europe/Berlin", "2026-11-24", 9 * 60, []time.Time{at("2026-11-24T08:00:00Z")}},
		{"Berlin: a skipped time is the jump", "Europe/Berlin", "2026-03-29", 2*60 + 30, []time.Time{at("2026-03-29T01:00:00Z")}},
		{"Berlin: a repeated time, both", "Europe/Berlin", "2026-10-25", 2*60 + 30, []time.Time{at("2026-10-25T00:30:00Z"), at("2026-10-25T01:30:00Z")}},
		{"Lord Howe: half an hour skipped", "Australia/Lord_Howe", "2026-10-04", 2*60 + 15, []time.Time{at("2026-10-03T15:30:00Z")}},
		{"Kathmandu: no change", "Asia/Kathmandu", "2026-10-04", 9 * 60, []time.Time{at("2026-10-04T03:15:00Z")}},
		{"Santiago: midnight skipped", "America/Santiago", "2026-09-06", 0, []time.Time{at("2026-09-06T04:00:00Z")}},
		{"Santiago: 00:30 skipped", "America/Santiago", "2026-09-06", 30, []time.Time{at("2026-09-06T04:00:00Z")}},
		{"Santiago: 01:00 after the jump", "America/Santiago", "2026-09-06", 60, []time.Time{at("2026-09-06T04:00:00Z")}},
		{"Santiago: 23:30 twice before midnight", "America/Santiago", "2026-04-04", 23*60 + 30, []time.Time{at("2026-04-05T02:30:00Z"), at("2026-04-05T03:30:00Z")}},
		{"Cairo: midnight skipped", "Africa/Cairo", "2026-04-24", 15, []time.Time{at("2026-04-23T22:00:00Z")}},
		{"Havana: midnight skipped", "America/Havana", "2026-03-08", 45, []time.Time{at("2026-03-08T05:00:00Z")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			d, err := time.Parse(time.DateOnly, tt.date)
			if err != nil {
				t.Fatal(err)
			}
			got := Times(d.Year(), d.Month(), d.Day(), tt.minute, loc)
			if len(got) != len(tt.want) {
				t.Fatalf("Times(%s %s) = %v, want %v", tt.date, Clock(tt.minute), got, tt.want)
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Fatalf("Times(%s %s) = %v, want %v", tt.date, Clock(tt.minute), got, tt.want)
				}
			}
		})
	}
}
