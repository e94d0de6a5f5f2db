package qualify

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// op is a rule operator.
type op uint8

const (
	opEquals op = iota + 1
	opIn
	opContains
	opRegex
	opRange
	opExists
)

var opNames = map[string]op{
	"equals": opEquals, "in": opIn, "contains": opContains,
	"regex": opRegex, "range": opRange, "exists": opExists,
}

const opList = "equals, in, contains, regex, range, exists"

// bigSet is the list length from which in/equals use a map instead of a
// linear scan.
const bigSet = 8

// predicate is one field test, shared by fit rules, disqualifiers and
// routing rules. Everything that can be is computed at Parse.
type predicate struct {
	field    fieldRef
	op       op
	display  string         // field as reasons name it: "job title"
	values   []string       // as written in the config
	lower    []string       // values lowercased, for equals/in/contains
	set      map[string]int // lowercased value → index, for long in lists
	res      []*regexp.Regexp
	min, max float64
	hasMin   bool
	hasMax   bool
}

// match tests the lead. For reasons, it returns the index of the config
// value that matched and the part of the lead's value to quote: the text a
// regex matched, the whole value otherwise.
func (p *predicate) match(s *subject) (ok bool, idx int, val string) {
	val = s.value(p.field)
	if p.op != opContains && strings.TrimSpace(val) == "" {
		// A field the lead did not give never matches (exists: is false).
		return false, 0, val
	}
	switch p.op {
	case opExists:
		return true, 0, val
	case opEquals, opIn:
		v := strings.TrimSpace(val)
		if p.set != nil {
			var buf [128]byte
			if key, ok := lowerASCII(buf[:0], v); ok {
				i, found := p.set[string(key)]
				return found, i, val
			}
			i, found := p.set[strings.ToLower(v)]
			return found, i, val
		}
		for i, want := range p.lower {
			if strings.EqualFold(v, want) {
				return true, i, val
			}
		}
	case opContains:
		v := s.lowered(p.field)
		if v == "" {
			return false, 0, val
		}
		for i, needle := range p.lower {
			if strings.Contains(v, needle) {
				return true, i, val
			}
		}
	case opRegex:
		for i, re := range p.res {
			if loc := re.FindStringIndex(val); loc != nil {
				if loc[1] > loc[0] {
					val = val[loc[0]:loc[1]]
				}
				return true, i, val
			}
		}
	case opRange:
		n, ok := firstNumber(val)
		if !ok || (p.hasMin && n < p.min) || (p.hasMax && n > p.max) {
			return false, 0, val
		}
		return true, 0, val
	}
	return false, 0, val
}

// lowerASCII appends s lowercased to buf when s is short ASCII, so a map
// lookup needs no allocation; ok is false otherwise.
func lowerASCII(buf []byte, s string) ([]byte, bool) {
	if len(s) > cap(buf) {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return nil, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf, true
}

// appendDescription explains a match in words, without the points: "job
// title in [CMO, VP Marketing]", `message contains "vacancy"`. For equals,
// in, contains and exists the text depends only on the config, so rules
// precompute it per value index; regex and range quote the lead's value (a
// pattern means little to the salesperson reading the reason).
func (p *predicate) appendDescription(b []byte, idx int, val string) []byte {
	b = append(b, p.display...)
	switch p.op {
	case opExists:
		b = append(b, " given"...)
	case opEquals:
		b = append(b, " is "...)
		b = strconv.AppendQuote(b, p.values[idx])
	case opIn:
		if len(p.values) <= 6 {
			b = append(b, " in ["...)
			b = append(b, strings.Join(p.values, ", ")...)
			b = append(b, ']')
		} else {
			b = append(b, " is "...)
			b = strconv.AppendQuote(b, p.values[idx])
			b = append(b, ", one of "...)
			b = strconv.AppendInt(b, int64(len(p.values)), 10)
			b = append(b, " listed"...)
		}
	case opContains:
		b = append(b, " contains "...)
		b = strconv.AppendQuote(b, p.values[idx])
	case opRegex:
		b = append(b, " matches "...)
		b = strconv.AppendQuote(b, shorten(strings.TrimSpace(val), 60))
	case opRange:
		b = append(b, ' ')
		b = append(b, shorten(strings.TrimSpace(val), 40)...)
		switch {
		case p.hasMin && p.hasMax:
			b = append(b, " in range "...)
			b = strconv.AppendFloat(b, p.min, 'f', -1, 64)
			b = append(b, "–"...)
			b = strconv.AppendFloat(b, p.max, 'f', -1, 64)
		case p.hasMin:
			b = append(b, " at least "...)
			b = strconv.AppendFloat(b, p.min, 'f', -1, 64)
		default:
			b = append(b, " at most "...)
			b = strconv.AppendFloat(b, p.max, 'f', -1, 64)
		}
	}
	return b
}

// matchReason is a rule's reason for a match: head + description + tail,
// e.g. "+20 decision maker (" + `job title matches "VP"` + ")". It is
// precomputed per value index where the description allows (static), and
// otherwise built in one allocation.
type matchReason struct {
	head, tail string
	static     []string
}

func newMatchReason(p *predicate, head, tail string) matchReason {
	r := matchReason{head: head, tail: tail}
	if p.op == opRange || p.op == opRegex {
		return r
	}
	n := len(p.values)
	if p.op == opExists {
		n = 1
	}
	r.static = make([]string, n)
	for i := range r.static {
		r.static[i] = r.build(p, i, "")
	}
	return r
}

func (r *matchReason) text(p *predicate, idx int, val string) string {
	if r.static != nil {
		return r.static[idx]
	}
	return r.build(p, idx, val)
}

func (r *matchReason) build(p *predicate, idx int, val string) string {
	var buf [160]byte
	b := append(buf[:0], r.head...)
	b = p.appendDescription(b, idx, val)
	b = append(b, r.tail...)
	return string(b)
}

// shorten cuts s to at most n bytes on a rune boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
