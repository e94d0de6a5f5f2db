// Package memstore is an in-memory implementation of the store operations
// the domain packages declare, with the same semantics as the DynamoDB
// adapter in shared/store: whole-lead writes with a version check, the
// unique email claim, idempotency records with TTL, suppression, send
// markers, the sparse due index, campaign counters and timeline events,
// every multi-item write all or nothing. shared/store/contract_test.go
// runs the same cases against both and requires identical outcomes.
//
// It is for unit tests (no emulator needed). Values are deep-copied in and
// out, as a database round trip copies them, so a caller changing a lead it
// read never changes the stored one. It is safe for concurrent use. It
// imports no AWS code.
package memstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/sendonce"
)

// The domain interfaces this package can import without an import cycle
// in their own tests; memstore_test.go checks the rest.
var (
	_ capture.Store  = (*Store)(nil)
	_ lead.Store     = (*Store)(nil)
	_ sendonce.Store = (*Store)(nil)
	_ report.Store   = (*Store)(nil)
)

// DueShards is the number of due-index shards, as in the adapter.
const DueShards = 8

// Store is the in-memory table. The zero value is not usable: use New.
type Store struct {
	// inbox holds the touches waiting in each lead's inbox, by id.
	inbox       map[string]map[string]lead.Touch
	deals       map[string]string // CRM deal id → the lead that counts it
	mu          sync.Mutex
	profiles    map[string]profile            // lead id → profile
	emails      map[string]string             // email hash → lead id
	events      map[string]map[string][]byte  // lead id → event sort key → event (JSON)
	idem        map[string]idemRecord         // hashed key → record
	suppressed  map[string]suppression        // email hash → why
	stats       map[statsKey]map[string]int64 // campaign, variant, month → counters
	turns       map[string]int64              // team → turns taken
	rates       map[string]int64              // rate key with window → calls
	once        map[string]time.Time          // Once keys
	alerts      map[string]*alertWindow       // alert flood control: source and window → slots, holds
	erasures    map[string]time.Time          // email hash → when its erasure was recorded
	suppressing map[string]time.Time          // email hash → when its suppression was recorded
	viewers     map[string]bool               // visitor#variant: page views counted
}

// New returns an empty store.
func New() *Store {
	return &Store{
		profiles: map[string]profile{}, emails: map[string]string{}, events: map[string]map[string][]byte{},
		idem: map[string]idemRecord{}, suppressed: map[string]suppression{},
		stats: map[statsKey]map[string]int64{}, turns: map[string]int64{}, rates: map[string]int64{}, once: map[string]time.Time{},
		inbox: map[string]map[string]lead.Touch{}, erasures: map[string]time.Time{}, suppressing: map[string]time.Time{},
		viewers: map[string]bool{}, deals: map[string]string{},
	}
}

// DealHolder is the lead a CRM deal counts on ("" when none claimed it).
func (s *Store) DealHolder(_ context.Context, dealID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deals[dealID], nil
}

// profile is a stored lead: its JSON and what the adapter keeps in
// attributes (version, due-index keys).
type profile struct {
	id      string
	data    []byte
	version int
	// dueShard and dueSK are the sparse due-index keys, set only while
	// something is due (dueSK == "" otherwise).
	dueShard int
	dueSK    string
}

type idemRecord struct {
	leadID, bodyHash, receipt string
	outcome                   capture.Outcome
	expiresAt                 int64 // epoch seconds, like the table's TTL attribute
}

type suppression struct {
	reason string
	at     time.Time
	leadID string
}

// statsKey is a stats item: a campaign's (or variant's) month, or a
// sales rep's (rep set, campaign and variant empty).
type statsKey struct{ campaign, variant, month, rep string }

// Errors the adapter reports as DynamoDB validation or condition failures
// that map to no domain error. They are not sentinels callers test for.
var (
	errProfileExists = errors.New("a profile with this id exists")
	errEventExists   = errors.New("an event with this key exists")
)

func wrap(op string, err error) error { return fmt.Errorf("memstore: %s: %w", op, err) }

// --- leads --------------------------------------------------------------

