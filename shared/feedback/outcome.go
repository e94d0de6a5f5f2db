package feedback

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

// Outcome is a sales outcome after acceptance, from a rep's signed link
// or from a CRM (an EventBridge event, or a back-fill row). The same
// rules apply to both: SQL follows acceptance, won and lost follow
// acceptance or SQL, within the configured horizon.
type Outcome struct {
	LeadID string `json:"lead_id,omitempty"`
	Email  string `json:"email,omitempty"` // instead of lead_id
	Stage  string `json:"stage"`           // sql, won or lost
	// Amount and Currency are the deal's value (won only); Currency
	// defaults to the configured one.
	Amount   *float64 `json:"amount,omitempty"`
	Currency string   `json:"currency,omitempty"`
	// ClosedAt is when the deal closed (won or lost; default: when
	// recorded). It may not lie in the future.
	ClosedAt time.Time `json:"closed_at,omitempty"`
	Reason   string    `json:"reason,omitempty"` // why it was lost, free text
	// EventID makes the outcome idempotent: one id is applied once.
	EventID string `json:"event_id,omitempty"`
	// DealID is the CRM's deal (opportunity) the lead is a contact of:
	// a deal with several contacts that are leads is counted once, on
	// the contact whose close was recorded first (ClaimDeal).
	DealID string `json:"deal_id,omitempty"`

	// CountedOn is the lead DealID counts on when another lead holds it
	// (Store.DealHolder): this lead's close then counts no win, loss or
	// amount. Empty: the lead claims the deal.
	CountedOn string `json:"-"`

	// SentAt is when the CRM sent the outcome (its EventBridge event's
	// time; zero: when it arrives), and WithClose that it came in a
	// back-fill whose rows close the lead's deal too: both tell an SQL
	// that revives a deal lost at SAL from the deal's own SQL delivered
	// after its loss (revives).
	SentAt    time.Time `json:"-"`
	WithClose bool      `json:"-"`

	Source string `json:"-"` // "rep" or "crm"
	Rep    string `json:"-"` // the rep whose link it was
	// ByContent: EventID was made from the outcome's contents (a
	// back-fill row without event_id), not given by the sender.
	ByContent bool `json:"-"`
}

// MaxAmount bounds a deal amount (a typo guard, not a business rule).
const MaxAmount = 1e12

// crmClosed are the closed stages as CRMs name them (Salesforce's
// "Closed Won", HubSpot's "closedwon"), without spaces, hyphens and
// underscores.
var crmClosed = map[string]string{"closedwon": "won", "closedlost": "lost"}

// stageName is an outcome's stage as sent, in lower case, a CRM's name
// of a closed stage read as won or lost.
func stageName(stage string) string {
	stage = strings.ToLower(strings.TrimSpace(stage))
	if s := strings.NewReplacer(" ", "", "-", "", "_", "").Replace(stage); crmClosed[s] != "" {
		return crmClosed[s]
	}
	return stage
}

// Outcome stages.
var outcomeStages = map[string]lead.Stage{"sql": lead.StageSQL, "won": lead.StageWon, "lost": lead.StageLost}

// parseAmount reads a deal amount as people write it: 12500, 12,500.50.
// A comma is a thousands separator only between groups of three digits:
// a decimal comma (1,5 or 1.234,56) is refused, not read as 15 or 1234.56
// off by a factor.
func parseAmount(s string) (float64, error) {
	s = withoutGroupSpaces(s)
	if ambiguousDot.MatchString(s) {
		return 0, errAmbiguous
	}
	if strings.Contains(s, ",") && !thousands.MatchString(s) {
		return 0, errDecimalComma
	}
	return plainNumber(strings.ReplaceAll(s, ",", ""))
}

// plainNumber reads digits with at most one decimal dot (and a sign, for
// the range check to name): not the exponent, hex, underscores, Inf or
// NaN strconv.ParseFloat would also take.
func plainNumber(s string) (float64, error) {
	if !plain.MatchString(s) {
		if strings.ContainsAny(s, "eE") && !strings.ContainsAny(s, "xXnN") {
			return 0, errScientific
		}
		return 0, errNotANumber
	}
	return strconv.ParseFloat(s, 64)
}

var (
	plain = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)
	// A spreadsheet shows a long number as 1.25E+05: a rounded display
	// (of 125,437, say), not the amount.
	errScientific = errors.New("write the amount in full (125437), not as a spreadsheet shows it rounded (1.25E+05)")
	errNotANumber = errors.New("not a number")
)

// errDecimalComma is parseAmount's answer to a comma used otherwise.
var errDecimalComma = errors.New("a comma separates thousands only (12,500.50)")

// thousands is an amount with commas between groups of three digits.
var thousands = regexp.MustCompile(`^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$`)

