package nurture

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

func (p *parser) sequences(c *Config, k, n *yaml.Node) {
	first := map[string]int{}
	count := 0
	type fromRef struct {
		seq  *sequence
		node *yaml.Node
		id   string
	}
	var froms, replaces []fromRef
	valid := map[string]bool{}
	p.List(n, "sequences", func(item *yaml.Node, path string) {
		count++
		s, idNode, ok := p.sequence(item, path)
		if idNode == nil || s.id == "" {
			return
		}
		if line, dup := first[s.id]; dup {
			p.Errf(idNode, "%s: duplicate sequence id %s (first at line %d)", path, yamlconf.Quote(s.id), line)
			return
		}
		first[s.id] = idNode.Line
		for i, id := range s.replaces {
			replaces = append(replaces, fromRef{s, s.replacesNodes[i], id})
		}
		if ok {
			valid[s.id] = true
			c.sequences = append(c.sequences, s)
			c.byID[s.id] = s
			for i, id := range s.entry.from {
				froms = append(froms, fromRef{s, s.entry.fromNodes[i], id})
			}
		}
	})
	if r := yamlconf.Resolve(n); count == 0 && (yamlconf.IsNull(r) || r.Kind == yaml.SequenceNode) {
		p.Errf(k, "sequences: no sequences")
	}
	// replaces names earlier ids, each gone from the file and replaced by
	// one sequence only: a lead stored in it must continue in exactly one.
	type replacedAt struct {
		seq  string
		line int
	}
	replaced := map[string]replacedAt{}
	for _, r := range replaces {
		where := "sequence " + r.seq.id + ", replaces"
		if prev, dup := replaced[r.id]; dup {
			if prev.seq == r.seq.id {
				p.Errf(r.node, "%s: %s is listed twice (first at line %d)", where, yamlconf.Quote(r.id), prev.line)
			} else {
				p.Errf(r.node, "%s: %s is replaced by sequence %s already (line %d); leads stored in it can continue in one sequence only",
					where, yamlconf.Quote(r.id), prev.seq, prev.line)
			}
			continue
		}
		replaced[r.id] = replacedAt{r.seq.id, r.node.Line}
		switch line, live := first[r.id]; {
		case r.id == r.seq.id:
			p.Errf(r.node, "%s: %s is this sequence's own id (list only the ids it had before)", where, yamlconf.Quote(r.id))
		case live:
			p.Errf(r.node, "%s: %s is a sequence of this file (line %d); a sequence replaces only ids no longer in it (remove or rename that one)",
				where, yamlconf.Quote(r.id), line)
		case valid[r.seq.id]:
			c.replacedBy[r.id] = r.seq
		}
	}
	// from names other sequences: checked once all are read.
	for _, f := range froms {
		if _, ok := c.byID[f.id]; !ok || f.id == f.seq.id {
			if r, renamed := replaced[f.id]; renamed && r.seq != f.seq.id {
				p.Errf(f.node, "sequence %s, entry.from: %s is now sequence %s (its replaces, line %d): name %s",
					f.seq.id, yamlconf.Quote(f.id), r.seq, r.line, r.seq)
				continue
			}
			p.Errf(f.node, "sequence %s, entry.from: %s is not another sequence of this file (have %s)",
				f.seq.id, yamlconf.Quote(f.id), strings.Join(c.Sequences(), ", "))
		}
	}
}

// sequence reads one sequence. Its entry and steps are read once its id is
// known, so their messages can name it.
func (p *parser) sequence(n *yaml.Node, where string) (*sequence, *yaml.Node, bool) {
	s := &sequence{index: map[string]int{}}
	var idNode, replacesNode, entryKey, entryNode, stepsKey, stepsNode *yaml.Node
	before := p.Count()
	p.Object(nil, n, where,
		yamlconf.Required("id", func(_, v *yaml.Node) {
			idNode = v
			s.id, _ = p.id(v, where+".id", "sequence id")
		}),
		yamlconf.Optional("replaces", func(_, v *yaml.Node) { replacesNode = v }),
		yamlconf.Optional("entry", func(k, v *yaml.Node) { entryKey, entryNode = k, v }),
		yamlconf.Required("steps", func(k, v *yaml.Node) { stepsKey, stepsNode = k, v }),
	)
	if s.id != "" {
		where = "sequence " + s.id
	}
	if replacesNode != nil {
		_, nodes := p.Strs(replacesNode, where+".replaces")
		for _, n := range nodes {
			if id, ok := p.id(n, where+".replaces", "sequence id"); ok {
				s.replaces, s.replacesNodes = append(s.replaces, id), append(s.replacesNodes, n)
			}
		}
	}
	if entryKey != nil {
		s.entry = p.entry(entryKey, entryNode, where+", entry")
	}
	if stepsKey != nil {
		p.steps(s, stepsKey, stepsNode, where)
	}
	return s, idNode, p.Count() == before
}

