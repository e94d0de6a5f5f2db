package calibrate

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
)

// Thresholds of the column screening.
const (
	// LeakageAUC is the single-column AUC from which a column is flagged
	// as probably filled in after the outcome was known.
	LeakageAUC = 0.80
	// LeakageGap: a column whose AUC alone is this far above the next
	// best column's (and at least leakageGapFloor) is flagged too.
	LeakageGap      = 0.10
	leakageGapFloor = 0.70
	// NearConstant is the share of training leads with one value (not
	// given counting as a value) from which a column is dropped.
	NearConstant = 0.98
	// vocabulary and emptiness flags need the column to predict a little.
	leakageWeakAUC = 0.60
)

// ColumnCheck is what screening found about one mapped column on the
// training leads: how well it predicts the outcome alone, whether its
// values read like a sales outcome, whether being given depends on the
// outcome, whether it is nearly constant — and what was done about it.
//
// A column filled in after the outcome was known (a status, a sales note,
// a quality rating, tags sales set) makes a model that looks excellent in
// a report and fails on new leads, which arrive with the column empty.
type ColumnCheck struct {
	Column string // CSV column (the field or signal name for other sources)
	Use    string // "industry (category)", "signal pricing_page_view", "excluded"
	Field  string // the field or signal name in the dataset ("" for excluded columns)
	Signal bool
	// FromSignal is the signal column a number field was made of, a kind
	// the product does not record (time_on_site): live leads have it
	// only when the form sends it as an answer.
	FromSignal string
	AUC        float64 // the column alone, on training leads, either direction
	// GivenPositive and GivenNegative are the shares of converted and of
	// other training leads that have the field (fields only).
	GivenPositive, GivenNegative float64
	// OutcomeWords is the share of given values that read like a sales
	// outcome ("Closed won", "Not interested", "Ringing"); OutcomeValues
	// are a few of them.
	OutcomeWords  float64
	OutcomeValues []string
	// Top is the share of training leads with the most common value
	// (TopValue; "" is not given).
	Top      float64
	TopValue string

	Flagged      bool     // looks filled in after the outcome
	Reasons      []string // why it is flagged, in words
	NearConstant bool     // Top ≥ NearConstant
	Kept         bool     // the mapping keeps it: used whatever the flags
	Dropped      bool     // flagged or nearly constant, not kept: left out of the model
	Excluded     bool     // listed under exclude: checked to confirm the exclusion

	// WhatIf: for a flagged column, or one made of a signal the product
	// does not record, the holdout AUC of the model learned with it
	// (Claimed) and of the same model scoring holdout leads with the
	// column blank, as live leads arrive (Live).
	WhatIf        bool
	Claimed, Live float64
}

// Warning is the flag as one line for stderr and the report.
func (c ColumnCheck) Warning() string {
	what := "left out of the model"
	if c.Kept {
		what = "kept because the mapping lists it under keep; live leads must have it when they arrive"
	}
	msg := fmt.Sprintf("column %q (%s) looks filled in after the outcome was known: %s; %s",
		c.Column, c.Use, strings.Join(c.Reasons, "; "), what)
	if c.WhatIf {
		msg += fmt.Sprintf(" (learned from, it would claim holdout AUC %.3f; live leads arrive without it: %.3f)", c.Claimed, c.Live)
	}
	return msg
}

// outcomeVocabulary are words and phrases of sales outcomes and of the
// notes and ratings sales writes once it has worked a lead.
var outcomeVocabulary = regexp.MustCompile(`(?i)\b(won|lost|closed|converted|conversion|enrolled|churned|cancell?ed|rejected|` +
	`disqualified|unqualified|junk|not interested|interested|not reachable|unreachable|no answer|switched off|ringing|` +
	`wrong number|invalid number|number not provided|call ?back|revert|follow ?up|hung up|hang ?up|lost to|` +
	`closed by|opportunity|worst|not sure|might be|relevance|hot lead|warm lead|cold lead|no show|already a student)\b`)

