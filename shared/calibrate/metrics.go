package calibrate

import (
	"math"
	"sort"
)

// AUC is the area under the ROC curve of scores against outcomes: the
// chance that a random converted lead scores above a random other one
// (ties count half). It is NaN without both kinds of lead.
func AUC(scores []float64, positive []bool) float64 {
	n := len(scores)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var pos, neg int
	rankSum := 0.0
	for i := 0; i < n; {
		j := i
		for j < n && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1 … j
		for k := i; k < j; k++ {
			if positive[idx[k]] {
				pos++
				rankSum += avg
			}
		}
		i = j
	}
	neg = n - pos
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - float64(pos)*float64(pos+1)/2) / (float64(pos) * float64(neg))
}

// TopK is what handing the best-scored share of leads to sales yields.
type TopK struct {
	Share     float64 // of all leads, 0.2 = the top 20%
	Leads     int
	Converted int
	Precision float64 // converted / leads
	Recall    float64 // converted / all converted leads
	Lift      float64 // precision / base rate
}

// topK ranks leads by score (ties: earlier first, so results are
// reproducible) and counts the conversions among the top share.
func topK(scores []float64, positive []bool, share float64) TopK {
	n := len(scores)
	idx := rankDesc(scores)
	k := int(math.Round(share * float64(n)))
	k = max(1, min(k, n))
	t := TopK{Share: share, Leads: k}
	total := 0
	for i, j := range idx {
		if positive[j] {
			total++
			if i < k {
				t.Converted++
			}
		}
	}
	t.Precision = float64(t.Converted) / float64(k)
	if total > 0 {
		t.Recall = float64(t.Converted) / float64(total)
		t.Lift = t.Precision / (float64(total) / float64(n))
	}
	return t
}

// rankDesc is the indexes of scores, highest first, ties by index.
func rankDesc(scores []float64) []int {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	return idx
}

// CalibrationBin is one group of leads with similar predicted chances.
type CalibrationBin struct {
	Leads     int
	Predicted float64 // mean predicted probability
	Actual    float64 // share that converted
	MinP      float64
	MaxP      float64
}

// calibration cuts leads sorted by predicted probability into bins of
// (nearly) equal size, lowest first.
func calibration(probs []float64, positive []bool, bins int) []CalibrationBin {
	n := len(probs)
	if n == 0 {
		return nil
	}
	bins = min(bins, n)
	idx := rankDesc(probs)
	for i, j := 0, len(idx)-1; i < j; i, j = i+1, j-1 {
		idx[i], idx[j] = idx[j], idx[i]
	}
	out := make([]CalibrationBin, bins)
	for b := range out {
		lo, hi := b*n/bins, (b+1)*n/bins
		c := CalibrationBin{Leads: hi - lo, MinP: math.Inf(1), MaxP: math.Inf(-1)}
		pos := 0
		for _, j := range idx[lo:hi] {
			c.Predicted += probs[j]
			c.MinP = math.Min(c.MinP, probs[j])
			c.MaxP = math.Max(c.MaxP, probs[j])
			if positive[j] {
				pos++
			}
		}
		if c.Leads > 0 {
			c.Predicted /= float64(c.Leads)
			c.Actual = float64(pos) / float64(c.Leads)
		}
		out[b] = c
	}
	return out
}

// baseRate is the share of positive outcomes.
func baseRate(positive []bool) float64 {
	if len(positive) == 0 {
		return 0
	}
	n := 0
	for _, p := range positive {
		if p {
			n++
		}
	}
	return float64(n) / float64(len(positive))
}
