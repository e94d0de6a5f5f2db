package qualify

import (
	"slices"
	"strings"
)

// IsSignalKind reports whether a config may score signals of this kind
// in its engagement section: one the product records (page_view,
// pricing_page_view, email_open, email_click, reply, resubmission) or a
// form submission, form:<form_type>. Calibration uses it to tell which
// learned engagement columns can be exported.
func IsSignalKind(kind string) bool {
	if form, ok := strings.CutPrefix(kind, formPrefix); ok {
		return slugRe.MatchString(form) && len(form) <= 64
	}
	return slices.Contains(signalKinds, kind)
}
