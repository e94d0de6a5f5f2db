package app_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/leadflow/leadflow/local/faults"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/nurturefn"
	"github.com/leadflow/leadflow/shared/app/sales"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store"
)

// monday is inside the default send window (09:00–17:00 Europe/Berlin).
var monday = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// clockAt is a settable clock for a test.
type clockAt struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clockAt) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clockAt) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func coldBody(email string) string {
	return `{"email":"` + email + `","name":"Nina Cole","company":"SmallCo","job_title":"Marketing Manager","company_size":"51-200",` +
		`"country":"DE","time_zone":"Europe/Berlin","form_type":"newsletter","consent":true,"campaign":"newsletter-q4"}`
}

func tickEvent(id string) events.EventBridgeEvent {
	return events.EventBridgeEvent{ID: id, DetailType: "Scheduled Event", Source: "aws.events"}
}

func emailsTo(t *testing.T, addr string) []sesstore.Email {
	t.Helper()
	all := testenv.Mail(t)
	return sesstore.To(all, addr)
}

// TestColdLeadGetsItsSequenceUntilUnsubscribed follows one cold lead
// through its sequence on a controlled clock.
func TestColdLeadGetsItsSequenceUntilUnsubscribed(t *testing.T) {
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "UNSUBSCRIBE_MAILBOX": "optout@example.com"}, clock.now, table)
	unsub, _, _ := buildAt(t, "unsubscribe", nil, clock.now, table)
	ctx := context.Background()
	email := fmt.Sprintf("nina.%d@smallco.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(email))))
	created := struct{ ID string }{capturedID(t, table, email)}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	l, _ := st.Lead(ctx, created.ID)
	if l.Nurture == nil || l.Nurture.Sequence != "cold-education" || l.Stage != lead.StageNurturing {
		t.Fatalf("not enrolled: stage %s nurture %+v", l.Stage, l.Nurture)
	}

	fire := func() {
		if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
			t.Fatal(err)
		}
	}
	fire()
	fire() // a second tick right away: the wait has begun, nothing more
	got := emailsTo(t, email)
	if len(got) != 1 {
		t.Fatalf("after the first ticks: %d emails, want 1", len(got))
	}
	first := got[0]
	lu := first.Header("List-Unsubscribe")
	m := regexp.MustCompile(`^<(https://leads\.example\.com/unsubscribe/[A-Za-z0-9_.-]+)>, <mailto:optout@example\.com\?subject=unsubscribe>$`).FindStringSubmatch(lu)
	if m == nil || first.Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("unsubscribe headers: %q / %q", lu, first.Header("List-Unsubscribe-Post"))
	}
	if !strings.Contains(first.HTML, m[1]) || !strings.Contains(first.Text, m[1]) {
		t.Fatal("no visible unsubscribe link in both parts")
	}
	if !strings.Contains(first.HTML, "https://leads.example.com/t/c/") || !strings.Contains(first.Text, "https://leads.example.com/t/c/") {
		t.Fatal("content links are not tracked")
	}
	if !strings.Contains(first.Text, "Nina") {
		t.Fatal("not personalised")
	}
	// The sender's postal address (template parameter SenderPostalAddress;
	// the test env gives buildAt's) is in both parts' footer.
	if postal := "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany"; !strings.Contains(first.HTML, postal) || !strings.Contains(first.Text, postal) {
		t.Fatal("no sender postal address in both parts")
	}

	clock.add(97 * time.Hour) // Friday 11:00 UTC: the wait is over, in the window
	fire()
	if got := emailsTo(t, email); len(got) != 2 {
		t.Fatalf("after the wait: %d emails, want 2", len(got))
	}
	// One-click unsubscribe, as the mail client would do it.
	ev := sampleEvent(t, "unsubscribe-oneclick.json")
	ev.PathParameters = map[string]string{"token": m[1][strings.LastIndex(m[1], "/")+1:]}
	if r, _ := unsub.HTTP(ctx, ev); r.StatusCode != 200 {
		t.Fatalf("unsubscribe: %d", r.StatusCode)
	}
	for i := 0; i < 4; i++ {
		clock.add(7 * 24 * time.Hour)
		fire()
	}
	if got := emailsTo(t, email); len(got) != 2 {
		t.Fatalf("after unsubscribing: %d emails, want still 2", len(got))
	}
	l, _ = st.Lead(ctx, created.ID)
	if l.Nurture.ExitReason != "unsubscribed" || !l.NextDue().IsZero() {
		t.Fatalf("nurture after unsubscribe: %+v", l.Nurture)
	}
}

