package calibrate

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/qualify"
)

// ErrExport marks an export that could not be built or does not parse.
var ErrExport = errors.New("cannot export")

// Export is the learned fit section and the config that carries it.
type Export struct {
	Rules  []Rule
	Grades [3]int // minimum fit points for A, B, C
	// Scale: points = round(log-odds × Scale).
	Scale float64
	// Train and Test are the grades the new config gives the training and
	// evaluation leads; BaseTest those the base config gives.
	Train, Test, BaseTest []GradeStat
	// Mismatches counts training leads whose points under qualify differ
	// from the model's rounded points (0 unless reading a value differs).
	Mismatches int
	// PrecisionMissed: a target precision no cut reaches on training leads.
	PrecisionMissed bool
	// Campaigns of the base config that override fit, and so keep their
	// own rules.
	CampaignFit []string
	// Config is the complete new config file, checked with qualify.Parse.
	Config []byte
}

// Rule is one exported fit rule.
type Rule struct {
	Field  string
	Op     string // in, range, regex, exists
	Values []string
	Min    float64
	Max    float64
	HasMin bool
	HasMax bool
	Points int
	Label  string
	// Leads and Converted: training leads the rule matches, as the model
	// saw them, and how many of them converted.
	Leads, Converted int
}

// Describe is the rule's test in words: `industry in ["Software"]`.
func (r Rule) Describe() string {
	switch r.Op {
	case "exists":
		return r.Field + " given"
	case "range":
		switch {
		case r.HasMin && r.HasMax:
			return fmt.Sprintf("%s %s–%s", r.Field, humanNumber(r.Min), humanNumber(r.Max))
		case r.HasMin:
			return fmt.Sprintf("%s ≥ %s", r.Field, humanNumber(r.Min))
		default:
			return fmt.Sprintf("%s ≤ %s", r.Field, humanNumber(r.Max))
		}
	}
	return fmt.Sprintf("%s %s %s", r.Field, r.Op, strings.Join(r.Values, ", "))
}

// GradeStat is how many leads a grade holds and how many converted.
type GradeStat struct {
	Grade            string
	Leads, Converted int
	Share            float64 // of all leads
	Rate             float64 // converted / leads
	Recall           float64 // of all converted leads
}

var gradeNames = [4]string{"A", "B", "C", "D"}

// maxRulePoints is qualify's bound on points.
const maxRulePoints = 1000

// buildExport turns the weights into fit rules, cuts grades on the points
// qualify gives the training leads, and writes the base config with its
// fit section replaced. The file must parse, or the run fails.
func (r *Result) buildExport() error {
	o := r.Options
	base := o.Base
	if base == nil {
		base = DefaultBase()
	}
	baseCfg, err := qualify.Parse(base, o.BaseName)
	if err != nil {
		return fmt.Errorf("%w: the base config is invalid:\n%v", ErrExport, err)
	}
	x := &Export{Scale: o.DoublePoints / math.Ln2}
	r.Export = x
	pointsOf := r.rules()
	if len(x.Rules) == 0 {
		return fmt.Errorf("%w: no feature earned a single point (the data shows no pattern at %g points per doubling; check the outcome column)",
			ErrExport, o.DoublePoints)
	}

	// Cut grades on the points qualify itself gives: build with
	// provisional grades, evaluate, then cut.
	draft, err := r.parseConfig(base, [3]int{3, 2, 1})
	if err != nil {
		return err
	}
	trainPts, _ := evaluateAll(draft, r.Train)
	for i, ex := range r.Train {
		if trainPts[i] != pointsOf(ex) {
			x.Mismatches++
		}
	}
	if x.Mismatches > 0 {
		r.warn(fmt.Sprintf("the exported rules give %d of %d training leads other points than the model (values read differently by qualify)",
			x.Mismatches, len(r.Train)))
	}
	testPts, _ := evaluateAll(draft, r.Test)
	r.Eval.ExportAUC = AUC(floats(testPts), outcomes(r.Test))
	basePts, baseGrades := evaluateAll(baseCfg, r.Test)
	r.Eval.BaseConfigAUC = AUC(floats(basePts), outcomes(r.Test))
	x.BaseTest = gradeStats(baseGrades, r.Test)
	x.CampaignFit = campaignsOverridingFit(base)

	x.Grades = r.cutGrades(trainPts)
	final, err := r.parseConfig(base, x.Grades)
	if err != nil {
		return err
	}
	_, trainGrades := evaluateAll(final, r.Train)
	x.Train = gradeStats(trainGrades, r.Train)
	_, testGrades := evaluateAll(final, r.Test)
	x.Test = gradeStats(testGrades, r.Test)
	return nil
}

