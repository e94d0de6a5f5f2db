// Package privacy answers data-subject requests: export everything held
// about an address, and erase it — removing personal data from every item
// while keeping the anonymous counters and the lead's anonymous funnel
// state, and suppressing the address (by hash) so it is never mailed
// again. It imports no AWS code.
package privacy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/leadflow/leadflow/shared/customerlist"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
)

// Store is what privacy requests need.
type Store interface {
	LeadByEmail(ctx context.Context, emailHash string) (lead.Lead, error)
	Timeline(ctx context.Context, id string) ([]lead.Event, error)
	// Inbox lists up to limit submissions waiting to be folded into the
	// lead, oldest first.
	Inbox(ctx context.Context, leadID string, limit int) ([]lead.Touch, error)
	// Suppression is the address's entry on the suppression list (its
	// reason and time), lead.ErrNotFound when it is not listed.
	Suppression(ctx context.Context, emailHash string) (reason string, at time.Time, err error)
	// Erase rewrites the given events (the ones still holding personal
	// data, with it removed; the others are left as they are), then — last, so
	// an interrupted erasure can simply be run again — writes the
	// anonymised profile with ch's new events, deletes the email claim
	// and, with suppress, suppresses the hash (l.EmailHash; without it an
	// entry the address has stays as it is). The profile is written
	// without the hash and the list entry names no lead: anyone who knows
	// the address computes the hash, and must find nothing it kept.
	Erase(ctx context.Context, l lead.Lead, events []lead.Event, ch lead.Change, suppress bool) error
	// SuppressHash suppresses an address no lead is known for.
	SuppressHash(ctx context.Context, emailHash, reason string, at time.Time) error
	// RecordErasure records, first, that the address is being erased,
	// naming no lead (kept a short while): every writer of a customer
	// list takes the rows of the erasures and suppressions it reads out
	// of what it writes (customerlist.Removals).
	RecordErasure(ctx context.Context, emailHash string, at time.Time) error
	// ErasedSince reports whether an erasure of the address was recorded
	// (RecordErasure, within the last day) at or after since, to the
	// second: a stored export checks it after storing its copy.
	ErasedSince(ctx context.Context, emailHash string, since time.Time) (bool, error)
	customerlist.Removals
}

// Export is everything held about one address.
type Export struct {
	EmailHash string       `json:"email_hash"`
	Found     bool         `json:"found"`
	Lead      *lead.Lead   `json:"lead,omitempty"`
	Timeline  []lead.Event `json:"timeline,omitempty"`
	// Inbox are submissions for the lead not folded into it yet (a
	// burst of posts for the address): what they said is held too.
	Inbox      []lead.Touch `json:"inbox,omitempty"`
	Suppressed bool         `json:"suppressed"`
	// Suppression is the address's entry on the suppression list: why
	// and since when it is not mailed (nil: not listed).
	Suppression *Suppression `json:"suppression,omitempty"`
	// CustomerLists are the segment exports' files (keys in the export
	// bucket) that list the hashed address: what was, or is to be,
	// uploaded to ad platforms about the person. An erasure takes the
	// address out of each.
	CustomerLists []string `json:"customer_lists,omitempty"`
}

// Suppression is an address's entry on the suppression list.
type Suppression struct {
	Reason string    `json:"reason"` // unsubscribe, bounce, complaint, erasure
	At     time.Time `json:"at"`
}

// Exports are the files the segment exports wrote (the export bucket):
// customer lists of hashed addresses, one per segment and day.
type Exports interface {
	Keys(ctx context.Context, prefix string) ([]string, error)
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key, contentType string, body io.ReadSeeker, size int64) error
}

// Margin is the time a request keeps free before its deadline (the
// function's, within API Gateway's 30 s): it starts no new step — the
// lead's erasure, a customer list — closer to it than this, and answers
// that it is not finished, rather than let the gateway answer a bare 503
// while the function works on unseen.
const Margin = 3 * time.Second

// ErrUnfinished is a request that stopped before its deadline with steps
// left: an erasure run again picks up where it stopped (what it did is
// done; it redoes nothing that would change), an export run again starts
// over (it changed nothing).
var ErrUnfinished = errors.New("not finished before the request's deadline")

// Bucket is the export bucket: the segment exports' customer lists, and
// the exports too large to answer.
type Bucket interface {
	Exports
	Copies
}

