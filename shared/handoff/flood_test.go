package handoff

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		in     string
		n      int
		window time.Duration
		ok     bool
	}{
		{"", 0, 0, true}, {"off", 0, 0, true}, {"0", 0, 0, true},
		{"5/1h", 5, time.Hour, true}, {"20/15m", 20, 15 * time.Minute, true},
		{"5", 0, 0, false}, {"five/1h", 0, 0, false}, {"-1/1h", 0, 0, false}, {"5/1s", 0, 0, false},
		{"5/1x", 0, 0, false}, {"5/200h", 0, 0, false}, {"05/1h", 0, 0, false},
		{"1000/1h", 1000, time.Hour, true}, {"1001/1h", 0, 0, false},
	} {
		n, w, err := ParseLimit(tc.in)
		if (err == nil) != tc.ok || n != tc.n || w != tc.window {
			t.Errorf("ParseLimit(%q) = %d, %v, %v", tc.in, n, w, err)
		}
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int{"": 0, "off": 0, "0": 0, "20": 20, "1000": 1000, "1001": -1, "020": -1, "-3": -1, "twenty": -1, "2/1h": -1} {
		n, err := ParseCount(in)
		if (err == nil) != (want >= 0) || (want >= 0 && n != want) {
			t.Errorf("ParseCount(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
}

func TestFloodGate(t *testing.T) {
	at := time.Date(2031, 3, 10, 9, 10, 0, 0, time.UTC)
	hot := func(id, email, campaign, utm string) *lead.Lead {
		l := lead.New(id, lead.Submission{Email: email, Source: lead.Attribution{Campaign: campaign, UTMSource: utm, At: at}})
		l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: at}
		return &l
	}
	type step struct {
		l      *lead.Lead
		at     time.Time
		alerts bool   // mark the lead alerted when allowed
		want   string // "" allowed, else the hold reason
	}
	a1, a2, a3 := hot("A1", "a1@x.example", "q4", "linkedin"), hot("A2", "a2@x.example", "q4", "linkedin"), hot("A3", "a3@x.example", "q4", "linkedin")
	other := hot("B1", "b1@x.example", "q4", "google")
	released := hot("A4", "a4@x.example", "q4", "linkedin")
	released.Handoff.Released = true
	again := hot("A5", "a5@x.example", "q4", "newsletter") // alerted, sent back, hot again
	for _, tc := range []struct {
		name  string
		flood Flood
		steps []step
	}{
		{"per source limit", Flood{PerSource: 2, Window: time.Hour}, []step{
			{a1, at, false, ""}, {a1, at, false, ""}, // asking again takes no second slot
			{a2, at, false, ""}, {a3, at, false, lead.HeldSourceLimit},
			{other, at, false, ""}, // another source has its own slots
			{released, at, false, ""},
			{a3, at.Add(time.Hour), false, ""}, // the next window
		}},
		// utm_source is the poster's: inventing sources passes the
		// per-source limit, not the campaign's.
		{"per campaign limit across sources", Flood{PerSource: 2, PerCampaign: 3, Window: time.Hour}, []step{
			{a1, at, false, ""}, {other, at, false, ""}, {a1, at, false, ""},
			{hot("C1", "c1@x.example", "q4", "made-up-1"), at, false, ""},
			{hot("C2", "c2@x.example", "q4", "made-up-2"), at, false, lead.HeldCampaignLimit},
			{hot("C3", "c3@x.example", "webinar", "made-up-3"), at, false, ""}, // another campaign
			{hot("C2", "c2@x.example", "q4", "made-up-2"), at.Add(time.Hour), false, ""},
		}},
		// Campaign names are the poster's too: the ones the config does
		// not list are one campaign; a source is compared as one spelling.
		{"unlisted campaigns and source spellings count as one", Flood{PerSource: 2, Window: time.Hour, Known: func(c string) bool { return c == "q4" }}, []step{
			{hot("U1", "u1@x.example", "invented-1", "ads"), at, false, ""},
			{hot("U2", "u2@x.example", "invented-2", " ADS"), at, false, ""},
			{hot("U3", "u3@x.example", "invented-3", "Ads "), at, false, lead.HeldSourceLimit},
			{hot("U4", "u4@x.example", "q4", "ads"), at, false, ""}, // a listed campaign has its own
		}},
		{"per lead de-duplication", Flood{Dedup: 24 * time.Hour}, []step{
			{again, at, true, ""}, {again, at.Add(23 * time.Hour), false, lead.HeldRecentlyAlerted},
			{again, at.Add(25 * time.Hour), false, ""},
			{a1, at.Add(time.Hour), false, ""}, // another lead
		}},
		{"per source limit without a campaign limit: the source's own item", Flood{PerSource: 1, Window: time.Hour}, []step{
			{hot("D1", "d1@x.example", "q4", "ads"), at, false, ""}, {hot("D2", "d2@x.example", "q4", "ads"), at, false, lead.HeldSourceLimit},
		}},
		{"off", Flood{}, []step{{a1, at, true, ""}, {a2, at, true, ""}, {a3, at, true, ""}, {a1, at, false, ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.flood
			f.Store = memstore.New()
			for i, s := range tc.steps {
				held, err := f.gate(context.Background(), s.l, s.at)
				if err != nil {
					t.Fatal(err)
				}
				got := ""
				if held != nil {
					got = held.Reason
					if held.Source == "" || !held.SummaryAt.After(s.at) {
						t.Errorf("step %d: held %+v", i, held)
					}
				}
				if got != s.want {
					t.Fatalf("step %d (%s at %s): held %q, want %q", i, s.l.ID, s.at.Format("15:04"), got, s.want)
				}
				if got == "" && s.alerts {
					s.l.AlertedAt = s.at // the alert's commit records it
				}
			}
		})
	}
}

// rendezvous is a store whose round-robin turn and alert slot each wait
// until the other has been asked: a Claim that took them one after the
// other would wait out its context instead.
type rendezvous struct {
	*memstore.Store
	turn, slot chan struct{}
	full       bool // the slot is refused
}

func (r *rendezvous) meet(ctx context.Context, mine, other chan struct{}) error {
	close(mine)
	select {
	case <-other:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("asked alone: %w", ctx.Err())
	}
}

func (r *rendezvous) NextTurn(ctx context.Context, team string) (int64, error) {
	if err := r.meet(ctx, r.turn, r.slot); err != nil {
		return 0, err
	}
	return r.Store.NextTurn(ctx, team)
}

func (r *rendezvous) AlertSlot(ctx context.Context, k, leadID string, limits map[string]int, expires time.Time) (string, error) {
	if err := r.meet(ctx, r.slot, r.turn); err != nil {
		return "", err
	}
	if r.full {
		return setSource, nil
	}
	return r.Store.AlertSlot(ctx, k, leadID, limits, expires)
}

// A hot lead's alert slot and the rep's turn are independent writes: both
// ways to a first alert (the create's claim, Claim, and Run for a lead
// already stored) ask for them at once, so the alert waits for the
// slower one, not their sum. When the slot is refused nothing is staged
// and the lead keeps no rep (Run records the hold).
func TestSlotAndTurnAreTakenAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name      string
		run, full bool
	}{{"claim, slot free", false, false}, {"claim, slot refused", false, true}, {"run, slot free", true, false}, {"run, slot refused", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			rv := &rendezvous{Store: f.store, turn: make(chan struct{}), slot: make(chan struct{}), full: tc.full}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var l lead.Lead
			if tc.run {
				id := f.hotLead(t, "stored@bigcorp.example")
				f.svc.Store, f.svc.Send.Store = rv, rv
				f.svc.Flood = &Flood{Store: rv, PerSource: 5, Window: time.Hour}
				out, err := f.svc.Run(ctx, id, "w1", "")
				want := map[bool]Outcome{false: Sent, true: Held}[tc.full]
				if err != nil || out != want {
					t.Fatalf("run = %s, %v; want %s", out, err, want)
				}
				l = stored(t, f.store, id)
			} else {
				f.svc.Store = rv
				f.svc.Flood = &Flood{Store: rv, PerSource: 5, Window: time.Hour}
				l = lead.New(ids.New(f.now), lead.Submission{Email: "new@bigcorp.example", Name: "Clara", Company: "BigCorp", JobTitle: "CMO",
					FormType: "demo_request", Source: lead.Attribution{Campaign: "q4", At: f.now}})
				l.AddSignal(lead.Signal{Kind: "form:demo_request", At: f.now})
				f.svc.Rules.Qualify(&l, f.now)
				if err := f.svc.Claim(ctx, &l, "req-1", "https://leads.example.com"); err != nil {
					t.Fatal(err)
				}
				if staged := l.Claims["handoff"].ID != ""; staged == tc.full {
					t.Fatalf("claims %+v, want staged: %v", l.Claims, !tc.full)
				}
			}
			if tc.full && l.Handoff.Rep != "" {
				t.Fatalf("refused slot, yet the lead has rep %q", l.Handoff.Rep)
			}
			if !tc.full && l.Handoff.Rep == "" {
				t.Fatalf("no rep chosen: %+v", l.Handoff)
			}
			if tc.run && len(f.out.Sent()) != map[bool]int{false: 1, true: 0}[tc.full] {
				t.Fatalf("%d alerts sent", len(f.out.Sent()))
			}
		})
	}
}

