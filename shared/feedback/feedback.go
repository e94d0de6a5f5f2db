// Package feedback records what sales says about a lead, from the signed
// links in the alert email: accept (SAL), reject with a reason (back to
// nurture or disqualified, as the config says per reason), and later SQL,
// won or lost. GET shows the lead and a confirm button and changes
// nothing; POST records. Tokens are bound to lead and action; a tampered
// or expired one changes nothing. It imports no AWS code.
package feedback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/token"
)

// Routes this handler serves.
var Routes = []string{"GET /feedback/{token}", "POST /feedback/{token}", RouteOutcomes}

// Store is what recording feedback needs.
type Store interface {
	lead.Store
	LeadByEmail(ctx context.Context, emailHash string) (lead.Lead, error)
	// HeldAlerts lists the leads an alert window held (its key), and how
	// many more it held than it lists.
	HeldAlerts(ctx context.Context, key string) ([]string, int, error)
	// DealHolder is the lead a CRM deal counts on, "" when no close of
	// it was recorded (lead.DealClaim).
	DealHolder(ctx context.Context, dealID string) (string, error)
	// SavePair saves two leads (each version-checked) with their changes
	// in one write, or neither (lead.ErrVersionConflict): a deal's two
	// counts made one (MergeDeal).
	SavePair(ctx context.Context, a lead.Lead, ach lead.Change, b lead.Lead, bch lead.Change) error
}

// Handler is the Lambda handler behind /feedback/{token}.
type Handler struct {
	Store Store
	Rules *qualify.Config
	// Requalify re-grades a lead sales sent back and places it in a
	// nurture sequence (nurture.Enroller); nil only sets its stage.
	Requalify handoff.Requalifier
	Keys      token.Keys
	LinkTTL   time.Duration
	// FreshLinks re-sends a lead's alert with fresh links to the rep an
	// expired link of it was sent to (handoff.Service.SendFreshLinks); nil
	// offers no fresh links.
	FreshLinks func(ctx context.Context, leadID, rep, owner string) (lead.Outcome, error)
	// Routed tells whether the routing config still lists a rep
	// (handoff.Service.Routed): one who left is offered no fresh links.
	// nil: every rep is.
	Routed func(rep string) bool
	// Labels names campaigns and their questions on the page; nil shows
	// ids and humanised keys.
	Labels handoff.Labels
	Clock  func() time.Time
	NewID  func(time.Time) string
	Log    *slog.Logger
}

var actions = []string{links.ActionAccept, links.ActionReject, links.ActionSQL, links.ActionWon, links.ActionLost, links.ActionRelease, links.ActionReleaseAll}

// MaxComment bounds the optional comment sales can add.
const MaxComment = 1000

// maxForm bounds an answer form's body: a browser percent-encodes it, so
// each of MaxComment characters can take 12 bytes (4 of UTF-8, 3 each),
// and the amount, currency and close date fit in the rest.
const maxForm = MaxComment*12 + 1024