var (
	temperatures = []string{"cold", "warm", "hot"}
	grades       = []string{"A", "B", "C", "D"}
)

func (p *parser) entry(k, n *yaml.Node, where string) entry {
	var e entry
	var fromKey *yaml.Node
	oneOf := func(v *yaml.Node, path string, allowed []string, norm func(string) string) []string {
		var out []string
		vals, nodes := p.Strs(v, path)
		for i, s := range vals {
			s = norm(s)
			if !slices.Contains(allowed, s) {
				p.Errf(nodes[i], "%s: unknown value %s (use %s)", path, yamlconf.Quote(vals[i]), strings.Join(allowed, ", "))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	// matching keeps the values of at most 64 characters that re matches,
	// reporting the others with msg (a format with the quoted value).
	matching := func(v *yaml.Node, path string, re *regexp.Regexp, msg string) []string {
		var out []string
		vals, nodes := p.Strs(v, path)
		for i, s := range vals {
			if !re.MatchString(s) || len(s) > 64 {
				p.Errf(nodes[i], "%s: "+msg, path, yamlconf.Quote(s))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	p.Object(k, n, where,
		yamlconf.Optional("temperatures", func(_, v *yaml.Node) {
			e.temperatures = oneOf(v, where+".temperatures", temperatures, strings.ToLower)
		}),
		yamlconf.Optional("grades", func(_, v *yaml.Node) {
			e.grades = oneOf(v, where+".grades", grades, strings.ToUpper)
		}),
		yamlconf.Optional("campaigns", func(_, v *yaml.Node) {
			e.campaigns = matching(v, where+".campaigns", idRe, "campaign id %s must be lowercase letters, digits, - or _, as in the lead's campaign")
		}),
		yamlconf.Optional("sent_back", func(_, v *yaml.Node) {
			if b, ok := p.Boolean(v, where+".sent_back"); ok {
				e.sentBack = &b
			}
		}),
		yamlconf.Optional("signals", func(_, v *yaml.Node) {
			vals, nodes := p.Strs(v, where+".signals")
			for i, s := range vals {
				if problem := triggerProblem(s); problem != "" {
					p.Errf(nodes[i], "%s.signals: %s", where, problem)
					continue
				}
				e.signals, e.signalNodes = append(e.signals, s), append(e.signalNodes, nodes[i])
			}
			if r := yamlconf.Resolve(v); r != nil && r.Kind == yaml.SequenceNode && len(r.Content) == 0 {
				p.Errf(v, "%s.signals: empty (list the signals that trigger the sequence, or leave signals out)", where)
			}
		}),
		yamlconf.Optional("from", func(k, v *yaml.Node) {
			fromKey = k
			vals, nodes := p.Strs(v, where+".from")
			e.from, e.fromNodes = vals, nodes
		}),
	)
	if fromKey != nil && len(e.signals) == 0 {
		p.Errf(fromKey, "%s.from: only a triggered sequence (one with signals) takes leads from other sequences", where)
		e.from, e.fromNodes = nil, nil
	}
	return e
}

// triggers are the signal kinds that move a nurtured lead into a
// sequence: what tracking records (clicks, opens, page views), besides
// the named page views of TRACK_PAGES (page_view:<name>).
var triggers = []string{signalEmailOpen, signalEmailClick, signalPageView, signalPricingPageView}

// triggerProblem says why kind cannot trigger a sequence, "" when it can.
func triggerProblem(kind string) string {
	if slices.Contains(triggers, kind) || lead.IsPageSignal(kind) {
		return ""
	}
	if strings.HasPrefix(kind, "form:") {
		return yamlconf.Quote(kind) + " never starts a sequence: a form re-grades the lead and places it by its campaign (name the sequence in the campaign file's sequence:)"
	}
	hint := "use " + strings.Join(triggers, ", ") + " or page_view:<name> of a page TRACK_PAGES names"
	if s := yamlconf.Suggest(kind, triggers); s != "" {
		hint = "did you mean " + strconv.Quote(s) + "?"
	}
	return yamlconf.Quote(kind) + " is no signal that starts a sequence (" + hint + ")"
}

// stepNodes keeps, while a sequence is read, the nodes its later checks
// point at.
type stepNodes struct {
	item, id         *yaml.Node
	thenNode, elseNd *yaml.Node // branch targets as written
}

var actions = []string{"send", "wait", "branch", "handoff", "exit"}

func (p *parser) steps(s *sequence, k, n *yaml.Node, where string) {
	before := p.Count()
	var nodes []stepNodes
	p.List(n, where+", steps", func(item *yaml.Node, path string) {
		i := len(s.steps)
		st, sn := p.step(item, where, i)
		if st.id != "" {
			if prev, dup := s.index[st.id]; dup {
				p.Errf(sn.id, "%s: duplicate step id %s (first at line %d)", where, yamlconf.Quote(st.id), nodes[prev].id.Line)
			} else {
				s.index[st.id] = i
			}
		}
		// A step with problems keeps its place, so later positions and
		// targets stay right.
		s.steps = append(s.steps, st)
		nodes = append(nodes, sn)
	})
	if len(s.steps) == 0 {
		if r := yamlconf.Resolve(n); yamlconf.IsNull(r) || r.Kind == yaml.SequenceNode {
			p.Errf(k, "%s: no steps", where)
		}
		return
	}
	p.targets(s, nodes, where)
	if p.Count() != before {
		return // the checks of the whole sequence would only repeat these problems
	}
	p.checkFlow(s, k, nodes, where)
}

// step reads one step: an id and exactly one action.
func (p *parser) step(n *yaml.Node, seqWhere string, i int) (step, stepNodes) {
	var st step
	sn := stepNodes{item: n}
	where := fmt.Sprintf("%s, steps[%d]", seqWhere, i)
	type action struct{ k, v *yaml.Node }
	var acts []action
	keys := []yamlconf.Key{yamlconf.Required("id", func(_, v *yaml.Node) { sn.id = v })}
	for _, name := range actions {
		keys = append(keys, yamlconf.Optional(name, func(k, v *yaml.Node) { acts = append(acts, action{k, v}) }))
	}
	ok := p.Object(nil, n, where, keys...)
	if r := yamlconf.Resolve(n); !ok && (r == nil || r.Kind != yaml.MappingNode) {
		return st, sn // not a step at all: Object said what it is
	}
	if sn.id != nil {
		if id, ok := p.id(sn.id, where+".id", "step id"); ok {
			st.id = id
			where = seqWhere + ", step " + id
		}
	}
	switch len(acts) {
	case 0:
		p.Errf(n, "%s: the step does nothing (give one of %s)", where, strings.Join(actions, ", "))
		return st, sn
	case 1:
	default:
		p.Errf(acts[1].k, "%s: one action per step (it has both %s and %s)", where, acts[0].k.Value, acts[1].k.Value)
		return st, sn
	}
	k, v := acts[0].k, acts[0].v
	path := where + "." + k.Value
	switch k.Value {
	case "send":
		if id, ok := p.id(v, path, "template id"); ok {
			if !p.templateIDs[id] {
				hint := "templates: " + strings.Join(p.sortedTemplateIDs(), ", ")
				if s := yamlconf.Suggest(id, p.sortedTemplateIDs()); s != "" {
					hint = "did you mean " + yamlconf.Quote(s) + "?"
				}
				p.Errf(v, "%s: unknown template %s (%s)", path, yamlconf.Quote(id), hint)
			}
			st.kind, st.template = stepSend, id
		}
	case "wait":
		if d, ok := p.Duration(v, path); ok {
			st.kind, st.wait = stepWait, d
			if strings.HasSuffix(strings.TrimSpace(yamlconf.Resolve(v).Value), "d") {
				st.days = int(d / (24 * time.Hour)) // "14d": days on the lead's clock
			}
		}
	case "branch":
		if cond, ok := p.branch(k, v, path, &sn); ok {
			st.kind, st.cond = stepBranch, cond
		}
	case "handoff":
		if b, ok := p.Boolean(v, path); ok {
			if !b {
				p.Errf(v, "%s: handoff: false does nothing (remove the step, or write handoff: true)", path)
			} else {
				st.kind = stepHandoff
			}
		}
	case "exit":
		if reason, ok := p.id(v, path, "exit reason"); ok {
			st.kind, st.exit = stepExit, reason
		}
	}
	return st, sn
}

func (p *parser) sortedTemplateIDs() []string {
	out := make([]string, 0, len(p.templateIDs))
	for id := range p.templateIDs {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// branch reads {if: condition, then: step, else: step}; the targets are
// resolved once every step of the sequence is known.
func (p *parser) branch(k, n *yaml.Node, where string, sn *stepNodes) (condition, bool) {
	var cond condition
	okCond := false
	okObj := p.Object(k, n, where,
		yamlconf.Required("if", func(_, v *yaml.Node) { cond, okCond = p.condition(v, where+".if") }),
		yamlconf.Required("then", func(_, v *yaml.Node) { sn.thenNode = v }),
		yamlconf.Optional("else", func(_, v *yaml.Node) { sn.elseNd = v }),
	)
	return cond, okObj && okCond
}

var conditions = []string{"opened", "clicked", "score_at_least", "grade_in", "visited"}

func (p *parser) condition(n *yaml.Node, where string) (condition, bool) {
	n = yamlconf.Resolve(n)
	unknown := func(at *yaml.Node, name string) {
		hint := "use " + strings.Join(conditions, ", ")
		if s := yamlconf.Suggest(name, conditions); s != "" {
			hint = "did you mean " + yamlconf.Quote(s) + "?"
		}
		p.Errf(at, "%s: unknown condition %s (%s)", where, yamlconf.Quote(name), hint)
	}
	switch {
	case yamlconf.IsNull(n):
		p.Errf(n, "%s: missing condition (use %s)", where, strings.Join(conditions, ", "))
	case n.Kind == yaml.ScalarNode:
		switch v := strings.TrimSpace(n.Value); v {
		case "opened":
			return condition{kind: condOpened}, true
		case "clicked":
			return condition{kind: condClicked}, true
		case "score_at_least", "grade_in", "visited":
			p.Errf(n, "%s: %s needs a value, as in {%s: %s}", where, v, v, map[string]string{
				"score_at_least": "40", "grade_in": "[A, B]", "visited": "/pricing"}[v])
		default:
			unknown(n, v)
		}
	case n.Kind == yaml.MappingNode:
		if len(n.Content) != 2 {
			p.Errf(n, "%s: one condition per branch (use another branch step for a second)", where)
			return condition{}, false
		}
		k, v := yamlconf.Resolve(n.Content[0]), n.Content[1]
		if k == nil || k.Kind != yaml.ScalarNode {
			p.Errf(n, "%s: expected a condition name, got %s", where, yamlconf.What(k))
			return condition{}, false
		}
		path := where + "." + k.Value
		switch k.Value {
		case "score_at_least":
			if f, ok := p.Number(v, path); ok {
				return condition{kind: condScoreAtLeast, score: f}, true
			}
		case "grade_in":
			vals, nodes := p.Strs(v, path)
			c := condition{kind: condGradeIn}
			ok := len(vals) > 0
			for i, g := range vals {
				if g = strings.ToUpper(g); !slices.Contains(grades, g) {
					p.Errf(nodes[i], "%s: unknown grade %s (use A, B, C, D)", path, yamlconf.Quote(vals[i]))
					ok = false
				}
				c.grades = append(c.grades, g)
			}
			if r := yamlconf.Resolve(v); len(vals) == 0 && (yamlconf.IsNull(r) || r.Kind == yaml.SequenceNode) {
				p.Errf(k, "%s: no grades", path)
			}
			return c, ok
		case "visited":
			s, ok := p.Str(v, path)
			if !ok {
				break
			}
			if !strings.HasPrefix(s, "/") || strings.ContainsAny(s, " \t") {
				p.Errf(v, "%s: page %s must be a path starting with /, like /pricing", path, yamlconf.Quote(s))
				break
			}
			return condition{kind: condVisited, path: cleanPath(s)}, true
		case "opened", "clicked":
			p.Errf(k, "%s: write if: %s (it takes no value)", where, k.Value)
		default:
			unknown(k, k.Value)
		}
	default:
		p.Errf(n, "%s: expected a condition, got %s", where, yamlconf.What(n))
	}
	return condition{}, false
}

// targets resolves the branch targets of a sequence: each must be a step
// of it that comes later (sequences only branch forward).
func (p *parser) targets(s *sequence, nodes []stepNodes, where string) {
	names := make([]string, 0, len(s.steps))
	for _, st := range s.steps {
		if st.id != "" {
			names = append(names, st.id)
		}
	}
	resolve := func(i int, n *yaml.Node, which string) (int, bool) {
		stepWhere := where + ", step " + s.steps[i].id
		id, ok := p.Str(n, stepWhere+".branch."+which)
		if !ok {
			return 0, false
		}
		t, known := s.index[id]
		if !known {
			hint := "steps: " + strings.Join(names, ", ")
			if sug := yamlconf.Suggest(id, names); sug != "" {
				hint = "did you mean " + yamlconf.Quote(sug) + "?"
			}
			p.Errf(n, "%s: branch target %s is not a step of this sequence (%s)", stepWhere, yamlconf.Quote(id), hint)
			return 0, false
		}
		if t <= i {
			if loopsWithoutAction(s.steps[t : i+1]) {
				p.Errf(n, "%s: jumping back to %s loops forever without a wait or send", stepWhere, yamlconf.Quote(id))
			} else {
				p.Errf(n, "%s: jumping back to %s is not allowed: sequences only branch forward, so each step runs at most once per lead", stepWhere, yamlconf.Quote(id))
			}
			return 0, false
		}
		return t, true
	}
	for i := range s.steps {
		st := &s.steps[i]
		if st.kind != stepBranch {
			continue
		}
		st.els = i + 1
		if nodes[i].thenNode != nil {
			st.then, _ = resolve(i, nodes[i].thenNode, "then")
		}
		if nodes[i].elseNd != nil {
			st.els, _ = resolve(i, nodes[i].elseNd, "else")
		}
	}
}

// loopsWithoutAction reports whether a run of steps that a branch at its
// end jumps back to the start of has no wait or send to pace it.
func loopsWithoutAction(steps []step) bool {
	for _, st := range steps {
		if st.kind == stepWait || st.kind == stepSend {
			return false
		}
	}
	return true
}

// checkFlow checks a sequence that read without problems as a whole: it
// sends something, every step can be reached, and opened/clicked branches
// are not decided before the lead could have opened anything.
func (p *parser) checkFlow(s *sequence, k *yaml.Node, nodes []stepNodes, where string) {
	if !slices.ContainsFunc(s.steps, func(st step) bool { return st.kind == stepSend }) {
		p.Errf(k, "%s: no send step (a sequence must send at least one email)", where)
	}
	reached := make([]bool, len(s.steps)+1)
	reached[0] = true
	// Forward-only branches: one pass in order finds every reachable step.
	for i, st := range s.steps {
		if !reached[i] {
			p.Errf(nodes[i].item, "%s: step %s is never reached (it follows a handoff or exit and no branch jumps to it)", where, yamlconf.Quote(st.id))
			continue
		}
		switch st.kind {
		case stepSend, stepWait:
			reached[i+1] = true
		case stepBranch:
			reached[st.then], reached[st.els] = true, true
			if (st.cond.kind == condOpened || st.cond.kind == condClicked) && afterSend(s.steps[:i]) {
				p.Errf(nodes[i].item, "%s: step %s checks %s right after a send, before anyone could open it (put a wait step before it)",
					where, yamlconf.Quote(st.id), st.cond)
			}
		}
	}
}

// afterSend reports whether the steps before a branch end in a send with
// nothing but branches after it: the branch runs right after that send.
func afterSend(before []step) bool {
	for i := len(before) - 1; i >= 0; i-- {
		switch before[i].kind {
		case stepSend:
			return true
		case stepBranch:
			continue
		}
		return false
	}
	return false
}
