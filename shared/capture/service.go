// Package capture turns a landing-page submission into a stored lead: it
// decodes form and JSON bodies, validates them, and creates a new lead or
// merges into the existing one for that email, exactly once per request.
package capture

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

// Store outcomes the service reacts to.
var (
	ErrEmailTaken       = lead.ErrEmailTaken
	ErrDuplicateRequest = lead.ErrDuplicateRequest
	ErrVersionConflict  = lead.ErrVersionConflict
	ErrNotFound         = lead.ErrNotFound
	// ErrIdempotencyConflict is a reused idempotency key with a different body.
	ErrIdempotencyConflict = errors.New("idempotency key was used for a different request")
)

// Store is what capture needs from persistence. Every write is atomic: the
// lead, its timeline event, its campaign counters and the idempotency
// record are written together or not at all.
type Store interface {
	// CreateLead writes a brand-new lead. ErrEmailTaken when the email is
	// already claimed; ErrDuplicateRequest when idem's key exists.
	CreateLead(ctx context.Context, l lead.Lead, ch lead.Change, idem *Idempotency) error
	// Lead loads a lead by id.
	Lead(ctx context.Context, id string) (lead.Lead, error)
	// LeadByEmail loads the lead owning an email hash, or ErrNotFound.
	LeadByEmail(ctx context.Context, emailHash string) (lead.Lead, error)
	// SaveLead replaces a lead whose stored version is l.Version-1.
	// ErrVersionConflict when it moved on; ErrDuplicateRequest as above.
	SaveLead(ctx context.Context, l lead.Lead, ch lead.Change, idem *Idempotency) error
	// Idempotent returns the record stored for a key, or ErrNotFound.
	Idempotent(ctx context.Context, key string) (Idempotency, error)
	// Deposit keeps a submission in its lead's inbox (a new item: no
	// write of the lead makes it fail) with the idempotency record;
	// ErrDuplicateRequest as above. A write that folds it in names it in
	// lead.Change.Folded.
	Deposit(ctx context.Context, leadID string, t lead.Touch, idem *Idempotency) error
	// Inbox lists up to limit touches waiting in a lead's inbox, oldest
	// first.
	Inbox(ctx context.Context, leadID string, limit int) ([]lead.Touch, error)
	// CountBot records a honeypot hit for a campaign, with idem's record
	// when given (ErrDuplicateRequest, counting nothing, when its key
	// exists).
	CountBot(ctx context.Context, campaign string, at time.Time, idem *Idempotency) error
	// CountView records a view of a campaign's own page showing variant
	// (report.ViewsCounter on the variant's month), once per visitor
	// (Visitors.ID) and variant in the visitor's day, and says whether it
	// counted; "" is a visitor of its own (every load counts).
	CountView(ctx context.Context, campaign, variant, visitor string, at time.Time) (bool, error)
}

// Idempotency remembers which lead a request key produced.
type Idempotency = lead.Idempotency

// IdempotencyTTL is how long a key is remembered.
const IdempotencyTTL = 24 * time.Hour

// Outcome says what a capture did.
type Outcome = lead.Outcome

// Outcomes.
const (
	Created  Outcome = "created"
	Merged   Outcome = "merged"
	Replayed Outcome = "replayed"
	// Deposited: other writes of the lead kept winning, so the
	// submission waits in the lead's inbox (kept, answered as any other);
	// the next submission for the address folds it in.
	Deposited Outcome = "deposited"
	Bot       Outcome = "bot"
)

// Result is the lead a capture produced and how.
type Result struct {
	LeadID  string
	Outcome Outcome
	// Receipt is what the client is told: an id of the request, the
	// original one for a replay.
	Receipt string
	// Lead is the lead as written (zero for replays and bots).
	Lead lead.Lead
	// Handoff is what the hand-off to sales did ("" when nothing was
	// owed); HandoffErr why it failed (the lead is stored and stays due,
	// so the schedule retries it).
	Handoff    lead.Outcome
	HandoffErr error
	// FoldErr is why a deposited submission could not be folded in (it
	// is kept in the inbox; the next submission folds it in).
	FoldErr error
	// Confirmation is what sending the confirmation email of a consent
	// request did ("" when none was owed); ConfirmationErr why it failed
	// (the schedule retries it).
	Confirmation    lead.Outcome
	ConfirmationErr error
	// alertClaimed: the create claimed the alert (Alerts).
	alertClaimed bool
}

