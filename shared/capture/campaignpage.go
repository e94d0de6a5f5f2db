package capture

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

// The page routes capture serves besides POST /leads.
const (
	routePage          = "GET /c/{campaign}"
	routeEmbed         = "GET /c/{campaign}/embed"
	routeFrame         = "GET /c/{campaign}/form"
	routeThanks        = "GET /c/{campaign}/thanks"
	routeGenericThanks = "GET /thanks"
)

// campaignPage serves a campaign's hosted landing page (GET /c/{id}), its
// embeddable snippet (GET /c/{id}/embed), the framed form that snippet
// shows (GET /c/{id}/form) and its thank-you page (GET /c/{id}/thanks),
// from the campaign files marketing deploys; and the generic thank-you
// page (GET /thanks) for form posts of no known campaign.
func (h *Handler) campaignPage(ctx context.Context, req httpapi.Request, now time.Time, log *slog.Logger) httpapi.Response {
	base := h.baseURL(req)
	if req.RouteKey == routeGenericThanks {
		return h.thanksPage(nil, base, h.home(req), log)
	}
	id := req.PathParameters["campaign"]
	var c *campaign.Campaign
	if h.Campaigns != nil {
		c, _ = h.Campaigns.Get(id)
	}
	if c == nil {
		log.Warn("campaign page", "status", http.StatusNotFound, "campaign", lead.LogHash(id)) // a link's path can hold anything (an address)
		// Links back to the site the visitor came from, when the
		// deployment posts from it.
		var b bytes.Buffer
		if err := campaign.RenderNotFound(&b, h.home(req)); err != nil {
			return httpapi.HTML(http.StatusNotFound, "<!doctype html><title>Not found</title><p>There is no such page.</p>", nil)
		}
		return httpapi.Page(http.StatusNotFound, b.String(), httpapi.Policy{Styles: campaignPageStyles}, nil)
	}
	switch req.RouteKey {
	case routeEmbed:
		return h.embed(req, c, base, log)
	case routeThanks:
		return h.thanksPage(c, base, "", log)
	}
	framed := req.RouteKey == routeFrame
	utm := map[string]string{}
	for _, k := range campaign.UTMFields {
		if v := req.QueryStringParameters[k]; v != "" {
			utm[k] = v
		}
	}
	landing, referrer := "", httpapi.Header(req, "referer")
	if framed {
		// In a frame, the page the visitor is on is the one framing it.
		landing, referrer = referrer, ""
	} else if base != "" {
		u, err := url.Parse(base + req.RawPath)
		if err == nil {
			u.RawQuery = req.RawQueryString
			landing = u.String()
		}
	}
	// A link may pin the offer (?variant=b, as in an ad for that offer);
	// a variant the campaign does not have is ignored: the visitor still
	// gets a page, with a variant drawn by weight.
	pinned, _ := c.Variant(req.QueryStringParameters["variant"])
	idem, shown := h.token(c.ID), pinned
	// The visitor keeps the offer drawn for the day: a reload, or coming
	// back from another tab, shows the same page.
	visitor := h.Visitors.ID(now, c.ID, httpapi.SourceIP(req), httpapi.Header(req, "user-agent"))
	if shown.ID == "" {
		shown = c.PickVariant(cmp.Or(visitor, idem))
	}
	var b bytes.Buffer
	err := c.RenderPage(&b, campaign.PageData{Action: base + "/leads", LandingPage: landing, Referrer: referrer,
		UTM: utm, Idem: idem, Variant: shown, Framed: framed})
	if err != nil {
		log.Error("campaign page", "status", http.StatusInternalServerError, "campaign", id, "error", err.Error())
		return httpapi.HTML(http.StatusInternalServerError, "<!doctype html><title>Error</title><p>This page could not be shown.</p>", nil)
	}
	attrs := []any{"status", http.StatusOK, "campaign", id, "framed", framed, "pinned", pinned.ID != ""}
	if view := h.view(req, c); view != "" {
		attrs = append(attrs, "view", view)
	} else if counted, err := h.Service.Store.CountView(ctx, c.ID, shown.ID, visitor, now); err != nil {
		// The visitor gets the page all the same; the view is lost.
		attrs = append(attrs, "view", "not_counted", "error", err.Error())
	} else if !counted {
		attrs = append(attrs, "view", "repeat") // this visitor's view of the offer today is counted
	} else {
		attrs = append(attrs, "view", "counted")
	}
	log.Info("campaign page", attrs...)
	p := h.pagePolicy(req, id)
	if framed {
		// Only the sites allowed to post here may show the form.
		if o := h.CORS.Origins(); slices.Equal(o, []string{"*"}) {
			p.Frameable = true
		} else {
			p.FrameAncestors = o
		}
	}
	return httpapi.Page(http.StatusOK, b.String(), p, nil)
}

// view is why a load of a campaign's page (hosted or framed) counts no
// view, "" when it counts one: only a live campaign's page (a paused one
// shows that the offer ended) loaded with GET (not HEAD, nor a preflight,
// which never get here) by a client that does not declare itself a bot
// (link previews, crawlers, headless browsers: httpapi.DeclaredBot) nor
// is an HTTP library or tool (curl, an uptime check's client:
// httpapi.HTTPLibrary), as the click tracking's filter. A visitor's view of an offer counts once
// a day (Visitors; the store keeps the day's names).
func (h *Handler) view(req httpapi.Request, c *campaign.Campaign) string {
	switch {
	case c.Status != campaign.Live:
		return "not_live"
	case req.RequestContext.HTTP.Method != http.MethodGet:
		return "not_get"
	case httpapi.DeclaredBot(httpapi.Header(req, "user-agent")):
		return "bot"
	case httpapi.HTTPLibrary(httpapi.Header(req, "user-agent")):
		return "http_library"
	}
	return ""
}

