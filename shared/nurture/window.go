package nurture

import (
	"time"

	"github.com/leadflow/leadflow/shared/wallclock"
)

// Window is when marketing email may go out, on the lead's own wall
// clock: from From to To (minutes after local midnight; To may be 24*60)
// on the days marked in Days (indexed by time.Weekday). Days not marked
// are quiet days.
type Window struct {
	From, To int
	Days     [7]bool
}

// hours is the window on loc's wall clock.
func (w Window) hours(loc *time.Location) wallclock.Hours {
	return wallclock.Hours{From: w.From, To: w.To, Days: w.Days, Zone: loc}
}

// Open reports whether t falls inside the window in loc.
func (w Window) Open(t time.Time, loc *time.Location) bool { return w.hours(loc).Open(t) }

// NextOpen is the earliest instant at or after now when the window is
// open in loc: now itself when it is open. It follows the lead's wall
// clock across daylight-saving changes (wallclock.Hours.NextOpen): a
// 09:00 window opens at 09:00 local time on the day after a change too. A
// window that would open at a time the clock skips (02:30 on a
// spring-forward night) opens when the clock jumps past it; one that
// opens at a time the clock passes twice opens the first time, and again
// the second; and when the clocks go back into a window that had closed
// (01:30–02:30 as 03:00 becomes 02:00), it opens at the change. It
// returns the zero time only for a window without days, which Parse
// rules out.
func (w Window) NextOpen(now time.Time, loc *time.Location) time.Time {
	return w.hours(loc).NextOpen(now)
}

// String is e.g. "09:00–17:00 Mon–Fri".
func (w Window) String() string {
	return wallclock.Clock(w.From) + "–" + wallclock.Clock(w.To) + " " + w.dayList()
}

func (w Window) dayList() string { return wallclock.DayList(w.Days) }

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
