// Package wallclock finds instants on a local wall clock across
// daylight-saving changes, and counts working time in weekly hours (the
// first-response SLA's clock). It imports nothing of the project: nurture
// (send windows) and qualify (sales working hours) both build on it.
package wallclock

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Times are the instants on a local date when the clock first reads
// minute (minutes after midnight, below 24*60), earliest first: one on a
// normal day, the jump on a day the clock skips that time, and both on a
// day it passes that time twice.
func Times(y int, mo time.Month, d, minute int, loc *time.Location) []time.Time {
	t := time.Date(y, mo, d, minute/60, minute%60, 0, 0, loc)
	// The wall clock t reads against the one asked for, dates included:
	// a time skipped just after midnight (Santiago, Havana) moves back
	// into the day before, to a later clock reading.
	want := time.Date(y, mo, d, minute/60, minute%60, 0, 0, time.UTC)
	if read := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC); !read.Equal(want) {
		// A gap: time.Date moved off the skipped time. The clock first
		// read minute or later at the jump, which is where the zone in
		// effect at t begins (or, had Date moved back, where it ends).
		start, end := t.ZoneBounds()
		switch {
		case read.After(want) && !start.IsZero():
			t = start
		case read.Before(want) && !end.IsZero():
			t = end
		}
	}
	// time.Date picks one of the two readings of a repeated time; the
	// other lies on the far side of the change next to it.
	out := []time.Time{t}
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	if !start.IsZero() {
		if _, before := start.Add(-time.Nanosecond).Zone(); before > off {
			if alt := t.Add(-time.Duration(before-off) * time.Second); alt.Before(start) {
				out = []time.Time{alt, t}
			}
		}
	}
	if !end.IsZero() {
		if _, after := end.Zone(); after < off {
			if alt := t.Add(time.Duration(off-after) * time.Second); !alt.Before(end) {
				out = append(out, alt)
			}
		}
	}
	return out
}

// Changes are the instants on a local date when loc's offset changes:
// where the clock jumps, into a window or past its opening or closing.
func Changes(y int, mo time.Month, d int, loc *time.Location) []time.Time {
	var out []time.Time
	next := time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
	for t := time.Date(y, mo, d, 0, 0, 0, 0, loc); ; {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(next) {
			return out
		}
		out = append(out, end)
		t = end
	}
}

// Hours are weekly working hours on Zone's wall clock: from From to To
// (minutes after local midnight; To may be 24*60) on the days marked in
// Days (indexed by time.Weekday), except on the dates in Holidays (one
// of Year 0 is that month and day every year). An instant is working
// time when the wall clock then reads a marked day that is no holiday
// and a minute in [From, To).
type Hours struct {
	From, To int
	Days     [7]bool
	Zone     *time.Location
	Holidays map[Date]bool
}

// Date is a date on a wall clock; Year 0 is the month and day of every
// year (a recurring holiday: 12-25).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// EveryYear is month and day of every year.
func EveryYear(m time.Month, d int) Date { return Date{Month: m, Day: d} }

