package calibrate

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/qualify"
)

// placeholders are what exports and forms put where nobody answered. They
// are compared after lowercasing and trimming spaces and the punctuation
// of placeholderTrim, so "-- Select --", "(blank)" and "#N/A" match too.
var placeholders = map[string]bool{
	"": true, "select": true, "select one": true, "please select": true, "choose": true,
	"choose one": true, "please choose": true, "n/a": true, "na": true, "n.a": true,
	"none": true, "null": true, "nil": true, "nan": true, "unknown": true, "blank": true,
	"empty": true, "not provided": true, "not specified": true, "not applicable": true,
	"not set": true, "undefined": true, "tbd": true, "no value": true,
}

const placeholderTrim = " \t-–—_.,;:()[]{}<>*#?!\"'"

// placeholderKey is the form a value is compared to placeholders in.
func placeholderKey(v string) string {
	return strings.Trim(strings.ToLower(strings.TrimSpace(v)), placeholderTrim)
}

// isPlaceholder reports whether v means "not given": blank, a known
// placeholder, or one of the mapping's own (extra, keys lowercased).
func isPlaceholder(v string, extra map[string]bool) bool {
	k := placeholderKey(v)
	return placeholders[k] || extra[k] || extra[strings.ToLower(strings.TrimSpace(v))]
}

// fromWindows1252 reads a cell that is not UTF-8 as Windows-1252, what
// Excel's "CSV" writes on Windows: "Espa\xf1a" is "España", which a live
// lead sends as UTF-8. ok is false for valid UTF-8 (returned as is).
func fromWindows1252(v string) (string, bool) {
	if utf8.ValidString(v) {
		return v, false
	}
	d, err := charmap.Windows1252.NewDecoder().String(v)
	if err != nil {
		return strings.ToValidUTF8(v, "\uFFFD"), true
	}
	return d, true
}

// cleanText is a cell as an example stores it: valid UTF-8, trimmed, and
// "" for placeholders.
func cleanText(v string, extra map[string]bool) string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	v = strings.TrimSpace(v)
	if isPlaceholder(v, extra) {
		return ""
	}
	return v
}

// emailDomain is the lowercased domain of an address ("" when v is not
// one), or of a bare domain ("@acme.example", "acme.example").
func emailDomain(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if at := strings.LastIndexByte(v, '@'); at >= 0 {
		v = v[at+1:]
	}
	if v == "" || !strings.Contains(v, ".") || strings.ContainsAny(v, " \t,;<>\"'@") ||
		strings.HasPrefix(v, ".") || strings.HasSuffix(v, ".") {
		return ""
	}
	return v
}

// parseNumber reads the first number in a value exactly as qualify's range
// operator does ("51-200" → 51, "$50k" → 50000, "1,000+" → 1000, "~50" →
// 50), so a bin learned here matches the same leads as the range rule it
// is exported as. ok is false when there is no number ("abc").
func parseNumber(s string) (float64, bool) { return qualify.FirstNumber(s) }

// parseCount reads an engagement count: blank and placeholders are 0,
// otherwise the first number ("3", "3 views", "~4"). ok is false for junk
// without a number, which also counts as 0.
func parseCount(v string, extra map[string]bool) (float64, bool) {
	v = cleanText(v, extra)
	if v == "" {
		return 0, true
	}
	n, ok := parseNumber(v)
	if !ok {
		return 0, false
	}
	return n, true
}

// stopWords are words of job titles that say nothing on their own.
var stopWords = map[string]bool{
	"of": true, "and": true, "the": true, "for": true, "in": true, "at": true, "to": true,
	"on": true, "with": true, "de": true, "la": true, "le": true, "und": true, "der": true,
}

// words are the distinct lowercased words of free text, in order: runs of
// letters, digits and _ — what \b in a regex delimits — with at least two
// characters and one letter, stop words left out.
func words(v string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
	}) {
		if utf8.RuneCountInString(w) < 2 || stopWords[w] || seen[w] || !strings.ContainsFunc(w, unicode.IsLetter) {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// humanNumber prints a bin edge for people: 49, 1,999, 50k, 1.5M.
func humanNumber(f float64) string {
	switch a := math.Abs(f); {
	case a >= 1e6 && math.Mod(f, 1e5) == 0:
		return strconv.FormatFloat(f/1e6, 'f', -1, 64) + "M"
	case a >= 1e4 && math.Mod(f, 100) == 0:
		return strconv.FormatFloat(f/1e3, 'f', -1, 64) + "k"
	case a >= 1000 && f == math.Trunc(f):
		return thousands(strconv.FormatFloat(f, 'f', 0, 64))
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// thousands groups the digits of a whole number: 1999 → 1,999.
var thousands = mail.Thousands