// TestConcurrentTicksSendEachStepExactlyOnce: 250 due leads (about 30 in
// each due shard, read by all four ticks), ticks run four at a time until
// nothing is due → exactly 250 emails, no address twice, every lead
// advanced once. (Process deaths on top of overlap, over 500 leads:
// TestKilledWorkersSendEveryDueEmailOnce; this one had 500 too, and its
// captures alone were a fifth of the package's time.)
func TestConcurrentTicksSendEachStepExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("250 leads")
	}
	const n = 250
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "LOG_LEVEL": "warn"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	domain := fmt.Sprintf("bulk%d.example", time.Now().UnixNano())
	ctx := context.Background()
	started := time.Now()
	captureAll(t, capture, n, func(i int) string { return coldBody(fmt.Sprintf("lead%04d@%s", i, domain)) })
	t.Logf("captured %d leads in %s", n, time.Since(started))
	started = time.Now()

	rounds := 0
	var tlogs []*bytes.Buffer
	defer func() {
		if t.Failed() {
			for _, b := range tlogs {
				t.Log(b.String())
			}
		}
	}()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	// A round is one scheduled minute: 4 overlapping ticks, then the clock
	// moves on. A send whose connection broke mid-request (this machine
	// under load: the emulator closing a kept-alive connection) leaves it
	// unknown whether SES took it; its claim waits for SES's Send event,
	// then (none came: nothing reached SES) the email is sent again —
	// minutes later, as in production, so the rounds go on past that wait.
	confirmAfter := int((sendonce.DefaultConfirm + sales.Lease) / time.Minute)
	for due := n; due > 0 && rounds < 10+confirmAfter; rounds++ {
		var tw sync.WaitGroup
		for w := 0; w < 4; w++ {
			tick, _, tlog := buildAt(t, "nurture", base, clock.now, table)
			tlogs = append(tlogs, tlog)
			tw.Add(1)
			go func(w int) {
				defer tw.Done()
				if err := tick.Event(ctx, tickEvent(fmt.Sprintf("r%d-w%d", rounds, w))); err != nil {
					t.Error(err)
				}
			}(w)
		}
		tw.Wait()
		clock.add(time.Minute)
		due = 0
		for shard := 0; shard < store.DueShards; shard++ {
			leads, _ := st.Due(ctx, shard, clock.now(), 1000)
			due += len(leads)
		}
	}
	t.Logf("%d rounds of 4 ticks in %s", rounds, time.Since(started))
	all := testenv.Mail(t)
	per := map[string]int{}
	for _, e := range all {
		for _, to := range e.To {
			if strings.HasSuffix(to, "@"+domain) {
				per[to]++
			}
		}
	}
	dups := 0
	for _, c := range per {
		if c > 1 {
			dups++
		}
	}
	if len(per) != n || dups != 0 {
		for i := 0; i < n; i++ {
			if per[fmt.Sprintf("lead%04d@%s", i, domain)] == 0 {
				id := capturedID(t, table, fmt.Sprintf("lead%04d@%s", i, domain))
				l, _ := st.Lead(ctx, id)
				t.Logf("no email: %s nurture %+v claims %+v lease %+v refused %+v", id, l.Nurture, l.Claims, l.Lease, l.RefusedToLead)
			}
		}
		t.Fatalf("%d addresses got email (want %d), %d got more than one", len(per), n, dups)
	}
	testenv.Settle(t, table)
	stats, _ := st.CampaignStats(ctx, "newsletter-q4", clock.now())
	if stats["nurture_sends"] != n || stats["enrolled"] != n {
		t.Fatalf("counters = %v (want %d sends, %d enrolled) after %d rounds", stats, n, n, rounds)
	}
}

