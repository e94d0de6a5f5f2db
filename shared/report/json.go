package report

import (
	"encoding/json"
	"io"
)

// JSON writes the whole report, indented. Rates are numbers rounded to 4
// decimals, or null when their denominator is zero; amounts without a
// spend are null.
func (r Report) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
