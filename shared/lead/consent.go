package lead

import (
	"errors"
	"time"
)

// Consent modes of a campaign: how a ticked consent box becomes consent.
const (
	// ConsentDouble (the default): the box asks for consent; the signed
	// link in the confirmation email gives it.
	ConsentDouble = "double"
	// ConsentSingle: where single opt-in is lawful, the box on the form
	// that creates the lead gives consent at once. A later form for a
	// known address still asks for confirmation: whoever posts a known
	// address is not known to be its owner.
	ConsentSingle = "single"
)

// How a lead's consent came to be (Consent.Method).
const (
	ConsentByConfirmation = "double_opt_in" // the confirmation link
	ConsentBySingleOptIn  = "single_opt_in" // the form that created the lead
	ConsentByForm         = "form"          // what a form stated (a submission's own record)
)

// ConfirmationInterval is the least time between two confirmation emails
// to one address: a request sooner than that is recorded, not mailed (the
// link of the last email still works).
const ConfirmationInterval = 24 * time.Hour

// ConfirmationTTL is how long a confirmation link works.
const ConfirmationTTL = 7 * 24 * time.Hour

// ErrNoConsentRequest: a confirmation link whose request is not the
// lead's open one (confirmed already, superseded, or never made).
var ErrNoConsentRequest = errors.New("no such consent request")

// ConsentRequest is consent asked for on a form and not confirmed yet:
// what the confirmation will record, and when the confirmation email is
// owed and was last sent.
type ConsentRequest struct {
	// ID is what the confirmation link names: a newer request for the
	// same lead replaces it, so only the latest link confirms.
	ID            string    `json:"id"`
	RequestedAt   time.Time `json:"requested_at"`
	TextVersion   string    `json:"text_version,omitempty"`
	Campaign      string    `json:"campaign,omitempty"`
	IPHash        string    `json:"ip_hash,omitempty"`
	UserAgentHash string    `json:"user_agent_hash,omitempty"`
	// DueAt is when a confirmation email is owed (zero: none is).
	DueAt time.Time `json:"due_at,omitzero"`
	// SentAt is when the last one went out; Sends how many did.
	SentAt time.Time `json:"sent_at,omitzero"`
	Sends  int       `json:"sends,omitempty"`
}

// Consent request outcomes (AskConsent), recorded on the submission's
// timeline event.
const (
	ConsentNotAsked  = ""              // the box was not ticked
	ConsentGranted   = "granted"       // single opt-in on the creating form
	ConsentRequested = "requested"     // a confirmation email is owed
	ConsentThrottled = "requested_24h" // asked again within a day: no new email
	ConsentHeld      = "held"          // the lead has consent already
	ConsentBlocked   = "suppressed"    // the address is suppressed: no email
)

// AskConsent handles the consent a form states for this lead. A ticked
// box never grants consent to an existing lead and an unticked one never
// withdraws it: the form's poster is not known to own the address. Only
// a new lead under single opt-in gets consent from its form
// (created); otherwise a confirmation email is owed, at most one per
// ConfirmationInterval. id names a new request.
func (l *Lead) AskConsent(stated Consent, mode string, created bool, id string, now time.Time) string {
	if !stated.MarketingOptIn {
		return ConsentNotAsked
	}
	if created {
		// New copied the form's statement; it is a request until granted.
		l.Consent, l.Consents = Consent{}, nil
		if mode == ConsentSingle && l.Suppressed == "" {
			l.Consent = stated
			l.Consent.Method = ConsentBySingleOptIn
			l.Consents = []Consent{l.Consent}
		}
		if l.Recorded != nil { // what the lead starts with, not a change
			l.Recorded.OptOut = l.CurrentLifecycle().OptOut
		}
		if l.Consent.MarketingOptIn {
			return ConsentGranted
		}
	}
	switch {
	case l.Consent.MarketingOptIn:
		return ConsentHeld
	case l.Suppressed != "" || l.Erased:
		return ConsentBlocked
	}
	prev := l.OptIn
	if prev != nil && !prev.SentAt.IsZero() && now.Before(prev.SentAt.Add(ConfirmationInterval)) {
		// The email sent within the day still confirms what it asked.
		return ConsentThrottled
	}
	req := &ConsentRequest{ID: id, RequestedAt: stated.At, TextVersion: stated.TextVersion,
		Campaign: l.LastTouch.Campaign, IPHash: stated.IPHash, UserAgentHash: stated.UserAgentHash, DueAt: now}
	if prev != nil {
		req.SentAt, req.Sends = prev.SentAt, prev.Sends
		if !prev.DueAt.IsZero() {
			req.ID = prev.ID // its email may be on its way
		}
	}
	l.OptIn = req
	return ConsentRequested
}

// HasConsentToWithdraw reports whether an opt-out changes the lead's
// consent: it allows marketing email, or a request for it is open (a
// confirmation link would opt in). An address suppressed already (a
// bounce) may still have one: the opt-out is then recorded all the same.
func (l *Lead) HasConsentToWithdraw() bool { return l.Consent.MarketingOptIn || l.OptIn != nil }

// WithdrawConsent records an opt-out (c: the record of the unsubscribe or
// complaint): the consent and its history entry, no open consent request
// (a confirmation link no longer opts in), and stage unsubscribed —
// unless sales holds the lead (a sales stage, or an MQL waiting for its
// answer: WithSales), which an opt-out from marketing email does not take
// away.
func (l *Lead) WithdrawConsent(c Consent) {
	l.Consent = c
	l.OptIn = nil
	l.Consents = append(l.Consents, c)
	if !l.Stage.SalesSet() && !l.WithSales() {
		l.Stage = StageUnsubscribed
	}
}

// ConfirmationDue reports whether a confirmation email is owed now.
func (l *Lead) ConfirmationDue(now time.Time) bool {
	at := l.confirmationOwed()
	return !at.IsZero() && !now.Before(at)
}

// confirmationOwed is since when a confirmation email is owed; zero when
// none is, or the address may not be mailed at all.
func (l *Lead) confirmationOwed() time.Time {
	if l.OptIn == nil || l.Suppressed != "" || l.Erased {
		return time.Time{}
	}
	return l.OptIn.DueAt
}

// ConfirmationSent records the confirmation email of the open request.
func (l *Lead) ConfirmationSent(now time.Time) {
	if l.OptIn == nil {
		return
	}
	r := *l.OptIn
	r.DueAt, r.SentAt, r.Sends = time.Time{}, now, r.Sends+1
	l.OptIn = &r
}

// ConfirmConsent gives the consent the open request asked for: the
// confirmation link named request id, used by a request whose hashed IP
// and user agent are given. The consent record keeps when it was asked
// and confirmed, the consent text, and the hashed IP and user agent of
// both the request that asked and the one that confirmed.
func (l *Lead) ConfirmConsent(id string, now time.Time, ipHash, userAgentHash string) error {
	r := l.OptIn
	// A suppressed address is mailed nothing: a hard bounce since the
	// email went out leaves its request open, but not confirmable.
	if r == nil || r.ID != id || l.Erased || l.Suppressed != "" {
		return ErrNoConsentRequest
	}
	l.Consent = Consent{MarketingOptIn: true, Method: ConsentByConfirmation, TextVersion: r.TextVersion,
		At: r.RequestedAt, ConfirmedAt: now, IPHash: r.IPHash, UserAgentHash: r.UserAgentHash,
		ConfirmIPHash: ipHash, ConfirmUserAgentHash: userAgentHash}
	l.Consents = append(append([]Consent(nil), l.Consents...), l.Consent)
	l.OptIn = nil
	return nil
}
