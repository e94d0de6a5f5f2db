package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/local/faults"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

func jsonLead(body string) httpapi.Request {
	allLogs.remember(body)
	r := httpapi.Request{RouteKey: "POST /leads", Body: body, Headers: map[string]string{"content-type": "application/json"}}
	r.RequestContext.HTTP.Method = http.MethodPost
	r.RequestContext.RequestID = fmt.Sprintf("req-%d", time.Now().UnixNano())
	r.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
	r.RequestContext.Stage = "$default"
	return r
}

func hotBody(email, size string) string {
	return `{"email":"` + email + `","name":"Clara Moss","company":"BigCorp <b>Inc</b>","job_title":"CMO","company_size":"` + size + `",` +
		`"country":"DE","budget":"$100k","timeline":"this quarter","form_type":"demo_request","campaign":"q4-demo","utm_source":"linkedin",` +
		`"answers":{"crm":"HubSpot"},"message":"Need routing before Q1"}`
}

// mailFor waits for emails about a lead (by Reply-To) to reach the
// emulator.
func mailFor(t *testing.T, replyTo string, want int) []sesstore.Email {
	t.Helper()
	return waitMail(t, want, func(e sesstore.Email) bool {
		return slices.ContainsFunc(e.ReplyTo, func(r string) bool { return strings.Contains(r, replyTo) })
	})
}

