package calibrate

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/yamlconf"
)

// ErrMapping marks a mapping file (or a CSV header it does not fit) with
// problems; the error is a *yamlconf.ConfigError listing each as
// "file:line: message".
var ErrMapping = errors.New("invalid mapping")

// Mapping says how to read a CSV export of historical leads: which column
// holds the outcome and which values of it count as positive, which
// columns are lead fields and engagement counts, and which to leave out
// because they were filled in after the outcome was known (leakage).
type Mapping struct {
	File    string
	Outcome Outcome
	Fields  []FieldMap  // in file order
	Signals []SignalMap // in file order
	Exclude []Column
	// Keep are columns known when a lead arrives whatever screening finds:
	// they are used even when flagged as filled in after the outcome or
	// nearly constant.
	Keep    []Column
	Options FeatureOptions
}

// Column is a CSV column named in the mapping, with the mapping line that
// names it for messages.
type Column struct {
	Name string
	Line int
}

// Outcome is the column that says how a lead ended.
type Outcome struct {
	Column Column
	// Positive values (compared case-insensitively) make a lead positive.
	Positive []string
	// Negative values, when listed, make it negative, and rows with any
	// other value (blank included) are skipped. Without them every value
	// that is not positive — blank included — is negative.
	Negative []string
	// Value is the column of the deal's value, when the export has one;
	// the report sums it per grade (it is not learned from).
	Value Column
}

// FieldMap maps a column to a lead field.
type FieldMap struct {
	FieldSpec
	Column Column
	// FromEmail: the column holds whole addresses, read as their domain.
	FromEmail bool
}

// SignalMap maps a column of counts to an engagement signal.
type SignalMap struct {
	Name   string // signal name, ideally a qualify signal kind: pricing_page_view
	Column Column
}

// FeatureOptions tune how values become features.
type FeatureOptions struct {
	// MinCount: a category value or word seen in fewer training leads is
	// grouped into "another value" (default 20).
	MinCount int
	// MaxValues: at most this many values (or words) per field get their
	// own feature, the most frequent first (default 15).
	MaxValues int
	// Bins: numbers are cut into at most this many quantile bins; 0 (the
	// default) chooses 5, 10, 15 or 20 by cross-validation.
	Bins int
	// Placeholders are extra values that mean "not given", besides the
	// built-in ones (Select, N/A, -, none, unknown, (blank), …).
	Placeholders []string
	// Delimiter of the CSV; 0 detects comma, semicolon or tab from the header.
	Delimiter rune
}

// Option defaults.
const (
	DefaultMinCount  = 20
	DefaultMaxValues = 15
	DefaultBins      = 5
)

var signalNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_:-]*$`)

// ParseMapping reads and validates a mapping file. filename is only used in
// messages. Every problem is reported at once, each with its line; the
// error wraps ErrMapping. ParseMapping never panics.
func ParseMapping(data []byte, filename string) (*Mapping, error) {
	if filename == "" {
		filename = "mapping.yaml"
	}
	p := &mapParser{Parser: yamlconf.Parser{File: filename}}
	m := &Mapping{File: filename, Options: FeatureOptions{MinCount: DefaultMinCount, MaxValues: DefaultMaxValues}}
	root, err := yamlconf.Decode(data)
	if err != nil {
		p.SyntaxError(err, data)
		return nil, p.Err(ErrMapping)
	}
	if root == nil {
		p.Errf(&yaml.Node{Line: 1}, "empty mapping: expected outcome, fields and (optionally) signals, exclude, keep, options")
		return nil, p.Err(ErrMapping)
	}
	p.Object(root, root, "",
		yamlconf.Required("outcome", func(k, v *yaml.Node) { m.Outcome = p.outcome(k, v) }),
		yamlconf.Optional("fields", func(_, v *yaml.Node) { m.Fields = p.fields(v) }),
		yamlconf.Optional("signals", func(_, v *yaml.Node) { m.Signals = p.signals(v) }),
		yamlconf.Optional("exclude", func(_, v *yaml.Node) { m.Exclude = p.columns(v, "exclude") }),
		yamlconf.Optional("keep", func(_, v *yaml.Node) { m.Keep = p.columns(v, "keep") }),
		yamlconf.Optional("options", func(k, v *yaml.Node) { p.options(k, v, &m.Options) }),
	)
	if p.Count() == 0 && len(m.Fields) == 0 && len(m.Signals) == 0 {
		p.Errf(root, "nothing to learn from: map at least one column under fields or signals")
	}
	p.checkColumnsOnce(m)
	if err := p.Err(ErrMapping); err != nil {
		return nil, err
	}
	return m, nil
}

type mapParser struct{ yamlconf.Parser }

func (p *mapParser) column(n *yaml.Node, where string) (Column, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return Column{}, false
	}
	if s == "" {
		p.Errf(n, "%s: empty column name", where)
		return Column{}, false
	}
	return Column{Name: s, Line: n.Line}, true
}

func (p *mapParser) columns(n *yaml.Node, where string) []Column {
	vals, nodes := p.Strs(n, where)
	out := make([]Column, len(vals))
	for i, v := range vals {
		out[i] = Column{Name: v, Line: nodes[i].Line}
	}
	return out
}

func (p *mapParser) outcome(k, n *yaml.Node) Outcome {
	var o Outcome
	p.Object(k, n, "outcome",
		yamlconf.Required("column", func(_, v *yaml.Node) { o.Column, _ = p.column(v, "outcome.column") }),
		yamlconf.Required("positive", func(k, v *yaml.Node) {
			o.Positive, _ = p.Strs(v, "outcome.positive")
			// Nothing given, or an empty list: a bad item has its own error.
			if r := yamlconf.Resolve(v); len(o.Positive) == 0 && (yamlconf.IsNull(r) || r.Kind == yaml.SequenceNode && len(r.Content) == 0) {
				p.Errf(k, "outcome.positive: list the values that count as a conversion, e.g. [yes, won, 1, true]")
			}
		}),
		yamlconf.Optional("negative", func(_, v *yaml.Node) {
			var nodes []*yaml.Node
			o.Negative, nodes = p.Strs(v, "outcome.negative")
			for i, neg := range o.Negative {
				for _, pos := range o.Positive {
					if strings.EqualFold(neg, pos) {
						p.Errf(nodes[i], "outcome.negative: %s is also listed as positive", yamlconf.Quote(neg))
					}
				}
			}
		}),
		yamlconf.Optional("value", func(_, v *yaml.Node) { o.Value, _ = p.column(v, "outcome.value") }),
	)
	return o
}

func (p *mapParser) fields(n *yaml.Node) []FieldMap {
	var out []FieldMap
	p.Pairs(n, "fields", func(k, v *yaml.Node) {
		name := strings.TrimSpace(k.Value)
		where := "fields." + name
		f := FieldMap{FieldSpec: FieldSpec{Name: name}}
		if name == "email" {
			f.Name, f.FromEmail = "email_domain", true
		} else if !isLeadField(name) {
			hint := "use " + strings.Join(append([]string{"email"}, leadFields...), ", ") + " or answers.<key>"
			if s := yamlconf.Suggest(name, append([]string{"email"}, leadFields...)); s != "" {
				hint = "did you mean " + strconv.Quote(s) + "?"
			}
			p.Errf(k, "unknown lead field %s (%s)", yamlconf.Quote(name), hint)
			return
		}
		f.Kind = DefaultKind(f.Name)
		okCol := false
		if rv := yamlconf.Resolve(v); rv != nil && rv.Kind == yaml.MappingNode {
			p.Object(k, v, where,
				yamlconf.Required("column", func(_, v *yaml.Node) { f.Column, okCol = p.column(v, where+".column") }),
				yamlconf.Optional("type", func(_, v *yaml.Node) {
					s, ok := p.Str(v, where+".type")
					if !ok {
						return
					}
					switch Kind(s) {
					case KindCategory, KindNumber, KindWords:
						f.Kind = Kind(s)
					default:
						hint := "use " + strings.Join(kinds, ", ")
						if sg := yamlconf.Suggest(s, kinds); sg != "" {
							hint = "did you mean " + strconv.Quote(sg) + "?"
						}
						p.Errf(v, "%s.type: unknown type %s (%s)", where, yamlconf.Quote(s), hint)
					}
				}),
			)
		} else {
			f.Column, okCol = p.column(v, where)
		}
		for _, prev := range out {
			if prev.Name == f.Name {
				p.Errf(k, "%s: field %s is mapped twice (email is read as email_domain)", where, f.Name)
				return
			}
		}
		if okCol {
			out = append(out, f)
		}
	})
	return out
}

func (p *mapParser) signals(n *yaml.Node) []SignalMap {
	var out []SignalMap
	p.Pairs(n, "signals", func(k, v *yaml.Node) {
		name := strings.TrimSpace(k.Value)
		if !signalNameRe.MatchString(name) || len(name) > 64 {
			p.Errf(k, "signal name %s must be lowercase letters, digits, _, - or : (like pricing_page_view)", yamlconf.Quote(name))
			return
		}
		if c, ok := p.column(v, "signals."+name); ok {
			out = append(out, SignalMap{Name: name, Column: c})
		}
	})
	return out
}

func (p *mapParser) options(k, n *yaml.Node, o *FeatureOptions) {
	count := func(v *yaml.Node, where string, lo, hi int, dst *int) {
		f, ok := p.Number(v, where)
		if !ok {
			return
		}
		if f != float64(int(f)) || f < float64(lo) || f > float64(hi) {
			p.Errf(v, "%s: expected a whole number from %d to %d, got %s", where, lo, hi, yamlconf.Quote(v.Value))
			return
		}
		*dst = int(f)
	}
	p.Object(k, n, "options",
		yamlconf.Optional("min_count", func(_, v *yaml.Node) { count(v, "options.min_count", 1, 1_000_000, &o.MinCount) }),
		yamlconf.Optional("max_values", func(_, v *yaml.Node) { count(v, "options.max_values", 1, 100, &o.MaxValues) }),
		yamlconf.Optional("bins", func(_, v *yaml.Node) { count(v, "options.bins", 2, 20, &o.Bins) }),
		yamlconf.Optional("placeholders", func(_, v *yaml.Node) { o.Placeholders, _ = p.Strs(v, "options.placeholders") }),
		yamlconf.Optional("delimiter", func(_, v *yaml.Node) {
			s, ok := p.Str(v, "options.delimiter")
			if !ok {
				return
			}
			switch strings.ToLower(s) {
			case "tab", `\t`:
				s = "\t"
			}
			r, size := utf8.DecodeRuneInString(s)
			if size != len(s) || !strings.ContainsRune(",;\t|", r) {
				p.Errf(v, "options.delimiter: use one of , ; | or tab, got %s", yamlconf.Quote(s))
				return
			}
			o.Delimiter = r
		}),
	)
}

// checkColumnsOnce rejects a column used for two purposes: the outcome as a
// feature would be the perfect leak, and a column both used and excluded
// is a contradiction.
func (p *mapParser) checkColumnsOnce(m *Mapping) {
	type use struct {
		what string
		line int
	}
	first := map[string]use{}
	see := func(c Column, what string) {
		if c.Name == "" {
			return
		}
		if u, dup := first[c.Name]; dup {
			p.Errf(&yaml.Node{Line: c.Line}, "column %s is used twice: as %s (line %d) and as %s",
				yamlconf.Quote(c.Name), u.what, u.line, what)
			return
		}
		first[c.Name] = use{what, c.Line}
	}
	see(m.Outcome.Column, "the outcome")
	see(m.Outcome.Value, "the deal value")
	for _, f := range m.Fields {
		see(f.Column, "field "+f.Name)
	}
	for _, s := range m.Signals {
		see(s.Column, "signal "+s.Name)
	}
	for _, c := range m.Exclude {
		see(c, "an excluded column")
	}
	used := map[string]bool{}
	for _, f := range m.Fields {
		used[f.Column.Name] = true
	}
	for _, s := range m.Signals {
		used[s.Column.Name] = true
	}
	for _, c := range m.Keep {
		if !used[c.Name] {
			p.Errf(&yaml.Node{Line: c.Line}, "keep: column %s is not mapped under fields or signals", yamlconf.Quote(c.Name))
		}
	}
}
