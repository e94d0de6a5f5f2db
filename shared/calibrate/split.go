package calibrate

import (
	"math"
	"math/rand/v2"
	"slices"
)

// split divides examples into a training and a holdout part, stratified
// by outcome so both keep the base rate: of each class, round(holdout ×
// its count) go to the holdout, drawn by a generator seeded with seed.
// Both parts keep the examples' original order.
func split(examples []Example, holdout float64, seed uint64) (train, test []Example) {
	var pos, neg []int
	for i, e := range examples {
		if e.Positive {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x6c656164666c6f77)) // "leadflow"
	inTest := make([]bool, len(examples))
	for _, class := range [][]int{pos, neg} {
		rng.Shuffle(len(class), func(i, j int) { class[i], class[j] = class[j], class[i] })
		k := int(math.Round(holdout * float64(len(class))))
		held := slices.Clone(class[:k])
		for _, i := range held {
			inTest[i] = true
		}
	}
	for i, e := range examples {
		if inTest[i] {
			test = append(test, e)
		} else {
			train = append(train, e)
		}
	}
	return train, test
}