// screenColumns checks every mapped column on the training leads. keep
// names columns (or fields) the mapping keeps whatever the flags.
func screenColumns(ds *Dataset, train []Example, o Options, keep map[string]bool) []ColumnCheck {
	y := outcomes(train)
	var out []ColumnCheck
	for _, f := range ds.Fields {
		use := f.Name + " (" + string(f.Kind) + ")"
		if ds.fromSignal[f.Name] != "" {
			use = f.Name + " (number, from signal " + ds.fromSignal[f.Name] + ")"
		}
		c := ColumnCheck{Column: ds.column(f.Name + " (" + string(f.Kind) + ")"), Use: use, Field: f.Name, FromSignal: ds.fromSignal[f.Name]}
		if c.Column == "" {
			c.Column = f.Name
		}
		vals := make([]string, len(train))
		pos, neg, posGiven, negGiven := 0, 0, 0, 0
		for i, x := range train {
			vals[i] = strings.TrimSpace(x.Fields[f.Name])
			if x.Positive {
				pos++
				if vals[i] != "" {
					posGiven++
				}
			} else {
				neg++
				if vals[i] != "" {
					negGiven++
				}
			}
		}
		c.GivenPositive = ratio(posGiven, pos)
		c.GivenNegative = ratio(negGiven, neg)
		c.Top, c.TopValue = topShare(vals)
		c.AUC = singleColumnAUC(train, []FieldSpec{f}, nil, y, o)
		if f.Kind == KindNumber {
			c.AUC = math.Max(c.AUC, rawNumberAUC(train, f.Name, y))
		}
		if f.Kind != KindNumber {
			c.OutcomeWords, c.OutcomeValues = outcomeWords(vals)
		}
		out = append(out, c)
	}
	for _, s := range ds.Signals {
		if ds.arrival[s] {
			continue // derived from the form, not a column
		}
		c := ColumnCheck{Column: ds.column("signal " + s), Use: "signal " + s, Field: s, Signal: true}
		if c.Column == "" {
			c.Column = s
		}
		vals := make([]string, len(train))
		raw := make([]float64, len(train))
		for i, x := range train {
			raw[i] = x.Signals[s]
			vals[i] = fmt.Sprint(raw[i])
		}
		c.Top, c.TopValue = topShare(vals)
		c.AUC = math.Max(singleColumnAUC(train, nil, []string{s}, y, o), twoSided(AUC(raw, y)))
		out = append(out, c)
	}
	if !ds.FromForms {
		flagColumns(out)
	}
	for i := range out {
		c := &out[i]
		c.NearConstant = c.Top >= NearConstant
		c.Kept = keep[c.Column] || keep[c.Field]
		c.Dropped = (c.Flagged || c.NearConstant) && !c.Kept
	}
	for i, col := range ds.Excluded {
		vals := make([]string, len(train))
		for j, x := range train {
			if i < len(x.excluded) {
				vals[j] = x.excluded[i]
			}
		}
		out = append(out, ColumnCheck{Column: col, Use: "excluded", Excluded: true,
			AUC: valuesAUC(vals, y, o.Features.withDefaults().MinCount)})
	}
	return out
}

// flagColumns sets Flagged and Reasons of the mapped columns.
func flagColumns(cs []ColumnCheck) {
	for i := range cs {
		c := &cs[i]
		if c.AUC >= LeakageAUC {
			c.Reasons = append(c.Reasons, fmt.Sprintf("alone it predicts the outcome with AUC %.3f (≥ %.2f)", c.AUC, LeakageAUC))
		}
		if c.AUC >= leakageWeakAUC && (c.OutcomeWords >= 0.15 || c.OutcomeWords >= 0.05 && len(c.OutcomeValues) >= 3) {
			c.Reasons = append(c.Reasons, fmt.Sprintf("%s of its values read like a sales outcome (%s)",
				percent(c.OutcomeWords), strings.Join(quoteAll(c.OutcomeValues), ", ")))
		}
		lo, hi := math.Min(c.GivenPositive, c.GivenNegative), math.Max(c.GivenPositive, c.GivenNegative)
		if !c.Signal && c.AUC >= leakageWeakAUC && hi-lo >= 0.30 && hi >= 1.8*lo {
			c.Reasons = append(c.Reasons, fmt.Sprintf("whether it is given depends on the outcome (%s of converted leads have it, %s of the others)",
				percent(c.GivenPositive), percent(c.GivenNegative)))
		}
	}
	// Far above the next best: the top one to three columns, when a gap
	// of LeakageGap separates them from the rest.
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return cs[order[a]].AUC > cs[order[b]].AUC })
	for k := 0; k < min(3, len(order)-1); k++ {
		top, next := cs[order[k]].AUC, cs[order[k+1]].AUC
		if top < leakageGapFloor {
			break
		}
		if top-next >= LeakageGap {
			for _, j := range order[:k+1] {
				c := &cs[j]
				c.Reasons = append(c.Reasons, fmt.Sprintf("it predicts far better than the other columns (AUC %.3f; the best column not among the top: %.3f)", c.AUC, next))
			}
			break
		}
	}
	for i := range cs {
		cs[i].Flagged = len(cs[i].Reasons) > 0
	}
}

