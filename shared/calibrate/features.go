package calibrate

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// featureKind is what a feature says about its field.
type featureKind uint8

const (
	featValue   featureKind = iota + 1 // category: the field has this value
	featOther                          // category: another value than the listed ones
	featMissing                        // the field was not given (or had no number)
	featBin                            // number or signal count: in this range
	featWord                           // words: the text has this word
	featCount                          // engagement signal: its count, each event weighing the same
)

// Feature is one 0/1 input of the model, named so a person can read it.
type Feature struct {
	Field  string // lead field or signal name
	Signal bool
	kind   featureKind
	Value  string // category value (most common spelling) or word
	// Range of a bin: Min ≤ n ≤ Max for fields (as qualify's range reads),
	// Min ≤ n < Max for signal counts.
	Min, Max       float64
	HasMin, HasMax bool
	// Count and Positives are training leads with the feature, and how
	// many of them converted.
	Count, Positives int
	// Reference: the level of its field that the export scores 0 — its
	// "not given" when enough training leads lacked the field, else its
	// most common level (which a lead without the field then counts as).
	Reference bool
}

// Name is the feature as the report and rule labels write it:
// `industry "Software"`, "company_size 50–199", `job_title word "vp"`.
func (f Feature) Name() string {
	switch f.kind {
	case featValue:
		return f.Field + " " + strconv.Quote(shorten(f.Value, 60))
	case featOther:
		return f.Field + " (another value)"
	case featMissing:
		return f.Field + " (not given)"
	case featWord:
		return f.Field + " word " + strconv.Quote(f.Value)
	case featBin:
		return f.Field + " " + f.rangeText()
	case featCount:
		return f.Field + " (each)"
	}
	return f.Field
}

// Phrase says what the feature means in a sentence about a lead.
func (f Feature) Phrase() string {
	switch f.kind {
	case featValue:
		return f.Field + " is " + quoteWord(shorten(f.Value, 60))
	case featOther:
		return f.Field + " is another value"
	case featMissing:
		if f.Signal {
			return f.Field + " unknown"
		}
		return f.Field + " not given"
	case featWord:
		return f.Field + " contains the word " + quoteWord(f.Value)
	case featBin:
		return f.Field + " " + f.rangeText()
	case featCount:
		return "each " + strings.ReplaceAll(f.Field, "_", " ")
	}
	return f.Field
}

// quoteWord quotes a value for prose with typographic quotes, on one
// line: a cell's line breaks read as spaces, so a quoted value can break
// neither a report's list nor a YAML comment.
func quoteWord(s string) string { return "“" + oneLine.Replace(s) + "”" }

var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// rangeText is "under 50", "50–199", "1,000 or more" (fields, inclusive
// bounds), "0", "2–3", "4 or more" (signal counts, whole numbers).
func (f Feature) rangeText() string {
	if f.Signal {
		lo := f.Min
		switch {
		case !f.HasMax:
			return humanNumber(lo) + " or more"
		case f.Max-lo <= 1:
			return humanNumber(lo)
		default:
			return humanNumber(lo) + "–" + humanNumber(f.Max-1)
		}
	}
	switch {
	case f.HasMin && f.HasMax && f.Min == f.Max:
		return humanNumber(f.Min)
	case f.HasMin && f.HasMax:
		return humanNumber(f.Min) + "–" + humanNumber(f.Max)
	case f.HasMax:
		return "up to " + humanNumber(f.Max)
	case f.HasMin:
		return humanNumber(f.Min) + " or more"
	}
	return "any number"
}

// Encoder turns examples into the active feature indexes of the model. It
// is learned from the training split only, so values first seen at
// prediction time are simply "another value".
type Encoder struct {
	Features []Feature
	fields   []fieldEncoder
}

type fieldEncoder struct {
	name    string
	kind    Kind
	signal  bool
	values  map[string]int // lowercased category value or word → feature
	other   int            // feature index, -1 when none
	missing int            // feature index of "not given", -1 when too few training leads lacked the field
	bins    []int          // feature indexes of bins, in ascending order
	count   int            // signals: the feature of the count
	// ref is the feature index of the level scored 0 (categories and
	// numbers; -1 for words and signals). Without a "not given" feature,
	// a lead without the field has this level.
	ref int
	// otherValues are the values pooled as "another value" in training
	// (one spelling each, most frequent first, at most maxOtherValues):
	// the export lists them. otherKeys are them lowercased; a value that
	// is neither listed nor among them (first seen later) counts as not
	// given, as the exported rules read it.
	otherValues []string
	otherKeys   map[string]bool
	// imputed counts training leads without the field that took ref.
	imputed int
}

