package qualify

import "testing"

func TestFirstNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"200", 200, true},
		{"51-200", 51, true},
		{"$50k", 50000, true},
		{"50K+", 50000, true},
		{"1,000+", 1000, true},
		{"1,000,000", 1000000, true},
		{"1,5", 1, true}, // not a thousands separator
		{"€1.5M", 1500000, true},
		{"2.5 million", 2500000, true},
		{"3 bn", 3e9, true},
		{"500 employees", 500, true}, // "employees" is no suffix
		{"5 members", 5, true},       // nor is "members"
		{"up to 10k users", 10000, true},
		{"< 10", 10, true},
		{"0.5", 0.5, true},
		{"junk", 0, false},
		{"", 0, false},
		{"k", 0, false},
		{"99999999999999999999999999999999", 1e32, true},
	}
	for _, tt := range tests {
		got, ok := firstNumber(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("firstNumber(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFirstNumberDecimalsAreExact(t *testing.T) {
	if n, _ := firstNumber("2.3"); n != 2.3 {
		t.Errorf("2.3 read as %v", n)
	}
}
