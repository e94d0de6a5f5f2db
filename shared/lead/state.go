package lead

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Signal is one engagement event that feeds the score: a form submission
// ("form:demo_request"), a page view, an email click. Kept on the profile
// (bounded) so re-grading can apply decay without reading the timeline.
type Signal struct {
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
	// Key makes a signal count once: one with the Key of a signal already
	// kept is a repeat (the same page or link on the same day, see
	// DailyKey) and adds nothing. "" always counts.
	Key string `json:"key,omitempty"`
	// Page is the path a page view was of (lower case, without a query,
	// fragment or trailing slash), for nurture's `visited` conditions; ""
	// for other signals.
	Page string `json:"page,omitempty"`
}

// MaxSignals bounds the signals kept on a profile; the oldest go first
// (their decayed weight is the smallest).
const MaxSignals = 50

// AddSignal appends a signal, dropping the oldest beyond MaxSignals, and
// reports whether it did: a signal whose Key a kept signal has is a
// repeat and is not added.
func (l *Lead) AddSignal(s Signal) bool {
	if s.Key != "" {
		for _, kept := range l.Signals {
			if kept.Key == s.Key {
				return false
			}
		}
		// The day's cap of its kind was reached (DropRepeatSignals): the
		// pages past it were dropped, and one viewed again must not count
		// as new each time.
		if slices.Contains(l.CappedDays, cappedDay(s)) {
			return false
		}
	}
	l.Signals = AppendKeepLast(l.Signals, MaxSignals, s)
	return true
}

// AppendKeepLast appends v to s and keeps its last n elements, in a new
// array once it drops any (so the lists a lead keeps bounded — signals,
// recent forms and clicks, complaints — do not hold the dropped ones).
func AppendKeepLast[T any](s []T, n int, v ...T) []T {
	s = append(s, v...)
	if len(s) > n {
		return append([]T(nil), s[len(s)-n:]...)
	}
	return s
}

// DailyKey is the Signal.Key that makes a signal of kind about one thing
// (a page, a link) count once per lead per UTC day. The thing is hashed:
// keys stay short and hold no URL.
func DailyKey(kind, thing string, at time.Time) string {
	sum := sha256.Sum256([]byte(thing))
	return kind + "#" + at.UTC().Format("2006-01-02") + "#" + hex.EncodeToString(sum[:8])
}

// DropRepeatSignals keeps one signal of a kind per window: a signal
// within window of a kept one of its kind, before or after it, is
// dropped (0 keeps all). Signals are in the order their writes won, not
// in time order (concurrent posts for one address each carry their own
// arrival time), so one earlier than a kept one can be a repeat too.
// Keyed signals (a page, a link: once a day each already) keep at most
// perDay of a kind per UTC day (0: no cap), so views of ever new pages or
// clicks of ever new links cannot add up without end. Signals up to since
// (when sales sent the lead back) neither drop nor are dropped: interest
// after that counts afresh. Signals are kept in the order they arrived.
func (l *Lead) DropRepeatSignals(window time.Duration, perDay int, since time.Time) {
	if (window <= 0 && perDay <= 0) || len(l.Signals) < 2 {
		return
	}
	kept := map[string][]time.Time{}
	daily := map[string]int{}
	out := l.Signals[:0:0]
	for _, s := range l.Signals {
		switch {
		case !s.At.After(since):
		case s.Key != "":
			day := cappedDay(s)
			if perDay > 0 && daily[day] >= perDay {
				l.capDay(day)
				continue
			}
			daily[day]++
		case window > 0:
			if slices.ContainsFunc(kept[s.Kind], func(t time.Time) bool { return s.At.Sub(t) < window && t.Sub(s.At) < window }) {
				continue
			}
			kept[s.Kind] = append(kept[s.Kind], s.At)
		}
		out = append(out, s)
	}
	if len(out) < len(l.Signals) {
		l.Signals = out
	}
}

// cappedDay is the kind and UTC day of a signal, "<kind>#<day>": what
// a daily cap counts in and CappedDays names.
func cappedDay(s Signal) string { return s.Kind + "#" + s.At.UTC().Format(time.DateOnly) }

