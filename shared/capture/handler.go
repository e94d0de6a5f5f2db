package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/metrics"
	"github.com/leadflow/leadflow/shared/qualify"
)

// MaxBody is the largest accepted request body: room for a form's
// longest message (5000 characters) in any script, which a browser
// percent-encodes to up to 12 bytes a character, besides the other fields.
const MaxBody = 64 << 10

// Routes are the HTTP API routes this handler serves; the template test
// checks template.yaml routes the capture function to exactly these.
var Routes = []string{"POST /leads", "OPTIONS /leads", routePage, routeEmbed, routeFrame, routeThanks, routeGenericThanks}

// Handler is the Lambda handler behind POST /leads.
type Handler struct {
	Service *Service
	// Campaigns are the hosted landing pages (GET /c/{campaign}) and
	// their thank-you pages, and what a post naming one of them must
	// fill (form.required); nil serves none.
	Campaigns *campaign.Set
	// BaseURL prefixes links in alerts; "" derives it from the request.
	BaseURL string
	CORS    httpapi.CORS
	// ThankYouURL is where form posts of no known campaign land; "" is
	// the API's own generic thank-you page (GET /thanks). A campaign's
	// posts land on its own page (or its file's thank_you_url).
	ThankYouURL string
	// PageToken makes each page view's idempotency token, which also
	// draws its A/B variant; nil is 128 random bits (tests inject one).
	PageToken func() string
	// PageTokens sign those tokens: only a post carrying one signed for
	// its campaign counts a page lead (a site's own form may send an
	// _idem of its own); the zero PageTokens counts none.
	PageTokens PageTokens
	// Evidence hashes the request's IP address and user agent for the
	// consent record (lead.RequestMeta); the zero Evidence records neither.
	Evidence lead.Evidence
	// Visitors names a page's visitor for the day (address and browser,
	// hashed), who keeps the offer drawn and counts one view a day; the
	// zero Visitors makes every page load its own visitor.
	Visitors Visitors
	Clock    func() time.Time
	Log      *slog.Logger
	// Metrics is the CloudWatch namespace of the business metrics written
	// into each request's log line ("" is the default namespace).
	Metrics string
}

// receipt is the answer to every accepted submission, whatever it did: a
// new address, a known one and a honeypot hit look the same, so the form
// cannot tell anyone whether a person is a lead. Receipt is an id of the
// request (not of the lead) for support; a replay gets the original.
type receipt struct {
	Status  string `json:"status"`
	Receipt string `json:"receipt"`
}

// Received is the status of every accepted submission.
const Received = "received"

type problem struct {
	Error     string            `json:"error"`
	Fields    []lead.FieldError `json:"fields,omitempty"`
	RequestID string            `json:"request_id"`
}

