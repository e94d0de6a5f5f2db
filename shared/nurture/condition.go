package nurture

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

type condKind uint8

const (
	condOpened condKind = iota + 1
	condClicked
	condScoreAtLeast
	condGradeIn
	condVisited
)

// condition is what a branch step tests.
type condition struct {
	kind   condKind
	score  float64  // score_at_least
	grades []string // grade_in
	path   string   // visited
}

// Signal kinds a condition reads (the same names as qualify's signals).
const (
	signalEmailOpen       = "email_open"
	signalEmailClick      = "email_click"
	signalPageView        = lead.SignalPageView
	signalPricingPageView = lead.SignalPricingPageView
)

// pricingPath is the page a pricing_page_view signal stands for.
const pricingPath = "/pricing"

// holds evaluates the condition for a lead. since is when this sequence
// last sent the lead an email (enrolment when it has sent none): opened
// and clicked count only what happened after it.
//
//   - opened: an email_open or an email_click (a click proves the email was
//     opened even when the client blocked the tracking pixel) after since.
//   - clicked: an email_click after since.
//   - score_at_least N: the latest qualification's engagement score ≥ N
//     (a lead never qualified scores 0).
//   - grade_in [A, B]: the latest qualification's fit grade is listed.
//   - visited /path: a page view at any time of /path or a page under it
//     (/case-studies: also /case-studies/acme), as the tracker records it
//     (the signal's Page), or a page_view:/path signal; for /pricing also a
//     pricing_page_view signal. Paths compare without a query string,
//     fragment, trailing slash or case.
//
// Signal kinds may carry a detail after a colon (email_click:<link>); the
// part before it is the kind.
func (c condition) holds(l *lead.Lead, since time.Time) bool {
	switch c.kind {
	case condOpened, condClicked:
		for _, s := range l.Signals {
			if !s.At.After(since) {
				continue
			}
			kind, _, _ := strings.Cut(s.Kind, ":")
			if kind == signalEmailClick || (c.kind == condOpened && kind == signalEmailOpen) {
				return true
			}
		}
	case condScoreAtLeast:
		score := 0.0
		if l.Qualification != nil {
			score = l.Qualification.Score
		}
		return score >= c.score
	case condGradeIn:
		return l.Qualification != nil && slices.Contains(c.grades, strings.ToUpper(l.Qualification.Grade))
	case condVisited:
		for _, s := range l.Signals {
			if s.Kind == signalPricingPageView && c.path == pricingPath {
				return true
			}
			if page, ok := strings.CutPrefix(s.Kind, signalPageView+":"); ok && cleanPath(page) == c.path {
				return true
			}
			if p := cleanPath(s.Page); s.Page != "" && (p == c.path || strings.HasPrefix(p, strings.TrimSuffix(c.path, "/")+"/") && c.path != "/") {
				return true
			}
		}
	}
	return false
}

// cleanPath is a page path as conditions compare it: no query string or
// fragment, no trailing slash (but "/" stays), lower case.
func cleanPath(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	p = strings.ToLower(strings.TrimSpace(p))
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
	}
	return p
}

func (c condition) String() string {
	switch c.kind {
	case condOpened:
		return "opened"
	case condClicked:
		return "clicked"
	case condScoreAtLeast:
		return "score ≥ " + strconv.FormatFloat(c.score, 'f', -1, 64)
	case condGradeIn:
		return "grade in " + strings.Join(c.grades, ", ")
	case condVisited:
		return "visited " + c.path
	}
	return fmt.Sprintf("condition(%d)", c.kind)
}
