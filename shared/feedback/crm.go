package feedback

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/token"
)

// OutcomeDetailType is the EventBridge detail-type of outcome events a
// CRM puts on the product's bus; their detail is an Outcome.
const OutcomeDetailType = "leadflow.outcome"

// RouteOutcomes is the IAM-authorised back-fill route.
const RouteOutcomes = "POST /admin/outcomes"

// Back-fill limits: one request is one API Gateway payload.
const (
	MaxBackfillBytes = 1 << 20
	MaxBackfillRows  = 5000
)

// BackfillMargin is the time a back-fill keeps free before its deadline
// (the function's timeout): it starts no row after that, and answers
// with the rows it had no time for, to be sent again. A file of
// thousands of rows takes longer than one invocation may run.
const BackfillMargin = 2 * time.Second

// notTried is the error of a back-fill row the request had no time for.
const notTried = "not tried: the request ran out of time; send this row again"

// ApplyCRM records an outcome a CRM reported (validated or not): the
// same rules as a rep's link, idempotent by event id. A *FieldError is
// a field that cannot be used, lead.ErrNotFound an unknown lead,
// ErrOutcomeRefused a lead whose stage or horizon does not allow it;
// nothing is written then.
func (h *Handler) ApplyCRM(ctx context.Context, o Outcome) (string, error) {
	out, _, err := h.applyCRM(ctx, o)
	return out, err
}

// applyCRM is ApplyCRM that also returns the id of the lead the outcome
// names ("" when none was found), for the log of an outcome that named
// its lead by address.
func (h *Handler) applyCRM(ctx context.Context, o Outcome) (string, string, error) {
	now := h.Clock()
	o.Source = "crm"
	if err := o.Validate(now); err != nil {
		return "", "", err
	}
	if err := o.CheckCurrency(h.Rules.Outcomes()); err != nil {
		return "", "", err
	}
	id := o.LeadID
	if id == "" {
		norm, reason := lead.NormaliseEmail(o.Email)
		if reason != "" {
			return "", "", &FieldError{"email", reason}
		}
		l, err := h.Store.LeadByEmail(ctx, lead.HashEmail(norm))
		if err != nil {
			return "", "", err
		}
		id = l.ID
	} else if err := h.sameLead(ctx, id, o.Email); err != nil {
		return "", "", err
	}
	if err := h.acceptForCRM(ctx, id, o, now); err != nil {
		return "", id, err
	}
	if err := h.mergeDeal(ctx, id, o, now); err != nil {
		return "", id, err
	}
	var out string
	var refused error
	holder, wasWon, seen := "", false, false
	change := func(l *lead.Lead) (lead.Change, error) {
		var ch lead.Change
		o := o
		if o.DealID != "" && o.Stage != "sql" {
			// Read with the lead, so that a write losing the claim to
			// another contact (a conflict) reads the deal's holder again.
			var err error
			if holder, err = h.Store.DealHolder(ctx, o.DealID); err != nil {
				return ch, err
			}
			o.CountedOn = holder
			if err := h.countedTwice(ctx, l, holder, o); err != nil {
				return ch, err
			}
		} else if o.Stage != "sql" {
			// No deal named: a contact's is its deal's, counted where
			// the deal counts now.
			if err := h.countedNow(ctx, l, &o); err != nil {
				return ch, err
			}
		}
		wasWon = l.Stage == lead.StageWon
		seen = o.EventID != "" && l.Deal != nil && slices.Contains(l.Deal.Applied, o.EventID)
		sent := AmountSent(l)
		out, ch, refused = ApplyOutcome(l, o, h.Rules.Outcomes(), h.NewID, now)
		if refused == nil && out == Already && (ch.DealClaim != nil || !AmountSent(l).Equal(sent)) {
			return ch, nil // the deal is this lead's to count now, or its amount was sent again later
		}
		if refused != nil || out != Recorded && out != Corrected {
			return ch, lead.ErrUnchanged
		}
		return ch, nil
	}
	written, err := lead.Update(ctx, h.Store, id, change)
	for attempt := 1; errors.Is(err, errCountedTwice) && attempt < mergeAttempts; attempt++ {
		// Another contact's outcome named the deal after mergeDeal
		// looked: make the two counts one, then apply this outcome.
		if err := h.mergeDeal(ctx, id, o, now); err != nil {
			return "", id, err
		}
		written, err = lead.Update(ctx, h.Store, id, change)
	}
	if err != nil {
		return "", id, err
	}
	if written.Deal != nil && written.Deal.Owed != nil {
		// A rep's reversal of this contact whose write where the deal
		// counts failed: any outcome for the contact finishes it (an
		// error leaves the event to be delivered again).
		if _, err := h.settleOwed(ctx, written, now); err != nil {
			return "", id, err
		}
	}
	if refused == nil && holder != "" && holder != id && o.Stage == "won" && o.Amount != nil && !seen {
		// A contact of a deal another lead counts: the amount is the
		// deal's, so it corrects that lead's. Only a contact already won
		// corrects it (its first win may be an older copy of the deal's
		// amount), or a deal that has none yet.
		hout, _, err := h.correctHolder(ctx, holder, o, wasWon, map[string]any{"via": id, "deal_id": o.DealID}, now)
		if err != nil {
			return "", id, err // a refusal (the horizon, a currency) says why, as the holder's own would
		}
		if hout == Corrected {
			out = Corrected
		}
	}
	return out, id, refused
}

