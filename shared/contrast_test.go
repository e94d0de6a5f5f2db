package shared_test

import (
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	// Where the templates in shared/ set CSS: a one-line rule (selector
	// and declarations), an inline style attribute, or a Go map entry of
	// an element role's declarations (the campaign form's styles table).
	cssRule   = regexp.MustCompile(`([^{}";\n]*)\{([^{}"\n]*)\}`)
	styleAttr = regexp.MustCompile(`style="([^"]*)"`)
	roleEntry = regexp.MustCompile(`"([a-z]+)":\s*"([^"]*:[^"]*)"`)
	// color: (not border-color, accent-color…) and background(-color):
	// with a #rgb or #rrggbb value.
	textColor  = regexp.MustCompile(`(?:^|[;\s{])color:\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b`)
	background = regexp.MustCompile(`(?:^|[;\s{])background(?:-color)?:\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b`)
	border     = regexp.MustCompile(`(?:^|[;\s{])border(?:-color)?:[^;]*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b`)
	// A rule or role that styles a form control a person must find.
	control = regexp.MustCompile(`input|textarea|select|choice`)
)

// declarations is one place CSS is set: what it applies to (a selector, a
// role, "" for a style attribute) and its declarations.
type declarations struct{ of, css string }

func cssIn(src string) []declarations {
	var out []declarations
	for _, m := range cssRule.FindAllStringSubmatch(src, -1) {
		out = append(out, declarations{m[1], m[2]})
	}
	for _, m := range styleAttr.FindAllStringSubmatch(src, -1) {
		out = append(out, declarations{"", m[1]})
	}
	for _, m := range roleEntry.FindAllStringSubmatch(src, -1) {
		out = append(out, declarations{m[1], m[2]})
	}
	return out
}

// luminance is the WCAG 2 relative luminance of a #rgb or #rrggbb colour.
func luminance(hex string) float64 {
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	var ch [3]float64
	for i := range ch {
		v, _ := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			ch[i] = c / 12.92
		} else {
			ch[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*ch[0] + 0.7152*ch[1] + 0.0722*ch[2]
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestContrast: every text colour the pages and emails set is readable on
// the background set with it (white when the rule sets none), at WCAG 2
// AA's 4.5:1 for normal-size text — the rep's Accept and Won buttons on a
// phone in daylight among them; and the border of every form field (input,
// textarea, select, a radio choice) stands out from white at 3:1 (WCAG
// 1.4.11): a field nobody can see is a field nobody fills. It reads the
// CSS of every page and email template in shared/, and of the local
// stack's demo landing page.
func TestContrast(t *testing.T) {
	var texts, borders int
	// shared/ holds every deployed page and email; the local stack's demo
	// landing page is the first form a new user fills in.
	for _, root := range []string{".", filepath.Join("..", "local", "landing")} {
		if err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, d := range cssIn(string(src)) {
				if fg := textColor.FindStringSubmatch(d.css); fg != nil {
					bg := "ffffff"
					if b := background.FindStringSubmatch(d.css); b != nil {
						bg = b[1]
					}
					texts++
					if c := contrast(fg[1], bg); c < 4.5 {
						t.Errorf("%s: text #%s on #%s has a contrast of %.2f:1, under WCAG AA's 4.5:1 (%s{%s})", path, fg[1], bg, c, strings.TrimSpace(d.of), d.css)
					}
				}
				if b := border.FindStringSubmatch(d.css); b != nil && control.MatchString(d.of) {
					borders++
					if c := contrast(b[1], "ffffff"); c < 3 {
						t.Errorf("%s: a form field's border #%s on white has a contrast of %.2f:1, under WCAG AA's 3:1 (%s{%s})", path, b[1], c, strings.TrimSpace(d.of), d.css)
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if texts < 20 || borders < 4 {
		t.Fatalf("checked %d text colours and %d field borders: the scan no longer finds the templates' CSS", texts, borders)
	}
}
