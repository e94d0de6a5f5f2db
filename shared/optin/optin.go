// Package optin is double opt-in: the confirmation email a consent
// request owes (sent exactly once per request, at most one per address a
// day), and the confirmation link that gives the consent. GET
// /confirm/{token} shows a page with a button and changes nothing, so
// mail scanners that prefetch links confirm no one; POST confirms, then
// re-grades the lead and places it in its nurture sequence. It imports no
// AWS code.
package optin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	stdmail "net/mail"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/linkpage"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/token"
)

// Job names the confirmation email among a lead's emails.
const Job = "confirm_optin"

// Timeline events.
const (
	EventSent      = "optin_sent"
	EventConfirmed = "optin_confirmed"
)

// Sender sends the confirmation email a lead's consent request owes.
type Sender struct {
	Send *sendonce.Sender
	Keys token.Keys
	// From sends it; Company names who asks (the From's display name when
	// empty).
	From, Company    string
	BaseURL          string
	ConfigurationSet string
	// Zone is the lead's time zone (the one its nurture emails' send
	// window uses): the email says until when its link works in it. nil
	// is UTC.
	Zone  func(lead.Lead) *time.Location
	Clock func() time.Time
	NewID func(time.Time) string
}

// RunLead sends the confirmation email if one is owed now; lead.Idle
// when none is. It has the signature of lead.HandOff, so capture can call
// it right after a write and the scheduled tick for what capture missed.
func (s *Sender) RunLead(ctx context.Context, l lead.Lead, owner, base string) (lead.Outcome, error) {
	now := s.Clock()
	if !l.ConfirmationDue(now) {
		return lead.Idle, nil
	}
	job := sendonce.Job{
		Name: Job, ToLead: true,
		Message: func(_ context.Context, l lead.Lead) (mail.Message, error) {
			return s.message(l, cmp.Or(s.BaseURL, l.LinkBase, base), now)
		},
		Due: func(l *lead.Lead) bool { return l.OptIn != nil && !l.OptIn.DueAt.IsZero() },
		Commit: func(l *lead.Lead, messageID string) lead.Change {
			l.ConfirmationSent(now)
			return lead.Change{At: now,
				Events:   []lead.Event{{At: now, Kind: EventSent, ID: s.NewID(now), Data: map[string]any{"message_id": messageID}}},
				Counters: []lead.Counter{{Campaign: l.Campaign(), Name: "optin_emails"}}}
		},
	}
	return s.Send.Do(ctx, l, job, owner)
}

func (s *Sender) message(l lead.Lead, base string, now time.Time) (mail.Message, error) {
	if base == "" {
		return mail.Message{}, errors.New("optin: no public base URL for the confirmation link")
	}
	exp := now.Add(lead.ConfirmationTTL)
	subject, html, text, err := mail.RenderConfirmation(mail.Confirmation{
		Sender:     cmp.Or(s.Company, sender(s.From)),
		ConfirmURL: links.Confirm(s.Keys, base, l.ID, l.OptIn.ID, exp),
		Until:      mail.When(exp, s.zone(l)),
	})
	if err != nil {
		return mail.Message{}, fmt.Errorf("optin: %w", err)
	}
	return mail.Message{From: s.From, To: l.Email, Subject: subject, HTML: html, Text: text,
		Tags: map[string]string{"kind": "optin_confirmation"}, ConfigurationSet: s.ConfigurationSet}, nil
}

// zone is the lead's time zone, UTC when the sender knows none.
func (s *Sender) zone(l lead.Lead) *time.Location {
	if s.Zone == nil {
		return nil
	}
	return s.Zone(l)
}

