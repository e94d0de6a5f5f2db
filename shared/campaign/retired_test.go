package campaign

import (
	"fmt"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
)

const variantBLine = `  - {id: b, weight: 50, headline: "Answer every hot lead in 5 minutes", offer: "Free routing audit", cta: "Get my audit"}`

// TestRetiredVariant: marketing ended variant b of an A/B test. Marked
// retired: true it stays in the file — its leads still carry it, and
// segments, alerts and reports still name it — but no visitor is shown
// it any more, neither drawn by weight nor pinned by ?variant=b.
func TestRetiredVariant(t *testing.T) {
	src := strings.Replace(full, variantBLine,
		`  - {id: b, retired: true, headline: "Answer every hot lead in 5 minutes", offer: "Free routing audit", cta: "Get my audit"}`, 1)
	if src == full {
		t.Fatal("fixture changed: variant b not found")
	}
	c := mustParse(t, src)
	if len(c.Variants) != 1 || c.Variants[0].ID != "a" {
		t.Fatalf("shown variants = %+v", c.Variants)
	}
	if len(c.Retired) != 1 || c.Retired[0].ID != "b" || c.Retired[0].Headline != "Answer every hot lead in 5 minutes" {
		t.Fatalf("retired variants = %+v", c.Retired)
	}
	for i := range 200 {
		if v := c.PickVariant(fmt.Sprintf("visitor-%d", i)); v.ID != "a" {
			t.Fatalf("visitor %d is shown retired variant %s", i, v.ID)
		}
	}
	if _, ok := c.Variant("b"); ok {
		t.Error("a retired variant can still be pinned")
	}
	if got := c.VariantIDs(); strings.Join(got, ",") != "a,b" {
		t.Errorf("known variant ids = %v", got)
	}
	set := newSet([]*Campaign{c})
	if h, ok := set.VariantHeadline("q4-demo", "b"); !ok || h != "Answer every hot lead in 5 minutes" {
		t.Errorf("an alert about a lead of retired variant b shows %q, %v", h, ok)
	}
	if _, err := c.VariantSnippet("https://api.example.com", "b"); err == nil {
		t.Error("the static snippet of a retired variant is still served")
	}
	// A retired variant needs no weight, even in an A/B test of several.
	src3 := strings.Replace(full, variantBLine, variantBLine+"\n"+
		`  - {id: c, retired: yes, headline: "Old", cta: "Go"}`, 1)
	if c3 := mustParse(t, src3); len(c3.Variants) != 2 || len(c3.Retired) != 1 {
		t.Errorf("variants %+v retired %+v", c3.Variants, c3.Retired)
	}
}

func TestRetiredVariantValidation(t *testing.T) {
	const variantA = `{id: a, weight: 50, headline: "See leadflow on your own funnel", offer: "30-minute demo with your data", cta: "Book my demo"}`
	tests := []struct{ Name, Old, New, Marker, Want string }{
		{"retired not a boolean", "{id: b, weight: 50,", "{id: b, retired: soon,", "retired: soon",
			`variants[1].retired: expected true or false, got "soon"`},
		{"retired variant id reused", variantBLine, variantBLine + "\n  - {id: a, retired: true, headline: H, cta: C}", "{id: a, retired",
			`variants[2]: duplicate variant id "a" (first at line 8)`},
		{"retired first still leaves the A/B test its weights", variantA, strings.Replace(variantA, "weight: 50", "retired: true", 1) +
			"\n  - {id: c, headline: H, cta: C}", "{id: c,",
			`variants[1]: missing weight (every variant of an A/B test needs one, such as weight: 50)`},
	}
	parse := func(b []byte, file string) error {
		_, err := Parse(b, file)
		return err
	}
	yamltest.CheckEdits(t, full, "q4-demo.yaml", ErrInvalid, parse, tests)
	// With b retired, retiring a too leaves nothing to show.
	onlyA := strings.Replace(full, "{id: b, weight: 50,", "{id: b, retired: true,", 1)
	yamltest.CheckEdits(t, onlyA, "q4-demo.yaml", ErrInvalid, parse, []struct{ Name, Old, New, Marker, Want string }{
		{"every variant retired", "{id: a, weight: 50,", "{id: a, retired: true,", "variants:",
			"variants: every variant is retired (leave at least one without retired: true, to show visitors)"},
	})
}
