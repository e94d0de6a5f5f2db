package httpapitest

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// AccessibilityProblems lists what a screen-reader user would miss on an
// HTML page: no lang on <html>, no <title>, not exactly one <main>
// landmark, not exactly one <h1>, a heading
// that skips a level (h1 → h3) or comes before the <h1>, a form field
// (input other than hidden, textarea, select) without a label — a
// <label for>, a wrapping <label>, aria-label or aria-labelledby — and
// a button or link with no text. Empty when all is well.
func AccessibilityProblems(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{"the page does not parse: " + err.Error()}
	}
	var (
		out      []string
		mains    int
		h1s      int
		last     int // the level of the last heading seen, 0 before any
		title    string
		lang     string
		labelFor = map[string]bool{}
		fields   []*html.Node
		buttons  []*html.Node
	)
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Html:
				lang = strings.TrimSpace(attr(n, "lang"))
			case atom.Title:
				title = strings.TrimSpace(text(n))
			case atom.Main:
				mains++
			case atom.Label:
				if f := attr(n, "for"); f != "" {
					labelFor[f] = true
				}
			case atom.Input:
				if t := strings.ToLower(attr(n, "type")); t == "submit" || t == "button" {
					buttons = append(buttons, n)
				} else if t != "hidden" {
					fields = append(fields, n)
				}
			case atom.Textarea, atom.Select:
				fields = append(fields, n)
			case atom.Button, atom.A:
				buttons = append(buttons, n)
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				level := int(n.Data[1] - '0')
				switch {
				case level == 1:
					h1s++
				case last == 0:
					out = append(out, fmt.Sprintf("the first heading is an h%d (%q), not the page's h1", level, abbrev(text(n))))
				case level > last+1:
					out = append(out, fmt.Sprintf("a heading skips a level: h%d (%q) after an h%d", level, abbrev(text(n)), last))
				}
				last = level
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if lang == "" {
		out = append(out, "<html> has no lang attribute: a screen reader cannot tell which language to read it in")
	}
	if title == "" {
		out = append(out, "the page has no <title>")
	}
	if mains != 1 {
		out = append(out, fmt.Sprintf("the page has %d <main> landmarks, want 1", mains))
	}
	if h1s != 1 {
		out = append(out, fmt.Sprintf("the page has %d <h1> headings, want 1", h1s))
	}
	for _, f := range fields {
		if attr(f, "aria-label") != "" || attr(f, "aria-labelledby") != "" || (attr(f, "id") != "" && labelFor[attr(f, "id")]) || inside(f, atom.Label) {
			continue
		}
		out = append(out, fmt.Sprintf("a form field without a label: <%s name=%q>", f.Data, attr(f, "name")))
	}
	for _, b := range buttons {
		name := strings.TrimSpace(text(b))
		if b.DataAtom == atom.Input {
			name = strings.TrimSpace(attr(b, "value"))
		}
		if name == "" && attr(b, "aria-label") == "" {
			out = append(out, fmt.Sprintf("a <%s> with no text to read out", b.Data))
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// text is a node's text content.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// inside is whether n has an ancestor element a.
func inside(n *html.Node, a atom.Atom) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == a {
			return true
		}
	}
	return false
}
