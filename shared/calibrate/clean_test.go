package calibrate

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

func TestPlaceholdersReadAsNotGiven(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"   ", ""},
		{"Select", ""},
		{"-- Select --", ""},
		{"Please select", ""},
		{"N/A", ""},
		{"n/a", ""},
		{"#N/A", ""},
		{"NA", ""},
		{"-", ""},
		{"—", ""},
		{"none", ""},
		{"None", ""},
		{"unknown", ""},
		{"Unknown.", ""},
		{"(blank)", ""},
		{"null", ""},
		{"?", ""},
		{"TBD", ""},
		{" Software ", "Software"},
		{"Nonexistent", "Nonexistent"},
		{"None of the above", "None of the above"},
		{"0", "0"},
		{"Selective Inc.", "Selective Inc."},
		{"bad\xffutf8", "bad\uFFFDutf8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := cleanText(tt.in, nil); got != tt.want {
				t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	extra := map[string]bool{"no idea": true}
	if got := cleanText("No Idea", extra); got != "" {
		t.Errorf("mapping placeholder: got %q", got)
	}
}

func TestJunkNumbers(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"50", 50, true},
		{"~50", 50, true},
		{"50-200", 50, true},
		{"51-200", 51, true},
		{"1,000+", 1000, true},
		{"$50k", 50000, true},
		{"€1.5M", 1500000, true},
		{"approx 300", 300, true},
		{"< 5k", 5000, true},
		{"2 views", 2, true},
		{"abc", 0, false},
		{"", 0, false},
		{"N/A", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseNumber(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseNumber(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	counts := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"3", 3, true}, {"", 0, true}, {"-", 0, true}, {"n/a", 0, true}, {"~4", 4, true}, {"abc", 0, false},
	}
	for _, tt := range counts {
		got, ok := parseCount(tt.in, nil)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseCount(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestParseNumberAgreesWithQualify: a bin learned here must match exactly
// the leads its range rule matches in qualify.
func TestParseNumberAgreesWithQualify(t *testing.T) {
	values := []string{"50", "~50", "50-200", "1,000+", "1,5", "$50k", "50K+", "€1.5M", "2.5 million", "3 bn",
		"500 employees", "up to 10k users", "< 10", "0.5", "abc", "", "k", "1,000,000", "12,34", "9.99", ".5"}
	for _, v := range values {
		n, ok := parseNumber(v)
		cfg := fmt.Sprintf("version: 1\nfit:\n  rules:\n    - {field: company_size, op: range, min: %v, max: %v, points: 1}\n"+
			"  grades: {A: 3, B: 2, C: 1}\nthresholds: {A: {}, B: {}, C: {}, D: {}}\n"+
			"routing: {teams: {t: {reps: [{name: R, email: r@example.com}]}}, default_team: t}\n", n, n)
		c, err := qualify.Parse([]byte(cfg), "t.yaml")
		if err != nil {
			t.Fatal(err)
		}
		d := c.Evaluate(lead.Lead{Submission: lead.Submission{CompanySize: v}}, nil, time.Time{})
		if matched := d.FitPoints == 1; matched != ok {
			t.Errorf("%q: parseNumber %v, %v but qualify's range [%v, %v] matched: %v", v, n, ok, n, n, matched)
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"VP of Marketing", []string{"vp", "marketing"}},
		{"Head of Growth & Demand Gen", []string{"head", "growth", "demand", "gen"}},
		{"Sr. Manager, IT", []string{"sr", "manager", "it"}},
		{"C-level", []string{"level"}},
		{"Geschäftsführer", []string{"geschäftsführer"}},
		{"vp_sales vp", []string{"vp_sales", "vp"}},
		{"Manager 2", []string{"manager"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmailDomain(t *testing.T) {
	tests := map[string]string{
		"Ann@Acme.Example": "acme.example",
		"@acme.example":    "acme.example",
		"acme.example":     "acme.example",
		"not an email":     "",
		"ann@":             "",
		"ann@localhost":    "",
		"a@b@c.example":    "c.example",
	}
	for in, want := range tests {
		if got := emailDomain(in); got != want {
			t.Errorf("emailDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHumanNumber(t *testing.T) {
	tests := map[float64]string{49: "49", 1999: "1,999", 50000: "50k", 49999: "49,999", 1500000: "1.5M", 0.25: "0.25", 10000: "10k"}
	for in, want := range tests {
		if got := humanNumber(in); got != want {
			t.Errorf("humanNumber(%v) = %q, want %q", in, got, want)
		}
	}
}