// correctHolder applies a won amount sent for one contact of a deal (a
// CRM's won, a rep's won page) to the lead that counts the deal (holder),
// while that one is won with this deal: a correction, or Already. note is
// added to the correction's event (the contact it came through: via, and
// the deal), whose data it returns. holder was read before: when a merge
// took the deal from it since (MergeDeal: its count taken out, the claim
// moved to a contact closed earlier), the amount goes where the claim
// names now — answered "already" there, the deal's amount was never
// counted anywhere.
func (h *Handler) correctHolder(ctx context.Context, holder string, o Outcome, contactWasWon bool, note map[string]any, now time.Time) (string, map[string]any, error) {
	for attempt := 1; ; attempt++ {
		out, data, gaveUp, err := h.correctOn(ctx, holder, o, contactWasWon, note, now)
		if !gaveUp || err != nil || attempt >= mergeAttempts {
			return out, data, err
		}
		next, err := h.Store.DealHolder(ctx, o.DealID)
		if err != nil {
			return "", nil, err
		}
		if next == "" || next == holder {
			return out, data, nil
		}
		holder = next
	}
}

// correctOn is one attempt of correctHolder on holder; gaveUp says that
// holder no longer counts the deal because another contact of it does
// (a merge moved it: Deal.CountedOn).
func (h *Handler) correctOn(ctx context.Context, holder string, o Outcome, contactWasWon bool, note map[string]any, now time.Time) (out string, data map[string]any, gaveUp bool, err error) {
	var refused error
	o.LeadID, o.Email, o.CountedOn = holder, "", holder
	_, err = lead.Update(ctx, h.Store, holder, func(l *lead.Lead) (lead.Change, error) {
		out, refused, data = Already, nil, nil
		gaveUp = l.Deal != nil && l.Deal.ID == o.DealID && l.Deal.CountedOn != "" && l.Deal.CountedOn != l.ID
		if !countsWin(l, o.DealID) || !contactWasWon && l.Deal.Currency != "" {
			return lead.Change{}, lead.ErrUnchanged
		}
		var ch lead.Change
		sent := AmountSent(l)
		out, ch, refused = ApplyOutcome(l, o, h.Rules.Outcomes(), h.NewID, now)
		if refused == nil && out == Already && !AmountSent(l).Equal(sent) {
			return ch, nil // its amount, sent again later: written with that time
		}
		if refused != nil || out != Corrected {
			out = Already
			return ch, lead.ErrUnchanged
		}
		data = ch.Events[0].Data
		for k, v := range note {
			if k == "comment" && l.Erased {
				continue // nothing written about an erased person is kept
			}
			data[k] = v
		}
		return ch, nil
	})
	if errors.Is(err, lead.ErrNotFound) {
		return Already, nil, false, nil
	}
	if err == nil {
		err = refused
	}
	return out, data, gaveUp, err
}