// Handle serves one request.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	if req.RouteKey == RouteOutcomes {
		return h.backfill(ctx, req), nil
	}
	now := h.Clock()
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	tok := req.PathParameters["token"]
	claims, action, err := h.verify(tok, now)
	if errors.Is(err, token.ErrExpired) && (action == links.ActionAccept || action == links.ActionReject) && now.Sub(claims.Expires) <= MaxExpiredAge {
		return h.expired(ctx, req, log, claims, action, now), nil
	}
	if err != nil {
		log.Warn("feedback", "status", http.StatusForbidden, "outcome", "bad_token", "error", err.Error())
		switch {
		case errors.Is(err, token.ErrExpired) && action == links.ActionReleaseAll:
			return render(http.StatusForbidden, view{Title: "Link not valid", Message: fmt.Sprintf(
				"This link has expired (it lasts %d days after its window). Each lead's own link in the summary may still work.",
				int(handoff.WindowKept/(24*time.Hour)))}), nil
		case errors.Is(err, token.ErrExpired):
			return render(http.StatusForbidden, view{Title: "Link not valid", Message: "This link has expired. Open the lead in your CRM."}), nil
		}
		return render(http.StatusForbidden, damaged), nil
	}
	if action == links.ActionReleaseAll {
		return h.releaseAll(ctx, req, log, claims, now), nil
	}
	l, err := h.Store.Lead(ctx, claims.Subject)
	if err != nil {
		status := httpapi.StatusOf(err, map[error]int{lead.ErrNotFound: http.StatusNotFound})
		log.Log(ctx, httpapi.LevelOf(status), "feedback", "status", status, "leadId", claims.Subject, "error", err.Error())
		return render(status, view{Title: "Lead not found", Message: "This lead no longer exists (it may have been erased)."}), nil
	}
	rejectedBy, ref := "", ""
	if action == links.ActionReject {
		claims.Extra, ref = links.SplitReject(claims.Extra) // the reason code
		// Who the reject link was sent to (the rep, or the escalation
		// target): the rejection counts for them.
		rejectedBy = links.ResolveRep(h.Keys, ref, h.repCandidates(l)...)
	} else if action != links.ActionRelease {
		// The link names its rep by reference (links.RepRef), never by
		// address: find the rep it was sent to.
		claims.Extra = links.ResolveRep(h.Keys, claims.Extra, h.repCandidates(l)...)
	}
	if accepted := l.AcceptedAt(); outcomeStages[action] != "" && !accepted.IsZero() && spent(&l, claims, action) != "earlier" &&
		now.After(accepted.Add(h.Rules.Outcomes().Horizon)) {
		// Signed under a longer outcome horizon than the config has now:
		// expired, as a link signed under this one would be (its form
		// would only be refused).
		log.Warn("feedback", "status", http.StatusForbidden, "leadId", l.ID, "action", action, "outcome", "past_horizon")
		return render(http.StatusForbidden, view{Title: "Link not valid", Message: fmt.Sprintf(
			"This link has expired: deals are recorded here for %s after sales accepted them, and this one was accepted on %s. Open the lead in your CRM.",
			days(h.Rules.Outcomes().Horizon), accepted.In(h.Rules.Zone(claims.Extra)).Format("2 Jan 2006"))}), nil
	}
	// Who the link was sent to, whose zone the page's dates are in.
	reader := claims.Extra
	switch action {
	case links.ActionReject:
		reader = rejectedBy
	case links.ActionRelease:
		reader = "" // the team lead, whom the link does not name
	}
	v := h.view(l, claims, action, reader, now, tok)
	if _, ok := h.Rules.RejectReason(claims.Extra); action == links.ActionReject && !ok {
		return h.retiredReason(req, log, v, l, claims, ref, reader), nil
	}
	if req.RequestContext.HTTP.Method != http.MethodPost {
		if out := spent(&l, claims, action); out != "" {
			// Answered already: say so instead of asking again.
			h.done(&v, out, l, reader)
		} else if action == links.ActionWon && countedElsewhere(&l) && !Owes(&l, lead.StageWon) {
			// Another contact counts the deal: its amount goes there.
			if err := h.contactPage(ctx, &v, l, now, h.Rules.Zone(reader)); err != nil {
				log.Error("feedback", "status", http.StatusInternalServerError, "leadId", l.ID, "action", action, "error", err.Error())
				return render(http.StatusInternalServerError, view{Title: "We could not show this deal", Message: "Please try again in a minute."}), nil
			}
		}
		return render(http.StatusOK, v), nil
	}
	a, err := readAnswer(req, now)
	a.By = rejectedBy
	if err == nil && outcomeStages[action] != "" {
		o := a.Outcome
		o.Stage, o.LeadID = action, claims.Subject
		if ferr := o.Validate(now); ferr != nil {
			err = onPage(ferr)
		} else if ferr := o.CheckClosed(&l); ferr != nil {
			err = onPage(ferr)
		} else if ferr := o.CheckCurrency(h.Rules.Outcomes()); ferr != nil {
			var fe *FieldError
			if errors.As(ferr, &fe) && fe.Field == "currency" {
				// Said to a sales rep: what to do now, and who can change it.
				here, asked := h.Rules.Outcomes().Currency, strings.ToUpper(o.Currency)
				err = &refusal{"currency", fmt.Sprintf("deals can be recorded in %s here, not in %s yet: enter the amount in %s, or ask whoever runs leadflow to add a %s rate",
					here, asked, here, asked)}
			} else {
				err = onPage(ferr) // an amount worth too much at the currency's rate
			}
		}
		a.Outcome = o // as validated: "eur" recorded as EUR, not refused later as an unknown currency
	}
	if err != nil {
		// Shown again with what the rep typed, the field it is about marked.
		v.Message, v.Posted = err.Error(), posted(req)
		var r *refusal
		if errors.As(err, &r) {
			v.Invalid = r.field
		}
		return render(http.StatusBadRequest, v), nil
	}
	was := l.Stage
	out, l, err := h.record(ctx, claims, action, a, now, nil)
	through := "" // what the page says of an answer for a contact whose deal another lead counts
	switch {
	case err == nil && l.Deal != nil && l.Deal.Owed != nil:
		// A contact's reversal counts nothing: the deal is reversed where
		// it counts — this answer's reversal, or one whose write failed
		// before (its retry finds this contact "already" reversed).
		msg, reversed := "", false
		if msg, reversed, err = h.reverseThrough(ctx, l, h.Rules.Zone(reader), now); err == nil && outcomeStages[action] == l.Stage {
			through = msg
			if reversed {
				out = Recorded // now, or by the attempt whose page failed
			}
		}
		if err == nil {
			d := *l.Deal
			d.Owed = nil // settled: the page below shows the deal as it is now
			l.Deal = &d
		}
	case err == nil && action == links.ActionWon && out == Already && countedElsewhere(&l):
		out, through, err = h.throughContact(ctx, claims, a, l, now, h.Rules.Zone(reader))
	}
	if err != nil {
		log.Error("feedback", "status", http.StatusInternalServerError, "leadId", claims.Subject, "action", action, "error", err.Error())
		// Shown again with what the rep typed: pressing the button again retries.
		v.Message, v.Posted = "We could not record this. Please try again in a minute.", posted(req)
		return render(http.StatusInternalServerError, v), nil
	}
	answered := []any{"status", http.StatusOK, "leadId", l.ID, "action", action, "outcome", out, "stage", l.Stage}
	if action == links.ActionReject {
		answered = append(answered, "reason", claims.Extra) // a configured reason code
	} // the rep is never logged, not even hashed: the lead (by id) says who answered
	log.Info("feedback", answered...)
	v = h.view(l, claims, action, reader, now, tok)
	v.Done = true
	switch out {
	case "recorded", Corrected:
		if through != "" {
			v.Message = through
			break
		}
		v.Message = h.recordedMessage(action, claims.Extra, l, h.Rules.Zone(reader))
		if Reverses(was, l.Stage) {
			// A reversal: say what it replaced, and what that did.
			v.Message = map[lead.Stage]string{
				lead.StageLost: "Recorded: lost, instead of won. The win and its revenue are taken out of the reports.",
				lead.StageWon:  strings.Replace(v.Message, "). ", ") instead of lost. ", 1),
			}[l.Stage]
		}
	case "already", "superseded", "earlier":
		h.done(&v, out, l, reader)
		if through != "" {
			v.Message = through
		}
	}
	return render(http.StatusOK, v), nil
}

