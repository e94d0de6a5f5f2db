package yamlconf

import "strings"

// Suggest is the closest name to a misspelt one, or "" when none is close.
func Suggest(got string, names []string) string {
	if len(got) > 64 {
		return ""
	}
	best, bestD := "", 3
	for _, n := range names {
		if d := distance(strings.ToLower(got), n); d < bestD && d <= len(n)/2 {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance between two short strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