// A lead sales sent back that turns hot again within the de-duplication
// window is held. A held lead has left nurture, so it must not wait for a
// release that may never come: after its window's summary it is due
// again when the de-duplication window ends, and its alert then goes
// out by itself, once, through flood control like any first alert.
func TestHeldForARecentAlertGoesOutWhenItsWindowEnds(t *testing.T) {
	f := newFixture(t)
	f.svc.Flood = &Flood{Store: f.store, Dedup: 24 * time.Hour, Window: time.Hour}
	ctx := context.Background()
	var id string
	run := func(want Outcome) {
		t.Helper()
		if out, err := f.svc.Run(ctx, id, "tick", ""); err != nil || out != want {
			t.Fatalf("at %s: run = %s, %v; want %s", f.now.Format(time.RFC3339), out, err, want)
		}
	}
	id = f.hotLead(t, "again@bigcorp.example")
	run(Sent)
	alertedAt := f.now

	// Sent back two hours later, hot again at once.
	f.sentBackAndHotAgain(t, id, 2*time.Hour)
	run(Held)
	held := stored(t, f.store, id)
	h := held.Handoff.Held
	if h == nil || h.Reason != lead.HeldRecentlyAlerted || !h.RetryAt.Equal(alertedAt.Add(24*time.Hour)) || held.Handoff.Rep != "" {
		t.Fatalf("held = %+v, rep %q; want recently alerted, retry at %s, no rep", h, held.Handoff.Rep, alertedAt.Add(24*time.Hour))
	}
	if !held.NextDue().Equal(h.SummaryAt) {
		t.Fatalf("next due %s, want the summary at %s", held.NextDue(), h.SummaryAt)
	}

	// The window's summary goes to the team lead, saying when it goes out.
	f.now = h.SummaryAt
	run(Summarised)
	if n := len(f.out.Sent()); n != 2 || !strings.Contains(f.out.Sent()[1].Text, "is asked for again by itself 24 hours after that alert, if it is still an MQL") {
		t.Fatalf("%d emails; summary:\n%s", n, f.out.Sent()[n-1].Text)
	}
	if after := stored(t, f.store, id); !after.NextDue().Equal(h.RetryAt) {
		due := after.NextDue()
		t.Fatalf("after the summary next due %s, want %s", due, h.RetryAt)
	}
	said := f.said(t, id, "alert_held")
	if !strings.Contains(said, "goes to sales by itself from "+mail.When(h.RetryAt, time.UTC)) {
		t.Fatalf("timeline says %q", said)
	}

	f.now = h.RetryAt.Add(-time.Minute)
	run(NothingDue)
	f.now = h.RetryAt
	run(Sent)
	got := stored(t, f.store, id)
	alerts := f.out.Sent()
	if len(alerts) != 3 || got.Handoff.State != lead.HandoffSent || alerts[2].To != got.Handoff.Rep || got.Handoff.Since != h.RetryAt {
		t.Fatalf("%d emails, handoff %+v", len(alerts), got.Handoff)
	}
	f.now = f.now.Add(time.Minute)
	run(NothingDue)
	if len(f.out.Sent()) != 3 {
		t.Fatalf("%d emails after a second run, want 3", len(f.out.Sent()))
	}
}

