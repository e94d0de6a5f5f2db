package yamlconf

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Key is one field a mapping may hold, and what to do with its value.
type Key struct {
	Name     string
	Required bool
	Parse    func(k, v *yaml.Node)
}

// Required is a field that must be present.
func Required(name string, parse func(k, v *yaml.Node)) Key {
	return Key{Name: name, Required: true, Parse: parse}
}

// Optional is a field that may be left out.
func Optional(name string, parse func(k, v *yaml.Node)) Key {
	return Key{Name: name, Parse: parse}
}

// Object walks a mapping with a fixed set of fields. anchor is the node
// whose line missing-field errors point at (the "fit:" key rather than the
// first line under it); nil means the mapping itself. A null value is an
// empty mapping, so "D: {}" and "D:" mean the same. It reports false when
// the node is not a mapping or a required field is missing.
func (p *Parser) Object(anchor, n *yaml.Node, where string, keys ...Key) bool {
	n = Resolve(n)
	if anchor == nil {
		anchor = n
	}
	if !IsNull(n) && n.Kind != yaml.MappingNode {
		p.Errf(n, "%sexpected a mapping of fields, got %s", At(where), What(n))
		return false
	}
	seen := map[string]bool{}
	p.Pairs(n, where, func(k, v *yaml.Node) {
		seen[k.Value] = true
		for _, kk := range keys {
			if kk.Name == k.Value {
				kk.Parse(k, v)
				return
			}
		}
		names := make([]string, len(keys))
		for i, kk := range keys {
			names[i] = kk.Name
		}
		in := ""
		if where != "" {
			in = " in " + where
		}
		if s := Suggest(k.Value, names); s != "" {
			p.Errf(k, "unknown field %s%s (did you mean %q?)", Quote(k.Value), in, s)
		} else {
			p.Errf(k, "unknown field %s%s (fields: %s)", Quote(k.Value), in, strings.Join(names, ", "))
		}
	})
	ok := true
	for _, kk := range keys {
		if kk.Required && !seen[kk.Name] {
			p.Errf(anchor, "%smissing %s", At(where), kk.Name)
			ok = false
		}
	}
	return ok
}

// Pairs calls fn for each key of a mapping (null is empty), reporting
// non-scalar and duplicate keys.
func (p *Parser) Pairs(n *yaml.Node, where string, fn func(k, v *yaml.Node)) {
	n = Resolve(n)
	if IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.Errf(n, "%sexpected a mapping, got %s", At(where), What(n))
		return
	}
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := Resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			p.Errf(n.Content[i], "%skeys must be plain names, got %s", At(where), What(k))
			continue
		}
		if line, dup := first[k.Value]; dup {
			p.Errf(k, "%sduplicate field %s (first at line %d)", At(where), Quote(k.Value), line)
			continue
		}
		first[k.Value] = k.Line
		fn(k, v)
	}
}

// List calls fn for each item of a sequence (null is empty) with the item's
// path, e.g. "fit.rules[2]".
func (p *Parser) List(n *yaml.Node, where string, fn func(item *yaml.Node, path string)) {
	n = Resolve(n)
	if IsNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.Errf(n, "%sexpected a list (lines starting with -), got %s", At(where), What(n))
		return
	}
	for i, item := range n.Content {
		fn(Resolve(item), fmt.Sprintf("%s[%d]", where, i))
	}
}