// Service runs privacy requests.
type Service struct {
	Store Store
	// Exports is the segment exports' bucket an erasure takes the
	// address out of (nil: none).
	Exports Exports
	// Copies stores the exports too large to answer (nil: none), and
	// Bucket is its name in answers.
	Copies Copies
	Bucket string
	// InlineLimit overrides the package's InlineLimit (tests, the local
	// stack).
	InlineLimit int
	Clock       func() time.Time
}

// Export gathers a lead's data by email.
func (s *Service) Export(ctx context.Context, email string) (Export, error) {
	norm, reason := lead.NormaliseEmail(email)
	if reason != "" {
		return Export{}, invalidEmail(reason)
	}
	hash := lead.HashEmail(norm)
	if lead.NearDeadline(ctx, Margin) {
		return Export{}, ErrUnfinished
	}
	out := Export{EmailHash: hash}
	switch reason, at, err := s.Store.Suppression(ctx, hash); {
	case err == nil:
		out.Suppressed, out.Suppression = true, &Suppression{Reason: reason, At: at}
	case !errors.Is(err, lead.ErrNotFound):
		return Export{}, err
	}
	// Listed without a lead too: a file exported before an erasure that
	// was interrupted before its unlisting.
	if err := s.listing(ctx, hash, func(key string, _ []byte) error {
		out.CustomerLists = append(out.CustomerLists, key)
		return nil
	}); err != nil {
		return Export{}, err
	}
	l, err := s.Store.LeadByEmail(ctx, hash)
	if errors.Is(err, lead.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return Export{}, err
	}
	tl, err := s.Store.Timeline(ctx, l.ID)
	if err != nil {
		return Export{}, err
	}
	inbox, err := s.Store.Inbox(ctx, l.ID, MaxInbox)
	if err != nil {
		return Export{}, err
	}
	out.Found, out.Lead, out.Timeline, out.Inbox = true, &l, tl, inbox
	return out, nil
}

// MaxInbox bounds the waiting submissions an export lists: capture folds
// at most a few dozen at a time, so an inbox is never near it.
const MaxInbox = 10000

// invalidEmail is an address the request cannot be for: a
// *lead.ValidationError (errors.Is lead.ErrInvalid) naming the field and
// why.
func invalidEmail(reason string) error {
	return &lead.ValidationError{Fields: []lead.FieldError{{Field: "email", Reason: reason}}}
}

// Result of an erasure.
type Result struct {
	EmailHash string `json:"email_hash"`
	LeadID    string `json:"lead_id,omitempty"`
	Erased    bool   `json:"erased"`
	Events    int    `json:"events_anonymised"`
	// Exports is how many segment export files listed the address (and
	// no longer do).
	Exports int `json:"exports_unlisted"`
}

// Erase removes an address's personal data. Without a lead the hash is
// still suppressed, so the address is not mailed if it ever arrives.
// Near its deadline it starts no new step and returns what it did with
// ErrUnfinished: run again, it finishes (the lead, erased already, is
// not found again; the customer lists still listing the address are
// unlisted).
func (s *Service) Erase(ctx context.Context, email string) (Result, error) {
	norm, reason := lead.NormaliseEmail(email)
	if reason != "" {
		return Result{}, invalidEmail(reason)
	}
	return s.erase(ctx, lead.HashEmail(norm), nil, "")
}

// ErrKept is a retention erasure that found the lead no longer past
// retention (activity since the sweep read it), or the address's lead
// another one than the sweep read: nothing was erased.
var ErrKept = errors.New("kept: no longer past retention")

// EraseRetained erases a lead the retention sweep found past retention:
// the erasure a request runs for its address (l.EmailHash), so there is
// one way personal data is removed — the timeline and profile
// anonymised, the claim deleted, the address suppressed, the stored
// export deleted, the customer lists rewritten, counters untouched. Its
// erased event says why (reason "retention"). still checks the lead
// again as the erasure reads it, before it records anything and at each
// attempt of the write: a lead with activity since the sweep read it is
// kept (false, no error). Stopped by its deadline after the lead was
// erased, it returns ErrUnfinished with unfinished set: FinishErasure
// with it does the rest (the customer lists), as a request run again
// would.
func (s *Service) EraseRetained(ctx context.Context, l lead.Lead, still func(lead.Lead) bool) (erased bool, unfinished string, err error) {
	if l.EmailHash == "" || l.Erased {
		return false, "", nil
	}
	keep := func(cur lead.Lead) bool { return cur.ID != l.ID || cur.Erased || !still(cur) }
	// Before the erasure records itself (which takes the address out of
	// the day's customer lists and stored exports): a lead it would then
	// keep must not lose those.
	switch cur, err := s.Store.LeadByEmail(ctx, l.EmailHash); {
	case errors.Is(err, lead.ErrNotFound):
		return false, "", nil
	case err != nil:
		return false, "", err
	case keep(cur):
		return false, "", nil
	}
	res, err := s.erase(ctx, l.EmailHash, keep, ReasonRetention)
	switch {
	case errors.Is(err, ErrKept):
		return false, "", nil
	case err != nil && res.Erased:
		return true, l.EmailHash, err
	}
	return res.Erased, "", err
}

