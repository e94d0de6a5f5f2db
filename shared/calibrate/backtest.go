package calibrate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/leadflow/leadflow/shared/qualify"
)

// Backtest is how a qualification config decides a set of labelled
// leads, scored by qualify's own Evaluate as live leads are: disqualifiers
// first, then fit points and grade, engagement and temperature. Leads are
// ranked by fit points plus engagement score, disqualified ones last.
type Backtest struct {
	Config           string // its name, for tables
	Leads, Converted int
	BaseRate         float64
	// AUC of the ranking; AUCLow and AUCHigh bound its 95% bootstrap
	// interval (NaN without one).
	AUC, AUCLow, AUCHigh float64
	// TopK: what handing the best-ranked share of leads to sales yields;
	// PrecisionLow/High: the 95% interval of each one's precision.
	TopK                        []TopK
	PrecisionLow, PrecisionHigh []float64
	// Grades are the leads not disqualified, by grade (Share is of all
	// leads, Recall of all conversions).
	Grades []GradeStat
	// Hot are the leads handed to sales right away (the hand-off rate);
	// Warm those watched in nurturing.
	Hot, Warm GradeStat
	// Disqualified counts the leads a disqualifier rejected; Reasons splits
	// them by reason (the first matching disqualifier), most leads first.
	Disqualified GradeStat
	Reasons      []DisqualifierStat
	// Value sums the deal values of converted leads; HasValue says some
	// lead had one. Each GradeStat's Value is its part.
	Value    float64
	HasValue bool
	// Blanked are fields and signals emptied before scoring, as live leads
	// arrive without them.
	Blanked []string

	scores []float64
}

// BacktestOptions steer a back-test.
type BacktestOptions struct {
	// Blank are fields or signals to empty first (sales-filled columns).
	Blank []string
	// Bootstrap resamples give the confidence intervals (≤ 0: none).
	Bootstrap int
	Seed      uint64
}

// maxEvents bounds the signals one count gives a lead, so a wild count
// cannot make a back-test slow.
const maxEvents = 1000

// Score is how a config decides one example as a live lead: the lead's
// fields and, per signal kind, as many events as it counted, all at the
// moment of scoring (no decay).
func Score(cfg *qualify.Config, x Example) qualify.Decision {
	var sigs []qualify.Signal
	for kind, n := range x.Signals {
		for range int(math.Round(min(n, maxEvents))) {
			sigs = append(sigs, qualify.Signal{Kind: kind})
		}
	}
	sort.Slice(sigs, func(i, j int) bool { return sigs[i].Kind < sigs[j].Kind })
	return cfg.Evaluate(x.Lead(), sigs, time.Time{})
}

// decision is what qualify decided for one example, as a back-test
// keeps it.
type decision struct {
	qualify.Decision
	score float64 // fit points + engagement; -Inf when disqualified
	grade int     // 0 = A … 3 = D
}

// decideAll decides each example with the config (the blank fields and
// signals emptied first).
func decideAll(cfg *qualify.Config, xs []Example, blanks []string) []decision {
	out := make([]decision, len(xs))
	for i, x := range xs {
		d := Score(cfg, blank(x, blanks))
		out[i] = decision{Decision: d, score: float64(d.FitPoints) + d.Score, grade: 3}
		if d.Disqualified {
			out[i].score = math.Inf(-1)
		}
		for g, name := range gradeNames {
			if d.Grade == name {
				out[i].grade = g
			}
		}
	}
	return out
}

// RunBacktest decides every example with the config and measures the
// result.
func RunBacktest(cfg *qualify.Config, name string, xs []Example, o BacktestOptions) *Backtest {
	return summarize(name, xs, decideAll(cfg, xs, o.Blank), o)
}