// retiredReason answers a reject link whose reason is no longer in the
// config's reject_reasons (marketing removed or renamed it after the alert
// went). Its action (disqualify or nurture) is not known any more, so
// nothing is recorded: the page says so and offers today's reasons as
// links for the same rep, hand-off and expiry. A lead answered meanwhile
// says so, as any spent link does.
// ref is the link's reference of its rep ("" for none).
func (h *Handler) retiredReason(req httpapi.Request, log *slog.Logger, v view, l lead.Lead, c token.Claims, ref, reader string) httpapi.Response {
	if out := spent(&l, c, links.ActionReject); out != "" {
		h.done(&v, out, l, reader)
		return render(http.StatusOK, v)
	}
	status := http.StatusOK
	if req.RequestContext.HTTP.Method == http.MethodPost {
		status = http.StatusConflict // the button of a page shown before the reason went
	}
	log.Warn("feedback", "status", status, "leadId", l.ID, "action", links.ActionReject, "outcome", "reason_not_configured", "reason", c.Extra)
	v.Done = true
	v.Message = "“" + lead.Humanise(c.Extra) + "” is no longer a reason sales can pick, so nothing was recorded"
	v.Outcomes, v.OutcomesIntro = nil, "Marketing changed the list of reasons since this alert was sent. To reject this lead, pick one of today's reasons:"
	for _, r := range h.Rules.RejectReasons() {
		extra := r.Code
		if ref != "" {
			extra += " " + ref
		}
		v.Outcomes = append(v.Outcomes, link{r.Label, links.FeedbackToken(h.Keys, l.ID, links.ActionReject, extra, c.Issued, c.Expires)})
	}
	if len(v.Outcomes) == 0 {
		v.Steps = []string{"The qualification config lists no reasons to reject a lead for now, so leads are not rejected from these links: " +
			"reply to the alert to answer the lead, and tell whoever runs leadflow (marketing operations) why this one is not for sales."}
	}
	return render(status, v)
}

