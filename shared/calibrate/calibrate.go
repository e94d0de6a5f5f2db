package calibrate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// ErrData marks data a model cannot be learned from (too few leads, one
// outcome only).
var ErrData = errors.New("cannot calibrate")

// Options steer one calibration run.
type Options struct {
	Seed uint64
	// Holdout is the share of leads kept out of training to evaluate on
	// (0 evaluates on the training leads, which flatters the model).
	Holdout float64
	// TargetRate is the share of leads grade A should hold: how many sales
	// can take (default 0.2).
	TargetRate float64
	// TargetPrecision, when set, cuts grade A instead where that share of
	// A leads converts (on training leads), taking as many as possible.
	TargetPrecision float64
	// HandoffRate is the share of leads the exported hot thresholds hand
	// to sales (default: TargetRate, or 0.2 with a target precision).
	HandoffRate float64
	// L2 is the penalty on the squared weights (default 1).
	L2 float64
	// DoublePoints is how many points double the odds of converting
	// (default 10): points = round(weight × DoublePoints / ln 2).
	DoublePoints float64
	// Features tune the features; Features.Bins 0 chooses the number of
	// bins of numbers by cross-validation (5 to 20).
	Features FeatureOptions
	// Base is the config whose fit, engagement and thresholds the export
	// replaces (nil: the embedded default); BaseName names it in messages.
	Base     []byte
	BaseName string
	// DataName names the data in the export's header and the report.
	DataName string
	// DataDigest, when known, is a short hash of the data file.
	DataDigest string
	// Force exports even from a sample too small to trust (fewer than
	// MinLeads labelled leads or MinPositives of either outcome).
	Force bool
	// Bootstrap is how many resamples of the holdout give the confidence
	// intervals (default 200; negative: none).
	Bootstrap int
	// Now dates the export and the report.
	Now time.Time
	// Progress receives a line per phase and per fitting iteration; nil
	// is quiet.
	Progress io.Writer
}

// Shares of leads handed to sales that the report evaluates.
var reportShares = []float64{0.05, 0.10, 0.20, 0.30}

// minPerClass is the fewest converted (and other) leads to learn from at
// all; below MinLeads or MinPositives the export is refused without Force.
const (
	minPerClass  = 10
	MinLeads     = 200
	MinPositives = 30
)

// DefaultBootstrap is how many resamples give confidence intervals.
const DefaultBootstrap = 200

// Result is everything a run learned and measured.
type Result struct {
	Options Options
	Data    *Dataset
	// Train and Test are the two splits (Test is Train without a holdout).
	Train, Test []Example
	OnTrain     bool // no holdout: the evaluation is on the training leads
	Encoder     *Encoder
	model       logit
	// Bins is the number of bins numbers were cut into; BinScores the
	// cross-validated AUC of each choice tried (empty when fixed).
	Bins      int
	BinScores []BinScore

	Eval     Evaluation
	Factors  []Factor // every feature's effect, strongest first
	Leakage  []ColumnCheck
	Export   *Export
	Warnings []string
	// Base and New back-test the base config and the export on the
	// evaluation leads as live leads would be decided; Live is the export
	// on every labelled lead (the disqualifier table).
	Base, New, Live *Backtest
	// Small says why the sample is too small to trust ("" when it is not);
	// Refused: the export was refused for it (no Force).
	Small   string
	Refused bool
}

// BinScore is the cross-validated AUC of one number of bins.
type BinScore struct {
	Bins int
	AUC  float64
}

// Evaluation is how well the model ranks the evaluation leads.
type Evaluation struct {
	Leads, Converted int
	BaseRate         float64
	AUC              float64 // the model (fields and signals)
	ExportAUC        float64 // the exported config, as live leads are decided
	BaseConfigAUC    float64 // the base config, alike
	TopK             []TopK
	Calibration      []CalibrationBin
}

// Factor is one feature's effect on the odds of converting.
type Factor struct {
	Feature Feature
	Weight  float64 // in the model
	// Effect is the log-odds against Reference: the average lead for a
	// field with one value per lead, the lead without the word for words,
	// one event more for a signal.
	Effect    float64
	Reference string
}