// sameLead refuses an outcome whose email is another lead's address
// than its lead_id's: recorded on the id's lead, its revenue could be
// the wrong person's (a CRM contact merged into another, a spreadsheet
// column shifted). An email that is no lead's (the contact's address
// changed in the CRM), or none, leaves the id to name the lead.
func (h *Handler) sameLead(ctx context.Context, id, email string) error {
	norm, reason := lead.NormaliseEmail(email)
	if email == "" || reason != "" {
		return nil
	}
	l, err := h.Store.LeadByEmail(ctx, lead.HashEmail(norm))
	switch {
	case errors.Is(err, lead.ErrNotFound):
		return nil
	case err != nil:
		return err
	case l.ID != id:
		return &FieldError{"email", "is another lead's address than lead_id's: check which lead the row is about, and give only that one's lead_id or email"}
	}
	return nil
}

// acceptForCRM records the acceptance a CRM's outcome implies: an MQL
// whose alert reached sales (sent or escalated, nobody answered it here)
// that the CRM reports as SQL, won or lost was taken by sales there —
// reps often work from the CRM and never press accept. Without it the
// outcome was refused, the lead escalated and later sent back to
// marketing and nurtured while sales held its deal. It is accepted for
// the rep the alert went to, as its accept link would (the response time
// counted is when the CRM told: an upper bound), in a write of its own
// before the outcome's, so the bus gets lead.accepted and then the
// outcome's event; a crash between the two leaves an accepted lead, and
// the retried event records the outcome. A lead in another state or an
// event applied before changes nothing here; a close date the outcome
// would refuse (CheckClosed) is that refusal.
func (h *Handler) acceptForCRM(ctx context.Context, id string, o Outcome, now time.Time) error {
	var refused error
	_, err := lead.Update(ctx, h.Store, id, func(l *lead.Lead) (lead.Change, error) {
		switch {
		case l.Stage != lead.StageMQL || !l.Handoff.Unanswered() || l.Erased,
			o.EventID != "" && l.Deal != nil && slices.Contains(l.Deal.Applied, o.EventID):
			return lead.Change{}, lead.ErrUnchanged
		}
		if refused = o.CheckClosed(l); refused != nil {
			// The outcome cannot apply: say why (its close date), not
			// that the lead is an MQL.
			return lead.Change{}, lead.ErrUnchanged
		}
		c := token.Claims{Action: links.ActionAccept, Subject: l.ID, Extra: l.Handoff.Rep}
		out, ch := h.apply(l, c, links.ActionAccept, answer{}, now)
		if out != "recorded" {
			return lead.Change{}, lead.ErrUnchanged
		}
		for _, e := range ch.Events {
			if e.Kind == "accepted" {
				e.Data["source"] = "crm"
			}
		}
		return ch, nil
	})
	if err != nil && !errors.Is(err, lead.ErrNotFound) {
		return err
	}
	return refused // nil: the outcome's own write says what applies
}

// HandleOutcomeEvent applies one leadflow.outcome event; eventID is
// EventBridge's id, used when the detail names none (a redelivery keeps
// it), and sent its time (when the CRM put it; a retry keeps it): an SQL
// sent after its deal was lost at SAL revives it, one sent before is the
// deal's own, delivered late (lateSQL). Only a failure to read or write
// the lead is returned (the event is retried); an outcome that cannot
// apply is logged and dropped.
func (h *Handler) HandleOutcomeEvent(ctx context.Context, detail []byte, eventID string, sent time.Time) error {
	var o Outcome
	dec := json.NewDecoder(bytes.NewReader(detail))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		// Unreadable: dropped (no retry reads it), and an error — an
		// integration that names a field wrong loses every outcome.
		h.Log.Error("crm outcome", "outcome", "invalid", "eventId", eventID, "error", jsonProblem(err))
		return nil
	}
	if o.EventID == "" {
		o.EventID = eventID
	}
	o.SentAt = sent
	o.Stage = stageName(o.Stage) // logged as applied: "Closed Won" is won
	out, id, err := h.applyCRM(ctx, o)
	if id != "" && o.LeadID == "" {
		// Named by its address: the log names it by the id found.
		o.LeadID = id
	}
	if ownFault(err) {
		h.Log.Warn("crm outcome", "outcome", "not_applied", "leadId", logID(o.LeadID), "stage", logID(o.Stage), "eventId", logID(o.EventID), "error", safeError(err))
		return nil
	}
	if err != nil {
		return fmt.Errorf("feedback: outcome %s: %w", logID(o.EventID), err)
	}
	h.Log.Info("crm outcome", "outcome", out, "leadId", logID(o.LeadID), "stage", logID(o.Stage), "eventId", logID(o.EventID))
	return nil
}

