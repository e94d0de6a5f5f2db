package deploy_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/local/testenv"
)

// TestReadmeContents: the README is the product's manual, thousands of
// lines long; its Contents list (after the introduction) links every
// section and subsection (## and ###), in order, by the anchor GitHub
// gives the heading, so none is left out and no link leads nowhere.
func TestReadmeContents(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(testenv.Root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range contentsProblems(string(readme)) {
		t.Error(p)
	}
	// The check itself: a heading renamed without its entry, and an
	// entry dropped, are both found.
	bad := strings.Replace(string(readme), "\n## Costs\n", "\n## What it costs\n", 1)
	bad = strings.Replace(bad, "- [Privacy](#privacy)\n", "", 1)
	got := strings.Join(contentsProblems(bad), "\n")
	for _, want := range []string{`"What it costs" (#what-it-costs) is not in Contents`, `Contents links #costs`, `"Privacy" (#privacy) is not in Contents`} {
		if !strings.Contains(got, want) {
			t.Errorf("a broken Contents list is not found (%s):\n%s", want, got)
		}
	}
}

var (
	contentsEntry = regexp.MustCompile(`^ *- \[(.+)\]\(#([^)]*)\)$`)
	notInAnchor   = regexp.MustCompile(`[^\p{L}\p{N}_\- ]`)
)

// anchor is the fragment GitHub gives a heading: lower case, punctuation
// dropped, each space a hyphen.
func anchor(heading string) string {
	return strings.ReplaceAll(notInAnchor.ReplaceAllString(strings.ToLower(heading), ""), " ", "-")
}

// contentsProblems compares the README's Contents list with its ## and
// ### headings (outside code blocks).
func contentsProblems(readme string) []string {
	_, rest, ok := strings.Cut(readme, "\nContents:\n")
	if !ok {
		return []string{`README has no "Contents:" list`}
	}
	var links []string
	for _, line := range strings.Split(rest, "\n") {
		m := contentsEntry.FindStringSubmatch(line)
		if m == nil {
			break
		}
		links = append(links, m[2])
	}
	var headings, anchors []string
	code := false
	for _, line := range strings.Split(readme, "\n") {
		if strings.HasPrefix(line, "```") {
			code = !code
		}
		if code || !(strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### ")) {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		headings, anchors = append(headings, h), append(anchors, anchor(h))
	}
	var out []string
	for i, a := range anchors {
		if !slices.Contains(links, a) {
			out = append(out, "README heading \""+headings[i]+"\" (#"+a+") is not in Contents")
		}
	}
	for _, l := range links {
		if !slices.Contains(anchors, l) {
			out = append(out, "README Contents links #"+l+", which no heading has")
		}
	}
	if len(out) == 0 && strings.Join(links, " ") != strings.Join(anchors, " ") {
		out = append(out, "README Contents lists the sections in another order than the README has them")
	}
	return out
}