// Alerter sends a new hot lead's alert claimed in the lead's own create
// (handoff.Service).
type Alerter interface {
	// Claim chooses the rep and puts the alert's claim on l (owed to
	// sales), for the write that creates it.
	Claim(ctx context.Context, l *lead.Lead, owner, base string) error
	// SendClaimed sends and records the alert claimed with l.
	SendClaimed(ctx context.Context, l lead.Lead, owner string) (lead.Outcome, error)
}

// Qualifier re-grades a lead after a submission, updating its
// qualification, stage and handoff, and says what to record.
type Qualifier interface {
	Qualify(l *lead.Lead, now time.Time) lead.Change
}

// Service orchestrates a capture over a Store.
type Service struct {
	Store Store
	NewID func(time.Time) string
	// Qualify is optional: without it leads are stored unqualified.
	Qualify Qualifier
	// HandOff, when set, sends what a captured lead is owed by sales at
	// once (the hot lead alert), so it arrives within seconds; the
	// scheduled function retries anything it misses.
	HandOff lead.HandOff
	// Alerts, when set, makes the write that creates a hot lead also the
	// claim of its alert (one request less before the alert goes out).
	Alerts Alerter
	// Retry bounds retries on concurrent writes to the same lead (zero:
	// lead.Retries, the policy of every lead write).
	Retry lead.Retry
	// ConsentMode is the consent mode of a campaign (lead.ConsentDouble
	// or lead.ConsentSingle); nil is double opt-in for every campaign.
	ConsentMode func(campaign string) string
	// Confirm, when set, sends the confirmation email a consent request
	// owes at once; the scheduled function sends any it misses.
	Confirm lead.HandOff
	// RepeatWindow is the qualification's engagement.repeat_window for a
	// post naming a campaign: the same form sent again within it is one
	// engagement (lead.RepeatsForm). Nil: qualify.DefaultRepeatWindow.
	RepeatWindow func(campaign string) time.Duration
	// Idempotency digests the idempotency records' keys and bodies (zero:
	// plain SHA-256, for tests; the function is wired with a key).
	Idempotency IdempotencyKeys
}

// Capture stores a validated submission: a new lead, or a merge into the
// lead that owns the email. With a key, the same request never produces two
// writes; concurrent submissions for one email produce exactly one lead.
//
// base is the API's public address as the request shows it; the lead keeps
// the first one it was captured under, for links in later emails.
//
// owner names the request (it holds the lead while its alert is sent).
func (s *Service) Capture(ctx context.Context, sub lead.Submission, key string, body []byte, base, owner string) (Result, error) {
	return s.capture(ctx, sub, false, key, body, base, owner)
}

// capture is Capture; fromPage says the submission was posted from one of
// a campaign's own pages (the hosted page or the embed's frame, whose
// form carries the page view's token): a new lead from it also counts a
// page lead (report.PageLeadsCounter), the numerator of its page's view →
// lead.
func (s *Service) capture(ctx context.Context, sub lead.Submission, fromPage bool, key string, body []byte, base, owner string) (Result, error) {
	receipt := s.NewID(sub.Source.At)
	idem := s.Idempotency.record(key, body, receipt, sub.Source.At)
	retry := s.Retry
	if retry.Attempts == 0 {
		retry = lead.Retries
	}
	if retry.Reserve == 0 {
		retry.Reserve = DeadlineReserve
	}
	id := s.NewID(sub.Source.At)
	var res Result
	attempt := func() (Result, error) {
		res, err := s.try(ctx, id, sub, fromPage, idem, base, owner)
		if errors.Is(err, ErrDuplicateRequest) {
			res, err = s.replay(ctx, idem, body)
		}
		return res, err
	}
	err := retry.Do(ctx, func() error {
		var err error
		res, err = attempt()
		return err
	})
	if errors.Is(err, ErrVersionConflict) {
		// Many posts for one address at once: keep this one in the lead's
		// inbox rather than fail it, and fold the inbox in.
		anew := func() (Result, error) { return s.try(ctx, id, sub, fromPage, nil, base, owner) }
		res, err = s.deposit(ctx, sub, idem, body, base, attempt, anew)
	}
	if err != nil {
		return res, err
	}
	if res.Outcome == Replayed {
		return res, nil
	}
	res.Receipt = receipt
	// Near the deadline (the write loops used up the time) what the lead
	// is owed is left to the schedule, which sends it within a minute: the
	// request answers instead of being killed mid-send. An alert claimed in
	// the create is sent all the same (its claim would hold it 10 minutes).
	late := lead.NearDeadline(ctx, FollowUpReserve)
	switch {
	case res.alertClaimed:
		res.Handoff, res.HandoffErr = s.Alerts.SendClaimed(ctx, res.Lead, owner)
	case late && res.Lead.OwedToSales():
		res.Handoff = LeftToSchedule
	default:
		res.Handoff, res.HandoffErr = lead.FollowUp(ctx, res.Lead, s.HandOff, owner, base)
	}
	res.Confirmation, res.ConfirmationErr = s.confirm(ctx, res, owner, base, late)
	return res, nil
}

