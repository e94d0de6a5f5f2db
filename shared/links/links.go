// Package links builds every signed link the product hands out (in an
// email, a page or a redirect) and names the token action each route
// verifies, so a link and the handler that checks it cannot drift apart.
// The signing itself (HMAC, key rotation, expiry) is package token's.
package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/token"
)

// Token actions: each route verifies its own, so a token made for one
// route is refused by every other.
const (
	ActionClick       = "click"       // GET /t/c/{token}: a tracked link in a nurture email
	ActionOpen        = "open"        // GET /t/o/{token}: the open pixel
	ActionVisit       = "visit"       // the ?lf= visitor token a click hands to the site snippet
	ActionUnsubscribe = "unsubscribe" // /unsubscribe/{token}
	ActionConfirm     = "confirm"     // /confirm/{token}: double opt-in (Extra: the consent request id)
	ActionAccept      = "accept"      // /feedback/{token}: sales accepts a lead
	ActionReject      = "reject"      // /feedback/{token}: sales rejects it (Extra: reason code)
	ActionSQL         = "sql"         // /feedback/{token}: outcomes after acceptance
	ActionWon         = "won"
	ActionLost        = "lost"
	ActionRelease     = "release"     // /feedback/{token}: the team lead releases a held alert
	ActionReleaseAll  = "release_all" // /feedback/{token}: … every alert a window held (Subject: the window's key)
	ActionDashboard   = "dashboard"   // GET /dashboard/{token}: the reports dashboard, read only, from a digest (Subject: who it was sent to)
)

// Lifetimes of the links that do not take one from their caller.
const (
	ClickTTL = 180 * 24 * time.Hour
	OpenTTL  = 180 * 24 * time.Hour
	// VisitTTL bounds how long a ?lf= visitor token (which travels in
	// URLs, bookmarks and shared links) binds page views to its lead.
	VisitTTL = 90 * 24 * time.Hour
	// AlertTTL is how long the accept/reject links of a sales alert (and
	// the outcome links after them) work.
	AlertTTL = 7 * 24 * time.Hour
	// UnsubscribeTTL bounds how long a leaked link names a lead; an expired
	// unsubscribe link still works (an opt-out is never refused).
	UnsubscribeTTL = 365 * 24 * time.Hour
)

// VisitorParam is the query parameter a click adds to the target URL, so
// the snippet on that site can bind page views to the lead.
const VisitorParam = "lf"

// Click is the tracked form of target for one lead's email; "" when the
// target is too long to ride in a token the route reads (token.MaxLen:
// some 690 characters of URL), which would make a redirect that never
// works: such a link is sent as it is, untracked.
func Click(keys token.Keys, base, leadID, target string, now time.Time) string {
	tok := keys.Sign(token.Claims{Action: ActionClick, Subject: leadID, Extra: target, Expires: now.Add(ClickTTL)})
	if len(tok) > token.MaxLen {
		return ""
	}
	return url(base, "/t/c/", tok)
}

// OpenPixel is the URL of the open-tracking pixel for one email to a lead;
// email names the email (e.g. its sequence step), so each email's first
// open counts once.
func OpenPixel(keys token.Keys, base, leadID, email string, now time.Time) string {
	return url(base, "/t/o/", keys.Sign(token.Claims{Action: ActionOpen, Subject: leadID, Extra: email, Expires: now.Add(OpenTTL)}))
}

// Visitor is the visitor token a click adds to its target (VisitorParam).
func Visitor(keys token.Keys, leadID string, now time.Time) string {
	return keys.Sign(token.Claims{Action: ActionVisit, Subject: leadID, Expires: now.Add(VisitTTL)})
}

// Unsubscribe is a lead's unsubscribe URL.
func Unsubscribe(keys token.Keys, base, leadID string, now time.Time) string {
	return url(base, "/unsubscribe/", keys.Sign(token.Claims{Action: ActionUnsubscribe, Subject: leadID, Expires: now.Add(UnsubscribeTTL)}))
}

// Confirm is the link of a confirmation email: it confirms the consent
// request named requestID, until expires.
func Confirm(keys token.Keys, base, leadID, requestID string, expires time.Time) string {
	return url(base, "/confirm/", keys.Sign(token.Claims{Action: ActionConfirm, Subject: leadID, Extra: requestID, Expires: expires}))
}

// Feedback is a sales answer link (accept, reject with a reason code,
// SQL / won / lost) for a lead; extra is the rep (accept, outcomes) or the
// reason (reject). A rep is never put in the token as an address: token
// payloads are signed, not encrypted, and anyone holding a link can read
// them. It goes in as RepRef(rep); the feedback handler finds the rep whose
// reference it is (ResolveRep). issued is when the link is made: an
// accept or reject link made before the lead's current hand-off began
// belongs to an earlier one and answers nothing.
func Feedback(keys token.Keys, base, leadID, action, extra string, issued, expires time.Time) string {
	return url(base, "/feedback/", FeedbackToken(keys, leadID, action, extra, issued, expires))
}

// DashboardTTL is how long a digest's dashboard link opens the dashboard:
// the digests are weekly, so the last one's link always works.
const DashboardTTL = 14 * 24 * time.Hour

// Dashboard is the link a digest carries to the reports dashboard: GET
// /dashboard/{token} shows it in a browser without AWS credentials (GET
// /reports needs a signed request) until DashboardTTL after issued.
// reader says whom the digest went to ("marketing", "team"), never
// an address.
func Dashboard(keys token.Keys, base, reader string, issued time.Time) string {
	return url(base, "/dashboard/", keys.Sign(token.Claims{Action: ActionDashboard, Subject: reader, Issued: issued, Expires: issued.Add(DashboardTTL)}))
}

