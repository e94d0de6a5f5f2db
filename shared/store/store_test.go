package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/leadflow/leadflow/local/streams"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// counting wraps the client to count DynamoDB requests by operation.
type counting struct {
	*dynamodb.Client
	n sync.Map // op → *atomic.Int64
}

func newCounting(t *testing.T) *counting {
	c := &counting{}
	base := testenv.Clients(t).DynamoDB
	c.Client = dynamodb.New(base.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("count", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				v, _ := c.n.LoadOrStore(middleware.GetOperationName(ctx), new(atomic.Int64))
				v.(*atomic.Int64).Add(1)
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
		})
	})
	return c
}

func (c *counting) count(op string) int64 {
	if v, ok := c.n.Load(op); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

func (c *counting) total() int64 {
	var sum int64
	c.n.Range(func(_, v any) bool { sum += v.(*atomic.Int64).Load(); return true })
	return sum
}

func sub(email string, at time.Time) lead.Submission {
	return lead.Submission{Email: email, Name: "Ann", Answers: map[string]string{"crm": "HubSpot"},
		Consent: lead.Consent{MarketingOptIn: true, TextVersion: "v1", At: at, IPHash: "k1:3a1f0c"},
		Source:  lead.Attribution{UTMSource: "google", Campaign: "search-q4", LandingPage: "https://www.example.com/demo", At: at}}
}

func TestNewLeadIsOneTransaction(t *testing.T) {
	db := newCounting(t)
	st := store.Over(db, testenv.NewTable(t))
	svc := &capture.Service{Store: st, NewID: ids.New}
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

	res, err := svc.Capture(context.Background(), sub("ann@acme.example", at), "key-1", []byte("body"), "", "req-1")
	if err != nil || res.Outcome != capture.Created {
		t.Fatalf("capture = %+v, %v", res, err)
	}
	if n := db.total(); n > 2 {
		t.Fatalf("a new lead took %d DynamoDB requests, want ≤ 2", n)
	}
	l, err := st.Lead(context.Background(), res.LeadID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Email != "ann@acme.example" || l.FirstTouch.UTMSource != "google" || l.Consent.MarketingOptIn || l.OptIn == nil || l.Answers["crm"] != "HubSpot" || l.Version != 1 {
		t.Fatalf("stored lead lost context: %+v", l)
	}
	tl, err := st.Timeline(context.Background(), res.LeadID)
	if err != nil || len(tl) != 1 || tl[0].Kind != lead.EventCaptured {
		t.Fatalf("timeline = %+v, %v", tl, err)
	}
	stats, err := st.CampaignStats(context.Background(), "search-q4", at)
	if err != nil || stats["leads"] != 1 {
		t.Fatalf("stats = %v, %v", stats, err)
	}
}

func TestConcurrentSubmissionsForOneEmailMakeOneLead(t *testing.T) {
	st := store.New(testenv.Clients(t).DynamoDB, testenv.NewTable(t))
	svc := &capture.Service{Store: st, NewID: ids.New, Retry: lead.Retry{Attempts: 30, Base: lead.Retries.Base, Cap: lead.Retries.Cap}}
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	const n = 24
	var wg sync.WaitGroup
	results := make([]capture.Result, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = svc.Capture(context.Background(), sub("same@acme.example", at.Add(time.Duration(i)*time.Millisecond)), "", nil, "", "")
		}(i)
	}
	wg.Wait()
	created := 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("submission %d: %v", i, errs[i])
		}
		if results[i].Outcome == capture.Created {
			created++
		}
		if results[i].LeadID != results[0].LeadID {
			t.Fatalf("two lead ids for one email: %s and %s", results[0].LeadID, results[i].LeadID)
		}
	}
	if created != 1 {
		t.Fatalf("created = %d, want exactly 1", created)
	}
	l, err := st.LeadByEmail(context.Background(), lead.HashEmail("same@acme.example"))
	if err != nil {
		t.Fatal(err)
	}
	tl, _ := st.Timeline(context.Background(), l.ID)
	if l.Touches != n || len(tl) != n || l.OptIn == nil {
		t.Fatalf("touches=%d timeline=%d consent request %+v, want %d each and a request (no lost update)", l.Touches, len(tl), l.OptIn, n)
	}
	stats, _ := st.CampaignStats(context.Background(), "search-q4", at)
	if stats["leads"] != 1 || stats["resubmissions"] != n-1 {
		t.Fatalf("stats = %v", stats)
	}
}