// LeftToSchedule: an alert or confirmation email the lead is owed was
// left to the scheduled function (it stays due), the request being too
// close to its deadline to send it.
const LeftToSchedule lead.Outcome = "left_to_schedule"

// FollowUpReserve is the time before the deadline under which a capture
// leaves what the lead is owed to the schedule.
const FollowUpReserve = 2 * time.Second

// deposit keeps a submission the lead's other writes kept beating in its
// inbox, then folds the inbox in until this touch is in (by this request
// or another). If even that keeps losing, the touch stays kept in the
// inbox and the next submission for the address folds it in; the answer
// is the same receipt either way. If there is no lead yet — every
// request racing to create it lost — it tries again itself (attempt: the
// capture's own write), so a burst never waits for a creator that gave up.
// If the lead was erased before the touch was kept, the touch becomes a
// new lead (anew: the capture's write without the idempotency record,
// which the deposit wrote) and then leaves the erased lead's inbox.
func (s *Service) deposit(ctx context.Context, sub lead.Submission, idem *Idempotency, body []byte, base string, attempt, anew func() (Result, error)) (Result, error) {
	var existing lead.Lead
	var created *Result
	err := FoldRetries.Do(ctx, func() error {
		var err error
		existing, err = s.Store.LeadByEmail(ctx, lead.HashEmail(sub.Email))
		if !errors.Is(err, ErrNotFound) && (err != nil || !existing.Erased) {
			return err
		}
		// No lead, or one erased since its claim was read: create one.
		res, err := attempt()
		if err == nil {
			created = &res
		}
		return err // a conflict: look again
	})
	if created != nil {
		return *created, nil
	}
	if errors.Is(err, ErrVersionConflict) {
		return Result{}, fmt.Errorf("capture: %w (no lead to leave the submission with)", err)
	}
	if err != nil {
		return Result{}, err
	}
	at := sub.Source.At
	t := lead.Touch{ID: s.NewID(at), Submission: sub, RequestID: s.NewID(at)}
	if idem != nil {
		idem.LeadID, idem.Outcome = existing.ID, Deposited
	}
	switch err := s.Store.Deposit(ctx, existing.ID, t, idem); {
	case errors.Is(err, ErrDuplicateRequest):
		return s.replay(ctx, idem, body)
	case err != nil:
		return Result{}, err
	}
	res := Result{LeadID: existing.ID, Outcome: Deposited}
	var fresh *Result // the new lead of a touch kept for an erased one
	err = FoldRetries.Do(ctx, func() error {
		l, err := s.Store.Lead(ctx, existing.ID)
		if err != nil {
			return err
		}
		if l.Erased {
			// Erased since it was found: nothing is folded into it, and
			// the touch must not stay in its inbox, where no export lists
			// it and no erasure removes it. It becomes a new lead first
			// (so nothing is lost if this stops here), then leaves.
			if fresh == nil {
				r, err := anew()
				if err != nil {
					return err
				}
				fresh = &r
			}
			return s.withdraw(ctx, l, t)
		}
		inbox, err := s.Store.Inbox(ctx, l.ID, MaxFold)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(inbox, func(x lead.Touch) bool { return x.ID == t.ID }) && len(inbox) < MaxFold {
			return nil // folded in by another write
		}
		merged, ch := s.fold(l, inbox, nil, base)
		merged, err = lead.Write(ctx, s.save(nil), merged, ch)
		if err != nil {
			return err
		}
		res.Lead = merged
		if slices.Contains(ch.Folded, t.ID) {
			res.Outcome = Merged
			return nil
		}
		return ErrVersionConflict // an older page of the inbox: go on
	})
	if fresh != nil {
		if err != nil {
			// Stored as a new lead; only taking the touch out of the
			// erased lead's inbox failed.
			fresh.FoldErr = err
		}
		return *fresh, nil
	}
	if err != nil && !errors.Is(err, ErrVersionConflict) {
		res.FoldErr = err // the touch is kept; only folding it in failed
	}
	return res, nil
}

