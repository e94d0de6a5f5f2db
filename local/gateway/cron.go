package gateway

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cron is an EventBridge cron expression, cron(Minutes Hours
// Day-of-month Month Day-of-week Year), in UTC as EventBridge reads it.
// The local scheduler knows the common forms: numbers, names (JAN, MON),
// "*", "?", lists, ranges and steps ("0/15"); the L, W and # forms are
// refused with a clear error rather than fired at the wrong time.
type Cron struct {
	minutes, hours, days, months, weekdays []int // sorted; nil: any
	years                                  []int
}

var cronRe = strings.NewReplacer("cron(", "", ")", "")

// ParseCron reads a cron(…) schedule expression.
func ParseCron(expr string) (Cron, error) {
	if !strings.HasPrefix(expr, "cron(") || !strings.HasSuffix(expr, ")") {
		return Cron{}, fmt.Errorf("schedule %q: not a cron(…) expression", expr)
	}
	f := strings.Fields(cronRe.Replace(expr))
	if len(f) != 6 {
		return Cron{}, fmt.Errorf("schedule %q: a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got %d", expr, len(f))
	}
	if (f[2] == "?") == (f[4] == "?") {
		return Cron{}, fmt.Errorf("schedule %q: exactly one of day-of-month and day-of-week must be ?", expr)
	}
	months := map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	days := map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
	var c Cron
	var err error
	for _, p := range []struct {
		field    string
		lo, hi   int
		names    map[string]int
		into     *[]int
		fieldFor string
	}{
		{f[0], 0, 59, nil, &c.minutes, "minutes"},
		{f[1], 0, 23, nil, &c.hours, "hours"},
		{f[2], 1, 31, nil, &c.days, "day-of-month"},
		{f[3], 1, 12, months, &c.months, "month"},
		{f[4], 1, 7, days, &c.weekdays, "day-of-week"},
		{f[5], 1970, 2199, nil, &c.years, "year"},
	} {
		if *p.into, err = cronField(p.field, p.lo, p.hi, p.names); err != nil {
			return Cron{}, fmt.Errorf("schedule %q: %s: %w", expr, p.fieldFor, err)
		}
	}
	return c, nil
}

// cronField is the sorted values a field allows, nil for any.
func cronField(s string, lo, hi int, names map[string]int) ([]int, error) {
	if s == "*" || s == "?" {
		return nil, nil
	}
	value := func(v string) (int, error) {
		if n, ok := names[strings.ToUpper(v)]; ok {
			return n, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%q is not a value from %d to %d (the local scheduler does not know L, W or #)", v, lo, hi)
		}
		return n, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		rng, step := part, 1
		if r, st, ok := strings.Cut(part, "/"); ok {
			n, err := strconv.Atoi(st)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("step %q is not a positive number", st)
			}
			rng, step = r, n
		}
		from, to := lo, hi
		switch a, b, isRange := strings.Cut(rng, "-"); {
		case rng == "*":
		case isRange:
			var err error
			if from, err = value(a); err != nil {
				return nil, err
			}
			if to, err = value(b); err != nil {
				return nil, err
			}
		default:
			v, err := value(rng)
			if err != nil {
				return nil, err
			}
			from = v
			if step == 1 {
				to = v
			}
		}
		if from > to {
			return nil, fmt.Errorf("range %q runs backwards", rng)
		}
		for v := from; v <= to; v += step {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func allows(set []int, v int) bool { return set == nil || slices.Contains(set, v) }

// Next is the first instant after t, to the minute, the expression
// fires at; the zero time if it never does again.
func (c Cron) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	for day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC); day.Year() <= 2199; day = day.AddDate(0, 0, 1) {
		if !allows(c.years, day.Year()) || !allows(c.months, int(day.Month())) || !allows(c.days, day.Day()) ||
			!allows(c.weekdays, int(day.Weekday())+1) {
			continue
		}
		for h := 0; h < 24; h++ {
			if !allows(c.hours, h) {
				continue
			}
			for m := 0; m < 60; m++ {
				if at := day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute); allows(c.minutes, m) && !at.Before(t) {
					return at
				}
			}
		}
	}
	return time.Time{}
}
