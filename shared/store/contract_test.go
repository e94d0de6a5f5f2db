package store_test

// The contract: every case runs against the DynamoDB adapter on DynamoDB
// Local and against memstore, checks its own expectations on each, and
// then requires both to have produced the same trace — every error's
// class (errors.Is against the domain's sentinels) and every state read
// back, as JSON. Without the emulators only the memstore half runs.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// contractStore is every store operation a domain interface declares.
type contractStore interface {
	capture.Store
	sendonce.Store
	lead.Store
	report.Store
	handoff.FloodStore
	Timeline(ctx context.Context, id string) ([]lead.Event, error)
	RecentEvents(ctx context.Context, id string, r lead.Recent) ([]lead.Event, bool, error)
	NextTurn(ctx context.Context, team string) (int64, error)
	Suppress(ctx context.Context, l lead.Lead, ch lead.Change, reason string) error
	Suppressed(ctx context.Context, emailHash string) (bool, error)
	Suppression(ctx context.Context, emailHash string) (reason string, at time.Time, err error)
	SuppressHash(ctx context.Context, emailHash, reason string, at time.Time) error
	RecordErasure(ctx context.Context, emailHash string, at time.Time) error
	ErasedSince(ctx context.Context, emailHash string, since time.Time) (bool, error)
	RecentSuppressions(ctx context.Context) ([]string, error)
	Erase(ctx context.Context, l lead.Lead, events []lead.Event, ch lead.Change, suppress bool) error
	Count(ctx context.Context, campaign string, at time.Time, counters ...string) error
	CampaignStats(ctx context.Context, campaign string, at time.Time) (map[string]int64, error)
	Due(ctx context.Context, shard int, now time.Time, limit int) ([]lead.Lead, error)
	Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, error)
	ScanLeads(ctx context.Context, fn func(lead.Lead) error) error
	OpenLeads(ctx context.Context, rep string, since time.Time, limit int) ([]lead.Lead, error)
	OpenSince(ctx context.Context, rep string, since time.Time) ([]time.Time, error)
	RepsCounted(ctx context.Context, month string) ([]string, error)
	DealHolder(ctx context.Context, dealID string) (string, error)
	SavePair(ctx context.Context, a lead.Lead, ach lead.Change, b lead.Lead, bch lead.Change) error
}

// dynamo is the adapter with the report source listing the app wires in
// front of it (shared/app reportStore).
type dynamo struct{ *store.Store }

func (d dynamo) MonthSources(ctx context.Context, month string) ([]report.Source, error) {
	rows, err := d.MonthStats(ctx, month)
	if err != nil {
		return nil, err
	}
	out := make([]report.Source, len(rows))
	for i, r := range rows {
		out[i] = report.Source{Campaign: r.Campaign, Variant: r.Variant, Rep: r.Rep, Month: r.Month, Counters: r.Counters}
	}
	return out, nil
}

var (
	_ contractStore = dynamo{}
	_ contractStore = (*memstore.Store)(nil)
)

// errOther stands for an error that is none of the domain's sentinels
// (an invalid or refused write the domain has no name for).
var errOther = errors.New("an error that is no sentinel")

var sentinels = []struct {
	name string
	err  error
}{
	{"ErrEmailTaken", capture.ErrEmailTaken}, {"ErrDuplicateRequest", capture.ErrDuplicateRequest},
	{"ErrVersionConflict", lead.ErrVersionConflict}, {"ErrNotFound", lead.ErrNotFound},
	{"ErrAlreadySuppressed", lead.ErrAlreadySuppressed},
}

func class(err error) string {
	if err == nil {
		return "ok"
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return "error"
}

// check runs one case against one store and keeps its trace.
type check struct {
	t     *testing.T
	s     contractStore
	ctx   context.Context
	trace []string
	// settle has the table's stream do its work (the adapter records
	// what single-item writes carry from it; memstore does so at once).
	settle func()
}

func (c *check) record(step, v string) { c.trace = append(c.trace, step+" → "+v) }

// err asserts err's class (want nil: no error; errOther: an error that is
// no sentinel) and records it.
func (c *check) err(step string, err, want error) {
	c.t.Helper()
	got := class(err)
	w := class(want)
	if want == errOther {
		w = "error"
	}
	c.record(step, got)
	if got != w {
		c.t.Errorf("%s: error %v (%s), want %s", step, err, got, w)
	}
}

// must fails the case on an error (a setup step).
func (c *check) must(step string, err error) {
	c.t.Helper()
	c.record(step, class(err))
	if err != nil {
		c.t.Fatalf("%s: %v", step, err)
	}
}

// eq asserts that got and want encode to the same JSON and records got.
func (c *check) eq(step string, got, want any) {
	c.t.Helper()
	g, w := js(got), js(want)
	c.record(step, g)
	if g != w {
		c.t.Errorf("%s:\n got %s\nwant %s", step, g, w)
	}
}

// state records a value read back without an expectation of its own (the
// case checks the fields that matter; the trace compares all of it).
func (c *check) state(step string, v any) { c.record(step, js(v)) }

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "unencodable: " + err.Error()
	}
	return string(b)
}

// lead reads a lead, records it whole and returns it.
func (c *check) lead(step, id string) lead.Lead {
	c.t.Helper()
	l, err := c.s.Lead(c.ctx, id)
	c.record(step+" err", class(err))
	c.state(step, l)
	if err != nil {
		c.t.Fatalf("%s: %v", step, err)
	}
	return l
}

func (c *check) missing(step, id string) {
	c.t.Helper()
	_, err := c.s.Lead(c.ctx, id)
	c.err(step, err, lead.ErrNotFound)
}

func (c *check) timeline(step, id string) []lead.Event {
	c.t.Helper()
	tl, err := c.s.Timeline(c.ctx, id)
	c.must(step+" err", err)
	c.state(step, tl)
	return tl
}

func (c *check) stats(step, campaign string, at time.Time, want map[string]int64) {
	c.t.Helper()
	got, err := c.s.CampaignStats(c.ctx, campaign, at)
	c.must(step+" err", err)
	c.eq(step, got, want)
}

func (c *check) suppressed(step, hash string, want bool) {
	c.t.Helper()
	got, err := c.s.Suppressed(c.ctx, hash)
	c.must(step+" err", err)
	c.eq(step, got, want)
}

func kinds(tl []lead.Event) []string {
	out := []string{}
	for _, e := range tl {
		out = append(out, e.Kind)
	}
	return out
}

func eventIDs(tl []lead.Event) []string {
	out := []string{}
	for _, e := range tl {
		out = append(out, e.ID)
	}
	return out
}

func leadIDs(ls []lead.Lead) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

// t0 lies in the future of any test run, so TTL never applies to items
// the cases write; expiry is decided by the times the cases pass.
var t0 = time.Date(2031, 3, 10, 12, 0, 0, 0, time.UTC)

// newLead is a lead with a fixed id (traces compare ids) in a campaign
// and, optionally, a variant.
func newLead(id, email, campaign, variant string, at time.Time) lead.Lead {
	s := lead.Submission{Email: email, Name: "Ann", Answers: map[string]string{"crm": "HubSpot"},
		Consent: lead.Consent{MarketingOptIn: true, TextVersion: "v1", At: at, IPHash: "k1:3a1f0c"},
		Source:  lead.Attribution{UTMSource: "google", Campaign: campaign, Variant: variant, LandingPage: "https://www.example.com/demo", At: at}}
	return lead.New(id, s)
}

// anonymised is a timeline as an erasure rewrites it: kind and time.
func anonymised(tl []lead.Event) []lead.Event {
	out := make([]lead.Event, len(tl))
	for i, e := range tl {
		out[i] = lead.Event{At: e.At, Kind: e.Kind, ID: e.ID}
	}
	return out
}

func ev(at time.Time, kind, id string) lead.Event {
	return lead.Event{At: at, Kind: kind, ID: id, Data: map[string]any{"n": 1, "s": "x"}}
}

// chg is a change at `at` with one event and the named counters of one
// campaign.
func chg(at time.Time, e lead.Event, campaign string, counters ...string) lead.Change {
	ch := lead.Change{At: at, Events: []lead.Event{e}}
	for _, n := range counters {
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: campaign, Name: n})
	}
	return ch
}

// bump is l as the next write would carry it.
func bump(l lead.Lead) lead.Lead { l.Version++; return l }