// withdraw takes a touch out of an erased lead's inbox (nothing if it is
// gone already): a write of the lead as it is, folding the touch in
// without its content.
func (s *Service) withdraw(ctx context.Context, l lead.Lead, t lead.Touch) error {
	inbox, err := s.Store.Inbox(ctx, l.ID, maxWithdraw)
	if err != nil || !slices.ContainsFunc(inbox, func(x lead.Touch) bool { return x.ID == t.ID }) {
		return err
	}
	_, err = lead.Write(ctx, s.save(nil), l, lead.Change{At: t.Submission.Source.At, Folded: []string{t.ID}})
	return err
}

// maxWithdraw bounds the inbox withdraw looks through for its touch.
const maxWithdraw = 1000

// FoldRetries is how long a request that left its submission in the
// inbox keeps folding it in (and, before that, finding or creating its
// lead): each fold takes every waiting touch, so a few rounds see every
// one in. At least 30 attempts and 4 s, so a slow database under a burst
// does not turn a race about to be won into a 500; no attempt starts
// within DeadlineReserve of the function's deadline.
var FoldRetries = lead.Retry{Attempts: 30, Base: 5 * time.Millisecond, Cap: 200 * time.Millisecond, For: 4 * time.Second,
	Reserve: DeadlineReserve}

// DeadlineReserve is the time before the function's deadline in which a
// capture starts no further attempt at a write that keeps losing races:
// it keeps the submission in the lead's inbox (one write that cannot
// lose) and answers, with time left for the alert and the confirmation
// email, instead of being killed mid-loop (a 5xx, the touch perhaps
// unstored) when the database is slow under a burst for one address.
const DeadlineReserve = 3 * time.Second

// confirm sends the confirmation email the capture made owed, after the
// alert (which moved the lead on: it is read again); late, it leaves it
// to the schedule.
func (s *Service) confirm(ctx context.Context, res Result, owner, base string, late bool) (lead.Outcome, error) {
	l := res.Lead
	switch {
	case s.Confirm == nil || !l.ConfirmationDue(l.UpdatedAt):
		return "", nil
	case late:
		return LeftToSchedule, nil
	}
	if res.Handoff != "" || res.HandoffErr != nil {
		var err error
		if l, err = s.Store.Lead(ctx, l.ID); err != nil {
			return "", err
		}
	}
	return s.Confirm(ctx, l, owner, base)
}

