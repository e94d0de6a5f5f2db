package campaign

import (
	"fmt"
	"math"
	"testing"
)

func TestPickVariantIsDeterministic(t *testing.T) {
	c := mustParse(t, full)
	again := mustParse(t, full)
	for i := range 200 {
		seed := fmt.Sprintf("token-%d", i)
		v := c.PickVariant(seed)
		if w := again.PickVariant(seed); w != v {
			t.Fatalf("seed %s: %s then %s", seed, v.ID, w.ID)
		}
		if got, ok := c.Variant(v.ID); !ok || got != v {
			t.Fatalf("picked %+v is not a variant", v)
		}
	}
}

func TestPickVariantRespectsWeights(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
	}{
		{"70/30", []int{70, 30}},
		{"50/50", []int{50, 50}},
		{"1/1/2", []int{1, 1, 2}},
		{"99/1", []int{99, 1}},
		{"single", []int{5}},
	}
	const n = 20000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Campaign{ID: "ab"}
			total := 0
			for i, w := range tt.weights {
				c.Variants = append(c.Variants, Variant{ID: fmt.Sprint("v", i), Weight: w})
				total += w
			}
			counts := map[string]int{}
			for i := range n {
				counts[c.PickVariant(fmt.Sprintf("%032x", i)).ID]++
			}
			for i, w := range tt.weights {
				share := float64(counts[fmt.Sprint("v", i)]) / n
				want := float64(w) / float64(total)
				if math.Abs(share-want) > 0.015 {
					t.Errorf("variant %d: share %.3f, want %.3f ± 0.015", i, share, want)
				}
			}
		})
	}
}

// The campaign id is part of the draw: the same visitor token does not
// land everyone in variant a of every campaign at once.
func TestPickVariantDependsOnCampaign(t *testing.T) {
	a := &Campaign{ID: "one", Variants: []Variant{{ID: "a", Weight: 1}, {ID: "b", Weight: 1}}}
	b := &Campaign{ID: "two", Variants: a.Variants}
	same := 0
	for i := range 1000 {
		seed := fmt.Sprint(i)
		if a.PickVariant(seed).ID == b.PickVariant(seed).ID {
			same++
		}
	}
	if same < 400 || same > 600 {
		t.Errorf("%d of 1000 seeds draw the same variant in both campaigns", same)
	}
}

func TestPickVariantOnHandBuiltCampaigns(t *testing.T) {
	if v := (&Campaign{}).PickVariant("x"); v != (Variant{}) {
		t.Errorf("no variants: %+v", v)
	}
	c := &Campaign{Variants: []Variant{{ID: "zero", Weight: 0}, {ID: "neg", Weight: -3}}}
	if v := c.PickVariant("x"); v.ID != "zero" {
		t.Errorf("no positive weight: %+v", v)
	}
	c.Variants = append(c.Variants, Variant{ID: "real", Weight: 2})
	for i := range 50 {
		if v := c.PickVariant(fmt.Sprint(i)); v.ID != "real" {
			t.Fatalf("picked %s with weight %d", v.ID, v.Weight)
		}
	}
	if _, ok := c.Variant("nope"); ok {
		t.Error("Variant(nope) found something")
	}
}