// parseConfig builds the config with the given grades into Export.Config
// and checks that qualify accepts it.
func (r *Result) parseConfig(base []byte, grades [3]int) (*qualify.Config, error) {
	var warnings []string
	for _, c := range r.Leakage {
		if c.Flagged {
			warnings = append(warnings, c.Warning())
		}
	}
	cfg, err := r.configWith(base, grades, warnings)
	if err != nil {
		return nil, err
	}
	c, err := qualify.Parse(cfg, "calibrated config")
	if err != nil {
		return nil, fmt.Errorf("%w: the generated config does not parse (a bug; nothing was written):\n%v", ErrExport, err)
	}
	r.Export.Config = cfg
	return c, nil
}

// rules fills Export.Rules from the weights and returns the model's own
// (rounded) points for an example, to check qualify agrees.
//
// Rules cannot say "not given" or "another value", so each field's points
// are shifted to make "not given" worth 0: a category gets an exists rule
// worth its "another value" weight and one in rule per listed value worth
// the difference; a number gets one range rule per bin; words get an
// exists rule and one regex rule per word. The shift changes every lead's
// total by the same amount per field, so the ranking is the model's.
func (r *Result) rules() func(Example) int {
	enc, w, x := r.Encoder, r.model.W, r.Export
	x.Rules = nil
	pts := func(v float64) int {
		p := int(math.Round(v * x.Scale))
		return max(-maxRulePoints, min(maxRulePoints, p))
	}
	type fieldPoints struct {
		exists int
		feat   map[int]int // feature → points of its own rule
	}
	byField := map[string]*fieldPoints{}
	for _, fe := range enc.fields {
		if fe.signal {
			continue
		}
		fp := &fieldPoints{feat: map[int]int{}}
		byField[fe.name] = fp
		missing := 0.0
		if fe.missing >= 0 {
			missing = w[fe.missing]
		}
		var own []Rule
		add := func(i int, rule Rule, value float64) {
			rule.Points = pts(value)
			fp.feat[i] = rule.Points
			f := enc.Features[i]
			rule.Field, rule.Label = fe.name, f.Name()
			rule.Leads, rule.Converted = f.Count, f.Positives
			if rule.Points != 0 {
				own = append(own, rule)
			}
		}
		var exists *Rule
		switch fe.kind {
		case KindNumber:
			for _, b := range fe.bins {
				f := enc.Features[b]
				rule := Rule{Op: "range", Min: f.Min, HasMin: f.HasMin, Max: f.Max, HasMax: f.HasMax}
				if !f.HasMin && !f.HasMax {
					// One bin holds every number the data had (too few
					// distinct values to split): the rule is "a number was
					// given", which qualify writes as exists.
					rule = Rule{Op: "exists"}
				}
				add(b, rule, w[b]-missing)
			}
		case KindWords:
			exists = &Rule{Field: fe.name, Op: "exists", Label: fe.name + " given", Points: pts(-missing)}
			for _, i := range sortedValues(fe.values) {
				add(i, Rule{Op: "regex", Values: []string{wordRegex(enc.Features[i].Value)}}, w[i])
			}
			sortByPoints(own)
		default:
			other := 0.0
			if fe.other >= 0 {
				other = w[fe.other]
			}
			exists = &Rule{Field: fe.name, Op: "exists", Label: fe.name + " given (any value)", Points: pts(other - missing)}
			for _, i := range sortedValues(fe.values) {
				add(i, Rule{Op: "in", Values: []string{enc.Features[i].Value}}, w[i]-other)
			}
			own = mergeValues(own)
		}
		if exists != nil {
			fp.exists = exists.Points
			for _, f := range enc.Features {
				if f.Field == fe.name && !f.Signal && f.kind != featMissing {
					exists.Leads += f.Count
					exists.Converted += f.Positives
				}
			}
			if fe.kind == KindWords {
				exists.Leads, exists.Converted = presentCount(r.Train, fe.name)
			}
			if exists.Points != 0 {
				x.Rules = append(x.Rules, *exists)
			}
		}
		x.Rules = append(x.Rules, own...)
	}
	return func(ex Example) int {
		total := 0
		for _, i := range enc.Encode(ex) {
			f := enc.Features[i]
			if fp := byField[f.Field]; fp != nil && !f.Signal {
				total += fp.feat[int(i)]
			}
		}
		for name, fp := range byField {
			if strings.TrimSpace(ex.Fields[name]) != "" {
				total += fp.exists
			}
		}
		return total
	}
}

