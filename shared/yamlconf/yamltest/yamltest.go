// Package yamltest helps tests of the YAML configs (qualification,
// sequences, campaigns) check file:line errors and print configs.
package yamltest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Numbered prints a config with line numbers, for failure messages.
func Numbered(src string) string {
	lines := strings.Split(src, "\n")
	for i := range lines {
		lines[i] = fmt.Sprintf("%3d  %s", i+1, lines[i])
	}
	return strings.Join(lines, "\n")
}

// LineOf is the 1-based line where marker starts in src; leading newlines
// in marker are skipped, so "\nsla:" is the line starting "sla:".
func LineOf(t testing.TB, src, marker string) int {
	t.Helper()
	i := strings.Index(src, marker)
	if i < 0 {
		t.Fatalf("marker %q not in config", marker)
	}
	i += len(marker) - len(strings.TrimLeft(marker, "\n"))
	return strings.Count(src[:i], "\n") + 1
}

// Edit breaks one line of a valid fixture: Old is replaced by New (first
// occurrence), and the report must have a line "file:N: Want…" where N is
// the line Marker starts on.
type Edit struct {
	Name     string
	Old, New string
	Marker   string
	Want     string
}

// CheckEdits parses each edit of fixture as file and checks its report:
// an error wrapping sentinel, with the wanted line. Tests list edits as
// unkeyed literals of their own struct{ Name, Old, New, Marker, Want string }.
func CheckEdits[E ~struct{ Name, Old, New, Marker, Want string }](t *testing.T, fixture, file string, sentinel error, parse func(data []byte, file string) error, edits []E) {
	t.Helper()
	for _, x := range edits {
		e := Edit(x)
		t.Run(e.Name, func(t *testing.T) {
			if !strings.Contains(fixture, e.Old) {
				t.Fatalf("fixture does not contain %q", e.Old)
			}
			src := strings.Replace(fixture, e.Old, e.New, 1)
			err := parse([]byte(src), file)
			if err == nil {
				t.Fatalf("no error for\n%s", Numbered(src))
			}
			if !errors.Is(err, sentinel) {
				t.Errorf("error does not wrap %v: %v", sentinel, err)
			}
			want := fmt.Sprintf("%s:%d: %s", file, LineOf(t, src, e.Marker), e.Want)
			lines := strings.Split(err.Error(), "\n")
			for _, l := range lines {
				if strings.HasPrefix(l, want) {
					return
				}
			}
			t.Errorf("want a line starting\n  %s\ngot\n  %s\nconfig:\n%s", want, strings.Join(lines, "\n  "), Numbered(src))
		})
	}
}

// InFileOrder checks err is a config error of n problems, in file order,
// one per line, and returns it.
func InFileOrder(t testing.TB, err error, n int) *yamlconf.ConfigError {
	t.Helper()
	var ce *yamlconf.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *ConfigError", err)
	}
	if len(ce.Problems) != n {
		t.Fatalf("got %d problems, want %d:\n%v", len(ce.Problems), n, err)
	}
	for i := 1; i < len(ce.Problems); i++ {
		if ce.Problems[i].Line < ce.Problems[i-1].Line {
			t.Errorf("problems out of order:\n%v", err)
		}
	}
	if got := strings.Count(err.Error(), "\n"); got != n-1 {
		t.Errorf("want one problem per line, got:\n%v", err)
	}
	return ce
}