// sender names who asks for consent when no company is configured: the
// From's display name, else its domain ("example.com" for
// "leads@example.com") — a name the reader can check, never "us". A From
// net/mail cannot read names nobody.
func sender(from string) string {
	a, err := stdmail.ParseAddress(from)
	if err != nil {
		return ""
	}
	if a.Name != "" {
		return a.Name
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	return strings.ToLower(domain)
}

// Routes this handler serves.
var Routes = []string{"GET /confirm/{token}", "POST /confirm/{token}"}

// Store is what confirming needs.
type Store interface {
	lead.Store
}

// Qualifier re-grades a lead that gave consent and places it in its
// nurture sequence (nurture.Enroller).
type Qualifier interface {
	Qualify(l *lead.Lead, now time.Time) lead.Change
}

// Handler serves the confirmation link.
type Handler struct {
	Store Store
	Keys  token.Keys
	// Enrol re-grades and places the lead in nurturing once it confirmed.
	Enrol Qualifier
	// Evidence hashes the confirming request's IP address and user agent
	// for the consent record; the zero Evidence records neither.
	Evidence lead.Evidence
	// SignUp is where an expired link's page sends the person to sign up
	// again; the zero SignUpPages sends them nowhere in particular.
	SignUp SignUpPages
	Clock  func() time.Time
	NewID  func(time.Time) string
	Log    *slog.Logger
}

// Handle serves one request.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	now := h.Clock()
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	claims, err := h.Keys.Verify(req.PathParameters["token"], links.ActionConfirm, now)
	switch {
	case errors.Is(err, token.ErrExpired):
		// The email stays in the inbox: opened after its week, the link
		// says where the address stands when that is settled (confirmed,
		// unsubscribed, erased), not to sign up again.
		l, lerr := h.Store.Lead(ctx, claims.Subject)
		if page, out := settled(l, lerr); out != "" {
			log.Info("optin", "status", http.StatusOK, "leadId", claims.Subject, "outcome", "expired_"+out)
			return linkpage.Respond(http.StatusOK, page), nil
		}
		page := linkpage.Page{Title: "This link has expired",
			Body: "Confirmation links work for a week. Sign up again on our site and we will send you a new one."}
		if lerr == nil {
			if u := h.SignUp.Page(l.LastTouch.LandingPage, l.LastTouch.Campaign, req.RequestContext.DomainName); u != "" {
				page.Body = "Confirmation links work for a week. Sign up again on the page where you signed up and we will send you a new one."
				page.Link, page.LinkText = u, "Sign up again"
			}
		}
		log.Info("optin", "status", http.StatusGone, "outcome", "expired", "signUpLink", page.Link != "")
		return linkpage.Respond(http.StatusGone, page), nil
	case err != nil:
		log.Warn("optin", "status", http.StatusForbidden, "outcome", "bad_token")
		return linkpage.Respond(http.StatusForbidden, linkpage.Page{Title: "This link is not valid",
			Body: "The confirmation link is damaged or was not sent by us. Use the link in the latest email you received."}), nil
	}
	if req.RequestContext.HTTP.Method != http.MethodPost {
		// Opened again: say what the button would find instead of asking.
		switch h.wouldFind(ctx, claims.Subject, claims.Extra, now) {
		case outcomeAlready:
			return linkpage.Respond(http.StatusOK, already), nil
		case outcomeStale:
			return linkpage.Respond(http.StatusOK, stale), nil
		case outcomeOptedOut:
			return linkpage.Respond(http.StatusOK, optedOut), nil
		case outcomeErased:
			return linkpage.Respond(http.StatusOK, erased), nil
		}
		return linkpage.Respond(http.StatusOK, linkpage.Page{Title: "Confirm your subscription", Button: "Yes, send me emails",
			Body: "Press the button to confirm that you want to receive our emails. You can unsubscribe from any of them."}), nil
	}
	out, err := h.confirm(ctx, claims.Subject, claims.Extra, h.Evidence.Hash(httpapi.SourceIP(req)), h.Evidence.Hash(httpapi.Header(req, "user-agent")), now)
	if err != nil {
		status := httpapi.StatusOf(err, map[error]int{lead.ErrNotFound: http.StatusNotFound})
		log.Log(ctx, httpapi.LevelOf(status), "optin", "status", status, "leadId", claims.Subject, "error", err.Error())
		return linkpage.Respond(status, linkpage.Page{Title: "Something went wrong", Body: "We could not record your confirmation. Please try again in a minute."}), nil
	}
	log.Info("optin", "status", http.StatusOK, "leadId", claims.Subject, "outcome", out)
	switch out {
	case outcomeStale:
		return linkpage.Respond(http.StatusOK, stale), nil
	case outcomeOptedOut:
		return linkpage.Respond(http.StatusOK, optedOut), nil
	case outcomeErased:
		return linkpage.Respond(http.StatusOK, erased), nil
	}
	return linkpage.Respond(http.StatusOK, linkpage.Page{Title: "Thank you, you are subscribed",
		Body: "You will receive our emails. Every one of them has a one-click unsubscribe link."}), nil
}