// waitMail waits (≤2 s) until want emails match, and returns the
// matching ones it has then. The emulator stores an email before it
// answers SendEmail, and a handler sends before it returns (a Lambda
// does no work after its answer), so what a test's calls sent is there
// at once: the wait is slack for a loaded machine, and what a check that
// no further email went out costs (13 of them in this package; at 5 s
// each they were a quarter of its time).
func waitMail(t *testing.T, want int, match func(sesstore.Email) bool) []sesstore.Email {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		all := testenv.Mail(t)
		var got []sesstore.Email
		for _, e := range all {
			if match(e) {
				got = append(got, e)
			}
		}
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestHotLeadAlertsSalesWithinTheRequest(t *testing.T) {
	h, table, logs := build(t, "capture", nil)
	ctx := context.Background()
	email := fmt.Sprintf("clara.%d@bigcorp.example", time.Now().UnixNano())
	resp, err := h.HTTP(ctx, jsonLead(hotBody(email, "1000+")))
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("capture: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	created := struct{ ID string }{capturedID(t, table, email)}

	got := mailFor(t, email, 1)
	if len(got) != 1 {
		t.Fatalf("alerts for the lead: %d, want exactly 1", len(got))
	}
	m := got[0]
	// Who and what once; the grade is in the body.
	if m.Subject != "🔥 Hot lead: Clara Moss, BigCorp <b>Inc</b> — demo request" || len(m.To) != 1 || (m.To[0] != "ana@example.com" && m.To[0] != "ben@example.com") {
		t.Fatalf("subject %q to %v (want an enterprise rep)", m.Subject, m.To)
	}
	if strings.Contains(m.HTML, "<b>Inc</b>") || !strings.Contains(m.HTML, "&lt;b&gt;Inc&lt;/b&gt;") {
		t.Fatal("company name not escaped in the HTML part")
	}
	// Labels, not codes: the campaign's question, the form's name, the
	// campaign's name, the source's labels, consent and the timeline in
	// words.
	for _, want := range []string{"HubSpot", "Need routing before Q1", "decision maker",
		"Which CRM do you use?: HubSpot", "Form: Demo request", "demo request form", "Marketing consent: No\n",
		"Campaign: Q4 demo push — ops leaders (q4-demo)", "UTM source: linkedin",
		"Submitted a form (Demo request) via campaign Q4 demo push — ops leaders (q4-demo)", "Scored: grade A",
		"Stage: New → Marketing qualified (MQL)"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("alert text lacks %q", want)
		}
	}
	for _, bad := range []string{"  campaign:", "  utm_source:", "  stage\n", "qualified:"} {
		if strings.Contains(m.Text, bad) {
			t.Errorf("alert text shows %q", bad)
		}
	}
	if t.Failed() {
		t.Log(m.Text)
	}
	// Links: one accept, one reject per configured reason, all signed,
	// pointing at the API's own domain.
	found := regexp.MustCompile(`https://abc123\.execute-api\.eu-west-1\.amazonaws\.com/feedback/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(m.Text, -1)
	keys, _ := token.ParseKeys(testKeys)
	accepts, rejects := 0, map[string]bool{}
	for _, l := range found {
		if c, err := keys.Verify(l[1], links.ActionAccept, testenv.Now(t)); err == nil && c.Subject == created.ID {
			accepts++
		}
		if c, err := keys.Verify(l[1], links.ActionReject, testenv.Now(t)); err == nil && c.Subject == created.ID {
			reason, rep := links.SplitReject(c.Extra)
			if rep != links.LinkRepRef(keys, m.To[0]) || links.ResolveRep(keys, rep, m.To[0]) != m.To[0] {
				t.Errorf("reject link %s names rep %q, want the alert's recipient", reason, rep)
			}
			rejects[reason] = true
		}
	}
	if accepts != 1 || len(rejects) != 6 || !rejects["not_icp"] {
		t.Fatalf("accept links %d, reject reasons %v (want 1 and the 6 configured)", accepts, rejects)
	}

	st := store.New(testenv.Clients(t).DynamoDB, table)
	l, _ := st.Lead(ctx, created.ID)
	if l.Stage != lead.StageMQL || l.Handoff.State != lead.HandoffSent || l.Handoff.Rep != m.To[0] || l.Qualification.Grade != "A" {
		t.Fatalf("lead after handoff: stage %s handoff %+v", l.Stage, l.Handoff)
	}
	tl, _ := st.Timeline(ctx, created.ID)
	kinds := []string{}
	for _, e := range tl {
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, ",") != "captured,qualified,stage,handoff" {
		t.Fatalf("timeline = %v", kinds)
	}
	testenv.Settle(t, table)
	stats := counted(t, st, "q4-demo")
	if stats["leads"] != 1 || stats["mql"] != 1 || stats["handoffs"] != 1 {
		t.Fatalf("counters = %v", stats)
	}
	if !strings.Contains(logs.String(), `"handoff":"sent"`) {
		t.Fatalf("capture log line lacks the handoff outcome:\n%s", logs.String())
	}
}

func TestJobSeekerIsDisqualifiedWithoutAlert(t *testing.T) {
	h, table, _ := build(t, "capture", nil)
	ctx := context.Background()
	email := fmt.Sprintf("student.%d@uni.example", time.Now().UnixNano())
	accepted(t)(h.HTTP(ctx, jsonLead(`{"email":"`+email+`","job_title":"Student","company":"TU Berlin","company_size":"1000+","campaign":"q4-demo","message":"Do you have any internship vacancy?"}`)))
	created := struct{ ID string }{capturedID(t, table, email)}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	l, err := st.Lead(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Stage != lead.StageDisqualified || l.Qualification.Disqualified != "job_seeker" || l.Handoff != nil {
		t.Fatalf("stage %s, qualification %+v, handoff %+v", l.Stage, l.Qualification, l.Handoff)
	}
	if !strings.Contains(strings.Join(l.Qualification.Reasons, "\n"), "disqualified: job_seeker") {
		t.Fatalf("reasons = %v", l.Qualification.Reasons)
	}
	stats := counted(t, st, "q4-demo")
	if stats["disqualified"] != 1 || stats["dq_job_seeker"] != 1 || stats["mql"] != 0 {
		t.Fatalf("counters = %v", stats)
	}
	if got := mailFor(t, email, 1); len(got) != 0 {
		t.Fatalf("a disqualified lead produced %d emails", len(got))
	}
}

func TestConcurrentHotLeadsSpreadEvenly(t *testing.T) {
	h, table, _ := build(t, "capture", nil)
	ctx := context.Background()
	const n = 12 // $100k budgets route to the enterprise team: Ana and Ben
	prefix := fmt.Sprintf("rr%d", time.Now().UnixNano())
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := h.HTTP(ctx, jsonLead(hotBody(fmt.Sprintf("%s.%d@smallco.example", prefix, i), "60")))
			if err != nil || resp.StatusCode != 202 {
				t.Errorf("capture %d: %d %v", i, resp.StatusCode, err)
			}
		}(i)
	}
	wg.Wait()
	got := mailFor(t, prefix, n)
	count := map[string]int{}
	for _, m := range got {
		count[m.To[0]]++
	}
	if len(got) != n || count["ana@example.com"] != n/2 || count["ben@example.com"] != n/2 {
		t.Fatalf("%d alerts spread %v, want %d each for ana and ben", len(got), count, n/2)
	}
	out, err := testenv.Clients(t).DynamoDB.GetItem(ctx, rotationKey(table, "enterprise"))
	if turns, ok := out.Item["turns"].(*types.AttributeValueMemberN); err != nil || !ok || turns.Value != fmt.Sprint(n) {
		t.Fatalf("rotation turns = %v (%v), want %d: one turn per hot lead, none lost", out.Item["turns"], err, n)
	}
}

func TestSchedulerEscalatesAndRetries(t *testing.T) {
	// Capture with SES unreachable: the lead is stored, the alert is owed.
	// The clock is the test's: a Monday mid-month, so the SLA's minutes
	// never end a month between the handoff and the breach it counts.
	now := monday
	clock := func() time.Time { return now }
	h, table, _ := buildAt(t, "capture", map[string]string{"SES_ENDPOINT": "http://127.0.0.1:1"}, clock, "")
	ctx := context.Background()
	email := fmt.Sprintf("owed.%d@bigcorp.example", time.Now().UnixNano())
	resp, _ := h.HTTP(ctx, jsonLead(hotBody(email, "1000+")))
	if resp.StatusCode != 202 {
		t.Fatalf("capture must succeed without SES: %d %s", resp.StatusCode, resp.Body)
	}
	created := struct{ ID string }{capturedID(t, table, email)}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	if l, _ := st.Lead(ctx, created.ID); l.Handoff == nil || l.Handoff.State != lead.HandoffPending {
		t.Fatalf("lead not left pending: %+v", l.Handoff)
	}

	tick, _, _ := buildAt(t, "nurture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock, table)
	// The sample scheduled event, as EventBridge delivers it.
	var ev events.EventBridgeEvent
	b, err := os.ReadFile(filepath.Join(testenv.Root(t), "events", "nurture-schedule.json"))
	if err != nil || json.Unmarshal(b, &ev) != nil || ev.DetailType != "Scheduled Event" {
		t.Fatalf("events/nurture-schedule.json: %v", err)
	}
	fire := func() {
		if err := tick.Event(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	fire()
	if got := mailFor(t, email, 1); len(got) != 1 || !strings.Contains(got[0].Text, "https://leads.example.com/feedback/") {
		t.Fatalf("the tick did not send the owed alert exactly once: %d", len(got))
	}
	fire() // nothing due before the SLA
	now = now.Add(6 * time.Minute)
	fire()
	fire()
	got := mailFor(t, email, 2)
	if len(got) != 2 || !strings.HasPrefix(got[1].Subject, "[SLA breach]") || got[1].To[0] != "lea@example.com" {
		t.Fatalf("escalation: %d emails, last %q to %v", len(got), got[len(got)-1].Subject, got[len(got)-1].To)
	}
	testenv.Settle(t, table)
	stats, _ := st.CampaignStats(ctx, "q4-demo", now)
	if stats["sla_breaches"] != 1 || stats["handoffs"] != 1 {
		t.Fatalf("counters = %v", stats)
	}
	for shard := 0; shard < store.DueShards; shard++ {
		due, err := st.Due(ctx, shard, now.Add(time.Hour), 10)
		if err != nil {
			t.Fatalf("due index, shard %d: %v", shard, err)
		}
		for _, l := range due {
			if l.ID == created.ID {
				t.Fatal("escalated lead is still in the due index")
			}
		}
	}
	// Nobody answers, not even the team lead: 30 days after the alert
	// (sla.return_unanswered) the tick hands the lead back to marketing,
	// emailing nobody; it is placed as nurturing places leads back from
	// sales (this one gave no consent, so no sequence mails it).
	now = now.Add(qualify.DefaultReturnUnanswered)
	fire()
	fire()
	l, err := st.Lead(ctx, created.ID)
	if err != nil || l.Stage != lead.StageNurturing || l.Handoff != nil || !l.SentBack.Unanswered() || l.Nurture == nil || l.Nurture.NoSequence != "no_consent" {
		t.Fatalf("30 days unanswered: %v, stage %s, handoff %+v, sent back %+v, nurture %+v", err, l.Stage, l.Handoff, l.SentBack, l.Nurture)
	}
	if got := mailFor(t, email, 3); len(got) != 2 {
		t.Fatalf("%d emails after the return, want still 2 (it emails nobody)", len(got))
	}
	testenv.Settle(t, table)
	if stats, _ := st.CampaignStats(ctx, "q4-demo", now); stats[handoff.EventReturned] != 1 {
		t.Fatalf("counters after the return = %v", stats)
	}
}

// A new hot lead's alert costs two DynamoDB requests besides the
// capture's transaction, which claims it: the round-robin turn and the
// commit.
func TestHotLeadAlertTakesTwoRequestsBesidesTheCapture(t *testing.T) {
	table := testenv.NewTable(t)
	calls := faults.New() // no rules: it only counts
	clients := testenv.Clients(t)
	db := dynamodb.New(clients.DynamoDB.Options(), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, calls.Middleware) })
	c := clients.App(db, nil)
	cfg := config.Capture{AWS: testenv.AWS(t), AllowedOrigins: "*", ThankYouURL: "https://x.example/t", PrivacyNoticeURL: "https://www.example.com/privacy", Sales: config.Sales{Table: table,
		Sender: "leads@example.com", SalesAddress: "sales@example.com", PublicBaseURL: "https://leads.example.com",
		Signing: config.Signing{SigningKeys: testKeys}, Qualifying: config.Qualifying{CampaignsDir: filepath.Join(testenv.Root(t), "config", "campaigns")}}}
	h, err := capturefn.New(context.Background(), cfg, c.DynamoDB, c.Mail, c.Parameter, app.Env{Logs: logsTo(io.Discard), Clock: testenv.Clock(t)})
	if err != nil {
		t.Fatal(err)
	}
	email := fmt.Sprintf("count.%d@bigcorp.example", time.Now().UnixNano())
	if r, err := h.Handle(context.Background(), jsonLead(hotBody(email, "1000+"))); err != nil || r.StatusCode != 202 {
		t.Fatalf("capture: %d %v", r.StatusCode, err)
	}
	if got := mailFor(t, email, 1); len(got) != 1 {
		t.Fatalf("%d alerts, want 1", len(got))
	}
	counts := map[string]int{}
	total := 0
	for _, op := range []string{"TransactWriteItems", "PutItem", "UpdateItem", "GetItem", "Query", "DeleteItem", "BatchWriteItem"} {
		n, _ := calls.Counts(op)
		counts[op] = n
		total += n
	}
	// The create is also the alert's claim: a round-robin turn before it,
	// the commit after the email.
	if counts["TransactWriteItems"] != 1 || counts["UpdateItem"] != 1 || counts["PutItem"] != 1 || total != 3 {
		t.Fatalf("requests %v: want the turn, the capture's transaction (which claims the alert) and the commit", counts)
	}
}

// capturedID is the id of the lead capture stored for an address: the
// answer is a receipt, never the lead's id (no enumeration).
func capturedID(t *testing.T, table, email string) string {
	t.Helper()
	l, err := store.New(testenv.Clients(t).DynamoDB, table).LeadByEmail(context.Background(), lead.HashEmail(strings.ToLower(email)))
	if err != nil {
		t.Fatalf("no lead stored for the address: %v", err)
	}
	return l.ID
}

// accepted fails the test unless capture answered with its receipt:
// accepted(t)(capture.HTTP(ctx, req)).
func accepted(t *testing.T) func(httpapi.Response, error) {
	return func(resp httpapi.Response, err error) {
		t.Helper()
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("capture: %d %s %v", resp.StatusCode, resp.Body, err)
		}
	}
}
