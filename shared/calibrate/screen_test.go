package calibrate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestFlagColumns(t *testing.T) {
	col := func(name string, auc float64) ColumnCheck {
		return ColumnCheck{Column: name, Field: name, AUC: auc, GivenPositive: 1, GivenNegative: 1}
	}
	with := func(c ColumnCheck, f func(*ColumnCheck)) ColumnCheck { f(&c); return c }
	tests := []struct {
		name    string
		cols    []ColumnCheck
		flagged []string
		reason  string // part of the first flagged column's reasons
	}{
		{"nothing stands out", []ColumnCheck{col("a", 0.66), col("b", 0.64), col("c", 0.6)}, nil, ""},
		{"alone ≥ 0.80", []ColumnCheck{col("tags", 0.92), col("b", 0.85), col("c", 0.78)}, []string{"tags", "b"}, "alone it predicts the outcome with AUC 0.920 (≥ 0.80)"},
		{"far above the next best", []ColumnCheck{col("quality", 0.79), col("b", 0.66), col("c", 0.6)}, []string{"quality"},
			"it predicts far better than the other columns (AUC 0.790; the best column not among the top: 0.660)"},
		{"two far above the rest", []ColumnCheck{col("tags", 0.78), col("quality", 0.76), col("c", 0.62)}, []string{"tags", "quality"}, "far better"},
		{"close to the next: not far above", []ColumnCheck{col("time", 0.76), col("activity", 0.72), col("c", 0.70)}, nil, ""},
		{"a gap below the floor does not count", []ColumnCheck{col("a", 0.66), col("b", 0.52)}, nil, ""},
		{"outcome words", []ColumnCheck{with(col("notes", 0.70), func(c *ColumnCheck) { c.OutcomeWords, c.OutcomeValues = 0.4, []string{"Closed won"} }), col("b", 0.66)},
			[]string{"notes"}, "40% of its values read like a sales outcome (“Closed won”)"},
		{"a few outcome words among many values", []ColumnCheck{with(col("last_activity", 0.74), func(c *ColumnCheck) {
			c.OutcomeWords, c.OutcomeValues = 0.056, []string{"Converted to Lead", "Unreachable"}
		}), col("b", 0.7)}, nil, ""},
		{"outcome words on a column that predicts nothing", []ColumnCheck{with(col("survey", 0.55), func(c *ColumnCheck) { c.OutcomeWords = 0.9 }), col("b", 0.6)}, nil, ""},
		{"emptiness depends on the outcome", []ColumnCheck{with(col("rating", 0.72), func(c *ColumnCheck) { c.GivenPositive, c.GivenNegative = 0.71, 0.34 }), col("b", 0.68)},
			[]string{"rating"}, "whether it is given depends on the outcome (71% of converted leads have it, 34% of the others)"},
		{"emptiness that depends less (an occupation left blank)", []ColumnCheck{with(col("occupation", 0.72), func(c *ColumnCheck) { c.GivenPositive, c.GivenNegative = 0.9, 0.59 }), col("b", 0.68)}, nil, ""},
		{"signals are never flagged for emptiness", []ColumnCheck{with(col("views", 0.68), func(c *ColumnCheck) { c.Signal, c.GivenPositive, c.GivenNegative = true, 0.9, 0.3 }), col("b", 0.66)}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := slices.Clone(tt.cols)
			flagColumns(cs)
			var got []string
			for _, c := range cs {
				if c.Flagged {
					got = append(got, c.Column)
				}
			}
			if !slices.Equal(got, tt.flagged) {
				t.Fatalf("flagged %v, want %v", got, tt.flagged)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(cs[0].Reasons, "; "), tt.reason) {
				t.Errorf("reasons %q lack %q", cs[0].Reasons, tt.reason)
			}
		})
	}
}

func TestOutcomeWords(t *testing.T) {
	tests := []struct {
		vals  []string
		share float64
		first string
	}{
		{[]string{"Closed by Horizzon", "Ringing", "Will revert after reading the email", "", "Already a student"}, 1, "Already a student"},
		{[]string{"Interested", "Might be", "Not Sure", "Worst", "High in Relevance"}, 1, "High in Relevance"},
		{[]string{"Software", "Retail", "", "Won", "Wonderland"}, 0.25, "Won"}, // whole words only
		{[]string{"Email Opened", "SMS Sent", "Olark Chat Conversation", "Converted to Lead"}, 0.25, "Converted to Lead"},
		{[]string{"Unemployed", "Working Professional", "Student"}, 0, ""},
		{[]string{"", ""}, 0, ""},
	}
	for _, tt := range tests {
		share, examples := outcomeWords(tt.vals)
		if share != tt.share || (tt.first != "" && (len(examples) == 0 || examples[0] != tt.first)) {
			t.Errorf("%q: %v %q, want %v starting %q", tt.vals, share, examples, tt.share, tt.first)
		}
	}
}

