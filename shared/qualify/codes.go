package qualify

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// ReasonCodes are the reason codes a lead can carry because of this
// config: every disqualifier's reason (the base rules and each campaign's
// overrides), every reject reason sales can give and the codes earlier
// configs gave (retired_reasons), sorted, each once.
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
	out = append(out, c.retired...)
	slices.Sort(out)
	return slices.Compact(out)
}

// SignalKinds are the signal kinds besides form submissions (which are
// FormSignal(form_type)), as a config names them.
func SignalKinds() []string { return slices.Clone(signalKinds) }

// IsSignalKind reports whether kind is one a lead's signals can have:
// one of SignalKinds, form:<form_type> with a form type of lowercase
// letters, digits, - or _, or a named page view (page_view:<name>, see
// lead.IsPageSignal).
func IsSignalKind(kind string) bool { return SignalKindProblem(kind) == "" }

// SignalKindProblem says why kind is no signal kind a config can name
// (IsSignalKind), "" when it is one: "unknown signal kind "x" (did you
// mean …?)".
func SignalKindProblem(kind string) string {
	if form, ok := strings.CutPrefix(kind, formPrefix); ok {
		if slugRe.MatchString(form) && len(form) <= 64 {
			return ""
		}
		return fmt.Sprintf("form signal %s needs a form type of lowercase letters, digits, - or _ after %q", yamlconf.Quote(kind), formPrefix)
	}
	if slices.Contains(signalKinds, kind) || lead.IsPageSignal(kind) {
		return ""
	}
	if strings.HasPrefix(kind, SignalPageView+":") {
		return fmt.Sprintf("named page view %s needs a page name of lowercase letters, digits, _ . / or - after %q (the name TRACK_PAGES gives it)", yamlconf.Quote(kind), SignalPageView+":")
	}
	hint := "use form:<form_type>, " + strings.Join(signalKinds, ", ") + " or page_view:<name> of a page TRACK_PAGES names"
	if s := yamlconf.Suggest(kind, signalKinds); s != "" {
		hint = "did you mean " + strconv.Quote(s) + "?"
	}
	return fmt.Sprintf("unknown signal kind %s (%s)", yamlconf.Quote(kind), hint)
}

// CheckSignals asks problem of every signal the rules score (the base's
// and each campaign's own) and returns what it says as file:line errors:
// a check across files, such as a page signal no tracked page records.
func (c *Config) CheckSignals(problem func(kind string) string) error {
	var probs []yamlconf.Problem
	seen := map[string]bool{}
	profiles := []*profile{&c.base}
	for _, id := range slices.Sorted(maps.Keys(c.campaigns)) {
		profiles = append(profiles, c.campaigns[id])
	}
	for _, pr := range profiles {
		for _, s := range pr.signals {
			at := s.file + ":" + strconv.Itoa(s.line)
			if seen[at] {
				continue // a campaign's copy of the base's rule
			}
			seen[at] = true
			if msg := problem(s.kind); msg != "" {
				probs = append(probs, yamlconf.Problem{File: s.file, Line: s.line, Msg: s.where + ": " + msg})
			}
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return &yamlconf.ConfigError{Problems: probs, Kind: ErrInvalid}
}