// Handle serves one HTTP API v2 request.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	now, started := h.Clock(), time.Now() // domain time; wall time for latency
	ctx = metrics.Start(ctx, h.Metrics)
	origin := httpapi.Header(req, "origin")
	reqID := req.RequestContext.RequestID
	log := h.Log.With("requestId", reqID, "route", req.RouteKey)

	if !h.CORS.Allowed(origin) && !h.ownOrigin(req, origin) {
		log.Warn("capture", "status", http.StatusForbidden, "outcome", "origin_refused")
		if httpapi.MediaType(req) == "application/x-www-form-urlencoded" {
			// A person's form on a site ALLOWED_ORIGINS does not list (yet).
			p := problem{Error: "The site this form is on is not set up to send forms to us yet, so your answers were not stored. " +
				"Please try again later or contact us another way, and mention the reference below.", RequestID: reqID}
			return httpapi.Page(http.StatusForbidden, h.notSentPage(p, req, true), errorPolicy, nil), nil
		}
		return httpapi.JSON(http.StatusForbidden, problem{Error: "origin not allowed", RequestID: reqID}, nil), nil
	}
	cors := h.CORS.Headers(origin)
	if req.RequestContext.HTTP.Method == http.MethodOptions {
		return httpapi.Response{StatusCode: http.StatusNoContent, Headers: cors}, nil
	}
	if strings.HasPrefix(req.RouteKey, "GET /c/") || req.RouteKey == routeGenericThanks {
		return h.campaignPage(ctx, req, now, log), nil
	}

	isForm := httpapi.MediaType(req) == "application/x-www-form-urlencoded"
	res, sub, err := h.capture(ctx, req, now)
	var attrs []any
	if sub.Email != "" {
		attrs = append(attrs, "campaign", sub.Source.CampaignOrDefault()) // the lead by its id (below), never the address nor its hash
	}
	logged := func(level slog.Level, status int, more ...any) {
		if status >= 500 {
			metrics.Count(ctx, metrics.CaptureServerErrors, 1)
		}
		attrs = append(append(attrs, more...), metrics.Attrs(ctx, now)...)
		log.Log(ctx, level, "capture", append([]any{"status", status, "ms", time.Since(started).Milliseconds()}, attrs...)...)
	}
	if err != nil {
		status := httpapi.StatusOf(err, map[error]int{
			lead.ErrInvalid:        http.StatusBadRequest,
			ErrIdempotencyConflict: http.StatusConflict,
		})
		level := slog.LevelWarn
		if status >= 500 {
			level = slog.LevelError
		}
		logged(level, status, logError(err)...)
		return h.errorResponse(status, err, reqID, isForm, req, cors), nil
	}
	attrs = append(attrs, "outcome", res.Outcome)
	if res.LeadID != "" {
		attrs = append(attrs, "leadId", res.LeadID)
	}
	if res.FoldErr != nil {
		attrs = append(attrs, "foldError", res.FoldErr.Error())
	}
	if res.Confirmation != "" || res.ConfirmationErr != nil {
		attrs = append(attrs, "confirmation", res.Confirmation)
		if res.ConfirmationErr != nil {
			attrs = append(attrs, "confirmationError", res.ConfirmationErr.Error())
		}
	}
	if res.Outcome == Created || res.Outcome == Merged {
		metrics.Count(ctx, metrics.LeadsCaptured, 1)
	}
	if q := res.Lead.Qualification; q != nil {
		attrs = append(attrs, "grade", q.Grade, "temperature", q.Temperature, "stage", res.Lead.Stage)
		if q.Disqualified != "" {
			attrs = append(attrs, "disqualified", q.Disqualified)
		}
		if res.Outcome != Replayed {
			if q.Disqualified != "" {
				metrics.CountBy(ctx, metrics.LeadsDisqualified, "DisqualifiedReason", q.Disqualified)
			}
			if q.Temperature == qualify.Hot {
				metrics.Count(ctx, metrics.HotLeads, 1)
			}
		}
	}
	if res.Handoff != "" || res.HandoffErr != nil {
		attrs = append(attrs, "handoff", res.Handoff)
		if res.HandoffErr != nil {
			// The lead is stored and stays due: the schedule retries.
			attrs = append(attrs, "handoffError", res.HandoffErr.Error())
		}
	}
	if isForm {
		logged(slog.LevelInfo, http.StatusSeeOther)
		// A honeypot hit has no submission: its campaign comes from the
		// form, so it lands where a person's post would.
		id := sub.Source.Campaign
		if res.Outcome == Bot {
			id = strings.TrimSpace(postedForm(req).Get("campaign"))
		}
		return httpapi.SeeOther(h.thankYou(req, id), cors), nil
	}
	logged(slog.LevelInfo, http.StatusAccepted)
	return httpapi.JSON(http.StatusAccepted, receipt{Status: Received, Receipt: res.Receipt}, cors), nil
}

func (h *Handler) capture(ctx context.Context, req httpapi.Request, now time.Time) (Result, lead.Submission, error) {
	body, err := httpapi.Body(req, MaxBody)
	if err != nil {
		return Result{}, lead.Submission{}, err
	}
	var d decoded
	switch httpapi.MediaType(req) {
	case "application/json":
		d, err = decodeJSON(body)
	case "application/x-www-form-urlencoded":
		d, err = decodeForm(body)
	default:
		err = errUnsupported
	}
	if err != nil {
		return Result{}, lead.Submission{}, err
	}
	pageToken := d.idemKey != ""
	if key := httpapi.Header(req, "idempotency-key"); key != "" {
		d.idemKey, pageToken = key, false
	}
	if len(d.idemKey) > 255 {
		d.problems = append(d.problems, lead.FieldError{Field: "idempotency_key", Reason: "longer than 255 characters"})
	}
	formToken := ""
	if pageToken {
		formToken = d.idemKey
		// A form's _idem is its page view's token: the same answers sent
		// again (a double click, a re-post) are one submission, but a
		// visitor who went back and changed an answer sent a new one.
		d.idemKey += "\n" + hashBytes(body)
	}
	d.problems = append(d.problems, h.missing(d)...)
	d.input.Errors = d.problems
	sub, err := lead.Validate(d.input, lead.RequestMeta{
		IP: httpapi.SourceIP(req), UserAgent: httpapi.Header(req, "user-agent"), At: now, Evidence: h.Evidence,
	})
	if err != nil {
		// Refused as the same post without the honeypot would be: a bot
		// answered 202 where a person gets 400 learns which field is
		// the trap.
		return Result{}, lead.Submission{}, err
	}
	if d.bot {
		// Bots get the normal answer and leave nothing but a count behind;
		// with a key, its record too, so a replay is answered as a
		// person's is (the same receipt, or 409 for another body) and
		// counted once.
		campaign := sub.Source.CampaignOrDefault()
		res := Result{Receipt: h.Service.NewID(now), Outcome: Bot}
		idem := h.Service.Idempotency.record(d.idemKey, body, res.Receipt, now)
		if idem != nil {
			idem.Outcome = Bot
		}
		switch err := h.Service.Store.CountBot(ctx, campaign, now, idem); {
		case errors.Is(err, ErrDuplicateRequest):
			prev, err := h.Service.replay(ctx, idem, body)
			if err != nil {
				return Result{}, lead.Submission{}, err
			}
			res.Receipt = prev.Receipt
		case err != nil:
			return Result{}, lead.Submission{}, err
		}
		return res, lead.Submission{}, nil
	}
	// A page lead only when the token is one the campaign's own page
	// signed: a site's own form with an _idem of its own is not its page.
	fromPage := formToken != "" && h.PageTokens.Signed(sub.Source.Campaign, formToken)
	res, err := h.Service.capture(ctx, sub, fromPage, d.idemKey, body, h.baseURL(req), req.RequestContext.RequestID)
	return res, sub, err
}

