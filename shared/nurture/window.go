package nurture

import (
	"fmt"
	"strings"
	"time"
)

// Window is when marketing email may go out, on the lead's own wall
// clock: from From to To (minutes after local midnight; To may be 24*60)
// on the days marked in Days (indexed by time.Weekday). Days not marked
// are quiet days.
type Window struct {
	From, To int
	Days     [7]bool
}

// Open reports whether t falls inside the window in loc.
func (w Window) Open(t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	if !w.Days[lt.Weekday()] {
		return false
	}
	h, m, _ := lt.Clock()
	minute := h*60 + m
	return minute >= w.From && minute < w.To
}

// NextOpen is the earliest instant at or after now when the window is
// open in loc: now itself when it is open. It follows the lead's wall
// clock across daylight-saving changes: a 09:00 window opens at 09:00
// local time on the day after a change too. A window that would open at a
// time the clock skips (02:30 on a spring-forward night) opens when the
// clock jumps past it; one that opens at a time the clock passes twice
// opens the first time, and again the second; and when the clocks go back
// into a window that had closed (01:30–02:30 as 03:00 becomes 02:00), it
// opens at the change. It returns the zero time only for a window without
// days, which Parse rules out.
func (w Window) NextOpen(now time.Time, loc *time.Location) time.Time {
	if w.Open(now, loc) {
		return now
	}
	y, mo, d := now.In(loc).Date()
	// Eight days reach the same weekday a week on, whatever the DST shifts.
	for i := 0; i <= 8; i++ {
		var first time.Time
		for _, t := range append(wallTimes(y, mo, d+i, w.From, loc), changes(y, mo, d+i, loc)...) {
			if t.After(now) && w.Open(t, loc) && (first.IsZero() || t.Before(first)) {
				first = t
			}
		}
		if !first.IsZero() {
			return first
		}
	}
	return time.Time{}
}

// wallTimes are the instants on a local date when the clock first reads
// minute (minutes after midnight), earliest first: one on a normal day,
// the jump on a day the clock skips that time, and both on a day it
// passes that time twice.
func wallTimes(y int, mo time.Month, d, minute int, loc *time.Location) []time.Time {
	t := time.Date(y, mo, d, minute/60, minute%60, 0, 0, loc)
	if h, m, _ := t.Clock(); h*60+m != minute {
		// A gap: time.Date moved off the skipped time. The clock first
		// read minute or later at the jump, which is where the zone in
		// effect at t begins (or, had Date moved back, where it ends).
		start, end := t.ZoneBounds()
		switch {
		case h*60+m > minute && !start.IsZero():
			t = start
		case h*60+m < minute && !end.IsZero():
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

// changes are the instants on a local date when loc's offset changes:
// where the clock jumps, into a window or past its opening.
func changes(y int, mo time.Month, d int, loc *time.Location) []time.Time {
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

// String is e.g. "09:00–17:00 Mon–Fri".
func (w Window) String() string {
	return clock(w.From) + "–" + clock(w.To) + " " + w.dayList()
}

func (w Window) dayList() string {
	// Monday first, as people write weeks.
	order := [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var parts []string
	for i := 0; i < 7; {
		if !w.Days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < 7 && w.Days[order[j+1]] {
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

// clock is minutes after midnight as "09:00".
func clock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// localTime is an instant for a reason a person reads: "Sat 10:00
// Europe/Berlin".
func localTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 15:04") + " " + loc.String()
}

// laterTime is a future instant relative to now, on the lead's clock:
// "Mon 09:00" within the coming week, "Mon 7 Dec 09:00" beyond it.
func laterTime(t, now time.Time, loc *time.Location) string {
	if t.Sub(now) < 6*24*time.Hour {
		return t.In(loc).Format("Mon 15:04")
	}
	return t.In(loc).Format("Mon 2 Jan 15:04")
}