// TestThrottlingAndACrashAfterSendingLoseAndDuplicateNothing injects SES
// throttling (the tick stops, the rest stays due) and a commit that fails
// right after an email went out (as if the process died); later ticks
// finish the job: every lead gets its email once.
func TestThrottlingAndACrashAfterSendingLoseAndDuplicateNothing(t *testing.T) {
	const n = 30
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	ctx := context.Background()
	domain := fmt.Sprintf("faulty%d.example", time.Now().UnixNano())
	for i := 0; i < n; i++ {
		if r, _ := capture.HTTP(ctx, jsonLead(coldBody(fmt.Sprintf("f%02d@%s", i, domain)))); r.StatusCode != 202 {
			t.Fatal(r.Body)
		}
	}
	var sent sync.Mutex
	sentOnce := false
	inj := faults.New(
		&faults.Rule{Operation: "SendEmail", Skip: 10, Count: 1, Err: &sestypes.TooManyRequestsException{Message: ptr("Maximum sending rate exceeded.")}},
		// The write right after the 3rd email fails: "crash after send"
		// when it is that email's commit.
		&faults.Rule{Operation: "PutItem", Count: 1, Err: fmt.Errorf("connection reset by peer"), When: func() bool {
			sent.Lock()
			defer sent.Unlock()
			return sentOnce
		}},
	)
	clients := testenv.Clients(t)
	// SES's Send events settle a send whose commit never came.
	_, proxied, proxy := sesWithSendEvents(t, table, clock.now)
	ses := sesv2.New(proxied.Options(), func(o *sesv2.Options) {
		o.APIOptions = append(o.APIOptions, inj.Middleware)
		o.RetryMaxAttempts = 1
	})
	db := dynamodb.New(clients.DynamoDB.Options(), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, inj.Middleware) })
	counting := &sendCounter{after: 3, flag: func() { sent.Lock(); sentOnce = true; sent.Unlock() }}
	ses2 := sesv2.New(ses.Options(), func(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, counting.Middleware) })
	cfg := config.Nurture{AWS: testenv.AWS(t), SESMaxSendRate: "1000", SenderPostalAddress: "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", Sales: config.Sales{Table: table, Sender: "leads@example.com",
		SalesAddress: "sales@example.com", PublicBaseURL: "https://leads.example.com", Signing: config.Signing{SigningKeys: testKeys}}}
	var logs bytes.Buffer
	c := clients.App(db, ses2)
	tick, err := nurturefn.New(ctx, cfg, c.DynamoDB, c.Mail, c.SendRate, c.Parameter, app.Env{Logs: logsTo(&logs), Clock: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 6; round++ {
		if err := tick(ctx, tickEvent(fmt.Sprint("round-", round))); err != nil {
			t.Fatal(err)
		}
		// Three minutes pass: SES's Send events for the round's emails
		// (a second or two in AWS) are in by then. The proxy delivers
		// them in the background, so wait for them; else, on a loaded
		// machine, the tick that finds the crashed claim past its 10 min
		// of waiting for one may run first and send that email again.
		proxy.Wait()
		clock.add(3 * time.Minute) // past any lease a "crashed" worker held
	}
	if _, failed := inj.Counts("SendEmail"); failed != 1 {
		t.Fatalf("throttling injected %d times, want 1", failed)
	}
	if _, failed := inj.Counts("PutItem"); failed != 1 {
		t.Fatalf("write failure injected %d times, want 1", failed)
	}
	if !strings.Contains(logs.String(), `"stopped":true`) {
		t.Fatalf("the throttled tick did not stop:\n%s", logs.String())
	}
	if got := oneEmailEach(t, domain); got != n {
		t.Fatalf("%d of %d leads got their email\n%s", got, n, logs.String())
	}
}

// oneEmailEach fails the test for an address at domain that got more
// than one email, and says how many addresses there got one.
func oneEmailEach(t *testing.T, domain string) int {
	t.Helper()
	all := testenv.Mail(t)
	per := map[string]int{}
	for _, e := range all {
		for _, to := range e.To {
			if strings.HasSuffix(to, "@"+domain) {
				per[to]++
			}
		}
	}
	for addr, c := range per {
		if c != 1 {
			t.Errorf("%s got %d emails", addr, c)
		}
	}
	return len(per)
}

func ptr[T any](v T) *T { return &v }

// sendCounter flips a flag once `after` emails went out.
type sendCounter struct {
	mu    sync.Mutex
	n     int
	after int
	flag  func()
}

// Middleware counts successful SendEmail calls.
func (c *sendCounter) Middleware(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("count-sends", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleInitialize(ctx, in)
		if err == nil {
			c.mu.Lock()
			c.n++
			if c.n == c.after {
				c.flag()
			}
			c.mu.Unlock()
		}
		return out, md, err
	}), middleware.After)
}

