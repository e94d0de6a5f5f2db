// Package track serves engagement tracking:
//   - email link clicks (GET /t/c/{token}) that record the click and
//     redirect to the URL that was in the email; the URL is inside the
//     signed token, so nobody can point the redirect anywhere else;
//   - email opens (GET /t/o/{token}), from a pixel nurture emails carry
//     only when open tracking is switched on;
//   - site page views (POST /events, from the snippet at GET /t/s.js)
//     bound to a lead by a signed visitor token.
//
// Every signal goes through Service (engage.go): recorded on the lead as
// an engagement signal, the lead re-qualified on the spot and, when that
// makes it hot, handed to sales at once. It imports no AWS code.
package track

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/metrics"
	"github.com/leadflow/leadflow/shared/token"
)

// Routes this handler serves.
var Routes = []string{"GET /t/c/{token}", "GET /t/o/{token}", "POST /events", "OPTIONS /events", "GET /t/s.js"}

// MaxEventBody bounds a page-view payload.
const MaxEventBody = 4 << 10

// RateLimiter allows n events per window per key.
type RateLimiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, error)
}

// Page maps a path prefix to an extra signal (e.g. /pricing → pricing_page_view).
type Page struct {
	Prefix, Signal string
}

// Handler serves the tracking routes.
type Handler struct {
	Engage *Service
	Limits RateLimiter
	Keys   token.Keys
	CORS   httpapi.CORS
	Pages  []Page
	// PerLeadPerHour bounds recorded page views per lead.
	PerLeadPerHour int
	BaseURL        string
	Clock          func() time.Time
	NewID          func(time.Time) string
	Log            *slog.Logger
	// Metrics is the CloudWatch namespace of the business metrics (alerts
	// that a signal triggered) written into the request's log line.
	Metrics string
}

// pixel is a transparent 1×1 GIF, base64 as API Gateway takes binary bodies.
const pixel = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

// DefaultPages are the page signals when TRACK_PAGES is unset.
const DefaultPages = "/pricing=pricing_page_view"

// Unrecorded is what the config check asks of every signal kind the
// rules, sequences and segments name, given the deployment's pages: for a
// page signal none of them records — pricing_page_view or a named page
// view; every other page records page_view — why it would never count;
// "" for any other kind.
func Unrecorded(pages []Page) func(kind string) string {
	var spec []string
	for _, p := range pages {
		spec = append(spec, p.Prefix+"="+p.Signal)
	}
	return func(kind string) string {
		if !lead.IsPageSignal(kind) || kind == lead.SignalPageView ||
			slices.ContainsFunc(pages, func(p Page) bool { return p.Signal == kind }) {
			return ""
		}
		have := "maps no page"
		if len(spec) > 0 {
			have = "is " + strings.Join(spec, ",")
		}
		example := "/pricing=" + kind
		if name, ok := lead.NamedPage(kind); ok {
			example = "/" + strings.TrimPrefix(name, "/") + "=" + kind
		}
		return fmt.Sprintf("no page records %s, so it never counts (TRACK_PAGES %s; map a page to it, e.g. %s)", kind, have, example)
	}
}

// ParsePages reads "/pricing=pricing_page_view,/demo=page_view:demo": each
// path and the page signal (lead.IsPageSignal) its views record.
func ParsePages(spec string) ([]Page, error) {
	var out []Page
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		prefix, sig, ok := strings.Cut(part, "=")
		if !ok || !strings.HasPrefix(prefix, "/") || sig == "" {
			return nil, fmt.Errorf("page signal %q: want /path=signal", part)
		}
		if sig = strings.TrimSpace(sig); !lead.IsPageSignal(sig) {
			// Scoring, triggers and segments know no other kind a page
			// view records: it would count for nothing.
			return nil, fmt.Errorf("page signal %q: %s is no page signal (use page_view, pricing_page_view or page_view:<name>)", part, sig)
		}
		out = append(out, Page{Prefix: prefix, Signal: sig})
	}
	return out, nil
}

