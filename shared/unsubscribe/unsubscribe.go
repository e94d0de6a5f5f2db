// Package unsubscribe serves the opt-out links of marketing emails:
// POST /unsubscribe/{token} is RFC 8058 one-click (mail clients call it
// from the List-Unsubscribe-Post header) and the page's confirm button;
// GET shows a confirm page and changes nothing, so link scanners that
// prefetch URLs cannot unsubscribe anyone. It imports no AWS code.
package unsubscribe

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/linkpage"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/token"
)

// Routes this handler serves.
var Routes = []string{"GET /unsubscribe/{token}", "POST /unsubscribe/{token}"}

// Store is what unsubscribing needs.
type Store interface {
	Lead(ctx context.Context, id string) (lead.Lead, error)
	// Suppress writes the lead and its suppression record atomically;
	// lead.ErrAlreadySuppressed when the address was suppressed before.
	// It first records the address for the segment exports, which take
	// it out of a customer list they are writing
	// (customerlist.Removals).
	Suppress(ctx context.Context, l lead.Lead, ch lead.Change, reason string) error
	// Save writes the lead (versioned): the opt-out of an address
	// suppressed already (a bounce) needs no new list entry.
	Save(ctx context.Context, l lead.Lead, ch lead.Change) error
}

// Handler is the Lambda handler behind /unsubscribe/{token}.
type Handler struct {
	Store Store
	Keys  token.Keys
	// Evidence hashes the request's IP address and user agent for the
	// withdrawal's consent record; the zero Evidence records neither.
	Evidence lead.Evidence
	Clock    func() time.Time
	NewID    func(time.Time) string
	Log      *slog.Logger
}

// Handle serves one request.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	now := h.Clock()
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	claims, err := h.Keys.Verify(req.PathParameters["token"], links.ActionUnsubscribe, now)
	if err != nil && !errors.Is(err, token.ErrExpired) {
		log.Warn("unsubscribe", "status", http.StatusForbidden, "outcome", "bad_token")
		return linkpage.Respond(http.StatusForbidden, linkpage.Page{Title: "This link is not valid", Body: "The unsubscribe link is damaged or was not sent by us. Open the unsubscribe link in the latest email you received from us: it works even when the email is old."}), nil
	}
	if req.RequestContext.HTTP.Method != http.MethodPost {
		if h.done(ctx, claims.Subject) {
			// Opened again to check: say so instead of asking again.
			return linkpage.Respond(http.StatusOK, unsubscribed), nil
		}
		return linkpage.Respond(http.StatusOK, linkpage.Page{Title: "Unsubscribe from our emails?", Button: "Unsubscribe",
			Body: "You will get no more marketing emails from us, for good. This takes one click. If you contact us again later, our team can still answer you personally."}), nil
	}
	out, err := h.unsubscribe(ctx, claims.Subject, req, now)
	if err != nil {
		status := httpapi.StatusOf(err, map[error]int{lead.ErrNotFound: http.StatusNotFound})
		log.Log(ctx, httpapi.LevelOf(status), "unsubscribe", "status", status, "leadId", claims.Subject, "error", err.Error())
		if status == http.StatusNotFound {
			return linkpage.Respond(status, linkpage.Page{Title: "You will not hear from us", Body: "We have no record of this address any more."}), nil
		}
		return linkpage.Respond(status, linkpage.Page{Title: "Something went wrong", Body: "We could not record your request. Please try again in a minute."}), nil
	}
	log.Info("unsubscribe", "status", http.StatusOK, "leadId", claims.Subject, "outcome", out)
	return linkpage.Respond(http.StatusOK, unsubscribed), nil
}

// unsubscribed is the page of an address that gets no more marketing
// email.
var unsubscribed = linkpage.Page{Title: "You are unsubscribed", Body: "You will get no more marketing emails from us."}

// done reports whether a POST would find nothing to do (see
// unsubscribedAlready). A lead that cannot be read is not done: the page
// asks, and the POST says why.
func (h *Handler) done(ctx context.Context, leadID string) bool {
	l, err := h.Store.Lead(ctx, leadID)
	return err == nil && unsubscribedAlready(&l)
}

// unsubscribedAlready: the address is suppressed and the lead holds no
// consent to withdraw, so an unsubscribe has nothing left to record.
func unsubscribedAlready(l *lead.Lead) bool {
	return l.Suppressed != "" && !l.HasConsentToWithdraw()
}

func (h *Handler) unsubscribe(ctx context.Context, leadID string, req httpapi.Request, now time.Time) (string, error) {
	// listed: the address is suppressed already (a bounce, a complaint,
	// this opt-out before). Its person's opt-out is still recorded while
	// the lead holds a consent to withdraw: a bounce stops the emails, not
	// what the consent record (and the CRM's copy) says.
	listed, out := false, "unsubscribed"
	write := func(ctx context.Context, l lead.Lead, ch lead.Change) error {
		if listed {
			return h.Store.Save(ctx, l, ch)
		}
		return h.Store.Suppress(ctx, l, ch, "unsubscribe")
	}
	_, err := lead.UpdateWith(ctx, h.Store.Lead, write, leadID, func(l *lead.Lead) (lead.Change, error) {
		listed = l.Suppressed != ""
		if unsubscribedAlready(l) {
			out = "already_unsubscribed"
			return lead.Change{}, lead.ErrUnchanged
		}
		l.WithdrawConsent(lead.Consent{MarketingOptIn: false, TextVersion: "unsubscribe", Method: "unsubscribe", At: now,
			IPHash: h.Evidence.Hash(httpapi.SourceIP(req)), UserAgentHash: h.Evidence.Hash(httpapi.Header(req, "user-agent"))})
		l.ExitNurture("unsubscribed")
		if l.Suppressed == "" {
			l.Suppressed = "unsubscribe" // the lead's copy of the list entry Suppress writes
		}
		data := map[string]any{"one_click": isOneClick(req)}
		if listed {
			// The stage change it causes (its opt-out event was the
			// bounce's) says why: this opt-out, not the suppression.
			data["reason"] = "unsubscribe"
		}
		return lead.Change{At: now,
			Events:   []lead.Event{{At: now, Kind: "unsubscribed", ID: h.NewID(now), Data: data}},
			Counters: []lead.Counter{{Campaign: l.Campaign(), Name: "unsubscribes"}}}, nil
	})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, lead.ErrAlreadySuppressed):
		return "already_unsubscribed", nil
	}
	return "", err
}

func isOneClick(req httpapi.Request) bool {
	body, err := httpapi.Body(req, 1024)
	return err == nil && strings.Contains(string(body), "List-Unsubscribe=One-Click")
}