// outcomeWords is the share of given values that contain outcome
// vocabulary, and the most common such values (at most four).
func outcomeWords(vals []string) (float64, []string) {
	given, hits := 0, 0
	counts := map[string]int{}
	spelling := map[string]string{}
	seen := map[string]bool{} // value → has outcome words: each value matched once
	for _, v := range vals {
		if v == "" {
			continue
		}
		given++
		has, ok := seen[v]
		if !ok {
			has = outcomeVocabulary.MatchString(v)
			seen[v] = has
		}
		if has {
			hits++
			k := strings.ToLower(v)
			counts[k]++
			spelling[k] = v
		}
	}
	var examples []string
	for _, k := range frequent(counts, 1, 4) {
		examples = append(examples, shorten(spelling[k], 40))
	}
	if len(counts) > 4 {
		examples = append(examples, fmt.Sprintf("%d more", len(counts)-4))
	}
	return ratio(hits, given), examples
}

// topShare is the share of the most common value (case-insensitive) and
// that value.
func topShare(vals []string) (float64, string) {
	counts := map[string]int{}
	for _, v := range vals {
		counts[strings.ToLower(v)]++
	}
	best, n := "", -1
	for k, c := range counts {
		if c > n || c == n && k < best {
			best, n = k, c
		}
	}
	return ratio(n, len(vals)), best
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// singleColumnAUC is the training AUC of a model of one column's features.
func singleColumnAUC(train []Example, fields []FieldSpec, signals []string, y []bool, o Options) float64 {
	fo := o.Features
	if fo.Bins == 0 {
		fo.Bins = DefaultBins
	}
	enc := NewEncoder(train, fields, signals, fo)
	if len(enc.Features) == 0 {
		return 0.5
	}
	rows, vals, _ := encodeAll(enc, train)
	m, err := fitLogit(rows, vals, y, len(enc.Features), o.L2, nil)
	if err != nil {
		return 0.5
	}
	scores := make([]float64, len(rows))
	for i, row := range rows {
		var v []float64
		if vals != nil {
			v = vals[i]
		}
		scores[i] = m.logOdds(row, v)
	}
	return twoSided(AUC(scores, y))
}

// rawNumberAUC ranks leads by the number itself, with leads without one
// placed below or above all others, whichever predicts better.
func rawNumberAUC(train []Example, field string, y []bool) float64 {
	low := make([]float64, len(train))
	high := make([]float64, len(train))
	for i, x := range train {
		if n, ok := parseNumber(x.Fields[field]); ok {
			low[i], high[i] = n, n
		} else {
			low[i], high[i] = math.Inf(-1), math.Inf(1)
		}
	}
	return math.Max(twoSided(AUC(low, y)), twoSided(AUC(high, y)))
}

// valuesAUC is the AUC of scoring each lead by the conversion rate of its
// value (values seen fewer than minCount times pooled), or by the value
// itself when nearly all values are numbers.
func valuesAUC(vals []string, y []bool, minCount int) float64 {
	nums := make([]float64, len(vals))
	numeric, given := 0, 0
	for i, v := range vals {
		if v == "" {
			continue
		}
		given++
		if n, ok := parseNumber(v); ok {
			nums[i] = n
			numeric++
		}
	}
	best := 0.5
	if given > 0 && numeric*10 >= given*9 {
		best = twoSided(AUC(nums, y))
	}
	type rate struct{ n, pos int }
	groups := map[string]*rate{}
	keyOf := func(v string) string { return strings.ToLower(v) }
	for i, v := range vals {
		g := groups[keyOf(v)]
		if g == nil {
			g = &rate{}
			groups[keyOf(v)] = g
		}
		g.n++
		if y[i] {
			g.pos++
		}
	}
	pooled := rate{}
	for k, g := range groups {
		if g.n < minCount && k != "" {
			pooled.n += g.n
			pooled.pos += g.pos
		}
	}
	scores := make([]float64, len(vals))
	for i, v := range vals {
		g := groups[keyOf(v)]
		if g.n < minCount && v != "" {
			g = &pooled
		}
		scores[i] = float64(g.pos) / float64(g.n)
	}
	return math.Max(best, twoSided(AUC(scores, y)))
}

// twoSided makes an AUC direction-free: a column that predicts the
// outcome backwards predicts it just as well.
func twoSided(auc float64) float64 {
	if math.IsNaN(auc) {
		return 0.5
	}
	return math.Max(auc, 1-auc)
}

// NotRecorded is the warning for a column made of a signal the product
// does not record, used by the model: live leads have it only when the
// form sends it as an answer.
func (c ColumnCheck) NotRecorded() string {
	msg := fmt.Sprintf("column %q (signal %s) is learned as the number field %s, which live leads have only when the form sends it as that answer (a hidden field)",
		c.Column, c.FromSignal, c.Field)
	if c.WhatIf {
		msg += fmt.Sprintf("; the holdout AUC is %.3f with it, %.3f for leads arriving without it", c.Claimed, c.Live)
	}
	return msg
}