// Handle serves one request.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	ctx = metrics.Start(ctx, h.Metrics)
	switch req.RouteKey {
	case "GET /t/c/{token}":
		return h.click(ctx, req), nil
	case "GET /t/o/{token}":
		return h.open(ctx, req), nil
	case "POST /events":
		return h.pageView(ctx, req), nil
	case "OPTIONS /events":
		origin := httpapi.Header(req, "origin")
		if !h.CORS.Allowed(origin) {
			return httpapi.Response{StatusCode: http.StatusForbidden}, nil
		}
		return httpapi.Response{StatusCode: http.StatusNoContent, Headers: h.CORS.Headers(origin)}, nil
	case "GET /t/s.js":
		return httpapi.Response{StatusCode: http.StatusOK, Body: snippet(strings.TrimRight(h.BaseURL, "/")),
			Headers: map[string]string{"Content-Type": "application/javascript; charset=utf-8", "Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}}, nil
	}
	return httpapi.JSON(http.StatusNotFound, map[string]string{"error": "not found"}, nil), nil
}

// damagedLink is the page of an email link that does not verify (cut
// short or changed on its way, or not ours): readable on the phone the
// email was opened on, and saying what to do instead.
const damagedLink = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
	`<title>This link does not work</title></head><body><main><h1>This link does not work</h1>` +
	`<p>Part of the link is missing or was changed on its way to you (email apps sometimes cut long links, or break them over two lines).</p>` +
	`<p>Open the email again and click the link there, rather than copying it. If you copy it, copy all of it.</p></main></body></html>`

// click records the click (never failing the person's click because of
// it) and redirects to the signed target.
func (h *Handler) click(ctx context.Context, req httpapi.Request) httpapi.Response {
	now := h.Clock()
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	c, err := h.Keys.Verify(req.PathParameters["token"], links.ActionClick, now)
	expired := errors.Is(err, token.ErrExpired)
	if err != nil && !expired {
		log.Warn("click", "status", http.StatusForbidden, "outcome", "bad_token")
		return httpapi.HTML(http.StatusForbidden, damagedLink, nil)
	}
	target, err := url.Parse(c.Extra)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		log.Warn("click", "status", http.StatusForbidden, "outcome", "bad_target")
		return httpapi.HTML(http.StatusForbidden, damagedLink, nil)
	}
	outcome := "expired_not_recorded"
	bot := machineFetch(req)
	if bot && !expired {
		outcome = "bot_not_recorded"
	}
	var takenBack int
	if !expired && !bot {
		// A link counts once a day; a repeat click is a timeline fact, and
		// so is a mail scanner's (within a minute of the send, or walking
		// the email's links), which counts nothing.
		sum := sha256.Sum256([]byte(c.Extra))
		seen := lead.ClickSeen{Email: c.Expires.Add(-links.ClickTTL), Link: hex.EncodeToString(sum[:8]), At: now}
		res, err := h.Engage.Click(ctx, c.Subject, lead.Signal{Kind: "email_click", At: now, Key: lead.DailyKey("email_click", c.Extra, now)},
			lead.Event{At: now, Kind: "email_click", ID: h.NewID(now), Data: map[string]any{"url": storedURL(target)}},
			seen, req.RequestContext.RequestID, "")
		outcome, takenBack = "recorded", res.TakenBack
		switch {
		case res.Erased:
			outcome = "erased_not_recorded"
		case res.Scanner != "":
			outcome = "scanner_not_recorded"
		case res.Repeat:
			outcome = "repeat"
		}
		if res.Handoff != "" {
			outcome += "+handoff_" + string(res.Handoff)
		}
		unknown := errors.Is(err, lead.ErrNotFound) && res.Lead.ID == ""
		switch {
		case unknown:
			// Gone (erased and deleted, or another deployment's link):
			// nothing is broken, and no visits are tracked for it.
			outcome = "unknown_lead"
		case err != nil && res.Lead.ID != "":
			// Saved; only the alert it made due failed: the lead stays
			// due and the schedule sends it.
			outcome += "+alert_left_to_schedule"
			log.Warn("click", "leadId", c.Subject, "error", err.Error())
		case err != nil:
			outcome = "not_recorded"
			log.Error("click", "leadId", c.Subject, "error", err.Error())
		}
		// Bind the visit: the snippet on the target site reads this — on
		// a site of ours only (ALLOWED_ORIGINS, where page views are
		// accepted from), and not for someone erased (their visits are
		// not tracked). Another site the email links to gets the plain
		// link: the token would be of no use there but to whoever reads
		// it (its analytics, its logs), to post page views for the lead.
		// Nor for a scanner: one that runs the page's script would post
		// its page views for the lead.
		if !res.Erased && !unknown && res.Scanner == "" && h.CORS.Allowed(pageOrigin(target)) {
			target.RawQuery = withVisitor(target.RawQuery, links.Visitor(h.Keys, c.Subject, now))
		}
	}
	level := slog.LevelInfo
	if outcome == "unknown_lead" {
		level = slog.LevelWarn
	}
	attrs := []any{"status", http.StatusFound, "leadId", c.Subject, "outcome", outcome}
	if takenBack > 0 {
		attrs = append(attrs, "takenBack", takenBack)
	}
	log.Log(ctx, level, "click", append(attrs, metrics.Attrs(ctx, now)...)...)
	return httpapi.Response{StatusCode: http.StatusFound, Headers: map[string]string{"Location": target.String(), "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}}
}

// machineFetch reports whether a fetch of a tracked link is a machine's
// by how it asks: a HEAD (a browser following a link sends GET), or a
// User-Agent that says it is a bot (httpapi.DeclaredBot: link previews,
// crawlers, headless browsers), names a mail security product, or is an
// HTTP library's rather than a browser's. Scanners that pass for a
// browser are told by when they click (Service.Click).
func machineFetch(req httpapi.Request) bool {
	if req.RequestContext.HTTP.Method == http.MethodHead {
		return true
	}
	ua := httpapi.Header(req, "user-agent")
	return httpapi.DeclaredBot(ua) || httpapi.HTTPLibrary(ua) || httpapi.AgentHas(ua, scannerAgents...)
}

// scannerAgents are User-Agent parts of mail security link checkers (no
// person's browser sends them), lower case; HTTP libraries are
// httpapi.HTTPLibrary.
var scannerAgents = []string{
	"barracuda", "proofpoint", "mimecast", "ironport", "cisco secure email", "trend micro", "fortimail", "sophos",
}

// withVisitor is a link's raw query with the visitor token as its last
// parameter, instead of any it had, and otherwise as written: neither
// re-encoded, re-ordered nor lost where Go's parser would refuse it.
func withVisitor(rawQuery, tok string) string {
	parts := strings.Split(rawQuery, "&")
	kept := parts[:0]
	for _, p := range parts {
		if k, _, _ := strings.Cut(p, "="); p != "" && k != links.VisitorParam {
			kept = append(kept, p)
		}
	}
	return strings.Join(append(kept, links.VisitorParam+"="+url.QueryEscape(tok)), "&")
}

// open records the first open of an email and always answers the pixel,
// so a mail client never shows a broken image; what happened is logged.
func (h *Handler) open(ctx context.Context, req httpapi.Request) httpapi.Response {
	now := h.Clock()
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	answer := httpapi.Response{StatusCode: http.StatusOK, Body: pixel, IsBase64Encoded: true,
		Headers: map[string]string{"Content-Type": "image/gif", "Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}}
	c, err := h.Keys.Verify(req.PathParameters["token"], links.ActionOpen, now)
	if err != nil {
		outcome := "bad_token"
		if errors.Is(err, token.ErrExpired) {
			outcome = "expired_not_recorded"
		}
		log.Warn("open", "status", http.StatusOK, "outcome", outcome)
		return answer
	}
	// The first open of this email counts: the dedupe window is anchored
	// at the email's send time (from the token), so it covers the token's
	// whole life whenever the opens come. Should recording fail after
	// this, that open is lost rather than risk counting one twice.
	sent := c.Expires.Add(-links.OpenTTL)
	// notRecorded logs a failure to record the open, with the metrics a
	// hand-off before it wrote.
	notRecorded := func(err error) httpapi.Response {
		log.Error("open", append([]any{"status", http.StatusOK, "leadId", c.Subject, "outcome", "not_recorded", "error", err.Error()}, metrics.Attrs(ctx, now)...)...)
		return answer
	}
	first, err := h.Limits.Allow(ctx, "open#"+c.Subject+"#"+c.Extra+"#"+strconv.FormatInt(sent.Unix(), 10), 1, links.OpenTTL, sent)
	if err != nil {
		return notRecorded(err)
	}
	if !first {
		log.Info("open", "status", http.StatusOK, "leadId", c.Subject, "outcome", "repeat")
		return answer
	}
	res, err := h.Engage.Signal(ctx, c.Subject, lead.Signal{Kind: "email_open", At: now},
		lead.Event{At: now, Kind: "email_open", ID: h.NewID(now), Data: map[string]any{"email": c.Extra}},
		req.RequestContext.RequestID, "")
	outcome := "recorded"
	if res.Erased {
		outcome = "erased_not_recorded"
	}
	if res.Handoff != "" {
		outcome += "+handoff_" + string(res.Handoff)
	}
	if errors.Is(err, lead.ErrNotFound) {
		log.Warn("open", "status", http.StatusOK, "leadId", c.Subject, "outcome", "unknown_lead") // erased since
		return answer
	}
	if err != nil && res.Lead.ID != "" {
		// Saved; only the alert it made due failed: the schedule sends it.
		log.Warn("open", append([]any{"status", http.StatusOK, "leadId", c.Subject, "outcome", outcome + "+alert_left_to_schedule", "error", err.Error()}, metrics.Attrs(ctx, now)...)...)
		return answer
	}
	if err != nil {
		return notRecorded(err)
	}
	log.Info("open", append([]any{"status", http.StatusOK, "leadId", c.Subject, "outcome", outcome}, metrics.Attrs(ctx, now)...)...)
	return answer
}

// pageView is the body the snippet posts.
type pageView struct {
	Token    string `json:"t"`
	URL      string `json:"url"`
	Referrer string `json:"referrer"`
}

func (h *Handler) pageView(ctx context.Context, req httpapi.Request) httpapi.Response {
	now := h.Clock()
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	origin := httpapi.Header(req, "origin")
	if !h.CORS.Allowed(origin) {
		return httpapi.JSON(http.StatusForbidden, map[string]string{"error": "origin not allowed"}, nil)
	}
	cors := h.CORS.Headers(origin)
	bad := func(status int, msg string, fields ...map[string]string) httpapi.Response {
		log.Warn("page view", "status", status, "error", msg)
		body := map[string]any{"error": msg}
		if len(fields) > 0 {
			body["fields"] = fields
		}
		return httpapi.JSON(status, body, cors)
	}
	body, err := httpapi.Body(req, MaxEventBody)
	if err != nil {
		return bad(httpapi.StatusOf(err, nil), err.Error())
	}
	var pv pageView
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pv); err != nil || dec.Decode(&struct{}{}) != io.EOF {
		return bad(http.StatusBadRequest, "body must be one JSON object: {\"t\":…,\"url\":…,\"referrer\":…}")
	}
	var fields []map[string]string
	u, err := url.Parse(pv.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(pv.URL) > 2048 {
		fields = append(fields, map[string]string{"field": "url", "reason": "must be an absolute http(s) URL of at most 2048 characters"})
	}
	if len(fields) == 0 && !h.CORS.Allowed(pageOrigin(u)) {
		// The visitor token says who, not where: a page of another site
		// (any URL a token holder makes up) is no interest in this one.
		fields = append(fields, map[string]string{"field": "url", "reason": "not a page of this site (its origin is not in ALLOWED_ORIGINS)"})
	}
	if len(pv.Referrer) > 2048 {
		fields = append(fields, map[string]string{"field": "referrer", "reason": "longer than 2048 characters"})
	}
	if len(fields) > 0 {
		return bad(http.StatusBadRequest, "invalid page view", fields...)
	}
	c, err := h.Keys.Verify(pv.Token, links.ActionVisit, now)
	if err != nil {
		return bad(http.StatusForbidden, "unknown visitor")
	}
	ok, err := h.Limits.Allow(ctx, "visit#"+c.Subject, h.PerLeadPerHour, time.Hour, now)
	if err != nil {
		log.Error("page view", "status", http.StatusInternalServerError, "leadId", c.Subject, "error", err.Error())
		return httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error"}, cors)
	}
	if !ok {
		return bad(http.StatusTooManyRequests, "too many page views for this visitor; try later")
	}
	// A page counts once a day: the page is the signal's own path prefix
	// (every /pricing/… is one pricing_page_view), else host and path.
	kind, page := pageOf(u, h.Pages)
	res, err := h.Engage.Signal(ctx, c.Subject, lead.Signal{Kind: kind, At: now, Key: lead.DailyKey(kind, page, now), Page: pagePath(u.Path)},
		lead.Event{At: now, Kind: "page_view", ID: h.NewID(now), Data: map[string]any{"url": storedURL(u), "signal": kind}},
		req.RequestContext.RequestID, "")
	if err != nil && res.Lead.ID == "" {
		status := httpapi.StatusOf(err, map[error]int{lead.ErrNotFound: http.StatusForbidden})
		log.Log(ctx, httpapi.LevelOf(status), "page view", "status", status, "leadId", c.Subject, "error", err.Error())
		return httpapi.JSON(status, map[string]string{"error": "not recorded"}, cors)
	}
	log.Info("page view", append([]any{"status", http.StatusNoContent, "leadId", c.Subject, "signal", kind, "repeat", res.Repeat, "handoff", res.Handoff}, metrics.Attrs(ctx, now)...)...)
	return httpapi.Response{StatusCode: http.StatusNoContent, Headers: cors}
}

// storedURL is u as the timeline keeps it: scheme, host and path. The
// query, the fragment and user:password@ may carry tokens or personal
// data (a ?lf= visitor token, #access_token=…, an e-mail address).
func storedURL(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.ForceQuery, v.Fragment, v.RawFragment = nil, "", false, "", ""
	return v.String()
}

// pageOf is the signal a page view is and the page it counts once a day
// for: a configured signal whose prefix is the path or a folder of it
// (/pricing and /pricing/… but not /pricingx), as its prefix; else
// page_view, as host and path. Both compare as pagePath does, and the host
// without the scheme's default port, so one page has one spelling.
func pageOf(u *url.URL, pages []Page) (kind, page string) {
	p := pagePath(u.Path)
	for _, pg := range pages {
		prefix := pagePath(pg.Prefix)
		if p == prefix || strings.HasPrefix(p, strings.TrimSuffix(prefix, "/")+"/") {
			return pg.Signal, pg.Prefix
		}
	}
	_, host, _ := strings.Cut(pageOrigin(u), "://")
	return "page_view", host + p
}

// pageOrigin is the origin of a page's URL as browsers send it:
// scheme://host, with the port only when it is not the scheme's default.
func pageOrigin(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		host += ":" + port
	}
	return strings.ToLower(u.Scheme) + "://" + host
}

// pagePath is a path as page views compare it: lower case, dot segments
// and doubled slashes resolved, without a trailing slash ("/" stays).
func pagePath(p string) string {
	return path.Clean("/" + strings.ToLower(p))
}

// snippet is the site script: it keeps the visitor token a tracked email
// link brought and reports page views with it, as the page's origin and
// path only (no query, fragment or user:password@). Visitors who never
// came from an email send nothing.
func snippet(base string) string {
	b, _ := json.Marshal(base + "/events")
	return `(function(){try{var k="leadflow_v",p=new URLSearchParams(location.search),t=p.get("` + links.VisitorParam + `");
if(t){localStorage.setItem(k,t);p.delete("` + links.VisitorParam + `");var q=p.toString();history.replaceState(null,"",location.pathname+(q?"?"+q:"")+location.hash);}
t=t||localStorage.getItem(k);if(!t)return;
var body=JSON.stringify({t:t,url:location.origin+location.pathname,referrer:document.referrer});
navigator.sendBeacon?navigator.sendBeacon(` + string(b) + `,new Blob([body],{type:"text/plain"})):fetch(` + string(b) + `,{method:"POST",body:body,keepalive:true,headers:{"Content-Type":"text/plain"}});
}catch(e){}})();`
}