// NewEncoder learns the features of the fields and signals from the
// training examples: frequent values (≥ MinCount, at most MaxValues) of
// categories and words, quantile bins of numbers, and a per-event count of
// each signal. "Not given" is a level of its own only when at least
// MinCount training leads lacked the field; otherwise such a lead counts
// as the field's most common level (a category's or a number's) or as
// given without a listed word.
func NewEncoder(train []Example, fields []FieldSpec, signals []string, o FeatureOptions) *Encoder {
	o = o.withDefaults()
	e := &Encoder{}
	for _, f := range fields {
		fe := fieldEncoder{name: f.Name, kind: f.Kind, other: -1, missing: -1, ref: -1, count: -1}
		switch f.Kind {
		case KindNumber:
			e.numberFeatures(&fe, train, o)
		case KindWords:
			e.wordFeatures(&fe, train, o)
		default:
			e.categoryFeatures(&fe, train, o)
		}
		e.fields = append(e.fields, fe)
	}
	for _, s := range signals {
		fe := fieldEncoder{name: s, kind: KindNumber, signal: true, other: -1, missing: -1, ref: -1}
		fe.count = e.add(Feature{Field: s, Signal: true, kind: featCount})
		e.fields = append(e.fields, fe)
	}
	for _, x := range train {
		for _, i := range e.Encode(x) {
			e.Features[i].Count++
			if x.Positive {
				e.Features[i].Positives++
			}
		}
	}
	for i := range e.fields {
		fe := &e.fields[i]
		if fe.kind == KindWords || fe.signal || fe.missing >= 0 {
			continue
		}
		fe.ref = -1
		for _, j := range e.levels(fe) {
			if fe.ref < 0 || e.Features[j].Count > e.Features[fe.ref].Count {
				fe.ref = j
			}
		}
		for _, x := range train {
			if fe.missingIn(e.Features, x) {
				fe.imputed++
			}
		}
	}
	for i := range e.fields {
		fe := &e.fields[i]
		if fe.ref >= 0 {
			e.Features[fe.ref].Reference = true
		} else if fe.missing >= 0 {
			e.Features[fe.missing].Reference = true
		}
	}
	return e
}

// levels are the features of a field of which each lead has exactly one
// (categories and numbers), "not given" included when it is one.
func (e *Encoder) levels(fe *fieldEncoder) []int {
	var out []int
	switch fe.kind {
	case KindNumber:
		out = append(out, fe.bins...)
	case KindWords:
		return nil
	default:
		out = append(out, sortedValues(fe.values)...)
		if fe.other >= 0 {
			out = append(out, fe.other)
		}
	}
	if fe.missing >= 0 {
		out = append(out, fe.missing)
	}
	return out
}

// missingIn reports whether the example has no usable value of the field
// (for a number: no number, or one between two bins' edges).
func (fe *fieldEncoder) missingIn(feats []Feature, x Example) bool {
	v := strings.TrimSpace(x.Fields[fe.name])
	if v == "" {
		return true
	}
	if fe.kind == KindNumber {
		return fe.bin(feats, v) < 0
	}
	return false
}

func (o FeatureOptions) withDefaults() FeatureOptions {
	if o.MinCount <= 0 {
		o.MinCount = DefaultMinCount
	}
	if o.MaxValues <= 0 {
		o.MaxValues = DefaultMaxValues
	}
	if o.Bins < 2 {
		o.Bins = DefaultBins
	}
	return o
}

func (e *Encoder) add(f Feature) int {
	e.Features = append(e.Features, f)
	return len(e.Features) - 1
}