// Outcomes of a confirmation.
const (
	outcomeConfirmed = "confirmed"
	outcomeAlready   = "already_confirmed"
	outcomeStale     = "stale_request"
	outcomeOptedOut  = "opted_out"
	outcomeErased    = "erased"
)

// already is the page of a link whose address confirmed already.
var already = linkpage.Page{Title: "You are already subscribed",
	Body: "You confirmed your subscription already. Every email we send has a one-click unsubscribe link."}

// settled is the page of lead l's consent when nothing a link could do
// would change it (confirmed, unsubscribed, erased) and its outcome; ""
// when it is not settled or the lead could not be read (err).
func settled(l lead.Lead, err error) (linkpage.Page, string) {
	if err != nil {
		return linkpage.Page{}, ""
	}
	switch out := refused(l); out {
	case outcomeAlready:
		return already, out
	case outcomeOptedOut:
		return optedOut, out
	case outcomeErased:
		return erased, out
	}
	return linkpage.Page{}, ""
}

// stale is the page of a link with nothing to confirm.
var stale = linkpage.Page{Title: "Nothing to confirm",
	Body: "This link was replaced by a newer one: use the link in the latest email you received. If you unsubscribed since, you stay unsubscribed and get no marketing email from us."}

// optedOut is the page of a link whose address is suppressed since
// (unsubscribed, a complaint, a bounce): no newer link is coming, so it
// does not send the person looking for one.
var optedOut = linkpage.Page{Title: "Nothing to confirm",
	Body: "This address is unsubscribed from our emails, so there is nothing left to confirm: you get no marketing email from us."}

// erased is the page of a link whose address's data was erased since:
// the address is suppressed for good, so no newer link is coming either.
var erased = linkpage.Page{Title: "Nothing to confirm",
	Body: "We deleted what we held about this address, so there is nothing to confirm: you get no email from us."}

// wouldFind is what pressing the button would find, on a copy of the
// lead: outcomeConfirmed (it would confirm), or what refused says. A lead
// that cannot be read would confirm: the page asks, and the POST says why.
func (h *Handler) wouldFind(ctx context.Context, leadID, requestID string, now time.Time) string {
	l, err := h.Store.Lead(ctx, leadID)
	if err != nil || l.ConfirmConsent(requestID, now, "", "") == nil {
		return outcomeConfirmed
	}
	return refused(l)
}

// refused is why lead l has nothing to confirm: already confirmed, its
// data erased or its address suppressed since, or another request's link.
func refused(l lead.Lead) string {
	switch {
	case l.Consent.MarketingOptIn && l.Consent.Method == lead.ConsentByConfirmation:
		return outcomeAlready // a second click, or the mail client's
	case l.Erased:
		return outcomeErased
	case l.Suppressed != "":
		return outcomeOptedOut
	}
	return outcomeStale
}

func (h *Handler) confirm(ctx context.Context, leadID, requestID, ipHash, userAgentHash string, now time.Time) (string, error) {
	out := outcomeConfirmed
	_, err := lead.Update(ctx, h.Store, leadID, func(l *lead.Lead) (lead.Change, error) {
		if err := l.ConfirmConsent(requestID, now, ipHash, userAgentHash); err != nil {
			out = refused(*l)
			return lead.Change{}, lead.ErrUnchanged
		}
		if l.UpdatedAt.Before(now) {
			l.UpdatedAt = now
		}
		ch := lead.Change{At: now,
			Events:   []lead.Event{{At: now, Kind: EventConfirmed, ID: h.NewID(now), Data: map[string]any{"text_version": l.Consent.TextVersion}}},
			Counters: []lead.Counter{{Campaign: l.Campaign(), Name: "optins"}}}
		if h.Enrol != nil && !l.Stage.SalesSet() {
			ch.Add(h.Enrol.Qualify(l, now))
		}
		return ch, nil
	})
	return out, err
}
