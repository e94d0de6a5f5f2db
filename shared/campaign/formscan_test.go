package campaign

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// The tests read rendered forms the way a browser would, with a small
// tag scanner (no HTML parser is available): html/template writes every
// attribute double-quoted, which is all the scanner needs.

type tag struct {
	name  string // lower case; "/select" for an end tag
	attrs map[string]string
	has   map[string]bool // attributes present, with or without a value
	text  string          // text up to the next tag
}

var (
	tagRe  = regexp.MustCompile(`<(/?[a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)\s*/?>`)
	attrRe = regexp.MustCompile(`([^\s"'>/=]+)(?:="([^"]*)")?`)
)

func scanTags(doc string) []tag {
	var tags []tag
	locs := tagRe.FindAllStringSubmatchIndex(doc, -1)
	for i, m := range locs {
		tg := tag{name: strings.ToLower(doc[m[2]:m[3]]), attrs: map[string]string{}, has: map[string]bool{}}
		for _, a := range attrRe.FindAllStringSubmatch(doc[m[4]:m[5]], -1) {
			tg.attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2])
			tg.has[strings.ToLower(a[1])] = true
		}
		end := len(doc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		tg.text = html.UnescapeString(doc[m[1]:end])
		if tg.name == "label" || tg.name == "legend" { // all text inside, tags removed
			if j := strings.Index(doc[m[1]:], "</"+tg.name+">"); j >= 0 {
				tg.text = html.UnescapeString(tagRe.ReplaceAllString(doc[m[1]:m[1]+j], ""))
			}
		}
		tags = append(tags, tg)
	}
	return tags
}

// control is one form control as a browser sees it.
type formControl struct {
	tag      string // input, select, textarea
	typ      string
	name, id string
	value    string
	max      int
	required bool
	options  []string // select: the option values
	inGroup  bool     // inside a fieldset that has a legend
}

type scannedForm struct {
	action   string
	method   string
	controls []formControl
	labels   map[string]string // for → label text
	buttons  int
}

// scanForm reads the first form of a document; t fails on markup the
// checks rely on being there.
func scanForm(t *testing.T, doc string) scannedForm {
	t.Helper()
	f := scannedForm{labels: map[string]string{}}
	inForm, inFieldset, legend := false, false, false
	var sel *formControl
	for _, tg := range scanTags(doc) {
		switch tg.name {
		case "form":
			if inForm {
				t.Fatal("nested form")
			}
			inForm, f.action, f.method = true, tg.attrs["action"], tg.attrs["method"]
		case "/form":
			return f
		case "fieldset":
			inFieldset, legend = true, false
		case "/fieldset":
			inFieldset = false
		case "legend":
			legend = inFieldset && strings.TrimSpace(tg.text) != ""
		case "label":
			f.labels[tg.attrs["for"]] = strings.TrimSpace(tg.text)
		case "button":
			f.buttons++
		case "input", "select", "textarea":
			if !inForm {
				continue
			}
			c := formControl{tag: tg.name, typ: tg.attrs["type"], name: tg.attrs["name"], id: tg.attrs["id"],
				value: tg.attrs["value"], required: tg.has["required"], inGroup: inFieldset && legend}
			if m := tg.attrs["maxlength"]; m != "" {
				for _, r := range m {
					c.max = c.max*10 + int(r-'0')
				}
			}
			f.controls = append(f.controls, c)
			if tg.name == "select" {
				sel = &f.controls[len(f.controls)-1]
			}
		case "option":
			if sel != nil {
				sel.options = append(sel.options, tg.attrs["value"])
			}
		case "/select":
			sel = nil
		}
	}
	if !inForm {
		t.Fatal("no form in the document")
	}
	t.Fatal("form is not closed")
	return f
}
