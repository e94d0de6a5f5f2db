package runlog

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/sendonce"
)

// known are the messages Line renders; the writer looks their lead up.
var known = map[string]bool{
	"capture": true, "lead": true, "feedback": true, "crm outcome": true, "outcomes": true,
	"optin": true, "unsubscribe": true, "ses event": true, "click": true, "page view": true,
	"digest": true, "open leads": true, "privacy": true, "segment export": true,
}

// rules is the qualification config the stack's functions run (UseRules),
// for the names of reps and reject reasons a record gives by code.
var rules atomic.Pointer[qualify.Config]

// UseRules says which qualification config the functions run (make run
// CONFIG=…): the lines name reps and reject reasons as it does. Without
// it, the embedded default's.
func UseRules(c *qualify.Config) { rules.Store(c) }

func currentRules() *qualify.Config {
	if c := rules.Load(); c != nil {
		return c
	}
	return qualify.Default()
}

// Line is the human line of a record: "" for a record that is no
// business event (a page served, a tick's tally, an event published);
// l is the lead the record names, nil when unknown. An error-level
// record of any message gets a line.
func Line(r Record, l *lead.Lead) string {
	s := line(r, l)
	if s == "" && r.Str("level") == "ERROR" {
		s = "ERROR " + r.Str("function") + ": " + r.Str("msg")
		if e := r.Str("error"); e != "" {
			s += ": " + e
		}
	}
	return s
}

func line(r Record, l *lead.Lead) string {
	out, status := r.Str("outcome"), int(r.Num("status"))
	switch r.Str("msg") {
	case "capture":
		return captured(r, l)
	case "lead": // the nurture schedule worked a lead
		if r.Str("error") != "" {
			return ""
		}
		return worked(out, l, who(r, l))
	case "feedback":
		return feedback(r, l)
	case "crm outcome":
		if out == "invalid" {
			return "CRM outcome event refused: " + r.Str("error")
		}
		s := fmt.Sprintf("CRM outcome for %s: %s", who(r, l), r.Str("stage"))
		if out != "applied" && out != "" {
			s += " (" + strings.ReplaceAll(out, "_", " ") + ")"
		}
		return s
	case "outcomes":
		if status >= 400 && status != http.StatusUnprocessableEntity { // 422: some rows failed, the others were recorded
			return fmt.Sprintf("outcomes back-fill refused (%d): %s", status, r.Str("error"))
		}
		s := fmt.Sprintf("outcomes back-fill: %d rows, %d recorded, %d already recorded, %d failed",
			int(r.Num("rows")), int(r.Num("recorded")), int(r.Num("already")), int(r.Num("failed")))
		if r.Num("failed") > 0 {
			s += " (the answer names each failed row's line and field)"
		}
		return s
	case "optin":
		switch out {
		case "confirmed":
			return "subscription confirmed by " + who(r, l) + " (double opt-in: marketing email may go now)"
		case "already_confirmed":
			return "confirmation link used again by " + who(r, l) + " (already confirmed)"
		case "stale_request":
			return "old confirmation link used by " + who(r, l) + " (a newer request replaced it; nothing changed)"
		case "opted_out":
			return "confirmation link used by " + who(r, l) + " after it was unsubscribed (nothing changed)"
		case "erased":
			return "confirmation link opened after the address was erased (nothing changed)"
		case "expired":
			return "expired confirmation link opened (nothing changed)"
		case "bad_token":
			return "damaged confirmation link refused"
		}
		return ""
	case "unsubscribe":
		switch out {
		case "unsubscribed":
			s := "unsubscribed: " + who(r, l) + " (suppressed"
			if nurtureStopped(l, "unsubscribed") {
				s += "; nurture stopped"
			}
			return s + ")"
		case "already_unsubscribed":
			return "unsubscribe link used again by " + who(r, l) + " (already unsubscribed)"
		case "bad_token":
			return "damaged unsubscribe link refused"
		}
		return ""
	case "ses event":
		return sesEvent(r, l)
	case "click":
		switch {
		case strings.HasPrefix(out, "recorded"):
			s := "email link clicked by " + who(r, l) + score(l)
			if _, h, ok := strings.Cut(out, "+handoff_"); ok {
				s += " → handed to sales (" + h + ")"
			}
			return s
		case out == "bad_token" || out == "bad_target":
			return "tracked link refused (" + strings.ReplaceAll(out, "_", " ") + ")"
		}
		return ""
	case "page view":
		if status != 204 {
			return ""
		}
		if r.Str("repeat") == "true" {
			return ""
		}
		s := "page view (" + r.Str("signal") + ") by " + who(r, l) + score(l)
		if h := r.Str("handoff"); h != "" {
			s += " → handed to sales (" + h + ")"
		}
		return s
	case "digest":
		if out == "" {
			return ""
		}
		return "weekly digest to marketing: " + strings.ReplaceAll(out, "_", " ")
	case "open leads":
		if n := int(r.Num("sent")); n > 0 {
			if n == 1 {
				return "weekly open-leads list sent (1 email)"
			}
			return fmt.Sprintf("weekly open-leads lists sent (%d emails, to reps and, for reps who left, their team leads)", n)
		}
		return ""
	case "segment export":
		if k := r.Str("key"); k != "" {
			return fmt.Sprintf("segment %s exported: %d matching leads, %d in the customer list (%s)",
				r.Str("segment"), int(r.Num("matching")), int(r.Num("exportable")), k)
		}
	case "privacy":
		if status == 200 {
			return "privacy request served (" + r.Str("route") + ")"
		}
		if status >= 400 && status < 500 {
			return fmt.Sprintf("privacy request refused (%d)", status)
		}
	}
	return ""
}

