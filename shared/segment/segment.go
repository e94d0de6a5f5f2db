// Package segment reads marketing's retargeting audiences and decides
// which leads belong to them.
//
// A segment is a YAML file in config/segments/ (its name is the segment's
// id) with conditions on a lead's stage, grade, temperature, campaign and
// variant, reason codes, engagement signals and last activity. Parse
// validates one file and reports every problem as "file:line: message";
// LoadDir reads a whole folder into a Set, and Set.Check verifies the
// names it uses (campaigns, variants, reason codes) against the
// deployment's campaign files and qualification config.
//
// Match is the segment's predicate; Exportable says whether a lead may be
// uploaded to an ad platform at all (marketing consent in force, not
// suppressed, not erased); HashEmail is the normalised, SHA-256 hashed
// address the customer-list CSV carries instead of the address. Export
// writes those files from a scan of the leads, Handler serves them and
// the counts. The package is pure: no AWS, no clock of its own.
package segment

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Segment is one retargeting audience, as its file says.
type Segment struct {
	ID          string
	Description string
	// File is the file it was read from.
	File       string
	Conditions Conditions

	idLine int
	// lines of the names Set.Check verifies against the deployment.
	variantLines, reasonLines map[string]int
	signalLines               []int // of Conditions.Signals
}

// Conditions are what a lead must meet to be in a segment: every
// condition given (an empty one is not checked), and within a list any
// one of its values.
type Conditions struct {
	Stages       []lead.Stage
	Grades       []string // "A" … "D"
	Temperatures []string // hot, warm, cold
	// Campaigns and Variants are the campaign (and variant) the lead is
	// attributed to: the one that brought it (its first touch), as the
	// reports count it. "unattributed" is a lead that named none.
	Campaigns []string
	Variants  []string
	// AnyOf: the lead carries at least one of these reason codes;
	// NoneOf: it carries none of them (see Codes).
	AnyOf, NoneOf []string
	Signals       []SignalCondition
	// ActiveWithin: the lead's last activity is at most this long ago;
	// InactiveFor: at least this long ago (0: not checked).
	ActiveWithin, InactiveFor time.Duration
}

// SignalCondition asks for at least AtLeast signals of Kind, within
// Within of now when Within is set.
type SignalCondition struct {
	Kind    string
	AtLeast int
	Within  time.Duration
}

// Match reports whether a lead meets every condition of the segment now.
// It says nothing about consent: see Exportable.
func (s *Segment) Match(l *lead.Lead, now time.Time) bool {
	c := &s.Conditions
	if len(c.Stages) > 0 && !slices.Contains(c.Stages, l.Stage) {
		return false
	}
	q := l.Qualification
	if len(c.Grades) > 0 && (q == nil || !slices.Contains(c.Grades, q.Grade)) {
		return false
	}
	if len(c.Temperatures) > 0 && (q == nil || !slices.Contains(c.Temperatures, strings.ToLower(q.Temperature))) {
		return false
	}
	if len(c.Campaigns) > 0 && !slices.Contains(c.Campaigns, l.Campaign()) {
		return false
	}
	if len(c.Variants) > 0 && !slices.Contains(c.Variants, l.FirstTouch.Variant) {
		return false
	}
	if len(c.AnyOf) > 0 || len(c.NoneOf) > 0 {
		codes := Codes(l)
		has := func(list []string) bool {
			return slices.ContainsFunc(codes, func(code string) bool { return slices.Contains(list, code) })
		}
		if len(c.AnyOf) > 0 && !has(c.AnyOf) || has(c.NoneOf) {
			return false
		}
	}
	for _, sc := range c.Signals {
		n := 0
		for _, sig := range l.Signals {
			if lead.SignalIs(sig.Kind, sc.Kind) && (sc.Within == 0 || !sig.At.Before(now.Add(-sc.Within))) {
				n++
			}
		}
		if n < sc.AtLeast {
			return false
		}
	}
	if c.ActiveWithin > 0 || c.InactiveFor > 0 {
		last := LastActivity(l)
		if c.ActiveWithin > 0 && last.Before(now.Add(-c.ActiveWithin)) {
			return false
		}
		if c.InactiveFor > 0 && last.After(now.Add(-c.InactiveFor)) {
			return false
		}
	}
	return true
}

// Codes are the reason codes a lead carries: its disqualification reason
// (job_seeker, student, competitor…) and the reject reason sales gave,
// whether it sent the lead back to nurturing (no_budget…) or rejected it
// for good (spam, not_icp…).
func Codes(l *lead.Lead) []string {
	var out []string
	if q := l.Qualification; q != nil && q.Disqualified != "" {
		out = append(out, q.Disqualified)
	}
	if l.SentBack != nil && l.SentBack.Reason != "" {
		out = append(out, l.SentBack.Reason)
	}
	if l.RejectedFor != "" {
		out = append(out, l.RejectedFor)
	}
	return out
}

// LastActivity is when the lead last did something: its latest form
// submission or engagement signal (page view, email click or open…),
// else when it was captured.
func LastActivity(l *lead.Lead) time.Time {
	last := l.CreatedAt
	if l.LastTouch.At.After(last) {
		last = l.LastTouch.At
	}
	for _, s := range l.Signals {
		if s.At.After(last) {
			last = s.At
		}
	}
	return last
}

// Exportable reports whether a lead may be uploaded to an ad platform: its
// marketing consent is in force (confirmed through the double opt-in
// link, or given by the form that created it where its campaign is
// single opt-in; a ticked box still waiting for its confirmation is not
// consent), and its address is neither suppressed (unsubscribed, bounced,
// complained, erased) nor erased.
func Exportable(l *lead.Lead) bool {
	return l.Consent.MarketingOptIn && l.Suppressed == "" && !l.Erased && l.Email != ""
}

// HashEmail is an address as ad platforms' customer lists take it
// (Google Ads Customer Match, Meta custom audiences): surrounding spaces
// trimmed, lower-cased, SHA-256, as 64 lowercase hex digits. Nothing else
// is normalised (Gmail's dots and +tags stay), so it equals the lead's
// own email_hash.
func HashEmail(addr string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return hex.EncodeToString(sum[:])
}
