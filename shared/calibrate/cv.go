package calibrate

import (
	"math"
	"math/rand/v2"
	"slices"
)

// binChoices are the numbers of bins of numbers cross-validation tries.
var binChoices = []int{5, 10, 15, 20}

// cvFolds is how many folds choose the bins.
const cvFolds = 3

// chooseBins picks how many quantile bins numbers get: the choice with
// the best mean AUC over cvFolds stratified folds of the training leads,
// the fewest bins among those within 0.002 of the best (fewer rules read
// better). Without number fields there is nothing to choose.
func chooseBins(train []Example, fields []FieldSpec, signals []string, o Options) (int, []BinScore) {
	hasNumber := false
	for _, f := range fields {
		hasNumber = hasNumber || f.Kind == KindNumber
	}
	if !hasNumber {
		return DefaultBins, nil
	}
	fold := folds(train, cvFolds, o.Seed)
	var scores []BinScore
	for _, k := range binChoices {
		fo := o.Features
		fo.Bins = k
		sum, n := 0.0, 0
		for f := range cvFolds {
			var tr, te []Example
			for i, x := range train {
				if fold[i] == f {
					te = append(te, x)
				} else {
					tr = append(tr, x)
				}
			}
			enc := NewEncoder(tr, fields, signals, fo)
			m, err := fitEncoded(enc, tr, o.L2, nil)
			if err != nil {
				continue
			}
			probs := make([]float64, len(te))
			for i, x := range te {
				probs[i] = predict(enc, &m, x)
			}
			if auc := AUC(probs, outcomes(te)); !math.IsNaN(auc) {
				sum += auc
				n++
			}
		}
		if n > 0 {
			scores = append(scores, BinScore{Bins: k, AUC: sum / float64(n)})
		}
	}
	if len(scores) == 0 {
		return DefaultBins, nil
	}
	best := scores[0]
	for _, s := range scores {
		if s.AUC > best.AUC {
			best = s
		}
	}
	for _, s := range scores { // ascending bins: the first close enough
		if s.AUC >= best.AUC-0.002 {
			return s.Bins, scores
		}
	}
	return best.Bins, scores
}

// folds assigns each example a fold 0…k-1, stratified by outcome.
func folds(xs []Example, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 0x666f6c6473)) // "folds"
	out := make([]int, len(xs))
	for _, positive := range []bool{true, false} {
		var idx []int
		for i, x := range xs {
			if x.Positive == positive {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for j, i := range idx {
			out[i] = j % k
		}
	}
	return out
}

// maxWhatIf bounds how many flagged columns get a model of their own.
const maxWhatIf = 5

// whatIf measures, for each flagged column left out, what learning from
// it would have claimed on the holdout and what live leads, arriving
// without it, would have got from that model; for a flagged column kept
// and a number field made of a signal the product does not record, both
// in the model, what leads arriving without it get.
func (r *Result) whatIf(fields []FieldSpec, signals []string) {
	if r.OnTrain {
		return
	}
	done := 0
	for i := range r.Leakage {
		c := &r.Leakage[i]
		notRecorded := c.FromSignal != "" && !c.Dropped
		if !c.Flagged && !notRecorded || c.Excluded || done == maxWhatIf {
			continue
		}
		done++
		fs, ss := fields, signals
		if c.Kept || notRecorded {
			// In the model already: only blank it.
		} else if c.Signal {
			ss = append(slices.Clone(signals), c.Field)
		} else {
			for _, f := range r.Data.Fields {
				if f.Name == c.Field {
					fs = append(slices.Clone(fields), f)
				}
			}
		}
		fo := r.Options.Features
		fo.Bins = r.Bins
		enc := NewEncoder(r.Train, fs, ss, fo)
		m, err := fitEncoded(enc, r.Train, r.Options.L2, nil)
		if err != nil {
			continue
		}
		claimed := make([]float64, len(r.Test))
		live := make([]float64, len(r.Test))
		for j, x := range r.Test {
			claimed[j] = predict(enc, &m, x)
			live[j] = predict(enc, &m, blank(x, []string{c.Field}))
		}
		y := outcomes(r.Test)
		c.WhatIf, c.Claimed, c.Live = true, AUC(claimed, y), AUC(live, y)
	}
}

// blank is the example without the named fields and signals: as a live
// lead arrives when those are filled in later.
func blank(x Example, names []string) Example {
	if len(names) == 0 {
		return x
	}
	fields := make(map[string]string, len(x.Fields))
	for k, v := range x.Fields {
		if !slices.Contains(names, k) {
			fields[k] = v
		}
	}
	var signals map[string]float64
	if x.Signals != nil {
		signals = make(map[string]float64, len(x.Signals))
		for k, v := range x.Signals {
			if !slices.Contains(names, k) {
				signals[k] = v
			}
		}
	}
	x.Fields, x.Signals = fields, signals
	return x
}