// cameBackFrom says what a lead that came back (lead.Return) had left.
var cameBackFrom = map[lead.Stage]string{lead.StageLost: "its deal was lost",
	lead.StageUnsubscribed: "it unsubscribed (it still gets no marketing email)"}

func captured(r Record, l *lead.Lead) string {
	status := int(r.Num("status"))
	if status >= 400 {
		if r.Str("outcome") == "origin_refused" {
			return "form refused (403): the page's origin is not in ALLOWED_ORIGINS"
		}
		s := fmt.Sprintf("form refused (%d): %s", status, r.Str("error"))
		if fs, ok := r["fields"].([]any); ok && len(fs) > 0 {
			var parts []string
			for _, f := range fs {
				parts = append(parts, fmt.Sprint(f))
			}
			s += " (" + strings.Join(parts, "; ") + ")"
		}
		if c := r.Str("campaign"); c != "" {
			s += " · campaign " + c
		}
		return s
	}
	if r.Str("route") != "" && !strings.HasPrefix(r.Str("route"), "POST ") {
		return ""
	}
	campaign := r.Str("campaign")
	switch r.Str("outcome") {
	case "bot":
		return "bot submission dropped (honeypot field filled)"
	case "replayed":
		return "repeated form post (same idempotency key): answered as before, nothing new"
	case "deposited":
		return "form from " + who(r, l) + " queued (the lead was busy; it is folded in on its next update) · campaign " + campaign
	case "created", "merged":
	default:
		return ""
	}
	verb := "lead captured"
	if r.Str("outcome") == "merged" {
		verb = "returning lead"
	}
	s := verb + ": " + who(r, l) + " · campaign " + campaign
	if g := r.Str("grade"); g != "" {
		s += " → grade " + g + ", " + r.Str("temperature") + ", " + r.Str("stage")
		if l != nil && l.Qualification != nil {
			s += fmt.Sprintf(" (score %g)", l.Qualification.Score)
		}
	}
	if d := r.Str("disqualified"); d != "" {
		s += ", disqualified: " + d
	}
	if l != nil && l.Returned != nil && l.Qualification != nil && l.Returned.At.Equal(l.Qualification.At) {
		s += " · came back after " + cameBackFrom[l.Returned.From]
	}
	if r.Str("outcome") == "merged" && l != nil && !l.AskedDue().IsZero() {
		s += " · " + dealRep(l) + ", who holds its deal, is told by the schedule (one such email a day at most)"
	}
	switch h := r.Str("handoff"); {
	case r.Str("handoffError") != "":
		s += " · alert not sent yet (" + r.Str("handoffError") + "): the schedule retries"
	case h == "sent":
		s += " · alert sent to " + rep(l)
	case h == "held":
		s += " · alert held" + held(l)
	case h != "":
		s += " · alert " + strings.ReplaceAll(h, "_", " ")
	}
	switch c := r.Str("confirmation"); {
	case r.Str("confirmationError") != "":
		s += " · confirmation email not sent yet: the schedule retries"
	case c == "sent":
		s += " · confirmation email sent, waiting for the click"
	case c == "busy":
		s += " · confirmation email queued (the schedule sends it)"
	case c != "":
		s += " · confirmation email " + strings.ReplaceAll(c, "_", " ")
	}
	return s
}

