package segment

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// ErrInvalid marks a segment file (or folder) that failed validation; the
// error Parse and LoadDir return wraps it and is a *ConfigError listing
// every problem.
var ErrInvalid = errors.New("invalid segment config")

// Problem is one thing wrong with a segment file, at a line of it.
type Problem = yamlconf.Problem

// ConfigError lists every problem at once, as "file:line: message", one
// per line; errors.Is(err, ErrInvalid) holds.
type ConfigError = yamlconf.ConfigError

// Stages a condition may name, in lifecycle order.
var Stages = []lead.Stage{lead.StageNew, lead.StageNurturing, lead.StageMQL, lead.StageSAL, lead.StageSQL,
	lead.StageWon, lead.StageLost, lead.StageDisqualified, lead.StageRejected, lead.StageUnsubscribed}

// Grades and Temperatures a condition may name.
var (
	Grades       = []string{"A", "B", "C", "D"}
	Temperatures = []string{qualify.Hot, qualify.Warm, qualify.Cold}
)

const maxDescription = 200

var (
	slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`) // segment, campaign and variant ids, reason codes
	// maxWindow bounds durations: a lead keeps its signals for far less.
	maxWindow = 3650 * 24 * time.Hour
)

// Parse reads and validates one segment file. filename is used in
// messages and, when it ends in .yaml or .yml, must be the segment's id
// (pricing-visitors.yaml holds id: pricing-visitors). On failure the
// error wraps ErrInvalid and is a *ConfigError listing every problem as
// "file:line: message". Parse never panics.
func Parse(data []byte, filename string) (*Segment, error) {
	name := filename
	if name == "" {
		name = "segment.yaml"
	}
	p := &parser{Parser: yamlconf.Parser{File: name}}
	root := p.Document(data, "empty segment: expected version: 1, id, description and conditions")
	if root == nil {
		return nil, p.Err(ErrInvalid)
	}
	s := p.segment(root, filename)
	if err := p.Err(ErrInvalid); err != nil {
		return nil, err
	}
	return s, nil
}

type parser struct{ yamlconf.Parser }

func (p *parser) segment(root *yaml.Node, filename string) *Segment {
	s := &Segment{File: filename, variantLines: map[string]int{}, reasonLines: map[string]int{}}
	var idNode *yaml.Node
	p.Object(root, root, "",
		yamlconf.Required("version", func(_, v *yaml.Node) {
			if ver, ok := p.Str(v, "version"); ok && ver != "1" {
				p.Errf(v, "unsupported version %s (this build reads version 1)", yamlconf.Quote(ver))
			}
		}),
		yamlconf.Required("id", func(_, v *yaml.Node) {
			if id, ok := p.slug(v, "id", "segment id", "pricing-visitors"); ok {
				s.ID, idNode, s.idLine = id, v, v.Line
			}
		}),
		yamlconf.Required("description", func(_, v *yaml.Node) {
			d, ok := p.Str(v, "description")
			switch {
			case !ok:
			case d == "":
				p.Errf(v, "description: empty (say who is in the segment, for the dashboard)")
			case utf8.RuneCountInString(d) > maxDescription:
				p.Errf(v, "description: longer than %d characters", maxDescription)
			case strings.ContainsAny(d, "\n\r"):
				p.Errf(v, "description: one line only")
			default:
				s.Description = d
			}
		}),
		yamlconf.Required("conditions", func(k, v *yaml.Node) {
			if yamlconf.IsNull(yamlconf.Resolve(v)) {
				// Left empty, maybe by mistake: uploading every lead is
				// said on purpose.
				p.Errf(k, "conditions: no value (write conditions: {} to take every lead that may be uploaded)")
				return
			}
			p.conditions(s, k, v)
		}),
	)
	if idNode != nil {
		if stem, ok := yamlconf.FileStem(filename); ok && stem != s.ID {
			p.Errf(idNode, "id %s does not match the file name %s (name the file %s.yaml, or change the id)",
				yamlconf.Quote(s.ID), yamlconf.Quote(filepath.Base(filename)), s.ID)
		}
	}
	return s
}

func (p *parser) conditions(s *Segment, k, v *yaml.Node) {
	c := &s.Conditions
	var variantKey, campaignKey *yaml.Node
	p.Object(k, v, "conditions",
		yamlconf.Optional("stage", func(_, v *yaml.Node) {
			for _, st := range p.oneOf(v, "conditions.stage", "stage", stageNames(), strings.ToLower) {
				c.Stages = append(c.Stages, lead.Stage(st))
			}
		}),
		yamlconf.Optional("grade", func(_, v *yaml.Node) {
			c.Grades = p.oneOf(v, "conditions.grade", "grade", Grades, strings.ToUpper)
		}),
		yamlconf.Optional("temperature", func(_, v *yaml.Node) {
			c.Temperatures = p.oneOf(v, "conditions.temperature", "temperature", Temperatures, strings.ToLower)
		}),
		yamlconf.Optional("campaign", func(k, v *yaml.Node) {
			campaignKey = k
			c.Campaigns = p.slugs(v, "conditions.campaign", "campaign id", "q4-demo", map[string]int{})
		}),
		yamlconf.Optional("variant", func(k, v *yaml.Node) {
			variantKey = k
			c.Variants = p.slugs(v, "conditions.variant", "variant id", "a", s.variantLines)
		}),
		yamlconf.Optional("reasons", func(k, v *yaml.Node) {
			p.Object(k, v, "conditions.reasons",
				yamlconf.Optional("any_of", func(_, v *yaml.Node) {
					c.AnyOf = p.slugs(v, "conditions.reasons.any_of", "reason code", "not_now", s.reasonLines)
				}),
				yamlconf.Optional("none_of", func(_, v *yaml.Node) {
					c.NoneOf = p.slugs(v, "conditions.reasons.none_of", "reason code", "competitor", s.reasonLines)
				}),
			)
			if emptyMapping(v) {
				p.Errf(k, "conditions.reasons: give any_of or none_of (a list of reason codes)")
			}
			for _, code := range c.AnyOf {
				if slices.Contains(c.NoneOf, code) {
					p.Errf(k, "conditions.reasons: %s is in both any_of and none_of, so no lead could match", yamlconf.Quote(code))
				}
			}
		}),
		yamlconf.Optional("signals", func(_, v *yaml.Node) { c.Signals = p.signals(v, "conditions.signals", &s.signalLines) }),
		yamlconf.Optional("last_activity", func(k, v *yaml.Node) { p.lastActivity(c, k, v) }),
	)
	if variantKey != nil && campaignKey == nil {
		p.Errf(variantKey, "conditions.variant: needs conditions.campaign too (variant ids are per campaign)")
	}
}

// oneOf reads a value or a list of values, each one of names (after
// fold, so "a" is grade A), reporting others with a hint.
func (p *parser) oneOf(n *yaml.Node, where, what string, names []string, fold func(string) string) []string {
	if !p.given(n, where) {
		return nil
	}
	vals, nodes := p.Strs(n, where)
	var out []string
	for i, v := range vals {
		f := fold(v)
		if !slices.Contains(names, f) {
			hint := "one of " + strings.Join(names, ", ")
			if s := yamlconf.Suggest(v, names); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			p.Errf(nodes[i], "%s: unknown %s %s (%s)", where, what, yamlconf.Quote(v), hint)
			continue
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// slugs reads ids (a value or a list), remembering each one's line.
func (p *parser) slugs(n *yaml.Node, where, what, example string, lines map[string]int) []string {
	if !p.given(n, where) {
		return nil
	}
	vals, nodes := p.Strs(n, where)
	var out []string
	for i, v := range vals {
		if !slugRe.MatchString(v) || len(v) > 64 {
			p.Errf(nodes[i], "%s: %s %s must be lowercase letters, digits, - or _ (like %s)", where, what, yamlconf.Quote(v), example)
			continue
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
		if _, seen := lines[v]; !seen {
			lines[v] = nodes[i].Line
		}
	}
	return out
}

// given reports a condition with a value, reporting one left empty ("stage:"
// or "stage: []"): a condition that takes every lead is left out instead.
func (p *parser) given(n *yaml.Node, where string) bool {
	r := yamlconf.Resolve(n)
	if yamlconf.IsNull(r) || r.Kind == yaml.SequenceNode && len(r.Content) == 0 {
		p.Errf(n, "%s: no value (leave the condition out to take every lead)", where)
		return false
	}
	return true
}

func (p *parser) slug(n *yaml.Node, where, what, example string) (string, bool) {
	v, ok := p.Str(n, where)
	if !ok {
		return "", false
	}
	if !slugRe.MatchString(v) || len(v) > 64 {
		p.Errf(n, "%s: %s %s must be lowercase letters, digits, - or _, at most 64 (like %s)", where, what, yamlconf.Quote(v), example)
		return "", false
	}
	return v, true
}

func (p *parser) signals(n *yaml.Node, where string, lines *[]int) []SignalCondition {
	var out []SignalCondition
	if !p.given(n, where) {
		return nil
	}
	p.List(n, where, func(item *yaml.Node, path string) {
		sc, line := SignalCondition{AtLeast: 1}, 0
		ok := p.Object(nil, item, path,
			yamlconf.Required("signal", func(_, v *yaml.Node) {
				kind, ok := p.Str(v, path+".signal")
				if !ok {
					return
				}
				if problem := qualify.SignalKindProblem(kind); problem != "" {
					p.Errf(v, "%s.signal: %s", path, problem)
					return
				}
				sc.Kind = kind
				line = v.Line
			}),
			yamlconf.Optional("at_least", func(_, v *yaml.Node) {
				f, ok := p.Number(v, path+".at_least")
				switch {
				case !ok:
				case f != float64(int(f)) || f < 1 || f > lead.MaxSignals:
					p.Errf(v, "%s.at_least: want a whole number from 1 to %d (a lead keeps its last %d signals), got %s",
						path, lead.MaxSignals, lead.MaxSignals, yamlconf.Quote(v.Value))
				default:
					sc.AtLeast = int(f)
				}
			}),
			yamlconf.Optional("within", func(_, v *yaml.Node) { sc.Within, _ = p.window(v, path+".within") }),
		)
		if ok && sc.Kind != "" {
			out = append(out, sc)
			*lines = append(*lines, line)
		}
	})
	return out
}

func (p *parser) lastActivity(c *Conditions, k, v *yaml.Node) {
	var withinNode *yaml.Node
	p.Object(k, v, "conditions.last_activity",
		yamlconf.Optional("within", func(_, v *yaml.Node) {
			withinNode = v
			c.ActiveWithin, _ = p.window(v, "conditions.last_activity.within")
		}),
		yamlconf.Optional("older_than", func(_, v *yaml.Node) {
			c.InactiveFor, _ = p.window(v, "conditions.last_activity.older_than")
		}),
	)
	if emptyMapping(v) {
		p.Errf(k, "conditions.last_activity: give within (e.g. 30d) or older_than (e.g. 90d)")
	}
	if c.ActiveWithin > 0 && c.InactiveFor > 0 && c.InactiveFor >= c.ActiveWithin {
		p.Errf(withinNode, "conditions.last_activity: within (%s) must be longer than older_than (%s), or no lead could match",
			yamlconf.FormatDuration(c.ActiveWithin), yamlconf.FormatDuration(c.InactiveFor))
	}
}

// window reads a duration such as 30d or 72h, at most ten years.
func (p *parser) window(n *yaml.Node, where string) (time.Duration, bool) {
	d, ok := p.Duration(n, where)
	if ok && d > maxWindow {
		p.Errf(n, "%s: at most 3650d", where)
		return 0, false
	}
	return d, ok
}

// emptyMapping reports "key:" or "key: {}".
func emptyMapping(n *yaml.Node) bool {
	r := yamlconf.Resolve(n)
	return yamlconf.IsNull(r) || r.Kind == yaml.MappingNode && len(r.Content) == 0
}

func stageNames() []string {
	out := make([]string, len(Stages))
	for i, s := range Stages {
		out[i] = string(s)
	}
	return out
}
