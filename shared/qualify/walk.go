package qualify

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// parser walks the YAML node tree by hand rather than decoding into
// structs: that keeps a line number for every message, rejects unknown and
// duplicate keys, and lets it collect every problem instead of stopping at
// the first.
type parser struct {
	file  string
	probs []Problem
}

// maxProblems bounds the report for a file that is not a config at all.
const maxProblems = 100

func (p *parser) errf(at *yaml.Node, format string, args ...any) {
	line := 0
	if at != nil {
		line = at.Line
	}
	p.probs = append(p.probs, Problem{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// err is the collected problems in file order, or nil.
func (p *parser) err() error {
	if len(p.probs) == 0 {
		return nil
	}
	sort.SliceStable(p.probs, func(i, j int) bool { return p.probs[i].Line < p.probs[j].Line })
	if len(p.probs) > maxProblems {
		more := len(p.probs) - maxProblems
		p.probs = append(p.probs[:maxProblems], Problem{File: p.file, Line: p.probs[maxProblems].Line,
			Msg: fmt.Sprintf("… and %d more problems", more)})
	}
	return &ConfigError{Problems: p.probs}
}

var (
	yamlLineRe   = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAnchorRe = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// yamlParserErrors are the YAML library's parser (not scanner) errors: it
// reports their line zero-based, one too low.
var yamlParserErrors = []string{
	"did not find expected key",
	"did not find expected ',' or",
	"did not find expected '-' indicator",
	"did not find expected node content",
	"did not find expected <document start>",
}

// yamlError turns a YAML syntax error into a problem with its line.
func (p *parser) yamlError(err error, data []byte) {
	msg := err.Error()
	line := 1 // the library leaves out the line when it is the first
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		for _, pe := range yamlParserErrors {
			if strings.HasPrefix(msg, pe) {
				line++
				break
			}
		}
	} else if m := yamlAnchorRe.FindStringSubmatch(msg); m != nil {
		line = 0
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			line = bytes.Count(data[:i], []byte("\n")) + 1
		}
		msg = "unknown anchor " + quote(m[1]) + " referenced"
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	p.probs = append(p.probs, Problem{File: p.file, Line: line, Msg: "YAML syntax: " + msg})
}

// decodeYAML reads the first document's root node, nil for an empty file.
// The YAML library is third-party code: a panic in it becomes an error, so
// Parse never panics.
func decodeYAML(data []byte) (root *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// resolve follows an alias (*name) to the node it stands for.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// what names a node's content for a message: a quoted value, "a list".
func what(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode:
		return quote(n.Value)
	}
	return "something else"
}

// quote quotes a value from the file for a message, shortened.
func quote(s string) string { return strconv.Quote(shorten(s, 60)) }

// at prefixes a message with the path it is about, when there is one.
func at(where string) string {
	if where == "" {
		return ""
	}
	return where + ": "
}

// key is one field a mapping may hold.
type key struct {
	name     string
	required bool
	parse    func(k, v *yaml.Node)
}

// object walks a mapping with a fixed set of fields. anchor is the node
// whose line missing-field errors point at (the "fit:" key rather than the
// first line under it); nil means the mapping itself. A null value is an
// empty mapping, so "D: {}" and "D:" mean the same.
func (p *parser) object(anchor, n *yaml.Node, where string, keys ...key) bool {
	n = resolve(n)
	if anchor == nil {
		anchor = n
	}
	if !isNull(n) && n.Kind != yaml.MappingNode {
		p.errf(n, "%sexpected a mapping of fields, got %s", at(where), what(n))
		return false
	}
	seen := map[string]bool{}
	p.pairs(n, where, func(k, v *yaml.Node) {
		seen[k.Value] = true
		for _, kk := range keys {
			if kk.name == k.Value {
				kk.parse(k, v)
				return
			}
		}
		names := make([]string, len(keys))
		for i, kk := range keys {
			names[i] = kk.name
		}
		in := ""
		if where != "" {
			in = " in " + where
		}
		if s := suggest(k.Value, names); s != "" {
			p.errf(k, "unknown field %s%s (did you mean %q?)", quote(k.Value), in, s)
		} else {
			p.errf(k, "unknown field %s%s (fields: %s)", quote(k.Value), in, strings.Join(names, ", "))
		}
	})
	ok := true
	for _, kk := range keys {
		if kk.required && !seen[kk.name] {
			p.errf(anchor, "%smissing %s", at(where), kk.name)
			ok = false
		}
	}
	return ok
}

// pairs calls fn for each key of a mapping (null is empty), reporting
// non-scalar and duplicate keys.
func (p *parser) pairs(n *yaml.Node, where string, fn func(k, v *yaml.Node)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%sexpected a mapping, got %s", at(where), what(n))
		return
	}
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			p.errf(n.Content[i], "%skeys must be plain names, got %s", at(where), what(k))
			continue
		}
		if line, dup := first[k.Value]; dup {
			p.errf(k, "%sduplicate field %s (first at line %d)", at(where), quote(k.Value), line)
			continue
		}
		first[k.Value] = k.Line
		fn(k, v)
	}
}