// worked says what the nurture schedule did for a lead.
func worked(out string, l *lead.Lead, who string) string {
	// The outcomes as the packages name them (nurture's sends answer
	// sendonce's, which are the same values as handoff's).
	switch lead.Outcome(out) {
	case handoff.Sent, handoff.Recovered:
		s := fmt.Sprintf(lastSent(l), who)
		if lead.Outcome(out) == handoff.Recovered {
			s += " (an earlier attempt had sent it; recorded now)"
		}
		return s
	case handoff.Escalated:
		to := ""
		if l != nil && l.Handoff != nil && l.Handoff.EscalatedTo != "" {
			to = " to " + l.Handoff.EscalatedTo
		}
		return "SLA missed for " + who + ": escalation sent" + to
	case handoff.Reminded:
		return "outcome reminder sent to " + dealRep(l) + " about " + who
	case handoff.ToldAsked:
		return "told " + dealRep(l) + " that " + who + ", whose deal they hold, asked again"
	case handoff.Held:
		return "alert for " + who + " held" + held(l)
	case handoff.Summarised:
		return "held-alerts summary sent to the team lead (" + who + " among them)"
	case handoff.Returned:
		s := "nobody answered the alert for " + who + " in time: back to marketing"
		if l != nil {
			s += " (stage " + string(l.Stage)
			if l.Nurture != nil && l.Nurture.Sequence != "" && !l.Nurture.NextAt.IsZero() {
				s += ", nurture " + l.Nurture.Sequence
			}
			s += ")"
		}
		return s
	case nurture.HandedOff:
		s := "nurture handed " + who + " to sales"
		if l != nil && l.Handoff != nil && l.Handoff.State == lead.HandoffSent {
			s += ": alert sent to " + rep(l)
		}
		return s
	case nurture.Exited:
		s := who + " left its nurture sequence"
		if l != nil && l.Nurture != nil {
			if n := len(l.Nurture.Completed); n > 0 {
				s = who + " left nurture sequence " + l.Nurture.Completed[n-1]
			}
			if l.Nurture.ExitReason != "" {
				s += " (" + strings.ReplaceAll(l.Nurture.ExitReason, "_", " ") + ")"
			}
			if l.Nurture.Sequence != "" && !l.Nurture.NextAt.IsZero() {
				s += "; now in " + l.Nurture.Sequence
			}
		}
		return s
	case sendonce.Suppressed:
		return "email to " + who + " not sent: the address is suppressed"
	}
	return "" // waiting, unconfirmed: not news
}