// CreateLead writes email claim, profile, timeline events, campaign
// counters and idempotency record at once: capture.ErrDuplicateRequest
// when the idempotency key is taken (and not expired at ch.At),
// capture.ErrEmailTaken when the email is claimed.
func (s *Store) CreateLead(_ context.Context, l lead.Lead, ch lead.Change, idem *capture.Idempotency) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.prepare(l, ch, idem)
	if err != nil {
		return err
	}
	_, claimed := s.emails[l.EmailHash]
	_, exists := s.profiles[l.ID]
	switch {
	case w.idemTaken:
		return capture.ErrDuplicateRequest
	case claimed:
		return capture.ErrEmailTaken
	case exists:
		return wrap("write lead", errProfileExists)
	case w.eventExists:
		return wrap("write lead", errEventExists)
	}
	if sup, ok := s.suppressed[l.EmailHash]; ok && l.Suppressed == "" {
		// The adapter gives a lead of a listed address its copy.
		l.CarrySuppression(sup.reason)
		if w.profile, err = newProfile(l); err != nil {
			return err
		}
	}
	s.emails[l.EmailHash] = l.ID
	s.putProfile(w.profile)
	s.apply(w)
	return nil
}

// SaveLead replaces a lead's profile if its stored version is
// l.Version-1, with its events, counters and idempotency record:
// capture.ErrVersionConflict or capture.ErrDuplicateRequest otherwise.
func (s *Store) SaveLead(_ context.Context, l lead.Lead, ch lead.Change, idem *capture.Idempotency) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.prepare(l, ch, idem)
	if err != nil {
		return err
	}
	switch {
	case w.idemTaken:
		return capture.ErrDuplicateRequest
	case !s.versionOK(l), w.foldGone, w.dealTaken:
		return capture.ErrVersionConflict
	case w.eventExists:
		return wrap("write lead", errEventExists)
	}
	s.putProfile(w.profile)
	s.apply(w)
	return nil
}

// Deposit keeps a touch in its lead's inbox, with the idempotency record
// (capture.ErrDuplicateRequest when the key is taken).
func (s *Store) Deposit(_ context.Context, leadID string, t lead.Touch, idem *capture.Idempotency) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if idem != nil {
		if s.idemTaken(idem, t.Submission.Source.At) {
			return capture.ErrDuplicateRequest
		}
		s.putIdem(idem)
	}
	if s.inbox[leadID] == nil {
		s.inbox[leadID] = map[string]lead.Touch{}
	}
	s.inbox[leadID][t.ID] = t
	return nil
}

// Inbox lists up to limit touches of a lead's inbox, oldest (lowest id)
// first.
func (s *Store) Inbox(_ context.Context, leadID string, limit int) ([]lead.Touch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.inbox[leadID]))
	for id := range s.inbox[leadID] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]lead.Touch, 0, min(limit, len(ids)))
	for _, id := range ids[:min(limit, len(ids))] {
		out = append(out, s.inbox[leadID][id])
	}
	return out, nil
}

// SavePair saves two leads, each if its stored version is its
// Version-1, with both changes' events, counters and deal claims, or
// nothing (lead.ErrVersionConflict), as the adapter's one transaction.
// Both changes count in the month of a's At.
func (s *Store) SavePair(_ context.Context, a lead.Lead, ach lead.Change, b lead.Lead, bch lead.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	bch.At = ach.At
	var ws []write
	for _, x := range []struct {
		l  lead.Lead
		ch lead.Change
	}{{a, ach}, {b, bch}} {
		w, err := s.prepare(x.l, x.ch, nil)
		if err != nil {
			return err
		}
		switch {
		case !s.versionOK(x.l), w.dealTaken:
			return capture.ErrVersionConflict
		case w.eventExists:
			return wrap("write leads", errEventExists)
		}
		ws = append(ws, w)
	}
	for _, w := range ws {
		s.putProfile(w.profile)
		s.apply(w)
	}
	return nil
}

// Save is SaveLead without an idempotency record.
func (s *Store) Save(ctx context.Context, l lead.Lead, ch lead.Change) error {
	return s.SaveLead(ctx, l, ch, nil)
}

// Lead loads a lead by id, or lead.ErrNotFound.
func (s *Store) Lead(_ context.Context, id string) (lead.Lead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lead(id)
}