func TestFailedTransactionLeavesNothingBehind(t *testing.T) {
	st := store.New(testenv.Clients(t).DynamoDB, testenv.NewTable(t))
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	idem := &capture.Idempotency{Key: "k", BodyHash: "h", LeadID: "X", ExpiresAt: at.Add(time.Hour)}
	first := lead.New(ids.New(at), sub("one@acme.example", at))
	if err := st.CreateLead(context.Background(), first, change(first.Submission, lead.EventCaptured), idem); err != nil {
		t.Fatal(err)
	}
	// Same idempotency key, different email: the whole write must be refused.
	second := lead.New(ids.New(at), sub("two@acme.example", at))
	err := st.CreateLead(context.Background(), second, change(second.Submission, lead.EventCaptured), idem)
	if !errors.Is(err, capture.ErrDuplicateRequest) {
		t.Fatalf("err = %v, want ErrDuplicateRequest", err)
	}
	if _, err := st.LeadByEmail(context.Background(), second.EmailHash); !errors.Is(err, capture.ErrNotFound) {
		t.Fatalf("email claim of the refused lead exists: %v", err)
	}
	if _, err := st.Lead(context.Background(), second.ID); !errors.Is(err, capture.ErrNotFound) {
		t.Fatalf("profile of the refused lead exists: %v", err)
	}
	if tl, err := st.Timeline(context.Background(), second.ID); err != nil || len(tl) != 0 {
		t.Fatalf("timeline of the refused lead has %d events (read error %v)", len(tl), err)
	}
	stats, _ := st.CampaignStats(context.Background(), "search-q4", at)
	if stats["leads"] != 1 {
		t.Fatalf("counter counted the refused lead: %v", stats)
	}
}

func TestStaleVersionIsRefused(t *testing.T) {
	st := store.New(testenv.Clients(t).DynamoDB, testenv.NewTable(t))
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	l := lead.New(ids.New(at), sub("v@acme.example", at))
	if err := st.CreateLead(context.Background(), l, change(l.Submission, lead.EventCaptured), nil); err != nil {
		t.Fatal(err)
	}
	save := func(ctx context.Context, l lead.Lead, ch lead.Change) error { return st.SaveLead(ctx, l, ch, nil) }
	m := lead.Merge(l, sub("v@acme.example", at.Add(time.Minute)))
	if _, err := lead.Write(context.Background(), save, m, change(m.Submission, lead.EventResubmitted)); err != nil {
		t.Fatal(err)
	}
	stale := lead.Merge(l, sub("v@acme.example", at.Add(2*time.Minute))) // based on version 1 again
	stale.Version++                                                      // as lead.Write would set it
	err := st.SaveLead(context.Background(), stale, change(stale.Submission, lead.EventResubmitted), nil)
	if !errors.Is(err, capture.ErrVersionConflict) {
		t.Fatalf("stale write err = %v, want ErrVersionConflict", err)
	}
}

func TestBotCounter(t *testing.T) {
	st := store.New(testenv.Clients(t).DynamoDB, testenv.NewTable(t))
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if err := st.CountBot(context.Background(), "c1", at, nil); err != nil {
			t.Fatal(err)
		}
	}
	stats, _ := st.CampaignStats(context.Background(), "c1", at)
	if stats["bots"] != 3 {
		t.Fatalf("bots = %d, want 3", stats["bots"])
	}
	other, _ := st.CampaignStats(context.Background(), "c1", at.AddDate(0, 1, 0))
	if len(other) != 0 {
		t.Fatalf("next month has counters: %v", other)
	}
}

// change is the write that accompanies a submission in capture: its event
// and the campaign's lead counter.
func change(s lead.Submission, kind string) lead.Change {
	return lead.Change{At: s.Source.At, Events: []lead.Event{lead.SubmissionEvent(ids.New(s.Source.At), kind, s)},
		Counters: []lead.Counter{{Campaign: s.Source.CampaignOrDefault(), Name: "leads"}}}
}

// createdLead is a new table behind a request-counting client, with one
// lead created in it (at 23 Nov 2026, 12:00 UTC).
func createdLead(t *testing.T, email string) (*counting, string, *store.Store, lead.Lead) {
	t.Helper()
	db := newCounting(t)
	table := testenv.NewTable(t)
	st := store.Over(db, table)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	l := lead.New(ids.New(at), sub(email, at))
	if err := st.CreateLead(context.Background(), l, change(l.Submission, lead.EventCaptured), nil); err != nil {
		t.Fatal(err)
	}
	return db, table, st, l
}