// lastSent is the latest email the lead got, as a format for who got
// it or whom it was about: an alert to its rep, a nurture step, a
// confirmation email.
func lastSent(l *lead.Lead) string {
	s := "email sent for %s"
	if l == nil {
		return s
	}
	var at time.Time
	later := func(t time.Time, what string) {
		if !t.IsZero() && !t.Before(at) {
			at, s = t, what
		}
	}
	if h := l.Handoff; h != nil {
		later(h.SentAt, "alert sent to "+pct(rep(l))+" about %s")
	}
	if n := l.Nurture; n != nil && len(n.Sends) > 0 {
		last := n.Sends[len(n.Sends)-1]
		later(last.At, "nurture email sent to %s ("+pct(last.Sequence)+", step "+pct(last.Step)+")")
	}
	if o := l.OptIn; o != nil {
		later(o.SentAt, fmt.Sprintf("confirmation email #%d sent to %%s, waiting for the click", o.Sends))
	}
	return s
}

func pct(s string) string { return strings.ReplaceAll(s, "%", "%%") }

func feedback(r Record, l *lead.Lead) string {
	out := r.Str("outcome")
	if out == "bad_token" {
		return "feedback link refused (damaged or expired)"
	}
	if int(r.Num("status")) != 200 || out == "" {
		return ""
	}
	if sent, ok := strings.CutPrefix(out, "fresh_links_"); ok {
		what := map[string]string{"sent": "sent", "already_sent": "not sent again (sent within the last 24 hours)",
			"not_waiting": "not sent (the lead waits for no answer from that rep)", "busy": "not sent yet (the lead was busy; press again)"}[sent]
		if what == "" {
			what = "being sent"
		}
		s := "fresh alert links " + what
		if rep := freshLinksTo(l); rep != "" && sent == "sent" {
			s += " to " + rep
		}
		return s + " for " + who(r, l)
	}
	action := r.Str("action")
	verb := map[string]string{"accept": "accepted", "reject": "rejected", "release": "released the held alert of",
		"sql": "marked SQL", "won": "marked won", "lost": "marked lost"}[action]
	if verb == "" {
		verb = action
	}
	by := "sales"
	if action == "release" {
		by = "the team lead"
	} else if name := answeredBy(l, action, out); name != "" {
		by = name
	}
	s := fmt.Sprintf("feedback: %s %s %s", by, verb, who(r, l))
	if reason := r.Str("reason"); reason != "" {
		label := strings.ReplaceAll(reason, "_", " ")
		if rr, ok := currentRules().RejectReason(reason); ok && rr.Label != "" {
			label = rr.Label // as the rep saw it on the link
		}
		s += " (" + label + ")"
	}
	switch out {
	case "recorded":
		s += " → stage " + r.Str("stage")
	case "already":
		s += ": already recorded, nothing changed"
	case "superseded":
		s += ": superseded (stage is " + r.Str("stage") + "), nothing changed"
	default:
		s += ": " + out
	}
	return s
}

// nurtureStopped reports whether the event took l (as it is after the
// event) out of its sequence for reason: a lead that was in no sequence
// (its confirmation never clicked, its sequences done) had nothing to
// stop.
func nurtureStopped(l *lead.Lead, reason string) bool {
	return l != nil && l.Nurture != nil && l.Nurture.ExitReason == reason && l.Nurture.NextAt.IsZero()
}

func sesEvent(r Record, l *lead.Lead) string {
	typ, out := r.Str("type"), r.Str("outcome")
	if typ == "Send" || typ == "Delivery" || out == "" {
		return ""
	}
	what := map[string]string{"Bounce": "bounce", "Complaint": "complaint", "Reject": "rejected by SES"}[typ]
	if what == "" {
		what = typ
	}
	switch out {
	case "suppressed_bounce":
		s := "hard bounce for " + who(r, l) + " → suppressed"
		if nurtureStopped(l, "bounce") {
			s += ", nurture stopped"
		}
		return s
	case "suppressed_complaint":
		if l != nil && l.WithSales() {
			// Its stage stays sales' (lead.WithSales): only marketing email stops.
			return "complaint from " + who(r, l) + " → suppressed, no more marketing email (it stays with sales, who still answer its alert)"
		}
		return "complaint from " + who(r, l) + " → unsubscribed and suppressed"
	case "complaint_recorded":
		return "complaint from " + who(r, l) + ": unsubscribed before, counted in its campaign's complaints"
	case "soft_bounce":
		n := 0
		if l != nil {
			n = len(l.SoftBounces)
		}
		return fmt.Sprintf("soft bounce for %s (%d so far; suppressed after a few)", who(r, l), n)
	case "already_suppressed":
		return what + " for " + who(r, l) + ": already suppressed, nothing changed"
	case "duplicate":
		return what + " for " + who(r, l) + ": a repeat of one already counted"
	case "unknown_recipient":
		return what + " for an address no lead has: nothing changed"
	case "sales_alert_bounced":
		return "a sales alert bounced: a rep's address is broken, alerts are not arriving"
	}
	return what + " for " + who(r, l) + ": " + strings.ReplaceAll(out, "_", " ")
}