// logID is a value a CRM sent as an id (lead_id, event_id, stage) as a
// log may carry it: as is when it is made of letters, digits and - _ . :
// only; anything else — an address or a name put in the wrong field —
// "unknown(<first 8 hex of its SHA-256>)", so it can be correlated
// without being read.
func logID(s string) string {
	if len(s) <= 128 && idRe.MatchString(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "unknown(" + hex.EncodeToString(sum[:4]) + ")"
}

var idRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]*$`)

// ownFault says whether err is the outcome's own fault (a field, a
// refusal, an unknown lead: reported, not retried) rather than the
// store's.
func ownFault(err error) bool {
	var fe *FieldError
	return errors.As(err, &fe) || errors.Is(err, ErrOutcomeRefused) || errors.Is(err, lead.ErrNotFound)
}

// safeError is an outcome error for logs and answers: it names fields
// and stages, never an address.
func safeError(err error) string {
	if errors.Is(err, lead.ErrNotFound) {
		return "no such lead"
	}
	return err.Error()
}

// rowResult is one back-fill row that did not apply.
type rowResult struct {
	Line  int    `json:"line"`
	Field string `json:"field,omitempty"`
	Error string `json:"error"`
}

// backfill answers POST /admin/outcomes: JSON lines (one Outcome per
// line) or CSV with a header row (lead_id or email, stage, amount,
// currency, closed_at, reason, event_id). Each row applies on its own;
// a bad row changes nothing and is reported with its line number. A row
// without event_id gets one from its contents, so sending a file again
// records nothing twice.
func (h *Handler) backfill(ctx context.Context, req httpapi.Request) httpapi.Response {
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	body, err := httpapi.Body(req, MaxBackfillBytes)
	if err != nil {
		return badBackfill(log, fmt.Sprintf("the body is larger than %d bytes: split the file", MaxBackfillBytes))
	}
	rows, perr := parseRows(body)
	if perr != nil {
		return badBackfill(log, perr.Error())
	}
	if len(rows) > MaxBackfillRows {
		return badBackfill(log, fmt.Sprintf("%d rows; at most %d per request: split the file", len(rows), MaxBackfillRows))
	}
	counts := map[string]int{}
	failed := []rowResult{} // "errors": [] when every row applied, as documented
	late := 0
	// An event_id names one outcome: rows of other contents under one id
	// (a deal id mapped to event_id) would answer `already` after the
	// first, their outcomes silently not recorded.
	type firstUse struct {
		line     int
		contents string
	}
	ids := map[string]firstUse{}
	conflicts := wonAmountConflicts(rows, h.Rules.Outcomes().Currency)
	closes := leadsClosed(rows)
	for _, r := range rows {
		out := r.err
		if out == nil && conflicts[r.line] != "" {
			out = &FieldError{"amount", conflicts[r.line]}
		}
		if out == nil && r.o.EventID != "" {
			contents := rowEventID(r.o)
			if first, ok := ids[r.o.EventID]; !ok {
				ids[r.o.EventID] = firstUse{r.line, contents}
			} else if first.contents != contents {
				out = &FieldError{"event_id", fmt.Sprintf("%q is on line %d too, with another outcome: an event_id names one outcome, not a deal (give each row its own, or none)",
					r.o.EventID, first.line)}
			}
		}
		if out == nil && (late > 0 || lead.NearDeadline(ctx, BackfillMargin)) {
			// Lambda would end the request mid-row with no answer at
			// all: the rows left are named, to be sent again.
			late++
			failed = append(failed, rowResult{Line: r.line, Error: notTried})
			continue
		}
		if out == nil {
			if r.o.EventID == "" {
				r.o.EventID, r.o.ByContent = rowEventID(r.o), true
			}
			r.o.WithClose = closes[rowLead(r.o)]
			var res string
			res, out = h.ApplyCRM(ctx, r.o)
			if out == nil {
				counts[res]++
				continue
			}
			if !ownFault(out) {
				log.Error("outcomes", "status", http.StatusInternalServerError, "line", r.line, "error", out.Error())
				failed = append(failed, rowResult{Line: r.line, Error: "not recorded (internal error): send this row again"})
				continue
			}
		}
		res := rowResult{Line: r.line, Error: safeError(out)}
		var fe *FieldError
		switch {
		case errors.As(out, &fe):
			res.Field, res.Error = fe.Field, fe.Reason
		case errors.Is(out, lead.ErrNotFound) && r.o.LeadID == "":
			res.Field = "email" // the field that named the lead no one has
		case errors.Is(out, lead.ErrNotFound):
			res.Field = "lead_id"
		}
		failed = append(failed, res)
	}
	status := http.StatusOK
	if len(failed) > 0 {
		status = http.StatusUnprocessableEntity
	}
	log.Info("outcomes", "status", status, "rows", len(rows), "recorded", counts[Recorded], "corrected", counts[Corrected],
		"already", counts[Already], "failed", len(failed), "not_tried", late)
	return httpapi.JSON(status, map[string]any{"rows": len(rows), "recorded": counts[Recorded], "corrected": counts[Corrected],
		"already": counts[Already], "failed": len(failed), "errors": failed}, nil)
}

// wonAmountConflicts are the rows (by line) of a lead's win that the
// file gives several amounts: a deals export's line items, or a history
// export's amount before and after a change. Applied in file order, the
// last row's amount would overwrite the others as a correction — one
// line item's revenue, or the older amount in a file listed newest first;
// which one is the deal's the file cannot say, so each such row is an
// error naming the lines with other amounts. A lead is told apart by the
// field that names it (lead_id, or the address in any case); currency
// defaults to currency.
func wonAmountConflicts(rows []row, currency string) map[int]string {
	type won struct {
		line   int
		amount string
	}
	byLead := map[string][]won{}
	for _, r := range rows {
		if r.err != nil || r.o.Amount == nil || stageName(r.o.Stage) != "won" {
			continue
		}
		key := rowLead(r.o)
		cur := strings.ToUpper(strings.TrimSpace(r.o.Currency))
		if cur == "" {
			cur = currency
		}
		w := won{r.line, strconv.FormatFloat(*r.o.Amount, 'f', 2, 64) + " " + cur}
		byLead[key] = append(byLead[key], w)
		if id := strings.TrimSpace(r.o.DealID); id != "" {
			// A deal's contacts' rows carry its amount each: one deal,
			// one amount, whichever contact's row gives it.
			byLead["deal:"+id] = append(byLead["deal:"+id], w)
		}
	}
	out := map[int]string{}
	for _, key := range slices.Sorted(maps.Keys(byLead)) { // the same message for a row in two groups, every time
		ws := byLead[key]
		whose := "the lead's won deal"
		if id, ok := strings.CutPrefix(key, "deal:"); ok {
			whose = "the won deal " + logID(id)
		}
		for _, w := range ws {
			var others []string
			for _, o := range ws {
				if o.amount != w.amount {
					others = append(others, strconv.Itoa(o.line))
				}
			}
			if len(others) > 0 && out[w.line] == "" {
				out[w.line] = whose + " has other amounts on lines " + strings.Join(others, ", ") +
					": one row per deal, its total (a correction goes in a file of its own)"
			}
		}
	}
	return out
}

// rowLead is the lead a back-fill row names, as the field that names it
// reads: lead_id, or the address in any case.
func rowLead(o Outcome) string {
	if o.LeadID == "" {
		return "email:" + strings.ToLower(strings.TrimSpace(o.Email))
	}
	return "id:" + o.LeadID
}

// leadsClosed are the leads (rowLead) a file has a won or lost row for:
// an SQL row of such a lead is of the deal's history (a history export
// lists each stage), never a revival of a deal lost at SAL (lateSQL).
func leadsClosed(rows []row) map[string]bool {
	out := map[string]bool{}
	for _, r := range rows {
		if s := stageName(r.o.Stage); r.err == nil && (s == "won" || s == "lost") {
			out[rowLead(r.o)] = true
		}
	}
	return out
}

func badBackfill(log *slog.Logger, msg string) httpapi.Response {
	log.Warn("outcomes", "status", http.StatusBadRequest, "error", msg)
	return httpapi.JSON(http.StatusBadRequest, map[string]string{"error": msg}, nil)
}

// row is one parsed back-fill row, or why it could not be read.
type row struct {
	line int
	o    Outcome
	err  error
}

// csvColumns are the back-fill CSV's columns (any order, by header).
var csvColumns = []string{"lead_id", "email", "stage", "amount", "currency", "closed_at", "reason", "event_id", "deal_id"}

func parseRows(body []byte) ([]row, error) {
	// Excel's and Notepad's "UTF-8" starts the file with a byte-order
	// mark: before a quoted header cell it made the header unreadable,
	// before a JSON line it made the file read as CSV.
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	if bytes.HasPrefix(body, []byte{0xff, 0xfe}) || bytes.HasPrefix(body, []byte{0xfe, 0xff}) {
		return nil, errors.New(`the file is UTF-16 (Excel's "Unicode Text"): save it as "CSV UTF-8" and send it again; nothing was recorded`)
	}
	if !utf8.Valid(body) {
		// Excel's plain "CSV" on Windows is the ANSI code page: read as
		// it is, a lost deal's reason was stored and published as
		// mojibake. Refused whole, so no row is half the file's.
		bad := 0
		for i := 0; i < len(body); {
			r, n := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && n <= 1 {
				bad = i
				break
			}
			i += n
		}
		return nil, fmt.Errorf(`line %d: not UTF-8 text (a spreadsheet's ANSI or Latin-1 encoding?): save the file as "CSV UTF-8" and send it again; nothing was recorded`,
			bytes.Count(body[:bad], []byte("\n"))+1)
	}
	if !bytes.Contains(body, []byte("\n")) && bytes.Contains(bytes.TrimRight(body, "\r"), []byte("\r")) {
		// Excel's "CSV (Macintosh)" ends lines with CR alone: read as one
		// line, the header swallowed every row.
		body = bytes.ReplaceAll(body, []byte("\r"), []byte("\n"))
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("empty body: send JSON lines or CSV with a header row")
	}
	if trimmed[0] == '[' {
		return nil, errors.New("a JSON array: send JSON lines (one outcome object per line, no brackets or commas between them) or CSV with a header row; nothing was recorded")
	}
	if trimmed[0] != '{' {
		// No CSV header starts with "{": JSON lines sent as text/csv
		// (awscurl's habit) are read as what they are.
		return parseCSV(body)
	}
	if line := spanningLine(body); line > 0 {
		// Pretty-printed: read a line at a time, each line of an object
		// was a row error of its own ("" must be a date-time).
		return nil, fmt.Errorf("line %d: an outcome over several lines: send JSON lines, one outcome object on each line; nothing was recorded", line)
	}
	var rows []row
	for i, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		r := row{line: i + 1}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r.o); err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				fe = &FieldError{"json", jsonProblem(err)}
			}
			r.err = fe
		} else if rest := strings.TrimSpace(line[dec.InputOffset():]); rest != "" && rest != "," {
			// A second object on the line was dropped unread; a comma
			// after the object (a JSON array's rows) is no value.
			r.o, r.err = Outcome{}, &FieldError{"json", "more than one value on the line: one outcome object on each line"}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// spanningLine is the line where a JSON value of body that spans several
// lines starts, when body is a stream of JSON values (0: none spans
// lines, or body is not such a stream: its lines are read one by one).
func spanningLine(body []byte) int {
	dec := json.NewDecoder(bytes.NewReader(body))
	end := int64(0)
	for {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return 0 // the end (io.EOF), or not a stream of JSON values
		}
		start := end + int64(len(body[end:dec.InputOffset()])-len(bytes.TrimLeft(body[end:dec.InputOffset()], " \t\r\n")))
		end = dec.InputOffset()
		if bytes.ContainsRune(body[start:end], '\n') {
			return bytes.Count(body[:start], []byte("\n")) + 1
		}
	}
}