// The retry of a hold for a recent alert is for a lead still owed to
// sales: one disqualified (or unsubscribed) meanwhile is not alerted and
// leaves the due index.
func TestHeldRetryIsOnlyForAnMQL(t *testing.T) {
	f := newFixture(t)
	f.svc.Flood = &Flood{Store: f.store, Dedup: 24 * time.Hour, Window: time.Hour}
	ctx := context.Background()
	id := f.hotLead(t, "gone-cold@bigcorp.example")
	if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Sent {
		t.Fatalf("first alert: %s, %v", out, err)
	}
	l := stored(t, f.store, id)
	l.Handoff = &lead.Handoff{State: lead.HandoffHeld, Since: f.now, Held: &lead.Held{Reason: lead.HeldRecentlyAlerted,
		Source: "k#w", At: f.now, SummaryAt: f.now.Add(time.Hour), Summarised: true, RetryAt: f.now.Add(24 * time.Hour)}}
	l.Stage = lead.StageDisqualified
	l.Version++
	if err := f.store.Put(ctx, l, lead.Change{}); err != nil {
		t.Fatal(err)
	}
	l = stored(t, f.store, id)
	if due := l.NextDue(); !due.IsZero() {
		t.Fatalf("a disqualified held lead is due at %s", due)
	}
	f.now = f.now.Add(25 * time.Hour)
	if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != NothingDue || len(f.out.Sent()) != 1 {
		t.Fatalf("retry of a disqualified lead: %s, %v, %d emails", out, err, len(f.out.Sent()))
	}
}