func (s *Store) lead(id string) (lead.Lead, error) {
	p, ok := s.profiles[id]
	if !ok {
		return lead.Lead{}, lead.ErrNotFound
	}
	return decodeLead(p.data)
}

// LeadByEmail follows the email claim to the lead, or lead.ErrNotFound.
func (s *Store) LeadByEmail(_ context.Context, emailHash string) (lead.Lead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.emails[emailHash]
	if !ok {
		return lead.Lead{}, lead.ErrNotFound
	}
	return s.lead(id)
}

// Idempotent loads the record of a (hashed) idempotency key, expired or
// not, or lead.ErrNotFound.
func (s *Store) Idempotent(_ context.Context, k string) (capture.Idempotency, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.idem[k]
	if !ok {
		return capture.Idempotency{}, lead.ErrNotFound
	}
	return capture.Idempotency{Key: k, BodyHash: r.bodyHash, Receipt: r.receipt, LeadID: r.leadID, Outcome: r.outcome,
		ExpiresAt: time.Unix(r.expiresAt, 0).UTC()}, nil
}

// Timeline returns a lead's events in time order (lead.ByTime), as the
// adapter's does.
func (s *Store) Timeline(_ context.Context, leadID string) ([]lead.Event, error) {
	out, err := s.keyOrdered(leadID)
	slices.SortStableFunc(out, lead.ByTime)
	return out, err
}

// keyOrdered is a lead's events in the order of their sort keys
// (EVT#<rfc3339nano>#<kind>#<id>), as the adapter's query reads them.
func (s *Store) keyOrdered(leadID string) ([]lead.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs := s.events[leadID]
	keys := make([]string, 0, len(evs))
	for k := range evs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []lead.Event
	for _, k := range keys {
		var ev lead.Event
		if err := json.Unmarshal(evs[k], &ev); err != nil {
			return nil, wrap("decode event", err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// RecentEvents is the adapter's bounded read: newest first in key order,
// it examines at most lead.RecentBudget events and stops once it holds
// more than r.Max that r wants and has examined the rest of that second.
func (s *Store) RecentEvents(_ context.Context, leadID string, r lead.Recent) ([]lead.Event, bool, error) {
	all, err := s.keyOrdered(leadID)
	if err != nil {
		return nil, false, err
	}
	scan := lead.RecentScan{R: r}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].At.Before(r.From.Truncate(time.Second)) {
			break // before the adapter's key range: never examined
		}
		if !scan.Take(all[i]) {
			break
		}
	}
	events, more := scan.Answer()
	return events, more, nil
}

// ScanLeads calls fn for every lead, in id order.
func (s *Store) ScanLeads(_ context.Context, fn func(lead.Lead) error) error {
	for _, l := range s.Leads() {
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

// Leads returns every stored lead in id order (a test's view of the
// table).
func (s *Store) Leads() []lead.Lead {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.profiles))
	for id := range s.profiles {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]lead.Lead, 0, len(ids))
	for _, id := range ids {
		l, err := s.lead(id)
		if err != nil {
			panic(err) // written by this package from a lead.Lead
		}
		out = append(out, l)
	}
	return out
}

// --- send protocol ------------------------------------------------------

// Put writes l alone if its stored version is l.Version-1
// (lead.ErrVersionConflict otherwise), with ch's events and counters. The
// adapter records those from the table's stream shortly after; here they
// are recorded at once, as if the stream had run. Counters need an event,
// as in the adapter.
func (s *Store) Put(_ context.Context, l lead.Lead, ch lead.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(ch.Counters) > 0 && len(ch.Events) == 0 {
		return wrap("put lead", errors.New("counters without an event cannot be recorded exactly once"))
	}
	w, err := s.prepare(l, ch, nil)
	if err != nil {
		return err
	}
	if !s.versionOK(l) {
		return lead.ErrVersionConflict
	}
	s.putProfile(w.profile)
	if !w.eventExists { // the adapter's stream skips a recorded batch
		s.apply(w)
	}
	return nil
}

// NextTurn takes the next turn of a team's round robin: 0, 1, 2, …
func (s *Store) NextTurn(_ context.Context, team string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.turns[team]++
	return s.turns[team] - 1, nil
}

// --- suppression and erasure ------------------------------------------

// Suppressed reports whether an email hash is on the suppression list.
func (s *Store) Suppressed(ctx context.Context, emailHash string) (bool, error) {
	_, _, err := s.Suppression(ctx, emailHash)
	return err == nil, nil
}

// Suppression is an email hash's entry on the suppression list: its
// reason and time; lead.ErrNotFound when it is not listed.
func (s *Store) Suppression(_ context.Context, emailHash string) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.suppressed[emailHash]
	if !ok {
		return "", time.Time{}, lead.ErrNotFound
	}
	return e.reason, e.at, nil
}

