package report

import (
	"math"
	"strconv"
)

// Ratio is a share Num/Den kept as its two counts, so it reconciles
// exactly with the figures it comes from and is never NaN: with Den ≤ 0 it
// is undefined (null in JSON, "—" on screen).
type Ratio struct {
	Num int64
	Den int64
}

func ratio(num, den int64) Ratio { return Ratio{Num: num, Den: den} }

// Defined reports whether the ratio has a denominator.
func (r Ratio) Defined() bool { return r.Den > 0 }

// Value is Num/Den, or 0 when undefined.
func (r Ratio) Value() float64 {
	if !r.Defined() {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

// String is the ratio as a percentage with one decimal, "40.0%", or "—".
func (r Ratio) String() string {
	if !r.Defined() {
		return "—"
	}
	return strconv.FormatFloat(100*r.Value(), 'f', 1, 64) + "%"
}

// MarshalJSON writes the value rounded to 4 decimals, or null.
func (r Ratio) MarshalJSON() ([]byte, error) {
	if !r.Defined() {
		return []byte("null"), nil
	}
	return []byte(decimal(r.Value(), 4)), nil
}

// decimal formats f rounded to places decimals without trailing zeros;
// non-finite values (which the package never produces) become "0".
func decimal(f float64, places int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	p := math.Pow10(places)
	f = math.Round(f*p) / p
	if f == 0 {
		f = 0 // no "-0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
