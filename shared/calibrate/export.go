package calibrate

import (
	"errors"
	"fmt"
	"maps"
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

// Export is the learned fit section, engagement points and thresholds,
// and the config that carries them.
type Export struct {
	Rules  []Rule
	Grades [3]int // minimum fit points for A, B, C
	// Scale: points = round(log-odds × Scale).
	Scale float64
	// Engagement are the signal kinds learned from the data, with their
	// points per event (0: worth nothing, left out of the config);
	// KeptSignals the base's signal kinds the data did not have, their
	// points brought to the learned scale by KeptScale (the median ratio
	// of learned to base points over the kinds both have). When they share
	// none, KeptScale is 0 and the base's points stay.
	Engagement  []EngagementRule
	KeptSignals []KeptSignal
	KeptScale   float64
	// Thresholds are the exported hot and warm engagement per grade, cut
	// so that about Options.HandoffRate of training leads are hot.
	Thresholds [4]Threshold
	// Train and Test are the grades the new config gives the training and
	// evaluation leads; BaseTest those the base config gives.
	Train, Test, BaseTest []GradeStat
	// Mismatches counts training leads whose points under qualify differ
	// from the model's rounded points.
	Mismatches int
	// PrecisionMissed: a target precision no cut reaches on training leads.
	PrecisionMissed bool
	// Campaigns of the base config that override fit, and so keep their
	// own rules.
	CampaignFit []string
	// Config is the complete new config file, checked with qualify.Parse
	// (nil when the export was refused).
	Config []byte
}

// EngagementRule is one learned signal kind.
type EngagementRule struct {
	Kind   string
	Points int     // per event
	Weight float64 // log-odds per event in the model
	// Leads and Converted: training leads with at least one such event.
	Leads, Converted int
}

// KeptSignal is a base signal kind the data did not have: its points in
// the base and in the export.
type KeptSignal struct {
	Kind         string
	Base, Points int
}

// Threshold is a grade's minimum engagement to be hot or warm; a missing
// bound means never.
type Threshold struct {
	Hot, Warm       float64
	HasHot, HasWarm bool
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
	// Note explains a rule whose points need it (a negative "given").
	Note string
}

// Describe is the rule's test in words: `industry in ["Software"]`.
func (r Rule) Describe() string {
	switch r.Op {
	case "exists":
		return r.Field + " given"
	case "range":
		switch {
		case r.HasMin && r.HasMax && r.Min == r.Max:
			return fmt.Sprintf("%s = %s", r.Field, humanNumber(r.Min))
		case r.HasMin && r.HasMax:
			return fmt.Sprintf("%s %s–%s", r.Field, humanNumber(r.Min), humanNumber(r.Max))
		case r.HasMin:
			return fmt.Sprintf("%s ≥ %s", r.Field, humanNumber(r.Min))
		default:
			return fmt.Sprintf("%s ≤ %s", r.Field, humanNumber(r.Max))
		}
	}
	vals := r.Values
	more := ""
	if len(vals) > 6 {
		vals, more = vals[:6], fmt.Sprintf(", … (%d in all)", len(r.Values))
	}
	return fmt.Sprintf("%s %s %s%s", r.Field, r.Op, strings.Join(vals, ", "), more)
}

// GradeStat is how many leads a grade holds and how many converted.
type GradeStat struct {
	Grade            string
	Leads, Converted int
	Share            float64 // of all leads
	Rate             float64 // converted / leads
	Recall           float64 // of all converted leads
	Value            float64 // deal value of the converted ones, when known
}

var gradeNames = [4]string{"A", "B", "C", "D"}

// maxRulePoints is qualify's bound on points.
const maxRulePoints = 1000

// maxOtherValues bounds the values an "another value" rule lists.
const maxOtherValues = 100

// buildExport turns the weights into fit rules and engagement points,
// cuts grades on the fit points qualify gives the training leads and hot
// and warm thresholds on their engagement, and writes the base config
// with those sections replaced. The file must parse, or the run fails.
func (r *Result) buildExport() error {
	o := r.Options
	base := o.Base
	if base == nil {
		base = DefaultBase()
	}
	_, err := qualify.Parse(base, o.BaseName)
	if err != nil {
		return fmt.Errorf("%w: the base config is invalid:\n%v", ErrExport, err)
	}
	x := &Export{Scale: o.DoublePoints / math.Ln2}
	r.Export = x
	pointsOf := r.rules()
	r.engagementRules(base)
	learned := 0
	for _, e := range x.Engagement {
		if e.Points != 0 {
			learned++
		}
	}
	if len(x.Rules) == 0 && learned == 0 {
		if r.Small == "" {
			return fmt.Errorf("%w: no feature earned a single point (the data shows no pattern at %g points per doubling; check the outcome column)",
				ErrExport, o.DoublePoints)
		}
		r.warn("no feature earned a single point: the sample shows no pattern")
	}

	// Cut grades and thresholds on what qualify itself gives: build with
	// provisional ones, score, then cut.
	draft, err := r.parseConfig(base, [3]int{3, 2, 1}, nil)
	if err != nil {
		return err
	}
	trainPts := make([]int, len(r.Train))
	trainEng := make([]float64, len(r.Train))
	trainDQ := make([]bool, len(r.Train))
	for i, ex := range r.Train {
		d := Score(draft, ex)
		trainPts[i], trainEng[i], trainDQ[i] = d.FitPoints, d.Score, d.Disqualified
		if d.FitPoints != pointsOf(ex) {
			x.Mismatches++
		}
	}
	if x.Mismatches > 0 {
		r.warn(fmt.Sprintf("the exported rules give %d of %d training leads other points than the model (values read differently by qualify, or rarer values than the rules list)",
			x.Mismatches, len(r.Train)))
	}
	overrides := campaignOverrides(base)
	var over []string // "webinar (thresholds)"
	for _, id := range slices.Sorted(maps.Keys(overrides)) {
		if slices.Contains(overrides[id], "fit") {
			x.CampaignFit = append(x.CampaignFit, id)
		}
		over = append(over, id+" ("+strings.Join(overrides[id], ", ")+")")
	}
	if len(over) > 0 {
		r.warn(fmt.Sprintf("campaigns %s in %s keep their overrides as written, set for its points rather than the learned ones: review them before deploying (or drop them)",
			strings.Join(over, ", "), r.Options.BaseName))
	}
	x.Grades = r.cutGrades(trainPts)
	r.checkGrades(trainPts)
	x.Thresholds = r.cutThresholds(trainPts, trainEng, trainDQ)
	// The grade tables come with the back-tests, which decide every
	// lead with this config and the base.
	_, err = r.parseConfig(base, x.Grades, &x.Thresholds)
	return err
}

// checkGrades warns when the grade cuts barely separate leads.
func (r *Result) checkGrades(points []int) {
	g := r.Export.Grades
	distinct := map[int]bool{}
	for _, p := range points {
		distinct[p] = true
	}
	if g[0]-g[2] < 3 || len(distinct) < 6 {
		r.warn(fmt.Sprintf("the grade cuts A ≥ %d, B ≥ %d, C ≥ %d are close together (%d distinct point totals among %d training leads): the points barely separate leads, so the grades mean little",
			g[0], g[1], g[2], len(distinct), len(points)))
	}
}

// parseConfig builds the config with the given grades and thresholds
// (nil: the base's) into Export.Config and checks that qualify accepts it.
func (r *Result) parseConfig(base []byte, grades [3]int, th *[4]Threshold) (*qualify.Config, error) {
	cfg, err := r.configWith(base, grades, th, r.Warnings)
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
// (rounded) fit points for an example, to check qualify agrees.
//
// Each lead has exactly one level of a category or number field, so the
// points of a field can be shifted by a constant without changing any
// ranking: the level qualify cannot test — "not given" — scores 0, and
// every other level gets one rule with its net points. When too few
// training leads lacked the field to learn "not given", such a lead
// counts as the field's most common level, which then scores 0 and gets
// no rule (a Yes/No column that is nearly always No shows only "Yes" on
// lead cards). "Another value" is an in rule listing the rarer values
// seen in training. Words can match several at once: a words field gets
// one regex rule per word and, when "not given" was learned, one exists
// rule for any value.
func (r *Result) rules() func(Example) int {
	enc, w, x := r.Encoder, r.model.W, r.Export
	x.Rules = nil
	pts := func(v float64) int {
		p := int(math.Round(v * x.Scale))
		return max(-maxRulePoints, min(maxRulePoints, p))
	}
	featPoints := map[int]int{}      // feature → the points of its rule
	existsPoints := map[string]int{} // words field → its exists rule
	for fi := range enc.fields {
		fe := &enc.fields[fi]
		if fe.signal {
			continue
		}
		var own []Rule
		add := func(i int, rule Rule, value float64) *Rule {
			rule.Points = pts(value)
			featPoints[i] = rule.Points
			f := enc.Features[i]
			rule.Field = fe.name
			if rule.Label == "" {
				rule.Label = f.Name()
			}
			rule.Leads, rule.Converted = f.Count, f.Positives
			if rule.Points == 0 {
				return nil
			}
			own = append(own, rule)
			return &own[len(own)-1]
		}
		ref := 0.0
		switch {
		case fe.missing >= 0:
			ref = w[fe.missing]
		case fe.ref >= 0:
			ref = w[fe.ref]
		}
		switch fe.kind {
		case KindNumber:
			for _, b := range fe.bins {
				if b == fe.ref && fe.missing < 0 {
					continue
				}
				f := enc.Features[b]
				rule := Rule{Op: "range", Min: f.Min, HasMin: f.HasMin, Max: f.Max, HasMax: f.HasMax}
				if !f.HasMin && !f.HasMax {
					// One bin holds every number the data had (too few
					// distinct values to split): the rule is "a number was
					// given", which qualify writes as exists.
					rule = Rule{Op: "exists", Label: fe.name + " given"}
				}
				if added := add(b, rule, w[b]-ref); added != nil && added.Op == "exists" && added.Points < 0 {
					added.Note = fmt.Sprintf("leads who left %s blank converted more often than those who gave it", fe.name)
				}
			}
		case KindWords:
			for _, i := range sortedValues(fe.values) {
				add(i, Rule{Op: "regex", Values: []string{wordRegex(enc.Features[i].Value)}}, w[i])
			}
			sortByPoints(own)
			if fe.missing >= 0 {
				exists := Rule{Field: fe.name, Op: "exists", Points: pts(-ref)}
				exists.Leads, exists.Converted = presentCount(r.Train, fe.name)
				exists.Label = fe.name + " given"
				if exists.Points < 0 {
					exists.Label = fe.name + " given, its words add the rest"
					exists.Note = fmt.Sprintf("leads who left %s blank converted more often than those whose %s has none of the words listed; the word rules add to or take from this", fe.name, fe.name)
				}
				existsPoints[fe.name] = exists.Points
				if exists.Points != 0 {
					own = append([]Rule{exists}, own...)
				}
			}
		default:
			var values []Rule
			for _, i := range sortedValues(fe.values) {
				if i == fe.ref && fe.missing < 0 {
					continue
				}
				rule := add(i, Rule{Op: "in", Values: []string{enc.Features[i].Value}}, w[i]-ref)
				if rule != nil {
					values = append(values, *rule)
					own = own[:len(own)-1]
				}
			}
			own = append(own, mergeValues(values)...)
			if fe.other >= 0 && !(fe.other == fe.ref && fe.missing < 0) {
				vals := fe.otherValues
				if len(vals) > maxOtherValues {
					vals = vals[:maxOtherValues]
				}
				add(fe.other, Rule{Op: "in", Values: slices.Clone(vals), Label: fe.name + ": a less common value"}, w[fe.other]-ref)
			}
			sortByPoints(own)
		}
		x.Rules = append(x.Rules, own...)
	}
	return func(ex Example) int {
		total := 0
		for _, i := range enc.Encode(ex) {
			total += featPoints[int(i)]
		}
		for name, p := range existsPoints {
			if strings.TrimSpace(ex.Fields[name]) != "" {
				total += p
			}
		}
		return total
	}
}

// engagementRules fills Export.Engagement from the weights of the signal
// counts, and KeptSignals from the base's kinds the data lacks.
//
// The thresholds are cut on the learned points alone, so a kept kind at
// the base's points would count for more than the data says anything is
// worth: a base that gives a contact form 15 points against a learned 6
// for a demo request would make every plain contact form hot. Kept kinds
// are scaled like the learned ones were: by the median ratio of learned
// to base points over the kinds both have.
func (r *Result) engagementRules(base []byte) {
	enc, w, x := r.Encoder, r.model.W, r.Export
	learned := map[string]bool{}
	for _, fe := range enc.fields {
		if !fe.signal || fe.count < 0 {
			continue
		}
		f := enc.Features[fe.count]
		// Never negative: live, points fade with the half-life, and a
		// lead with negative ones would turn warm and then hot by waiting.
		p := int(math.Round(w[fe.count] * x.Scale))
		p = max(0, min(maxRulePoints, p))
		x.Engagement = append(x.Engagement, EngagementRule{Kind: fe.name, Points: p, Weight: w[fe.count], Leads: f.Count, Converted: f.Positives})
		learned[fe.name] = true
	}
	sort.SliceStable(x.Engagement, func(i, j int) bool { return x.Engagement[i].Points > x.Engagement[j].Points })
	basePoints := baseSignals(base)
	var ratios []float64
	var constant []string
	for _, e := range x.Engagement {
		// A count every training lead shares (the arrival form of a CSV
		// without a form column) cannot be learned: its 0 says nothing of
		// what an event is worth, and must not scale the others to 0.
		if r.constantSignal(e.Kind) {
			constant = append(constant, e.Kind)
			continue
		}
		for _, b := range basePoints {
			if b.Kind == e.Kind && b.Base > 0 {
				ratios = append(ratios, float64(max(0, e.Points))/float64(b.Base))
			}
		}
	}
	if len(ratios) > 0 {
		slices.Sort(ratios)
		x.KeptScale = ratios[len(ratios)/2]
		if len(ratios)%2 == 0 {
			x.KeptScale = (ratios[len(ratios)/2-1] + ratios[len(ratios)/2]) / 2
		}
	}
	for _, b := range basePoints {
		if learned[b.Kind] {
			continue
		}
		if len(ratios) > 0 {
			b.Points = int(math.Round(float64(b.Base) * x.KeptScale))
		}
		x.KeptSignals = append(x.KeptSignals, b)
	}
	if len(x.Engagement) > 0 && len(ratios) == 0 && len(x.KeptSignals) > 0 && len(constant) > 0 {
		r.warn(fmt.Sprintf("every lead of the data has the same count of %s, so the data says nothing of what it is worth, and it has no other signal that %s's engagement section scores: %s keep their points there, which the thresholds were not cut with, so more leads than -handoff-rate will be hot",
			strings.Join(constant, ", "), r.Options.BaseName, keptKinds(x.KeptSignals)))
	} else if len(x.Engagement) > 0 && len(ratios) == 0 && len(x.KeptSignals) > 0 {
		r.warn(fmt.Sprintf("the data's signals share no kind with %s's engagement section: %s keep their points there, which the thresholds were not cut with, so more leads than -handoff-rate will be hot",
			r.Options.BaseName, keptKinds(x.KeptSignals)))
	}
}

// constantSignal reports whether every training lead has the same count
// of signal kind.
func (r *Result) constantSignal(kind string) bool {
	for _, e := range r.Train {
		if e.Signals[kind] != r.Train[0].Signals[kind] {
			return false
		}
	}
	return true
}

// keptKinds lists kept signal kinds for a message.
func keptKinds(ks []KeptSignal) string {
	var names []string
	for _, k := range ks {
		names = append(names, k.Kind)
	}
	return strings.Join(names, ", ")
}

// cutThresholds picks hot and warm engagement per grade so that about
// HandoffRate of the training leads are hot and as many again warm, the
// hottest by fit points plus engagement: a lead is hot when its
// engagement reaches T minus the median fit points of its grade.
func (r *Result) cutThresholds(fit []int, eng []float64, dq []bool) [4]Threshold {
	grades := r.Export.Grades
	gradeOf := func(p int) int {
		for g, m := range grades {
			if p >= m {
				return g
			}
		}
		return 3
	}
	byGrade := make([][]int, 4)
	negative := false
	for i, p := range fit {
		if !dq[i] {
			byGrade[gradeOf(p)] = append(byGrade[gradeOf(p)], p)
		}
		negative = negative || eng[i] < 0
	}
	var med [4]float64
	for g := range med {
		switch {
		case len(byGrade[g]) > 0:
			s := slices.Clone(byGrade[g])
			slices.Sort(s)
			med[g] = float64(s[len(s)/2])
		case g < 3:
			med[g] = float64(grades[g])
		default:
			med[g] = float64(grades[2] - 1)
		}
	}
	need := func(t float64, g int) float64 {
		v := math.Ceil(t - med[g])
		if !negative {
			v = math.Max(0, v)
		}
		return v
	}
	share := func(t float64) float64 {
		n := 0
		for i, p := range fit {
			if !dq[i] && eng[i] >= need(t, gradeOf(p)) {
				n++
			}
		}
		return float64(n) / float64(len(fit))
	}
	// Candidate cuts: each lead's total; share falls as the cut rises.
	var cands []float64
	for i, p := range fit {
		cands = append(cands, float64(p)+eng[i])
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	pick := func(target float64) float64 {
		best, bestDiff := cands[len(cands)-1]+1, math.Inf(1)
		lo, hi := 0, len(cands)-1
		for lo < hi { // the lowest cut whose share is at most the target
			mid := (lo + hi) / 2
			if share(cands[mid]) <= target {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		for _, i := range []int{lo - 1, lo, lo + 1} {
			if i >= 0 && i < len(cands) {
				if d := math.Abs(share(cands[i]) - target); d < bestDiff {
					best, bestDiff = cands[i], d
				}
			}
		}
		return best
	}
	var out [4]Threshold
	if len(cands) == 0 {
		return out
	}
	o := r.Options
	hotCut := pick(o.HandoffRate)
	warmCut := pick(math.Min(0.95, 2*o.HandoffRate))
	for g := range out {
		t := &out[g]
		t.Hot, t.HasHot = need(hotCut, g), true
		if wv := need(warmCut, g); wv < t.Hot {
			t.Warm, t.HasWarm = wv, true
		}
	}
	return out
}

// baseSignals are the signal kinds of the base's engagement section and
// their points (Base and Points both the base's).
func baseSignals(base []byte) []KeptSignal {
	var doc struct {
		Engagement struct {
			Signals []struct {
				Signal string `yaml:"signal"`
				Points int    `yaml:"points"`
			} `yaml:"signals"`
		} `yaml:"engagement"`
	}
	if yaml.Unmarshal(base, &doc) != nil {
		return nil
	}
	var out []KeptSignal
	for _, s := range doc.Engagement.Signals {
		out = append(out, KeptSignal{Kind: s.Signal, Base: s.Points, Points: s.Points})
	}
	return out
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

func (r *Result) header(warnings []string) string {
	o := r.Options
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, "# "+format+"\n", args...) }
	data := o.DataName
	if o.DataDigest != "" {
		data += " (sha256 " + o.DataDigest + ")"
	}
	line("Calibrated by leadflow calibrate on %s from %s:", o.Now.Format("2006-01-02"), data)
	line("%d leads used (%d rows, %d skipped), seed %d, holdout %s, L2 %s, %d bins per number.", len(r.Data.Examples), r.Data.Rows,
		len(r.Data.Skipped), o.Seed, percent(o.Holdout), strconv.FormatFloat(o.L2, 'g', -1, 64), r.Bins)
	if n := r.New; n != nil {
		line("Back-test on %d %s leads, decided as live leads are: ROC AUC %.3f%s, top 30%% precision %s, hand-off %s",
			n.Leads, r.evalName(), n.AUC, ciText(n.AUCLow, n.AUCHigh, 3), percent(n.TopK[len(n.TopK)-1].Precision), percent(n.HandOff()))
		line("(the base config: ROC AUC %.3f, top 30%% precision %s, hand-off %s).",
			r.Base.AUC, percent(r.Base.TopK[len(r.Base.TopK)-1].Precision), percent(r.Base.HandOff()))
	}
	line("Learned: fit (rules and grades), the engagement points of the signals in the data and the thresholds;")
	line("every other section is %s's, unchanged.", o.BaseName)
	for _, w := range warnings {
		line("WARNING: %s", oneLine.Replace(w))
	}
	line("Review it before deploying: make check-config CONFIG=<this file> LEAD=events/sample-lead.json")
	b.WriteString("\n")
	return b.String()
}

// ciText is " [lo–hi]" or "" without an interval.
func ciText(lo, hi float64, decimals int) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return ""
	}
	return fmt.Sprintf(" [%.*f–%.*f]", decimals, lo, decimals, hi)
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
		if rule.Note != "" {
			n.HeadComment = "# " + rule.Note
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
	rulesKey.HeadComment = fmt.Sprintf("# Learned: %s points double the odds of converting; a field not given (or its most common value) scores 0.",
		strconv.FormatFloat(r.Options.DoublePoints, 'f', -1, 64))
	gradesKey := scalar("grades")
	gradesKey.HeadComment = "# Minimum fit points per grade (" + how + "); below C is D."
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{rulesKey, rules, gradesKey, g}}
}

// campaignOverrides reads which of the sections the export learns (fit,
// engagement, thresholds) each of the base config's campaigns overrides,
// by campaign id (campaigns overriding none are left out).
func campaignOverrides(base []byte) map[string][]string {
	var doc struct {
		Campaigns map[string]map[string]yaml.Node `yaml:"campaigns"`
	}
	if yaml.Unmarshal(base, &doc) != nil {
		return nil
	}
	out := map[string][]string{}
	for id, sections := range doc.Campaigns {
		for _, s := range []string{"fit", "engagement", "thresholds"} {
			if _, ok := sections[s]; ok {
				out[id] = append(out[id], s)
			}
		}
	}
	return out
}

func percent(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}

// engagementNode is the base's engagement section with the learned
// points: a learned kind gets its points (and is left out when worth
// nothing), the base's other kinds stay, learned kinds the base lacks are
// added. nil when nothing was learned.
func (r *Result) engagementNode(base []byte) *yaml.Node {
	x := r.Export
	if len(x.Engagement) == 0 {
		return nil
	}
	points := map[string]int{}
	for _, e := range x.Engagement {
		points[e.Kind] = e.Points
	}
	kept := map[string]int{}
	for _, k := range x.KeptSignals {
		if k.Points != k.Base {
			kept[k.Kind] = k.Points
		}
	}
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	var eng *yaml.Node
	var doc yaml.Node
	if yaml.Unmarshal(base, &doc) == nil && len(doc.Content) > 0 {
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "engagement" && root.Content[i+1].Kind == yaml.MappingNode {
				eng = root.Content[i+1]
			}
		}
	}
	if eng == nil {
		eng = &yaml.Node{Kind: yaml.MappingNode}
	}
	var list *yaml.Node
	for i := 0; i+1 < len(eng.Content); i += 2 {
		if eng.Content[i].Value == "signals" {
			list = eng.Content[i+1]
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		list = &yaml.Node{Kind: yaml.SequenceNode}
		eng.Content = append(eng.Content, scalar("signals"), list)
	}
	seen := map[string]bool{}
	var items []*yaml.Node
	for _, item := range list.Content {
		kind := ""
		for j := 0; j+1 < len(item.Content); j += 2 {
			if item.Content[j].Value == "signal" {
				kind = item.Content[j+1].Value
			}
		}
		p, ok := points[kind]
		if !ok {
			if kp, scaled := kept[kind]; scaled {
				if kp == 0 {
					continue
				}
				setPoints(item, kp)
				item.LineComment = fmt.Sprintf("not in the data: %s's points ×%.2f", r.Options.BaseName, x.KeptScale)
			}
			items = append(items, item)
			continue
		}
		seen[kind] = true
		if p == 0 {
			continue
		}
		setPoints(item, p)
		item.LineComment = "learned"
		items = append(items, item)
	}
	for _, e := range x.Engagement {
		if seen[e.Kind] || e.Points == 0 {
			continue
		}
		kind := scalar(e.Kind)
		kind.Style = yaml.DoubleQuotedStyle
		items = append(items, &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, LineComment: "learned",
			Content: []*yaml.Node{scalar("signal"), kind, scalar("points"), scalar(strconv.Itoa(e.Points))}})
	}
	list.Content = items
	list.Style = 0
	return eng
}

// setPoints sets the points of an engagement signal item.
func setPoints(item *yaml.Node, p int) {
	for j := 0; j+1 < len(item.Content); j += 2 {
		if item.Content[j].Value == "points" {
			item.Content[j+1] = &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.Itoa(p)}
		}
	}
}

// thresholdsNode is the exported thresholds section.
func thresholdsNode(th *[4]Threshold, rate float64) *yaml.Node {
	scalar := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }
	num := func(f float64) *yaml.Node { return scalar(strconv.FormatFloat(f, 'f', -1, 64)) }
	n := &yaml.Node{Kind: yaml.MappingNode}
	for g, t := range th {
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		if t.HasHot {
			m.Content = append(m.Content, scalar("hot"), num(t.Hot))
		}
		if t.HasWarm {
			m.Content = append(m.Content, scalar("warm"), num(t.Warm))
		}
		key := scalar(gradeNames[g])
		if g == 0 {
			key.HeadComment = "# Learned: engagement a grade needs to be hot / warm, cut so that about " + percent(rate) +
				" of the training leads are hot (handed to sales) and as many again warm."
		}
		n.Content = append(n.Content, key, m)
	}
	return n
}