// A lead the due index lists with nothing due — an erasure made before
// erasures closed held alerts left one open, and its entry in the index —
// is written again by the next tick and leaves the index, instead of
// coming back every tick ahead of the shard's due leads. Nothing is sent
// about it.
func TestTickMovesAStaleDueEntryOut(t *testing.T) {
	clock := &clockAt{t: monday}
	tick, table, _ := buildAt(t, "nurture", nil, clock.now, "")
	db := testenv.Clients(t).DynamoDB
	st := store.New(db, table)
	ctx := context.Background()
	id := fmt.Sprintf("stale%d", time.Now().UnixNano())
	l := lead.New(id, lead.Submission{Email: id + "@stale.example", Source: lead.Attribution{Campaign: "q4-demo", At: clock.now()}})
	l.Stage = lead.StageMQL
	l.Handoff = &lead.Handoff{State: lead.HandoffHeld, Since: clock.now().Add(-2 * time.Hour),
		Held: &lead.Held{Reason: lead.HeldSourceLimit, Source: "0011223344556677#20261123T0800Z", At: clock.now().Add(-2 * time.Hour), SummaryAt: clock.now().Add(-time.Hour)}}
	l.Version = 1
	if err := st.CreateLead(ctx, l, lead.Change{At: l.CreatedAt}, nil); err != nil {
		t.Fatal(err)
	}
	inIndex := func() bool {
		t.Helper()
		for shard := range store.DueShards {
			due, err := st.Due(ctx, shard, clock.now(), 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range due {
				if d.ID == id {
					return true
				}
			}
		}
		return false
	}
	if !inIndex() {
		t.Fatal("fixture: the held lead is not in the due index")
	}
	// Erased the old way: the flag set, the hand-off and the index entry left.
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table,
		Key:              map[string]dbtypes.AttributeValue{"PK": &dbtypes.AttributeValueMemberS{Value: "LEAD#" + id}, "SK": &dbtypes.AttributeValueMemberS{Value: "PROFILE"}},
		UpdateExpression: aws.String("SET erased = :t"), ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":t": &dbtypes.AttributeValueMemberBOOL{Value: true}},
	}); err != nil {
		t.Fatal(err)
	}
	if !inIndex() {
		t.Fatal("fixture: the erased lead left the index without a tick")
	}
	if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
		t.Fatal(err)
	}
	if inIndex() {
		t.Fatal("the stale entry is still in the due index after a tick")
	}
	got, err := st.Lead(ctx, id)
	if err != nil || !got.Erased || got.Version != 2 {
		t.Fatalf("lead after the tick: version %d, erased %v, %v", got.Version, got.Erased, err)
	}
	sent := testenv.Mail(t)
	for _, m := range sent {
		if strings.Contains(m.Text, id) || strings.Contains(m.HTML, id) {
			t.Fatalf("an email about the erased lead: %s", m.Subject)
		}
	}
}