// damaged is the page of a link that does not verify: cut short or
// wrapped by an email app, a character lost or changed on the way, or not
// ours at all. Nothing in it names the lead (the link cannot say which),
// and it tells the rep how to get on with the lead anyway.
var damaged = view{
	Title: "This link does not work",
	Message: "Part of the link is missing or was changed on its way to you (email apps sometimes cut long links, or break them over two lines), " +
		"so we cannot tell which lead it is about. Nothing was recorded.",
	Steps: []string{
		"Open the email again (the sales alert, or whichever email the link came from) and tap the link there rather than copying it. If you copy it, copy all of it.",
		"The alert email shows everything about the lead, and replying to it writes to the lead: you can answer them while the link is sorted out.",
		"If the link still does not work from the email, forward that email to whoever runs leadflow (marketing operations) so they can look into it.",
	},
}

// fieldLabels are the won form's labels of the outcome fields.
var fieldLabels = map[string]string{"amount": "Deal amount", "currency": "Currency", "closed_at": "Closed on"}

// onPage is a refused outcome field as the rep's page names it: by its
// label, not by the back-fill's column the rep never saw.
func onPage(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) && fieldLabels[fe.Field] != "" {
		return &refusal{fe.Field, fieldLabels[fe.Field] + ": " + fe.Reason}
	}
	return fmt.Errorf("deal %w", err)
}

// refusal is a refused answer as the rep's page says it, and the answer
// form's field it is about (the input's id; "" for none): the page marks
// that field invalid, describes it by the message and focuses it.
type refusal struct{ field, msg string }

func (r *refusal) Error() string { return r.msg }

// posted is an answer form's values, to show a refused one again (the
// page escapes them); "" for a field the request did not carry.
func posted(req httpapi.Request) map[string]string {
	out := map[string]string{}
	body, err := httpapi.Body(req, maxForm)
	if err != nil {
		return out
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return out
	}
	for _, k := range []string{"amount", "currency", "closed_at", "comment"} {
		out[k] = vals.Get(k)
	}
	return out
}

// done shows v as answered already (out: "already", "superseded",
// "earlier"): what happened instead, and none of the current deal's
// outcome links for a link of an earlier round. reader is who the link
// was sent to ("" unknown).
func (h *Handler) done(v *view, out string, l lead.Lead, reader string) {
	v.Done, v.Message = true, h.doneMessage(out, l, reader)
	if isAlertAction(v.Action) && (reader == "" || !strings.EqualFold(reader, l.DealOwner())) {
		// An alert's link once answered: the deal's outcome links are for
		// whoever holds it, not for the alerted rep another accepted it
		// from, the team lead of the escalation, or a link that names
		// nobody (a release, an old reject link).
		v.Outcomes = nil
	}
	if out == "earlier" {
		v.Outcomes = nil
		if v.Action == links.ActionRelease {
			v.Message = "This lead was handed to sales again after this link was made; the alert held now is a later summary's to release. Nothing changed."
		}
	}
}

// isAlertAction reports whether action is one of an alert's links (to
// answer it), not an outcome's.
func isAlertAction(action string) bool {
	return action == links.ActionAccept || action == links.ActionReject || action == links.ActionRelease
}