// The send path's writes are single requests (no transaction), and what a
// commit carries is recorded from the stream once, however often the
// stream delivers it.
func TestPutIsOneRequestAndTheStreamRecordsItOnce(t *testing.T) {
	db, table, st, l := createdLead(t, "put@acme.example")
	ctx, at := context.Background(), l.CreatedAt
	before := db.total()
	claimed := l
	claimed.Version++
	claimed.Lease = &lead.Lease{Owner: "w1", Until: at.Add(time.Minute)}
	claimed.Claims = map[string]lead.Claim{"handoff": {ID: "C1", At: at}}
	if err := st.Put(ctx, claimed, lead.Change{At: at}); err != nil {
		t.Fatal(err)
	}
	done := claimed
	done.Version++
	done.Lease, done.Claims = nil, nil
	sent := lead.Change{At: at, Events: []lead.Event{{At: at, Kind: "handoff", ID: ids.New(at)}},
		Counters: []lead.Counter{{Campaign: l.Campaign(), Name: "handoffs"}}}
	if err := st.Put(ctx, done, sent); err != nil {
		t.Fatal(err)
	}
	if n := db.total() - before; n != 2 || db.count("TransactWriteItems") != 1 { // the create's
		t.Fatalf("claim + commit took %d requests, %d transactions in all; want 2 PutItem and only the create's transaction", n, db.count("TransactWriteItems"))
	}
	// Two consumers reading the stream from its start: the second is a
	// replay of every record, as Lambda's retries deliver them.
	for i := range 2 {
		sc, err := streams.NewClient(ctx, testenv.Get(t).DynamoDB)
		if err != nil {
			t.Fatal(err)
		}
		p := &streams.Poller{DB: testenv.Clients(t).DynamoDB, Streams: sc, Table: table, Log: slog.New(slog.DiscardHandler),
			Handler: func(ctx context.Context, ev events.DynamoDBEvent) error { return st.Materialize(ctx, ev.Records) }}
		if err := p.Drain(ctx); err != nil {
			t.Fatalf("stream pass %d: %v", i, err)
		}
	}
	stats, _ := st.CampaignStats(ctx, l.Campaign(), at)
	tl, _ := st.Timeline(ctx, l.ID)
	if stats["handoffs"] != 1 || len(tl) != 2 || tl[1].Kind != "handoff" {
		t.Fatalf("after two stream passes: handoffs %d, timeline %+v; want counted once, one handoff event", stats["handoffs"], tl)
	}
}