// String is e.g. "2026-12-24", or "12-25" for every year.
func (d Date) String() string {
	if d.Year == 0 {
		return fmt.Sprintf("%02d-%02d", d.Month, d.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Dates is a set of dates.
func Dates(ds ...Date) map[Date]bool {
	out := make(map[Date]bool, len(ds))
	for _, d := range ds {
		out[d] = true
	}
	return out
}

// ParseDate reads "2026-12-24".
func ParseDate(s string) (Date, bool) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, false
	}
	y, m, d := t.Date()
	return Date{y, m, d}, true
}

var (
	datedRe     = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	recurringRe = regexp.MustCompile(`^(?:--)?(\d{2})-(\d{2})$`)
)

// ParseHoliday reads a holiday: "2026-12-24", that day, or "12-25" (or
// ISO 8601's "--12-25"), that month and day every year — "02-29" every
// leap year. When it cannot, it says why, for a config error.
func ParseHoliday(s string) (Date, string) {
	s = strings.TrimSpace(s)
	var y, m, d int
	if g := datedRe.FindStringSubmatch(s); g != nil {
		y, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		d, _ = strconv.Atoi(g[3])
	} else if g := recurringRe.FindStringSubmatch(s); g != nil {
		m, _ = strconv.Atoi(g[1])
		d, _ = strconv.Atoi(g[2])
	} else {
		return Date{}, "use YYYY-MM-DD such as 2026-12-24 for one day, or MM-DD such as 12-25 for that day every year"
	}
	if m < 1 || m > 12 {
		return Date{}, fmt.Sprintf("there is no month %02d", m)
	}
	month := time.Month(m)
	days := 29 // February, every year: every leap year's 29th
	if y != 0 || month != time.February {
		leap := 2024 // a leap year: only February differs
		if y != 0 {
			leap = y
		}
		days = time.Date(leap, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
	}
	if d < 1 || d > days {
		in := month.String()
		if y != 0 {
			in += " " + strconv.Itoa(y)
		}
		return Date{}, fmt.Sprintf("%s has %d days", in, days)
	}
	return Date{y, month, d}, ""
}

// holiday reports whether a local date is one of the holidays: that
// date, or its month and day every year.
func (h Hours) holiday(y int, m time.Month, d int) bool {
	return h.Holidays[Date{y, m, d}] || h.Holidays[Date{0, m, d}]
}

func (h Hours) zone() *time.Location {
	if h.Zone == nil {
		return time.UTC
	}
	return h.Zone
}

// Open reports whether t is working time.
func (h Hours) Open(t time.Time) bool {
	lt := t.In(h.zone())
	if y, m, d := lt.Date(); !h.Days[lt.Weekday()] || h.holiday(y, m, d) {
		return false
	}
	hh, mm, _ := lt.Clock()
	minute := hh*60 + mm
	return minute >= h.From && minute < h.To
}

// NextOpen is the earliest instant at or after t that is working time: t
// itself when it is. It follows the wall clock across daylight-saving
// changes (08:00 is 08:00 local on the Monday after a change too). It is
// the zero time only for hours without days.
func (h Hours) NextOpen(t time.Time) time.Time {
	if h.Open(t) {
		return t
	}
	loc := h.zone()
	y, mo, d := t.In(loc).Date()
	// Eight days reach the same weekday a week on, whatever the DST
	// shifts; each holiday can push that a week further (span).
	for i := 0; i <= h.span(); i++ {
		cands := append(Times(y, mo, d+i, h.From, loc), Changes(y, mo, d+i, loc)...)
		if first := h.first(cands, t, true); !first.IsZero() {
			return first
		}
	}
	return time.Time{}
}

// nextClose is the earliest instant after t (working time) that is not:
// where the day's hours end, or the day ends, or the clock jumps out of
// them. It is the zero time for hours that never close (every day,
// 00:00–24:00).
func (h Hours) nextClose(t time.Time) time.Time {
	loc := h.zone()
	y, mo, d := t.In(loc).Date()
	for i := 0; i <= h.span(); i++ {
		cands := append(Times(y, mo, d+i, 0, loc), Changes(y, mo, d+i, loc)...)
		if h.To < 24*60 {
			cands = append(cands, Times(y, mo, d+i, h.To, loc)...)
		}
		if first := h.first(cands, t, false); !first.IsZero() {
			return first
		}
	}
	return time.Time{}
}

// span is how many days on a search for the next opening or closing
// need look: a week and a day, and a week more for each holiday. A
// holiday closes one working day, and a team may work one day a week (a
// weekend desk closed two weekends between the years opens on the third,
// two weeks on; a day more per holiday found it closed for good and
// counted the deadline as if the hours were never closed). One every
// year closes one day of the span too: it is far shorter than a year
// unless the config lists dozens.
func (h Hours) span() int { return 8 + 7*len(h.Holidays) }

// first is the earliest of cands after t that is (or is not) working time.
func (h Hours) first(cands []time.Time, t time.Time, open bool) time.Time {
	var first time.Time
	for _, c := range cands {
		if c.After(t) && h.Open(c) == open && (first.IsZero() || c.Before(first)) {
			first = c
		}
	}
	return first
}

// Add is the instant by which d of working time has passed since start:
// start + d when both lie in the same stretch of working time, else the
// rest of d counted on from the next opening. Working time is real
// elapsed time (an hour the clocks skip inside the hours is not counted;
// one they repeat is counted twice). A start outside the hours counts
// from the next opening. For hours without days it returns start + d
// (Parse rules them out).
func (h Hours) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	t := start
	for {
		open := h.NextOpen(t)
		if open.IsZero() {
			return start.Add(d)
		}
		end := h.nextClose(open)
		if end.IsZero() || d <= end.Sub(open) {
			return open.Add(d)
		}
		d -= end.Sub(open)
		t = end
	}
}

// String is e.g. "Mon–Fri 08:00–18:00 Europe/Berlin", and the number of
// holidays when there are: "…, except 2 holidays", "…, except 3
// holidays every year and 1 more".
func (h Hours) String() string {
	s := DayList(h.Days) + " " + Clock(h.From) + "–" + Clock(h.To) + " " + h.zone().String()
	every := 0
	for d := range h.Holidays {
		if d.Year == 0 {
			every++
		}
	}
	dated := len(h.Holidays) - every
	switch {
	case every > 0 && dated > 0:
		s += ", except " + holidays(every) + " every year and " + strconv.Itoa(dated) + " more"
	case every > 0:
		s += ", except " + holidays(every) + " every year"
	case dated > 0:
		s += ", except " + holidays(dated)
	}
	return s
}

func holidays(n int) string {
	if n == 1 {
		return "1 holiday"
	}
	return strconv.Itoa(n) + " holidays"
}

// DayList is the marked days as people write them, Monday first: "Mon–Fri",
// "Mon, Wed, Fri", "every day".
func DayList(days [7]bool) string {
	order := [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var parts []string
	for i := 0; i < 7; {
		if !days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < 7 && days[order[j+1]] {
			j++
		}
		switch {
		case i == 0 && j == 6:
			return "every day"
		case j-i >= 2:
			parts = append(parts, short(order[i])+"–"+short(order[j]))
		case j == i+1:
			parts = append(parts, short(order[i]), short(order[j]))
		default:
			parts = append(parts, short(order[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func short(d time.Weekday) string { return d.String()[:3] }

// Clock is minutes after midnight as "09:00".
func Clock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

var clockRe = regexp.MustCompile(`^(\d{1,2}):(\d{2})$`)

// ParseClock reads a 24-hour "08:00" as minutes after midnight; end
// allows "24:00", the end of the day.
func ParseClock(s string, end bool) (int, bool) {
	m := clockRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mm, _ := strconv.Atoi(m[2])
	if (h < 24 && mm < 60) || (end && h == 24 && mm == 0) {
		return h*60 + mm, true
	}
	return 0, false
}

var weekdays = map[string]time.Weekday{
	"mon": time.Monday, "monday": time.Monday, "tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday, "thu": time.Thursday, "thur": time.Thursday,
	"thurs": time.Thursday, "thursday": time.Thursday, "fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday, "sun": time.Sunday, "sunday": time.Sunday,
}

// WeekdayNames are the short day names a config lists, Monday first.
var WeekdayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// ParseDay reads a day name, short or long, in any case ("mon", "Monday").
func ParseDay(s string) (time.Weekday, bool) {
	d, ok := weekdays[strings.ToLower(strings.TrimSpace(s))]
	return d, ok
}