// capDay records that day's cap (cappedDay) was reached, keeping only the
// entries of that day and the day before (signals arrive in about the
// order of their days; older days take no new signals).
func (l *Lead) capDay(day string) {
	if slices.Contains(l.CappedDays, day) {
		return
	}
	date := day[strings.LastIndexByte(day, '#')+1:]
	at, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return
	}
	keep := map[string]bool{date: true, at.AddDate(0, 0, -1).Format(time.DateOnly): true}
	out := []string{day}
	for _, d := range l.CappedDays {
		if keep[d[strings.LastIndexByte(d, '#')+1:]] {
			out = append(out, d)
		}
	}
	l.CappedDays = out
}

// Qualification is the latest automatic decision about a lead, with the
// reasons a person can read.
type Qualification struct {
	Grade        string    `json:"grade"`
	FitPoints    int       `json:"fit_points"`
	Score        float64   `json:"score"`
	Temperature  string    `json:"temperature"`
	Disqualified string    `json:"disqualified,omitempty"` // reason code
	Reasons      []string  `json:"reasons"`
	Campaign     string    `json:"campaign,omitempty"` // whose overrides applied
	At           time.Time `json:"at"`
	// AnswerReasons are the reasons about a custom answer, so a page can
	// name the answer as the lead's form asked it ("Which CRM do you
	// use?") instead of by its key.
	AnswerReasons []AnswerReason `json:"answer_reasons,omitempty"`
}

// AnswerReason says that Reasons[Reason] is about answer key Answer:
// the reason reads Head + "answer <key>" + Tail, so the key's words can
// be replaced by a label without parsing the reason.
type AnswerReason struct {
	Reason int    `json:"reason"`
	Answer string `json:"answer"`
	Head   string `json:"head"`
	Tail   string `json:"tail"`
}

// Handoff states.
const (
	HandoffPending   = "pending"   // hot: an alert is owed to sales
	HandoffSent      = "sent"      // alert sent, waiting for the rep
	HandoffEscalated = "escalated" // SLA missed, escalation sent
	HandoffAnswered  = "answered"  // a rep responded
	// HandoffHeld: hot, but its alert is held (its source passed the
	// alert limit, or its address was alerted recently); the team lead
	// gets one summary per source and window and can release it.
	HandoffHeld = "held"
)

// Handoff is the sales side of a hot lead: who got it, when, and the
// first-response deadline.
type Handoff struct {
	State       string    `json:"state"`
	Team        string    `json:"team,omitempty"`
	Rep         string    `json:"rep,omitempty"` // email of the owning rep
	RepName     string    `json:"rep_name,omitempty"`
	Since       time.Time `json:"since"` // when the lead became hot
	SentAt      time.Time `json:"sent_at,omitzero"`
	DueBy       time.Time `json:"due_by,omitzero"` // first-response SLA deadline
	Breached    bool      `json:"breached,omitempty"`
	EscalatedTo string    `json:"escalated_to,omitempty"`
	// AnsweredAt and AnsweredBy record sales' first response.
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	AnsweredBy string    `json:"answered_by,omitempty"`
	// Held is why a held alert is held; nil otherwise.
	Held *Held `json:"held,omitempty"`
	// Released: the team lead released a held alert; it is sent whatever
	// the limits say.
	Released bool `json:"released,omitempty"`
	// FreshLinks records when a rep whose alert links had expired was
	// sent fresh ones, keyed by the rep's reference (links.RepRef, never
	// the address), so each rep gets them once per window.
	FreshLinks map[string]time.Time `json:"fresh_links,omitzero"`
	// ReturnAt is when the hand-off, if nobody has answered it (or
	// released its held alert) by then, goes back to marketing (set with
	// the alert or the hold; fresh links push it to their expiry). Zero in
	// hand-offs alerted or held before it existed.
	ReturnAt time.Time `json:"return_at,omitzero"`
}

