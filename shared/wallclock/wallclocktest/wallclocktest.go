// Package wallclocktest helps the tests of the code that follows wall
// clocks across daylight-saving changes (wallclock, nurture's send
// windows). It imports nothing of the project.
package wallclocktest

import "time"

// DSTChanges are the instants a zone changes its offset during a year.
func DSTChanges(loc *time.Location, year int) []time.Time {
	var out []time.Time
	t := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || end.Year() > year {
			return out
		}
		out = append(out, end)
		t = end
	}
}