// Suppress puts the lead's address on the suppression list with the
// lead's new state (its Suppressed copy set), events and counters,
// atomically:
// lead.ErrVersionConflict first, then lead.ErrAlreadySuppressed when the
// stored lead has its copy (the first record is kept and nothing is
// written) or the entry was made for this lead (l is written, ch not); a
// lead listed before it existed is written with l and ch.
func (s *Store) Suppress(_ context.Context, l lead.Lead, ch lead.Change, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.suppressing[l.EmailHash] = ch.At // first, whatever follows (RecentSuppressions)
	if l.Suppressed == "" {
		l.Suppressed = reason
	}
	w, err := s.prepare(l, ch, nil)
	if err != nil {
		return err
	}
	_, already := s.suppressed[l.EmailHash]
	switch {
	case !s.versionOK(l):
		return lead.ErrVersionConflict
	case already:
		if stored, err := s.lead(l.ID); err != nil || stored.Suppressed != "" {
			return lead.ErrAlreadySuppressed
		}
		if s.suppressed[l.EmailHash].leadID == l.ID {
			// Listed for this very lead before leads carried the copy: its
			// suppression was recorded then; it gets the copy, nothing is
			// counted twice.
			s.putProfile(w.profile)
			return lead.ErrAlreadySuppressed
		}
		if w.eventExists {
			return wrap("write lead", errEventExists)
		}
		// Listed before the lead existed (an erasure of the address): the
		// lead is written with its change, the list entry kept as first
		// written.
		s.putProfile(w.profile)
		s.apply(w)
		return nil
	case w.eventExists:
		return wrap("write lead", errEventExists)
	}
	s.putProfile(w.profile)
	s.suppressed[l.EmailHash] = suppression{reason: reason, at: ch.At, leadID: l.ID}
	s.apply(w)
	return nil
}

// SuppressHash suppresses an address by hash alone, replacing any record
// (recording nothing for the lists' writers, as the adapter).
func (s *Store) SuppressHash(_ context.Context, emailHash, reason string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.suppressed[emailHash] = suppression{reason: reason, at: at}
	return nil
}

// RecordErasure records that the address of emailHash is being erased
// (the adapter keeps the record store.ErasureMemory; this one, always).
func (s *Store) RecordErasure(_ context.Context, emailHash string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.erasures[emailHash] = at
	return nil
}

// ErasedSince reports whether an erasure of the address was recorded at
// or after since, to the second (as the adapter keeps it).
func (s *Store) ErasedSince(_ context.Context, emailHash string, since time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.erasures[emailHash]
	return ok && at.Unix() >= since.Unix(), nil
}

// RecentErasures are the email hashes of the recorded erasures, sorted.
func (s *Store) RecentErasures(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.erasures)), nil
}

// RecentSuppressions are the email hashes of the suppressions recorded
// by Suppress (the adapter keeps each record
// store.ErasureMemory; this one, always), sorted.
func (s *Store) RecentSuppressions(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.suppressing)), nil
}

