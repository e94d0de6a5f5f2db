package qualify

import (
	"slices"
	"strings"
)

// ReasonCodes are the reason codes a lead can carry because of this
// config: every disqualifier's reason (the base rules and each campaign's
// overrides) and every reject reason sales can give, sorted, each once.
// Retargeting segments (package segment) are checked against them.
func (c *Config) ReasonCodes() []string {
	var out []string
	add := func(pr *profile) {
		for _, d := range pr.disqualifiers {
			out = append(out, d.code)
		}
	}
	add(&c.base)
	for _, pr := range c.campaigns {
		add(pr)
	}
	for _, r := range c.rejects {
		out = append(out, r.Code)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// SignalKinds are the signal kinds besides form submissions (which are
// FormSignal(form_type)), as a config names them.
func SignalKinds() []string { return slices.Clone(signalKinds) }

// IsSignalKind reports whether kind is one a lead's signals can have:
// one of SignalKinds, or form:<form_type> with a form type of lowercase
// letters, digits, - or _.
func IsSignalKind(kind string) bool {
	if form, ok := strings.CutPrefix(kind, formPrefix); ok {
		return slugRe.MatchString(form) && len(form) <= 64
	}
	return slices.Contains(signalKinds, kind)
}