// TestARefusedEmailBacksOffWithoutHoldingUpOthers: SES refuses one lead's
// nurture email outright (MessageRejected). The tick releases it and
// records the refusal on the lead; the lead then leaves the due index
// until its back-off ends (5 minutes, then 10), so later ticks neither
// try it every minute nor keep it ahead of leads that can be mailed.
// Once SES takes it, it goes out once and the refusal is cleared.
func TestARefusedEmailBacksOffWithoutHoldingUpOthers(t *testing.T) {
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	ctx := context.Background()
	domain := fmt.Sprintf("refused%d.example", time.Now().UnixNano())
	refused, other := "blocked@"+domain, "fine@"+domain
	for _, addr := range []string{refused, other} {
		accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(addr))))
	}
	rejecting := true
	var mu sync.Mutex
	inj := faults.New(&faults.Rule{Operation: "SendEmail", Count: -1,
		Err:  &sestypes.MessageRejected{Message: ptr("Email address is not verified. The following identities failed the check in region US-EAST-1: " + refused)},
		When: func() bool { mu.Lock(); defer mu.Unlock(); return rejecting },
		Match: func(in any) bool {
			e, ok := in.(*sesv2.SendEmailInput)
			return ok && e.Destination != nil && slices.Contains(e.Destination.ToAddresses, refused)
		}})
	var logs bytes.Buffer
	fire := tickThrough(t, table, "1000", inj, clock, &logs)
	st := store.New(testenv.Clients(t).DynamoDB, table)
	id := capturedID(t, table, refused)
	tried := func() int { _, failed := inj.Counts("SendEmail"); return failed }

	fire()
	if len(emailsTo(t, other)) != 1 || len(emailsTo(t, refused)) != 0 || tried() != 1 {
		t.Fatalf("first tick: %d emails to the other lead (want 1), %d to the refused one, %d refusals (want 1)",
			len(emailsTo(t, other)), len(emailsTo(t, refused)), tried())
	}
	l, err := st.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r := l.RefusedToLead; r == nil || r.Reason != lead.RefusedBySES || !r.ToLead || r.Times != 1 || !r.Until.Equal(monday.Add(5*time.Minute)) {
		t.Fatalf("refusal on the lead: %+v", l.RefusedToLead)
	}
	if len(l.Claims) != 0 || l.Lease != nil || len(l.Nurture.Sends) != 0 {
		t.Fatalf("the refused email left claims %+v, lease %+v, sends %+v", l.Claims, l.Lease, l.Nurture.Sends)
	}
	tl, err := st.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(tl, func(e lead.Event) bool { return e.Kind == "email_refused" }) {
		t.Fatalf("no email_refused event on the timeline: %+v", tl)
	}
	if strings.Contains(logs.String(), refused) {
		t.Fatal("the tick's log carries the refused address (SES's message quotes it)")
	}

	for range 4 { // the next four minutes: left alone
		clock.add(time.Minute)
		fire()
	}
	if tried() != 1 {
		t.Fatalf("within the back-off SES was asked %d times in all, want 1", tried())
	}
	clock.add(time.Minute) // 5 minutes: tried again, refused again; now 10 minutes
	fire()
	if l, _ = st.Lead(ctx, id); tried() != 2 || l.RefusedToLead == nil || l.RefusedToLead.Times != 2 || !l.RefusedToLead.Until.Equal(clock.now().Add(10*time.Minute)) {
		t.Fatalf("after the back-off: %d refusals (want 2), refusal %+v", tried(), l.RefusedToLead)
	}

	mu.Lock()
	rejecting = false // e.g. the address verified, the account out of the sandbox
	mu.Unlock()
	clock.add(9 * time.Minute)
	fire()
	if len(emailsTo(t, refused)) != 0 {
		t.Fatal("sent before the second back-off ended")
	}
	clock.add(time.Minute)
	fire()
	fire()
	if got := emailsTo(t, refused); len(got) != 1 {
		t.Fatalf("after SES took it: %d emails, want 1", len(got))
	}
	if l, _ = st.Lead(ctx, id); l.RefusedToLead != nil || len(l.Nurture.Sends) != 1 {
		t.Fatalf("after the email went out: refusal %+v, sends %+v", l.RefusedToLead, l.Nurture.Sends)
	}
	if len(emailsTo(t, other)) != 1 {
		t.Fatalf("the other lead got %d emails, want its one", len(emailsTo(t, other)))
	}
}