// Erase overwrites the given events (not atomically with the rest, like
// the adapter's batch writes), then writes the anonymised profile
// (version check: lead.ErrVersionConflict), deletes the email claim and
// suppresses the address, atomically.
func (s *Store) Erase(_ context.Context, l lead.Lead, events []lead.Event, ch lead.Change, suppress bool) error {
	at, hash := ch.At, l.EmailHash
	l.EmailHash = "" // the profile keeps no link to the address, nor the list entry to the lead
	s.mu.Lock()
	defer s.mu.Unlock()
	items := make(map[string][]byte, len(events))
	for _, ev := range events {
		b, err := json.Marshal(ev)
		if err != nil {
			return wrap("marshal event", err)
		}
		items[eventSK(ev)] = b
	}
	if suppress {
		l.Suppressed = "erasure"
	}
	p, err := newProfile(l)
	if err != nil {
		return err
	}
	for k, b := range items {
		s.putEvent(l.ID, k, b)
	}
	delete(s.inbox, l.ID) // touches never folded in are personal data too
	if !s.versionOK(l) {
		return lead.ErrVersionConflict
	}
	for _, ev := range ch.Events {
		b, err := json.Marshal(ev)
		if err != nil {
			return wrap("marshal event", err)
		}
		s.putEvent(l.ID, eventSK(ev), b)
	}
	s.putProfile(p)
	delete(s.emails, hash)
	if suppress {
		s.suppressed[hash] = suppression{reason: "erasure", at: at}
	}
	return nil
}

// --- due index ----------------------------------------------------------

// dueLayout is the adapter's fixed-width due time.
const dueLayout = "2006-01-02T15:04:05.000000000Z"

func dueShard(leadID string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(leadID))
	return int(h.Sum32() % DueShards)
}

// Due returns up to limit leads of one shard due at or before now,
// soonest first (by the adapter's index sort key).
func (s *Store) Due(_ context.Context, shard int, now time.Time, limit int) ([]lead.Lead, error) {
	if limit < 1 {
		return nil, wrap("query due", errors.New("Limit must be greater than or equal to 1"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	upTo := now.UTC().Format(dueLayout) + "#~"
	type due struct {
		sk string
		p  profile
	}
	var hits []due
	for _, p := range s.profiles {
		if p.dueSK != "" && p.dueShard == shard && p.dueSK <= upTo {
			hits = append(hits, due{p.dueSK, p})
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].sk < hits[j].sk })
	out := make([]lead.Lead, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		l, err := decodeLead(h.p.data)
		if err != nil {
			return nil, wrap("decode due lead", err)
		}
		out = append(out, l)
	}
	return out, nil
}

// OpenLeads lists the leads open with a rep accepted at or after since
// (to the second, as the adapter's sort key), oldest acceptance first
// (the adapter's sparse GSI2).
func (s *Store) OpenLeads(_ context.Context, rep string, since time.Time, limit int) ([]lead.Lead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []lead.Lead
	for _, p := range s.profiles {
		l, err := decodeLead(p.data)
		if err != nil {
			return nil, wrap("decode open lead", err)
		}
		if w := l.OpenWith(); w != "" && lead.RepKey(w) == lead.RepKey(rep) && // the adapter keys the index by the address in lower case
			!l.Deal.AcceptedAt.Truncate(time.Second).Before(since.Truncate(time.Second)) {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Deal.AcceptedAt, out[j].Deal.AcceptedAt
		return a.Before(b) || a.Equal(b) && out[i].ID < out[j].ID
	})
	return out[:min(limit, len(out))], nil
}

// OpenSince lists when each lead open with a rep was accepted, at or
// after since, oldest first (the adapter reads the sort keys of the rep's
// GSI2 partition).
func (s *Store) OpenSince(ctx context.Context, rep string, since time.Time) ([]time.Time, error) {
	open, err := s.OpenLeads(ctx, lead.RepKey(rep), since, 1<<30)
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, len(open))
	for i, l := range open {
		out[i] = l.Deal.AcceptedAt.UTC().Truncate(time.Second)
	}
	return out, nil
}

// --- counters, rate limits, once ---------------------------------------

// CountBot counts a honeypot hit for a campaign's month, with idem's
// record in the same step (ErrDuplicateRequest, counting nothing, when
// its key is taken).
func (s *Store) CountBot(_ context.Context, campaign string, at time.Time, idem *capture.Idempotency) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if idem != nil {
		if s.idemTaken(idem, at) {
			return capture.ErrDuplicateRequest
		}
		s.putIdem(idem)
	}
	s.add(statsKey{campaign: campaign, month: month(at)}, []string{"bots"})
	return nil
}