// frequent is the keys seen at least min times, most frequent first (ties
// alphabetical), at most max of them.
func frequent(counts map[string]int, min, max int) []string {
	var keys []string
	for k, n := range counts {
		if n >= min {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > max {
		keys = keys[:max]
	}
	return keys
}

func (e *Encoder) categoryFeatures(fe *fieldEncoder, train []Example, o FeatureOptions) {
	counts := map[string]int{}
	spellings := map[string]map[string]int{}
	missing, present := 0, 0
	for _, x := range train {
		v := strings.TrimSpace(x.Fields[fe.name])
		if v == "" {
			missing++
			continue
		}
		present++
		k := strings.ToLower(v)
		counts[k]++
		if spellings[k] == nil {
			spellings[k] = map[string]int{}
		}
		spellings[k][v]++
	}
	fe.values = map[string]int{}
	listed := 0
	for _, k := range frequent(counts, o.MinCount, o.MaxValues) {
		fe.values[k] = e.add(Feature{Field: fe.name, kind: featValue, Value: commonest(spellings[k])})
		listed += counts[k]
	}
	if present > listed {
		fe.other = e.add(Feature{Field: fe.name, kind: featOther})
		fe.otherKeys = map[string]bool{}
		for _, k := range frequent(counts, 1, len(counts)) {
			if _, ok := fe.values[k]; !ok && len(fe.otherValues) < maxOtherValues {
				fe.otherValues = append(fe.otherValues, commonest(spellings[k]))
				fe.otherKeys[k] = true
			}
		}
	}
	if missing >= o.MinCount {
		fe.missing = e.add(Feature{Field: fe.name, kind: featMissing})
	}
}

// commonest is the most frequent spelling (ties: the first alphabetically).
func commonest(spellings map[string]int) string {
	best, n := "", -1
	for s, c := range spellings {
		if c > n || (c == n && s < best) {
			best, n = s, c
		}
	}
	return best
}

func (e *Encoder) wordFeatures(fe *fieldEncoder, train []Example, o FeatureOptions) {
	df := map[string]int{}
	missing := 0
	for _, x := range train {
		v := x.Fields[fe.name]
		if strings.TrimSpace(v) == "" {
			missing++
			continue
		}
		for _, w := range words(v) {
			df[w]++
		}
	}
	fe.values = map[string]int{}
	for _, w := range frequent(df, o.MinCount, o.MaxValues) {
		fe.values[w] = e.add(Feature{Field: fe.name, kind: featWord, Value: w})
	}
	if missing >= o.MinCount {
		fe.missing = e.add(Feature{Field: fe.name, kind: featMissing})
	}
}

func (e *Encoder) numberFeatures(fe *fieldEncoder, train []Example, o FeatureOptions) {
	var vals []float64
	missing := 0
	decimals := 0
	for _, x := range train {
		n, ok := parseNumber(x.Fields[fe.name])
		if !ok {
			missing++
			continue
		}
		vals = append(vals, n)
		decimals = max(decimals, decimalsOf(n))
	}
	sort.Float64s(vals)
	step := math.Pow10(-decimals)
	cuts := quantileCuts(vals, o.Bins, o.MinCount, decimals)
	for i := 0; i <= len(cuts); i++ {
		f := Feature{Field: fe.name, kind: featBin}
		if i > 0 {
			f.Min, f.HasMin = cuts[i-1], true
		}
		if i < len(cuts) {
			f.Max, f.HasMax = roundTo(cuts[i]-step, decimals), true
		}
		if len(vals) > 0 {
			fe.bins = append(fe.bins, e.add(f))
		}
	}
	if missing >= o.MinCount || len(vals) == 0 && missing > 0 {
		fe.missing = e.add(Feature{Field: fe.name, kind: featMissing})
	}
}

// decimalsOf is how many decimals a number read from text has (at most 4).
func decimalsOf(n float64) int {
	for d := 0; d < 4; d++ {
		p := math.Pow10(d)
		if math.Abs(n*p-math.Round(n*p)) < 1e-9*math.Max(1, math.Abs(n*p)) {
			return d
		}
	}
	return 4
}

func roundTo(f float64, decimals int) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', decimals, 64), 64)
	return v
}

// quantileCuts are the lower bounds of bins 2…k of sorted values: quantiles
// rounded to two significant digits (so edges read like 50 or 1,200),
// with bins under min values merged into a neighbour.
func quantileCuts(vals []float64, bins, minCount, decimals int) []float64 {
	n := len(vals)
	if n == 0 {
		return nil
	}
	var cuts []float64
	for k := 1; k < bins; k++ {
		c := roundTo(niceNumber(vals[k*n/bins]), decimals)
		if c > vals[0] && (len(cuts) == 0 || c > cuts[len(cuts)-1]) {
			cuts = append(cuts, c)
		}
	}
	for len(cuts) > 0 {
		counts := binCounts(vals, cuts)
		small := -1
		for i, c := range counts {
			if c < minCount && (small < 0 || c < counts[small]) {
				small = i
			}
		}
		if small < 0 {
			break
		}
		// Merge the bin with its smaller neighbour: drop the cut between.
		switch {
		case small == 0:
			cuts = slices.Delete(cuts, 0, 1)
		case small == len(counts)-1:
			cuts = cuts[:len(cuts)-1]
		case counts[small-1] <= counts[small+1]:
			cuts = slices.Delete(cuts, small-1, small)
		default:
			cuts = slices.Delete(cuts, small, small+1)
		}
	}
	return cuts
}

func binCounts(sorted, cuts []float64) []int {
	counts := make([]int, len(cuts)+1)
	b := 0
	for _, v := range sorted {
		for b < len(cuts) && v >= cuts[b] {
			b++
		}
		counts[b]++
	}
	return counts
}

// niceNumber rounds to two significant digits: 47 → 47, 137 → 140.
func niceNumber(f float64) float64 {
	if f == 0 {
		return 0
	}
	mag := math.Pow10(int(math.Floor(math.Log10(math.Abs(f)))) - 1)
	return math.Round(f/mag) * mag
}

// Encode is the indexes of the features an example has, ascending.
func (e *Encoder) Encode(x Example) []int32 {
	idx, _ := e.encodeRow(x)
	return idx
}

// encodeRow is the indexes of the features an example has, ascending,
// and their values: nil when all are 1 (no signal counted).
func (e *Encoder) encodeRow(x Example) ([]int32, []float64) {
	out := make([]int32, 0, len(e.fields)+4)
	var counts []int32
	var vals []float64
	for i := range e.fields {
		fe := &e.fields[i]
		if fe.signal {
			if n := x.Signals[fe.name]; n != 0 && fe.count >= 0 {
				counts = append(counts, int32(fe.count))
				vals = append(vals, n)
			}
			continue
		}
		out = fe.encode(e.Features, x, out)
	}
	slices.Sort(out)
	if len(counts) == 0 {
		return out, nil
	}
	// Signal features come after every field's (NewEncoder adds them
	// last, in order), so appending keeps the row ascending.
	ones := make([]float64, len(out), len(out)+len(counts))
	for i := range ones {
		ones[i] = 1
	}
	return append(out, counts...), append(ones, vals...)
}

// bin is the feature of the bin holding the number in v, -1 when v has
// no number or one between two bins' edges.
func (fe *fieldEncoder) bin(feats []Feature, v string) int {
	n, ok := parseNumber(v)
	if !ok {
		return -1
	}
	for _, b := range fe.bins {
		f := feats[b]
		if (!f.HasMin || n >= f.Min) && (!f.HasMax || n <= f.Max) {
			return b
		}
	}
	return -1
}

// absent is what a lead without the field gets: "not given" when that is
// a level, else the reference level (nothing for words).
func (fe *fieldEncoder) absent(out []int32) []int32 {
	switch {
	case fe.missing >= 0:
		return append(out, int32(fe.missing))
	case fe.ref >= 0:
		return append(out, int32(fe.ref))
	}
	return out
}

func (fe *fieldEncoder) encode(feats []Feature, x Example, out []int32) []int32 {
	v := strings.TrimSpace(x.Fields[fe.name])
	switch fe.kind {
	case KindNumber:
		if b := fe.bin(feats, v); b >= 0 {
			return append(out, int32(b))
		}
		// No number, or one between two bins' edges: no range rule
		// matches it either, so it counts as not given.
		return fe.absent(out)
	case KindWords:
		if v == "" {
			return fe.absent(out)
		}
		for _, w := range words(v) {
			if i, ok := fe.values[w]; ok {
				out = append(out, int32(i))
			}
		}
	default:
		k := strings.ToLower(v)
		switch i, ok := fe.values[k]; {
		case v == "":
			return fe.absent(out)
		case ok:
			out = append(out, int32(i))
		case fe.other >= 0 && fe.otherKeys[k]:
			out = append(out, int32(fe.other))
		default:
			return fe.absent(out)
		}
	}
	return out
}

// column is the features of one field or signal, for single-column checks.
func (e *Encoder) column(name string, signal bool) []int {
	for _, fe := range e.fields {
		if fe.name != name || fe.signal != signal {
			continue
		}
		var out []int
		for i, f := range e.Features {
			if f.Field == name && f.Signal == signal {
				out = append(out, i)
			}
		}
		return out
	}
	return nil
}

// describe lists the fields and their feature counts for progress lines.
func (e *Encoder) describe() string {
	return fmt.Sprintf("%d features from %d columns", len(e.Features), len(e.fields))
}