// FinishErasure finishes a retention erasure EraseRetained left
// unfinished (its unfinished value: the address's hash): the lead is
// erased, the customer lists still listing the address are rewritten.
func (s *Service) FinishErasure(ctx context.Context, unfinished string) error {
	_, err := s.erase(ctx, unfinished, func(lead.Lead) bool { return true }, ReasonRetention)
	if errors.Is(err, ErrKept) {
		// A new lead of the address since: it is not past retention, and
		// its address stays listed where its exports put it.
		return nil
	}
	return err
}

// ReasonRetention is the reason of a retention erasure's erased event
// (and so of the lead.erased it publishes); a request's has none.
const ReasonRetention = "retention"

// erase is the erasure of the address whose hash is given. keep, when
// set, is asked about the lead as each attempt of the write reads it: true
// stops the erasure with ErrKept before anything of the lead is changed.
// reason goes into the erased event ("" for a request).
func (s *Service) erase(ctx context.Context, hash string, keep func(lead.Lead) bool, reason string) (Result, error) {
	now := s.Clock()
	if lead.NearDeadline(ctx, Margin) {
		return Result{EmailHash: hash}, ErrUnfinished
	}
	if s.Exports != nil || s.Copies != nil {
		// Before anything else: an export that read the lead before the
		// erasure and stores its files after the erasure looked at the
		// bucket reads this record after storing them, and takes the
		// address out itself (a segment export) or deletes its copy (a
		// stored data-subject export).
		if err := s.Store.RecordErasure(ctx, hash, now); err != nil {
			return Result{}, err
		}
	}
	// The erasure is the lead's read-modify-write like any other (one
	// owner: lead.UpdateWith): a tick or a click writing the lead
	// meanwhile makes it read and anonymise again, not answer 409. The
	// write reads the timeline it anonymises at each attempt, and
	// rewrites only the events that still hold more than their funnel
	// fact: a timeline too long to rewrite in one request (thousands of
	// page views) is finished by running the request again, each run
	// going on where the last stopped rather than starting over.
	anonymised := 0
	erase := func(ctx context.Context, anon lead.Lead, ch lead.Change) error {
		// The lead's stored export goes before the lead is erased: run
		// again after an interruption, the erasure finds the lead (and
		// so the copy's key) until the lead's erasure is written, last.
		if s.Copies != nil {
			if err := s.Copies.Delete(ctx, CopyKey(anon.ID)); err != nil {
				return fmt.Errorf("stored export: %w", err)
			}
		}
		tl, err := s.Store.Timeline(ctx, anon.ID)
		if err != nil {
			return err
		}
		var events []lead.Event
		for _, e := range tl {
			if !isFunnelFact(e) {
				events = append(events, funnelFact(e))
			}
		}
		anonymised = len(tl)
		// A request suppresses the address (the person asked to be
		// forgotten: never mailed again); retention does not (nobody
		// asked, and a person who comes back and opts in again is a new
		// lead marketing may mail), keeping an unsubscribe's or a
		// bounce's entry as it was.
		return s.Store.Erase(ctx, anon, events, ch, reason != ReasonRetention)
	}
	byEmail := func(ctx context.Context, _ string) (lead.Lead, error) { return s.Store.LeadByEmail(ctx, hash) }
	l, err := lead.UpdateWith(ctx, byEmail, erase, hash, func(l *lead.Lead) (lead.Change, error) {
		if keep != nil && keep(*l) {
			return lead.Change{}, ErrKept
		}
		*l = Anonymise(*l, now)
		// The erasure is published (lead.erased) so systems that copied
		// the person's data delete it too.
		ev := lead.Event{At: now, Kind: lead.EventErased, ID: ids.New(now)}
		if reason != "" {
			ev.Data = map[string]any{"reason": reason}
		}
		return lead.Change{At: now, Events: []lead.Event{ev}}, nil
	})
	res := Result{EmailHash: hash}
	switch {
	case errors.Is(err, ErrKept):
		return res, err
	case errors.Is(err, lead.ErrNotFound) && keep != nil:
		// A retention erasure whose lead went meanwhile (erased on
		// request, or by this erasure's earlier run: FinishErasure): that
		// erasure suppressed the address; the customer lists are
		// unlisted below.
	case errors.Is(err, lead.ErrNotFound):
		// No lead (or another request erased it first): the hash is still
		// suppressed, so the address is not mailed if it ever arrives.
		if err := s.Store.SuppressHash(ctx, hash, "erasure", now); err != nil {
			return Result{}, err
		}
	case err != nil:
		return Result{}, err
	default:
		res.LeadID, res.Erased, res.Events = l.ID, true, anonymised
	}
	// Last, and also when the lead is gone (a run again after an
	// interruption): the customer lists exported before still name the
	// person by the hashed address an ad platform matches.
	if res.Exports, err = s.unlist(ctx, hash); err != nil {
		if errors.Is(err, ErrUnfinished) {
			return res, err
		}
		return Result{}, err
	}
	return res, nil
}