// Count adds 1 to each named counter of a campaign's month (not to a
// variant's). Like the adapter's update it refuses no names, a name given
// twice, and names of the item's own attributes.
func (s *Store) Count(_ context.Context, campaign string, at time.Time, counters ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := checkCounters(counters); err != nil {
		return wrap("count", err)
	}
	s.add(statsKey{campaign: campaign, month: month(at)}, counters)
	return nil
}

// CountView adds 1 to the views of a campaign's variant in the month of
// at (only the variant's item, as the adapter), once per visitor and
// variant ("" counts every time).
func (s *Store) CountView(_ context.Context, campaign, variant, visitor string, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if visitor != "" {
		k := visitor + "#" + variant
		if s.viewers[k] {
			return false, nil
		}
		s.viewers[k] = true
	}
	s.add(statsKey{campaign: campaign, variant: variant, month: month(at)}, []string{report.ViewsCounter})
	return true, nil
}

// CampaignStats returns a campaign's counters for the month containing at
// (an empty map when there are none).
func (s *Store) CampaignStats(_ context.Context, campaign string, at time.Time) (map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int64{}
	for k, v := range s.stats[statsKey{campaign: campaign, month: month(at)}] {
		out[k] = v
	}
	return out, nil
}

// MonthSources lists every campaign's, variant's and rep's counters of a
// month (report.Store) in the adapter's index order: campaigns by
// campaign#variant, then reps by the hash of their address.
func (s *Store) MonthSources(_ context.Context, m string) ([]report.Source, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []report.Source{}
	for k, c := range s.stats {
		if k.month != m {
			continue
		}
		cp := report.Counters{}
		for n, v := range c {
			cp[n] = v
		}
		out = append(out, report.Source{Campaign: k.campaign, Variant: k.variant, Rep: k.rep, Month: m, Counters: cp})
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Rep == "") != (out[j].Rep == "") {
			return out[i].Rep == ""
		}
		if out[i].Rep != "" {
			return lead.HashEmail(out[i].Rep) < lead.HashEmail(out[j].Rep)
		}
		return out[i].Campaign+"#"+out[i].Variant < out[j].Campaign+"#"+out[j].Variant
	})
	return out, nil
}