// countingStore counts round-robin turns.
type countingStore struct {
	*memstore.Store
	turns int
}

func (c *countingStore) NextTurn(ctx context.Context, team string) (int64, error) {
	c.turns++
	return c.Store.NextTurn(ctx, team)
}

// Held leads take no round-robin turn when the hold is known first: a
// recent alert needs no request, and once this process saw a window full
// its next leads ask for the slot before the turn. Only the lead refused
// while its turn was being taken used one up.
func TestHeldLeadsTakeNoTurnWhenTheHoldIsKnownFirst(t *testing.T) {
	f := newFixture(t)
	cs := &countingStore{Store: f.store}
	f.svc.Store = cs
	f.svc.Send.Store = cs
	f.svc.Flood = &Flood{Store: f.store, PerSource: 1, Dedup: 24 * time.Hour, Window: time.Hour}
	ctx := context.Background()
	want := []Outcome{Sent, Held, Held, Held}
	var first string
	for i, w := range want {
		id := f.hotLead(t, fmt.Sprintf("flood%d@bigcorp.example", i))
		if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != w {
			t.Fatalf("lead %d: %s, %v; want %s", i, out, err, w)
		}
		if i == 0 {
			first = id
		}
	}
	if cs.turns != 2 {
		t.Fatalf("%d turns taken, want 2 (the alerted lead, and the first refused while its turn was taken)", cs.turns)
	}
	// The alerted lead, sent back and hot again in the next hour: held for
	// its recent alert, known without a request, so no turn either.
	f.sentBackAndHotAgain(t, first, time.Hour)
	if out, err := f.svc.Run(ctx, first, "w", ""); err != nil || out != Held || cs.turns != 2 {
		t.Fatalf("recently alerted: %s, %v, %d turns; want held, still 2", out, err, cs.turns)
	}
}

