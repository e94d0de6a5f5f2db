package qualify

import (
	"math"
	"strconv"
	"strings"
)

// multipliers are the suffixes a number in a form answer may carry.
var multipliers = []struct {
	word string
	mul  float64
}{
	{"k", 1e3}, {"thousand", 1e3},
	{"m", 1e6}, {"mm", 1e6}, {"mn", 1e6}, {"million", 1e6},
	{"b", 1e9}, {"bn", 1e9}, {"billion", 1e9},
}

// FirstNumber is firstNumber for other packages (calibration bins must
// match exactly what the range operator reads).
func FirstNumber(s string) (float64, bool) { return firstNumber(s) }

// firstNumber reads the first number in a free-text answer, the way a
// person means it: "51-200" → 51, "$50k" → 50000, "1,000+" → 1000,
// "1.5M" → 1500000, "500 employees" → 500. A comma is a thousands separator
// only when three digits follow it. ok is false when there is no number.
func firstNumber(s string) (n float64, ok bool) {
	i := 0
	for i < len(s) && !isDigit(s[i]) {
		i++
	}
	if i == len(s) {
		return 0, false
	}
	start, commas := i, false
	for i < len(s) {
		if isDigit(s[i]) {
			i++
		} else if s[i] == ',' && i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) &&
			(i+4 == len(s) || !isDigit(s[i+4])) {
			i++
			commas = true
		} else {
			break
		}
	}
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	num := s[start:i]
	if commas {
		num = strings.ReplaceAll(num, ",", "")
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(n, 0) {
		return 0, false
	}
	// An optional space, then a suffix word that ends the token.
	j := i
	if j < len(s) && s[j] == ' ' {
		j++
	}
	k := j
	for k < len(s) && isLetter(s[k]) {
		k++
	}
	if word := s[j:k]; word != "" {
		for _, m := range multipliers {
			if strings.EqualFold(word, m.word) {
				n *= m.mul
				break
			}
		}
	}
	return n, !math.IsInf(n, 0)
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// formatNumber prints a config number without trailing zeros: 40, 2.5, 50000.
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
