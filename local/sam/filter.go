package sam

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// filterTerm is one comparison of a CloudWatch Logs JSON filter pattern:
// $.field = "text", $.field = 200, or with != instead.
var filterTerm = regexp.MustCompile(`^\$\.([A-Za-z0-9_]+)\s*(=|!=)\s*("[^"*]*"|-?[0-9]+(?:\.[0-9]+)?)$`)

// FilterMatches reports whether a metric filter's JSON pattern (the form
// the template's filters use: { term && term … }, each term a top-level
// field compared with a string or a number) matches one decoded JSON log
// line, as CloudWatch Logs would. A pattern of any other form is an
// error, so a filter the checks cannot evaluate fails them rather than
// passing unread.
func FilterMatches(pattern string, line map[string]any) (bool, error) {
	p := strings.TrimSpace(pattern)
	if !strings.HasPrefix(p, "{") || !strings.HasSuffix(p, "}") {
		return false, fmt.Errorf("filter pattern %q: not a JSON pattern { $.field = value && … }", pattern)
	}
	match := true
	for _, term := range strings.Split(strings.TrimSpace(p[1:len(p)-1]), "&&") {
		m := filterTerm.FindStringSubmatch(strings.TrimSpace(term))
		if m == nil {
			return false, fmt.Errorf("filter pattern %q: term %q is not $.field = \"text\" or $.field = number", pattern, strings.TrimSpace(term))
		}
		v, present := line[m[1]]
		var equal bool
		if strings.HasPrefix(m[3], `"`) {
			s, ok := v.(string)
			equal = ok && s == strings.Trim(m[3], `"`)
		} else {
			want, _ := strconv.ParseFloat(m[3], 64)
			n, ok := v.(float64)
			equal = ok && n == want
		}
		switch {
		case m[2] == "=" && !equal, m[2] == "!=" && (equal || !present):
			match = false
		}
	}
	return match, nil
}