// freshRemovals is customerlist.Fresh over the store's erasures and
// suppressions.
func (s *Service) freshRemovals(ctx context.Context, taken map[string]bool) (map[string]bool, error) {
	fresh, err := customerlist.Fresh(ctx, s.Store, taken)
	if err != nil {
		return nil, fmt.Errorf("segment exports: erasures and suppressions: %w", err)
	}
	return fresh, nil
}

// unlist takes a hashed address out of every customer list the segment
// exports left in the bucket, and says how many listed it. A list is
// written without the rows of every erasure and suppression recorded
// (the others' too): what this erasure read may be older than what
// another erasure, or an export, wrote since — an export that took out
// an address suppressed while it ran, say. So after writing, it reads
// them again and, while one it had not taken out is new, reads the lists
// it wrote again and writes each still holding such a row without it
// (customerlist.Removals).
func (s *Service) unlist(ctx context.Context, hash string) (int, error) {
	if s.Exports == nil {
		return 0, nil
	}
	taken := map[string]bool{hash: true}
	if _, err := s.freshRemovals(ctx, taken); err != nil {
		return 0, err
	}
	var written []string
	err := s.listing(ctx, hash, func(key string, body []byte) error {
		kept, _ := customerlist.Drop(body, taken)
		if err := s.Exports.Put(ctx, key, customerlist.ContentType, bytes.NewReader(kept), int64(len(kept))); err != nil {
			return fmt.Errorf("segment exports: %w", err)
		}
		written = append(written, key)
		return nil
	})
	if err != nil {
		return len(written), err // ErrUnfinished: these are done
	}
	n := len(written)
	for round := 0; len(written) > 0; round++ {
		fresh, err := s.freshRemovals(ctx, taken)
		if err != nil {
			return 0, err
		}
		if len(fresh) == 0 {
			break
		}
		if round >= customerlist.MaxRounds {
			return 0, fmt.Errorf("segment exports: erasures and suppressions kept coming for %d rounds", round)
		}
		var again []string
		for _, key := range written {
			body, err := s.Exports.Get(ctx, key)
			if err != nil {
				return 0, fmt.Errorf("segment exports: %w", err)
			}
			kept, dropped := customerlist.Drop(body, taken)
			if dropped == 0 {
				continue
			}
			if err := s.Exports.Put(ctx, key, customerlist.ContentType, bytes.NewReader(kept), int64(len(kept))); err != nil {
				return 0, fmt.Errorf("segment exports: %w", err)
			}
			again = append(again, key)
		}
		written = again
	}
	return n, nil
}

// listing calls fn with each customer list of the export bucket that
// lists the hashed address (its key and body), in key order; nothing
// without a bucket. It reads no list within Margin of ctx's deadline:
// ErrUnfinished, after fn ran for the lists before.
func (s *Service) listing(ctx context.Context, hash string, fn func(key string, body []byte) error) error {
	if s.Exports == nil {
		return nil
	}
	keys, err := s.Exports.Keys(ctx, customerlist.Prefix)
	if err != nil {
		return fmt.Errorf("segment exports: %w", err)
	}
	for _, key := range keys {
		if !customerlist.IsList(key) {
			continue
		}
		if lead.NearDeadline(ctx, Margin) {
			return ErrUnfinished
		}
		body, err := s.Exports.Get(ctx, key)
		if err != nil {
			return fmt.Errorf("segment exports: %w", err)
		}
		if _, found := customerlist.Without(body, hash); !found {
			continue
		}
		if err := fn(key, body); err != nil {
			return err
		}
	}
	return nil
}

