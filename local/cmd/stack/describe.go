package main

import (
	"fmt"
	"strings"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/sesevents"
)

// state is what an SES event may change for one address: its lead (nil:
// no lead has it) and its entry on the suppression list.
type state struct {
	Lead       *lead.Lead
	Suppressed bool
}

var sesKinds = map[string]string{"bounce": "hard bounce", "soft-bounce": "soft bounce", "complaint": "complaint", "delivery": "delivery"}

// describeSES says what an injected SES event changed, from the
// address's state before and after:
//
//	ann@acme.example: hard bounce → lead 01J… suppressed (bounce), nurture stopped (was: cold-education at step "checkin")
func describeSES(kind, email string, before, after state) string {
	what := sesKinds[kind]
	if what == "" {
		what = kind
	}
	head := email + ": " + what
	if before.Lead == nil && after.Lead == nil {
		switch {
		case after.Suppressed && !before.Suppressed:
			return head + " → no lead has this address: it is now on the suppression list (nothing else changed)"
		case after.Suppressed:
			return head + " → no lead has this address; it was on the suppression list already (nothing changed)"
		}
		return head + " → no lead has this address: nothing changed (SES events act on leads' addresses only)"
	}
	b, a := before.Lead, after.Lead
	if b == nil {
		b = &lead.Lead{}
	}
	if a == nil {
		return head + " → lead " + b.ID + " is gone"
	}
	var changes []string
	if a.Suppressed != b.Suppressed || (after.Suppressed && !before.Suppressed) {
		changes = append(changes, "suppressed ("+orText(a.Suppressed, "list entry")+")")
	}
	if inSequence(b) && !inSequence(a) {
		changes = append(changes, "nurture stopped (was: "+b.Nurture.Sequence+" at step \""+b.Nurture.Step+"\")")
	}
	if a.Stage != b.Stage {
		changes = append(changes, fmt.Sprintf("stage %s → %s", b.Stage, a.Stage))
	}
	if b.Consent.MarketingOptIn && !a.Consent.MarketingOptIn {
		changes = append(changes, "marketing consent withdrawn")
	}
	if b.OptIn != nil && a.OptIn == nil && !a.Consent.MarketingOptIn {
		changes = append(changes, "pending confirmation cancelled")
	}
	if n := len(a.SoftBounces); n > len(b.SoftBounces) {
		s := fmt.Sprintf("soft bounce %d of %d recorded", n, sesevents.SoftBounceLimit)
		if a.Suppressed == "" {
			s += fmt.Sprintf(" (suppressed at %d)", sesevents.SoftBounceLimit)
		}
		changes = append(changes, s)
	}
	if len(changes) == 0 {
		why := "nothing changed"
		switch {
		case kind == "delivery":
			why = "delivery counted for its campaign; the lead is unchanged"
		case before.Suppressed || b.Suppressed != "":
			why = "already suppressed (" + orText(b.Suppressed, "list entry") + "): nothing changed"
		}
		return head + " → lead " + a.ID + ": " + why
	}
	return head + " → lead " + a.ID + " " + strings.Join(changes, ", ")
}

func inSequence(l *lead.Lead) bool { return l.Nurture != nil && !l.Nurture.NextAt.IsZero() }

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
