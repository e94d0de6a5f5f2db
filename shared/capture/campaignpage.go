package capture

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/httpapi"
)

// campaignPage serves a campaign's hosted landing page (GET /c/{id}) or
// its embeddable form snippet (GET /c/{id}/embed), from the campaign
// files marketing deploys.
func (h *Handler) campaignPage(req httpapi.Request, log *slog.Logger) httpapi.Response {
	id := req.PathParameters["campaign"]
	var c *campaign.Campaign
	if h.Campaigns != nil {
		c, _ = h.Campaigns.Get(id)
	}
	if c == nil {
		log.Warn("campaign page", "status", http.StatusNotFound, "campaign", id)
		return httpapi.HTML(http.StatusNotFound, "<!doctype html><title>Not found</title><p>There is no such page.</p>", nil)
	}
	base := h.baseURL(req)
	if req.RouteKey == "GET /c/{campaign}/embed" {
		// The snippet is text to paste into a site, never a page: nosniff
		// keeps browsers from running its markup, and as it is meant for
		// other sites any of them may show (frame) it.
		headers := httpapi.Policy{Frameable: true}.Headers()
		headers["Content-Type"], headers["Cache-Control"] = "text/plain; charset=utf-8", "no-store"
		return httpapi.Response{StatusCode: http.StatusOK, Body: c.Snippet(base), Headers: headers}
	}
	utm := map[string]string{}
	for _, k := range campaign.UTMFields {
		if v := req.QueryStringParameters[k]; v != "" {
			utm[k] = v
		}
	}
	landing := ""
	if base != "" {
		u, err := url.Parse(base + req.RawPath)
		if err == nil {
			u.RawQuery = req.RawQueryString
			landing = u.String()
		}
	}
	var b bytes.Buffer
	err := c.RenderPage(&b, campaign.PageData{Action: base + "/leads", LandingPage: landing, Referrer: httpapi.Header(req, "referer"),
		UTM: utm, Idem: pageToken()})
	if err != nil {
		log.Error("campaign page", "status", http.StatusInternalServerError, "campaign", id, "error", err.Error())
		return httpapi.HTML(http.StatusInternalServerError, "<!doctype html><title>Error</title><p>This page could not be shown.</p>", nil)
	}
	log.Info("campaign page", "status", http.StatusOK, "campaign", id)
	return httpapi.Page(http.StatusOK, b.String(), h.pagePolicy(base, id), nil)
}

// pagePolicy lets a hosted page use its stylesheet and post its form to
// the API's /leads — the configured public base, which may be another
// origin than the page's — and follow the answer's redirect to the
// thank-you page (browsers hold a form's redirects to form-action too).
func (h *Handler) pagePolicy(base, campaign string) httpapi.Policy {
	p := httpapi.Policy{Styles: campaignPageStyles}
	for _, u := range []string{base, h.thankYou(campaign)} {
		if o := httpapi.Origin(u); o != "" && !slices.Contains(p.FormAction, o) {
			p.FormAction = append(p.FormAction, o)
		}
	}
	if base == "" { // the form posts to /leads on the page's own origin
		p.FormAction = append(p.FormAction, "'self'")
	}
	return p
}

var campaignPageStyles = campaign.PageStyles()

// thankYou is the campaign's own thank-you page, else the default.
func (h *Handler) thankYou(id string) string {
	if h.Campaigns != nil {
		if c, ok := h.Campaigns.Get(id); ok && c.ThankYouURL != "" {
			return c.ThankYouURL
		}
	}
	return h.ThankYouURL
}

// pageToken is a fresh idempotency key per page view: a double-clicked
// submit stores the lead once.
func pageToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