// tickThrough is the nurture tick on table at the SES rate given, its SES
// calls through inj: each call of the func it returns runs one tick.
func tickThrough(t *testing.T, table, rate string, inj *faults.Injector, clock *clockAt, logs *bytes.Buffer) func() {
	t.Helper()
	ctx := context.Background()
	clients := testenv.Clients(t)
	ses := sesv2.New(clients.SES.Options(), func(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, inj.Middleware) })
	cfg := config.Nurture{AWS: testenv.AWS(t), SESMaxSendRate: rate, SenderPostalAddress: "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", Sales: config.Sales{Table: table, Sender: "leads@example.com",
		SalesAddress: "sales@example.com", PublicBaseURL: "https://leads.example.com", Signing: config.Signing{SigningKeys: testKeys}}}
	c := clients.App(nil, ses)
	tick, err := nurturefn.New(ctx, cfg, c.DynamoDB, c.Mail, c.SendRate, c.Parameter, app.Env{Logs: logsTo(logs), Clock: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := tick(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAnAccountThatCannotSendStopsTheTick: SES answers that the account
// cannot send at all (sending paused). The tick stops at once, as for
// throttling, instead of trying — and refusing — every due lead; once
// the account sends again, every lead gets its email once.
func TestAnAccountThatCannotSendStopsTheTick(t *testing.T) {
	const n = 30
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock.now, "")
	ctx := context.Background()
	domain := fmt.Sprintf("paused%d.example", time.Now().UnixNano())
	for i := range n {
		accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(fmt.Sprintf("p%02d@%s", i, domain)))))
	}
	var mu sync.Mutex
	paused := true
	inj := faults.New(&faults.Rule{Operation: "SendEmail", Count: -1,
		Err:  &sestypes.SendingPausedException{Message: ptr("Sending is paused for this account.")},
		When: func() bool { mu.Lock(); defer mu.Unlock(); return paused }})
	var logs bytes.Buffer
	fire := tickThrough(t, table, "14", inj, clock, &logs) // 14/s: 8 workers
	fire()
	_, refused := inj.Counts("SendEmail")
	if !strings.Contains(logs.String(), `"stopped":true`) || refused == 0 || refused > nurturefn.Workers(14) {
		t.Fatalf("paused account: %d of %d leads tried (want at most the %d in flight), stopped: %v",
			refused, n, nurturefn.Workers(14), strings.Contains(logs.String(), `"stopped":true`))
	}
	mu.Lock()
	paused = false
	mu.Unlock()
	for range 8 { // no back-off: the account, not the leads, was refused
		clock.add(time.Minute)
		fire()
	}
	if got := oneEmailEach(t, domain); got != n {
		t.Fatalf("%d of %d leads got their email once the account sends again", got, n)
	}
}

// TestARefusedAlertDoesNotHoldUpTheLeadsOwnEmails: the lead's alert to
// sales was refused (its side waits out the back-off) while a
// confirmation email to the lead is owed. The tick sends the
// confirmation: a refusal defers only emails of its own side.
func TestARefusedAlertDoesNotHoldUpTheLeadsOwnEmails(t *testing.T) {
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	tick, _, logs := buildAt(t, "nurture", base, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("ria.%d@smallco.example", time.Now().UnixNano())
	body := strings.Replace(coldBody(email), `"campaign":"newsletter-q4"`, `"campaign":"newsletter-eu","consent_text_version":"2026-10"`, 1) // double opt-in
	accepted(t)(capture.HTTP(ctx, jsonLead(body)))
	id := capturedID(t, table, email)
	if n := len(waitConfirmations(t, email, 1)); n != 1 {
		t.Fatalf("confirmations at capture = %d, want 1", n)
	}
	clock.add(25 * time.Hour)
	now := clock.now()
	// A second request owed now; meanwhile the lead went to sales and its
	// alert was refused a moment ago.
	if _, err := lead.Update(ctx, st, id, func(l *lead.Lead) (lead.Change, error) {
		r := *l.OptIn
		r.DueAt = now
		l.OptIn = &r
		l.Stage = lead.StageMQL
		l.Nurture = nil
		l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: now}
		l.Refuse("handoff", false, lead.RefusedBySES, now)
		return lead.Change{At: now}, nil
	}); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Minute)
	if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
		t.Fatal(err)
	}
	if n := len(waitConfirmations(t, email, 2)); n != 2 {
		t.Fatalf("confirmations after the tick = %d, want 2 (the alert's refusal held up the lead's own email)\n%s", n, logs.String())
	}
}
