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
	// A CSS rule's declarations, or an inline style attribute's.
	cssBlock = regexp.MustCompile(`\{([^{}]*)\}|style="([^"]*)"`)
	// color: (not border-color, accent-color…) and background(-color):
	// with a #rgb or #rrggbb value.
	textColor  = regexp.MustCompile(`(?:^|[;\s{])color:\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b`)
	background = regexp.MustCompile(`(?:^|[;\s{])background(?:-color)?:\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b`)
)

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

// TestTextContrast: every text colour the pages and emails set is
// readable on the background set with it (white when the rule sets none),
// at WCAG 2 AA's 4.5:1 for normal-size text — the rep's Accept and Won
// buttons on a phone in daylight among them. It reads the CSS of every
// page and email template in shared/: each rule or style attribute that
// sets a color.
func TestTextContrast(t *testing.T) {
	var checked int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range cssBlock.FindAllStringSubmatch(string(src), -1) {
			decl := m[1] + m[2]
			fg := textColor.FindStringSubmatch(decl)
			if fg == nil {
				continue
			}
			bg := "ffffff"
			if b := background.FindStringSubmatch(decl); b != nil {
				bg = b[1]
			}
			checked++
			if c := contrast(fg[1], bg); c < 4.5 {
				t.Errorf("%s: text #%s on #%s has a contrast of %.2f:1, under WCAG AA's 4.5:1 (%s)", path, fg[1], bg, c, strings.TrimSpace(decl))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked %d colour pairs: the scan no longer finds the templates' CSS", checked)
	}
}