func (s *Service) try(ctx context.Context, id string, sub lead.Submission, fromPage bool, idem *Idempotency, base, owner string) (Result, error) {
	l := lead.New(id, sub)
	l.LinkBase = base
	consent := l.AskConsent(sub.Consent, s.consentMode(sub.Source.Campaign), true, s.NewID(sub.Source.At), sub.Source.At)
	l.AddSignal(submissionSignal(sub))
	l.NoteForm(sub)
	ch := s.change(&l, lead.EventCaptured, "leads", sub, consent)
	if fromPage {
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: sub.Source.CampaignOrDefault(), Name: "page_leads"}) // report.PageLeadsCounter
	}
	if idem != nil {
		idem.LeadID, idem.Outcome = l.ID, Created
	}
	created := l
	if l.Handoff != nil {
		h := *l.Handoff // Claim fills in the rep: on a copy, in case it fails
		created.Handoff = &h
	}
	// A hot lead's create claims its alert too. If choosing the rep fails,
	// the alert follows the usual way (FollowUp, then the schedule).
	claimed := s.Alerts != nil && l.OwedToSales() && s.Alerts.Claim(ctx, &created, owner, base) == nil && created.Claims != nil
	if !claimed {
		created = l
	}
	err := s.Store.CreateLead(ctx, created, ch, idem)
	if err == nil {
		created.History = ch.Events // all there is: the alert need not read it back
		return Result{LeadID: created.ID, Outcome: Created, Lead: created, alertClaimed: claimed}, nil
	}
	if !errors.Is(err, ErrEmailTaken) {
		return Result{}, err
	}
	existing, err := s.Store.LeadByEmail(ctx, l.EmailHash)
	if errors.Is(err, ErrNotFound) || err == nil && existing.Erased {
		// The claim exists but its lead is not readable yet: retry. Or
		// the address was erased between reading its claim and its lead
		// (one transaction deletes the claim and anonymises the lead):
		// nothing of this form goes into the erased lead, where no
		// export or erasure would find it; the retry creates a new one.
		return Result{}, ErrVersionConflict
	}
	if err != nil {
		return Result{}, err
	}
	// Touches left waiting in the lead's inbox go in with this one.
	inbox, err := s.Store.Inbox(ctx, existing.ID, MaxFold)
	if err != nil {
		return Result{}, err
	}
	merged, ch := s.fold(existing, inbox, &lead.Touch{ID: s.NewID(sub.Source.At), Submission: sub, RequestID: s.NewID(sub.Source.At)}, base)
	if idem != nil {
		idem.LeadID, idem.Outcome = merged.ID, Merged
	}
	merged, err = lead.Write(ctx, s.save(idem), merged, ch)
	if err != nil {
		return Result{}, err
	}
	return Result{LeadID: merged.ID, Outcome: Merged, Lead: merged}, nil
}

// save is the versioned write of a merged lead, with the request's
// idempotency key (nil: none) in the same transaction, for lead.Write,
// which sets the version.
func (s *Service) save(idem *Idempotency) func(context.Context, lead.Lead, lead.Change) error {
	return func(ctx context.Context, l lead.Lead, ch lead.Change) error {
		return s.Store.SaveLead(ctx, l, ch, idem)
	}
}

// MaxFold bounds the inbox touches one write folds in (a transaction
// holds at most 100 items; each touch adds its event and its deletion).
const MaxFold = 20

// fold merges later submissions into a lead, oldest first: the inbox's
// touches, then next (nil: none). It returns the lead to write (at the
// version read: lead.Write sets the next) and what to record with it:
// each touch's event and counters, its deletion from the inbox, and one
// re-qualification.
func (s *Service) fold(l lead.Lead, inbox []lead.Touch, next *lead.Touch, base string) (lead.Lead, lead.Change) {
	var ch lead.Change
	absorb := func(t lead.Touch) {
		sub := t.Submission
		shows := interest(l, sub)
		// The same form again soon after (a double click, a reload, the
		// Back button, a corrected answer) is the same request: one
		// engagement, whatever it changed of the lead's data.
		again := shows && l.RepeatsForm(sub, s.repeatWindow(sub.Source.Campaign))
		// Unless it says something new: a repeat whose message the lead
		// had not sent is no more interest, but it is news for the rep.
		news := again && newMessage(l, sub)
		l = lead.Merge(l, sub)
		if l.LinkBase == "" {
			l.LinkBase = base
		}
		consent := l.AskConsent(sub.Consent, lead.ConsentDouble, false, t.RequestID, sub.Source.At)
		if shows && !again {
			l.AddSignal(submissionSignal(sub))
			l.AddSignal(lead.Signal{Kind: "resubmission", At: sub.Source.At})
			l.NoteForm(sub)
			// A lead sales holds or has won: its rep is told.
			l.AskAgain(sub.Source.At)
		}
		if news {
			l.AskAgain(sub.Source.At)
		}
		touch := submissionChange(t.ID, lead.EventResubmitted, "resubmissions", sub, consent)
		if !shows || (again && !news) {
			// Kept on the timeline, but no form the lead asked with: the
			// asked-again notice leaves it out.
			touch.Events[0].Data[lead.DataTouchOnly] = true
		}
		if again {
			touch.Events[0].Data[lead.DataRepeat] = true
		}
		ch.Add(touch)
		if !sub.Source.At.Before(ch.At) {
			ch.At = sub.Source.At
		}
	}
	for _, t := range inbox {
		absorb(t)
		ch.Folded = append(ch.Folded, t.ID)
	}
	if next != nil {
		absorb(*next)
	}
	s.qualify(&l, &ch)
	return l, ch
}

