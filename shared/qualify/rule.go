package qualify

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// predBuilder collects the predicate fields of a rule (field, op, values,
// min, max) while the rule's mapping is walked together with its own
// fields (points, reason, team).
type predBuilder struct {
	field, op, values, min, max *yaml.Node
}

func (b *predBuilder) keys() []yamlconf.Key {
	return []yamlconf.Key{
		yamlconf.Required("field", func(_, v *yaml.Node) { b.field = v }),
		yamlconf.Required("op", func(_, v *yaml.Node) { b.op = v }),
		yamlconf.Optional("values", func(_, v *yaml.Node) { b.values = v }),
		yamlconf.Optional("min", func(_, v *yaml.Node) { b.min = v }),
		yamlconf.Optional("max", func(_, v *yaml.Node) { b.max = v }),
	}
}

// predicate validates and compiles what b collected: known field and
// operator, the arguments the operator needs and no others, valid regexes.
func (p *parser) predicate(b *predBuilder, where string) (predicate, bool) {
	before := p.Count()
	var pr predicate
	var opName string
	if b.field != nil {
		if name, ok := p.Str(b.field, where+".field"); ok {
			if f, ok := p.fieldRef(b.field, name, where); ok {
				pr.field, pr.display = f, f.display(name)
			}
		}
	}
	if b.op != nil {
		if name, ok := p.Str(b.op, where+".op"); ok {
			opName = name
			if pr.op = opNames[name]; pr.op == 0 {
				p.Errf(b.op, "unknown operator %s (use %s)", yamlconf.Quote(name), opList)
			}
		}
	}
	var valueNodes []*yaml.Node
	if b.values != nil {
		pr.values, valueNodes = p.Strs(b.values, where+".values")
	}
	if b.min != nil {
		pr.min, pr.hasMin = p.Number(b.min, where+".min")
	}
	if b.max != nil {
		pr.max, pr.hasMax = p.Number(b.max, where+".max")
	}

	switch pr.op {
	case opEquals, opIn, opContains, opRegex:
		switch {
		case b.values == nil:
			p.Errf(b.op, "%s: op %s needs values", where, opName)
		case len(pr.values) == 0 && p.Count() == before:
			p.Errf(b.values, "%s: op %s needs at least one value", where, opName)
		case pr.op == opEquals && len(pr.values) > 1:
			p.Errf(b.values, "%s: equals takes one value (use in for a list)", where)
		}
		if n := firstNonNil(b.min, b.max); n != nil {
			p.Errf(n, "%s: min and max are only used with op range", where)
		}
	case opRange:
		if b.values != nil {
			p.Errf(b.values, "%s: values is not used with op range (use min and max)", where)
		}
		switch {
		case b.min == nil && b.max == nil:
			p.Errf(b.op, "%s: op range needs min, max or both", where)
		case pr.hasMin && pr.hasMax && pr.min > pr.max:
			p.Errf(b.max, "%s: min (%s) is above max (%s)", where, formatNumber(pr.min), formatNumber(pr.max))
		}
	case opExists:
		if n := firstNonNil(b.values, b.min, b.max); n != nil {
			p.Errf(n, "%s: op exists takes no values, min or max", where)
		}
	}

	switch pr.op {
	case opRegex:
		for i, v := range pr.values {
			re, err := regexp.Compile(v)
			if err != nil {
				msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
				p.Errf(valueNodes[i], "%s: invalid regex %s: %s", where, yamlconf.Quote(v), msg)
				continue
			}
			pr.res = append(pr.res, re)
		}
	case opEquals, opIn, opContains:
		pr.lower = make([]string, len(pr.values))
		for i, v := range pr.values {
			pr.lower[i] = strings.ToLower(v)
		}
		if pr.op == opIn && len(pr.values) > bigSet {
			pr.set = make(map[string]int, len(pr.values))
			for i, v := range pr.lower {
				if _, dup := pr.set[v]; !dup {
					pr.set[v] = i
				}
			}
		}
	}
	return pr, p.Count() == before && pr.op != 0 && b.field != nil
}

func firstNonNil(nodes ...*yaml.Node) *yaml.Node {
	for _, n := range nodes {
		if n != nil {
			return n
		}
	}
	return nil
}

func (p *parser) fieldRef(n *yaml.Node, name, where string) (fieldRef, bool) {
	if id, ok := fieldNames[name]; ok {
		return fieldRef{id: id}, true
	}
	if k, ok := strings.CutPrefix(name, "answers."); ok {
		if answerKeyRe.MatchString(k) && len(k) <= 64 {
			return fieldRef{id: fAnswer, key: k}, true
		}
		p.Errf(n, "%s: answer key %s must be lowercase letters, digits and _", where, yamlconf.Quote(k))
		return fieldRef{}, false
	}
	hint := "use " + strings.Join(fieldList, ", ")
	if s := yamlconf.Suggest(name, fieldList); s != "" {
		hint = "did you mean " + yamlconf.Quote(s) + "?"
	}
	p.Errf(n, "%s: unknown lead field %s (%s)", where, yamlconf.Quote(name), hint)
	return fieldRef{}, false
}