// list calls fn for each item of a sequence (null is empty) with the item's
// path, e.g. "fit.rules[2]".
func (p *parser) list(n *yaml.Node, where string, fn func(item *yaml.Node, path string)) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "%sexpected a list (lines starting with -), got %s", at(where), what(n))
		return
	}
	for i, item := range n.Content {
		fn(resolve(item), fmt.Sprintf("%s[%d]", where, i))
	}
}

// str reads a text value. Numbers and booleans are text too: "in: [100]".
func (p *parser) str(n *yaml.Node, where string) (string, bool) {
	n = resolve(n)
	if isNull(n) {
		p.errf(n, "%sexpected a value, got nothing", at(where))
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		p.errf(n, "%sexpected a single value, got %s", at(where), what(n))
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// strs reads a list of values; a single value is a list of one. It returns
// each value's node for line numbers.
func (p *parser) strs(n *yaml.Node, where string) ([]string, []*yaml.Node) {
	n = resolve(n)
	if n != nil && n.Kind == yaml.ScalarNode && !isNull(n) {
		return []string{strings.TrimSpace(n.Value)}, []*yaml.Node{n}
	}
	var vals []string
	var nodes []*yaml.Node
	p.list(n, where, func(item *yaml.Node, path string) {
		v, ok := p.str(item, path)
		if !ok {
			return
		}
		if v == "" {
			p.errf(item, "%sempty value", at(path))
			return
		}
		vals = append(vals, v)
		nodes = append(nodes, item)
	})
	return vals, nodes
}

// maxPoints bounds points so sums cannot overflow and typos stand out.
const maxPoints = 1000

func (p *parser) points(n *yaml.Node, where string) (int, bool) {
	s, ok := p.str(n, where)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
	if err != nil || v < -maxPoints || v > maxPoints {
		p.errf(n, "%sexpected a whole number of points from -%d to %d, got %s", at(where), maxPoints, maxPoints, quote(s))
		return 0, false
	}
	return v, true
}

func (p *parser) number(n *yaml.Node, where string) (float64, bool) {
	s, ok := p.str(n, where)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		p.errf(n, "%sexpected a number, got %s", at(where), quote(s))
		return 0, false
	}
	return v, true
}

func (p *parser) boolean(n *yaml.Node, where string) (bool, bool) {
	s, ok := p.str(n, where)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	p.errf(n, "%sexpected true or false, got %s", at(where), quote(s))
	return false, false
}

// duration reads a positive Go duration ("336h", "90m"), or whole days
// ("14d"), which Go durations lack but people write.
func (p *parser) duration(n *yaml.Node, where string) (time.Duration, bool) {
	s, ok := p.str(n, where)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if days, isDays := strings.CutSuffix(s, "d"); isDays && err != nil {
		if n, err2 := strconv.Atoi(days); err2 == nil && n > 0 && n <= 3650 {
			d, err = time.Duration(n)*24*time.Hour, nil
		}
	}
	if err != nil {
		p.errf(n, "%sbad duration %s (use hours or minutes such as 336h or 90m, or days such as 14d)", at(where), quote(s))
		return 0, false
	}
	if d <= 0 {
		p.errf(n, "%sduration must be positive, got %s", at(where), quote(s))
		return 0, false
	}
	return d, true
}

// suggest is the closest name to a misspelt one, or "" when none is close.
func suggest(got string, names []string) string {
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
