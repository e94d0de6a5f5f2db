package calibrate

import (
	"fmt"
	"math"
	"strings"
)

// ColumnCheck is how well one column predicts the outcome on its own, on
// the training leads. A column that does so almost perfectly was most
// likely filled in after the outcome was known (a status, a sales note, a
// quality rating): learning from it makes a model that looks perfect in
// this report and fails on new leads.
type ColumnCheck struct {
	Column   string // CSV column (the field or signal name for other sources)
	Use      string // "industry", "signal pricing_page_view", "excluded"
	AUC      float64
	Flagged  bool // AUC ≥ LeakageAUC on a column the model uses
	Excluded bool // listed under exclude: checked to confirm the exclusion
}

// Warning is the flag as one line for stderr and the report.
func (c ColumnCheck) Warning() string {
	return fmt.Sprintf("column %q (%s) alone predicts the outcome almost perfectly (AUC %.3f on training leads): "+
		"it was probably filled in after the outcome was known; add it to exclude in the mapping",
		c.Column, c.Use, c.AUC)
}

// checkLeakage fits a one-column model per mapped column (its features
// only) and measures its training AUC; number and signal columns are also
// ranked by their raw value, so a fine-grained leak is not hidden by the
// bins. Excluded columns get the same check on their values, to confirm
// that excluding them was right.
func checkLeakage(r *Result) []ColumnCheck {
	ds, enc := r.Data, r.Encoder
	y := make([]bool, len(r.Train))
	for i, x := range r.Train {
		y[i] = x.Positive
	}
	columnOf := map[string]string{}
	for _, q := range ds.Quality {
		columnOf[q.Use] = q.Column
	}
	var out []ColumnCheck
	check := func(name string, signal bool, use, column string) {
		feats := enc.column(name, signal)
		auc := 0.5
		if len(feats) > 0 {
			auc = singleColumnAUC(enc, feats, r.Train, y, r.Options.L2)
		}
		if signal {
			raw := make([]float64, len(r.Train))
			for i, x := range r.Train {
				raw[i] = x.Signals[name]
			}
			auc = math.Max(auc, twoSided(AUC(raw, y)))
		} else if enc.fieldKind(Feature{Field: name}) == KindNumber {
			auc = math.Max(auc, rawNumberAUC(r.Train, name, y))
		}
		if column == "" {
			column = name
		}
		out = append(out, ColumnCheck{Column: column, Use: use, AUC: auc, Flagged: auc >= LeakageAUC})
	}
	for _, f := range ds.Fields {
		use := f.Name + " (" + string(f.Kind) + ")"
		check(f.Name, false, f.Name, columnOf[use])
	}
	for _, s := range ds.Signals {
		check(s, true, "signal "+s, columnOf["signal "+s])
	}
	for i, col := range ds.Excluded {
		vals := make([]string, len(r.Train))
		for j, x := range r.Train {
			if i < len(x.excluded) {
				vals[j] = x.excluded[i]
			}
		}
		out = append(out, ColumnCheck{Column: col, Use: "excluded", Excluded: true,
			AUC: valuesAUC(vals, y, r.Options.Features.MinCount)})
	}
	return out
}

// singleColumnAUC is the training AUC of a model on one column's features.
func singleColumnAUC(enc *Encoder, feats []int, train []Example, y []bool, l2 float64) float64 {
	local := make(map[int32]int32, len(feats))
	for i, f := range feats {
		local[int32(f)] = int32(i)
	}
	rows := make([][]int32, len(train))
	for i, x := range train {
		for _, f := range enc.Encode(x) {
			if j, ok := local[f]; ok {
				rows[i] = append(rows[i], j)
			}
		}
	}
	m, err := fitLogit(rows, y, len(feats), l2, nil)
	if err != nil {
		return 0.5
	}
	scores := make([]float64, len(rows))
	for i, row := range rows {
		scores[i] = m.logOdds(row)
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