// RepsCounted lists the reps with counters in a month, sorted.
func (s *Store) RepsCounted(_ context.Context, month string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for k := range s.stats {
		if k.month == month && k.rep != "" && !slices.Contains(out, k.rep) {
			out = append(out, k.rep)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Allow is a fixed-window rate limit: at most limit calls per window for
// a key. As with the adapter's conditional update, the first call of a
// window is always allowed (even with limit 0).
func (s *Store) Allow(_ context.Context, rateKey string, limit int, window time.Duration, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := rateKey + "#" + now.Truncate(window).UTC().Format(time.RFC3339)
	n, seen := s.rates[k]
	if seen && n >= int64(limit) {
		return false, nil
	}
	s.rates[k] = n + 1
	return true, nil
}

// Once records key the first time and reports whether this was it.
func (s *Store) Once(_ context.Context, k string, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.once[k]; ok {
		return false, nil
	}
	s.once[k] = at.UTC()
	return true, nil
}

// Forget removes a key recorded by Once.
func (s *Store) Forget(_ context.Context, k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.once, k)
	return nil
}

// --- writes -------------------------------------------------------------

// write is everything one lead write changes besides the claim, checked
// before anything is applied so that a refused write leaves nothing.
type write struct {
	profile     profile
	leadID      string
	events      map[string][]byte
	eventExists bool
	counters    map[statsKey][]string
	amounts     map[statsKey]map[string]int64 // counters that add more than 1
	idem        *capture.Idempotency
	idemTaken   bool
	folded      []string
	foldGone    bool // a folded touch is not in the inbox (folded already)
	deal        *lead.DealClaim
	dealTaken   bool // another lead holds the deal
}

// prepare encodes l and ch and evaluates the conditions of the events and
// the idempotency record; it returns an error for what the adapter's
// transaction would refuse as invalid (a counter named twice for one
// item, a transaction touching one event twice).
func (s *Store) prepare(l lead.Lead, ch lead.Change, idem *capture.Idempotency) (write, error) {
	p, err := newProfile(l)
	if err != nil {
		return write{}, err
	}
	w := write{profile: p, leadID: l.ID, events: map[string][]byte{}, counters: map[statsKey][]string{},
		amounts: map[statsKey]map[string]int64{}, idem: idem}
	for _, ev := range ch.Events {
		b, err := json.Marshal(ev)
		if err != nil {
			return write{}, wrap("marshal event", err)
		}
		k := eventSK(ev)
		if _, dup := w.events[k]; dup {
			return write{}, wrap("write lead", errors.New("a transaction cannot include multiple operations on one item"))
		}
		w.events[k] = b
		if _, ok := s.events[l.ID][k]; ok {
			w.eventExists = true
		}
	}
	// Counters of the lead's own campaign also count for the variant it saw
	// first, as in the adapter.
	m := month(ch.At)
	count := func(k statsKey, c lead.Counter) {
		if step := c.Step(); step != 1 {
			if w.amounts[k] == nil {
				w.amounts[k] = map[string]int64{}
			}
			w.amounts[k][c.Name] += step
			if err := checkCounters([]string{c.Name}); err != nil {
				w.counters[k] = append(w.counters[k], "") // refused below
			}
			return
		}
		w.counters[k] = append(w.counters[k], c.Name)
	}
	for _, c := range ch.Counters {
		m := cmp.Or(c.Month, m) // an outcome reversed where it was counted
		if c.Rep != "" {
			count(statsKey{month: m, rep: lead.RepKey(c.Rep)}, c)
			continue
		}
		count(statsKey{campaign: c.Campaign, month: m}, c)
		if v := l.FirstTouch.Variant; v != "" && c.Campaign == l.Campaign() {
			count(statsKey{campaign: c.Campaign, variant: v, month: m}, c)
		}
	}
	for _, names := range w.counters {
		if err := checkCounters(names); err != nil {
			return write{}, wrap("write lead", err)
		}
	}
	w.idemTaken = idem != nil && s.idemTaken(idem, ch.At)
	w.folded = ch.Folded
	if c := ch.DealClaim; c != nil {
		w.deal = c
		held, ok := s.deals[c.DealID]
		if c.From != "" {
			// A move: only while From (or the lead itself) holds it.
			w.dealTaken = !ok || held != c.LeadID && held != c.From
		} else if ok && held != c.LeadID {
			w.dealTaken = true
		}
	}
	for _, id := range ch.Folded {
		if _, ok := s.inbox[l.ID][id]; !ok {
			w.foldGone = true
		}
	}
	return w, nil
}

// apply writes what prepare checked (the profile is written by the caller).
func (s *Store) apply(w write) {
	for k, b := range w.events {
		s.putEvent(w.leadID, k, b)
	}
	for k, names := range w.counters {
		s.add(k, names)
	}
	for k, by := range w.amounts {
		s.add(k, nil)
		for n, v := range by {
			s.stats[k][n] += v
		}
	}
	for _, id := range w.folded {
		delete(s.inbox[w.leadID], id)
	}
	if w.deal != nil {
		s.deals[w.deal.DealID] = w.deal.LeadID
	}
	if w.idem != nil {
		s.putIdem(w.idem)
	}
}

// idemTaken reports whether idem's key is taken at now: an expired key
// that TTL has not yet deleted counts as free.
func (s *Store) idemTaken(idem *capture.Idempotency, now time.Time) bool {
	r, ok := s.idem[idem.Key]
	return ok && !(r.expiresAt < now.Unix())
}

func (s *Store) putIdem(idem *capture.Idempotency) {
	s.idem[idem.Key] = idemRecord{leadID: idem.LeadID, bodyHash: idem.BodyHash, receipt: idem.Receipt, outcome: idem.Outcome, expiresAt: idem.ExpiresAt.Unix()}
}

func (s *Store) putEvent(leadID, k string, b []byte) {
	if s.events[leadID] == nil {
		s.events[leadID] = map[string][]byte{}
	}
	s.events[leadID][k] = b
}

func (s *Store) add(k statsKey, names []string) {
	c := s.stats[k]
	if c == nil {
		c = map[string]int64{}
		s.stats[k] = c
	}
	for _, n := range names {
		c[n]++
	}
}

// versionOK is the adapter's condition `version = :prev`: the lead exists
// with version l.Version-1.
func (s *Store) versionOK(l lead.Lead) bool {
	p, ok := s.profiles[l.ID]
	return ok && p.version == l.Version-1
}

func (s *Store) putProfile(p profile) { s.profiles[p.id] = p }

// newProfile encodes a lead with its due-index keys, derived from
// l.NextDue() as the adapter's profile item does.
func newProfile(l lead.Lead) (profile, error) {
	b, err := json.Marshal(l)
	if err != nil {
		return profile{}, wrap("marshal lead", err)
	}
	p := profile{id: l.ID, data: b, version: l.Version}
	if due := l.NextDue(); !due.IsZero() {
		p.dueShard = dueShard(l.ID)
		p.dueSK = due.UTC().Format(dueLayout) + "#" + l.ID
	}
	return p, nil
}

func decodeLead(b []byte) (lead.Lead, error) {
	var l lead.Lead
	if err := json.Unmarshal(b, &l); err != nil {
		return lead.Lead{}, wrap("decode lead", err)
	}
	return l, nil
}

func eventSK(ev lead.Event) string {
	return "EVT#" + ev.At.UTC().Format(time.RFC3339Nano) + "#" + ev.Kind + "#" + ev.ID
}

// month is the counters' month of at, in the business time zone.
func month(at time.Time) string { return lead.Month(at) }

// statsAttributes are the attributes the adapter's counter update sets on
// a stats item besides the counters, and its keys: a counter of one of
// these names is an invalid update there.
var statsAttributes = []string{"PK", "SK", "updatedAt", "campaign", "variant", "month", "GSI1PK", "GSI1SK", "rep"}

func checkCounters(names []string) error {
	if len(names) == 0 {
		return errors.New("invalid update: no counters")
	}
	// A name given n times adds n, as the adapter's update does.
	for _, n := range names {
		if slices.Contains(statsAttributes, n) || strings.TrimSpace(n) == "" {
			return fmt.Errorf("invalid update: counter name %q", n)
		}
	}
	return nil
}

// --- alert flood control ------------------------------------------------

type alertWindow struct {
	slots    map[string]map[string]bool // set → lead ids
	held     map[string]bool
	heldMore int
}

func (s *Store) alertWindow(k string) *alertWindow {
	if s.alerts == nil {
		s.alerts = map[string]*alertWindow{}
	}
	w := s.alerts[k]
	if w == nil {
		w = &alertWindow{slots: map[string]map[string]bool{}, held: map[string]bool{}}
		s.alerts[k] = w
	}
	return w
}

// AlertSlot places a lead in each named set of a window while each has
// room (all or none); a set that has it counts as placed. It answers the
// first full set, "" when placed.
func (s *Store) AlertSlot(_ context.Context, k, leadID string, limits map[string]int, _ time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.alertWindow(k)
	sets := slices.Sorted(maps.Keys(limits))
	for _, set := range sets {
		if in := w.slots[set]; !in[leadID] && len(in) >= limits[set] {
			return set, nil
		}
	}
	for _, set := range sets {
		if w.slots[set] == nil {
			w.slots[set] = map[string]bool{}
		}
		w.slots[set][leadID] = true
	}
	return "", nil
}

// HoldAlert records a held lead of a source's window.
func (s *Store) HoldAlert(_ context.Context, k, leadID string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.alertWindow(k)
	if w.held[leadID] || len(w.held) < maxHeldListed {
		w.held[leadID] = true
	} else {
		w.heldMore++
	}
	return nil
}

// HeldAlerts lists the held leads of a source's window (nil when none,
// as the adapter reads a missing set), and how many more were held.
// Reading creates no window.
func (s *Store) HeldAlerts(_ context.Context, k string) ([]string, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.alerts[k]
	if w == nil {
		return nil, 0, nil
	}
	var ids []string
	for id := range w.held {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, w.heldMore, nil
}

// maxHeldListed is the adapter's store.MaxHeldListed.
const maxHeldListed = 200