// Odds is the factor as an odds multiplier.
func (f Factor) Odds() float64 { return math.Exp(f.Effect) }

// MinFactorLeads is the fewest training leads a factor the report lists
// among the strongest must rest on.
const MinFactorLeads = 30

// Run splits the examples, screens the columns (leakage, near-constant),
// learns features and weights on the training part, evaluates on the
// holdout, builds the export and back-tests it and the base config as
// live leads would be decided. It writes nothing; Export.Config is the
// new file (nil when Refused).
func Run(ds *Dataset, o Options) (*Result, error) {
	o = o.withDefaults()
	if o.DataName == "" {
		o.DataName = ds.Name
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	pos := countPositive(ds.Examples)
	neg := len(ds.Examples) - pos
	if pos < minPerClass || neg < minPerClass {
		hint := "check outcome.positive in the mapping"
		if len(ds.Outcomes) > 0 {
			var seen []string
			for i, v := range ds.Outcomes {
				if i == 6 {
					seen = append(seen, fmt.Sprintf("%d more", len(ds.Outcomes)-i))
					break
				}
				seen = append(seen, fmt.Sprintf("%s ×%d read %s", yamlconf.Quote(v.Value), v.Count, v.Read))
			}
			hint += "; the outcome column holds " + strings.Join(seen, ", ")
		}
		if ds.fromLeads {
			hint = "a stored lead counts once sales accepted (sal, sql) or won it, or lost, rejected or sent it back"
		}
		return nil, fmt.Errorf("%w: %s has %d converted and %d other leads; at least %d of each are needed (%s)",
			ErrData, ds.Name, pos, neg, minPerClass, hint)
	}
	if len(ds.Fields) == 0 && len(ds.Signals) == 0 {
		return nil, fmt.Errorf("%w: no fields or signals to learn from", ErrData)
	}
	ds = prepare(ds)
	r := &Result{Options: o, Data: ds}
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "calibrate: "+format+"\n", args...)
		}
	}
	progress("%s: %d rows, %d leads used (%d converted), %d skipped", ds.Name, ds.Rows, len(ds.Examples), pos, len(ds.Skipped))
	if len(ds.Examples) < MinLeads || pos < MinPositives || neg < MinPositives {
		r.Small = fmt.Sprintf("%d labelled leads (%d converted, %d not): at least %d leads and %d of each outcome are needed for points and grades to mean anything",
			len(ds.Examples), pos, neg, MinLeads, MinPositives)
		r.warn("too small a sample to trust: " + r.Small)
	}
	if ds.NotUTF8 > 0 {
		r.warn(fmt.Sprintf("%s is not UTF-8: %d cells read as Windows-1252 (what Excel's \"CSV\" writes on Windows); check accented values in the rules, or save the file as \"CSV UTF-8\"",
			ds.Name, ds.NotUTF8))
	}
	if len(ds.DotThousands) > 0 {
		r.warn(fmt.Sprintf("numbers written with dots grouping thousands in %s (\"30.000\", \"1.234,5\", as a German or French Excel writes them) are read as 30000 and 1234.5; a live lead's answer is read as qualify reads it, so a form should send 30000, not 30.000",
			strings.Join(quoteAll(ds.DotThousands), ", ")))
	}

	if o.Holdout > 0 {
		r.Train, r.Test = split(ds.Examples, o.Holdout, o.Seed)
	}
	if len(r.Test) == 0 || countPositive(r.Test) == 0 || countPositive(r.Test) == len(r.Test) {
		if o.Holdout > 0 {
			r.warn("the holdout is too small to hold both outcomes; evaluating on the training leads (optimistic)")
		}
		r.Train, r.Test, r.OnTrain = ds.Examples, ds.Examples, true
	}
	progress("split (seed %d): %d training leads, %d holdout leads", o.Seed, len(r.Train), len(r.Test))

	keep := map[string]bool{}
	for _, k := range ds.Keep {
		keep[k] = true
	}
	r.Leakage = screenColumns(ds, r.Train, o, keep)
	fields, signals := activeColumns(ds, r.Leakage)
	for _, c := range r.Leakage {
		if c.NearConstant && !c.Kept && !c.Flagged {
			progress("column %q dropped: %s of training leads have the same value", c.Column, percent(c.Top))
		}
	}
	if len(fields) == 0 && len(signals) == 0 {
		return nil, fmt.Errorf("%w: every mapped column was dropped (flagged as filled in after the outcome, or nearly constant); list the ones known when a lead arrives under keep in the mapping", ErrData)
	}

	r.Bins = o.Features.Bins
	if r.Bins == 0 {
		r.Bins, r.BinScores = chooseBins(r.Train, fields, signals, o)
		if len(r.BinScores) > 0 {
			progress("bins of numbers by 3-fold cross-validation: %d", r.Bins)
		}
	}
	fo := o.Features
	fo.Bins = r.Bins
	r.Encoder = NewEncoder(r.Train, fields, signals, fo)
	progress("features: %s", r.Encoder.describe())
	var fp fitProgress
	if o.Progress != nil {
		fp = func(it int, loss, step float64) {
			progress("fit: iteration %d, loss %.4f, largest change %.2g", it, loss, step)
		}
	}
	m, err := fitEncoded(r.Encoder, r.Train, o.L2, fp)
	if err != nil {
		return nil, err
	}
	r.model = m
	if !m.Converged {
		r.warn(fmt.Sprintf("the fit did not converge in %d iterations; try a larger -l2", m.Iterations))
	}
	progress("fit: %d iterations, converged: %v", m.Iterations, m.Converged)

	r.evaluate()
	r.Factors = factors(r.Encoder, &r.model)
	r.whatIf(fields, signals)
	for _, c := range r.Leakage {
		switch {
		case c.Flagged:
			r.warn(c.Warning())
		case c.FromSignal != "" && !c.Dropped:
			r.warn(c.NotRecorded())
		}
	}
	progress("evaluation: model AUC %.3f on %d %s leads", r.Eval.AUC, r.Eval.Leads, r.evalName())

	if err := r.buildExport(); err != nil {
		return nil, err
	}
	r.backtests()
	x := r.Export
	progress("export: %d fit rules, %d engagement signals, grades A ≥ %d, B ≥ %d, C ≥ %d; as live leads are decided: AUC %.3f (base config %.3f)",
		len(x.Rules), len(x.Engagement), x.Grades[0], x.Grades[1], x.Grades[2], r.Eval.ExportAUC, r.Eval.BaseConfigAUC)
	if r.Small != "" && !o.Force {
		r.Refused = true
		x.Config = nil
	}
	return r, nil
}