// doneMessage says what an answer that changed nothing found: the same
// answer ("already") or the lead moved on ("superseded").
func (h *Handler) doneMessage(out string, l lead.Lead, reader string) string {
	switch {
	case out == "already" && l.Handoff != nil && l.Handoff.AnsweredBy != "" && (l.Stage == lead.StageSAL || l.Stage == lead.StageRejected):
		// Whoever opens the link (the rep, or the team lead the alert was
		// escalated to) learns who answered, and when.
		verb := map[lead.Stage]string{lead.StageSAL: "accepted", lead.StageRejected: "rejected"}[l.Stage]
		return h.Rules.RepName(l.Handoff.AnsweredBy) + " already " + verb + " this lead on " +
			l.Handoff.AnsweredAt.In(h.Rules.Zone(l.Handoff.AnsweredBy)).Format("2 Jan 2006") + "; nothing changed."
	case out == "already":
		return "This was already recorded; nothing changed."
	case out == "earlier" && l.CameBackThisRound():
		return "This lead's earlier round with sales ended (" + leftWords(l.Returned.From) + ") and it has since come back with a new request, " +
			"handed to sales with a new alert. This link belongs to the earlier round; nothing changed."
	case out == "earlier":
		// Nothing of the current hand-off: whose it is is not this
		// link's business.
		return "This alert's lead was sent back to marketing and has since been handed to sales again, with a new alert. " +
			"This link belongs to the earlier alert; nothing changed."
	case l.Erased:
		return "This lead's personal data was erased on request, so sales owes it nothing; nothing changed."
	case returned(l):
		return returnedMessage(l, h.Rules.Zone(reader)) + " Nothing changed."
	case l.Stage == lead.StageMQL: // an outcome link before anyone accepted the lead
		return "This lead is at stage " + l.Stage.Label() + "; nothing changed."
	}
	return "Sales already answered this lead. It is at stage " + l.Stage.Label() + "; nothing changed."
}

// leftWords says how a lead that came back had left.
func leftWords(from lead.Stage) string {
	if from == lead.StageLost {
		return "its deal was lost"
	}
	return "it had unsubscribed"
}

// returned reports whether l is back with marketing because nobody
// answered its alert in time (and not handed to sales again since).
func returned(l lead.Lead) bool { return l.Handoff == nil && l.SentBack.Unanswered() }

// returnedMessage tells a rep holding a link of a returned lead's alert
// what happened to it, and on which day in their zone.
func returnedMessage(l lead.Lead, zone *time.Location) string {
	return "Nobody acted on this alert in time, so the lead went back to marketing on " + l.SentBack.At.In(zone).Format("2 Jan 2006") +
		". It comes back to sales, with a new alert, when it shows interest again."
}

// repCandidates are the addresses an answer link about l can have been
// sent to: its rep, escalation target, who answered or accepted it, and
// every configured rep and team lead.
func (h *Handler) repCandidates(l lead.Lead) []string {
	var out []string
	if hd := l.Handoff; hd != nil {
		out = append(out, hd.Rep, hd.EscalatedTo, hd.AnsweredBy)
	}
	if l.Deal != nil {
		out = append(out, l.Deal.Rep)
	}
	for _, r := range h.Rules.Reps() {
		out = append(out, r.Email)
	}
	return out
}

func (h *Handler) verify(tok string, now time.Time) (token.Claims, string, error) {
	var lastErr error = token.ErrInvalid
	for _, a := range actions {
		c, err := h.Keys.Verify(tok, a, now)
		if err == nil {
			return c, a, nil
		}
		if errors.Is(err, token.ErrExpired) {
			return c, a, err
		}
		lastErr = err
	}
	return token.Claims{}, "", lastErr
}

// answer is what the page's form posts: a comment and, for won, the
// deal's amount, currency and close date.
type answer struct {
	Comment string
	Outcome Outcome
	// By is the rep a reject link was sent to, when it names one.
	By string
}

func readAnswer(req httpapi.Request, now time.Time) (answer, error) {
	var a answer
	body, err := httpapi.Body(req, maxForm)
	if err != nil {
		return a, &refusal{"comment", "the comment is too long"}
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return a, fmt.Errorf("the form could not be read")
	}
	a.Comment = strings.TrimSpace(vals.Get("comment"))
	if len([]rune(a.Comment)) > MaxComment {
		return a, &refusal{"comment", fmt.Sprintf("the comment is longer than %d characters", MaxComment)}
	}
	if s := strings.TrimSpace(vals.Get("amount")); s != "" {
		f, err := parseAmount(s)
		if errors.Is(err, errDecimalComma) || errors.Is(err, errAmbiguous) || errors.Is(err, errScientific) {
			return a, &refusal{"amount", fmt.Sprintf("%s: %q: %v", fieldLabels["amount"], s, err)}
		}
		if err != nil {
			return a, &refusal{"amount", fmt.Sprintf("%s: %q is not a number (e.g. 12500 or 12500.50)", fieldLabels["amount"], s)}
		}
		a.Outcome.Amount = &f
		a.Outcome.Currency = vals.Get("currency")
	}
	if s := strings.TrimSpace(vals.Get("closed_at")); s != "" {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return a, &refusal{"closed_at", fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", fieldLabels["closed_at"], s)}
		}
		a.Outcome.ClosedAt = d
	}
	return a, nil
}

