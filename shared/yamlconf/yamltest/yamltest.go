// Package yamltest helps tests of the YAML configs (qualification,
// sequences, campaigns) check file:line errors and print configs.
package yamltest

import (
	"fmt"
	"strings"
	"testing"
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