// activeColumns are the fields and signals the model learns from: those
// screening did not drop.
func activeColumns(ds *Dataset, checks []ColumnCheck) ([]FieldSpec, []string) {
	dropped := map[string]bool{}
	for _, c := range checks {
		if c.Dropped {
			dropped[fmt.Sprint(c.Signal, c.Field)] = true
		}
	}
	var fields []FieldSpec
	for _, f := range ds.Fields {
		if !dropped[fmt.Sprint(false, f.Name)] {
			fields = append(fields, f)
		}
	}
	var signals []string
	for _, s := range ds.Signals {
		if !dropped[fmt.Sprint(true, s)] {
			signals = append(signals, s)
		}
	}
	return fields, signals
}

// prepare makes a dataset's signals what the product can score: a signal
// that is not a kind qualify scores (time_on_site) becomes the number
// field answers.<name>, which the export can test with range rules; the
// counts of the others are rounded to whole events, and read as at most
// lead.MaxSignals: a live lead holds no more, and a wild count (a CRM
// glitch of a million page views) learned as is would crush the
// per-event weight of its signal to 0.
func prepare(ds *Dataset) *Dataset {
	var convert []string
	round := false
	for _, s := range ds.Signals {
		if !qualify.IsSignalKind(s) {
			convert = append(convert, s)
		}
	}
	for _, x := range ds.Examples {
		for k, n := range x.Signals {
			if n != math.Round(n) || n > lead.MaxSignals && qualify.IsSignalKind(k) {
				round = true
			}
		}
	}
	if len(convert) == 0 && !round {
		return ds
	}
	c := *ds
	c.fromSignal = map[string]string{}
	for k, v := range ds.fromSignal {
		c.fromSignal[k] = v
	}
	taken := map[string]bool{}
	for _, f := range ds.Fields {
		taken[f.Name] = true
	}
	rename := map[string]string{}
	for _, s := range convert {
		name := "answers." + strings.NewReplacer(":", "_", "-", "_").Replace(s)
		for taken[name] || !isLeadField(name) {
			name += "_signal"
			if len(name) > 60 {
				name = "answers.signal_" + fmt.Sprint(len(rename)+1)
			}
		}
		taken[name] = true
		rename[s] = name
		c.Fields = append(slices.Clone(c.Fields), FieldSpec{Name: name, Kind: KindNumber})
		c.fromSignal[name] = s
	}
	c.Signals = nil
	for _, s := range ds.Signals {
		if rename[s] == "" {
			c.Signals = append(c.Signals, s)
		}
	}
	c.Quality = slices.Clone(ds.Quality)
	for i, q := range c.Quality {
		if s, ok := strings.CutPrefix(q.Use, "signal "); ok && rename[s] != "" {
			c.Quality[i].Use = rename[s] + " (number)"
		}
	}
	c.Examples = make([]Example, len(ds.Examples))
	for i, x := range ds.Examples {
		if len(x.Signals) > 0 || len(convert) > 0 {
			fields := make(map[string]string, len(x.Fields)+len(convert))
			for k, v := range x.Fields {
				fields[k] = v
			}
			signals := make(map[string]float64, len(x.Signals))
			for k, n := range x.Signals {
				if name := rename[k]; name != "" {
					continue
				}
				signals[k] = min(math.Round(n), lead.MaxSignals)
			}
			for _, s := range convert {
				fields[rename[s]] = strconv.FormatFloat(x.Signals[s], 'f', -1, 64)
			}
			x.Fields, x.Signals = fields, signals
		}
		c.Examples[i] = x
	}
	return &c
}