// reasonRequired is the reason of a required field left empty.
const reasonRequired = "is required"

// missing is what a post naming a known, live campaign left empty of
// that campaign's required fields (form.required): the form's required
// attribute asks the browser, and this asks every client. A paused
// campaign's posts (forms still out there) and posts of no known campaign
// need only an email, as lead.Validate checks. A field the decoder
// already refused is not also named missing.
func (h *Handler) missing(d decoded) []lead.FieldError {
	c, ok := h.Campaigns.Get(strings.TrimSpace(d.input.Fields["campaign"]))
	if !ok || c.Status != campaign.Live {
		return nil
	}
	named := make(map[string]bool, len(d.problems))
	for _, p := range d.problems {
		named[p.Field] = true
	}
	var out []lead.FieldError
	for _, f := range c.Missing(d.input.Fields, d.input.Answers) {
		if !named[f] && !(named["answers"] && strings.HasPrefix(f, "answers.")) {
			out = append(out, lead.FieldError{Field: f, Reason: reasonRequired})
		}
	}
	return out
}

// errUnsupported is one line: errors.Join would put a newline in the
// JSON "error" a client shows.
var errUnsupported = fmt.Errorf("%w: send application/json or application/x-www-form-urlencoded",
	httpapi.ErrUnsupportedMedia)

func (h *Handler) errorResponse(status int, err error, reqID string, isForm bool, req httpapi.Request, cors map[string]string) httpapi.Response {
	p := problem{Error: publicMessage(status, err), RequestID: reqID}
	var ve *lead.ValidationError
	if errors.As(err, &ve) {
		p.Error = "invalid lead"
		p.Fields = ve.Fields
	}
	if isForm && status < 500 {
		if status == http.StatusRequestEntityTooLarge {
			// A box of the page took more than the API does: say what to do.
			p.Error = "Your answers are too long to send: shorten the longest one (the message, most likely) and send the form again."
		}
		if page, policy, ok := h.refusedPage(p, req); ok {
			return httpapi.Page(status, page, policy, cors)
		}
		return httpapi.Page(status, h.errorPage(p, req), errorPolicy, cors)
	}
	if isForm {
		// Nothing to fix in the answers: send them again in a while.
		// A write cut off by its deadline may still have committed: the
		// page cannot say it was not stored; sending it again is safe
		// (the same _idem, or a repeat post merged into the lead).
		p.Error = "Something went wrong on our side. Your answers may not have been stored: please send the form again in a minute (a form sent twice is never stored twice)."
		return httpapi.Page(status, h.notSentPage(p, req, false), errorPolicy, cors)
	}
	return httpapi.JSON(status, p, cors)
}

// logError is what a log line may say about a failed capture: a
// validation error's problems with unknown field names hashed (see
// lead.LogFieldName), never the names or values a client sent.
func logError(err error) []any {
	var ve *lead.ValidationError
	if errors.As(err, &ve) {
		return []any{"error", lead.ErrInvalid.Error(), "fields", ve.LogFields()}
	}
	return []any{"error", err.Error()}
}

// publicMessage never leaks internal error text on 5xx. A 5xx cannot
// say the lead was not stored (a write cut off by the deadline or the
// network may have committed), only that a retry with the same key is
// safe: it answers as the first post did, stored once.
func publicMessage(status int, err error) string {
	if status >= 500 {
		return "internal error: the lead may not have been stored; retry with the same Idempotency-Key (it is stored once)"
	}
	return err.Error()
}

// ownOrigin is whether origin is the API's own — its hosted pages and the
// framed form post from there, whatever ALLOWED_ORIGINS lists.
func (h *Handler) ownOrigin(req httpapi.Request, origin string) bool {
	return httpapi.OwnOrigin(origin, h.BaseURL, req.RequestContext.DomainName)
}

// baseURL is the configured public base, else the API's own address.
func (h *Handler) baseURL(req httpapi.Request) string {
	if h.BaseURL != "" || req.RequestContext.DomainName == "" {
		return h.BaseURL
	}
	base := "https://" + req.RequestContext.DomainName
	if st := req.RequestContext.Stage; st != "" && st != "$default" {
		base += "/" + st
	}
	return base
}
