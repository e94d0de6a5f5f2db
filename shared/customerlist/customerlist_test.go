package customerlist

import (
	"bytes"
	"strings"
	"testing"
)

// TestDropAndFilter: both take exactly the rows of the dropped hashes out
// of a list (CRLF rows, a last row without a newline, a line longer than
// Filter's buffer) and keep everything else byte for byte.
func TestDropAndFilter(t *testing.T) {
	a, b, c := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)
	long := strings.Repeat("x", 100<<10)
	for name, tc := range map[string]struct {
		in, want string
		drop     []string
		n        int
	}{
		"none":                   {Header + a + "\n" + b + "\n", Header + a + "\n" + b + "\n", nil, 0},
		"one of two":             {Header + a + "\n" + b + "\n", Header + b + "\n", []string{a}, 1},
		"several":                {Header + a + "\n" + b + "\n" + c + "\n" + a + "\n", Header + b + "\n", []string{a, c}, 3},
		"crlf":                   {"Email\r\n" + a + "\r\n" + b + "\r\n", "Email\r\n" + b + "\r\n", []string{a}, 1},
		"last row, no newline":   {Header + b + "\n" + a, Header + b + "\n", []string{a}, 1},
		"the header stays":       {Header + a + "\n", Header, []string{a}, 1},
		"a line past the buffer": {Header + long + "\n" + a + "\n" + b + "\n", Header + long + "\n" + b + "\n", []string{a}, 1},
		"empty":                  {"", "", []string{a}, 0},
	} {
		t.Run(name, func(t *testing.T) {
			drop := map[string]bool{}
			for _, h := range tc.drop {
				drop[h] = true
			}
			got, n := Drop([]byte(tc.in), drop)
			if string(got) != tc.want || n != tc.n {
				t.Errorf("Drop: %d rows dropped, %.80q; want %d, %.80q", n, got, tc.n, tc.want)
			}
			var out bytes.Buffer
			n, err := Filter(&out, strings.NewReader(tc.in), drop)
			if err != nil || out.String() != tc.want || n != tc.n {
				t.Errorf("Filter: %d rows dropped, %.80q, %v; want %d, %.80q", n, out.String(), err, tc.n, tc.want)
			}
		})
	}
}