var contractCases = []struct {
	name string
	run  func(c *check)
}{
	{"deal claim: one lead counts a CRM deal", func(c *check) {
		for _, id := range []string{"L1", "L2"} {
			c.must("create "+id, c.s.CreateLead(c.ctx, newLead(id, id+"@acme.example", "spring", "", t0), chg(t0, ev(t0, lead.EventCaptured, "c"+id), "spring", "leads"), nil))
		}
		holder, err := c.s.DealHolder(c.ctx, "D-1")
		c.must("holder before err", err)
		c.eq("no holder before", holder, "")
		won := func(id string) lead.Change {
			ch := chg(t0.Add(time.Minute), ev(t0.Add(time.Minute), "won", "w"+id), "spring", "won")
			ch.DealClaim = &lead.DealClaim{DealID: "D-1", LeadID: id}
			return ch
		}
		c.must("L1 claims", c.s.SaveLead(c.ctx, bump(c.lead("L1", "L1")), won("L1"), nil))
		holder, err = c.s.DealHolder(c.ctx, "D-1")
		c.must("holder err", err)
		c.eq("holder", holder, "L1")
		// Another contact's claim is refused whole: no event, no counter.
		c.err("L2 claims", c.s.SaveLead(c.ctx, bump(c.lead("L2", "L2")), won("L2"), nil), lead.ErrVersionConflict)
		c.eq("L2 unchanged", c.lead("L2 after", "L2").Version, 1)
		c.stats("one win", "spring", t0, map[string]int64{"leads": 2, "won": 1})
		// The holder claims again (a correction, a reversal): allowed.
		again := chg(t0.Add(2*time.Minute), ev(t0.Add(2*time.Minute), "deal_corrected", "x1"), "spring")
		again.DealClaim = &lead.DealClaim{DealID: "D-1", LeadID: "L1"}
		c.must("L1 again", c.s.SaveLead(c.ctx, bump(c.lead("L1 again", "L1")), again, nil))
	}},
	{"deal claim: a contact's close counts on the lead the claim names, while it names it", func(c *check) {
		for _, id := range []string{"L1", "L2", "L3"} {
			c.must("create "+id, c.s.CreateLead(c.ctx, newLead(id, id+"@acme.example", "spring", "", t0), chg(t0, ev(t0, lead.EventCaptured, "c"+id), "spring", "leads"), nil))
		}
		at := t0.Add(time.Minute)
		won := chg(at, ev(at, "won", "w2"), "spring", "won")
		won.DealClaim = &lead.DealClaim{DealID: "D-1", LeadID: "L2"}
		c.must("L2 claims", c.s.SaveLead(c.ctx, bump(c.lead("L2", "L2")), won, nil))
		// L3's close counts on L2, read as the claim: written (the claim
		// as it is) while L2 holds the deal.
		contact := func(id string) lead.Change {
			ch := chg(at, ev(at, "won", id), "spring", "sql_closed")
			ch.DealClaim = &lead.DealClaim{DealID: "D-1", LeadID: "L2"}
			return ch
		}
		c.must("L3 on L2", c.s.SaveLead(c.ctx, bump(c.lead("L3", "L3")), contact("w3"), nil))
		holder, err := c.s.DealHolder(c.ctx, "D-1")
		c.must("holder err", err)
		c.eq("L2 still holds it", holder, "L2")
		// A merge moves the claim to L1; a contact's close read before
		// (counting on L2) is refused whole: read the claim again.
		keep := lead.Change{At: at, Events: []lead.Event{ev(at, "deal_merged", "m1")},
			DealClaim: &lead.DealClaim{DealID: "D-1", LeadID: "L1", From: "L2"}}
		fold := lead.Change{At: at, Events: []lead.Event{ev(at, "deal_merged", "m2")}}
		c.must("moved", c.s.SavePair(c.ctx, bump(c.lead("L1", "L1")), keep, bump(c.lead("L2 now", "L2")), fold))
		c.err("L3 on L2 after the move", c.s.SaveLead(c.ctx, bump(c.lead("L3 now", "L3")), contact("x3"), nil), lead.ErrVersionConflict)
		c.eq("L3 unchanged", c.lead("L3 after", "L3").Version, 2)
		c.eq("L3's timeline", kinds(c.timeline("L3 timeline", "L3")), []string{lead.EventCaptured, "won"})
		c.stats("sql_closed once", "spring", t0, map[string]int64{"leads": 3, "won": 1, "sql_closed": 1})
		holder, err = c.s.DealHolder(c.ctx, "D-1")
		c.must("holder err", err)
		c.eq("the claim stays moved", holder, "L1")
	}},
	{"pair write: a deal's two counts become one", func(c *check) {
		for _, id := range []string{"L1", "L2"} {
			c.must("create "+id, c.s.CreateLead(c.ctx, newLead(id, id+"@acme.example", "spring", "", t0), chg(t0, ev(t0, lead.EventCaptured, "c"+id), "spring", "leads"), nil))
		}
		won := chg(t0.Add(time.Minute), ev(t0.Add(time.Minute), "won", "w1"), "spring", "won")
		won.DealClaim = &lead.DealClaim{DealID: "D-1", LeadID: "L1"}
		c.must("L1 claims", c.s.SaveLead(c.ctx, bump(c.lead("L1", "L1")), won, nil))
		c.must("L2 wins", c.s.SaveLead(c.ctx, bump(c.lead("L2", "L2")), chg(t0.Add(time.Minute), ev(t0.Add(time.Minute), "won", "w2"), "spring", "won"), nil))
		l1, l2 := c.lead("L1 won", "L1"), c.lead("L2 won", "L2")
		// L2 was won first: it keeps its win and takes the claim, L1's win
		// is taken out — one transaction, counters of one item added.
		at := t0.Add(2 * time.Minute)
		keep := lead.Change{At: at, Events: []lead.Event{ev(at, "deal_merged", "m2")},
			DealClaim: &lead.DealClaim{DealID: "D-1", LeadID: "L2", From: "L1"}}
		fold := lead.Change{At: at, Events: []lead.Event{ev(at, "deal_merged", "m1")},
			Counters: []lead.Counter{{Campaign: "spring", Name: "won", By: -1}}}
		stale := bump(l1)
		c.must("merged", c.s.SavePair(c.ctx, bump(l2), keep, bump(l1), fold))
		holder, err := c.s.DealHolder(c.ctx, "D-1")
		c.must("holder err", err)
		c.eq("the claim moved", holder, "L2")
		c.stats("one win", "spring", t0, map[string]int64{"leads": 2, "won": 1})
		c.eq("L1's timeline", kinds(c.timeline("L1 timeline", "L1")), []string{lead.EventCaptured, "won", "deal_merged"})
		// A lead read before the write: refused whole, for both.
		again := lead.Change{At: at, Events: []lead.Event{ev(at, "deal_merged", "m3")}}
		c.err("stale", c.s.SavePair(c.ctx, bump(c.lead("L2 now", "L2")), again, stale, fold), lead.ErrVersionConflict)
		c.stats("still one win", "spring", t0, map[string]int64{"leads": 2, "won": 1})
		c.eq("L2's timeline", kinds(c.timeline("L2 timeline", "L2")), []string{lead.EventCaptured, "won", "deal_merged"})
		// A move from a lead that no longer holds the deal: refused.
		back := lead.Change{At: at, Events: []lead.Event{ev(at, "deal_merged", "m4")},
			DealClaim: &lead.DealClaim{DealID: "D-1", LeadID: "L1", From: "L3"}}
		c.err("moved from another", c.s.SavePair(c.ctx, bump(c.lead("L1 now", "L1")), back, bump(c.lead("L2 again", "L2")), again), lead.ErrVersionConflict)
		holder, err = c.s.DealHolder(c.ctx, "D-1")
		c.must("holder err", err)
		c.eq("the claim stays", holder, "L2")
	}},
	{"create and read back", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "b", t0)
		ch := chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads", "mql")
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: "partner", Name: "leads"})
		c.must("create", c.s.CreateLead(c.ctx, l, ch, nil))
		got := c.lead("lead", "L1")
		c.eq("lead fields", []any{got.Email, got.Version, got.Answers["crm"], got.FirstTouch.Variant, got.Consent.MarketingOptIn}, []any{"ann@acme.example", 1, "HubSpot", "b", true})
		byEmail, err := c.s.LeadByEmail(c.ctx, l.EmailHash)
		c.must("by email err", err)
		c.eq("by email", byEmail, got)
		c.eq("timeline", kinds(c.timeline("timeline raw", "L1")), []string{lead.EventCaptured})
		c.stats("stats spring", "spring", t0, map[string]int64{"leads": 1, "mql": 1})
		c.stats("stats partner", "partner", t0, map[string]int64{"leads": 1})
		c.stats("stats next month", "spring", t0.AddDate(0, 1, 0), map[string]int64{})
		src, err := c.s.MonthSources(c.ctx, "2031-03")
		c.must("month err", err)
		// The lead's own campaign also counts for the variant it saw first.
		c.eq("month", src, []report.Source{
			{Campaign: "partner", Month: "2031-03", Counters: report.Counters{"leads": 1}},
			{Campaign: "spring", Month: "2031-03", Counters: report.Counters{"leads": 1, "mql": 1}},
			{Campaign: "spring", Variant: "b", Month: "2031-03", Counters: report.Counters{"leads": 1, "mql": 1}},
		})
		src, err = c.s.MonthSources(c.ctx, "2031-02")
		c.must("other month err", err)
		c.eq("other month", len(src), 0)
		c.missing("unknown id", "nope")
		_, err = c.s.LeadByEmail(c.ctx, lead.HashEmail("nobody@acme.example"))
		c.err("unknown email", err, lead.ErrNotFound)
		_, err = c.s.Idempotent(c.ctx, "no-such-key")
		c.err("unknown idempotency key", err, lead.ErrNotFound)
		c.must("create second", c.s.CreateLead(c.ctx, newLead("L0", "bo@acme.example", "spring", "", t0), lead.Change{At: t0}, nil))
		var scanned []string
		c.must("scan", c.s.ScanLeads(c.ctx, func(l lead.Lead) error { scanned = append(scanned, l.ID); return nil }))
		sort.Strings(scanned)
		c.eq("scanned", scanned, []string{"L0", "L1"})
	}},

	{"one lead per email", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads"), nil))
		// Same email, another id, with an idempotency key: nothing of it is written.
		dup := newLead("L2", "ann@acme.example", "spring", "", t0)
		idem := &capture.Idempotency{Key: "k2", BodyHash: "h", LeadID: "L2", Outcome: capture.Created, ExpiresAt: t0.Add(capture.IdempotencyTTL)}
		c.err("same email", c.s.CreateLead(c.ctx, dup, chg(t0, ev(t0, lead.EventCaptured, "e2"), "spring", "leads"), idem), capture.ErrEmailTaken)
		c.missing("refused profile", "L2")
		c.eq("refused timeline", len(c.timeline("refused timeline raw", "L2")), 0)
		_, err := c.s.Idempotent(c.ctx, "k2")
		c.err("refused idempotency record", err, lead.ErrNotFound)
		c.stats("stats", "spring", t0, map[string]int64{"leads": 1})
		byEmail, err := c.s.LeadByEmail(c.ctx, l.EmailHash)
		c.must("by email err", err)
		c.eq("email still owned by", byEmail.ID, "L1")
		// Same id, another email: the profile exists; no domain error, nothing written.
		other := newLead("L1", "bob@acme.example", "spring", "", t0)
		c.err("same id", c.s.CreateLead(c.ctx, other, chg(t0, ev(t0, lead.EventCaptured, "e3"), "spring", "leads"), nil), errOther)
		_, err = c.s.LeadByEmail(c.ctx, other.EmailHash)
		c.err("refused email claim", err, lead.ErrNotFound)
		c.eq("profile unchanged", c.lead("lead", "L1").Email, "ann@acme.example")
		c.stats("stats after", "spring", t0, map[string]int64{"leads": 1})
	}},

	{"merge with version check", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads"), nil))
		s2 := l.Submission
		s2.Source.At, s2.Source.UTMSource, s2.Answers = t0.Add(time.Minute), "linkedin", map[string]string{"size": "50"}
		m := lead.Merge(l, s2)
		c.eq("merge keeps the version read", m.Version, 1)
		m.Version++ // as lead.Write sets it
		c.must("save merge", c.s.SaveLead(c.ctx, m, chg(s2.Source.At, ev(s2.Source.At, lead.EventResubmitted, "e2"), "spring", "resubmissions"), nil))
		got := c.lead("merged", "L1")
		c.eq("merged fields", []any{got.Version, got.Touches, got.LastTouch.UTMSource, got.Answers}, []any{2, 2, "linkedin", map[string]string{"crm": "HubSpot", "size": "50"}})
		stale := lead.Merge(l, s2) // based on version 1 again
		stale.Version++
		c.err("stale save", c.s.SaveLead(c.ctx, stale, chg(t0, ev(t0.Add(2*time.Minute), lead.EventResubmitted, "e3"), "spring", "resubmissions"), nil), lead.ErrVersionConflict)
		jump := got
		jump.Version += 2
		c.err("version jump", c.s.Save(c.ctx, jump, lead.Change{At: t0}), capture.ErrVersionConflict)
		c.eq("timeline after conflicts", kinds(c.timeline("timeline raw", "L1")), []string{lead.EventCaptured, lead.EventResubmitted})
		c.stats("stats", "spring", t0, map[string]int64{"leads": 1, "resubmissions": 1})
		c.eq("version after conflicts", c.lead("after conflicts", "L1").Version, 2)
		// A save never creates: a missing lead is a conflict at any version.
		ghost := newLead("L9", "ghost@acme.example", "spring", "", t0)
		c.err("save missing v1", c.s.Save(c.ctx, ghost, lead.Change{At: t0}), lead.ErrVersionConflict)
		ghost.Version = 0
		c.err("save missing v0", c.s.Save(c.ctx, ghost, lead.Change{At: t0}), lead.ErrVersionConflict)
		c.missing("ghost", "L9")
		c.must("save next", c.s.Save(c.ctx, bump(got), lead.Change{At: t0}))
		c.eq("version after save", c.lead("after save", "L1").Version, 3)
	}},

	{"inbox: deposit, fold once, erase", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads"), nil))
		touch := func(id string, min int) lead.Touch {
			s := l.Submission
			s.Source.At = t0.Add(time.Duration(min) * time.Minute)
			return lead.Touch{ID: id, Submission: s, RequestID: "r" + id}
		}
		idem := &capture.Idempotency{Key: "k1", BodyHash: "h1", Receipt: "rc1", LeadID: "L1", Outcome: capture.Deposited, ExpiresAt: t0.Add(capture.IdempotencyTTL)}
		c.must("deposit t2", c.s.Deposit(c.ctx, "L1", touch("T2", 2), idem))
		c.must("deposit t1", c.s.Deposit(c.ctx, "L1", touch("T1", 1), nil))
		c.err("deposit with a used key", c.s.Deposit(c.ctx, "L1", touch("T3", 3), idem), capture.ErrDuplicateRequest)
		rec, err := c.s.Idempotent(c.ctx, "k1")
		c.must("idempotent err", err)
		c.eq("idempotency record", []any{rec.LeadID, rec.Outcome, rec.Receipt}, []any{"L1", capture.Deposited, "rc1"})
		inbox, err := c.s.Inbox(c.ctx, "L1", 10)
		c.must("inbox err", err)
		ids := []string{}
		for _, t := range inbox {
			ids = append(ids, t.ID)
		}
		c.eq("inbox, oldest id first", ids, []string{"T1", "T2"})
		page, err := c.s.Inbox(c.ctx, "L1", 1)
		c.must("inbox page err", err)
		c.eq("inbox page", len(page), 1)
		// Two touches folded by one write: their events, a counter named
		// twice counts two, and they leave the inbox.
		ch := lead.Change{At: t0.Add(3 * time.Minute), Events: []lead.Event{ev(t0.Add(time.Minute), lead.EventResubmitted, "T1"), ev(t0.Add(2*time.Minute), lead.EventResubmitted, "T2")},
			Counters: []lead.Counter{{Campaign: "spring", Name: "resubmissions"}, {Campaign: "spring", Name: "resubmissions"}}, Folded: []string{"T1", "T2"}}
		got := c.lead("before", "L1")
		c.must("fold", c.s.SaveLead(c.ctx, bump(got), ch, nil))
		c.stats("stats", "spring", t0, map[string]int64{"leads": 1, "resubmissions": 2})
		inbox, err = c.s.Inbox(c.ctx, "L1", 10)
		c.must("inbox after err", err)
		c.eq("inbox after the fold", len(inbox), 0)
		// A second fold of the same touches (a racing request) is refused.
		again := lead.Change{At: ch.At, Folded: []string{"T1"}}
		c.err("fold twice", c.s.SaveLead(c.ctx, bump(c.lead("after", "L1")), again, nil), lead.ErrVersionConflict)
		c.eq("version after the refused fold", c.lead("after refused", "L1").Version, 2)
		// An erasure removes touches never folded in.
		c.must("deposit t4", c.s.Deposit(c.ctx, "L1", touch("T4", 4), nil))
		cur := c.lead("before erase", "L1")
		c.must("erase", c.s.Erase(c.ctx, bump(cur), anonymised(c.timeline("tl", "L1")), lead.Change{At: t0.Add(5 * time.Minute)}, true))
		inbox, err = c.s.Inbox(c.ctx, "L1", 10)
		c.must("inbox after erase err", err)
		c.eq("inbox after erase", len(inbox), 0)
	}},

	{"idempotency: fresh, replay, expired", func(c *check) {
		expires := t0.Add(capture.IdempotencyTTL + 500*time.Millisecond)
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		idem := &capture.Idempotency{Key: "k1", BodyHash: "h1", LeadID: "L1", Outcome: capture.Created, ExpiresAt: expires}
		c.must("fresh", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads"), idem))
		rec, err := c.s.Idempotent(c.ctx, "k1")
		c.must("record err", err)
		// Stored as epoch seconds (the TTL attribute): sub-seconds are cut.
		c.eq("record", rec, capture.Idempotency{Key: "k1", BodyHash: "h1", LeadID: "L1", Outcome: capture.Created, ExpiresAt: t0.Add(capture.IdempotencyTTL)})

		other := newLead("L2", "bob@acme.example", "spring", "", t0)
		replay := &capture.Idempotency{Key: "k1", BodyHash: "h2", LeadID: "L2", Outcome: capture.Created, ExpiresAt: expires.Add(time.Hour)}
		c.err("replay create", c.s.CreateLead(c.ctx, other, chg(t0.Add(time.Hour), ev(t0.Add(time.Hour), lead.EventCaptured, "e2"), "spring", "leads"), replay), capture.ErrDuplicateRequest)
		c.missing("replayed lead", "L2")
		_, err = c.s.LeadByEmail(c.ctx, other.EmailHash)
		c.err("replayed email claim", err, lead.ErrNotFound)
		// A taken key wins over a taken email.
		same := newLead("L3", "ann@acme.example", "spring", "", t0)
		c.err("replay of a taken email", c.s.CreateLead(c.ctx, same, chg(t0.Add(time.Hour), ev(t0.Add(time.Hour), lead.EventCaptured, "e3"), "spring", "leads"), replay), capture.ErrDuplicateRequest)
		c.err("replay merge", c.s.SaveLead(c.ctx, bump(l), chg(t0.Add(2*time.Hour), ev(t0.Add(2*time.Hour), lead.EventResubmitted, "e4"), "spring", "resubmissions"), replay), capture.ErrDuplicateRequest)
		// A taken key wins over a stale version too.
		c.err("replay merge stale", c.s.SaveLead(c.ctx, l, chg(t0.Add(2*time.Hour), ev(t0.Add(2*time.Hour), lead.EventResubmitted, "e5"), "spring", "resubmissions"), replay), capture.ErrDuplicateRequest)
		// expiresAt < now, compared in whole seconds: in the second it expires it still holds.
		last := t0.Add(capture.IdempotencyTTL + 900*time.Millisecond)
		c.err("replay in the expiry second", c.s.SaveLead(c.ctx, bump(l), chg(last, ev(last, lead.EventResubmitted, "e6"), "spring", "resubmissions"), replay), capture.ErrDuplicateRequest)
		c.eq("version after replays", c.lead("after replays", "L1").Version, 1)
		c.stats("stats after replays", "spring", t0, map[string]int64{"leads": 1})
		after := t0.Add(capture.IdempotencyTTL + time.Second)
		reuse := &capture.Idempotency{Key: "k1", BodyHash: "h3", LeadID: "L1", Outcome: capture.Merged, ExpiresAt: after.Add(capture.IdempotencyTTL)}
		c.must("expired key is free", c.s.SaveLead(c.ctx, bump(l), chg(after, ev(after, lead.EventResubmitted, "e7"), "spring", "resubmissions"), reuse))
		rec, err = c.s.Idempotent(c.ctx, "k1")
		c.must("new record err", err)
		c.eq("new record", rec, capture.Idempotency{Key: "k1", BodyHash: "h3", LeadID: "L1", Outcome: capture.Merged, ExpiresAt: after.Add(capture.IdempotencyTTL)})
		c.eq("timeline", kinds(c.timeline("timeline raw", "L1")), []string{lead.EventCaptured, lead.EventResubmitted})
		c.must("another key", c.s.CreateLead(c.ctx, other, lead.Change{At: t0}, &capture.Idempotency{Key: "k2", BodyHash: "h", LeadID: "L2", Outcome: capture.Created, ExpiresAt: expires}))
	}},

	{"single-item put: claims and commits", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads"), nil))
		claimed := bump(l)
		claimed.Lease = &lead.Lease{Owner: "w1", Until: t0.Add(time.Minute)}
		claimed.Claims = map[string]lead.Claim{"nurture:s:welcome": {ID: "C1", At: t0}}
		c.must("claim", c.s.Put(c.ctx, claimed, lead.Change{At: t0}))
		got := c.lead("claimed", "L1")
		c.eq("claim stored", []any{got.Version, got.Lease, got.Claims}, []any{2, claimed.Lease, claimed.Claims})
		c.err("stale", c.s.Put(c.ctx, claimed, lead.Change{At: t0}), lead.ErrVersionConflict)
		c.err("counters without an event", c.s.Put(c.ctx, bump(claimed), lead.Change{At: t0, Counters: []lead.Counter{{Campaign: "spring", Name: "x"}}}), errOther)
		c.eq("nothing written", c.lead("after refusals", "L1").Version, 2)
		ghost := newLead("L9", "ghost@acme.example", "spring", "", t0)
		c.err("put of a missing lead", c.s.Put(c.ctx, ghost, lead.Change{At: t0}), lead.ErrVersionConflict)
		c.missing("ghost", "L9")
		// The commit: its event is in the timeline at once, its counter
		// once the stream has run.
		done := bump(claimed)
		done.Lease, done.Claims = nil, nil
		sent := t0.Add(time.Second)
		c.must("commit", c.s.Put(c.ctx, done, chg(sent, ev(sent, "nurture_email", "e2"), "spring", "nurture_sends")))
		c.eq("timeline at once", kinds(c.timeline("timeline raw", "L1")), []string{lead.EventCaptured, "nurture_email"})
		c.settle()
		c.stats("counted", "spring", t0, map[string]int64{"leads": 1, "nurture_sends": 1})
		got = c.lead("committed", "L1")
		c.eq("committed", []any{got.Version, got.Lease, got.Claims}, []any{3, nil, nil})
		// Later writes, plain or transactional, keep what the commit recorded.
		c.must("plain put", c.s.Put(c.ctx, bump(done), lead.Change{At: sent}))
		c.must("save", c.s.Save(c.ctx, bump(bump(done)), chg(sent.Add(time.Second), ev(sent.Add(time.Second), "email_click", "e3"), "spring", "email_click")))
		c.settle()
		c.eq("timeline", kinds(c.timeline("timeline raw 2", "L1")), []string{lead.EventCaptured, "nurture_email", "email_click"})
		c.stats("counted once", "spring", t0, map[string]int64{"leads": 1, "nurture_sends": 1, "email_click": 1})
		// Two commits before the stream runs: both recorded.
		c.must("put 1", c.s.Put(c.ctx, bump(bump(bump(done))), chg(sent, ev(sent.Add(2*time.Second), "nurture_email", "e4"), "spring", "nurture_sends")))
		c.must("put 2", c.s.Put(c.ctx, bump(bump(bump(bump(done)))), chg(sent, ev(sent.Add(3*time.Second), "handoff", "e5"), "spring", "handoffs")))
		c.settle()
		c.eq("timeline 3", kinds(c.timeline("timeline raw 3", "L1")), []string{lead.EventCaptured, "nurture_email", "email_click", "nurture_email", "handoff"})
		c.stats("both counted", "spring", t0, map[string]int64{"leads": 1, "nurture_sends": 2, "email_click": 1, "handoffs": 1})
	}},

	{"recent events", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e0"), "spring", "leads"), nil))
		// 30 re-posts a minute apart, every other one bare; the last one
		// a single-item write whose event rides on the profile.
		cur := l
		for i := 1; i <= 30; i++ {
			at := t0.Add(time.Duration(i) * time.Minute)
			e := ev(at, lead.EventResubmitted, fmt.Sprintf("e%02d", i))
			if i%2 == 0 {
				e.Data = map[string]any{lead.DataTouchOnly: true}
			}
			cur = bump(cur)
			if i < 30 {
				c.must(fmt.Sprintf("save %d", i), c.s.Save(c.ctx, cur, chg(at, e, "spring", "resubmissions")))
			} else {
				c.must("put 30", c.s.Put(c.ctx, cur, chg(at, e, "spring", "resubmissions")))
			}
		}
		recent := func(step string, r lead.Recent, wantIDs []string, wantMore bool) {
			c.t.Helper()
			got, more, err := c.s.RecentEvents(c.ctx, "L1", r)
			c.must(step+" err", err)
			c.eq(step, eventIDs(got), wantIDs)
			c.eq(step+" more", more, wantMore)
		}
		forms := func(e lead.Event) bool { return e.Kind == lead.EventResubmitted && e.Data[lead.DataTouchOnly] != true }
		for _, when := range []string{"before the stream", "after the stream"} {
			recent("newest 3 "+when, lead.Recent{Max: 3}, []string{"e28", "e29", "e30"}, true)
			recent("all "+when, lead.Recent{Max: 31}, eventIDs(c.timeline("timeline "+when, "L1")), false)
			recent("forms from minute 24 "+when, lead.Recent{From: t0.Add(24 * time.Minute), Max: 10, Keep: forms}, []string{"e25", "e27", "e29"}, false)
			recent("newest 2 forms "+when, lead.Recent{Max: 2, Keep: forms}, []string{"e27", "e29"}, true)
			c.settle()
		}
		// A later event within the same second as From, and one before it.
		cur = bump(cur)
		at := t0.Add(40 * time.Minute)
		ch := chg(at, ev(at, lead.EventResubmitted, "x1"), "spring", "resubmissions")
		ch.Events = append(ch.Events, ev(at.Add(500*time.Millisecond), lead.EventResubmitted, "x2"))
		c.must("save same second", c.s.Save(c.ctx, cur, ch))
		recent("from within a second", lead.Recent{From: at.Add(250 * time.Millisecond), Max: 5}, []string{"x2"}, false)
		recent("none wanted", lead.Recent{From: at.Add(time.Hour), Max: 5}, []string{}, false)
	}},

	// RFC 3339 with nanoseconds drops a fraction's trailing zeros, so the
	// EVT# sort keys of one second's events are not in time order (…:01Z
	// after …:01.12Z, …:01.12Z after …:01.125Z); the timeline is.
	{"timeline in time order within a second", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e0"), "spring", "leads"), nil))
		at := t0.Add(time.Second)
		ch := lead.Change{At: at}
		for i, d := range []time.Duration{125, 120, 100, 0} { // newest first: the keys' order
			ch.Events = append(ch.Events, ev(at.Add(d*time.Millisecond), lead.EventResubmitted, fmt.Sprintf("e%d", 4-i)))
		}
		c.must("save", c.s.Save(c.ctx, bump(l), ch))
		for _, when := range []string{"before the stream", "after the stream"} {
			c.eq("timeline "+when, eventIDs(c.timeline("timeline raw "+when, "L1")), []string{"e0", "e1", "e2", "e3", "e4"})
			got, more, err := c.s.RecentEvents(c.ctx, "L1", lead.Recent{Max: 2})
			c.must("recent "+when, err)
			c.eq("newest 2 "+when, eventIDs(got), []string{"e3", "e4"})
			c.eq("newest 2 more "+when, more, true)
			c.settle()
		}
	}},

	// A stored export checks, after storing its copy, for an erasure of
	// the address recorded since its lead was created (to the second): a
	// record of an earlier lead's erasure is older.
	{"erased since", func(c *check) {
		ann, bob := lead.HashEmail("ann@acme.example"), lead.HashEmail("bob@acme.example")
		since := func(step, hash string, at time.Time, want bool) {
			got, err := c.s.ErasedSince(c.ctx, hash, at)
			c.must(step, err)
			c.eq(step, got, want)
		}
		since("never erased", ann, time.Time{}, false)
		c.must("record", c.s.RecordErasure(c.ctx, ann, t0.Add(1500*time.Millisecond)))
		since("a lead created before", ann, t0, true)
		since("created in the same second", ann, t0.Add(1900*time.Millisecond), true)
		since("created the second after", ann, t0.Add(2*time.Second), false)
		since("another address", bob, t0, false)
		c.must("record again, later", c.s.RecordErasure(c.ctx, ann, t0.Add(time.Hour)))
		since("the later erasure", ann, t0.Add(2*time.Second), true)
	}},
	{"suppression", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads"), nil))
		c.suppressed("not yet", l.EmailHash, false)
		c.must("suppress another hash", c.s.SuppressHash(c.ctx, lead.HashEmail("gone@acme.example"), "erasure", t0))
		c.suppressed("that hash", lead.HashEmail("gone@acme.example"), true)
		c.suppressed("still not", l.EmailHash, false)
		unsub := bump(l)
		unsub.Stage = lead.StageUnsubscribed
		c.must("suppress", c.s.Suppress(c.ctx, unsub, chg(t0, ev(t0, "unsubscribed", "e2"), "spring", "unsubscribes"), "unsubscribe"))
		c.suppressed("suppressed", l.EmailHash, true)
		// Every suppression of a lead is recorded for the customer lists'
		// writers (customerlist.Removals); one by hash alone (an erasure,
		// recorded as such) is not.
		recent := func(step string, want ...string) {
			got, err := c.s.RecentSuppressions(c.ctx)
			c.must(step, err)
			slices.Sort(want)
			c.eq(step, got, want)
		}
		recent("recorded suppressions", l.EmailHash)
		got := c.lead("after suppress", "L1")
		c.eq("suppressed lead", []any{got.Version, got.Stage, got.Suppressed}, []any{2, lead.StageUnsubscribed, "unsubscribe"})
		c.err("again", c.s.Suppress(c.ctx, bump(unsub), chg(t0, ev(t0.Add(time.Second), "unsubscribed", "e3"), "spring", "unsubscribes"), "unsubscribe"), lead.ErrAlreadySuppressed)
		// Stale and already suppressed: the version conflict is reported.
		c.err("again stale", c.s.Suppress(c.ctx, unsub, chg(t0, ev(t0.Add(time.Second), "unsubscribed", "e4"), "spring", "unsubscribes"), "bounce"), lead.ErrVersionConflict)
		c.eq("nothing written", c.lead("after refusals", "L1").Version, 2)
		c.eq("timeline", kinds(c.timeline("timeline raw", "L1")), []string{lead.EventCaptured, "unsubscribed"})
		c.stats("counted once", "spring", t0, map[string]int64{"leads": 1, "unsubscribes": 1})
		next := bump(c.lead("read back", "L1"))
		c.must("plain save", c.s.Save(c.ctx, next, lead.Change{At: t0}))
		c.eq("copy kept", c.lead("after save", "L1").Suppressed, "unsubscribe")
		// A lead listed for itself before leads carried the copy: another
		// unsubscribe gives it the copy and records nothing twice.
		legacy := bump(c.lead("read back 2", "L1"))
		legacy.Suppressed = ""
		c.must("copy gone", c.s.Put(c.ctx, legacy, lead.Change{At: t0}))
		c.eq("as before copies", c.lead("legacy", "L1").Suppressed, "")
		again := bump(c.lead("legacy read", "L1"))
		again.Suppressed = "unsubscribe"
		c.err("legacy unsubscribe", c.s.Suppress(c.ctx, again, chg(t0, ev(t0.Add(2*time.Second), "unsubscribed", "e9"), "spring", "unsubscribes"), "unsubscribe"), lead.ErrAlreadySuppressed)
		c.eq("legacy has its copy", c.lead("legacy after", "L1").Suppressed, "unsubscribe")
		c.settle()
		c.eq("legacy timeline", kinds(c.timeline("legacy timeline raw", "L1")), []string{lead.EventCaptured, "unsubscribed"})
		c.stats("legacy counted once", "spring", t0, map[string]int64{"leads": 1, "unsubscribes": 1})
		// An address suppressed by hash alone counts for a lead made later:
		// it is created with its copy.
		l2 := newLead("L2", "gone@acme.example", "spring", "", t0)
		c.must("create L2", c.s.CreateLead(c.ctx, l2, lead.Change{At: t0}, nil))
		c.eq("L2 has its copy", c.lead("L2 created", "L2").Suppressed, "erasure")
		c.err("suppress L2", c.s.Suppress(c.ctx, bump(l2), chg(t0, ev(t0, "bounced", "e5"), "spring", "bounces"), "bounce"), lead.ErrAlreadySuppressed)
		c.eq("L2 unchanged", c.lead("L2", "L2").Version, 1)
		// A lead listed without its copy (written before copies existed, or
		// an erasure by address racing the form that made the lead) is
		// written with its change — as callers pass it, the copy already
		// set — and the list entry is kept.
		l3 := newLead("L3", "old@acme.example", "spring", "", t0)
		c.must("create L3", c.s.CreateLead(c.ctx, l3, lead.Change{At: t0}, nil))
		c.must("list L3 by hash", c.s.SuppressHash(c.ctx, l3.EmailHash, "erasure", t0))
		stale := bump(l3)
		stale.Suppressed, stale.Stage = "unsubscribe", lead.StageUnsubscribed
		c.must("suppress L3", c.s.Suppress(c.ctx, stale, chg(t0, ev(t0, "unsubscribed", "e6"), "spring", "unsubscribes"), "unsubscribe"))
		got = c.lead("L3 written", "L3")
		c.eq("L3 has its copy and its change", []any{got.Version, got.Suppressed, got.Stage}, []any{2, "unsubscribe", lead.StageUnsubscribed})
		c.err("suppress L3 again", c.s.Suppress(c.ctx, bump(got), chg(t0, ev(t0, "unsubscribed", "e7"), "spring", "unsubscribes"), "unsubscribe"), lead.ErrAlreadySuppressed)
		c.err("suppress L3 stale", c.s.Suppress(c.ctx, stale, chg(t0, ev(t0, "unsubscribed", "e8"), "spring", "unsubscribes"), "unsubscribe"), lead.ErrVersionConflict)
		c.eq("L3 once", c.lead("L3 after refusals", "L3").Version, 2)
		c.must("suppress by hash again", c.s.SuppressHash(c.ctx, l.EmailHash, "complaint", t0))
		c.suppressed("still suppressed", l.EmailHash, true)
		recent("every suppression of a lead recorded once", l.EmailHash, l2.EmailHash, l3.EmailHash)
	}},

	{"erasure", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads"), nil))
		c.must("save", c.s.Save(c.ctx, bump(l), chg(t0.Add(time.Minute), ev(t0.Add(time.Minute), "email_click", "e2"), "spring", "email_click")))
		anonEvents := anonymised(c.timeline("timeline", "L1"))
		anon := lead.Lead{ID: "L1", EmailHash: l.EmailHash, Stage: lead.StageNew, Erased: true, Version: 2}
		// Stale: the profile, claim and suppression are refused, but the
		// events were rewritten first (the adapter's batch writes are not
		// part of the transaction; running the erasure again finishes it).
		c.err("stale erase", c.s.Erase(c.ctx, anon, anonEvents, lead.Change{At: t0.Add(time.Hour)}, true), lead.ErrVersionConflict)
		c.eq("events rewritten anyway", c.timeline("after stale erase", "L1"), anonEvents)
		c.eq("profile kept", c.lead("profile after stale erase", "L1").Email, "ann@acme.example")
		byEmail, err := c.s.LeadByEmail(c.ctx, l.EmailHash)
		c.must("claim kept err", err)
		c.eq("claim kept", byEmail.ID, "L1")
		c.suppressed("not suppressed yet", l.EmailHash, false)
		anon.Version = 3
		c.must("erase", c.s.Erase(c.ctx, anon, anonEvents, lead.Change{At: t0.Add(time.Hour)}, true))
		got := c.lead("erased", "L1")
		c.eq("erased profile", []any{got.Email, got.Erased, got.Version, got.Answers, got.Suppressed}, []any{"", true, 3, nil, "erasure"})
		// The address's hash leads to nothing the erasure kept: the
		// profile is written without it.
		c.eq("erased profile's email hash", got.EmailHash, "")
		_, err = c.s.LeadByEmail(c.ctx, l.EmailHash)
		c.err("email claim deleted", err, lead.ErrNotFound)
		c.suppressed("suppressed", l.EmailHash, true)
		c.eq("timeline", c.timeline("after erase", "L1"), anonEvents)
		c.stats("counters kept", "spring", t0, map[string]int64{"leads": 1, "email_click": 1})
		anon.Version = 4
		c.must("erase again", c.s.Erase(c.ctx, anon, anonEvents, lead.Change{At: t0.Add(2 * time.Hour)}, true))
		// The address is free again: a new lead can claim it.
		c.must("new lead for the address", c.s.CreateLead(c.ctx, newLead("L2", "ann@acme.example", "spring", "", t0), lead.Change{At: t0}, nil))
	}},
	{"erasure without suppression (retention)", func(c *check) {
		// Nobody asked not to be mailed: the claim goes, no list entry is
		// added, and an entry the address had (its unsubscribe) stays as
		// it was.
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		l2 := newLead("L2", "bob@acme.example", "spring", "", t0)
		c.must("create L1", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads"), nil))
		c.must("create L2", c.s.CreateLead(c.ctx, l2, chg(t0, ev(t0, lead.EventCaptured, "e2"), "spring", "leads"), nil))
		c.must("unsubscribe L2", c.s.Suppress(c.ctx, bump(l2), chg(t0, ev(t0, "unsubscribed", "e3"), "spring", "unsubscribes"), "unsubscribe"))
		anon := lead.Lead{ID: "L1", EmailHash: l.EmailHash, Stage: lead.StageNew, Erased: true, Version: 2}
		c.must("erase L1", c.s.Erase(c.ctx, anon, anonymised(c.timeline("L1", "L1")), lead.Change{At: t0.Add(time.Hour)}, false))
		got := c.lead("erased L1", "L1")
		c.eq("erased L1", []any{got.Email, got.Erased, got.EmailHash, got.Suppressed}, []any{"", true, "", ""})
		_, err := c.s.LeadByEmail(c.ctx, l.EmailHash)
		c.err("L1's claim deleted", err, lead.ErrNotFound)
		c.suppressed("L1 not suppressed", l.EmailHash, false)
		anon2 := lead.Lead{ID: "L2", EmailHash: l2.EmailHash, Stage: lead.StageNew, Erased: true, Suppressed: "unsubscribe", Version: 3}
		c.must("erase L2", c.s.Erase(c.ctx, anon2, anonymised(c.timeline("L2", "L2")), lead.Change{At: t0.Add(time.Hour)}, false))
		reason, _, err := c.s.Suppression(c.ctx, l2.EmailHash)
		c.must("L2's suppression", err)
		c.eq("L2 still unsubscribed", reason, "unsubscribe")
		// The address is free: a person who comes back is a new lead.
		c.must("new lead for L1's address", c.s.CreateLead(c.ctx, newLead("L3", "ann@acme.example", "spring", "", t0.Add(2*time.Hour)), lead.Change{At: t0.Add(2 * time.Hour)}, nil))
	}},
	{"erasure before the stream recorded a put", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "spring", "leads"), nil))
		// A send's commit: its event and counter ride on the profile.
		c.must("put", c.s.Put(c.ctx, bump(l), chg(t0.Add(time.Minute), ev(t0.Add(time.Minute), "nurture_email", "e2"), "spring", "nurture_sends")))
		anonEvents := anonymised(c.timeline("timeline", "L1"))
		anon := lead.Lead{ID: "L1", EmailHash: l.EmailHash, Stage: lead.StageNew, Erased: true, Version: 3}
		c.must("erase", c.s.Erase(c.ctx, anon, anonEvents, lead.Change{At: t0.Add(time.Hour)}, true))
		c.settle() // the stream now brings the put's record
		c.eq("timeline", c.timeline("after erase", "L1"), anonEvents)
		c.stats("the send still counts", "spring", t0, map[string]int64{"leads": 1, "nurture_sends": 1})
	}},

	{"due index", func(c *check) {
		now := t0
		type dueLead struct {
			id  string
			due time.Time // zero: nothing due
		}
		var want []dueLead
		// 30 leads over 8 shards: some shard holds at least 4.
		for i := 0; i < 30; i++ {
			id := fmt.Sprintf("L%02d", i)
			l := newLead(id, id+"@acme.example", "spring", "", t0)
			var due time.Time
			if i%6 == 0 || i%6 == 1 || i%6 == 5 {
				l.Stage = lead.StageMQL // with sales: its alert or deadline is due
			}
			switch i % 6 {
			case 0: // hot: due since it became hot
				due = now.Add(-time.Duration(i) * time.Minute)
				l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: due}
			case 1: // alert sent: due at the SLA deadline, later
				due = now.Add(time.Duration(i) * time.Minute)
				l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: now.Add(-time.Hour)}
				l.Handoff.State, l.Handoff.DueBy = lead.HandoffSent, due
			case 2: // a nurture step, due now exactly, kept in the lead's zone
				due = now
				l.Nurture = &lead.Nurture{Sequence: "s", Step: "a", NextAt: due.In(time.FixedZone("CET", 3600))}
			case 3: // nothing due
			case 4: // answered handoff, nurture step due in a sub-second past
				due = now.Add(-time.Duration(i) * time.Millisecond)
				l.Handoff = &lead.Handoff{State: lead.HandoffAnswered, Since: now.Add(-time.Hour)}
				l.Nurture = &lead.Nurture{Sequence: "s", Step: "a", NextAt: due}
			case 5: // both: the earliest counts
				due = now.Add(-2 * time.Hour)
				l.Handoff = &lead.Handoff{State: lead.HandoffSent, Since: now.Add(-3 * time.Hour), DueBy: now.Add(-time.Minute)}
				l.Nurture = &lead.Nurture{Sequence: "s", Step: "a", NextAt: due}
			}
			c.must("create "+id, c.s.CreateLead(c.ctx, l, lead.Change{At: t0}, nil))
			want = append(want, dueLead{id, due})
		}
		expect := func(at time.Time) map[int][]string {
			byShard := map[int][]dueLead{}
			for _, d := range want {
				if !d.due.IsZero() && !d.due.After(at) {
					h := fnv.New32a()
					_, _ = h.Write([]byte(d.id))
					s := int(h.Sum32() % store.DueShards)
					byShard[s] = append(byShard[s], d)
				}
			}
			out := map[int][]string{}
			for s, ds := range byShard {
				sort.Slice(ds, func(i, j int) bool {
					return ds[i].due.Before(ds[j].due) || ds[i].due.Equal(ds[j].due) && ds[i].id < ds[j].id
				})
				for _, d := range ds {
					out[s] = append(out[s], d.id)
				}
			}
			return out
		}
		query := func(step string, at time.Time, limit int) map[int][]string {
			got := map[int][]string{}
			for shard := 0; shard <= store.DueShards; shard++ {
				ls, err := c.s.Due(c.ctx, shard, at, limit)
				c.must(fmt.Sprintf("%s shard %d err", step, shard), err)
				if len(ls) > 0 {
					got[shard] = leadIDs(ls)
				}
			}
			c.state(step, got)
			return got
		}
		c.eq("due now", query("due now raw", now, 100), expect(now))
		biggest := 0
		for _, ids := range expect(now) {
			biggest = max(biggest, len(ids))
		}
		if biggest < 3 {
			c.t.Fatalf("no shard holds 3 due leads (%v): the limit is not exercised", expect(now))
		}
		limited := map[int][]string{}
		for s, ids := range expect(now) {
			limited[s] = ids[:min(2, len(ids))]
		}
		c.eq("due now, 2 per shard", query("due now 2 raw", now, 2), limited)
		c.eq("due in an hour", query("due in an hour raw", now.Add(time.Hour), 100), expect(now.Add(time.Hour)))
		_, err := c.s.Due(c.ctx, 0, now, 0)
		c.err("limit 0", err, errOther)
		// A write that leaves nothing due takes the lead out of the index;
		// one that makes something due puts it in.
		first := c.lead("L00", "L00")
		first.Handoff.State = lead.HandoffAnswered
		c.must("answer L00", c.s.Save(c.ctx, bump(first), lead.Change{At: now}))
		idle := c.lead("L03", "L03")
		idle.Nurture = &lead.Nurture{Sequence: "s", Step: "a", NextAt: now.Add(-time.Second)}
		c.must("enrol L03", c.s.Save(c.ctx, bump(idle), lead.Change{At: now}))
		for i := range want {
			switch want[i].id {
			case "L00":
				want[i].due = time.Time{}
			case "L03":
				want[i].due = now.Add(-time.Second)
			}
		}
		c.eq("due after writes", query("due after writes raw", now, 100), expect(now))
		// Claims write the profile too (lease, chosen rep) and keep it due.
		l06 := c.lead("L06", "L06")
		l06.Lease = &lead.Lease{Owner: "w", Until: now.Add(time.Minute)}
		l06.Claims = map[string]lead.Claim{"handoff": {ID: "C1", At: now}}
		c.must("claim L06", c.s.Put(c.ctx, bump(l06), lead.Change{At: now}))
		c.eq("due after claim", query("due after claim raw", now, 100), expect(now))
		h := fnv.New32a()
		_, _ = h.Write([]byte("L06"))
		got, err := c.s.Due(c.ctx, int(h.Sum32()%store.DueShards), now, 100)
		c.must("due lead err", err)
		i := slices.IndexFunc(got, func(l lead.Lead) bool { return l.ID == "L06" })
		if i < 0 {
			c.t.Fatalf("the claimed lead left the due index: %v", leadIDs(got))
		}
		c.eq("due lead is the whole profile", []any{got[i].Version, got[i].Lease, got[i].Email}, []any{2, l06.Lease, "L06@acme.example"})
	}},

	{"open leads by rep", func(c *check) {
		accept := func(id, rep string, stage lead.Stage, at time.Time) {
			l := newLead(id, id+"@acme.example", "spring", "", t0)
			l.Stage, l.Deal = stage, &lead.Deal{AcceptedAt: at, Rep: rep}
			c.must("create "+id, c.s.CreateLead(c.ctx, l, lead.Change{At: t0}, nil))
		}
		accept("L3", "ana@example.com", lead.StageSQL, t0.Add(-3*time.Hour))
		accept("L1", "ana@example.com", lead.StageSAL, t0.Add(-1*time.Hour))
		accept("L2", "ana@example.com", lead.StageSAL, t0.Add(-2*time.Hour))
		accept("L4", "ana@example.com", lead.StageWon, t0.Add(-4*time.Hour))
		accept("L5", "ben@example.com", lead.StageSAL, t0)
		open, err := c.s.OpenLeads(c.ctx, "ana@example.com", time.Time{}, 10)
		c.must("open", err)
		c.eq("Ana's, oldest first", leadIDs(open), []string{"L3", "L2", "L1"})
		open, err = c.s.OpenLeads(c.ctx, "ana@example.com", time.Time{}, 2)
		c.must("open, limited", err)
		c.eq("limited", leadIDs(open), []string{"L3", "L2"})
		// Accepted before since (past the outcome horizon): not read.
		open, err = c.s.OpenLeads(c.ctx, "ana@example.com", t0.Add(-2*time.Hour), 10)
		c.must("open since", err)
		c.eq("accepted at or after since", leadIDs(open), []string{"L2", "L1"})
		// Won: it leaves the list.
		l := c.lead("L2", "L2")
		l.Stage = lead.StageWon
		c.must("won", c.s.Save(c.ctx, bump(l), lead.Change{At: t0}))
		open, err = c.s.OpenLeads(c.ctx, "ana@example.com", time.Time{}, 10)
		c.must("open after won", err)
		c.eq("after won", leadIDs(open), []string{"L3", "L1"})
		open, err = c.s.OpenLeads(c.ctx, "cy@example.com", time.Time{}, 10)
		c.must("nobody's", err)
		c.eq("none", leadIDs(open), []string{})
		// The per-rep report reads when each was accepted, oldest
		// first, whatever case the address is given in.
		since, err := c.s.OpenSince(c.ctx, "Ana@Example.com ", time.Time{})
		c.must("accepted at", err)
		c.eq("Ana's acceptance times", since, []time.Time{t0.Add(-3 * time.Hour), t0.Add(-1 * time.Hour)})
		since, err = c.s.OpenSince(c.ctx, "ana@example.com", t0.Add(-2*time.Hour))
		c.must("accepted at, since", err)
		c.eq("Ana's acceptance times from since on", since, []time.Time{t0.Add(-1 * time.Hour)})
		since, err = c.s.OpenSince(c.ctx, "cy@example.com", time.Time{})
		c.must("nobody's acceptance times", err)
		c.eq("no acceptance times", since, []time.Time{})
	}},
	{"counters", func(c *check) {
		c.must("count", c.s.Count(c.ctx, "c1", t0, "a", "b"))
		c.must("count again", c.s.Count(c.ctx, "c1", t0.Add(time.Hour), "a"))
		c.must("bot", c.s.CountBot(c.ctx, "c1", t0, nil))
		c.stats("c1", "c1", t0, map[string]int64{"a": 2, "b": 1, "bots": 1})
		// A bot's key is remembered with its count: a replay counts nothing.
		botIdem := &capture.Idempotency{Key: "bot-key", BodyHash: "h", Receipt: "R1", Outcome: "bot", ExpiresAt: t0.Add(24 * time.Hour)}
		c.must("bot with a key", c.s.CountBot(c.ctx, "c2", t0, botIdem))
		c.err("bot replay", c.s.CountBot(c.ctx, "c2", t0, botIdem), capture.ErrDuplicateRequest)
		rec, err := c.s.Idempotent(c.ctx, "bot-key")
		c.must("bot's record", err)
		c.eq("bot's receipt", rec.Receipt, "R1")
		c.stats("c2", "c2", t0, map[string]int64{"bots": 1})
		c.err("no counters", c.s.Count(c.ctx, "c1", t0), errOther)
		c.err("a counter named like an attribute", c.s.Count(c.ctx, "c1", t0, "y", "campaign"), errOther)
		c.stats("c1 after refusals", "c1", t0, map[string]int64{"a": 2, "b": 1, "bots": 1})
		// A counter named twice adds two (a write folding two touches).
		c.must("a counter twice", c.s.Count(c.ctx, "c1", t0, "x", "x"))
		// The month is the UTC month of the time given.
		late := time.Date(2031, 3, 31, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
		c.must("count late", c.s.Count(c.ctx, "c1", late, "late"))
		c.stats("april", "c1", time.Date(2031, 4, 1, 0, 0, 0, 0, time.UTC), map[string]int64{"late": 1})
		c.stats("march", "c1", t0, map[string]int64{"a": 2, "b": 1, "bots": 1, "x": 2})
		// A landing page's view counts on its variant's item alone.
		// A view of no named visitor counts every time; a named visitor
		// counts once per variant.
		view := func(what, variant, visitor string, want bool) {
			counted, err := c.s.CountView(c.ctx, "c1", variant, visitor, t0)
			c.must(what, err)
			c.eq(what+": counted", counted, want)
		}
		view("view", "v2", "", true)
		view("view again", "v2", "", true)
		view("view of another variant", "v1", "", true)
		view("a visitor's view", "v1", "0123456789abcdef0123456789abcdef", true)
		view("the visitor again", "v1", "0123456789abcdef0123456789abcdef", false)
		view("the visitor's view of another variant", "v2", "0123456789abcdef0123456789abcdef", true)
		c.stats("march after views", "c1", t0, map[string]int64{"a": 2, "b": 1, "bots": 1, "x": 2})
		// Writes count for the campaign, and for the variant the lead saw
		// first when it is the lead's own campaign.
		l := newLead("L1", "ann@acme.example", "c1", "v2", t0)
		ch := chg(t0, ev(t0, lead.EventCaptured, "e1"), "c1", "leads")
		ch.Counters = append(ch.Counters, lead.Counter{Campaign: "c2", Name: "leads"})
		c.must("create", c.s.CreateLead(c.ctx, l, ch, nil))
		c.must("save", c.s.Save(c.ctx, bump(l), chg(t0, ev(t0, "x", "e3"), "c1", "mql", "mql")))
		src, err := c.s.MonthSources(c.ctx, "2031-03")
		c.must("month err", err)
		c.eq("month", src, []report.Source{
			{Campaign: "c1", Month: "2031-03", Counters: report.Counters{"a": 2, "b": 1, "bots": 1, "leads": 1, "mql": 2, "x": 2}},
			{Campaign: "c1", Variant: "v1", Month: "2031-03", Counters: report.Counters{"views": 2}},
			{Campaign: "c1", Variant: "v2", Month: "2031-03", Counters: report.Counters{"leads": 1, "mql": 2, "views": 3}},
			{Campaign: "c2", Month: "2031-03", Counters: report.Counters{"bots": 1, "leads": 1}},
		})
		src, err = c.s.MonthSources(c.ctx, "2031-04")
		c.must("april err", err)
		c.eq("april rows", src, []report.Source{{Campaign: "c1", Month: "2031-04", Counters: report.Counters{"late": 1}}})
	}},

	{"rep counters", func(c *check) {
		// A rep's counters go to the rep's month, not a campaign's, in
		// the same write (transactional or single-item), whatever case
		// the address is in; the month query lists them after the
		// campaigns, by the hash of the address.
		l := newLead("L1", "ann@acme.example", "c1", "v2", t0)
		ch := chg(t0, ev(t0, lead.EventCaptured, "e1"), "c1", "leads")
		ch.Counters = append(ch.Counters, lead.RepCounter("ana@example.com", "handoffs", 0)...)
		c.must("create", c.s.CreateLead(c.ctx, l, ch, nil))
		answer := chg(t0, ev(t0, "accepted", "e2"), "c1", "sal")
		answer.Counters = append(answer.Counters, append(lead.RepCounter(" Ana@Example.com", "sal", 0), lead.RepCounter("ben@example.com", "rej_spam", 0)...)...)
		c.must("save", c.s.Save(c.ctx, bump(l), answer))
		won := chg(t0, ev(t0, "won", "e3"), "c1", "won")
		won.Counters = append(won.Counters, append(lead.RepCounter("ana@example.com", "won", 0), lead.RepCounter("ana@example.com", "revenue_minor", 500)...)...)
		c.must("put", c.s.Put(c.ctx, bump(bump(l)), won))
		c.settle()
		c.eq("no rep counter without a rep", lead.RepCounter(" ", "sal", 0), []lead.Counter(nil))
		c.err("a rep counter named like an attribute", c.s.Save(c.ctx, bump(bump(bump(l))),
			lead.Change{At: t0, Events: []lead.Event{ev(t0, "x", "e4")}, Counters: lead.RepCounter("ana@example.com", "rep", 0)}), errOther)
		reps := []report.Source{
			{Rep: "ana@example.com", Month: "2031-03", Counters: report.Counters{"handoffs": 1, "sal": 1, "won": 1, "revenue_minor": 500}},
			{Rep: "ben@example.com", Month: "2031-03", Counters: report.Counters{"rej_spam": 1}},
		}
		if lead.HashEmail(reps[1].Rep) < lead.HashEmail(reps[0].Rep) {
			reps[0], reps[1] = reps[1], reps[0]
		}
		src, err := c.s.MonthSources(c.ctx, "2031-03")
		c.must("month err", err)
		c.eq("month", src, append([]report.Source{
			{Campaign: "c1", Month: "2031-03", Counters: report.Counters{"leads": 1, "sal": 1, "won": 1}},
			{Campaign: "c1", Variant: "v2", Month: "2031-03", Counters: report.Counters{"leads": 1, "sal": 1, "won": 1}},
		}, reps...))
		c.stats("the campaign's counters", "c1", t0, map[string]int64{"leads": 1, "sal": 1, "won": 1})
		counted, err := c.s.RepsCounted(c.ctx, "2031-03")
		c.must("reps counted err", err)
		c.eq("reps counted (as lead.RepKey keeps them)", counted, []string{"ana@example.com", "ben@example.com"})
		counted, err = c.s.RepsCounted(c.ctx, "2031-04")
		c.must("reps counted next month err", err)
		c.eq("reps counted next month", counted, []string{})
	}},

	{"counters that add an amount", func(c *check) {
		// Revenue in minor units: a transactional write (Save) and a
		// single-item one (Put, recorded by the stream) add their amounts
		// to the campaign and to the lead's variant, once.
		l := newLead("L1", "ann@acme.example", "c1", "v2", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, chg(t0, ev(t0, lead.EventCaptured, "e1"), "c1", "leads"), nil))
		won := chg(t0, ev(t0, "won", "e2"), "c1", "won")
		won.Counters = append(won.Counters, lead.Counter{Campaign: "c1", Name: "revenue_minor", By: 1250050})
		c.must("save", c.s.Save(c.ctx, bump(l), won))
		more := chg(t0, ev(t0, "won", "e3"), "c1", "won")
		more.Counters = append(more.Counters, lead.Counter{Campaign: "c1", Name: "revenue_minor", By: 99},
			lead.Counter{Campaign: "c1", Name: "revenue_minor", By: 1})
		c.must("put", c.s.Put(c.ctx, bump(bump(l)), more))
		c.settle()
		src, err := c.s.MonthSources(c.ctx, "2031-03")
		c.must("month err", err)
		c.eq("month", src, []report.Source{
			{Campaign: "c1", Month: "2031-03", Counters: report.Counters{"leads": 1, "won": 2, "revenue_minor": 1250150}},
			{Campaign: "c1", Variant: "v2", Month: "2031-03", Counters: report.Counters{"leads": 1, "won": 2, "revenue_minor": 1250150}},
		})
	}},

	{"counters of another month", func(c *check) {
		// A counter naming its month counts there, not in the write's
		// month: an outcome reversed is taken out of the month it was
		// counted in, in the same write (transactional, or single-item
		// and recorded by the stream) as what the write counts now — for
		// the campaign, its variant and the rep. A counter naming the
		// write's own month goes with the others of that month (one
		// update per stats item in a transaction).
		l := newLead("L1", "ann@acme.example", "c1", "v2", t0)
		won := chg(t0, ev(t0, lead.EventCaptured, "e1"), "c1", "leads", "won")
		won.Counters = append(won.Counters, lead.Counter{Campaign: "c1", Name: "revenue_minor", By: 500})
		won.Counters = append(won.Counters, append(lead.RepCounter("ana@example.com", "won", 0), lead.RepCounter("ana@example.com", "revenue_minor", 500)...)...)
		c.must("create", c.s.CreateLead(c.ctx, l, won, nil))
		april := t0.AddDate(0, 1, 0)
		lost := chg(april, ev(april, "lost", "e2"), "c1", "lost", "lost")
		lost.Counters = append(lost.Counters, lead.Counter{Campaign: "c1", Name: "won", By: -1, Month: "2031-03"},
			lead.Counter{Campaign: "c1", Name: "sql_closed", Month: "2031-04"},
			lead.Counter{Campaign: "c1", Name: "lost", By: -1, Month: "2031-04"}) // one counter, added and taken, in one update
		lost.Counters = append(lost.Counters, lead.Counter{Rep: lead.RepKey("ana@example.com"), Name: "won", By: -1, Month: "2031-03"},
			lead.Counter{Rep: lead.RepKey("ana@example.com"), Name: "lost"})
		c.must("save", c.s.Save(c.ctx, bump(l), lost))
		undo := chg(april, ev(april, "x", "e3"), "c1")
		undo.Counters = append(undo.Counters, lead.Counter{Campaign: "c1", Name: "revenue_minor", By: -500, Month: "2031-03"},
			lead.Counter{Rep: lead.RepKey("ana@example.com"), Name: "revenue_minor", By: -500, Month: "2031-03"})
		c.must("put", c.s.Put(c.ctx, bump(bump(l)), undo))
		c.settle()
		march, err := c.s.MonthSources(c.ctx, "2031-03")
		c.must("march err", err)
		c.eq("march", march, []report.Source{
			{Campaign: "c1", Month: "2031-03", Counters: report.Counters{"leads": 1, "won": 0, "revenue_minor": 0}},
			{Campaign: "c1", Variant: "v2", Month: "2031-03", Counters: report.Counters{"leads": 1, "won": 0, "revenue_minor": 0}},
			{Rep: "ana@example.com", Month: "2031-03", Counters: report.Counters{"won": 0, "revenue_minor": 0}},
		})
		apr, err := c.s.MonthSources(c.ctx, "2031-04")
		c.must("april err", err)
		c.eq("april", apr, []report.Source{
			{Campaign: "c1", Month: "2031-04", Counters: report.Counters{"lost": 1, "sql_closed": 1}},
			{Campaign: "c1", Variant: "v2", Month: "2031-04", Counters: report.Counters{"lost": 1, "sql_closed": 1}},
			{Rep: "ana@example.com", Month: "2031-04", Counters: report.Counters{"lost": 1}},
		})
	}},

	{"timeline", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		c.must("create", c.s.CreateLead(c.ctx, l, lead.Change{At: t0}, nil))
		data := map[string]any{"n": 3, "f": 1.5, "s": "x", "list": []string{"a", "b"}, "at": t0, "nested": map[string]any{"k": true}}
		ch := lead.Change{At: t0, Events: []lead.Event{
			{At: t0.Add(time.Second), Kind: "a", ID: "e1"},
			{At: t0, Kind: "y", ID: "e2", Data: data},
			{At: t0.Add(500 * time.Millisecond), Kind: "x", ID: "e3"},
			{At: t0.Add(2 * time.Second), Kind: "b", ID: "e4"},
			{At: t0.Add(2 * time.Second), Kind: "a", ID: "e5"},
		}}
		c.must("save", c.s.Save(c.ctx, bump(l), ch))
		tl := c.timeline("timeline raw", "L1")
		// Time order, then kind: not the sort keys' (EVT#<rfc3339nano>#…,
		// where "…00.5Z" sorts before "…00Z": RFC 3339 with trimmed zeros
		// is not fixed width).
		c.eq("order", kinds(tl), []string{"y", "x", "a", "a", "b"})
		for _, e := range tl {
			if e.ID == "e2" {
				c.eq("data round trip", e.Data, map[string]any{"n": 3, "f": 1.5, "s": "x", "list": []any{"a", "b"}, "at": t0.Format(time.RFC3339Nano), "nested": map[string]any{"k": true}})
			}
		}
		again := lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: "y", ID: "e2"}}}
		c.err("an event written twice", c.s.Save(c.ctx, bump(bump(l)), again), errOther)
		twice := lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: "z", ID: "e9"}, {At: t0, Kind: "z", ID: "e9"}}}
		c.err("one event twice in a write", c.s.Save(c.ctx, bump(bump(l)), twice), errOther)
		c.eq("unchanged", len(c.timeline("after refusals", "L1")), 5)
		c.eq("version", c.lead("lead", "L1").Version, 2)
		c.eq("unknown lead", len(c.timeline("unknown raw", "nope")), 0)
	}},

	{"round robin, rate limit, once", func(c *check) {
		for i, team := range []string{"a", "a", "b", "a"} {
			n, err := c.s.NextTurn(c.ctx, team)
			c.must(fmt.Sprintf("turn %d err", i), err)
			c.eq(fmt.Sprintf("turn %d", i), n, []int64{0, 1, 0, 2}[i])
		}
		allow := func(step, key string, limit int, window time.Duration, at time.Time, want bool) {
			ok, err := c.s.Allow(c.ctx, key, limit, window, at)
			c.must(step+" err", err)
			c.eq(step, ok, want)
		}
		allow("first", "visit#L1", 2, time.Hour, t0, true)
		allow("second", "visit#L1", 2, time.Hour, t0.Add(time.Minute), true)
		allow("third", "visit#L1", 2, time.Hour, t0.Add(59*time.Minute), false)
		allow("other key", "visit#L2", 2, time.Hour, t0.Add(59*time.Minute), true)
		allow("next window", "visit#L1", 2, time.Hour, t0.Add(time.Hour), true)
		// The first call of a window always passes, even with limit 0.
		allow("limit 0", "zero", 0, time.Hour, t0, true)
		allow("limit 0 again", "zero", 0, time.Hour, t0, false)
		// A window anchored at a send time (open tracking: limit 1).
		sent := t0.Add(17 * time.Second)
		allow("first open", "open#L1#s:w#1", 1, 30*24*time.Hour, sent, true)
		allow("second open", "open#L1#s:w#1", 1, 30*24*time.Hour, sent, false)
		once := func(step, key string, want bool) {
			ok, err := c.s.Once(c.ctx, key, t0)
			c.must(step+" err", err)
			c.eq(step, ok, want)
		}
		once("once", "DIGEST#2031-W11", true)
		once("twice", "DIGEST#2031-W11", false)
		once("another key", "DIGEST#2031-W12", true)
		c.must("forget", c.s.Forget(c.ctx, "DIGEST#2031-W11"))
		once("after forget", "DIGEST#2031-W11", true)
		c.must("forget unknown", c.s.Forget(c.ctx, "DIGEST#1999-W01"))
	}},

	{"alert flood control: slots and holds", func(c *check) {
		// handoff's flood control (AlertSlot, HoldAlert, HeldAlerts): its
		// unit tests run over memstore, so memstore must place, refuse and
		// list as the adapter does.
		exp := t0.Add(2 * time.Hour)
		slot := func(step, key, id string, limits map[string]int, want string) {
			full, err := c.s.AlertSlot(c.ctx, key, id, limits, exp)
			c.must(step+" err", err)
			c.eq(step, full, want)
		}
		slot("L1 placed", "W1", "L1", map[string]int{"all": 2, "src_a": 1}, "")
		slot("L1 again: no second place", "W1", "L1", map[string]int{"all": 2, "src_a": 1}, "")
		slot("L2: its source is full", "W1", "L2", map[string]int{"all": 2, "src_a": 1}, "src_a")
		slot("L3: another source", "W1", "L3", map[string]int{"all": 2, "src_b": 1}, "")
		slot("L4: the campaign is full", "W1", "L4", map[string]int{"all": 2, "src_c": 1}, "all")
		// A refused lead took no place anywhere: src_c still has room.
		slot("L5: src_c has room, the campaign not", "W1", "L5", map[string]int{"all": 3, "src_c": 1}, "")
		slot("L4: another window", "W2", "L4", map[string]int{"all": 2, "src_c": 1}, "")
		slot("a source's own item", "S1", "L1", map[string]int{"alerted": 1}, "")
		slot("a source's own item, full", "S1", "L2", map[string]int{"alerted": 1}, "alerted")

		ids, more, err := c.s.HeldAlerts(c.ctx, "H1")
		c.must("nothing held err", err)
		c.eq("nothing held", []any{len(ids), more}, []any{0, 0})
		c.state("nothing held raw", ids)
		for _, id := range []string{"L9", "L7", "L8", "L7"} {
			c.must("hold "+id, c.s.HoldAlert(c.ctx, "H1", id, exp))
		}
		ids, more, err = c.s.HeldAlerts(c.ctx, "H1")
		c.must("held err", err)
		// The adapter's string set comes back in no order it promises.
		sort.Strings(ids)
		c.eq("held, each once", []any{ids, more}, []any{[]string{"L7", "L8", "L9"}, 0})
		// Another window holds its own.
		ids, more, err = c.s.HeldAlerts(c.ctx, "H2")
		c.must("other window err", err)
		c.eq("other window", []any{len(ids), more}, []any{0, 0})
	}},

	{"values are copies", func(c *check) {
		l := newLead("L1", "ann@acme.example", "spring", "", t0)
		l.Signals = []lead.Signal{{Kind: "form:demo", At: t0}}
		e := ev(t0, lead.EventCaptured, "e1")
		c.must("create", c.s.CreateLead(c.ctx, l, lead.Change{At: t0, Events: []lead.Event{e}}, nil))
		// The caller keeps changing what it wrote…
		l.Answers["crm"] = "Salesforce"
		l.Signals[0].Kind = "changed"
		e.Data["s"] = "changed"
		// … and what it read.
		r := c.lead("read", "L1")
		r.Answers["crm"] = "Pipedrive"
		r.Consents = append(r.Consents, lead.Consent{TextVersion: "x"})
		r.Signals[0].Kind = "changed"
		tl := c.timeline("timeline", "L1")
		tl[0].Data["s"] = "changed"
		again := c.lead("read again", "L1")
		c.eq("stored lead", []any{again.Answers["crm"], len(again.Consents), again.Signals[0].Kind}, []any{"HubSpot", 1, "form:demo"})
		c.eq("stored event", c.timeline("timeline again", "L1")[0].Data["s"], "x")
	}},
}