// A retried alert that its source's limit holds again keeps the time the
// lead turned hot (Since is the retry's only when the alert goes).
func TestRetriedAlertHeldAgainKeepsSince(t *testing.T) {
	f := newFixture(t)
	f.svc.Flood = &Flood{Store: f.store, PerSource: 1, Dedup: 24 * time.Hour, Window: time.Hour}
	ctx := context.Background()
	a := f.hotLead(t, "again@bigcorp.example")
	if out, err := f.svc.Run(ctx, a, "w", ""); err != nil || out != Sent {
		t.Fatalf("first alert: %s, %v", out, err)
	}
	f.sentBackAndHotAgain(t, a, 2*time.Hour)
	hotAgain := f.now
	if out, err := f.svc.Run(ctx, a, "w", ""); err != nil || out != Held {
		t.Fatalf("hot again: %s, %v", out, err)
	}
	h := stored(t, f.store, a).Handoff.Held
	f.now = h.SummaryAt
	if out, err := f.svc.Run(ctx, a, "w", ""); err != nil || out != Summarised {
		t.Fatalf("summary: %s, %v", out, err)
	}
	retry := h.RetryAt
	// At the retry, another lead of the same source took the window's slot.
	f.now = retry
	b := f.hotLead(t, "other@bigcorp.example")
	if out, err := f.svc.Run(ctx, b, "w", ""); err != nil || out != Sent {
		t.Fatalf("other lead: %s, %v", out, err)
	}
	if out, err := f.svc.Run(ctx, a, "w", ""); err != nil || out != Held {
		t.Fatalf("retry: %s, %v; want held by the source limit", out, err)
	}
	got := stored(t, f.store, a).Handoff
	if got.Held.Reason != lead.HeldSourceLimit || !got.Since.Equal(hotAgain) {
		t.Fatalf("held again: reason %s, since %s; want source limit, since %s", got.Held.Reason, got.Since, hotAgain)
	}
}

// sentBackAndHotAgain has sales send the lead back after wait, and the
// lead turn hot again a minute later (a new demo request), as stored.
func (f *fixture) sentBackAndHotAgain(t *testing.T, id string, wait time.Duration) {
	t.Helper()
	f.now = f.now.Add(wait)
	l := stored(t, f.store, id)
	l.SendBack("not_now", l.Handoff.Rep, f.now)
	f.now = f.now.Add(time.Minute)
	l.AddSignal(lead.Signal{Kind: "form:demo_request", At: f.now})
	f.svc.Rules.Qualify(&l, f.now)
	if !l.OwedToSales() {
		t.Fatalf("not hot again: %+v", l.Qualification)
	}
	l.Version++
	if err := f.store.Put(context.Background(), l, lead.Change{}); err != nil {
		t.Fatal(err)
	}
}

// gate is flood control as admit runs it, without the turn: check, then
// take when check cannot answer alone.
func (f *Flood) gate(ctx context.Context, l *lead.Lead, now time.Time) (*lead.Held, error) {
	held, ask := f.check(l, now)
	if ask == nil {
		return held, nil
	}
	held, _, err := f.take(ctx, l.ID, ask)
	return held, err
}