// who names the lead for the terminal: its address and name when the
// lookup found it, else its id.
func who(r Record, l *lead.Lead) string {
	switch {
	case l != nil && l.Erased:
		return "an erased lead"
	case l != nil && l.Email != "":
		if l.Name != "" {
			return l.Email + " (" + l.Name + ")"
		}
		return l.Email
	case r.Str("leadId") != "":
		return "lead " + r.Str("leadId")
	}
	return "an unknown lead"
}

func rep(l *lead.Lead) string {
	if l == nil || l.Handoff == nil || (l.Handoff.Rep == "" && l.Handoff.RepName == "") {
		return "sales"
	}
	h := l.Handoff
	switch {
	case h.RepName != "" && h.Rep != "":
		return h.RepName + " <" + h.Rep + ">"
	case h.RepName != "":
		return h.RepName
	}
	return h.Rep
}

// answeredBy names who recorded a feedback answer, read from the lead
// (the log names no rep, not even hashed): who holds the deal after an
// accept or an outcome, who sent it back after a reject; "" when the
// answer changed nothing (someone else's may be what the lead shows).
func answeredBy(l *lead.Lead, action, out string) string {
	if l == nil || out != "recorded" {
		return ""
	}
	rep := ""
	switch {
	case action == "reject" && l.SentBack != nil:
		rep = l.SentBack.Rep
	case action == "reject" && l.Handoff != nil:
		rep = l.Handoff.AnsweredBy
	case l.Deal != nil:
		rep = l.Deal.Rep
	}
	return repName(l, rep)
}

// repName is how a rep is called: the name the alert used, else the
// routing config's (the one the stack runs, UseRules), else the
// address (this line is for the developer's terminal only).
func repName(l *lead.Lead, rep string) string {
	if h := l.Handoff; h != nil && rep != "" && rep == h.Rep && h.RepName != "" {
		return h.RepName
	}
	return currentRules().RepName(rep)
}

// freshLinksTo is the rep who was last sent fresh alert links for l:
// the lead keeps them by reference (links.RepRef), never by address.
func freshLinksTo(l *lead.Lead) string {
	if l == nil || l.Handoff == nil {
		return ""
	}
	h, best, last := l.Handoff, "", time.Time{}
	for _, rep := range []string{h.Rep, h.EscalatedTo} {
		if at, ok := h.FreshLinks[links.RepRef(rep)]; ok && rep != "" && at.After(last) {
			best, last = rep, at
		}
	}
	if best == "" {
		return ""
	}
	return repName(l, best)
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func dealRep(l *lead.Lead) string {
	if l == nil {
		return "the rep"
	}
	return orText(l.DealOwner(), "the rep")
}

func held(l *lead.Lead) string {
	if l == nil || l.Handoff == nil || l.Handoff.Held == nil {
		return ""
	}
	return " (" + strings.ReplaceAll(l.Handoff.Held.Reason, "_", " ") + "; the team lead gets a summary)"
}

func score(l *lead.Lead) string {
	if l == nil || l.Qualification == nil {
		return ""
	}
	q := l.Qualification
	return fmt.Sprintf(" (now grade %s, score %g, %s)", q.Grade, q.Score, q.Temperature)
}