// separator is the column separator of a CSV file, read from its
// header line: a comma, or the semicolon Excel writes where the comma is
// the decimal separator, or the tab of its "Text (Tab delimited)" —
// whichever the header has most of.
func separator(body []byte) rune {
	header, _, _ := bytes.Cut(body, []byte("\n"))
	sep, most := ',', bytes.Count(header, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if n := bytes.Count(header, []byte(string(c))); n > most {
			sep, most = c, n
		}
	}
	return sep
}

// csvProblem says what a CSV parse error means in a file's terms: a
// quote left open swallows every line after it into one value, so it
// names them (none was applied); a quote inside an unquoted value says
// how to write one.
func csvProblem(pe *csv.ParseError, atEnd bool, lines int) string {
	switch {
	case errors.Is(pe.Err, csv.ErrQuote) && atEnd && pe.Line > pe.StartLine:
		return fmt.Sprintf(`a quote opened on line %d is not closed: lines %d to %d were read as one row and none of them was applied; close the quote (a quote inside a value is written twice: "")`,
			pe.StartLine, pe.StartLine, min(pe.Line, lines))
	case errors.Is(pe.Err, csv.ErrQuote):
		return `a quote out of place: a quoted value ends at its closing quote (a quote inside one is written twice: "")`
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return `a quote inside a value that does not start with one: quote the whole value and write the quote twice ("said ""no""")`
	}
	return pe.Err.Error()
}