func (o Options) withDefaults() Options {
	if o.TargetRate == 0 && o.TargetPrecision == 0 {
		o.TargetRate = 0.2
	}
	if o.L2 == 0 {
		o.L2 = 1
	}
	if o.DoublePoints == 0 {
		o.DoublePoints = 10
	}
	if o.HandoffRate == 0 {
		o.HandoffRate = o.TargetRate
		if o.HandoffRate == 0 {
			o.HandoffRate = 0.2
		}
	}
	if o.Bootstrap == 0 {
		o.Bootstrap = DefaultBootstrap
	}
	if o.BaseName == "" {
		o.BaseName = "default.yaml"
	}
	// A byte order mark (Notepad's UTF-8) is no content: the export's
	// header goes above the base, where the mark would break the file.
	o.Base = bytes.TrimPrefix(o.Base, []byte("\ufeff"))
	bins := o.Features.Bins
	o.Features = o.Features.withDefaults()
	o.Features.Bins = bins // 0: chosen by cross-validation
	return o
}

func (o Options) check() error {
	bad := func(format string, args ...any) error { return fmt.Errorf("calibrate: "+format, args...) }
	switch {
	case math.IsNaN(o.Holdout) || o.Holdout < 0 || o.Holdout > 0.9:
		return bad("holdout must be from 0 to 0.9, got %v", o.Holdout)
	case o.TargetRate != 0 && o.TargetPrecision != 0:
		return bad("give a target rate or a target precision, not both")
	case math.IsNaN(o.TargetRate) || o.TargetRate < 0 || o.TargetRate >= 1:
		return bad("target rate must be above 0 and below 1, got %v", o.TargetRate)
	case math.IsNaN(o.HandoffRate) || o.HandoffRate <= 0 || o.HandoffRate >= 1:
		return bad("hand-off rate must be above 0 and below 1, got %v", o.HandoffRate)
	case o.Features.Bins != 0 && (o.Features.Bins < 2 || o.Features.Bins > 20):
		return bad("bins must be from 2 to 20 (or 0 to choose by cross-validation), got %d", o.Features.Bins)
	case math.IsNaN(o.TargetPrecision) || o.TargetPrecision < 0 || o.TargetPrecision > 1:
		return bad("target precision must be above 0 and at most 1, got %v", o.TargetPrecision)
	case math.IsNaN(o.L2) || o.L2 <= 0 || math.IsInf(o.L2, 0):
		return bad("the L2 penalty must be positive, got %v", o.L2)
	case math.IsNaN(o.DoublePoints) || o.DoublePoints < 1 || o.DoublePoints > 100:
		return bad("points to double the odds must be from 1 to 100, got %v", o.DoublePoints)
	}
	return nil
}

