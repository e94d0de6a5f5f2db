package lead

import (
	"regexp"
	"strings"
)

// Page signals: what a page view records. A page TRACK_PAGES names may
// record a signal of its own, pricing_page_view or a named page view
// ("page_view:demo"); any other page records page_view.
const (
	SignalPageView        = "page_view"
	SignalPricingPageView = "pricing_page_view"
)

// namedPageRe is the name of a named page view: what follows "page_view:".
var namedPageRe = regexp.MustCompile(`^[a-z0-9_./-]{1,64}$`)

// NamedPage returns the name of a named page view ("demo" for
// "page_view:demo") and whether kind is one.
func NamedPage(kind string) (string, bool) {
	name, ok := strings.CutPrefix(kind, SignalPageView+":")
	return name, ok && namedPageRe.MatchString(name)
}

// IsPageSignal reports whether a page view may record kind: page_view,
// pricing_page_view or page_view:<name> (lowercase letters, digits and
// _ . / -, at most 64).
func IsPageSignal(kind string) bool {
	if kind == SignalPageView || kind == SignalPricingPageView {
		return true
	}
	_, ok := NamedPage(kind)
	return ok
}

// SignalIs reports whether a signal of kind counts as one of want: the
// same kind, or a named page view when want is page_view — a page with
// a name of its own is still a page view to whatever asks for page views
// (a trigger, a segment, a score without a rule for the name).
func SignalIs(kind, want string) bool {
	if kind == want {
		return true
	}
	if want != SignalPageView {
		return false
	}
	_, ok := NamedPage(kind)
	return ok
}