// embed is the text to paste into a site: by default the frame that
// serves the campaign's A/B split; with ?variant=<id> that variant's form
// as static HTML (which pins it for every visitor).
func (h *Handler) embed(req httpapi.Request, c *campaign.Campaign, base string, log *slog.Logger) httpapi.Response {
	// The snippet is text to paste into a site, never a page: nosniff
	// keeps browsers from running its markup, and as it is meant for
	// other sites any of them may show (frame) it.
	headers := httpapi.Policy{Frameable: true}.Headers()
	headers["Content-Type"], headers["Cache-Control"] = "text/plain; charset=utf-8", "no-store"
	body := c.EmbedFrame(base)
	if v, ok := req.QueryStringParameters["variant"]; ok {
		var err error
		if body, err = c.VariantSnippet(base, v); errors.Is(err, campaign.ErrUnknownVariant) {
			log.Warn("campaign page", "status", http.StatusNotFound, "campaign", c.ID, "outcome", "unknown_variant")
			ids := make([]string, len(c.Variants))
			for i, x := range c.Variants {
				ids[i] = x.ID
			}
			what := "This campaign has no such variant."
			if slices.Contains(c.VariantIDs(), v) { // a known slug: safe to repeat
				what = "Variant " + v + " of this campaign is retired: it is no longer shown."
			}
			return httpapi.Response{StatusCode: http.StatusNotFound, Headers: headers,
				Body: what + " Its variants: " + strings.Join(ids, ", ") + " (…/embed?variant=" + ids[0] + ").\n"}
		}
	}
	log.Info("campaign page", "status", http.StatusOK, "campaign", c.ID, "embed", true)
	return httpapi.Response{StatusCode: http.StatusOK, Body: body, Headers: headers}
}

// thanksPage is where a form post lands: the campaign's hosted thank-you
// page, or with a nil c the generic one, linking home when not "".
func (h *Handler) thanksPage(c *campaign.Campaign, base, home string, log *slog.Logger) httpapi.Response {
	var b bytes.Buffer
	id := ""
	if c != nil {
		id = c.ID
	}
	if err := campaign.RenderThanks(&b, c, campaign.ThanksData{Base: base, Home: home}); err != nil {
		log.Error("thank-you page", "status", http.StatusInternalServerError, "campaign", id, "error", err.Error())
		return httpapi.HTML(http.StatusInternalServerError, "<!doctype html><title>Thank you</title><p>Thank you. We received your details.</p>", nil)
	}
	log.Info("thank-you page", "status", http.StatusOK, "campaign", id)
	// Links only: no form, nothing loaded.
	return httpapi.Page(http.StatusOK, b.String(), httpapi.Policy{Styles: campaignPageStyles}, nil)
}

// home is where the generic thank-you page links back to: the home page
// (origin + "/") of the site the form was on, as the browser names it in
// the Referer of the redirect from the post — only when that site is one
// ALLOWED_ORIGINS lists by name, so the page never links where the
// deployment does not post from (no "*", no address from the query: no
// open redirect). The local stack lists its own address, whose "/" is its
// landing page; "" for anything else.
func (h *Handler) home(req httpapi.Request) string {
	o := httpapi.Origin(httpapi.Header(req, "referer"))
	if o == "" {
		return ""
	}
	for _, allowed := range h.CORS.Origins() {
		if allowed != "*" && strings.EqualFold(allowed, o) {
			return allowed + "/"
		}
	}
	return ""
}

// pagePolicy lets a hosted page use its stylesheet and post its form to
// the API's /leads — the configured public base, which may be another
// origin than the page's — and follow the answer's redirect to the
// thank-you page (browsers hold a form's redirects to form-action too).
func (h *Handler) pagePolicy(req httpapi.Request, campaign string) httpapi.Policy {
	base := h.baseURL(req)
	p := httpapi.Policy{Styles: campaignPageStyles}
	for _, u := range []string{base, h.thankYou(req, campaign)} {
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

// thankYou is where a form post of a campaign goes: the campaign's own
// thank_you_url, else its hosted thank-you page; for no known campaign
// THANK_YOU_URL, else the API's generic page (GET /thanks).
func (h *Handler) thankYou(req httpapi.Request, id string) string {
	base := h.baseURL(req)
	if h.Campaigns != nil {
		if c, ok := h.Campaigns.Get(id); ok {
			if c.ThankYouURL != "" {
				return c.ThankYouURL
			}
			return base + "/c/" + url.PathEscape(c.ID) + "/thanks"
		}
	}
	if h.ThankYouURL != "" {
		return h.ThankYouURL
	}
	return base + "/thanks"
}

// token is a fresh idempotency key per view of campaign's page (a
// double-clicked submit stores the lead once), which also draws the
// page's variant, signed (PageTokens) so that its post counts a page lead.
func (h *Handler) token(campaign string) string {
	base := randomToken()
	if h.PageToken != nil {
		base = h.PageToken()
	}
	return h.PageTokens.Sign(campaign, base)
}
