package nurture

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/wallclock"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Parse reads and validates a sequences config. filename is only used in
// messages. On failure the error wraps ErrInvalid and is a *ConfigError
// listing every problem as "file:line: message", one per line. Parse never
// panics.
func Parse(data []byte, filename string) (*Config, error) {
	if filename == "" {
		filename = "sequences.yaml"
	}
	p := &parser{Parser: yamlconf.Parser{File: filename}, templateIDs: map[string]bool{}}
	root, err := yamlconf.Decode(data)
	if err != nil {
		p.SyntaxError(err, data)
		return nil, p.Err(ErrInvalid)
	}
	if root == nil {
		p.Errf(&yaml.Node{Line: 1}, "empty config: expected version: 1 and the sections sequences and templates")
		return nil, p.Err(ErrInvalid)
	}
	c := p.config(root)
	if err := p.Err(ErrInvalid); err != nil {
		return nil, err
	}
	return c, nil
}

// parser walks the YAML nodes with yamlconf, which keeps a line for every
// message and collects every problem.
type parser struct {
	yamlconf.Parser
	// templateIDs are all templates the file defines, valid or not, so a
	// send step naming a broken template is not also reported as unknown.
	templateIDs map[string]bool
}

// maxCap is the largest frequency cap a lead's send history can enforce.
const maxCap = lead.MaxSends

var idRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// config walks the top level. Sequences are read after templates, so a
// send step can be checked against them wherever they are in the file.
func (p *parser) config(root *yaml.Node) *Config {
	c := &Config{
		file:        p.File,
		defaultZone: time.UTC,
		window:      defaultWindow,
		capMax:      defaultCapMax,
		capPer:      defaultCapPer,
		byID:        map[string]*sequence{},
		replacedBy:  map[string]*sequence{},
		templates:   map[string]*emailTemplate{},
		footers:     map[string]footer{},
	}
	c.countryZones = map[string]*time.Location{}
	var seqKey, seqs *yaml.Node
	p.Object(root, root, "",
		yamlconf.Required("version", func(_, v *yaml.Node) { p.version(v) }),
		yamlconf.Optional("defaults", func(k, v *yaml.Node) { p.defaults(c, k, v) }),
		yamlconf.Required("sequences", func(k, v *yaml.Node) { seqKey, seqs = k, v }),
		yamlconf.Required("templates", func(k, v *yaml.Node) { p.templates(c, k, v) }),
		yamlconf.Optional("footers", func(_, v *yaml.Node) { p.footers(c, v) }),
	)
	p.templateFooters(c)
	if seqKey != nil {
		p.sequences(c, seqKey, seqs)
	}
	return c
}

func (p *parser) version(n *yaml.Node) {
	if s, ok := p.Str(n, "version"); ok && s != "1" {
		p.Errf(n, "unsupported version %s (this build reads version 1)", yamlconf.Quote(s))
	}
}

// id reads an identifier: lowercase letters, digits, - and _.
func (p *parser) id(n *yaml.Node, where, what string) (string, bool) {
	s, ok := p.Str(n, where)
	switch {
	case !ok:
		return "", false
	case s == "":
		p.Errf(n, "%s: empty %s", where, what)
		return "", false
	case !idRe.MatchString(s) || len(s) > 64:
		p.Errf(n, "%s: %s %s must be lowercase letters, digits, - or _ (like cold-education)", where, what, yamlconf.Quote(s))
		return "", false
	}
	return s, true
}

// --- defaults ------------------------------------------------------------

func (p *parser) defaults(c *Config, k, n *yaml.Node) {
	p.Object(k, n, "defaults",
		yamlconf.Optional("time_zone", func(_, v *yaml.Node) {
			if loc, ok := p.zone(v, "defaults.time_zone"); ok {
				c.defaultZone = loc
			}
		}),
		yamlconf.Optional("country_time_zones", func(_, v *yaml.Node) {
			p.Pairs(v, "defaults.country_time_zones", func(ck, cv *yaml.Node) {
				cc := ck.Value
				if len(cc) != 2 || strings.ToUpper(cc) != cc || !isLetters(cc) {
					p.Errf(ck, "defaults.country_time_zones: country %s must be an ISO 3166 code of two capital letters, like DE", yamlconf.Quote(cc))
					return
				}
				if loc, ok := p.zone(cv, "defaults.country_time_zones."+cc); ok {
					c.countryZones[cc] = loc
				}
			})
		}),
		yamlconf.Optional("window", func(k, v *yaml.Node) {
			if w, ok := p.window(k, v, "defaults.window"); ok {
				c.window = w
			}
		}),
		yamlconf.Optional("frequency_cap", func(k, v *yaml.Node) { p.frequencyCap(c, k, v, "defaults.frequency_cap") }),
	)
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// zone reads an IANA time zone name.
func (p *parser) zone(n *yaml.Node, where string) (*time.Location, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return nil, false
	}
	loc, ok := loadZone(s)
	if !ok {
		p.Errf(n, "%s: unknown time zone %s (use an IANA name such as Europe/Berlin or America/New_York)", where, yamlconf.Quote(s))
		return nil, false
	}
	return loc, true
}

func (p *parser) window(k, n *yaml.Node, where string) (Window, bool) {
	var w Window
	var toNode *yaml.Node
	okFrom, okTo, okDays := false, false, false
	okObj := p.Object(k, n, where,
		yamlconf.Required("from", func(_, v *yaml.Node) { w.From, okFrom = p.ClockTime(v, where+".from", false) }),
		yamlconf.Required("to", func(_, v *yaml.Node) {
			toNode = v
			w.To, okTo = p.ClockTime(v, where+".to", true)
		}),
		yamlconf.Required("days", func(k, v *yaml.Node) {
			w.Days, okDays = p.Weekdays(k, v, where+".days", "no send days (list at least one of mon, tue, wed, thu, fri, sat, sun)")
		}),
	)
	if okFrom && okTo && w.To <= w.From {
		p.Errf(toNode, "%s: to (%s) must be after from (%s); a window cannot span midnight", where, wallclock.Clock(w.To), wallclock.Clock(w.From))
		return w, false
	}
	return w, okObj && okFrom && okTo && okDays
}

func (p *parser) frequencyCap(c *Config, k, n *yaml.Node, where string) {
	p.Object(k, n, where,
		yamlconf.Required("max", func(_, v *yaml.Node) {
			s, ok := p.Str(v, where+".max")
			if !ok {
				return
			}
			m, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
			if err != nil {
				p.Errf(v, "%s.max: expected a whole number of emails, got %s", where, yamlconf.Quote(s))
				return
			}
			switch {
			case m < 1:
				p.Errf(v, "%s.max: must be at least 1, got %d", where, m)
			case m > maxCap:
				p.Errf(v, "%s.max: can be at most %d (the sends a lead's history keeps), got %d", where, maxCap, m)
			default:
				c.capMax = m
			}
		}),
		yamlconf.Required("per", func(_, v *yaml.Node) {
			if d, ok := p.Duration(v, where+".per"); ok {
				c.capPer = d
			}
		}),
	)
}
