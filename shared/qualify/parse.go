package qualify

import (
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/wallclock"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Parse reads and validates a config. filename is only used in messages.
// On failure the error wraps ErrInvalid and is a *ConfigError listing every
// problem as "file:line: message", one per line. Parse never panics.
func Parse(data []byte, filename string) (*Config, error) {
	if filename == "" {
		filename = "qualify.yaml"
	}
	p := &parser{Parser: yamlconf.Parser{File: filename}}
	root, err := yamlconf.Decode(data)
	if err != nil {
		p.SyntaxError(err, data)
		return nil, p.Err(ErrInvalid)
	}
	if root == nil {
		p.Errf(&yaml.Node{Line: 1}, "empty config: expected version: 1 and the sections fit, thresholds and routing")
		return nil, p.Err(ErrInvalid)
	}
	c := p.config(root)
	if err := p.Err(ErrInvalid); err != nil {
		return nil, err
	}
	return c, nil
}

// parser walks the YAML node tree by hand rather than decoding into
// structs (see package yamlconf): that keeps a line number for every
// message, rejects unknown and duplicate keys, and collects every problem
// instead of stopping at the first.
type parser struct{ yamlconf.Parser }

var (
	slugRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	answerKeyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
)

// config walks the top level. Sections that refer to others (routing rules
// to teams, campaigns to the base profile) are checked once all are read,
// so the order of sections in the file does not matter.
func (p *parser) config(root *yaml.Node) *Config {
	c := &Config{sla: DefaultSLA, unanswered: DefaultReturnUnanswered, outcomes: DefaultOutcomes}
	c.base.halfLife, c.base.repeat, c.base.perDay = DefaultHalfLife, DefaultRepeatWindow, DefaultMaxPerDay
	var campaigns, routing, routingKey, retired *yaml.Node
	p.Object(root, root, "",
		yamlconf.Required("version", func(_, v *yaml.Node) { p.version(v) }),
		yamlconf.Required("fit", func(k, v *yaml.Node) { c.base.fit, c.base.grades = p.fit(k, v, "fit") }),
		yamlconf.Optional("engagement", func(k, v *yaml.Node) {
			p.engagement(k, v, "engagement", &c.base)
		}),
		yamlconf.Optional("disqualifiers", func(_, v *yaml.Node) { c.base.disqualifiers = p.disqualifiers(v, "disqualifiers") }),
		yamlconf.Required("thresholds", func(k, v *yaml.Node) { c.base.thresholds = p.thresholds(k, v, "thresholds") }),
		yamlconf.Required("routing", func(k, v *yaml.Node) { routingKey, routing = k, v }),
		yamlconf.Optional("sla", func(k, v *yaml.Node) { c.sla, c.unanswered, c.hours = p.sla(k, v, "sla") }),
		yamlconf.Optional("outcomes", func(k, v *yaml.Node) { c.outcomes = p.outcomes(k, v, "outcomes") }),
		yamlconf.Optional("reject_reasons", func(_, v *yaml.Node) { c.rejects = p.rejectReasons(v, "reject_reasons") }),
		yamlconf.Optional("campaigns", func(_, v *yaml.Node) { campaigns = v }),
		yamlconf.Optional("retired_reasons", func(_, v *yaml.Node) { retired = v }),
	)
	if routingKey != nil {
		p.routing(c, routingKey, routing, "routing")
	}
	c.campaigns = p.campaigns(&c.base, campaigns, "campaigns")
	if retired != nil {
		c.retired = p.retiredReasons(c, retired, "retired_reasons")
	}
	return c
}

func (p *parser) version(n *yaml.Node) {
	if s, ok := p.Str(n, "version"); ok && s != "1" {
		p.Errf(n, "unsupported version %s (this build reads version 1)", yamlconf.Quote(s))
	}
}

// --- scoring sections --------------------------------------------------

func (p *parser) fit(k, n *yaml.Node, where string) (rules []fitRule, grades [3]int) {
	p.Object(k, n, where,
		yamlconf.Required("rules", func(_, v *yaml.Node) {
			p.List(v, where+".rules", func(item *yaml.Node, path string) {
				if r, ok := p.fitRule(item, path); ok {
					rules = append(rules, r)
				}
			})
		}),
		yamlconf.Required("grades", func(k, v *yaml.Node) { grades = p.grades(k, v, where+".grades") }),
	)
	return rules, grades
}

func (p *parser) fitRule(n *yaml.Node, where string) (fitRule, bool) {
	var b predBuilder
	var r fitRule
	hasPoints := false
	keys := append(b.keys(),
		yamlconf.Required("points", func(_, v *yaml.Node) { r.points, hasPoints = p.points(v, where+".points") }),
		yamlconf.Optional("label", func(_, v *yaml.Node) { r.label, _ = p.Str(v, where+".label") }),
	)
	okObj := p.Object(nil, n, where, keys...)
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
	keys := make([]yamlconf.Key, 3)
	for i := range keys {
		keys[i] = yamlconf.Required(gradeNames[i], func(_, v *yaml.Node) {
			g[i], have[i] = p.points(v, where+"."+gradeNames[i])
		})
	}
	p.Object(k, n, where, keys...)
	if have[0] && have[1] && have[2] && !(g[0] > g[1] && g[1] > g[2]) {
		p.Errf(k, "%s: must be strictly descending A > B > C (got A %d, B %d, C %d)", where, g[0], g[1], g[2])
	}
	return g
}

func (p *parser) engagement(k, n *yaml.Node, where string, pr *profile) {
	halfLife, repeat, perDay := DefaultHalfLife, DefaultRepeatWindow, DefaultMaxPerDay
	var signals []signalRule
	index := map[string]int{}
	lines := map[string]int{}
	p.Object(k, n, where,
		yamlconf.Optional("half_life", func(_, v *yaml.Node) {
			if d, ok := p.Duration(v, where+".half_life"); ok {
				halfLife = d
			}
		}),
		yamlconf.Optional("repeat_window", func(_, v *yaml.Node) {
			if d, ok := p.Duration(v, where+".repeat_window"); ok {
				repeat = d
			}
		}),
		yamlconf.Optional("max_per_day", func(_, v *yaml.Node) {
			if n, ok := p.Number(v, where+".max_per_day"); ok {
				if n < 0 || n != math.Trunc(n) {
					p.Errf(v, "%s.max_per_day: must be a whole number, 0 (no cap) or more, got %v", where, n)
					return
				}
				perDay = int(n)
			}
		}),
		yamlconf.Required("signals", func(_, v *yaml.Node) {
			p.List(v, where+".signals", func(item *yaml.Node, path string) {
				s, kindNode, ok := p.signal(item, path)
				if !ok {
					return
				}
				if line, dup := lines[s.kind]; dup {
					p.Errf(kindNode, "%s: duplicate signal %s (first at line %d)", path, yamlconf.Quote(s.kind), line)
					return
				}
				lines[s.kind] = kindNode.Line
				index[s.kind] = len(signals)
				signals = append(signals, s)
			})
		}),
	)
	for i := range signals {
		if signals[i].halfLife == 0 {
			signals[i].halfLife = halfLife
		}
	}
	pr.halfLife, pr.repeat, pr.perDay, pr.signals, pr.signalIndex = halfLife, repeat, perDay, signals, index
}

func (p *parser) signal(n *yaml.Node, where string) (signalRule, *yaml.Node, bool) {
	var s signalRule
	var kindNode *yaml.Node
	okKind, okPoints, okHalf := false, false, true
	okObj := p.Object(nil, n, where,
		yamlconf.Required("signal", func(_, v *yaml.Node) {
			kindNode = v
			s.kind, okKind = p.Str(v, where+".signal")
			if okKind {
				okKind = p.signalKind(v, s.kind, where)
			}
		}),
		yamlconf.Required("points", func(_, v *yaml.Node) { s.points, okPoints = p.points(v, where+".points") }),
		yamlconf.Optional("half_life", func(_, v *yaml.Node) { s.halfLife, okHalf = p.Duration(v, where+".half_life") }),
	)
	if !okObj || !okKind || !okPoints || !okHalf {
		return s, nil, false
	}
	s.file, s.line, s.where = p.File, kindNode.Line, where
	if form, ok := strings.CutPrefix(s.kind, formPrefix); ok {
		s.display = strings.ToLower(lead.FormLabel(form)) + " form" // "demo request form"
	} else if page, ok := lead.NamedPage(s.kind); ok {
		s.display = page + " page view" // "demo page view"
	} else {
		s.display = strings.ReplaceAll(s.kind, "_", " ")
	}
	return s, kindNode, true
}

func (p *parser) signalKind(n *yaml.Node, kind, where string) bool {
	if problem := SignalKindProblem(kind); problem != "" {
		p.Errf(n, "%s: %s", where, problem)
		return false
	}
	return true
}

func (p *parser) disqualifiers(n *yaml.Node, where string) []disqualifier {
	var out []disqualifier
	p.List(n, where, func(item *yaml.Node, path string) {
		var b predBuilder
		var d disqualifier
		okReason := false
		okObj := p.Object(nil, item, path, append(b.keys(),
			yamlconf.Required("reason", func(_, v *yaml.Node) { d.code, okReason = p.code(v, path+".reason") }),
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

// maxPoints bounds points so sums cannot overflow and typos stand out.
const maxPoints = 1000

func (p *parser) points(n *yaml.Node, where string) (int, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
	if err != nil || v < -maxPoints || v > maxPoints {
		p.Errf(n, "%sexpected a whole number of points from -%d to %d, got %s", yamlconf.At(where), maxPoints, maxPoints, yamlconf.Quote(s))
		return 0, false
	}
	return v, true
}

// code reads a reason code: lowercase letters, digits, - and _.
func (p *parser) code(n *yaml.Node, where string) (string, bool) {
	if yamlconf.IsNull(yamlconf.Resolve(n)) {
		p.Errf(n, "%s: empty reason code", where)
		return "", false
	}
	s, ok := p.Str(n, where)
	switch {
	case !ok:
		return "", false
	case s == "":
		p.Errf(n, "%s: empty reason code", where)
		return "", false
	case !slugRe.MatchString(s) || len(s) > 64:
		p.Errf(n, "%s: reason code %s must be lowercase letters, digits, - or _ (like job_seeker)", where, yamlconf.Quote(s))
		return "", false
	}
	return s, true
}

func (p *parser) thresholds(k, n *yaml.Node, where string) [4]threshold {
	var out [4]threshold
	var seen [4]bool
	p.Pairs(n, where, func(gk, v *yaml.Node) {
		g := slices.Index(gradeNames[:], gk.Value)
		if g < 0 {
			p.Errf(gk, "%s: unknown grade %s (use A, B, C, D)", where, yamlconf.Quote(gk.Value))
			return
		}
		seen[g] = true
		path := where + "." + gk.Value
		var t threshold
		p.Object(gk, v, path,
			yamlconf.Optional("hot", func(_, v *yaml.Node) { t.hot, t.hasHot = p.Number(v, path+".hot") }),
			yamlconf.Optional("warm", func(_, v *yaml.Node) { t.warm, t.hasWarm = p.Number(v, path+".warm") }),
		)
		if t.hasHot && t.hasWarm && t.hot <= t.warm {
			p.Errf(gk, "%s: hot (%s) must be above warm (%s) — overlapping thresholds",
				path, formatNumber(t.hot), formatNumber(t.warm))
		}
		out[g] = t
	})
	// Every grade is listed, {} for one never warm or hot: a grade left
	// out would be that without a word (a campaign's override of A alone
	// silently dropping B and C).
	if r := yamlconf.Resolve(n); yamlconf.IsNull(r) || r.Kind == yaml.MappingNode {
		for g, ok := range seen {
			if !ok {
				p.Errf(k, "%s: missing grade %s (write %s: {} for a grade that is never warm or hot)", where, gradeNames[g], gradeNames[g])
			}
		}
	}
	return out
}

// campaigns reads per-campaign overrides. Each becomes a complete profile:
// a copy of base with the overridden sections replaced.
func (p *parser) campaigns(base *profile, n *yaml.Node, where string) map[string]*profile {
	out := map[string]*profile{}
	p.Pairs(n, where, func(k, v *yaml.Node) {
		id := k.Value
		if !slugRe.MatchString(id) || len(id) > 64 {
			p.Errf(k, "%s: campaign id %s must be lowercase letters, digits, - or _, as in the lead's campaign", where, yamlconf.Quote(id))
			return
		}
		out[id] = p.override(base, k, v, where+"."+id)
	})
	return out
}

// override reads one campaign's overrides under key k: a copy of base with
// the overridden sections replaced.
func (p *parser) override(base *profile, k, v *yaml.Node, path string) *profile {
	pr := *base
	overrides := 0
	p.Object(k, v, path,
		yamlconf.Optional("fit", func(k, v *yaml.Node) {
			overrides++
			pr.fit, pr.grades = p.fit(k, v, path+".fit")
		}),
		yamlconf.Optional("engagement", func(k, v *yaml.Node) {
			overrides++
			p.engagement(k, v, path+".engagement", &pr)
		}),
		yamlconf.Optional("disqualifiers", func(_, v *yaml.Node) {
			overrides++
			pr.disqualifiers = p.disqualifiers(v, path+".disqualifiers")
		}),
		yamlconf.Optional("thresholds", func(k, v *yaml.Node) {
			overrides++
			pr.thresholds = p.thresholds(k, v, path+".thresholds")
		}),
	)
	if rv := yamlconf.Resolve(v); overrides == 0 && (yamlconf.IsNull(rv) || rv.Kind == yaml.MappingNode) {
		p.Errf(k, "%s: overrides nothing (give fit, engagement, disqualifiers or thresholds)", path)
	}
	return &pr
}

// WithCampaign returns a copy of c with one campaign's overrides, read
// from the value v of key k in file (a campaign file's qualify: section),
// with the same fields and file:line errors as the config's campaigns
// section. A campaign overridden in both places is an error: one place
// must say how its leads are scored.
func (c *Config) WithCampaign(file, id string, k, v *yaml.Node) (*Config, error) {
	p := &parser{Parser: yamlconf.Parser{File: file}}
	if _, dup := c.campaigns[id]; dup {
		p.Errf(k, "qualify: campaign %s is also overridden in the qualification config's campaigns section; keep one of the two", yamlconf.Quote(id))
		return nil, p.Err(ErrInvalid)
	}
	pr := p.override(&c.base, k, v, "qualify")
	if err := p.Err(ErrInvalid); err != nil {
		return nil, err
	}
	out := *c
	out.campaigns = maps.Clone(c.campaigns)
	if out.campaigns == nil {
		out.campaigns = map[string]*profile{}
	}
	out.campaigns[id] = pr
	return &out, nil
}

// --- routing, SLA, reject reasons ---------------------------------------

func (p *parser) routing(c *Config, k, n *yaml.Node, where string) {
	c.teams = map[string]Team{}
	type ref struct {
		node *yaml.Node
		path string
	}
	var refs []ref
	c.zone = time.UTC
	p.Object(k, n, where,
		yamlconf.Optional("time_zone", func(_, v *yaml.Node) {
			if z := p.zone(v, where+".time_zone"); z != nil {
				c.zone = z
			}
		}),
		yamlconf.Required("teams", func(k, v *yaml.Node) {
			count := 0
			p.Pairs(v, where+".teams", func(tk, tv *yaml.Node) {
				count++

				t, _ := p.team(tk, tv, where+".teams."+tk.Value)
				c.teams[t.Name] = t
			})
			if count == 0 && (yamlconf.IsNull(yamlconf.Resolve(v)) || yamlconf.Resolve(v).Kind == yaml.MappingNode) {
				p.Errf(k, "%s.teams: no teams", where)
			}
		}),
		yamlconf.Optional("rules", func(_, v *yaml.Node) {
			p.List(v, where+".rules", func(item *yaml.Node, path string) {
				var b predBuilder
				var r route
				var teamNode *yaml.Node
				okObj := p.Object(nil, item, path, append(b.keys(),
					yamlconf.Required("team", func(_, v *yaml.Node) {
						if s, ok := p.Str(v, path+".team"); ok {
							r.team, teamNode = s, v
						}
					}),
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
		}),
		yamlconf.Required("default_team", func(_, v *yaml.Node) {
			if s, ok := p.Str(v, where+".default_team"); ok {
				c.defaultTeam = s
				refs = append(refs, ref{v, where + ".default_team"})
			}
		}),
	)
	names := make([]string, 0, len(c.teams))
	for name := range c.teams {
		names = append(names, name)
	}
	sort.Strings(names)
	// Zones: a rep's own, else its team's, else the routing's.
	for name, t := range c.teams {
		if t.Zone == nil {
			t.Zone = c.zone
		}
		for i := range t.Reps {
			if t.Reps[i].Zone == nil {
				t.Reps[i].Zone = t.Zone
			}
		}
		if t.Lead.Zone == nil {
			t.Lead.Zone = t.Zone
		}
		// Working hours: the team's own, else sla.hours; in their own
		// zone, else the team's.
		if t.Hours == nil && c.hours != nil {
			h := *c.hours
			t.Hours = &h
		}
		if t.Hours != nil && t.Hours.Zone == nil {
			h := *t.Hours
			h.Zone = t.Zone
			t.Hours = &h
		}
		c.teams[name] = t
	}
	for _, r := range refs {
		name := strings.TrimSpace(r.node.Value)
		if _, ok := c.teams[name]; ok {
			continue
		}
		hint := "teams: " + strings.Join(names, ", ")
		if s := yamlconf.Suggest(name, names); s != "" {
			hint = "did you mean " + strconv.Quote(s) + "?"
		}
		p.Errf(r.node, "%s: unknown team %s (%s)", r.path, yamlconf.Quote(name), hint)
	}
}

func (p *parser) team(k, n *yaml.Node, where string) (Team, bool) {
	t := Team{Name: k.Value}
	ok := true
	okObj := p.Object(k, n, where,
		yamlconf.Required("reps", func(rk, v *yaml.Node) {
			first := map[string]int{} // address → line of its first listing
			p.List(v, where+".reps", func(item *yaml.Node, path string) {
				r, good := p.rep(item, path)
				if !good {
					ok = false
					return
				}
				// Listed twice, a rep would take two turns of every round.
				if line, dup := first[r.Email]; dup {
					p.Errf(item, "%s: rep %s (%s) is listed twice in the team (first at line %d)", path, yamlconf.Quote(r.Name), r.Email, line)
					ok = false
					return
				}
				first[r.Email] = item.Line
				t.Reps = append(t.Reps, r)
			})
			if len(t.Reps) == 0 && ok {
				p.Errf(rk, "%s: team has no reps", where)
				ok = false
			}
		}),
		yamlconf.Optional("lead", func(_, v *yaml.Node) {
			var good bool
			v = yamlconf.Resolve(v)
			t.Lead, good = p.rep(v, where+".lead")
			ok = ok && good
			if good && t.Lead.Away {
				// Nothing skips a team lead: taken, away would do nothing.
				at := v
				for i := 0; i+1 < len(v.Content); i += 2 {
					if v.Content[i].Value == "away" {
						at = v.Content[i+1]
					}
				}
				p.Errf(at, "%s.lead.away: a team lead cannot be marked away (escalations and held-alert summaries go to the team lead): name a stand-in as the lead while they are away", where)
				ok = false
			}
		}),
		yamlconf.Optional("time_zone", func(_, v *yaml.Node) {
			t.Zone = p.zone(v, where+".time_zone")
			ok = ok && t.Zone != nil
		}),
		yamlconf.Optional("hours", func(k, v *yaml.Node) {
			var good bool
			t.Hours, good = p.hours(k, v, where+".hours")
			ok = ok && good
		}),
	)
	return t, ok && okObj
}

// hours reads working hours, {from: "08:00", to: "18:00", days: [mon,
// tue, wed, thu, fri], time_zone: Europe/Berlin, holidays: [2026-12-24,
// 12-25]} (12-25: every year);
// the zone is nil when it names none (the team's then). nil after an
// error.
func (p *parser) hours(k, n *yaml.Node, where string) (*wallclock.Hours, bool) {
	var h wallclock.Hours
	var fromNode, toNode *yaml.Node
	ok := true
	clock := func(v *yaml.Node, path string, end bool) int {
		m, good := p.ClockTime(v, path, end)
		ok = ok && good
		return m
	}
	okObj := p.Object(k, n, where,
		yamlconf.Required("from", func(_, v *yaml.Node) { fromNode, h.From = v, clock(v, where+".from", false) }),
		yamlconf.Required("to", func(_, v *yaml.Node) { toNode, h.To = v, clock(v, where+".to", true) }),
		yamlconf.Required("days", func(k, v *yaml.Node) {
			var good bool
			h.Days, good = p.Weekdays(k, v, where+".days", "no days (list the working days, such as [mon, tue, wed, thu, fri])")
			ok = ok && good
		}),
		yamlconf.Optional("time_zone", func(_, v *yaml.Node) {
			h.Zone = p.zone(v, where+".time_zone")
			ok = ok && h.Zone != nil
		}),
		yamlconf.Optional("holidays", func(_, v *yaml.Node) {
			var good bool
			h.Holidays, good = p.Holidays(v, where+".holidays")
			ok = ok && good
		}),
	)
	if ok && okObj && fromNode != nil && toNode != nil && h.To <= h.From {
		p.Errf(toNode, "%s: to (%s) must be after from (%s); working hours cannot span midnight (for a night shift, run the team around the clock: from 00:00 to 24:00)",
			where, wallclock.Clock(h.To), wallclock.Clock(h.From))
		ok = false
	}
	if !ok || !okObj {
		return nil, false
	}
	return &h, true
}

// zone reads an IANA time zone name ("Europe/Berlin"); nil after an
// error.
func (p *parser) zone(n *yaml.Node, where string) *time.Location {
	s, ok := p.Str(n, where)
	if !ok {
		return nil
	}
	name := strings.TrimSpace(s)
	z, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		p.Errf(n, "%s: unknown time zone %s (an IANA name, like Europe/Berlin or America/New_York)", where, yamlconf.Quote(s))
		return nil
	}
	return z
}

func (p *parser) rep(n *yaml.Node, where string) (Rep, bool) {
	var r Rep
	var emailNode *yaml.Node
	ok := true
	okObj := p.Object(nil, n, where,
		yamlconf.Required("name", func(_, v *yaml.Node) {
			var good bool
			r.Name, good = p.Str(v, where+".name")
			ok = ok && good
		}),
		yamlconf.Optional("email", func(_, v *yaml.Node) { emailNode = v }),
		yamlconf.Optional("away", func(_, v *yaml.Node) {
			var good bool
			r.Away, good = p.Boolean(v, where+".away")
			ok = ok && good
		}),
		yamlconf.Optional("time_zone", func(_, v *yaml.Node) {
			r.Zone = p.zone(v, where+".time_zone")
			ok = ok && r.Zone != nil
		}),
	)
	if !okObj {
		return r, false
	}
	who := "rep"
	if r.Name != "" {
		who = "rep " + yamlconf.Quote(r.Name)
	}
	if emailNode == nil || yamlconf.IsNull(yamlconf.Resolve(emailNode)) || strings.TrimSpace(yamlconf.Resolve(emailNode).Value) == "" {
		at := n
		if emailNode != nil {
			at = emailNode
		}
		p.Errf(at, "%s: %s without email", where, who)
		return r, false
	}
	raw, good := p.Str(emailNode, where+".email")
	if !good {
		return r, false
	}
	email, reason := lead.NormaliseEmail(raw)
	if reason != "" {
		p.Errf(emailNode, "%s: email %s %s", where, yamlconf.Quote(raw), reason)
		return r, false
	}
	r.Email = email
	return r, ok
}

// sla reads the first-response deadline and how long an unanswered
// hand-off stays with sales (which must leave room for the escalation and
// a week of the alert's links).
func (p *parser) sla(k, n *yaml.Node, where string) (first, unanswered time.Duration, hours *wallclock.Hours) {
	first, unanswered = DefaultSLA, DefaultReturnUnanswered
	var unansweredNode *yaml.Node
	p.Object(k, n, where,
		yamlconf.Required("first_response", func(_, v *yaml.Node) {
			if v, ok := p.Duration(v, where+".first_response"); ok {
				first = v
			}
		}),
		yamlconf.Optional("return_unanswered", func(_, v *yaml.Node) {
			if d, ok := p.Duration(v, where+".return_unanswered"); ok {
				unanswered, unansweredNode = d, v
			}
		}),
		yamlconf.Optional("hours", func(k, v *yaml.Node) { hours, _ = p.hours(k, v, where+".hours") }),
	)
	if unansweredNode != nil && unanswered < MinReturnUnanswered {
		p.Errf(unansweredNode, "%s.return_unanswered (%s) must be at least %dd: the alert's links work for a week, and the team lead needs time after the escalation",
			where, unansweredNode.Value, MinReturnUnanswered/(24*time.Hour))
	}
	return first, unanswered, hours
}

func (p *parser) outcomes(k, n *yaml.Node, where string) Outcomes {
	o := DefaultOutcomes
	rateNodes := map[string]*yaml.Node{}
	dur := func(dst *time.Duration, name string) yamlconf.Key {
		return yamlconf.Optional(name, func(_, v *yaml.Node) {
			d, ok := p.Duration(v, where+"."+name)
			if ok && d <= 0 {
				p.Errf(v, "%s.%s: must be positive", where, name)
				return
			}
			if ok {
				*dst = d
			}
		})
	}
	p.Object(k, n, where, dur(&o.Horizon, "horizon"), dur(&o.RemindAfter, "remind_after"),
		yamlconf.Optional("currency", func(_, v *yaml.Node) {
			if s, ok := p.Str(v, where+".currency"); ok {
				if !IsCurrency(s) {
					p.Errf(v, "%s.currency: %s is not a three-letter ISO 4217 code like EUR or USD", where, yamlconf.Quote(s))
					return
				}
				o.Currency = s
			}
		}),
		yamlconf.Optional("rates", func(_, v *yaml.Node) { o.Rates = p.rates(v, where+".rates", rateNodes) }))
	if rateNodes[o.Currency] != nil {
		p.Errf(rateNodes[o.Currency], "%s.rates.%s: %s is the reporting currency (outcomes.currency): it needs no rate", where, o.Currency, o.Currency)
		delete(o.Rates, o.Currency)
	}
	if o.RemindAfter >= o.Horizon {
		p.Errf(n, "%s: remind_after (%s) must be shorter than horizon (%s)", where, yamlconf.FormatDuration(o.RemindAfter), yamlconf.FormatDuration(o.Horizon))
	}
	return o
}

func (p *parser) rejectReasons(n *yaml.Node, where string) []RejectReason {
	var out []RejectReason
	first := map[string]int{}
	p.List(n, where, func(item *yaml.Node, path string) {
		var r RejectReason
		var codeNode *yaml.Node
		okCode, okLabel, okAction := false, false, false
		p.Object(nil, item, path,
			yamlconf.Required("code", func(_, v *yaml.Node) {
				codeNode = v
				r.Code, okCode = p.code(v, path+".code")
			}),
			yamlconf.Required("label", func(_, v *yaml.Node) {
				r.Label, okLabel = p.Str(v, path+".label")
				if okLabel && r.Label == "" {
					p.Errf(v, "%s.label: empty label", path)
					okLabel = false
				}
			}),
			yamlconf.Required("action", func(_, v *yaml.Node) {
				r.Action, okAction = p.Str(v, path+".action")
				if okAction && r.Action != ActionDisqualify && r.Action != ActionNurture {
					p.Errf(v, "%s.action: unknown action %s (use %s or %s)", path, yamlconf.Quote(r.Action), ActionDisqualify, ActionNurture)
					okAction = false
				}
			}),
		)
		if okCode {
			if line, dup := first[r.Code]; dup {
				p.Errf(codeNode, "%s: duplicate reject reason code %s (first at line %d)", path, yamlconf.Quote(r.Code), line)
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

// retiredReasons reads retired_reasons: reason codes an earlier config
// gave (a disqualifier or reject reason since renamed or removed) that
// leads still carry, so that segments may name them. A code this config
// still gives is refused: listing it says the wrong thing.
func (p *parser) retiredReasons(c *Config, n *yaml.Node, where string) []string {
	given := map[string]string{}
	for _, pr := range append([]*profile{&c.base}, slices.Collect(maps.Values(c.campaigns))...) {
		for _, d := range pr.disqualifiers {
			given[d.code] = "disqualifiers"
		}
	}
	for _, r := range c.rejects {
		given[r.Code] = "reject_reasons"
	}
	var out []string
	p.List(n, where, func(item *yaml.Node, path string) {
		code, ok := p.code(item, path)
		switch {
		case !ok:
		case given[code] != "":
			p.Errf(item, "%s: %s is a reason code this config gives (%s); list only codes it no longer gives", path, yamlconf.Quote(code), given[code])
		case slices.Contains(out, code):
			p.Errf(item, "%s: %s is listed twice", path, yamlconf.Quote(code))
		default:
			out = append(out, code)
		}
	})
	return out
}

// rates reads outcomes.rates: ISO code → a positive number (how many
// units of the reporting currency one unit is worth).
func (p *parser) rates(n *yaml.Node, where string, nodes map[string]*yaml.Node) map[string]float64 {
	out := map[string]float64{}
	p.Pairs(n, where, func(k, v *yaml.Node) {
		if !IsCurrency(k.Value) {
			p.Errf(k, "%s: %s is not a three-letter ISO 4217 code like USD", where, yamlconf.Quote(k.Value))
			return
		}
		f, ok := p.Number(v, where+"."+k.Value)
		if !ok {
			return
		}
		if !(f > 0) || math.IsInf(f, 0) {
			p.Errf(v, "%s.%s: must be a positive number (one %s in the reporting currency), got %s", where, k.Value, k.Value, yamlconf.Quote(v.Value))
			return
		}
		out[k.Value], nodes[k.Value] = f, k
	})
	return out
}
