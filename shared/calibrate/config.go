package calibrate

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// configWith is the base config with its fit section (and, when learned,
// its engagement and thresholds sections) replaced, headed by a comment
// saying how it was made.
//
// The base file is kept as written — comments, blank lines, line breaks in
// long lists — by splicing each new section over the lines of the old
// one, so a diff against the base shows only what was learned. When the
// base is laid out so that a section's lines cannot be told apart safely,
// the whole file is re-encoded instead (same content, the YAML library's
// layout).
func (r *Result) configWith(base []byte, grades [3]int, th *[4]Threshold, warnings []string) ([]byte, error) {
	type section struct {
		key  string
		node *yaml.Node
	}
	sections := []section{{"fit", r.fitNode(grades)}}
	if eng := r.engagementNode(base); eng != nil {
		sections = append(sections, section{"engagement", eng})
	}
	if th != nil {
		sections = append(sections, section{"thresholds", thresholdsNode(th, r.Options.HandoffRate)})
	}
	head := r.header(warnings)
	var check yaml.Node
	if err := yaml.Unmarshal(base, &check); err != nil || check.Kind != yaml.DocumentNode || len(check.Content) == 0 ||
		check.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: the base config is not a YAML mapping", ErrExport)
	}
	hasFit := false
	for i := 0; i+1 < len(check.Content[0].Content); i += 2 {
		hasFit = hasFit || check.Content[0].Content[i].Value == "fit"
	}
	if !hasFit {
		return nil, fmt.Errorf("%w: the base config has no fit section", ErrExport)
	}
	text := base
	spliced := true
	var keys []string
	for _, s := range sections {
		body, err := encodeYAML(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: s.key}, s.node}})
		if err != nil {
			return nil, err
		}
		out, ok := spliceSection(text, s.key, body)
		if !ok {
			spliced = false
			break
		}
		text = out
		keys = append(keys, s.key)
	}
	if spliced && sameExcept(base, text, keys...) {
		return append([]byte(head), text...), nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(base, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: the base config is not a YAML mapping", ErrExport)
	}
	root := doc.Content[0]
	for _, s := range sections {
		found := false
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == s.key {
				root.Content[i+1], found = s.node, true
			}
		}
		if !found {
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: s.key}, s.node)
		}
	}
	body, err := encodeYAML(&doc)
	if err != nil {
		return nil, err
	}
	return append([]byte(head), spaceSections(body)...), nil
}

func encodeYAML(n *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrExport, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrExport, err)
	}
	return buf.Bytes(), nil
}

// spliceSection replaces the lines of the base's top-level section key —
// from its key (the only line at column 0 starting "key:") to the last
// indented line before the next line at column 0 — with section. ok is
// false when the key's line cannot be told apart; the caller then checks
// that everything but the spliced sections is provably the same.
func spliceSection(base []byte, key string, section []byte) ([]byte, bool) {
	text := strings.ReplaceAll(string(base), "\r\n", "\n")
	lines := strings.SplitAfter(text, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, key+":") {
			if start >= 0 {
				return nil, false
			}
			start = i
		}
	}
	if start < 0 {
		return nil, false
	}
	end := start + 1
	for end < len(lines) && (strings.TrimSpace(lines[end]) == "" || lines[end][0] == ' ' || lines[end][0] == '\t') {
		end++
	}
	for end > start+1 && strings.TrimSpace(lines[end-1]) == "" {
		end-- // blank lines before the next section stay
	}
	if end > start+1 && !strings.HasSuffix(lines[end-1], "\n") {
		return nil, false
	}
	var b strings.Builder
	for _, l := range lines[:start] {
		b.WriteString(l)
	}
	b.Write(section)
	for _, l := range lines[end:] {
		b.WriteString(l)
	}
	return []byte(b.String()), true
}

// sameExcept reports whether two configs have the same top-level keys in
// the same order, and the same content (comments aside) under each but
// the given keys.
func sameExcept(a, b []byte, keys ...string) bool {
	var da, db yaml.Node
	if yaml.Unmarshal(a, &da) != nil || yaml.Unmarshal(b, &db) != nil || len(da.Content) == 0 || len(db.Content) == 0 {
		return false
	}
	ra, rb := da.Content[0], db.Content[0]
	if len(ra.Content) != len(rb.Content) {
		return false
	}
	for i := 0; i+1 < len(ra.Content); i += 2 {
		if ra.Content[i].Value != rb.Content[i].Value {
			return false
		}
		if slices.Contains(keys, ra.Content[i].Value) {
			continue
		}
		va, errA := yaml.Marshal(withoutComments(ra.Content[i+1]))
		vb, errB := yaml.Marshal(withoutComments(rb.Content[i+1]))
		if errA != nil || errB != nil || !bytes.Equal(va, vb) {
			return false
		}
	}
	return true
}

// withoutComments is a copy of a node tree with its comments dropped.
func withoutComments(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.HeadComment, c.LineComment, c.FootComment = "", "", ""
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = withoutComments(k)
	}
	return &c
}

// spaceSections puts a blank line before each top-level section (with
// its comment), which the YAML encoder drops.
func spaceSections(b []byte) []byte {
	lines := strings.SplitAfter(string(b), "\n")
	var out strings.Builder
	prevIndented := false
	for i, l := range lines {
		top := l != "" && l != "\n" && l[0] != ' ' && l[0] != '-'
		if top && prevIndented && i > 0 {
			out.WriteString("\n")
		}
		out.WriteString(l)
		prevIndented = !top && strings.TrimSpace(l) != ""
		if top && l[0] != '#' {
			prevIndented = true // a section follows, even a one-line one
		}
	}
	return []byte(out.String())
}