// TestHeldAlertNeverReleasedGoesBackToMarketing: a lead a source limit
// held, whose team lead never releases it from the summary, is not parked
// for good: sla.return_unanswered after the hold it goes back to
// nurturing, emailing nobody, and its timeline says why.
func TestHeldAlertNeverReleasedGoesBackToMarketing(t *testing.T) {
	f := newFixture(t)
	f.svc.Flood = &Flood{Store: f.store, PerSource: 1, Window: time.Hour}
	req := &requalifyStub{}
	f.svc.Requalify = req
	ctx := context.Background()
	run := func(id string, want Outcome) {
		t.Helper()
		if out, err := f.svc.Run(ctx, id, "tick", ""); err != nil || out != want {
			t.Fatalf("at %s: run = %s, %v; want %s", f.now.Format(time.RFC3339), out, err, want)
		}
	}
	run(f.hotLead(t, "first@bigcorp.example"), Sent)
	id := f.hotLead(t, "second@bigcorp.example")
	run(id, Held)
	heldAt := f.now
	h := stored(t, f.store, id).Handoff.Held
	f.now = h.SummaryAt
	run(id, Summarised)
	back := heldAt.Add(f.svc.Rules.ReturnUnanswered())
	if l := stored(t, f.store, id); !l.NextDue().Equal(back) {
		t.Fatalf("after the summary, due %v; want the return at %v", l.NextDue(), back)
	}
	emails := len(f.out.Sent())
	f.now = back
	run(id, Returned)
	l := stored(t, f.store, id)
	if l.Stage != lead.StageNurturing || l.Handoff != nil || !l.SentBack.Unanswered() || req.calls != 1 || len(f.out.Sent()) != emails {
		t.Fatalf("returned: stage %s, handoff %+v, sent back %+v, requalified %d×, %d new emails", l.Stage, l.Handoff, l.SentBack, req.calls, len(f.out.Sent())-emails)
	}
	said := f.said(t, id, EventReturned)
	if said != "The held alert was never released: back to nurturing" {
		t.Fatalf("timeline says %q", said)
	}
	run(id, NothingDue)
}

// unorderedHeld gives the held leads newest first, as DynamoDB's string
// set may (it promises no order; memstore sorts).
type unorderedHeld struct{ *memstore.Store }

func (u unorderedHeld) HeldAlerts(ctx context.Context, k string) ([]string, int, error) {
	ids, more, err := u.Store.HeldAlerts(ctx, k)
	slices.Reverse(ids)
	return ids, more, err
}

// A window with more held leads than a summary lists names the first
// held, in the order they were held, and counts the rest — not whichever
// the store's set happens to give first.
func TestSummaryListsTheFirstHeld(t *testing.T) {
	f := newFixture(t)
	f.svc.Flood = &Flood{Store: unorderedHeld{f.store}, PerSource: 1, Window: time.Hour}
	ctx := context.Background()
	var held []string
	for i := range MaxSummaryListed + 10 {
		f.now = t0.Add(time.Duration(i) * time.Second)
		l := lead.New(ids.New(f.now), lead.Submission{Email: fmt.Sprintf("p%02d@bigcorp.example", i), Name: "Clara",
			Company: "BigCorp", JobTitle: "CMO", FormType: "demo_request", Source: lead.Attribution{Campaign: "q4", UTMSource: "ads", At: f.now}})
		l.AddSignal(lead.Signal{Kind: "form:demo_request", At: f.now})
		f.svc.Rules.Qualify(&l, f.now)
		l.Version = 1
		if err := f.store.CreateLead(ctx, l, lead.Change{At: f.now}, nil); err != nil {
			t.Fatal(err)
		}
		want := Held
		if i == 0 {
			want = Sent
		}
		if out, err := f.svc.Run(ctx, l.ID, "tick", ""); err != nil || out != want {
			t.Fatalf("lead %d: %s, %v; want %s", i, out, err, want)
		}
		held = append(held, l.ID)
	}
	last := stored(t, f.store, held[len(held)-1])
	f.now = last.Handoff.Held.SummaryAt
	if out, err := f.svc.Run(ctx, held[1], "tick", ""); err != nil || out != Summarised {
		t.Fatalf("summary: %s, %v", out, err)
	}
	summary := f.out.Sent()[len(f.out.Sent())-1].Text
	// Read on a phone as often as at a desk: laid out for its width.
	if html := f.out.Sent()[len(f.out.Sent())-1].HTML; !strings.Contains(html, `<meta name="viewport" content="width=device-width,initial-scale=1">`) {
		t.Errorf("the summary's HTML has no viewport:\n%.400s", html)
	}
	for i := 1; i < len(held); i++ {
		if listed := strings.Contains(summary, "Lead "+held[i]+":"); listed != (i <= MaxSummaryListed) {
			t.Errorf("lead held %d of %d listed: %v", i, len(held)-1, listed)
		}
	}
}