// summarize measures the decisions of a back-test.
func summarize(name string, xs []Example, ds []decision, o BacktestOptions) *Backtest {
	b := &Backtest{Config: name, Leads: len(xs), Blanked: o.Blank, AUCLow: math.NaN(), AUCHigh: math.NaN()}
	y := outcomes(xs)
	b.Converted = countPositive(xs)
	b.BaseRate = baseRate(y)
	b.scores = make([]float64, len(xs))
	grades := make([]GradeStat, 4)
	for g := range grades {
		grades[g].Grade = gradeNames[g]
	}
	byReason := map[string]*DisqualifierStat{}
	var order []string
	add := func(s *GradeStat, x Example) {
		s.Leads++
		if x.Positive {
			s.Converted++
			s.Value += x.Value
		}
	}
	for i, x := range xs {
		if x.Positive && x.Value != 0 {
			b.HasValue = true
			b.Value += x.Value
		}
		d := ds[i]
		b.scores[i] = d.score
		if d.Disqualified {
			add(&b.Disqualified, x)
			s := byReason[d.Reason]
			if s == nil {
				s = &DisqualifierStat{GradeStat: GradeStat{Grade: d.Reason}}
				if len(d.Reasons) > 0 {
					s.Example = d.Reasons[0]
				}
				byReason[d.Reason] = s
				order = append(order, d.Reason)
			}
			add(&s.GradeStat, x)
			continue
		}
		add(&grades[d.grade], x)
		switch d.Temperature {
		case qualify.Hot:
			add(&b.Hot, x)
		case qualify.Warm:
			add(&b.Warm, x)
		}
	}
	b.AUC = AUC(b.scores, y)
	for _, s := range reportShares {
		b.TopK = append(b.TopK, topK(b.scores, y, s))
	}
	finish := func(s *GradeStat) {
		s.Share = ratio(s.Leads, b.Leads)
		s.Rate = ratio(s.Converted, s.Leads)
		s.Recall = ratio(s.Converted, b.Converted)
	}
	for g := range grades {
		finish(&grades[g])
	}
	b.Grades = grades
	finish(&b.Hot)
	finish(&b.Warm)
	finish(&b.Disqualified)
	for _, r := range order {
		s := byReason[r]
		finish(&s.GradeStat)
		b.Reasons = append(b.Reasons, *s)
	}
	sort.SliceStable(b.Reasons, func(i, j int) bool { return b.Reasons[i].Leads > b.Reasons[j].Leads })
	b.bootstrap(y, o.Bootstrap, o.Seed)
	return b
}

// bootstrap sets the 95% percentile intervals of AUC and the precisions
// from resamples of the leads (with replacement).
func (b *Backtest) bootstrap(y []bool, iterations int, seed uint64) {
	n := len(b.scores)
	b.AUCLow, b.AUCHigh = math.NaN(), math.NaN()
	b.PrecisionLow = make([]float64, len(reportShares))
	b.PrecisionHigh = make([]float64, len(reportShares))
	for i := range reportShares {
		b.PrecisionLow[i], b.PrecisionHigh[i] = math.NaN(), math.NaN()
	}
	if iterations <= 0 || n < 2 {
		return
	}
	rng := rand.New(rand.NewPCG(seed, 0x626f6f74)) // "boot"
	// A resample is how many times each lead is drawn: with the leads in
	// rank order once, each resample's AUC and top shares are one pass.
	order := rankDesc(b.scores)
	ks := make([]int, len(reportShares))
	for k, share := range reportShares {
		ks[k] = max(1, min(n, int(math.Round(share*float64(n)))))
	}
	aucs := make([]float64, 0, iterations)
	precs := make([][]float64, len(reportShares))
	w := make([]float64, n)
	for range iterations {
		clear(w)
		for range n {
			w[rng.IntN(n)]++
		}
		if auc := weightedAUC(b.scores, y, w, order); !math.IsNaN(auc) {
			aucs = append(aucs, auc)
		}
		for k, top := range ks {
			left, conv := float64(top), 0.0
			for _, j := range order {
				if left <= 0 {
					break
				}
				c := math.Min(w[j], left)
				if y[j] {
					conv += c
				}
				left -= c
			}
			precs[k] = append(precs[k], conv/float64(top))
		}
	}
	b.AUCLow, b.AUCHigh = percentiles(aucs)
	for k := range precs {
		b.PrecisionLow[k], b.PrecisionHigh[k] = percentiles(precs[k])
	}
}

