package calibrate

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"
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
	// L2 is the penalty on the squared weights (default 1).
	L2 float64
	// DoublePoints is how many fit points double the odds of converting
	// (default 10): points = round(weight × DoublePoints / ln 2).
	DoublePoints float64
	Features     FeatureOptions
	// Base is the config whose fit section the export replaces (nil: the
	// embedded default); BaseName names it in messages.
	Base     []byte
	BaseName string
	// DataName names the data in the export's header and the report.
	DataName string
	// DataDigest, when known, is a short hash of the data file.
	DataDigest string
	// Now dates the export and the report.
	Now time.Time
	// Progress receives a line per phase and per fitting iteration; nil
	// is quiet.
	Progress io.Writer
}

// Shares of leads handed to sales that the report evaluates.
var reportShares = []float64{0.05, 0.10, 0.20, 0.30}

// LeakageAUC is the single-column AUC from which a column is flagged as
// probably filled in after the outcome was known.
const LeakageAUC = 0.95

// minPerClass is the fewest converted (and other) leads to learn from.
const minPerClass = 10

// Result is everything a run learned and measured.
type Result struct {
	Options Options
	Data    *Dataset
	// Train and Test are the two splits (Test is Train without a holdout).
	Train, Test []Example
	OnTrain     bool // no holdout: the evaluation is on the training leads
	Encoder     *Encoder
	model       logit

	Eval     Evaluation
	Factors  []Factor // every feature's effect, strongest first
	Leakage  []ColumnCheck
	Export   *Export
	Warnings []string
}

// Evaluation is how well the model ranks the evaluation leads.
type Evaluation struct {
	Leads, Converted int
	BaseRate         float64
	AUC              float64 // the model (fields and signals)
	ExportAUC        float64 // the exported fit points alone
	BaseConfigAUC    float64 // the base config's fit points
	TopK             []TopK
	Calibration      []CalibrationBin
}

// Factor is one feature's effect on the odds of converting.
type Factor struct {
	Feature Feature
	Weight  float64 // in the model
	// Effect is the log-odds against Reference: the average lead for a
	// field with one value per lead, the lead without the word for words.
	Effect    float64
	Reference string
}

// Odds is the factor as an odds multiplier.
func (f Factor) Odds() float64 { return math.Exp(f.Effect) }

// Run splits the examples, learns features and weights on the training
// part, evaluates on the holdout, checks every column for leakage and
// builds the export. It writes nothing; Export.Config is the new file.
func Run(ds *Dataset, o Options) (*Result, error) {
	o = o.withDefaults()
	if o.DataName == "" {
		o.DataName = ds.Name
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	pos := 0
	for _, e := range ds.Examples {
		if e.Positive {
			pos++
		}
	}
	if neg := len(ds.Examples) - pos; pos < minPerClass || neg < minPerClass {
		hint := "check outcome.positive in the mapping"
		if ds.fromLeads {
			hint = "a stored lead counts once sales moved it to sal, sql or won, or to rejected, lost or disqualified"
		}
		return nil, fmt.Errorf("%w: %s has %d converted and %d other leads; at least %d of each are needed (%s)",
			ErrData, ds.Name, pos, neg, minPerClass, hint)
	}
	if len(ds.Fields) == 0 && len(ds.Signals) == 0 {
		return nil, fmt.Errorf("%w: no fields or signals to learn from", ErrData)
	}
	r := &Result{Options: o, Data: ds}
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "calibrate: "+format+"\n", args...)
		}
	}
	progress("%s: %d rows, %d leads used (%d converted), %d skipped", ds.Name, ds.Rows, len(ds.Examples), pos, len(ds.Skipped))

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

	r.Encoder = NewEncoder(r.Train, ds.Fields, ds.Signals, o.Features)
	progress("features: %s", r.Encoder.describe())
	rows, y := encodeAll(r.Encoder, r.Train)
	var fp fitProgress
	if o.Progress != nil {
		fp = func(it int, loss, step float64) {
			progress("fit: iteration %d, loss %.4f, largest change %.2g", it, loss, step)
		}
	}
	m, err := fitLogit(rows, y, len(r.Encoder.Features), o.L2, fp)
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
	r.Leakage = checkLeakage(r)
	for _, c := range r.Leakage {
		if c.Flagged {
			r.warn(c.Warning())
		}
	}
	progress("evaluation: AUC %.3f on %d %s leads", r.Eval.AUC, r.Eval.Leads, r.evalName())

	if err := r.buildExport(); err != nil {
		return nil, err
	}
	progress("export: %d fit rules, grades A ≥ %d, B ≥ %d, C ≥ %d; fit points alone: AUC %.3f",
		len(r.Export.Rules), r.Export.Grades[0], r.Export.Grades[1], r.Export.Grades[2], r.Eval.ExportAUC)
	return r, nil
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
	if o.BaseName == "" {
		o.BaseName = "default.yaml"
	}
	o.Features = o.Features.withDefaults()
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

func encodeAll(enc *Encoder, xs []Example) ([][]int32, []bool) {
	rows := make([][]int32, len(xs))
	y := make([]bool, len(xs))
	for i, x := range xs {
		rows[i] = enc.Encode(x)
		y[i] = x.Positive
	}
	return rows, y
}

// Predict is the model's probability that an example converts.
func (r *Result) Predict(x Example) float64 {
	return sigmoid(r.model.logOdds(r.Encoder.Encode(x)))
}

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
		if f.kind == featWord {
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
