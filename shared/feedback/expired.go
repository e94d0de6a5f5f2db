package feedback

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/token"
)

// MaxExpiredAge bounds how long after it expired an accept or reject
// link still offers fresh links; older ones are refused like any other
// expired link.
const MaxExpiredAge = 30 * 24 * time.Hour

// FreshField is the form field of the expired page's button: a POST
// without it changes nothing and sends nothing (an answer posted from a
// page opened before the link expired is not taken for a request).
const FreshField = "fresh_links"

// expired answers an authentic accept or reject link past its expiry:
// GET shows a page offering fresh links (and shows nothing of the lead),
// POST with FreshField sends them, once per rep and window, to the rep
// the signed link names, while the lead still waits for that rep.
func (h *Handler) expired(ctx context.Context, req httpapi.Request, log *slog.Logger, c token.Claims, action string, now time.Time) httpapi.Response {
	log = log.With("leadId", c.Subject, "action", action)
	v := view{Title: "This link has expired", Expired: true, FreshField: FreshField}
	l, err := h.Store.Lead(ctx, c.Subject)
	if err != nil {
		status := httpapi.StatusOf(err, map[error]int{lead.ErrNotFound: http.StatusNotFound})
		log.Warn("feedback", "status", status, "outcome", "expired", "error", err.Error())
		return render(status, view{Title: "Lead not found", Message: "This lead no longer exists (it may have been erased)."})
	}
	ref := c.Extra
	if action == links.ActionReject {
		_, ref = links.SplitReject(c.Extra)
	}
	rep := links.ResolveRep(h.Keys, ref, h.repCandidates(l)...)
	switch {
	case l.Stage.SalesSet() || (l.Handoff != nil && l.Handoff.State == lead.HandoffAnswered):
		v.Message = "Sales already answered this lead (" + l.Stage.Label() + "), so there is nothing to do with this link."
		log.Info("feedback", "status", http.StatusForbidden, "outcome", "expired_answered")
		return render(http.StatusForbidden, v)
	case returned(l):
		v.Message = returnedMessage(l, h.Rules.Zone(rep))
		log.Info("feedback", "status", http.StatusForbidden, "outcome", "expired_returned")
		return render(http.StatusForbidden, v)
	case h.FreshLinks == nil || !handoff.WaitingFor(&l, rep):
		v.Message = "This link has expired. Open the lead in your CRM."
		log.Info("feedback", "status", http.StatusForbidden, "outcome", "expired")
		return render(http.StatusForbidden, v)
	case h.Routed != nil && !h.Routed(rep):
		v.Message = "This link has expired. " + notRouted
		log.Info("feedback", "status", http.StatusForbidden, "outcome", "expired_not_routed")
		return render(http.StatusForbidden, v)
	}
	v.Message = "This link has expired. We can email you this lead's alert again, with links that work for another " + days(h.LinkTTL) + "."
	v.FreshButton = true
	if req.RequestContext.HTTP.Method != http.MethodPost || !wantsFresh(req) {
		log.Info("feedback", "status", http.StatusForbidden, "outcome", "expired")
		return render(http.StatusForbidden, v)
	}
	out, err := h.FreshLinks(ctx, l.ID, rep, req.RequestContext.RequestID)
	if err != nil {
		log.Error("feedback", "status", http.StatusInternalServerError, "outcome", "fresh_links_failed", "error", err.Error())
		v.Message = "We could not send the fresh links. Please try again in a minute."
		return render(http.StatusInternalServerError, v)
	}
	v.FreshButton = false
	switch out {
	case handoff.Sent:
		v.Title = "Fresh links sent" // what the press did, not the expiry it fixed
		v.Message = "We have emailed you this lead's alert again with fresh links. Check your inbox."
	case handoff.AlreadySent:
		v.Title = "Fresh links already sent"
		v.Message = "Fresh links for this lead went to you within the last " + handoff.Hours(handoff.FreshLinksWindow) + ". Check your inbox; nothing new was sent."
	case handoff.NotWaiting:
		v.Message = "Sales already answered this lead, so there is nothing to do with this link."
	case handoff.NotRouted: // removed from the routing since the page was shown
		v.Message = notRouted
	case handoff.Busy: // another worker holds the lead: nothing was sent
		v.Message, v.FreshButton = "The lead is being updated right now. Please press the button again in a minute.", true
	case handoff.Deferred: // an email to sales about it was refused lately
		v.Message = "Our last email to sales about this lead could not be delivered, so nothing was sent now. Please ask marketing for this lead."
	default: // recovered, unconfirmed: an earlier press's email went or is being decided
		v.Title = "Fresh links on their way"
		v.Message = "The fresh links are being sent. Check your inbox in a minute."
	}
	log.Info("feedback", "status", http.StatusOK, "outcome", "fresh_links_"+string(out))
	return render(http.StatusOK, v)
}

// notRouted is what a rep who left (no longer in the routing config)
// reads instead of getting fresh links.
const notRouted = "You are no longer in the sales routing, so this lead's alert is not sent to you again; sales has it."

func wantsFresh(req httpapi.Request) bool {
	body, err := httpapi.Body(req, 4096)
	if err != nil {
		return false
	}
	vals, err := url.ParseQuery(string(body))
	return err == nil && vals.Get(FreshField) != ""
}