// Unanswered reports whether the hand-off's alert went out and nobody has
// answered it (the rep, or the team lead it was escalated to).
func (h *Handoff) Unanswered() bool {
	return h != nil && (h.State == HandoffSent || h.State == HandoffEscalated)
}

// ReturnDue is when an unanswered hand-off goes back to marketing: an
// alert nobody answered, or a held alert nobody released (one held for a
// recent alert is asked for again instead, HeldRetryAt); zero otherwise,
// or when it has no such time.
func (l *Lead) ReturnDue() time.Time {
	h := l.Handoff
	waiting := h.Unanswered() || h != nil && h.State == HandoffHeld && l.HeldRetryAt().IsZero()
	if waiting && l.Stage == StageMQL && !l.Erased {
		return h.ReturnAt
	}
	return time.Time{}
}

// Held is a held alert: why, the source and window it counts in, and
// when the team lead's summary of that window is due.
type Held struct {
	Reason string    `json:"reason"` // HeldSourceLimit, HeldCampaignLimit or HeldRecentlyAlerted
	Source string    `json:"source"` // the flood-control key of its source (or campaign) and window
	At     time.Time `json:"at"`
	// SummaryAt is when the window ends and its summary is due; Summarised
	// is set once this lead has seen it sent.
	SummaryAt  time.Time `json:"summary_at"`
	Summarised bool      `json:"summarised,omitempty"`
	// RetryAt is when the alert is asked for again by itself: for a lead
	// held because it had an alert shortly before, when the
	// de-duplication window ends. Zero: only a release sends it (a held
	// lead stays with sales: no nurture, so it must not wait forever).
	RetryAt time.Time `json:"retry_at,omitzero"`
}

// Why an alert is held.
const (
	HeldSourceLimit     = "source_limit"     // its source passed the hot-lead alert limit of the window
	HeldCampaignLimit   = "campaign_limit"   // its campaign, all sources together, passed its limit of the window
	HeldRecentlyAlerted = "recently_alerted" // the lead had an alert within the de-duplication window
)

// Lease marks a profile as being worked on by one scheduled run or
// request, so overlapping workers do not send the same email twice.
type Lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

// Held reports whether someone else holds an unexpired lease.
func (l *Lead) Held(owner string, now time.Time) bool {
	return l.Lease != nil && l.Lease.Owner != owner && l.Lease.Until.After(now)
}

// NextDue is when the scheduler must next look at this lead: a pending
// handoff at once, a sent one at its SLA deadline, an unanswered one when
// it goes back to marketing, a nurture step when it is due, an outcome
// reminder or a notice that the lead asked again, a confirmation email
// owed — the earliest of these; zero when nothing is due (the lead then
// leaves the sparse due index).
func (l *Lead) NextDue() time.Time {
	var due time.Time
	if l.Erased {
		return due // an erased person is owed nothing
	}
	earliest := func(t time.Time) {
		if !t.IsZero() && (due.IsZero() || t.Before(due)) {
			due = t
		}
	}
	// email is earliest for an email of a side: not before the back-off
	// of a refusal of that side ends.
	email := func(t time.Time, toLead bool) {
		if r := l.RefusalOf(toLead); r != nil && !t.IsZero() && t.Before(r.Until) {
			t = r.Until
		}
		earliest(t)
	}
	if l.Handoff != nil {
		switch {
		case l.OwedToSales():
			email(l.Handoff.Since, false)
		case l.EscalationOwed():
			email(l.Handoff.DueBy, false)
		case l.Handoff.State == HandoffHeld:
			if h := l.Handoff.Held; h != nil && !h.Summarised {
				email(h.SummaryAt, false)
			}
			email(l.HeldRetryAt(), false)
		}
		earliest(l.ReturnDue())
	}
	if l.Nurture != nil {
		email(l.Nurture.NextAt, true)
	}
	if l.OutcomeReminderPending() {
		email(l.Deal.RemindAt, false)
	}
	email(l.AskedDue(), false)
	email(l.confirmationOwed(), true)
	return due
}