// mergeValues makes one in rule of the values of a category that earn the
// same points (a lead has one value, so this changes no lead's points),
// highest points first, values by frequency.
func mergeValues(rules []Rule) []Rule {
	var out []Rule
	at := map[int]int{} // points → index in out
	for _, r := range rules {
		if i, ok := at[r.Points]; ok {
			m := &out[i]
			m.Values = append(m.Values, r.Values...)
			m.Leads += r.Leads
			m.Converted += r.Converted
			continue
		}
		at[r.Points] = len(out)
		out = append(out, r)
	}
	for i := range out {
		r := &out[i]
		if len(r.Values) > 1 {
			q := make([]string, len(r.Values))
			for j, v := range r.Values {
				q[j] = strconv.Quote(v)
			}
			r.Label = r.Field + " " + strings.Join(q, " or ")
			if len(q) > 3 {
				r.Label = fmt.Sprintf("%s %s or %d more", r.Field, strings.Join(q[:2], ", "), len(q)-2)
			}
		}
	}
	sortByPoints(out)
	return out
}

func presentCount(xs []Example, field string) (n, pos int) {
	for _, x := range xs {
		if strings.TrimSpace(x.Fields[field]) != "" {
			n++
			if x.Positive {
				pos++
			}
		}
	}
	return n, pos
}

func sortedValues(m map[string]int) []int {
	out := make([]int, 0, len(m))
	for _, i := range m {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

func sortByPoints(rules []Rule) {
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Points > rules[j].Points })
}

var asciiWord = regexp.MustCompile(`^[a-z0-9_]+$`)

// wordRegex matches a word as words() splits text: \b where the word is
// ASCII, letter and digit classes where it is not (RE2's \b is ASCII).
func wordRegex(word string) string {
	if asciiWord.MatchString(word) {
		return `(?i)\b` + word + `\b`
	}
	return `(?i)(?:^|[^\pL\pN_])` + regexp.QuoteMeta(word) + `(?:[^\pL\pN_]|$)`
}

// cutGrades picks A's minimum points so grade A holds the target share of
// training leads (or reaches the target precision), then B and C so that
// the rest splits in thirds: A ∪ B holds A's share + ⅓ of the rest, A ∪ B ∪ C
// + ⅔. Points are whole numbers with ties, so shares are approximate.
func (r *Result) cutGrades(points []int) [3]int {
	o := r.Options
	n := len(points)
	distinct := slices.Clone(points)
	slices.Sort(distinct)
	distinct = slices.Compact(distinct)
	slices.Reverse(distinct) // highest first
	atLeast := func(t int) (count, pos int) {
		for i, p := range points {
			if p >= t {
				count++
				if r.Train[i].Positive {
					pos++
				}
			}
		}
		return count, pos
	}
	closest := func(share float64, below int) int {
		best, bestDiff := math.MinInt, math.Inf(1)
		for _, t := range distinct {
			if t >= below {
				continue
			}
			c, _ := atLeast(t)
			if d := math.Abs(float64(c)/float64(n) - share); d < bestDiff {
				best, bestDiff = t, d
			}
		}
		return best
	}
	var a int
	if o.TargetPrecision > 0 {
		minLeads := max(10, n/100)
		a = math.MinInt
		bestT, bestP := distinct[0], -1.0
		for _, t := range distinct {
			c, pos := atLeast(t)
			if c < minLeads {
				continue
			}
			p := float64(pos) / float64(c)
			if p >= o.TargetPrecision {
				a = t // keep going: a lower cut with enough precision takes more leads
			}
			if p > bestP {
				bestT, bestP = t, p
			}
		}
		if a == math.MinInt {
			a = bestT
			r.Export.PrecisionMissed = true
			r.warn(fmt.Sprintf("no grade A cut reaches a precision of %.0f%% on the training leads; using the best one (%.0f%%)",
				100*o.TargetPrecision, 100*bestP))
		}
	} else {
		a = closest(o.TargetRate, math.MaxInt)
	}
	ca, _ := atLeast(a)
	shareA := float64(ca) / float64(n)
	b := closest(shareA+(1-shareA)/3, a)
	if b == math.MinInt {
		b = a - 1
	}
	c := closest(shareA+2*(1-shareA)/3, b)
	if c == math.MinInt {
		c = b - 1
	}
	return [3]int{a, b, c}
}

func gradeStats(grades []int, xs []Example) []GradeStat {
	out := make([]GradeStat, 4)
	total := 0
	for i := range out {
		out[i].Grade = gradeNames[i]
	}
	for i, g := range grades {
		s := &out[g]
		s.Leads++
		if xs[i].Positive {
			s.Converted++
			total++
		}
	}
	for i := range out {
		s := &out[i]
		if len(grades) > 0 {
			s.Share = float64(s.Leads) / float64(len(grades))
		}
		if s.Leads > 0 {
			s.Rate = float64(s.Converted) / float64(s.Leads)
		}
		if total > 0 {
			s.Recall = float64(s.Converted) / float64(total)
		}
	}
	return out
}