func parseCSV(body []byte) ([]row, error) {
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = -1
	cr.Comma = separator(body)
	lines := bytes.Count(bytes.TrimRight(body, "\r\n"), []byte("\n")) + 1
	readAmount := parseAmount
	if cr.Comma == ';' {
		readAmount = parseDecimalCommaAmount
	}
	header, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line 1: the CSV header could not be read: %s", csvProblem(pe, cr.InputOffset() >= int64(len(body)), lines))
		}
		return nil, fmt.Errorf("line 1: the CSV header could not be read: %v", err)
	}
	col := map[string]int{}
	for i, name := range header {
		name = columnName(name)
		if name == "" {
			// A spreadsheet writes a column it once formatted as an empty
			// header cell: no column, and a value under it the row's error.
			continue
		}
		if !slices.Contains(csvColumns, name) {
			return nil, fmt.Errorf("line 1: unknown column %q (columns: %s)", name, strings.Join(csvColumns, ", "))
		}
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("line 1: column %q appears twice", name)
		}
		col[name] = i
	}
	if _, ok := col["stage"]; !ok {
		return nil, errors.New("line 1: the header has no stage column")
	}
	_, hasID := col["lead_id"]
	_, hasEmail := col["email"]
	if !hasID && !hasEmail {
		return nil, errors.New("line 1: the header needs a lead_id or an email column")
	}
	var rows []row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rows = append(rows, row{line: pe.StartLine, err: &FieldError{"csv", csvProblem(pe, cr.InputOffset() >= int64(len(body)), lines)}})
				continue
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			// An empty line, or a row a spreadsheet wrote as commas
			// alone: no row.
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		r := row{line: line}
		if len(rec) > len(header) && strings.TrimSpace(strings.Join(rec[len(header):], "")) != "" {
			// A value with no column (an amount under a header without
			// one, a comma too many) would be dropped silently; empty
			// trailing cells, as spreadsheets write them, are no value.
			rows = append(rows, row{line: line, err: &FieldError{"csv", fmt.Sprintf("%d values, the header has %d columns", len(rec), len(header))}})
			continue
		}
		if i := unnamedValue(header, rec); i >= 0 {
			rows = append(rows, row{line: line, err: &FieldError{"csv", fmt.Sprintf("a value in column %d, which the header does not name", i+1)}})
			continue
		}
		r.o = Outcome{LeadID: get("lead_id"), Email: get("email"), Stage: get("stage"), Currency: get("currency"),
			Reason: get("reason"), EventID: get("event_id"), DealID: get("deal_id")}
		if s := get("amount"); s != "" {
			f, err := readAmount(s)
			if err != nil {
				r.err = &FieldError{"amount", fmt.Sprintf("%q is %s", s, amountProblem(s, err))}
			}
			r.o.Amount = &f
		}
		if s := get("closed_at"); s != "" && r.err == nil {
			t, err := parseDate(s)
			if err != nil {
				r.err = &FieldError{"closed_at", fmt.Sprintf("%q is not a date (%s)", s, dateForms)}
			}
			r.o.ClosedAt = t
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// columnName is a header cell's column as a CRM's export names it: any
// case, words apart by spaces or hyphens ("Lead ID", "Event-ID"), and the
// names Salesforce and HubSpot give two of them ("Close Date", "Deal
// Stage").
func columnName(cell string) string {
	name := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(cell)))
	if alias, ok := columnAliases[name]; ok {
		return alias
	}
	return name
}