// HeldRetryAt is when a held alert is asked for again by itself
// (Held.RetryAt), while the lead is still an MQL; zero otherwise (a lead
// disqualified or unsubscribed meanwhile is no longer owed to sales).
func (l *Lead) HeldRetryAt() time.Time {
	if h := l.Handoff; h != nil && h.State == HandoffHeld && h.Held != nil && l.Stage == StageMQL && !l.Erased {
		return h.Held.RetryAt
	}
	return time.Time{}
}

// OpenWith is the rep an accepted lead without a final outcome (SAL or
// SQL) is open with; "" otherwise. The weekly list of open leads goes to
// each rep by it. An erased lead is open with nobody: its deal keeps
// only what its outcomes count with, and no list names it to a rep.
func (l *Lead) OpenWith() string {
	if (l.Stage == StageSAL || l.Stage == StageSQL) && l.Deal != nil && !l.Erased {
		return l.Deal.Rep
	}
	return ""
}

// OutcomeReminderPending reports whether the lead is accepted, still
// without an outcome, and its rep not yet reminded.
func (l *Lead) OutcomeReminderPending() bool {
	return l.Stage == StageSAL && l.Deal != nil && !l.Deal.RemindAt.IsZero() && l.Deal.RemindedAt.IsZero()
}

// SalesSet reports whether sales has taken the lead's stage over, so that
// automatic re-grading must leave it alone.
func (s Stage) SalesSet() bool {
	switch s {
	case StageSAL, StageSQL, StageWon, StageLost, StageRejected, StageUnsubscribed:
		return true
	}
	return false
}

// Nurture is a lead's place in a nurture sequence. Steps are referred to
// by their stable id; StepIndex remembers the position too, so a lead
// whose step was deleted from an edited sequence resumes at the same
// place instead of being stranded.
type Nurture struct {
	Sequence   string    `json:"sequence,omitempty"`
	Step       string    `json:"step,omitempty"` // id of the next step to run
	StepIndex  int       `json:"step_index"`
	EnrolledAt time.Time `json:"enrolled_at,omitzero"`
	// NextAt is when Step is due; zero when the lead is not in a sequence.
	NextAt time.Time `json:"next_at,omitzero"`
	// ExitReason is set when the lead left its last sequence: "completed",
	// "unsubscribed", "bounced", "disqualified", "handed_off", "sales_accepted".
	ExitReason string `json:"exit_reason,omitempty"`
	// NoSequence is why a lead has no step due: the reason it left its
	// last sequence, or why it entered none (NoConsent, NoSuppressed,
	// NoSequencesDone, NoMatchingSequence). "" while a step is due.
	NoSequence string `json:"no_sequence,omitempty"`
	// Completed lists sequences the lead finished or left: never re-enrolled.
	Completed []string `json:"completed,omitempty"`
	// Sends are the recent marketing emails (all sequences), newest last,
	// for the global frequency cap and opened/clicked branches.
	Sends []Send `json:"sends,omitempty"`
}

// Send is one marketing email sent to a lead.
type Send struct {
	Sequence  string    `json:"sequence"`
	Step      string    `json:"step"`
	At        time.Time `json:"at"`
	MessageID string    `json:"message_id,omitempty"`
}

// MaxSends bounds the send history kept on a profile.
const MaxSends = 20

// ExitHandedOff is the nurture exit reason of a lead handed to sales.
const ExitHandedOff = "handed_off"

// ExitNurture takes the lead out of its sequence for an outside reason
// (unsubscribed, bounce, complaint, sales_accepted, rejected): nothing
// more is due, and the sequence is never entered again.
func (l *Lead) ExitNurture(reason string) {
	if l.Nurture == nil || l.Nurture.NextAt.IsZero() {
		return
	}
	l.Nurture.NextAt, l.Nurture.ExitReason, l.Nurture.NoSequence = time.Time{}, reason, reason
	l.Nurture.Completed = append(l.Nurture.Completed, l.Nurture.Sequence)
}