// A held-alerts summary the team lead's address cannot get (SES refuses
// it) is not asked for again every tick: the held lead that carries it
// waits out the back-off, then the summary goes, once.
func TestRefusedSummaryWaitsOutItsBackOff(t *testing.T) {
	f := newFixture(t)
	f.svc.Flood = &Flood{Store: f.store, PerSource: 1, Window: time.Hour}
	ctx := context.Background()
	var hot []string
	for i := range 2 {
		id := f.hotLead(t, fmt.Sprintf("s%d@bigcorp.example", i))
		if _, err := f.svc.Run(ctx, id, "tick", ""); err != nil {
			t.Fatal(err)
		}
		hot = append(hot, id)
	}
	heldID := hot[1]
	f.now = stored(t, f.store, heldID).Handoff.Held.SummaryAt
	f.out.Fail = fmt.Errorf("%w: MessageRejected", mail.ErrRejected)
	if _, err := f.svc.Run(ctx, heldID, "tick", ""); !errors.Is(err, mail.ErrRejected) {
		t.Fatalf("refused summary: err %v", err)
	}
	f.out.Fail = nil
	l := stored(t, f.store, heldID)
	if l.RefusedToSales == nil || l.RefusedToSales.Job != jobSummary || !l.NextDue().Equal(f.now.Add(lead.RefusalFirstWait)) {
		t.Fatalf("after the refusal: %+v, due %v", l.RefusedToSales, l.NextDue())
	}
	sent := len(f.out.Sent())
	f.now = f.now.Add(time.Minute)
	if out, err := f.svc.Run(ctx, heldID, "tick", ""); err != nil || out != Deferred || len(f.out.Sent()) != sent {
		t.Fatalf("within the back-off: %s, %v, %d emails (want %d)", out, err, len(f.out.Sent()), sent)
	}
	f.now = f.now.Add(lead.RefusalFirstWait)
	if out, err := f.svc.Run(ctx, heldID, "tick", ""); err != nil || out != Summarised || len(f.out.Sent()) != sent+1 {
		t.Fatalf("after the back-off: %s, %v, %d emails (want %d)", out, err, len(f.out.Sent()), sent+1)
	}
	if r := stored(t, f.store, heldID).RefusedToSales; r != nil {
		t.Fatalf("the summary went out and its refusal stayed: %+v", r)
	}
}

// A held lead whose summary SES keeps refusing still goes back to
// marketing when its return is due: the summary's back-off does not hold
// up the return (the due index says it is due; the tick must do it, not
// answer Deferred every minute until the back-off ends).
func TestRefusedSummaryDoesNotHoldUpTheReturn(t *testing.T) {
	f := newFixture(t)
	f.svc.Flood = &Flood{Store: f.store, PerSource: 1, Window: time.Hour}
	ctx := context.Background()
	if out, err := f.svc.Run(ctx, f.hotLead(t, "first@bigcorp.example"), "tick", ""); err != nil || out != Sent {
		t.Fatalf("first: %s, %v", out, err)
	}
	id := f.hotLead(t, "second@bigcorp.example")
	if out, err := f.svc.Run(ctx, id, "tick", ""); err != nil || out != Held {
		t.Fatalf("second: %s, %v", out, err)
	}
	back := f.now.Add(f.svc.Rules.ReturnUnanswered())
	f.out.Fail = fmt.Errorf("%w: MessageRejected", mail.ErrRejected) // the team lead's address, for good
	for range 100 {
		l := stored(t, f.store, id)
		due := l.NextDue()
		if due.IsZero() {
			break
		}
		if due.After(f.now) {
			f.now = due
		}
		out, err := f.svc.Run(ctx, id, "tick", "")
		if err != nil && !errors.Is(err, mail.ErrRejected) {
			t.Fatal(err)
		}
		if out == Returned {
			if f.now.Before(back) {
				t.Fatalf("returned at %v, before %v", f.now, back)
			}
			return
		}
		if out == Deferred {
			t.Fatalf("at %v (return due %v): due by NextDue, yet the tick answered Deferred", f.now, back)
		}
	}
	t.Fatalf("never returned: %+v", stored(t, f.store, id).Handoff)
}
