package yamlconf

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/wallclock"
)

// ClockTime reads a 24-hour "09:00" as minutes after midnight; end allows
// "24:00", the end of the day (a window's or working hours' to).
func (p *Parser) ClockTime(n *yaml.Node, where string, end bool) (int, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return 0, false
	}
	m, ok := wallclock.ParseClock(s, end)
	if !ok {
		p.Errf(n, "%s: bad time %s (use 24-hour HH:MM such as 09:00 or 17:30)", where, Quote(s))
	}
	return m, ok
}

// Weekdays reads a list of weekdays ("mon" or "monday", any case), each
// once, indexed by time.Weekday; none is the error of an empty list, at
// the key k.
func (p *Parser) Weekdays(k, n *yaml.Node, where, none string) ([7]bool, bool) {
	var days [7]bool
	first, ok := distinct(p, n, where, wallclock.ParseDay, func(v string) string {
		hint := "use " + strings.Join(wallclock.WeekdayNames, ", ")
		if s := Suggest(strings.ToLower(v), wallclock.WeekdayNames); s != "" {
			hint = "did you mean " + Quote(s) + "?"
		}
		return "unknown weekday " + Quote(v) + " (" + hint + ")"
	})
	for d := range first {
		days[d] = true
	}
	if ok && len(first) == 0 {
		if r := Resolve(n); IsNull(r) || r.Kind == yaml.SequenceNode {
			p.Errf(k, "%s: %s", where, none)
		}
		ok = false
	}
	return days, ok
}

// Holidays reads a list of holidays, each once: "2026-12-24" (quoted or
// not) that day, "12-25" or "--12-25" that month and day every year. A
// bad one is an error saying why (02-30: February has 29 days); a date
// also listed as every year's is one too.
func (p *Parser) Holidays(n *yaml.Node, where string) (map[wallclock.Date]bool, bool) {
	ok := true
	lines := map[wallclock.Date]int{}
	var dated []*yaml.Node
	var dates []wallclock.Date
	vals, nodes := p.Strs(n, where)
	for i, v := range vals {
		d, why := wallclock.ParseHoliday(v)
		if why != "" {
			p.Errf(nodes[i], "%s: bad date %s: %s", where, Quote(v), why)
			ok = false
			continue
		}
		if line, dup := lines[d]; dup {
			p.Errf(nodes[i], "%s: %s is listed twice (first at line %d)", where, d, line)
			ok = false
			continue
		}
		lines[d] = nodes[i].Line
		if d.Year != 0 {
			dated, dates = append(dated, nodes[i]), append(dates, d)
		}
	}
	for i, d := range dates {
		every := wallclock.EveryYear(d.Month, d.Day)
		if line, dup := lines[every]; dup {
			p.Errf(dated[i], "%s: %s is listed twice: %s at line %d is every year's", where, d, every, line)
			ok = false
		}
	}
	out := wallclock.Dates()
	for d := range lines {
		out[d] = true
	}
	return out, ok
}

// distinct reads a list of values with parse, each once: a value parse
// refuses is an error saying bad(value), one listed before an error
// naming the line of the first. It returns the line of each value read.
func distinct[K interface {
	comparable
	fmt.Stringer
}](p *Parser, n *yaml.Node, where string, parse func(string) (K, bool), bad func(string) string) (map[K]int, bool) {
	ok := true
	first := map[K]int{}
	vals, nodes := p.Strs(n, where)
	for i, v := range vals {
		k, good := parse(v)
		if !good {
			p.Errf(nodes[i], "%s: %s", where, bad(v))
			ok = false
			continue
		}
		if line, dup := first[k]; dup {
			p.Errf(nodes[i], "%s: %s is listed twice (first at line %d)", where, k, line)
			ok = false
			continue
		}
		first[k] = nodes[i].Line
	}
	return first, ok
}