func TestStoreContract(t *testing.T) {
	impls := []struct {
		name string
		open func(t *testing.T) (contractStore, func())
	}{
		{"dynamodb", func(t *testing.T) (contractStore, func()) {
			table := testenv.NewTable(t)
			return dynamo{store.New(testenv.Clients(t).DynamoDB, table)}, func() { testenv.Settle(t, table) }
		}},
		{"memstore", func(*testing.T) (contractStore, func()) { return memstore.New(), func() {} }},
	}
	for _, tc := range contractCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			traces := map[string][]string{}
			for _, impl := range impls {
				ok := t.Run(impl.name, func(t *testing.T) {
					st, settle := impl.open(t)
					c := &check{t: t, s: st, ctx: context.Background(), settle: settle}
					tc.run(c)
					traces[impl.name] = c.trace
				})
				if !ok {
					return // its own failure says why; a trace diff would repeat it
				}
			}
			d, m := traces["dynamodb"], traces["memstore"]
			if d == nil || m == nil {
				return // the emulator is not available: nothing to compare
			}
			for i := 0; i < max(len(d), len(m)); i++ {
				var ds, ms string
				if i < len(d) {
					ds = d[i]
				}
				if i < len(m) {
					ms = m[i]
				}
				if ds != ms {
					t.Fatalf("memstore differs from the DynamoDB adapter at step %d:\ndynamodb: %s\nmemstore: %s", i, ds, ms)
				}
			}
			if testing.Verbose() {
				t.Logf("%d identical steps", len(d))
			}
		})
	}
}