var columnAliases = map[string]string{"close_date": "closed_at", "deal_stage": "stage", "opportunity_id": "deal_id"}

// unnamedValue is the index of the first cell of rec holding a value
// under an empty header cell, or -1.
func unnamedValue(header, rec []string) int {
	for i, name := range header {
		if strings.TrimSpace(name) == "" && i < len(rec) && strings.TrimSpace(rec[i]) != "" {
			return i
		}
	}
	return -1
}

// UnmarshalJSON reads an outcome as a CRM sends it (an event's detail, a
// JSON-lines row): closed_at as RFC 3339 or as a day, YYYY-MM-DD, as the
// CSV back-fill and the rep's page take it; amount as a number or as the
// text many CRMs send ("12500", "12,500.50"), read as the CSV reads it.
// Unknown fields are refused; a closed_at or amount that is neither is a
// *FieldError.
func (o *Outcome) UnmarshalJSON(b []byte) error {
	type fields Outcome // without this method
	in := struct {
		*fields
		ClosedAt *string         `json:"closed_at,omitempty"`
		Amount   json.RawMessage `json:"amount,omitempty"`
	}{fields: (*fields)(o)}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			te.Field = strings.TrimPrefix(te.Field, "fields.") // the outcome's own field name
		}
		return err
	}
	if in.ClosedAt != nil && *in.ClosedAt != "" {
		t, err := parseDate(*in.ClosedAt)
		if err != nil {
			return &FieldError{"closed_at", "not a date (" + dateForms + ")"}
		}
		o.ClosedAt = t
	}
	amount, err := jsonAmount(in.Amount)
	if err != nil {
		return err
	}
	o.Amount = amount
	return nil
}