// Why a nurtured lead is in no sequence (Nurture.NoSequence), besides
// the reason it left its last one.
const (
	NoConsent          = "no_consent"           // its latest consent does not allow marketing email
	NoSuppressed       = "suppressed"           // its address is on the suppression list
	NoSequencesDone    = "sequences_done"       // it finished or left every sequence it qualifies for
	NoMatchingSequence = "no_matching_sequence" // no sequence's entry takes it (e.g. grade D)
)

// SentBack is sales returning a lead to marketing ("not now"): its
// engagement counts again from At, so it goes back to sales only on new
// interest, and sequences for returned leads take it.
type SentBack struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"` // the reject reason code, or ReasonUnanswered
	Rep    string    `json:"rep,omitempty"`
	Times  int       `json:"times"`
}

// ReasonUnanswered is the SentBack reason of a lead whose alert nobody
// answered in time (qualify's sla.return_unanswered): sales did not judge
// it, so it is no rejection.
const ReasonUnanswered = "unanswered"

// Unanswered reports whether the lead came back because nobody answered
// its alert, rather than because sales sent it back.
func (s *SentBack) Unanswered() bool { return s != nil && s.Reason == ReasonUnanswered }

// Deal is the sales side after acceptance: when the lead was accepted,
// and the outcome recorded since (SQL, won with the deal's value, lost).
type Deal struct {
	AcceptedAt time.Time `json:"accepted_at"`
	// ID is the CRM's deal id its outcomes named (deal_id), if any.
	ID string `json:"id,omitempty"`
	// CountedOn is the lead that counts the deal when another of the
	// deal's contacts does (its close was recorded first): this lead's
	// close counts no win, loss or amount of its own.
	CountedOn string `json:"counted_on,omitempty"`
	Rep       string `json:"rep,omitempty"` // who accepted it
	// Name and Company are the lead's when the deal began (accepted, or
	// opened by a CRM outcome): how the deal's emails name it, whatever
	// later posts of the address say (anyone can post one; the asked-again
	// notice lists what changed). Erasure drops the deal with them.
	Name     string  `json:"name,omitempty"`
	Company  string  `json:"company,omitempty"`
	Amount   float64 `json:"amount,omitempty"`
	Currency string  `json:"currency,omitempty"`
	// RevenueMinor is what the won amount added to the revenue counters
	// (reporting currency, hundredths), so a correction adds the
	// difference.
	RevenueMinor int64 `json:"revenue_minor,omitempty"`
	// AmountSentAt is when the CRM sent the amount in place (its
	// event's time): an amount the CRM sent before it and that is
	// delivered after it (EventBridge does not keep order; a retry comes
	// minutes late) is older and does not replace it. Zero: not known
	// (a rep's page, a back-fill, amounts recorded before it was kept).
	AmountSentAt time.Time `json:"amount_sent_at,omitzero"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`
	// ClosedRecordedAt is when the won or lost outcome was recorded (a
	// close date can lie weeks before it).
	ClosedRecordedAt time.Time `json:"closed_recorded_at,omitzero"`
	LostReason       string    `json:"lost_reason,omitempty"`
	// Source is who recorded the last outcome: "rep" (a signed link) or
	// "crm" (an outcome event or back-fill).
	Source string `json:"source,omitempty"`
	// Applied are the ids of the last outcome events applied, so a
	// redelivered one changes nothing.
	Applied []string `json:"applied,omitempty"`
	// RemindAt is when its rep is reminded if no outcome came (SQL, won
	// or lost); RemindedAt when that reminder went out.
	RemindAt   time.Time `json:"remind_at,omitzero"`
	RemindedAt time.Time `json:"reminded_at,omitzero"`
	// Asked is the forms the lead sent since it was accepted that its
	// rep is owed a notice of, and the last notice.
	Asked *Asked `json:"asked,omitempty"`
	// Counted is what the deal's won or lost outcome counted, each
	// counter with the month it went to (a won amount's corrections
	// too), and the stage the deal closed from, so that the outcome can
	// be reversed — a rep's mis-click, a CRM's cancelled deal — by taking
	// out exactly what it added, where it added it. Nil while the deal is
	// open, and on deals closed before it was kept: their outcome cannot
	// be reversed.
	Counted *Counted `json:"counted,omitempty"`
	// Owed is a reversal of this contact's outcome that the lead counting
	// its deal (CountedOn) still owes: a rep's "Lost instead" or "Won
	// instead" on this contact's page is written here first, and the
	// deal is then reversed where it counts, in a write of its own. Nil
	// once that write is made (or can no longer apply): a write that
	// failed leaves it, and the next answer or CRM outcome for this
	// contact finishes it, once.
	Owed *OwedReversal `json:"owed,omitempty"`
}

