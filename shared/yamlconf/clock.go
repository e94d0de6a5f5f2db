package yamlconf

import (
	"strings"
	"time"

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
	ok := true
	first := map[time.Weekday]int{}
	vals, nodes := p.Strs(n, where)
	for i, v := range vals {
		d, known := wallclock.ParseDay(v)
		if !known {
			hint := "use " + strings.Join(wallclock.WeekdayNames, ", ")
			if s := Suggest(strings.ToLower(v), wallclock.WeekdayNames); s != "" {
				hint = "did you mean " + Quote(s) + "?"
			}
			p.Errf(nodes[i], "%s: unknown weekday %s (%s)", where, Quote(v), hint)
			ok = false
			continue
		}
		if line, dup := first[d]; dup {
			p.Errf(nodes[i], "%s: %s is listed twice (first at line %d)", where, d, line)
			ok = false
			continue
		}
		first[d] = nodes[i].Line
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

// Dates reads a list of dates ("2026-12-24", quoted or not), each once.
func (p *Parser) Dates(n *yaml.Node, where string) (map[wallclock.Date]bool, bool) {
	ok := true
	first := map[wallclock.Date]int{}
	vals, nodes := p.Strs(n, where)
	for i, v := range vals {
		d, good := wallclock.ParseDate(v)
		if !good {
			p.Errf(nodes[i], "%s: bad date %s (use YYYY-MM-DD such as 2026-12-24)", where, Quote(v))
			ok = false
			continue
		}
		if line, dup := first[d]; dup {
			p.Errf(nodes[i], "%s: %s is listed twice (first at line %d)", where, d, line)
			ok = false
			continue
		}
		first[d] = nodes[i].Line
	}
	out := wallclock.Dates()
	for d := range first {
		out[d] = true
	}
	return out, ok
}
