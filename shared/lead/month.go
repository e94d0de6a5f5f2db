package lead

import (
	"sync/atomic"
	"time"
)

// monthZone is the business time zone the counters' months are in; nil
// is UTC.
var monthZone atomic.Pointer[time.Location]

// SetMonthZone sets the time zone of every counter's month in this
// process: the business time zone (REPORT_TIME_ZONE), set once at init
// by every function that writes or reads the monthly counters, so that
// all of them cut months at the same midnight. nil is UTC.
func SetMonthZone(z *time.Location) { monthZone.Store(z) }

// MonthZone is the time zone the counters' months are in: UTC unless
// SetMonthZone named another.
func MonthZone() *time.Location {
	if z := monthZone.Load(); z != nil {
		return z
	}
	return time.UTC
}

// Month is the counters' month of t: "yyyy-mm" in MonthZone.
func Month(t time.Time) string { return MonthIn(t, MonthZone()) }

// MonthIn is the month ("yyyy-mm") t falls in, in zone.
func MonthIn(t time.Time, zone *time.Location) string { return t.In(zone).Format("2006-01") }
