package qualify

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
)

// Parse reads and validates a config. filename is only used in messages.
// On failure the error wraps ErrInvalid and is a *ConfigError listing every
// problem as "file:line: message", one per line. Parse never panics.
func Parse(data []byte, filename string) (*Config, error) {
	if filename == "" {
		filename = "qualify.yaml"
	}
	p := &parser{file: filename}
	root, err := decodeYAML(data)
	if err != nil {
		p.yamlError(err, data)
		return nil, p.err()
	}
	if root == nil {
		p.errf(&yaml.Node{Line: 1}, "empty config: expected version: 1 and the sections fit, thresholds and routing")
		return nil, p.err()
	}
	c := p.config(root)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

var (
	slugRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	answerKeyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
)

// config walks the top level. Sections that refer to others (routing rules
// to teams, campaigns to the base profile) are checked once all are read,
// so the order of sections in the file does not matter.
func (p *parser) config(root *yaml.Node) *Config {
	c := &Config{sla: DefaultSLA}
	c.base.halfLife = DefaultHalfLife
	var campaigns, routing, routingKey *yaml.Node
	p.object(root, root, "",
		key{"version", true, func(_, v *yaml.Node) { p.version(v) }},
		key{"fit", true, func(k, v *yaml.Node) { c.base.fit, c.base.grades = p.fit(k, v, "fit") }},
		key{"engagement", false, func(k, v *yaml.Node) {
			c.base.halfLife, c.base.signals, c.base.signalIndex = p.engagement(k, v, "engagement")
		}},
		key{"disqualifiers", false, func(_, v *yaml.Node) { c.base.disqualifiers = p.disqualifiers(v, "disqualifiers") }},
		key{"thresholds", true, func(k, v *yaml.Node) { c.base.thresholds = p.thresholds(k, v, "thresholds") }},
		key{"routing", true, func(k, v *yaml.Node) { routingKey, routing = k, v }},
		key{"sla", false, func(k, v *yaml.Node) { c.sla = p.sla(k, v, "sla") }},
		key{"reject_reasons", false, func(_, v *yaml.Node) { c.rejects = p.rejectReasons(v, "reject_reasons") }},
		key{"campaigns", false, func(_, v *yaml.Node) { campaigns = v }},
	)
	if routingKey != nil {
		p.routing(c, routingKey, routing, "routing")
	}
	c.campaigns = p.campaigns(&c.base, campaigns, "campaigns")
	return c
}

func (p *parser) version(n *yaml.Node) {
	if s, ok := p.str(n, "version"); ok && s != "1" {
		p.errf(n, "unsupported version %s (this build reads version 1)", quote(s))
	}
}

// --- scoring sections --------------------------------------------------

func (p *parser) fit(k, n *yaml.Node, where string) (rules []fitRule, grades [3]int) {
	p.object(k, n, where,
		key{"rules", true, func(_, v *yaml.Node) {
			p.list(v, where+".rules", func(item *yaml.Node, path string) {
				if r, ok := p.fitRule(item, path); ok {
					rules = append(rules, r)
				}
			})
		}},
		key{"grades", true, func(k, v *yaml.Node) { grades = p.grades(k, v, where+".grades") }},
	)
	return rules, grades
}

func (p *parser) fitRule(n *yaml.Node, where string) (fitRule, bool) {
	var b predBuilder
	var r fitRule
	hasPoints := false
	keys := append(b.keys(),
		key{"points", true, func(_, v *yaml.Node) { r.points, hasPoints = p.points(v, where+".points") }},
		key{"label", false, func(_, v *yaml.Node) { r.label, _ = p.str(v, where+".label") }},
	)
	okObj := p.object(nil, n, where, keys...)
	pred, okPred := p.predicate(&b, where)
	if !okObj || !okPred || !hasPoints {
		return r, false
	}
	r.pred = pred
	// "+20 job title in [CMO]", or with a label "+20 decision maker (job
	// title in [CMO])".
	if r.label != "" {
		r.reason = newMatchReason(&r.pred, signed(r.points)+" "+r.label+" (", ")")
	} else {
		r.reason = newMatchReason(&r.pred, signed(r.points)+" ", "")
	}
	return r, true
}

func signed(n int) string {
	if n >= 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

var gradeNames = [4]string{"A", "B", "C", "D"}

func (p *parser) grades(k, n *yaml.Node, where string) [3]int {
	var g [3]int
	var have [3]bool
	keys := make([]key, 3)
	for i := range keys {
		keys[i] = key{gradeNames[i], true, func(_, v *yaml.Node) {
			g[i], have[i] = p.points(v, where+"."+gradeNames[i])
		}}
	}
	p.object(k, n, where, keys...)
	if have[0] && have[1] && have[2] && !(g[0] > g[1] && g[1] > g[2]) {
		p.errf(k, "%s: must be strictly descending A > B > C (got A %d, B %d, C %d)", where, g[0], g[1], g[2])
	}
	return g
}

func (p *parser) engagement(k, n *yaml.Node, where string) (time.Duration, []signalRule, map[string]int) {
	halfLife := DefaultHalfLife
	var signals []signalRule
	index := map[string]int{}
	lines := map[string]int{}
	p.object(k, n, where,
		key{"half_life", false, func(_, v *yaml.Node) {
			if d, ok := p.duration(v, where+".half_life"); ok {
				halfLife = d
			}
		}},
		key{"signals", true, func(_, v *yaml.Node) {
			p.list(v, where+".signals", func(item *yaml.Node, path string) {
				s, kindNode, ok := p.signal(item, path)
				if !ok {
					return
				}
				if line, dup := lines[s.kind]; dup {
					p.errf(kindNode, "%s: duplicate signal %s (first at line %d)", path, quote(s.kind), line)
					return
				}
				lines[s.kind] = kindNode.Line
				index[s.kind] = len(signals)
				signals = append(signals, s)
			})
		}},
	)
	for i := range signals {
		if signals[i].halfLife == 0 {
			signals[i].halfLife = halfLife
		}
	}
	return halfLife, signals, index
}

func (p *parser) signal(n *yaml.Node, where string) (signalRule, *yaml.Node, bool) {
	var s signalRule
	var kindNode *yaml.Node
	okKind, okPoints, okHalf := false, false, true
	okObj := p.object(nil, n, where,
		key{"signal", true, func(_, v *yaml.Node) {
			kindNode = v
			s.kind, okKind = p.str(v, where+".signal")
			if okKind {
				okKind = p.signalKind(v, s.kind, where)
			}
		}},
		key{"points", true, func(_, v *yaml.Node) { s.points, okPoints = p.points(v, where+".points") }},
		key{"half_life", false, func(_, v *yaml.Node) { s.halfLife, okHalf = p.duration(v, where+".half_life") }},
	)
	if !okObj || !okKind || !okPoints || !okHalf {
		return s, nil, false
	}
	if form, ok := strings.CutPrefix(s.kind, formPrefix); ok {
		s.display = "form " + form
	} else {
		s.display = strings.ReplaceAll(s.kind, "_", " ")
	}
	return s, kindNode, true
}

func (p *parser) signalKind(n *yaml.Node, kind, where string) bool {
	if form, ok := strings.CutPrefix(kind, formPrefix); ok {
		if slugRe.MatchString(form) && len(form) <= 64 {
			return true
		}
		p.errf(n, "%s: form signal %s needs a form type of lowercase letters, digits, - or _ after \"form:\"", where, quote(kind))
		return false
	}
	if slices.Contains(signalKinds, kind) {
		return true
	}
	hint := "use form:<form_type>, " + strings.Join(signalKinds, ", ")
	if s := suggest(kind, signalKinds); s != "" {
		hint = "did you mean " + strconv.Quote(s) + "?"
	}
	p.errf(n, "%s: unknown signal kind %s (%s)", where, quote(kind), hint)
	return false
}

func (p *parser) disqualifiers(n *yaml.Node, where string) []disqualifier {
	var out []disqualifier
	p.list(n, where, func(item *yaml.Node, path string) {
		var b predBuilder
		var d disqualifier
		okReason := false
		okObj := p.object(nil, item, path, append(b.keys(),
			key{"reason", true, func(_, v *yaml.Node) { d.code, okReason = p.code(v, path+".reason") }},
		)...)
		pred, okPred := p.predicate(&b, path)
		if !okObj || !okPred || !okReason {
			return
		}
		d.pred = pred
		// `disqualified: job_seeker (message contains "vacancy")`
		d.reason = newMatchReason(&d.pred, "disqualified: "+d.code+" (", ")")
		out = append(out, d)
	})
	return out
}

// code reads a reason code: lowercase letters, digits, - and _.
func (p *parser) code(n *yaml.Node, where string) (string, bool) {
	if isNull(resolve(n)) {
		p.errf(n, "%s: empty reason code", where)
		return "", false
	}
	s, ok := p.str(n, where)
	switch {
	case !ok:
		return "", false
	case s == "":
		p.errf(n, "%s: empty reason code", where)
		return "", false
	case !slugRe.MatchString(s) || len(s) > 64:
		p.errf(n, "%s: reason code %s must be lowercase letters, digits, - or _ (like job_seeker)", where, quote(s))
		return "", false
	}
	return s, true
}

func (p *parser) thresholds(k, n *yaml.Node, where string) [4]threshold {
	var out [4]threshold
	p.pairs(n, where, func(gk, v *yaml.Node) {
		g := slices.Index(gradeNames[:], gk.Value)
		if g < 0 {
			p.errf(gk, "%s: unknown grade %s (use A, B, C, D)", where, quote(gk.Value))
			return
		}
		path := where + "." + gk.Value
		var t threshold
		p.object(gk, v, path,
			key{"hot", false, func(_, v *yaml.Node) { t.hot, t.hasHot = p.number(v, path+".hot") }},
			key{"warm", false, func(_, v *yaml.Node) { t.warm, t.hasWarm = p.number(v, path+".warm") }},
		)
		if t.hasHot && t.hasWarm && t.hot <= t.warm {
			p.errf(gk, "%s: hot (%s) must be above warm (%s) — overlapping thresholds",
				path, formatNumber(t.hot), formatNumber(t.warm))
		}
		out[g] = t
	})
	return out
}

// campaigns reads per-campaign overrides. Each becomes a complete profile:
// a copy of base with the overridden sections replaced.
func (p *parser) campaigns(base *profile, n *yaml.Node, where string) map[string]*profile {
	out := map[string]*profile{}
	p.pairs(n, where, func(k, v *yaml.Node) {
		id := k.Value
		if !slugRe.MatchString(id) || len(id) > 64 {
			p.errf(k, "%s: campaign id %s must be lowercase letters, digits, - or _, as in the lead's campaign", where, quote(id))
			return
		}
		path := where + "." + id
		pr := *base
		overrides := 0
		p.object(k, v, path,
			key{"fit", false, func(k, v *yaml.Node) {
				overrides++
				pr.fit, pr.grades = p.fit(k, v, path+".fit")
			}},
			key{"engagement", false, func(k, v *yaml.Node) {
				overrides++
				pr.halfLife, pr.signals, pr.signalIndex = p.engagement(k, v, path+".engagement")
			}},
			key{"disqualifiers", false, func(_, v *yaml.Node) {
				overrides++
				pr.disqualifiers = p.disqualifiers(v, path+".disqualifiers")
			}},
			key{"thresholds", false, func(k, v *yaml.Node) {
				overrides++
				pr.thresholds = p.thresholds(k, v, path+".thresholds")
			}},
		)
		if rv := resolve(v); overrides == 0 && (isNull(rv) || rv.Kind == yaml.MappingNode) {
			p.errf(k, "%s: overrides nothing (give fit, engagement, disqualifiers or thresholds)", path)
		}
		out[id] = &pr
	})
	return out
}

// --- routing, SLA, reject reasons ---------------------------------------

func (p *parser) routing(c *Config, k, n *yaml.Node, where string) {
	c.teams = map[string]Team{}
	type ref struct {
		node *yaml.Node
		path string
	}
	var refs []ref
	p.object(k, n, where,
		key{"teams", true, func(k, v *yaml.Node) {
			count := 0
			p.pairs(v, where+".teams", func(tk, tv *yaml.Node) {
				count++
				// A team with problems is still known, so rules naming it
				// do not also report it as unknown.
				t, _ := p.team(tk, tv, where+".teams."+tk.Value)
				c.teams[t.Name] = t
			})
			if count == 0 && (isNull(resolve(v)) || resolve(v).Kind == yaml.MappingNode) {
				p.errf(k, "%s.teams: no teams", where)
			}
		}},
		key{"rules", false, func(_, v *yaml.Node) {
			p.list(v, where+".rules", func(item *yaml.Node, path string) {
				var b predBuilder
				var r route
				var teamNode *yaml.Node
				okObj := p.object(nil, item, path, append(b.keys(),
					key{"team", true, func(_, v *yaml.Node) {
						if s, ok := p.str(v, path+".team"); ok {
							r.team, teamNode = s, v
						}
					}},
				)...)
				pred, okPred := p.predicate(&b, path)
				if teamNode != nil {
					refs = append(refs, ref{teamNode, path})
				}
				if okObj && okPred && teamNode != nil {
					r.pred = pred
					c.routes = append(c.routes, r)
				}
			})
		}},
		key{"default_team", true, func(_, v *yaml.Node) {
			if s, ok := p.str(v, where+".default_team"); ok {
				c.defaultTeam = s
				refs = append(refs, ref{v, where + ".default_team"})
			}
		}},
	)
	names := make([]string, 0, len(c.teams))
	for name := range c.teams {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, r := range refs {
		name := strings.TrimSpace(r.node.Value)
		if _, ok := c.teams[name]; ok {
			continue
		}
		hint := "teams: " + strings.Join(names, ", ")
		if s := suggest(name, names); s != "" {
			hint = "did you mean " + strconv.Quote(s) + "?"
		}
		p.errf(r.node, "%s: unknown team %s (%s)", r.path, quote(name), hint)
	}
}

func (p *parser) team(k, n *yaml.Node, where string) (Team, bool) {
	t := Team{Name: k.Value}
	ok := true
	okObj := p.object(k, n, where,
		key{"reps", true, func(rk, v *yaml.Node) {
			p.list(v, where+".reps", func(item *yaml.Node, path string) {
				if r, good := p.rep(item, path); good {
					t.Reps = append(t.Reps, r)
				} else {
					ok = false
				}
			})
			if len(t.Reps) == 0 && ok {
				p.errf(rk, "%s: team has no reps", where)
				ok = false
			}
		}},
		key{"lead", false, func(_, v *yaml.Node) {
			var good bool
			t.Lead, good = p.rep(resolve(v), where+".lead")
			ok = ok && good
		}},
	)
	return t, ok && okObj
}

func (p *parser) rep(n *yaml.Node, where string) (Rep, bool) {
	var r Rep
	var emailNode *yaml.Node
	ok := true
	okObj := p.object(nil, n, where,
		key{"name", true, func(_, v *yaml.Node) {
			var good bool
			r.Name, good = p.str(v, where+".name")
			ok = ok && good
		}},
		key{"email", false, func(_, v *yaml.Node) { emailNode = v }},
		key{"away", false, func(_, v *yaml.Node) {
			var good bool
			r.Away, good = p.boolean(v, where+".away")
			ok = ok && good
		}},
	)
	if !okObj {
		return r, false
	}
	who := "rep"
	if r.Name != "" {
		who = "rep " + quote(r.Name)
	}
	if emailNode == nil || isNull(resolve(emailNode)) || strings.TrimSpace(resolve(emailNode).Value) == "" {
		at := n
		if emailNode != nil {
			at = emailNode
		}
		p.errf(at, "%s: %s without email", where, who)
		return r, false
	}
	raw, good := p.str(emailNode, where+".email")
	if !good {
		return r, false
	}
	email, reason := lead.NormaliseEmail(raw)
	if reason != "" {
		p.errf(emailNode, "%s: email %s %s", where, quote(raw), reason)
		return r, false
	}
	r.Email = email
	return r, ok
}

func (p *parser) sla(k, n *yaml.Node, where string) time.Duration {
	d := DefaultSLA
	p.object(k, n, where,
		key{"first_response", true, func(_, v *yaml.Node) {
			if v, ok := p.duration(v, where+".first_response"); ok {
				d = v
			}
		}},
	)
	return d
}

func (p *parser) rejectReasons(n *yaml.Node, where string) []RejectReason {
	var out []RejectReason
	first := map[string]int{}
	p.list(n, where, func(item *yaml.Node, path string) {
		var r RejectReason
		var codeNode *yaml.Node
		okCode, okLabel, okAction := false, false, false
		p.object(nil, item, path,
			key{"code", true, func(_, v *yaml.Node) {
				codeNode = v
				r.Code, okCode = p.code(v, path+".code")
			}},
			key{"label", true, func(_, v *yaml.Node) {
				r.Label, okLabel = p.str(v, path+".label")
				if okLabel && r.Label == "" {
					p.errf(v, "%s.label: empty label", path)
					okLabel = false
				}
			}},
			key{"action", true, func(_, v *yaml.Node) {
				r.Action, okAction = p.str(v, path+".action")
				if okAction && r.Action != ActionDisqualify && r.Action != ActionNurture {
					p.errf(v, "%s.action: unknown action %s (use %s or %s)", path, quote(r.Action), ActionDisqualify, ActionNurture)
					okAction = false
				}
			}},
		)
		if okCode {
			if line, dup := first[r.Code]; dup {
				p.errf(codeNode, "%s: duplicate reject reason code %s (first at line %d)", path, quote(r.Code), line)
				return
			}
			first[r.Code] = codeNode.Line
		}
		if okCode && okLabel && okAction {
			out = append(out, r)
		}
	})
	return out
}