// FeedbackToken is the token of a Feedback link, for pages that post to
// /feedback/{token} relative to themselves.
func FeedbackToken(keys token.Keys, leadID, action, extra string, issued, expires time.Time) string {
	if action != ActionReject {
		extra = LinkRepRef(keys, extra)
	}
	return keys.Sign(token.Claims{Action: action, Subject: leadID, Extra: extra, Issued: issued, Expires: expires})
}

// Reject is a reject link for one reason code, naming (by LinkRepRef) the
// rep it is sent to, so an expired one can ask for fresh links for that rep.
func Reject(keys token.Keys, base, leadID, reason, rep string, issued, expires time.Time) string {
	extra := reason
	if ref := LinkRepRef(keys, rep); ref != "" {
		extra += " " + ref
	}
	return url(base, "/feedback/", keys.Sign(token.Claims{Action: ActionReject, Subject: leadID, Extra: extra, Issued: issued, Expires: expires}))
}

// SplitReject splits a reject token's extra into its reason code and the
// reference of the rep it was sent to ("" in links made before reject
// links named their rep). Reason codes hold no spaces.
func SplitReject(extra string) (reason, repRef string) {
	reason, ref, _ := strings.Cut(extra, " ")
	if !strings.HasPrefix(ref, repRefPrefix) && !strings.HasPrefix(ref, linkRefPrefix) {
		ref = ""
	}
	return reason, ref
}

// Release is the link in a held-alerts summary that releases one lead's
// alert. It carries when it was made (issued), so it releases only the
// hold it was made for: not one of a later hand-off of the lead (sent
// back, or lost and come back, and held again since).
func Release(keys token.Keys, base, leadID string, issued, expires time.Time) string {
	return url(base, "/feedback/", keys.Sign(token.Claims{Action: ActionRelease, Subject: leadID, Issued: issued, Expires: expires}))
}

// ReleaseAll is the link in a held-alerts summary that releases every
// alert its window held (key: the window's flood-control key, no text a
// visitor typed).
func ReleaseAll(keys token.Keys, base, key string, expires time.Time) string {
	return url(base, "/feedback/", keys.Sign(token.Claims{Action: ActionReleaseAll, Subject: key, Expires: expires}))
}

// repRefPrefix marks a rep reference, so it is never taken for a reason
// code or an address.
const repRefPrefix = "rep:"

// RepRef is the product's own reference to a rep, where its data keys
// something by rep (fresh links sent, their job): "rep:" and the first 16
// hex digits of the SHA-256 of the trimmed, lower-cased address (the
// start of lead.HashEmail). Links made before LinkRepRef carry it too.
// "" stays "".
func RepRef(addr string) string {
	addr = repAddr(addr)
	if addr == "" || strings.HasPrefix(addr, repRefPrefix) {
		return addr
	}
	sum := sha256.Sum256([]byte(addr))
	return repRefPrefix + hex.EncodeToString(sum[:8])
}

// linkRefPrefix marks a keyed rep reference (LinkRepRef).
const linkRefPrefix = "rk:"

// linkRefLabel derives, from each signing key, the key of LinkRepRef.
const linkRefLabel = "rep-ref"

// LinkRepRef is what an answer link says about the rep it was sent to:
// "rk:" and the first 16 hex digits of the HMAC-SHA256 of the trimmed,
// lower-cased address under a key derived from the current signing key.
// Whoever holds a link can read its payload (signed, not encrypted): a
// plain hash of the address could be checked against a guess
// (first.last@company.example), a keyed one cannot. "" stays "".
func LinkRepRef(keys token.Keys, addr string) string {
	addr = repAddr(addr)
	if addr == "" || strings.HasPrefix(addr, repRefPrefix) || strings.HasPrefix(addr, linkRefPrefix) {
		return addr
	}
	current, derived := keys.Derive(linkRefLabel)
	return linkRefPrefix + keyedRef(derived[current], addr)
}

// repAddr is a rep's address as references are made of it: trimmed,
// lower case.
func repAddr(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

func keyedRef(key []byte, addr string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(addr))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// ResolveRep is the rep an answer link's extra names, among candidates
// (the lead's rep, escalation target, accepting rep, the configured
// reps): the candidate whose LinkRepRef it is under any of keys (a link
// signed before a key rotation), or whose RepRef it is (links made
// before references were keyed), else "". A token signed before links
// carried references holds the address itself; it is taken as it is
// (such links expire: alert links after AlertTTL, outcome links at the
// end of the lead's outcome horizon).
func ResolveRep(keys token.Keys, extra string, candidates ...string) string {
	switch {
	case extra == "":
		return ""
	case strings.HasPrefix(extra, linkRefPrefix):
		_, derived := keys.Derive(linkRefLabel)
		for _, c := range candidates {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			for _, key := range derived {
				if hmac.Equal([]byte(linkRefPrefix+keyedRef(key, repAddr(c))), []byte(extra)) {
					return c
				}
			}
		}
		return ""
	case strings.HasPrefix(extra, repRefPrefix):
		for _, c := range candidates {
			if c != "" && RepRef(c) == extra {
				return c
			}
		}
		return ""
	case strings.Contains(extra, "@"):
		return extra // a legacy token
	}
	return ""
}

func url(base, route, tok string) string { return strings.TrimRight(base, "/") + route + tok }