// jsonAmount is an outcome's amount as JSON gives it: a number, or text
// read as the CSV back-fill reads it; nil when absent, null or "".
func jsonAmount(raw json.RawMessage) (*float64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return &f, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, &FieldError{"amount", "must be a number (or text such as \"12500.50\")"}
	}
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	f, err := parseAmount(s)
	if err != nil {
		// Not quoted: an event's problem is logged, and a log carries no
		// value a sender wrote.
		return nil, &FieldError{"amount", amountProblem(s, err)}
	}
	return &f, nil
}

// parseDate reads a close date: RFC 3339, a day (YYYY-MM-DD), or the
// date-time without a zone HubSpot's and Salesforce's exports write
// (YYYY-MM-DD HH:MM[:SS], or with a T), read as written, in UTC: the
// day the CRM shows. A date in a local order (03/10/2031) is refused:
// March or October cannot be told.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Parse("2006-01-02", s)
}

// dateForms names the close dates parseDate reads, for a refusal.
const dateForms = "YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] in UTC, or RFC 3339"

// rowEventID names a row by its contents.
func rowEventID(o Outcome) string {
	amount := ""
	if o.Amount != nil {
		amount = strconv.FormatFloat(*o.Amount, 'f', 2, 64)
	}
	closed := ""
	if !o.ClosedAt.IsZero() {
		closed = o.ClosedAt.UTC().Format(time.RFC3339)
	}
	fields := []string{o.LeadID, strings.ToLower(strings.TrimSpace(o.Email)),
		strings.ToLower(o.Stage), amount, strings.ToUpper(o.Currency), closed, o.Reason}
	if o.DealID != "" {
		// Only then: a file sent before deal_id existed names its rows
		// as it did.
		fields = append(fields, o.DealID)
	}
	sum := sha256.Sum256([]byte(strings.Join(fields, "\x1f")))
	return "row-" + hex.EncodeToString(sum[:12])
}

// jsonProblem says what is wrong with a JSON outcome without quoting it.
func jsonProblem(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Error()
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		return "not a JSON object" // a string, a number, an array where the outcome goes
	}
	if errors.As(err, &te) {
		what := "a " + te.Type.String()
		switch te.Type.Kind() {
		case reflect.Float64, reflect.Pointer:
			what = "a number"
		case reflect.String:
			what = "a string"
		case reflect.Struct:
			what = "a date-time (RFC 3339)"
		}
		return fmt.Sprintf("%s must be %s", te.Field, what)
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return "unknown field " + strings.TrimPrefix(msg, "json: unknown field ")
	}
	return "not a JSON object"
}