// record applies the answer, retrying on concurrent changes. Outcomes:
// recorded, already (the same answer again), superseded (another answer
// was given first), earlier (the link is an earlier hand-off's).
//
// still, when given, must hold of the lead as read for the answer to
// apply; else it is superseded.
func (h *Handler) record(ctx context.Context, c token.Claims, action string, a answer, now time.Time, still func(*lead.Lead) bool) (string, lead.Lead, error) {
	var out string
	l, err := lead.Update(ctx, h.Store, c.Subject, func(l *lead.Lead) (lead.Change, error) {
		var ch lead.Change
		if still != nil && !still(l) {
			out = "superseded"
			return ch, lead.ErrUnchanged
		}
		a := a
		if action == links.ActionWon || action == links.ActionLost {
			if err := h.countedNow(ctx, l, &a.Outcome); err != nil {
				return ch, err
			}
		}
		if out, ch = h.apply(l, c, action, a, now); out != "recorded" {
			return ch, lead.ErrUnchanged
		}
		return ch, nil
	})
	if err != nil {
		return "", l, err
	}
	return out, l, nil
}

// closeDay is a close date for showing its day to a reader in zone: a
// date the rep or the CRM gave (midnight UTC, YYYY-MM-DD) is that date
// anywhere; a won form without one recorded the instant, whose day is
// the reader's (20:30 on 10 March in Los Angeles, not 11 March in UTC).
func closeDay(t time.Time, zone *time.Location) time.Time {
	if u := t.UTC(); u.Equal(u.Truncate(24*time.Hour)) || zone == nil {
		return u
	}
	return t.In(zone)
}

// whyNoNurture says, to a rep, why a lead sent back gets no nurture email.
func whyNoNurture(l lead.Lead) string {
	reason := ""
	if l.Nurture != nil {
		reason = l.Nurture.NoSequence
	}
	switch reason {
	case lead.NoConsent:
		return "it has not agreed to marketing email"
	case lead.NoSuppressed:
		return "its address is on the suppression list"
	case lead.NoSequencesDone:
		return "it has been through every sequence it qualifies for"
	case lead.NoMatchingSequence:
		return "no sequence takes it"
	case "":
		return "it is in no sequence"
	}
	return "it left its sequence (" + strings.ToLower(lead.Humanise(reason)) + ")"
}

// recordedMessage says what a recorded answer did, in words, to a reader
// in zone.
func (h *Handler) recordedMessage(action, extra string, l lead.Lead, zone *time.Location) string {
	switch action {
	case links.ActionAccept:
		return "Recorded: you accepted this lead. It is yours now."
	case links.ActionReject:
		r, ok := h.Rules.RejectReason(extra)
		if !ok {
			return "Recorded: you rejected this lead."
		}
		then := " Marketing keeps nurturing it until it is ready."
		switch {
		case r.Action == qualify.ActionDisqualify:
			then = " It leaves the funnel."
		case l.Nurture == nil || l.Nurture.NextAt.IsZero():
			// Sent back, but in no sequence: no consent to marketing email,
			// suppressed, or every sequence done (the lead says which).
			then = " It goes back to marketing, but gets no nurture email: " + whyNoNurture(l) + ". New interest brings it back to sales."
		}
		return "Recorded: you rejected this lead (" + r.Label + ")." + then
	case links.ActionRelease:
		return "Recorded: the alert goes to sales now."
	case links.ActionSQL:
		return "Recorded: this lead is a sales qualified opportunity (SQL)."
	case links.ActionWon:
		amount := "no amount given"
		if d := l.Deal; d != nil && d.Amount > 0 {
			amount = grouped(d.Amount) + " " + d.Currency
		}
		closed := ""
		if d := l.Deal; d != nil && !d.ClosedAt.IsZero() {
			closed = ", closed on " + closeDay(d.ClosedAt, zone).Format("2 Jan 2006")
		}
		return "Recorded: won (" + amount + closed + "). Congratulations!"
	case links.ActionLost:
		return "Recorded: lost."
	}
	return "Recorded. Thank you!"
}

// grouped is an amount as the rep reads it back: thousands grouped, two
// decimals ("12,500.50").
func grouped(v float64) string {
	whole, cents, _ := strings.Cut(strconv.FormatFloat(v, 'f', 2, 64), ".")
	return mail.Thousands(whole) + "." + cents
}