// change is the timeline event and counter of one submission plus what
// re-qualifying the lead changed.
func (s *Service) change(l *lead.Lead, kind, counter string, sub lead.Submission, consent string) lead.Change {
	ch := submissionChange(s.NewID(sub.Source.At), kind, counter, sub, consent)
	s.qualify(l, &ch)
	return ch
}

// submissionChange is one submission's timeline event and counters.
func submissionChange(eventID, kind, counter string, sub lead.Submission, consent string) lead.Change {
	ev := lead.SubmissionEvent(eventID, kind, sub)
	if consent != lead.ConsentNotAsked {
		ev.Data["consent_request"] = consent
	}
	campaign := sub.Source.CampaignOrDefault()
	ch := lead.Change{At: sub.Source.At, Events: []lead.Event{ev}, Counters: []lead.Counter{{Campaign: campaign, Name: counter}}}
	switch consent {
	case lead.ConsentGranted:
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: "optins"})
	case lead.ConsentRequested:
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: "optin_requests"})
	}
	return ch
}

// qualify re-grades the lead as of the change and records its lifecycle.
func (s *Service) qualify(l *lead.Lead, ch *lead.Change) {
	if s.Qualify != nil {
		ch.Add(s.Qualify.Qualify(l, ch.At))
	}
	l.Record(ch)
}

// repeatWindow is the engagement.repeat_window of a post naming campaign.
func (s *Service) repeatWindow(campaign string) time.Duration {
	if s.RepeatWindow == nil {
		return qualify.DefaultRepeatWindow
	}
	return s.RepeatWindow(campaign)
}

func (s *Service) consentMode(campaign string) string {
	if s.ConsentMode == nil {
		return lead.ConsentDouble
	}
	return s.ConsentMode(campaign)
}

// interest reports whether a later submission for lead l shows interest:
// a form of some type, a message, answers, or something new about the
// person. A post that only repeats what the lead already says (the
// address alone, or with the name and title it has) is a touch, not
// interest: anyone who knows an address, or has seen one of its emails,
// can send it.
func interest(l lead.Lead, sub lead.Submission) bool {
	if sub.FormType != "" || sub.Message != "" || len(sub.Answers) > 0 {
		return true
	}
	have := lead.ProfileFields(l.Submission)
	for field, v := range lead.ProfileFields(sub) {
		if !sameWords(v, have[field]) {
			return true
		}
	}
	return false
}

// newMessage reports whether sub's message is one the lead has not sent
// as its latest (spacing and case aside).
func newMessage(l lead.Lead, sub lead.Submission) bool {
	return strings.TrimSpace(sub.Message) != "" && !sameWords(sub.Message, l.Submission.Message)
}

// sameWords reports whether a and b say the same words (spacing and case
// aside).
func sameWords(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// submissionSignal is the engagement a form submission shows: its form
// type ("form:demo_request"), or a plain form fill.
func submissionSignal(sub lead.Submission) lead.Signal {
	return lead.Signal{Kind: qualify.FormSignal(sub.FormKind()), At: sub.Source.At}
}

// replay answers a request whose key was used: with the first answer for
// the same body (body: the request's), ErrIdempotencyConflict for another.
// A record stored before keyed body hashes (up to IdempotencyTTL before)
// holds the body's plain SHA-256.
func (s *Service) replay(ctx context.Context, idem *Idempotency, body []byte) (Result, error) {
	prev, err := s.Store.Idempotent(ctx, idem.Key)
	if err != nil {
		return Result{}, fmt.Errorf("capture: load idempotency record: %w", err)
	}
	if prev.BodyHash != idem.BodyHash && prev.BodyHash != hashBytes(body) {
		return Result{}, ErrIdempotencyConflict
	}
	return Result{LeadID: prev.LeadID, Outcome: Replayed, Receipt: prev.Receipt}, nil
}

func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