// evaluateAll is the fit points and grade (0 = A … 3 = D) a config gives
// each example. Grades depend on fit points only, so no signals are given.
func evaluateAll(c *qualify.Config, xs []Example) (points, grades []int) {
	points, grades = make([]int, len(xs)), make([]int, len(xs))
	for i, x := range xs {
		d := c.Evaluate(x.Lead(), nil, time.Time{})
		points[i] = d.FitPoints
		grades[i] = slices.Index(gradeNames[:], d.Grade)
	}
	return points, grades
}

func floats(xs []int) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = float64(v)
	}
	return out
}

func outcomes(xs []Example) []bool {
	out := make([]bool, len(xs))
	for i, x := range xs {
		out[i] = x.Positive
	}
	return out
}

func (r *Result) header(grades [3]int, warnings []string) string {
	o := r.Options
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, "# "+format+"\n", args...) }
	data := o.DataName
	if o.DataDigest != "" {
		data += " (sha256 " + o.DataDigest + ")"
	}
	line("Calibrated by leadflow calibrate on %s from %s:", o.Now.Format("2006-01-02"), data)
	line("%d leads used (%d rows, %d skipped), seed %d, holdout %s, L2 %s.", len(r.Data.Examples), r.Data.Rows,
		len(r.Data.Skipped), o.Seed, percent(o.Holdout), strconv.FormatFloat(o.L2, 'g', -1, 64))
	line("ROC AUC on %d %s leads: %.3f for the model, %.3f for the fit points below alone (the base config's: %.3f).",
		r.Eval.Leads, r.evalName(), r.Eval.AUC, r.Eval.ExportAUC, r.Eval.BaseConfigAUC)
	line("Only fit (rules and grades) was learned; every other section is %s's, unchanged.", o.BaseName)
	for _, w := range warnings {
		line("WARNING: %s", w)
	}
	line("Review it before deploying: make check-config CONFIG=<this file> LEAD=events/sample-lead.json")
	b.WriteString("\n")
	return b.String()
}

// fitNode is the learned fit section.
func (r *Result) fitNode(grades [3]int) *yaml.Node {
	x := r.Export
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	num := func(f float64) *yaml.Node { return scalar(strconv.FormatFloat(f, 'f', -1, 64)) }
	rules := &yaml.Node{Kind: yaml.SequenceNode}
	for _, rule := range x.Rules {
		n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		kv := func(k string, v *yaml.Node) { n.Content = append(n.Content, scalar(k), v) }
		kv("field", scalar(rule.Field))
		kv("op", scalar(rule.Op))
		if len(rule.Values) > 0 {
			vals := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, v := range rule.Values {
				s := scalar(v)
				s.Style = yaml.DoubleQuotedStyle
				if rule.Op == "regex" {
					s.Style = yaml.SingleQuotedStyle
				}
				vals.Content = append(vals.Content, s)
			}
			kv("values", vals)
		}
		if rule.HasMin {
			kv("min", num(rule.Min))
		}
		if rule.HasMax {
			kv("max", num(rule.Max))
		}
		kv("points", scalar(strconv.Itoa(rule.Points)))
		kv("label", scalar(rule.Label))
		if rule.Leads > 0 {
			n.LineComment = fmt.Sprintf("%d training leads, %s converted", rule.Leads, percent(float64(rule.Converted)/float64(rule.Leads)))
		}
		rules.Content = append(rules.Content, n)
	}
	g := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	for i, v := range grades {
		g.Content = append(g.Content, scalar(gradeNames[i]), scalar(strconv.Itoa(v)))
	}
	how := "A ≈ the top " + percent(r.Options.TargetRate) + " of training leads"
	if r.Options.TargetPrecision > 0 {
		how = "A where " + percent(r.Options.TargetPrecision) + " of training leads converted"
	}
	rulesKey := scalar("rules")
	rulesKey.HeadComment = fmt.Sprintf("# Learned: %s points double the odds of converting; a field not given scores 0.",
		strconv.FormatFloat(r.Options.DoublePoints, 'f', -1, 64))
	gradesKey := scalar("grades")
	gradesKey.HeadComment = "# Minimum fit points per grade (" + how + "); below C is D."
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{rulesKey, rules, gradesKey, g}}
}

// campaignsOverridingFit lists the base config's campaigns with their own
// fit section.
func campaignsOverridingFit(base []byte) []string {
	var doc struct {
		Campaigns map[string]map[string]yaml.Node `yaml:"campaigns"`
	}
	if yaml.Unmarshal(base, &doc) != nil {
		return nil
	}
	var out []string
	for id, sections := range doc.Campaigns {
		if _, ok := sections["fit"]; ok {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}
