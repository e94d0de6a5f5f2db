package report

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/leadflow/leadflow/shared/mail"
)

// Count writes an integer with thousands separators: 12,345.
func Count(n int64) string { return mail.Thousands(strconv.FormatInt(n, 10)) }

// Plural writes a count with the noun that fits it: "1 lead", "0 leads",
// "12,345 leads".
func Plural(n int64, one, many string) string {
	if n == 1 {
		return Count(n) + " " + one
	}
	return Count(n) + " " + many
}

// Hours writes sales hours: to 0.01 h below 10 ("1.25 h", "2 h"), whole
// from 10 ("96 h").
func Hours(h float64) string {
	if !finite(h) {
		return "—"
	}
	if math.Abs(h) < 10 {
		return decimal(h, 2) + " h"
	}
	return Count(int64(math.Round(h))) + " h"
}

var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}

// Money writes an amount in the report's currency: whole from 100 or
// when whole ("€5,760", "€60"), with cents below ("€12.50"); an unknown currency code follows the number ("12.50 CHF").
func (s Settings) Money(v float64) string {
	if !finite(v) {
		return "—"
	}
	var num string
	if math.Abs(v) >= 100 || v == math.Trunc(v) {
		num = Count(int64(math.Round(v)))
	} else {
		num = strconv.FormatFloat(v, 'f', 2, 64)
	}
	if sym, ok := currencySymbols[s.Currency]; ok {
		if strings.HasPrefix(num, "-") {
			return "-" + sym + num[1:]
		}
		return sym + num
	}
	return num + " " + s.Currency
}

// MoneyOr writes *v as Money, or "—" when nil.
func (s Settings) MoneyOr(v *float64) string {
	if v == nil {
		return "—"
	}
	return s.Money(*v)
}

// Label writes the period for people: "Sep 2026 – Nov 2026",
// "Nov 2026", or "all months".
func (p Period) Label() string {
	from, to := monthLabel(p.From), monthLabel(p.To)
	switch {
	case from == "" && to == "":
		return "all months"
	case from == "":
		return "until " + to
	case to == "":
		return "since " + from
	case from == to:
		return from
	}
	return from + " – " + to
}

func monthLabel(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("Jan 2006")
}

// Name is how a row is called on screen: its campaign ("(no campaign)"
// when empty), its variant, or "All campaigns" for the total.
func (r Row) Name() string {
	switch {
	case r.Variant != "":
		return r.Variant
	case r.Kind == KindTotal:
		return "All campaigns"
	case r.Campaign == "":
		return "(no campaign)"
	}
	return r.Campaign
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// oneLine flattens s for a subject or a text line: control characters
// (newlines included) become spaces, runs of spaces collapse, and it is
// cut to max runes.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = strings.TrimSpace(string(r[:max-1])) + "…"
	}
	return s
}