// Anonymise keeps what the funnel numbers need (stage, campaign, grade,
// dates, signal kinds) and drops everything that identifies or describes
// the person: contact fields, answers, messages, consent records (IP, user
// agent), URLs, reasons that quote their answers. It keeps the version
// it was given: the write that stores it (lead.UpdateWith) sets the next.
func Anonymise(l lead.Lead, now time.Time) lead.Lead {
	out := lead.Lead{
		ID: l.ID, EmailHash: l.EmailHash, Stage: l.Stage, Touches: l.Touches,
		CreatedAt: l.CreatedAt, UpdatedAt: now, Version: l.Version,
		FirstTouch: l.FirstTouch.CampaignFacts(), LastTouch: l.LastTouch.CampaignFacts(),
	}
	for _, s := range l.Signals {
		// Which pages of the site the person read: the path, and the key,
		// an unkeyed hash of the page or link (lead.DailyKey) anyone with
		// the site's pages or the emails' links recomputes. An erased lead
		// records no signal again, so no repeat needs the key.
		s.Page, s.Key = "", ""
		out.Signals = append(out.Signals, s)
	}
	out.Submission = lead.Submission{Email: "", Country: l.Country, Source: out.LastTouch}
	if q := l.Qualification; q != nil {
		out.Qualification = &lead.Qualification{Grade: q.Grade, FitPoints: q.FitPoints, Score: q.Score,
			Temperature: q.Temperature, Disqualified: q.Disqualified, Campaign: q.Campaign, At: q.At}
	}
	if h := l.Handoff; h != nil {
		cp := *h
		switch cp.State {
		case lead.HandoffPending, lead.HandoffSent, lead.HandoffEscalated, lead.HandoffHeld:
			// Nothing is owed for an erased person: no alert, no
			// escalation, no release of a held alert, and no answer to
			// one nobody answered (its links, fresh links).
			cp.State = lead.HandoffAnswered
		}
		out.Handoff = &cp
	}
	if n := l.Nurture; n != nil {
		cp := *n
		cp.Sends = nil
		out.Nurture = &cp
		out.ExitNurture("erased")
	}
	if d := l.Deal; d != nil {
		// The deal's funnel facts: what it counted, so the CRM can still
		// cancel or correct it (the counters then lose exactly that), and
		// who accepted it, when, for how much. Not the person's name and
		// company its emails show, why it was lost, what they asked, nor
		// a reminder to the rep about them.
		out.Deal = &lead.Deal{AcceptedAt: d.AcceptedAt, Rep: d.Rep, Amount: d.Amount, Currency: d.Currency,
			RevenueMinor: d.RevenueMinor, AmountSentAt: d.AmountSentAt, ClosedAt: d.ClosedAt, ClosedRecordedAt: d.ClosedRecordedAt, Source: d.Source,
			Applied: d.Applied, Counted: d.Counted,
			// The CRM's deal and the lead that counts it: ids, so that an
			// erased contact's outcomes still count none of the deal twice.
			ID: d.ID, CountedOn: d.CountedOn}
		if p := d.Owed; p != nil {
			// A rep's reversal of this contact still to be made where
			// the deal counts: a funnel fact, without the rep's comment.
			cp := *p
			cp.Comment = ""
			out.Deal.Owed = &cp
		}
	}
	out.Erased = true
	out.Suppressed = "erasure"
	out.Recorded = l.Recorded
	return out
}

// isFunnelFact reports whether e holds nothing but its funnel fact: an
// event an erasure (an earlier, interrupted run of it) already rewrote,
// or one that never held more.
func isFunnelFact(e lead.Event) bool {
	for k, v := range e.Data {
		if implied, _ := v.(bool); k != lead.DataSQLImplied || !implied {
			return false
		}
	}
	return true
}

// funnelFact is an event as an erasure keeps it: when and what, no
// content — except the one flag the funnel's counts read from it: a deal
// won straight from SAL counted an SQL with it (lead.DataSQLImplied), and
// without the flag a recount from the timeline had one SQL less than the
// campaign's counter.
func funnelFact(e lead.Event) lead.Event {
	out := lead.Event{At: e.At, Kind: e.Kind, ID: e.ID}
	if implied, _ := e.Data[lead.DataSQLImplied].(bool); implied {
		out.Data = map[string]any{lead.DataSQLImplied: true}
	}
	return out
}