// OwedReversal is a contact's reversal still to be made where its deal
// counts (Deal.Owed): what the rep answered, and when.
type OwedReversal struct {
	// ID names the reversal (the contact's event): the counting lead
	// records it as applied (Deal.Applied), so it is made there once.
	ID string `json:"id"`
	// From is the outcome reversed (won or lost): the counting lead is
	// reversed only while it has that outcome, recorded at or before At
	// (an outcome recorded there since is newer than the rep's answer).
	From Stage     `json:"from"`
	At   time.Time `json:"at"`
	// Rep is whose link it was; Comment the rep's comment (the reason of
	// a lost deal); Amount, Currency and ClosedAt a won form's.
	Rep      string    `json:"rep,omitempty"`
	Comment  string    `json:"comment,omitempty"`
	Amount   *float64  `json:"amount,omitempty"`
	Currency string    `json:"currency,omitempty"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// Counted is what a deal's closing outcome added to the counters.
type Counted struct {
	From   Stage   `json:"from"` // the stage the deal closed from: sal or sql
	Counts []Count `json:"counts,omitempty"`
}

// Count is one counter a deal's outcome added to, in a month.
type Count struct {
	Month    string `json:"month"`
	Campaign string `json:"campaign,omitempty"`
	Rep      string `json:"rep,omitempty"` // a rep's counter (RepKey)
	Name     string `json:"name"`
	By       int64  `json:"by"`
}

// Add records counters a write of the deal's outcome made in month (a
// counter naming its own month keeps it); amounts of one counter in one
// month are summed, and a sum of zero is dropped.
func (c *Counted) Add(month string, counters []Counter) {
	for _, x := range counters {
		k := Count{Month: cmp.Or(x.Month, month), Campaign: x.Campaign, Rep: x.Rep, Name: x.Name}
		if x.Rep != "" {
			k.Campaign = ""
		}
		i := slices.IndexFunc(c.Counts, func(y Count) bool { y.By = 0; return y == k })
		if i < 0 {
			c.Counts = append(c.Counts, k)
			i = len(c.Counts) - 1
		}
		if c.Counts[i].By += x.Step(); c.Counts[i].By == 0 {
			c.Counts = slices.Delete(c.Counts, i, i+1)
		}
	}
}

// Undo is the counters that take back everything c counted, each in the
// month it was counted in.
func (c *Counted) Undo() []Counter {
	out := make([]Counter, 0, len(c.Counts))
	for _, x := range c.Counts {
		out = append(out, Counter{Campaign: x.Campaign, Rep: x.Rep, Name: x.Name, By: -x.By, Month: x.Month})
	}
	return out
}

// DealNames are the name and company the lead's deal emails show: those
// it had when the deal began, or (a deal kept before they were) its
// current ones.
func (l *Lead) DealNames() (name, company string) {
	if d := l.Deal; d != nil && (d.Name != "" || d.Company != "") {
		return d.Name, d.Company
	}
	return l.Name, l.Company
}

// AcceptedAt is when sales accepted the lead: kept with its deal, or (a
// lead accepted before deals were kept) its handoff's answer; zero when
// never.
func (l *Lead) AcceptedAt() time.Time {
	if l.Deal != nil && !l.Deal.AcceptedAt.IsZero() {
		return l.Deal.AcceptedAt
	}
	if l.Handoff != nil {
		return l.Handoff.AnsweredAt
	}
	return time.Time{}
}

// OutcomesUntil is when outcomes for the lead stop being taken and its
// outcome links stop working: acceptance plus the horizon (now plus the
// horizon for a lead with no acceptance on record).
func (l *Lead) OutcomesUntil(horizon time.Duration, now time.Time) time.Time {
	if at := l.AcceptedAt(); !at.IsZero() {
		return at.Add(horizon)
	}
	return now.Add(horizon)
}

// MaxApplied bounds Deal.Applied.
const MaxApplied = 50

// MQLCounter is the funnel counter of a lead turning hot: "mql" the first
// time (a lead is an MQL once in the funnel), "mql_again" for a lead
// sales sent back that matured in nurturing. A lead that came back after
// it had left (a lost deal, an opt-out: Returned) starts a new round: its
// MQL counts again, as its acceptance, SQL and outcome will, so each
// stage of a campaign's funnel stays a subset of the one before (a
// win-back campaign shows the MQLs its SALs came from).
func (l *Lead) MQLCounter() string {
	if l.CameBackThisRound() {
		return "mql"
	}
	if l.SentBack != nil {
		return "mql_again"
	}
	return "mql"
}

// Return is a lead's coming back (Lead.Returned): when, from which stage,
// since when it had left, and how many times it came back.
type Return struct {
	At    time.Time `json:"at"`
	From  Stage     `json:"from"`
	Left  time.Time `json:"left"`
	Times int       `json:"times"`
}

// CameBackThisRound reports whether the lead's current round with sales
// began when it came back after it had left (Returned), not when it
// turned hot again after sales sent that round back.
func (l *Lead) CameBackThisRound() bool {
	return l.Returned != nil && (l.SentBack == nil || !l.SentBack.At.After(l.Returned.At))
}

// Left reports whether the lead has left the funnel with nobody in sales
// holding it — its deal lost, or its stage unsubscribed (an opt-out from
// marketing email) — and since when: the loss (its close date, or when
// it was recorded if later: a form posted in between was sales'), the
// opt-out. Only a form from it since then counts as its coming back
// (ComeBack): no nurture email reaches it, and sales judged a lost deal.
// A lead without that time (a deal lost before it was kept) has not
// left: what it did since is unknown.
func (l *Lead) Left() (time.Time, bool) {
	var at time.Time
	switch {
	case l.Stage == StageLost && l.Deal != nil:
		at = l.Deal.ClosedAt
		if l.Deal.ClosedRecordedAt.After(at) {
			at = l.Deal.ClosedRecordedAt
		}
	case l.Stage == StageUnsubscribed && !l.Consent.MarketingOptIn:
		at = l.Consent.At
	}
	return at, !at.IsZero()
}

// ComeBack starts a new round with sales for a lead that had left (Left)
// and came back hot with a form at now: no handoff yet, so qualification
// owes sales a new alert, and a lost deal's record gives way to the next
// (the CRM event ids it applied stay, so a redelivered one still changes
// nothing). The lead's consent and suppression are untouched: a request
// for contact is no consent to marketing email.
func (l *Lead) ComeBack(left, now time.Time) {
	times := 1
	if l.Returned != nil {
		times = l.Returned.Times + 1
	}
	l.Returned = &Return{At: now, From: l.Stage, Left: left, Times: times}
	l.Handoff = nil
	if l.Deal != nil {
		l.Deal = &Deal{Applied: l.Deal.Applied}
	}
}

// SendBack returns a lead from sales to nurturing: its handoff is over
// (an answer link of that alert is then superseded) and a new one is
// owed only when it turns hot again on engagement after now.
func (l *Lead) SendBack(reason, rep string, now time.Time) {
	times := 1
	if l.SentBack != nil {
		times = l.SentBack.Times + 1
	}
	l.SentBack = &SentBack{At: now, Reason: reason, Rep: rep, Times: times}
	l.Stage = StageNurturing
	if l.Suppressed == "unsubscribe" || l.Suppressed == "complaint" {
		// It opted out while with sales (WithSales kept it an MQL): back
		// with marketing, it is what that opt-out made it.
		l.Stage = StageUnsubscribed
	}
	l.Handoff = nil
	l.ExitNurture("sent_back") // a sequence it was still in; the next one is for returned leads
}