func (r *Result) warn(msg string) { r.Warnings = append(r.Warnings, msg) }

func (r *Result) evalName() string {
	if r.OnTrain {
		return "training"
	}
	return "holdout"
}

func countPositive(xs []Example) int {
	n := 0
	for _, x := range xs {
		if x.Positive {
			n++
		}
	}
	return n
}

// encodeAll is the feature rows of the examples, their values (nil when
// every value is 1) and outcomes.
func encodeAll(enc *Encoder, xs []Example) ([][]int32, [][]float64, []bool) {
	rows := make([][]int32, len(xs))
	vals := make([][]float64, len(xs))
	y := make([]bool, len(xs))
	any := false
	for i, x := range xs {
		rows[i], vals[i] = enc.encodeRow(x)
		any = any || vals[i] != nil
		y[i] = x.Positive
	}
	if !any {
		vals = nil
	}
	return rows, vals, y
}

// fitEncoded fits the model of an encoder's features on examples.
func fitEncoded(enc *Encoder, xs []Example, l2 float64, fp fitProgress) (logit, error) {
	rows, vals, y := encodeAll(enc, xs)
	return fitLogit(rows, vals, y, len(enc.Features), l2, fp)
}

// predict is a model's probability that an example converts.
func predict(enc *Encoder, m *logit, x Example) float64 {
	idx, vals := enc.encodeRow(x)
	return sigmoid(m.logOdds(idx, vals))
}

// Predict is the model's probability that an example converts.
func (r *Result) Predict(x Example) float64 { return predict(r.Encoder, &r.model, x) }

func (r *Result) evaluate() {
	probs := make([]float64, len(r.Test))
	y := make([]bool, len(r.Test))
	for i, x := range r.Test {
		probs[i], y[i] = r.Predict(x), x.Positive
	}
	ev := &r.Eval
	ev.Leads, ev.Converted = len(y), countPositive(r.Test)
	ev.BaseRate = baseRate(y)
	ev.AUC = AUC(probs, y)
	for _, s := range reportShares {
		ev.TopK = append(ev.TopK, topK(probs, y, s))
	}
	ev.Calibration = calibration(probs, y, 10)
}

// factors are the effects of all features, strongest first: for fields
// with one feature per lead (categories, numbers, signals) against the
// field's average over training leads; for words against titles without
// the word.
func factors(enc *Encoder, m *logit) []Factor {
	type group struct{ sum, n float64 }
	avg := map[string]*group{}
	key := func(f Feature) string { return fmt.Sprint(f.Signal, f.Field) }
	for i, f := range enc.Features {
		if f.kind == featWord || f.kind == featCount {
			continue
		}
		g := avg[key(f)]
		if g == nil {
			g = &group{}
			avg[key(f)] = g
		}
		g.sum += float64(f.Count) * m.W[i]
		g.n += float64(f.Count)
	}
	var out []Factor
	for i, f := range enc.Features {
		fc := Factor{Feature: f, Weight: m.W[i], Effect: m.W[i]}
		switch {
		case f.kind == featCount:
			fc.Reference = "per event"
		case f.kind == featWord:
			fc.Reference = "vs. without the word"
		case f.kind == featMissing && enc.fieldKind(f) == KindWords:
			fc.Reference = "vs. a " + f.Field + " without the listed words"
		default:
			if g := avg[key(f)]; g.n > 0 {
				fc.Effect -= g.sum / g.n
			}
			fc.Reference = "vs. the average lead"
		}
		out = append(out, fc)
	}
	sort.SliceStable(out, func(a, b int) bool { return math.Abs(out[a].Effect) > math.Abs(out[b].Effect) })
	return out
}

func (e *Encoder) fieldKind(f Feature) Kind {
	for _, fe := range e.fields {
		if fe.name == f.Field && fe.signal == f.Signal {
			return fe.kind
		}
	}
	return KindCategory
}