func TestMonthStatsListsCampaignsAndVariants(t *testing.T) {
	st := store.New(testenv.Clients(t).DynamoDB, testenv.NewTable(t))
	svc := &capture.Service{Store: st, NewID: ids.New}
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for i, c := range []struct{ campaign, variant string }{{"a", "x"}, {"a", "y"}, {"a", "y"}, {"b", ""}} {
		s := sub(fmt.Sprintf("m%d@acme.example", i), at)
		s.Source.Campaign, s.Source.Variant = c.campaign, c.variant
		if _, err := svc.Capture(context.Background(), s, "", nil, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := st.MonthStats(context.Background(), "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Campaign+"/"+r.Variant] = r.Counters["leads"]
	}
	want := map[string]int64{"a/": 3, "a/x": 1, "a/y": 2, "b/": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("month stats = %v, want %v", got, want)
	}
	if other, err := st.MonthStats(context.Background(), "2026-10"); err != nil || len(other) != 0 {
		t.Fatalf("October has rows: %v (read error %v)", other, err)
	}
}

// The adapter satisfies the interfaces the domain declares (checked here,
// so the adapter itself depends on package lead only).
var (
	_ capture.Store  = (*store.Store)(nil)
	_ sendonce.Store = (*store.Store)(nil)
)

// Alert slots are taken atomically: 24 concurrent hot leads of three
// sources of one campaign get at most 3 places per source and exactly the
// campaign's 7 in all — each refusal names the set that was full — and a
// lead asking again keeps its place.
func TestAlertSlotsAreAtomic(t *testing.T) {
	st := store.New(testenv.Clients(t).DynamoDB, testenv.NewTable(t))
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	limits := func(src string) map[string]int { return map[string]int{"all": 7, "src_" + src: 3} }
	var wg sync.WaitGroup
	var mu sync.Mutex
	got, refused := map[string]string{}, map[string]string{}
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, src := fmt.Sprint("L", i), fmt.Sprint(i%3)
			full, err := st.AlertSlot(ctx, "campaign#w", id, limits(src), exp)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if full == "" {
				got[id] = src
			} else {
				refused[src] = full
			}
		}()
	}
	wg.Wait()
	perSource := map[string]int{}
	for _, src := range got {
		perSource[src]++
	}
	if len(got) != 7 || perSource["0"] > 3 || perSource["1"] > 3 || perSource["2"] > 3 {
		t.Fatalf("%d places taken (per source %v), want 7 in all, at most 3 per source", len(got), perSource)
	}
	for src, full := range refused { // the last refusal of each source
		if full != "all" && (full != "src_"+src || perSource[src] != 3) {
			t.Errorf("a lead of source %s refused for %q, which is not full", src, full)
		}
	}
	for id, src := range got {
		if full, err := st.AlertSlot(ctx, "campaign#w", id, limits(src), exp); err != nil || full != "" {
			t.Fatalf("%s asking again: %q %v", id, full, err)
		}
	}
	// One set: a source's own window item.
	for i, want := range []string{"", "", "alerted"} {
		if full, err := st.AlertSlot(ctx, "src#w", fmt.Sprint("S", i), map[string]int{"alerted": 2}, exp); err != nil || full != want {
			t.Fatalf("source slot %d: %q %v, want %q", i, full, err, want)
		}
	}
	for _, id := range []string{"H1", "H2", "H1"} {
		if err := st.HoldAlert(ctx, "src#w", id, exp); err != nil {
			t.Fatal(err)
		}
	}
	if ids, more, err := st.HeldAlerts(ctx, "src#w"); err != nil || len(ids) != 2 || more != 0 {
		t.Fatalf("held = %v, %d, %v", ids, more, err)
	}
}

// A timeline grown by thousands of bare re-posts costs an email about the
// lead a bounded read: the newest events in one page, and a search for
// its forms stops after lead.RecentBudget events, saying there may be
// more.
func TestRecentEventsReadIsBounded(t *testing.T) {
	db, _, st, l := createdLead(t, "flooded@acme.example")
	ctx, at := context.Background(), l.CreatedAt
	const perSave, saves = 96, 22 // 2,112 bare re-posts: more than the budget
	for i := range saves {
		ch := lead.Change{At: at}
		for j := range perSave {
			ev := time.Duration(i*perSave+j+1) * time.Second
			ch.Events = append(ch.Events, lead.Event{At: at.Add(ev), Kind: lead.EventResubmitted, ID: fmt.Sprintf("r%04d", i*perSave+j),
				Data: map[string]any{lead.DataTouchOnly: true}})
		}
		l.Version++
		if err := st.Save(ctx, l, ch); err != nil {
			t.Fatal(err)
		}
	}
	forms := func(e lead.Event) bool { return e.Kind != lead.EventResubmitted || e.Data[lead.DataTouchOnly] != true }
	cases := []struct {
		name      string
		r         lead.Recent
		wantIDs   int
		wantFirst string
		queries   int64
	}{
		{"the newest 40", lead.Recent{Max: 40}, 40, "r2072", 1},
		{"its forms: the capture is past the budget", lead.Recent{Max: 10, Keep: forms}, 0, "", lead.RecentBudget/100 + 1},
	}
	for _, tc := range cases {
		before := db.count("Query")
		got, more, err := st.RecentEvents(ctx, l.ID, tc.r)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.wantIDs || !more || (len(got) > 0 && got[0].ID != tc.wantFirst) {
			t.Errorf("%s: %d events (first %v), more %v; want %d from %s, more", tc.name, len(got), got[:min(1, len(got))], more, tc.wantIDs, tc.wantFirst)
		}
		if n := db.count("Query") - before; n > tc.queries {
			t.Errorf("%s: %d queries; want at most %d", tc.name, n, tc.queries)
		}
	}
	// Without a budget the capture is found: the whole timeline has it.
	tl, err := st.Timeline(ctx, l.ID)
	if err != nil || len(tl) != saves*perSave+1 || tl[0].Kind != lead.EventCaptured {
		t.Fatalf("timeline: %d events, %v", len(tl), err)
	}
}