// parseDecimalCommaAmount reads an amount of a file separated by
// semicolons, which is what Excel writes where the comma is the decimal
// separator: 12500,50 or 1.234,56. It mirrors parseAmount: a dot
// separates thousands only between groups of three digits, and a dot
// used otherwise (12.50) is refused, not read 100 times off.
func parseDecimalCommaAmount(s string) (float64, error) {
	s = withoutGroupSpaces(s)
	if ambiguousComma.MatchString(s) {
		return 0, errAmbiguous
	}
	if strings.Contains(s, ".") && !thousandsDot.MatchString(s) || strings.Count(s, ",") > 1 {
		return 0, errDecimalDot
	}
	return plainNumber(strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", "."))
}

// withoutGroupSpaces is s without the spaces (a no-break or narrow one
// too, as French and Nordic spreadsheets write them) that separate its
// thousands, between groups of three digits: 12 500,50. Spaces used
// otherwise are left, and the amount is no number.
func withoutGroupSpaces(s string) string {
	if !spaceGroups.MatchString(s) {
		return s
	}
	return strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(s)
}

// spaceGroups is an amount with spaces between groups of three digits.
var spaceGroups = regexp.MustCompile(`^[0-9]{1,3}([ \x{00a0}\x{202f}][0-9]{3})+([.,][0-9]+)?$`)

// An amount whose one decimal separator (the file's: a dot, or a comma
// in a file separated by semicolons) stands before exactly three digits
// reads as three decimals, which no deal amount has, or as thousands in
// the other convention: a German 12.500 is 12,500. Read as 12.5, it was
// 1,000 times too small, so it is refused. The file's thousands
// separator before three digits (12,500; 12.500 in a semicolon file)
// is thousands.
var (
	ambiguousDot   = regexp.MustCompile(`^[0-9]{1,3}\.[0-9]{3}$`)
	ambiguousComma = regexp.MustCompile(`^[0-9]{1,3},[0-9]{3}$`)
	errAmbiguous   = errors.New("a separator before three digits reads as thousands in some countries and as decimals in others: write 12500, or the decimals to two places (12.50)")
)

// errDecimalDot is parseDecimalCommaAmount's answer to a dot used
// otherwise than between thousands.
var errDecimalDot = errors.New("in a file separated by semicolons a comma separates decimals and a dot thousands only (12.500,50)")

// thousandsDot is an amount with dots between groups of three digits.
var thousandsDot = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?$`)

// currencyCode is an amount written with an ISO code: USD 12,000, 12000 EUR.
var currencyCode = regexp.MustCompile(`^[A-Za-z]{3}\s*[0-9.,]+$|^[0-9.,]+\s*[A-Za-z]{3}$`)

// amountProblem is why s, an amount that did not parse (err), is not
// one, as a row's error says it: a currency sign or code is named as
// such (not as a misplaced comma), a separator rule is quoted.
func amountProblem(s string, err error) string {
	reason := "not a number"
	switch {
	case strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Sc, r) }) >= 0 || currencyCode.MatchString(s):
		reason += ": write the amount without a currency sign or code, and the currency in the currency column"
	case errors.Is(err, errDecimalComma), errors.Is(err, errDecimalDot), errors.Is(err, errAmbiguous), errors.Is(err, errScientific):
		reason += ": " + err.Error()
	}
	return reason
}

// twoDecimals reports whether f, as written (its shortest decimal form),
// has at most two decimals. amount×100 compared with its whole number
// cannot tell: from about 1e8 on, float error alone moves it by more than
// any fixed tolerance, and a deal of 150000000.55 (yen, won, rupiah …)
// was refused.
func twoDecimals(f float64) bool {
	_, frac, _ := strings.Cut(strconv.FormatFloat(f, 'f', -1, 64), ".")
	return len(frac) <= 2
}

// FieldError is an outcome field that cannot be used, and why.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks an outcome as it arrives (before any lead is read),
// normalising stage and currency case; the error is a *FieldError.
func (o *Outcome) Validate(now time.Time) error {
	o.Stage = stageName(o.Stage)
	o.Currency = strings.ToUpper(strings.TrimSpace(o.Currency))
	o.Reason = strings.TrimSpace(o.Reason)
	if o.Amount != nil && *o.Amount == 0 {
		zero := 0.0 // not -0 ("-0.00" from a CRM), which prints as "-0"
		o.Amount = &zero
	}
	switch {
	case o.LeadID == "" && strings.TrimSpace(o.Email) == "":
		return &FieldError{"lead_id", "give lead_id or email"}
	case len(o.LeadID) > 128:
		// Not a lead id (they have 26 characters); DynamoDB refuses such a
		// key, which would read as a storage failure, retried for ever.
		return &FieldError{"lead_id", "longer than 128 characters: not a lead id"}
	case outcomeStages[o.Stage] == "":
		return &FieldError{"stage", fmt.Sprintf("%q is not sql, won or lost (or a CRM's Closed Won / Closed Lost)", o.Stage)}
	case o.Amount != nil && o.Stage != "won":
		return &FieldError{"amount", "only a won deal has an amount"}
	case o.Amount != nil && (math.IsNaN(*o.Amount) || *o.Amount < 0 || *o.Amount > MaxAmount):
		return &FieldError{"amount", fmt.Sprintf("must be between 0 and %.0f", float64(MaxAmount))}
	case o.Amount != nil && !twoDecimals(*o.Amount):
		return &FieldError{"amount", "at most two decimals"}
	case o.Currency != "" && !qualify.IsCurrency(o.Currency):
		return &FieldError{"currency", fmt.Sprintf("%q is not a three-letter ISO 4217 code like EUR", o.Currency)}
	case o.Currency != "" && o.Amount == nil:
		return &FieldError{"currency", "given without an amount"}
	case !o.ClosedAt.IsZero() && o.ClosedAt.After(now.Add(24*time.Hour)):
		return &FieldError{"closed_at", "lies in the future"}
	case !o.ClosedAt.IsZero() && o.Stage == "sql":
		return &FieldError{"closed_at", "an SQL is not closed (closed_at is for won and lost)"}
	case len([]rune(o.Reason)) > MaxComment:
		return &FieldError{"reason", fmt.Sprintf("longer than %d characters", MaxComment)}
	case len(o.EventID) > 128:
		return &FieldError{"event_id", "longer than 128 characters"}
	}
	return nil
}

// CheckClosed refuses a close date before the lead was captured: no deal
// closes before its lead exists (a typo, a CRM's date of another deal),
// and the lead → won figures would count it as closed at once. The day
// before the capture's (UTC) day is allowed: a close date is a day, in
// the rep's or the CRM's time zone. The error is a *FieldError.
//
// A lead that came back after it had left (lead.Returned) has a new deal:
// one closed before it came back (the same day's tolerance) is its
// earlier deal's — a CRM re-sending the lost one under a new event id, a
// back-fill run again — and must not close the new one.
func (o *Outcome) CheckClosed(l *lead.Lead) error {
	// before reports whether the close date lies before t's (UTC) day,
	// with a day's tolerance.
	before := func(t time.Time) bool {
		return !o.ClosedAt.IsZero() && !t.IsZero() && o.ClosedAt.Before(t.UTC().Truncate(24*time.Hour).Add(-24*time.Hour))
	}
	if r := l.Returned; r != nil && before(r.At) {
		return &FieldError{"closed_at", "lies before the lead came back to sales (" + r.At.UTC().Format("2006-01-02") + "): that was its earlier deal"}
	}
	if before(l.CreatedAt) {
		return &FieldError{"closed_at", "lies before the lead was captured (" + l.CreatedAt.UTC().Format("2006-01-02") + ")"}
	}
	return nil
}

// ErrOutcomeRefused: the lead is not in a stage the outcome may follow,
// or the horizon passed. Nothing was written.
var ErrOutcomeRefused = errors.New("outcome refused")

// Results of applying an outcome.
const (
	Recorded   = "recorded"
	Already    = "already"    // the same outcome (or event id) was recorded before
	Superseded = "superseded" // the lead moved on: not in a stage this outcome follows
)

// openStages are the stages of a lead with sales whose deal is not
// closed: waiting for its answer, accepted, an SQL.
var openStages = []lead.Stage{lead.StageMQL, lead.StageSAL, lead.StageSQL}

// stagesBefore are the stages an outcome stage follows: SQL follows an
// accepted lead, won and lost an accepted lead or an SQL.
func stagesBefore(target lead.Stage) []lead.Stage {
	if target == lead.StageSQL {
		return []lead.Stage{lead.StageSAL}
	}
	return []lead.Stage{lead.StageSAL, lead.StageSQL}
}

// ApplyOutcome records o on l (validated), with the events and counters
// to write: Recorded, or Corrected for a won lead's new amount
// (correctAmount). It returns Already for an event id applied before or the
// stage the lead is in, and an ErrOutcomeRefused error saying why when
// the lead's stage does not allow it or the horizon passed.
func ApplyOutcome(l *lead.Lead, o Outcome, rules qualify.Outcomes, newID func(time.Time) string, now time.Time) (string, lead.Change, error) {
	ch := lead.Change{At: now}
	target := outcomeStages[o.Stage]
	if l.Erased {
		// The outcome still counts (the funnel stays true), but what was
		// written about the person — why the deal was lost — is not
		// stored on a lead whose personal data was erased.
		o.Reason = ""
	}
	if o.EventID != "" && l.Deal != nil && slices.Contains(l.Deal.Applied, o.EventID) {
		if o.ByContent && l.Returned != nil && l.Stage != target && slices.Contains(openStages, l.Stage) {
			// Applied, yet the deal is not at its stage: it was applied
			// to the deal the lead had before it came back (a lead's
			// stage only moves on within a deal). A row named by its
			// contents cannot say whether it is that deal's, sent again,
			// or the new deal's ("L1,sql" reads the same for both):
			// "already" hid the new deal's outcome; say so instead.
			return Superseded, ch, &FieldError{"event_id", "a row with these contents was recorded for the lead's earlier deal, before it came back on " +
				l.Returned.At.UTC().Format("2006-01-02") + ": give the row an event_id to record it for its current deal"}
		}
		return Already, ch, nil
	}
	if o.DealID == "" && l.Deal != nil && l.Deal.ID != "" && target != lead.StageSQL {
		// A rep's link names no deal: the lead's deal is the one the CRM
		// named, counted where it was.
		o.DealID, o.CountedOn = l.Deal.ID, l.Deal.CountedOn
	}
	if Reverses(l.Stage, target) {
		return reverse(l, o, rules, newID, now)
	}
	if l.Stage == target && target != lead.StageSQL && o.DealID != "" && l.Deal != nil && l.Deal.ID == "" && !coContact(l, o) {
		// Closed before the CRM named its deal (a rep's link, an outcome
		// without deal_id): this lead counts it, so the deal's other
		// contacts count none of it. The deal's amount, if it differs,
		// is a correction as below.
		l.Deal.ID = o.DealID
		ch.DealClaim = &lead.DealClaim{DealID: o.DealID, LeadID: l.ID}
	}
	if l.Stage == target && target == lead.StageWon && l.Deal != nil && l.Deal.CountedOn != "" {
		// The deal counts on another contact: its amount is that one's
		// (applyCRM corrects it there).
		return Already, ch, nil
	}
	if l.Stage == target && target == lead.StageWon && o.Amount != nil && l.Deal != nil &&
		(*o.Amount != l.Deal.Amount || o.currencyOr(rules) != l.Deal.Currency) {
		// A deal won without an amount has no currency: its first amount
		// is a correction too.
		out, och, err := correctAmount(l, o, rules, newID, now)
		och.DealClaim = ch.DealClaim
		return out, och, err
	}
	if l.Stage == target && target == lead.StageWon && o.Amount != nil && l.Deal != nil && l.Deal.Currency != "" && o.SentAt.After(l.Deal.AmountSentAt) {
		// The amount in place, sent again later (a correction back to
		// it): an amount sent between the two and delivered late is
		// older than this one. Already; the caller writes the time
		// (AmountSent tells it changed).
		l.Deal.AmountSentAt = o.SentAt
	}
	if l.Stage == target || target == lead.StageSQL && countedSQL(l) {
		return Already, ch, nil
	}
	if target == lead.StageSQL && l.Stage == lead.StageLost && l.Deal != nil && l.Deal.Counted != nil && l.Deal.Counted.From == lead.StageSAL {
		return lateSQL(l, o, rules, newID, now)
	}
	allowed := stagesBefore(target)
	if !slices.Contains(allowed, l.Stage) {
		return Superseded, ch, fmt.Errorf("%w: the lead is %s; %s follows %s", ErrOutcomeRefused, l.Stage, o.Stage, stageList(allowed))
	}
	if err := o.CheckCurrency(rules); err != nil {
		return Superseded, ch, err
	}
	accepted := l.AcceptedAt()
	if !accepted.IsZero() && now.After(accepted.Add(rules.Horizon)) {
		return Superseded, ch, fmt.Errorf("%w: accepted %s, more than %s ago (the outcome horizon)", ErrOutcomeRefused,
			accepted.UTC().Format("2006-01-02"), days(rules.Horizon))
	}
	if err := o.CheckClosed(l); err != nil {
		return Superseded, ch, err
	}
	if l.Deal == nil {
		l.Deal = &lead.Deal{AcceptedAt: accepted, Name: l.Name, Company: l.Company}
	}
	d := l.Deal
	from := l.Stage
	l.Stage = target
	d.Source = o.Source
	data := applied(d, o)
	shared := false // counted on another contact of the deal
	if target != lead.StageSQL {
		d.ClosedAt, d.ClosedRecordedAt = o.ClosedAt, now
		if d.ClosedAt.IsZero() {
			d.ClosedAt = now
		}
		data["closed_at"] = d.ClosedAt.UTC().Format(time.RFC3339)
		if o.DealID != "" {
			d.ID, d.CountedOn = o.DealID, ""
			data["deal_id"] = o.DealID
			if shared = coContact(l, o); shared {
				d.CountedOn = o.CountedOn
				data["counted_on"] = o.CountedOn
				// Written only while the deal's claim still names that
				// lead: a merge that moved it since it was read makes the
				// write read it again, so the contact, its event and the
				// lead.won (or lead.lost) a CRM sync reads never name a
				// lead whose count was taken out.
				ch.DealClaim = &lead.DealClaim{DealID: o.DealID, LeadID: o.CountedOn}
			} else {
				ch.DealClaim = &lead.DealClaim{DealID: o.DealID, LeadID: l.ID}
			}
		}
	}
	campaign, owner := l.Campaign(), l.DealOwner()
	count := func(name string, by int64) {
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: name, By: by})
	}
	// The per-rep view: the deal is its owner's (who accepted the lead),
	// whoever records the outcome (the rep's link, the CRM).
	repCount := func(name string, by int64) { ch.Counters = append(ch.Counters, lead.RepCounter(owner, name, by)...) }
	if shared {
		// Another contact of the deal counts its win or loss, amount and
		// days: this one only closes its own SQL, so that open SQLs
		// (sql − sql_closed) do not keep it open for ever.
		if from == lead.StageSQL {
			count(CounterSQLClosed, 0)
		}
		d.Counted = &lead.Counted{From: from}
		d.Counted.Add(lead.Month(now), ch.Counters)
		if target == lead.StageLost && o.Reason != "" {
			d.LostReason, data["reason"] = o.Reason, o.Reason
		}
		ch.Events = append(ch.Events, lead.Event{At: now, Kind: o.Stage, ID: newID(now), Data: data})
		return Recorded, ch, nil
	}
	count(o.Stage, 0)
	repCount(o.Stage, 0)
	if ImpliesSQL(from, target) {
		// Won straight from SAL: the deal was a qualified opportunity all
		// the same, so it counts as an SQL too, in this write, for the
		// campaign (and so its variant) and the rep — otherwise SQL → won
		// could pass 100% and the planner refuse the campaign for a
		// skipped stage. The won event says so (lead.DataSQLImplied): the
		// timeline reads it and what recounts SQLs from events counts it
		// as one.
		count(string(lead.StageSQL), 0)
		repCount(string(lead.StageSQL), 0)
		data[lead.DataSQLImplied] = true
	}
	if target != lead.StageSQL && (from == lead.StageSQL || ImpliesSQL(from, target)) {
		count(CounterSQLClosed, 0) // an open SQL no more: open SQLs = sql − sql_closed
	}
	switch target {
	case lead.StageWon:
		if o.Amount != nil {
			d.Amount, d.Currency = *o.Amount, o.Currency
			if d.Currency == "" {
				d.Currency = rules.Currency
			}
			data["amount"], data["currency"] = d.Amount, d.Currency
			// Revenue is counted once, with the won stage, in the
			// reporting currency's minor units (CheckCurrency made sure
			// it converts).
			minor, _ := rules.Convert(d.Amount, d.Currency)
			d.RevenueMinor, d.AmountSentAt = minor, o.SentAt
			count(CounterWonValued, 0)
			repCount(CounterWonValued, 0)
			if minor != 0 {
				count(CounterRevenue, minor)
				repCount(CounterRevenue, minor)
			}
		}
		if !l.CreatedAt.IsZero() {
			// A close date is often a day (the rep's page, a CRM's
			// YYYY-MM-DD): its midnight lies before a lead captured that
			// morning. Such a deal closed within a day; leaving it out
			// would make the histogram hold fewer deals than were won.
			count(DaysToWonBucket(max(d.ClosedAt.Sub(l.CreatedAt), 0)), 0)
		}
	case lead.StageLost:
		d.LostReason = o.Reason
		if o.Reason != "" {
			data["reason"] = o.Reason
		}
	}
	if target != lead.StageSQL {
		// What this close counted, and where: reversing it takes exactly
		// that back out (reverse).
		d.Counted = &lead.Counted{From: from}
		d.Counted.Add(lead.Month(now), ch.Counters)
	}
	ch.Events = append(ch.Events, lead.Event{At: now, Kind: o.Stage, ID: newID(now), Data: data})
	return Recorded, ch, nil
}

// lateSQL records an SQL for a deal lost at SAL, within the outcome
// horizon. A CRM sends one in two cases, told apart by when it was sent:
//
//   - A revival (revives): sales reopened the lead it had lost early and
//     qualified it. The loss is taken out of the month it counted in (as
//     a reversal takes a close out), the deal is open again at SQL — its
//     rep's, on the weekly list — and counts its SQL now; its win or loss
//     then counts as any SQL's.
//   - The deal's own SQL, from before its loss, delivered after it
//     (EventBridge does not keep order; a history export lists the newest
//     stage first): the deal was lost after it became an opportunity, so
//     it counts its SQL, the loss now closes it (sql_closed), and the deal
//     stays lost, as closed from SQL (Counted.From), so that reversing it
//     to won counts no second SQL.
//
// Either way each stage counts once: SAL ≥ SQL ≥ won, open SQLs ≥ 0.
func lateSQL(l *lead.Lead, o Outcome, rules qualify.Outcomes, newID func(time.Time) string, now time.Time) (string, lead.Change, error) {
	ch := lead.Change{At: now}
	d := l.Deal
	if accepted := l.AcceptedAt(); !accepted.IsZero() && now.After(accepted.Add(rules.Horizon)) {
		return Superseded, ch, fmt.Errorf("%w: accepted %s, more than %s ago (the outcome horizon): the lost deal can no longer change",
			ErrOutcomeRefused, accepted.UTC().Format("2006-01-02"), days(rules.Horizon))
	}
	campaign, owner := l.Campaign(), l.DealOwner()
	sql := []lead.Counter{{Campaign: campaign, Name: string(lead.StageSQL)}}
	sql = append(sql, lead.RepCounter(owner, string(lead.StageSQL), 0)...)
	data := applied(d, o)
	if revives(d, o, now) {
		ch.Counters = append(d.Counted.Undo(), sql...)
		l.Stage = lead.StageSQL
		d.ClosedAt, d.ClosedRecordedAt, d.LostReason, d.Counted, d.Owed = time.Time{}, time.Time{}, "", nil, nil
		d.Source = o.Source
		data[lead.DataCorrects] = string(lead.StageLost)
	} else {
		closed := lead.Counter{Campaign: campaign, Name: CounterSQLClosed}
		ch.Counters = append(sql, closed)
		d.Counted.From = lead.StageSQL
		d.Counted.Add(lead.Month(now), []lead.Counter{closed}) // a reversal to won takes it back
		data["before_close"] = true
	}
	ch.Events = append(ch.Events, lead.Event{At: now, Kind: o.Stage, ID: newID(now), Data: data})
	return Recorded, ch, nil
}

// revives reports whether an SQL for deal d, lost at SAL, reopens it: the
// CRM sent it (its event's time; a back-fill's row: now) after the loss
// was recorded here and on a later day than the loss's close, and no row
// of the same back-fill closes the deal (a history export: its SQL is the
// deal's before the loss). An SQL sent the day the deal was lost is
// taken as the deal's own, not a revival: the loss stands, from SQL, and
// a later win reverses it as any.
func revives(d *lead.Deal, o Outcome, now time.Time) bool {
	sent := o.SentAt
	if sent.IsZero() {
		sent = now
	}
	return !o.WithClose && sent.After(d.ClosedRecordedAt) && dayOf(sent).After(dayOf(d.ClosedAt))
}

// AmountSent is when the amount in place on l's deal was sent
// (Deal.AmountSentAt): a caller whose outcome answered Already writes the
// lead when ApplyOutcome moved it on (the amount sent again, later).
func AmountSent(l *lead.Lead) time.Time {
	if l.Deal == nil {
		return time.Time{}
	}
	return l.Deal.AmountSentAt
}

// coContact reports whether o closes l as a contact of a CRM deal that
// another lead counts (Outcome.CountedOn).
func coContact(l *lead.Lead, o Outcome) bool {
	return o.DealID != "" && o.CountedOn != "" && o.CountedOn != l.ID
}

// countedSQL reports whether a closed deal counted its SQL: won (from
// SQL, or from SAL, which implies one) or lost from SQL. An SQL arriving
// for it afterwards — EventBridge does not keep order, a CRM's history
// export lists the newest stage first — is that SQL again, not a refusal.
func countedSQL(l *lead.Lead) bool {
	return l.Stage == lead.StageWon ||
		l.Stage == lead.StageLost && l.Deal != nil && l.Deal.Counted != nil && l.Deal.Counted.From == lead.StageSQL
}

// Reverses reports whether an outcome of stage target for a lead at
// stage is a reversal of its deal's outcome: lost for a won deal (a
// mis-click, a deal cancelled or refunded), won for a lost one.
func Reverses(stage, target lead.Stage) bool {
	return stage == lead.StageWon && target == lead.StageLost || stage == lead.StageLost && target == lead.StageWon
}

// reverse records a won outcome for a lost deal, or a lost one for a won
// deal, within the outcome horizon: the earlier outcome's counters (the
// win, its SQL if it implied one, its amount with every correction of it,
// its days-to-win bucket — or the loss) are taken out of the months they
// were counted in (Deal.Counted), so no month keeps a deal that was not,
// and no counter goes below what it was before; the new outcome is then
// recorded as it would have been from the stage the deal closed from, and
// counts in the month it is recorded, like any outcome. Its event says
// what it corrects; the earlier one stays on the timeline. It answers
// Corrected. A deal closed before Deal.Counted was kept cannot be
// reversed (refused).
//
// A CRM's outcome whose close date lies on a day before the close the
// CRM itself recorded is older than it — EventBridge does not keep order,
// and a win delivered after the loss that cancelled it must not win the
// deal again — and is refused. A rep's page is now: it is never stale,
// and a CRM correcting a rep's outcome (the deal signed on an earlier
// day than the rep's mis-click) is not either.
func reverse(l *lead.Lead, o Outcome, rules qualify.Outcomes, newID func(time.Time) string, now time.Time) (string, lead.Change, error) {
	ch := lead.Change{At: now}
	d, was := l.Deal, l.Stage
	if d == nil || d.Counted == nil {
		return Superseded, ch, fmt.Errorf("%w: the deal was recorded %s before outcomes could be reversed, so what it counted is not known; %s follows sal or sql",
			ErrOutcomeRefused, was, o.Stage)
	}
	if accepted := l.AcceptedAt(); !accepted.IsZero() && now.After(accepted.Add(rules.Horizon)) {
		return Superseded, ch, fmt.Errorf("%w: accepted %s, more than %s ago (the outcome horizon): the deal's outcome can no longer change",
			ErrOutcomeRefused, accepted.UTC().Format("2006-01-02"), days(rules.Horizon))
	}
	if o.Source == "crm" && d.Source == "crm" && !o.ClosedAt.IsZero() && !d.ClosedAt.IsZero() && olderClose(o.ClosedAt, d.ClosedAt) {
		layout := "2006-01-02"
		if dayOf(o.ClosedAt).Equal(dayOf(d.ClosedAt)) {
			layout = time.RFC3339 // the same day: its times tell them apart
		}
		return Superseded, ch, fmt.Errorf("%w: the deal is %s, closed %s, after this outcome's close date %s: an older outcome does not undo a newer one",
			ErrOutcomeRefused, was, d.ClosedAt.UTC().Format(layout), o.ClosedAt.UTC().Format(layout))
	}
	if err := o.CheckCurrency(rules); err != nil {
		return Superseded, ch, err
	}
	if err := o.CheckClosed(l); err != nil {
		return Superseded, ch, err
	}
	saved, savedDeal := *l, *d
	corrects := map[string]any{lead.DataCorrects: string(was)}
	if was == lead.StageWon && d.Currency != "" {
		corrects["previous_amount"], corrects["previous_currency"] = d.Amount, d.Currency
	}
	undo := d.Counted.Undo()
	l.Stage = d.Counted.From
	d.Amount, d.Currency, d.RevenueMinor, d.AmountSentAt, d.LostReason, d.Counted = 0, "", 0, time.Time{}, "", nil
	// A reversal the deal's counting lead still owed for an earlier one
	// of this contact is superseded: this outcome is newer (a rep's page
	// owes its own again: apply).
	d.Owed = nil
	out, och, err := ApplyOutcome(l, o, rules, newID, now)
	if err != nil || out != Recorded {
		// Checked above; should the rules disagree, nothing changes.
		*l, *d = saved, savedDeal
		l.Deal = d
		return Superseded, ch, cmp.Or(err, fmt.Errorf("%w: the lead is %s", ErrOutcomeRefused, was))
	}
	och.Counters = append(undo, och.Counters...)
	for k, v := range corrects {
		och.Events[0].Data[k] = v
	}
	return Corrected, och, nil
}

// olderClose reports whether a CRM's close at a lies before one at b: on
// an earlier day, or — when both carry a time of day (not a day's
// midnight) — at an earlier time, so a win and the loss that cancelled it
// the same day, delivered out of order, do not end won. A day has no
// time to compare with one on it: it is not older.
func olderClose(a, b time.Time) bool {
	if !a.Equal(dayOf(a)) && !b.Equal(dayOf(b)) {
		return a.Before(b)
	}
	return dayOf(a).Before(dayOf(b))
}

// dayOf is t's UTC day.
func dayOf(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// ImpliesSQL says whether an outcome taking a lead from stage from to
// target counts an SQL that was never recorded: a deal won while the lead
// was only accepted (SAL) — a CRM that reports only won, a rep who never
// marked it SQL. No deal is won that was not a qualified opportunity, so
// every funnel stage stays a subset of the one before (SQL ≥ won).
//
// A deal lost from SAL implies nothing: it was lost at SAL, before it
// became an opportunity (after acceptance, lost is the only way to close
// a lead that came to nothing — the demo's "lost before it became one").
// The funnel never sets lost against SQL (SQL → won is won ÷ SQL; open
// SQLs subtract only the SQLs closed), and a sales manager reads SAL →
// SQL as how many accepted leads became real opportunities: counting
// these as SQLs would raise it and lower SQL → won, pointing "improve
// first" at closing when qualifying is what failed. A CRM whose lost
// deals were opportunities says so by sending sql first.
func ImpliesSQL(from, target lead.Stage) bool {
	return from == lead.StageSAL && target == lead.StageWon
}

// Corrected: a won deal's amount was corrected.
const Corrected = "corrected"

func (o *Outcome) currencyOr(rules qualify.Outcomes) string {
	if o.Currency == "" {
		return rules.Currency
	}
	return o.Currency
}

// correctAmount records a won outcome for a lead already won with another
// amount (or currency, or the first amount of a deal won without one): a
// correction. The deal takes the new amount, a deal_corrected event keeps
// both, and revenue gets the difference (negative when it went down) in
// the month the correction is recorded, like an accounting adjustment:
// the won count and the days to win do not change. Sent again, the same
// correction finds the amount in place and answers Already.
func correctAmount(l *lead.Lead, o Outcome, rules qualify.Outcomes, newID func(time.Time) string, now time.Time) (string, lead.Change, error) {
	ch := lead.Change{At: now}
	if err := o.CheckCurrency(rules); err != nil {
		return Superseded, ch, err
	}
	d := l.Deal
	if accepted := l.AcceptedAt(); !accepted.IsZero() && now.After(accepted.Add(rules.Horizon)) {
		return Superseded, ch, fmt.Errorf("%w: accepted %s, more than %s ago (the outcome horizon): the deal's amount can no longer change",
			ErrOutcomeRefused, accepted.UTC().Format("2006-01-02"), days(rules.Horizon))
	}
	cur := o.currencyOr(rules)
	if !o.SentAt.IsZero() && o.SentAt.Before(d.AmountSentAt) {
		// The CRM sent it before the amount in place, which it sent too;
		// delivered after it, it is older. (A rep's page and a back-fill
		// have no send time to compare: they apply, as a reversal's
		// close dates compare only the CRM's own: olderClose.)
		return Superseded, ch, fmt.Errorf("%w: the deal's amount %s %s was sent %s, after this one (%s %s, sent %s): an older amount does not replace a newer one",
			ErrOutcomeRefused, grouped(d.Amount), d.Currency, d.AmountSentAt.UTC().Format(time.RFC3339), grouped(*o.Amount), cur, o.SentAt.UTC().Format(time.RFC3339))
	}
	minor, _ := rules.Convert(*o.Amount, cur)
	data := applied(d, o)
	data["amount"], data["currency"] = *o.Amount, cur
	data["previous_amount"], data["previous_currency"] = d.Amount, d.Currency
	campaign, owner := l.Campaign(), l.DealOwner()
	if d.Currency == "" {
		// Won without an amount: now it has one.
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: CounterWonValued})
		ch.Counters = append(ch.Counters, lead.RepCounter(owner, CounterWonValued, 0)...)
	}
	if delta := minor - d.RevenueMinor; delta != 0 {
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: CounterRevenue, By: delta})
		ch.Counters = append(ch.Counters, lead.RepCounter(owner, CounterRevenue, delta)...)
	}
	d.Amount, d.Currency, d.RevenueMinor, d.AmountSentAt, d.Source = *o.Amount, cur, minor, o.SentAt, o.Source
	if d.Counted != nil {
		d.Counted.Add(lead.Month(now), ch.Counters) // a reversal takes this month's difference back too
	}
	ch.Events = append(ch.Events, lead.Event{At: now, Kind: "deal_corrected", ID: newID(now), Data: data})
	return Corrected, ch, nil
}

// CheckCurrency refuses a won amount in a currency that neither is the
// reporting currency nor has a rate into it (outcomes.rates): revenue in
// several currencies is converted, never summed as it is. The error is a
// *FieldError naming the currency and where its rate goes. An amount
// worth more than MaxAmount in the reporting currency at its rate is
// refused too (a typo in the amount or the rate): the revenue counters
// would otherwise overflow.
func (o *Outcome) CheckCurrency(rules qualify.Outcomes) error {
	if o.Amount == nil || o.Currency == "" || o.Currency == rules.Currency {
		return nil
	}
	rate, ok := rules.Rates[o.Currency]
	if !ok {
		return &FieldError{"currency", rules.RateHint(o.Currency)}
	}
	if *o.Amount*rate > MaxAmount {
		return &FieldError{"amount", fmt.Sprintf("is worth more than %.0f %s at the configured rate (outcomes.rates.%s: %g): check the amount and the rate",
			float64(MaxAmount), rules.Currency, o.Currency, rate)}
	}
	return nil
}

// Revenue counters, kept with the won (or lost) outcome's write.
const (
	// CounterRevenue adds a won deal's amount in the reporting currency's
	// minor units (hundredths).
	CounterRevenue = "revenue_minor"
	// CounterWonValued counts won deals recorded with an amount (the
	// average deal's denominator).
	CounterWonValued = "won_valued"
	// CounterSQLClosed counts SQLs that were won or lost.
	CounterSQLClosed = "sql_closed"
)

// daysToWon are the upper bounds (in days, inclusive) of the lead → won
// histogram's buckets, counters won_days_le_<n>; beyond the last,
// won_days_gt_365. The report's median is one bucket: its resolution is
// the bucket's width.
var daysToWon = []int{1, 3, 7, 14, 21, 30, 45, 60, 90, 120, 180, 270, 365}

// DaysToWonBucket names the histogram counter of a lead won d after it
// was captured.
func DaysToWonBucket(d time.Duration) string {
	for _, n := range daysToWon {
		if d <= time.Duration(n)*24*time.Hour {
			return "won_days_le_" + strconv.Itoa(n)
		}
	}
	return "won_days_gt_365"
}

func stageList(s []lead.Stage) string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return strings.Join(out, " or ")
}

func days(d time.Duration) string { return strconv.Itoa(int(d.Hours()/24)) + " days" }

// applied is an outcome's event data (its source, rep and event id), and
// records its event id on the deal, which keeps the newest
// lead.MaxApplied so that a re-delivery is recognised.
func applied(d *lead.Deal, o Outcome) map[string]any {
	data := map[string]any{"source": o.Source}
	if o.Rep != "" {
		data["rep"] = o.Rep
	}
	if o.EventID != "" {
		data["event_id"] = o.EventID
		d.Applied = append(d.Applied, o.EventID)
		if n := len(d.Applied); n > lead.MaxApplied {
			d.Applied = slices.Clone(d.Applied[n-lead.MaxApplied:])
		}
	}
	return data
}