// weightedAUC is the AUC of leads counted w times each; order is the
// leads by descending score.
func weightedAUC(scores []float64, y []bool, w []float64, order []int) float64 {
	var num, pos, neg, negBelow float64
	for i := len(order) - 1; i >= 0; { // ascending, a tie group at a time
		j := i
		var gp, gn float64
		for j >= 0 && scores[order[j]] == scores[order[i]] {
			if k := order[j]; y[k] {
				gp += w[k]
			} else {
				gn += w[k]
			}
			j--
		}
		num += gp*negBelow + gp*gn/2
		negBelow += gn
		pos, neg = pos+gp, neg+gn
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return num / (pos * neg)
}

// percentiles are the 2.5th and 97.5th percentiles (NaN when empty).
func percentiles(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	at := func(q float64) float64 {
		i := int(math.Round(q * float64(len(s)-1)))
		return s[i]
	}
	return at(0.025), at(0.975)
}

// gradesOf are the grades of decisions (0 = A … 3 = D).
func gradesOf(ds []decision) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = d.grade
	}
	return out
}

// HandOff is the share of leads handed to sales (hot).
func (b *Backtest) HandOff() float64 { return b.Hot.Share }

// DisqualifierWarnings says which disqualifiers remove at least
// DisqualifierWarn of the converted leads.
func (b *Backtest) DisqualifierWarnings() []string {
	var out []string
	for _, r := range b.Reasons {
		if r.Recall >= DisqualifierWarn {
			out = append(out, disqualifierWarning(r, b))
		}
	}
	return out
}

// DisqualifierStat is what one disqualifier (by reason code, in Grade)
// removed; Example is the reason qualify gave the first lead it removed.
type DisqualifierStat struct {
	GradeStat
	Example string
}

func disqualifierWarning(r DisqualifierStat, b *Backtest) string {
	return fmt.Sprintf("disqualifier %s rejects %s of the leads and %s of the converted ones (%s of those it rejects converted, %s of all leads), e.g. %s: "+
		"check which column is mapped to the field it tests, or edit the disqualifiers of the base config (-base)",
		r.Grade, percent(r.Share), percent(r.Recall), percent(r.Rate), percent(b.BaseRate), quoteWord(shorten(r.Example, 100)))
}

// DisqualifierWarn is the share of converted leads from which a
// disqualifier gets a warning.
const DisqualifierWarn = 0.05

// liveBlanks are the fields and signals live leads arrive without:
// columns screening flagged as filled in after the outcome and the
// mapping does not keep.
func (r *Result) liveBlanks() []string {
	var out []string
	for _, c := range r.Leakage {
		if c.Flagged && !c.Kept && !c.Excluded {
			out = append(out, c.Field)
		}
	}
	return out
}

// backtests decides the evaluation leads with the base config and with
// the export, as live leads would be (sales-filled columns blank), and
// every labelled lead with the export for the disqualifier table; then
// writes the figures into the export's header.
func (r *Result) backtests() {
	o := r.Options
	base := o.Base
	if base == nil {
		base = DefaultBase()
	}
	baseCfg, err := qualify.Parse(base, o.BaseName)
	if err != nil {
		return // buildExport parsed it already
	}
	newCfg, err := qualify.Parse(r.Export.Config, "calibrated config")
	if err != nil {
		return
	}
	bo := BacktestOptions{Blank: r.liveBlanks(), Bootstrap: o.Bootstrap, Seed: o.Seed}
	// Each lead decided once per config: the holdout's decisions serve
	// the back-test and the grade table, with the training leads' the
	// table of every lead.
	baseTest := decideAll(baseCfg, r.Test, bo.Blank)
	newTest := decideAll(newCfg, r.Test, bo.Blank)
	r.Base = summarize(o.BaseName, r.Test, baseTest, bo)
	r.New = summarize("calibrated", r.Test, newTest, bo)
	all, allDec := r.Test, newTest
	newTrain := newTest
	if !r.OnTrain {
		newTrain = decideAll(newCfg, r.Train, bo.Blank)
		all = append(slices.Clone(r.Train), r.Test...)
		allDec = append(slices.Clone(newTrain), newTest...)
	}
	r.Live = summarize("calibrated", all, allDec, BacktestOptions{Blank: bo.Blank})
	r.Eval.ExportAUC, r.Eval.BaseConfigAUC = r.New.AUC, r.Base.AUC
	x := r.Export
	x.Train = gradeStats(gradesOf(newTrain), r.Train)
	x.Test = gradeStats(gradesOf(newTest), r.Test)
	x.BaseTest = gradeStats(gradesOf(baseTest), r.Test)
	for _, w := range r.Live.DisqualifierWarnings() {
		r.warn(w)
	}
	if _, err := r.parseConfig(base, x.Grades, &x.Thresholds); err != nil {
		r.warn(err.Error())
	}
}