// screenData is 600 leads: a fair predictor (industry), a status sales
// sets afterwards (outcome words), a rating given mostly for converted
// leads, a Yes/No column that is nearly always No, and a pricing signal.
func screenData(seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	var xs []Example
	for i := range 600 {
		ind := []string{"Software", "Retail", "Education"}[rng.IntN(3)]
		z := map[string]float64{"Software": 0.8, "Retail": -0.2, "Education": -0.8}[ind]
		views := float64(rng.IntN(4))
		pos := rng.Float64() < sigmoid(z+0.6*views-1.2)
		f := map[string]string{"industry": ind, "answers.do_not_call": "No"}
		if i%150 == 0 {
			f["answers.do_not_call"] = "Yes"
		}
		if pos {
			f["answers.status"] = []string{"Closed won", "Interested", "Demo done"}[rng.IntN(3)]
			if rng.Float64() < 0.8 {
				f["answers.rating"] = []string{"A", "B"}[rng.IntN(2)]
			}
		} else {
			f["answers.status"] = []string{"Not interested", "Ringing", "Lost to competitor", "Demo done"}[rng.IntN(4)]
			if rng.Float64() < 0.25 {
				f["answers.rating"] = []string{"B", "C"}[rng.IntN(2)]
			}
		}
		xs = append(xs, Example{Line: i + 2, Fields: f, Signals: map[string]float64{"pricing_page_view": views}, Positive: pos})
	}
	ds := NewDataset("screen", xs, []FieldSpec{{"industry", KindCategory}, {"answers.status", KindCategory},
		{"answers.rating", KindCategory}, {"answers.do_not_call", KindCategory}}, []string{"pricing_page_view"})
	for _, c := range []struct{ col, use string }{{"Industry", "industry (category)"}, {"Status", "answers.status (category)"},
		{"Rating", "answers.rating (category)"}, {"Do Not Call", "answers.do_not_call (category)"}, {"Pricing Views", "signal pricing_page_view"}} {
		ds.Quality = append(ds.Quality, ColumnQuality{Column: c.col, Use: c.use})
	}
	return ds
}

func TestScreenColumns(t *testing.T) {
	tests := []struct {
		name    string
		keep    []string
		dropped []string
		kept    []string
	}{
		{"flags and near-constant columns left out", nil, []string{"Status", "Rating", "Do Not Call"}, nil},
		{"kept by column name", []string{"Rating", "Do Not Call"}, []string{"Status"}, []string{"Rating", "Do Not Call"}},
		{"kept by field name", []string{"answers.status"}, []string{"Rating", "Do Not Call"}, []string{"Status"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := screenData(1)
			keep := map[string]bool{}
			for _, k := range tt.keep {
				keep[k] = true
			}
			checks := screenColumns(ds, ds.Examples, Options{L2: 1, Features: FeatureOptions{MinCount: 20, MaxValues: 15}}, keep)
			var dropped, kept []string
			byName := map[string]ColumnCheck{}
			for _, c := range checks {
				byName[c.Column] = c
				if c.Dropped {
					dropped = append(dropped, c.Column)
				}
				if c.Kept {
					kept = append(kept, c.Column)
				}
			}
			if !slices.Equal(dropped, tt.dropped) || !slices.Equal(kept, tt.kept) {
				t.Errorf("dropped %v kept %v, want %v and %v", dropped, kept, tt.dropped, tt.kept)
			}
			if c := byName["Status"]; !c.Flagged || c.OutcomeWords < 0.5 {
				t.Errorf("status: %+v", c)
			}
			if c := byName["Rating"]; !c.Flagged || !strings.Contains(strings.Join(c.Reasons, ";"), "whether it is given depends on the outcome") {
				t.Errorf("rating: %+v", c)
			}
			if c := byName["Do Not Call"]; !c.NearConstant || c.Flagged || c.TopValue != "no" || c.Top < 0.99 {
				t.Errorf("do not call: %+v", c)
			}
			for _, name := range []string{"Industry", "Pricing Views"} {
				if c := byName[name]; c.Flagged || c.Dropped || c.AUC < 0.55 {
					t.Errorf("%s: %+v", name, c)
				}
			}
		})
	}
}

// TestStoredLeadsAreNeverFlagged: the fields of stored leads came from
// their own forms; a strong one is a strong predictor, not a leak.
func TestStoredLeadsAreNeverFlagged(t *testing.T) {
	ds := screenData(2)
	ds.FromForms = true
	for _, c := range screenColumns(ds, ds.Examples, Options{L2: 1}, nil) {
		if c.Flagged {
			t.Errorf("flagged %s", c.Column)
		}
		if c.Column == "Status" && c.AUC < 0.8 {
			t.Errorf("status still measured: %+v", c)
		}
	}
}

func ExampleColumnCheck_Warning() {
	c := ColumnCheck{Column: "Tags", Use: "answers.tags (category)", Reasons: []string{"alone it predicts the outcome with AUC 0.920 (≥ 0.80)"},
		WhatIf: true, Claimed: 0.981, Live: 0.846}
	fmt.Println(c.Warning())
	// Output: column "Tags" (answers.tags (category)) looks filled in after the outcome was known: alone it predicts the outcome with AUC 0.920 (≥ 0.80); left out of the model (learned from, it would claim holdout AUC 0.981; live leads arrive without it: 0.846)
}
