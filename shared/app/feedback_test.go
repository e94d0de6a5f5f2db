package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestSalesFeedbackFromTheAlert follows the links of a real alert: the
// page changes nothing, accept records SAL with the response time, a
// repeat is idempotent, a later reject is refused, and the outcome links
// move the lead to SQL and won. Tampered and expired links change nothing.
func TestSalesFeedbackFromTheAlert(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	ctx := context.Background()
	email := fmt.Sprintf("accept.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
	created := struct{ ID string }{capturedID(t, table, email)}
	alert := mailFor(t, email, 1)
	if len(alert) != 1 {
		t.Fatalf("no alert for the hot lead")
	}
	tokens := regexp.MustCompile(`/feedback/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(alert[0].Text, -1)
	keys, _ := token.ParseKeys(testKeys)
	var accept, rejectNurture string
	for _, m := range tokens {
		if _, err := keys.Verify(m[1], links.ActionAccept, testenv.Now(t)); err == nil {
			accept = m[1]
		}
		if c, err := keys.Verify(m[1], links.ActionReject, testenv.Now(t)); err == nil && strings.HasPrefix(c.Extra, "no_budget ") {
			rejectNurture = m[1]
		}
	}
	if accept == "" || rejectNurture == "" {
		t.Fatalf("alert lacks accept / reject links: %v", tokens)
	}
	call := func(file, tok string) (int, string) {
		ev := sampleEvent(t, file)
		ev.PathParameters = map[string]string{"token": tok}
		r, err := fb.HTTP(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode, r.Body
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	stage := func() lead.Stage { l, _ := st.Lead(ctx, created.ID); return l.Stage }

	if code, body := call("feedback-page.json", accept); code != 200 || !strings.Contains(body, "Accept this lead?") || !strings.Contains(body, "BigCorp &lt;b&gt;Inc&lt;/b&gt;") {
		t.Fatalf("accept page: %d\n%s", code, body)
	}
	if stage() != lead.StageMQL {
		t.Fatalf("GET changed the stage to %s", stage())
	}
	tampered := accept[:len(accept)-3] + "abc"
	expired := keys.Sign(token.Claims{Action: links.ActionAccept, Subject: created.ID, Expires: testenv.Now(t).Add(-time.Minute)})
	for name, tok := range map[string]string{"tampered": tampered, "expired": expired} {
		if code, _ := call("feedback-answer.json", tok); code != 403 || stage() != lead.StageMQL {
			t.Fatalf("%s link: %d, stage %s; want 403 and nothing changed", name, code, stage())
		}
	}

	code, body := call("feedback-answer.json", accept)
	if code != 200 || !strings.Contains(body, "Recorded") || stage() != lead.StageSAL {
		t.Fatalf("accept: %d, stage %s\n%s", code, stage(), body)
	}
	if code, body := call("feedback-answer.json", accept); code != 200 || !strings.Contains(body, "Ana Lopez already accepted this lead on ") {
		t.Fatalf("repeat accept: %d\n%s", code, body)
	}
	if code, body := call("feedback-answer.json", rejectNurture); code != 200 || !strings.Contains(body, "already answered") || stage() != lead.StageSAL {
		t.Fatalf("reject after accept: %d stage %s\n%s", code, stage(), body)
	}
	// The accepted page offers SQL / won / lost; follow SQL then won.
	outcomes := regexp.MustCompile(`class="btn" href="([A-Za-z0-9_.-]+)">([^<]+)<`).FindAllStringSubmatch(body, -1)
	links := map[string]string{}
	for _, o := range outcomes {
		links[o[2]] = o[1]
	}
	if len(links) != 3 {
		t.Fatalf("outcome links = %v", links)
	}
	call("feedback-answer.json", links["Qualified opportunity (SQL)"])
	call("feedback-answer.json", links["Won"])
	if stage() != lead.StageWon {
		t.Fatalf("after SQL and won links: %s", stage())
	}

	l, _ := st.Lead(ctx, created.ID)
	if l.Handoff.State != lead.HandoffAnswered || l.Handoff.AnsweredBy != l.Handoff.Rep || l.Handoff.AnsweredAt.IsZero() {
		t.Fatalf("handoff after accept: %+v", l.Handoff)
	}
	stats := counted(t, st, "q4-demo")
	if stats["sal"] != 1 || stats["sql"] != 1 || stats["won"] != 1 || stats["responses"] != 1 || stats["resp_le_1m"] != 1 || stats["rejected"] != 0 {
		t.Fatalf("counters = %v", stats)
	}
	tl, _ := st.Timeline(ctx, created.ID)
	var accepted lead.Event
	for _, e := range tl {
		if e.Kind == "accepted" {
			accepted = e
		}
	}
	if accepted.Data["comment"] != "Called her, demo booked for Thursday" {
		t.Fatalf("accepted event = %+v", accepted)
	}
}

func TestRejectReasonsFlowBackPerCampaign(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	st := store.New(testenv.Clients(t).DynamoDB, table)
	reject := func(reason string) lead.Lead {
		email := fmt.Sprintf("rej.%s.%d@bigcorp.example", reason, time.Now().UnixNano())
		accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
		created := struct{ ID string }{capturedID(t, table, email)}
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": keys.Sign(token.Claims{Action: links.ActionReject, Subject: created.ID, Extra: reason, Expires: testenv.Now(t).Add(time.Hour)})}
		if r, _ := fb.HTTP(ctx, ev); r.StatusCode != 200 {
			t.Fatalf("reject %s: %d %s", reason, r.StatusCode, r.Body)
		}
		l, _ := st.Lead(ctx, created.ID)
		return l
	}
	if l := reject("not_icp"); l.Stage != lead.StageRejected {
		t.Fatalf("not_icp (disqualify) → %s, want rejected", l.Stage)
	}
	if l := reject("no_budget"); l.Stage != lead.StageNurturing {
		t.Fatalf("no_budget (nurture) → %s, want nurturing", l.Stage)
	}
	stats := counted(t, st, "q4-demo")
	if stats["rejected"] != 2 || stats["rej_not_icp"] != 1 || stats["rej_no_budget"] != 1 || stats["sal"] != 0 {
		t.Fatalf("counters = %v", stats)
	}
}

// TestOutcomesFromACRM: a CRM reports a won deal through the bus (the
// feedback function's rule) and back-fills through the IAM route; the
// same rules as the rep's links apply, a redelivered event changes
// nothing, and the lead carries the deal.
func TestOutcomesFromACRM(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	// The USD deal converts at the configured rate (TestRevenueInReports).
	fb, _, logs := buildAt(t, "feedback", map[string]string{"QUALIFY_CONFIG": qualifyWithRates(t)}, testenv.Clock(t), table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	keys, _ := token.ParseKeys(testKeys)
	hot := func(name string) (string, string) {
		email := fmt.Sprintf("%s.%d@bigcorp.example", name, time.Now().UnixNano())
		accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
		created := struct{ ID string }{capturedID(t, table, email)}
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": links.FeedbackToken(keys, created.ID, links.ActionAccept, "", time.Time{}, testenv.Now(t).Add(time.Hour))}
		if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 {
			t.Fatalf("accept: %v %+v", err, r)
		}
		return created.ID, email
	}
	event := func(detail string) events.EventBridgeEvent { return crmEvent(t, detail) }

	id, email := hot("crm")
	// Closed after capture: a close date before the lead is refused.
	closed := testenv.Now(t).UTC().Truncate(time.Second)
	won := event(`{"email":"` + strings.ToUpper(email) + `","stage":"won","amount":24000,"currency":"USD","closed_at":"` + closed.Format(time.RFC3339) + `","event_id":"deal-1-won"}`)
	for i := 0; i < 2; i++ { // EventBridge may deliver twice
		if err := fb.Event(ctx, won); err != nil {
			t.Fatal(err)
		}
	}
	l, _ := st.Lead(ctx, id)
	if l.Stage != lead.StageWon || l.Deal == nil || l.Deal.Amount != 24000 || l.Deal.Currency != "USD" || l.Deal.Source != "crm" ||
		!l.Deal.ClosedAt.Equal(closed) {
		t.Fatalf("after the CRM's won: stage %s, deal %+v", l.Stage, l.Deal)
	}
	tl, _ := st.Timeline(ctx, id)
	wins := 0
	for _, e := range tl {
		if e.Kind == "won" {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d won events for one deal", wins)
	}
	// An SQL delivered after the win (EventBridge does not keep order) is
	// the SQL the win counted: nothing changes, no warning.
	version := l.Version
	if err := fb.Event(ctx, event(`{"lead_id":"`+id+`","stage":"sql"}`)); err != nil {
		t.Fatal(err)
	}
	if l, _ := st.Lead(ctx, id); l.Version != version || strings.Contains(logs.String(), `"not_applied"`) {
		t.Fatalf("a late SQL of a won deal changed it (version %d, was %d) or was warned of:\n%s", l.Version, version, logs)
	}
	// An outcome that cannot apply is logged (no address) and dropped:
	// retrying would not help.
	if err := fb.Event(ctx, event(`{"lead_id":"`+id+`","stage":"lost","closed_at":"2001-01-01"}`)); err != nil {
		t.Fatal(err)
	}
	if err := fb.Event(ctx, event(`{"email":"nobody@nowhere.example","stage":"won"}`)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "an older outcome does not undo a newer one") || strings.Contains(logs.String(), "nobody@") || strings.Contains(logs.String(), email) {
		t.Fatalf("logs:\n%s", logs)
	}

	// Back-fill: the sample request names Maria; use two fresh leads.
	a, aMail := hot("fill-a")
	b, _ := hot("fill-b")
	req := sampleEvent(t, "feedback-outcomes-backfill.json")
	req.Body = "email,lead_id,stage,amount,closed_at\n" + aMail + ",,sql,,\n" + aMail + ",,won,8000.50," + closed.Format("2006-01-02") + "\n,nope,won,1,\n,," + b + ",lost,\n," + b + ",lost,,\n"
	r, err := fb.HTTP(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Recorded, Failed int
		Errors           []struct {
			Line  int
			Field string
			Error string
		}
	}
	_ = json.Unmarshal([]byte(r.Body), &out)
	if r.StatusCode != 422 || out.Recorded != 3 || out.Failed != 2 || out.Errors[0].Line != 4 || out.Errors[1].Line != 5 {
		t.Fatalf("back-fill: %d %s", r.StatusCode, r.Body)
	}
	la, _ := st.Lead(ctx, a)
	lb, _ := st.Lead(ctx, b)
	if la.Stage != lead.StageWon || la.Deal.Amount != 8000.5 || la.Deal.Currency != "EUR" || lb.Stage != lead.StageLost {
		t.Fatalf("after back-fill: %s %+v, %s", la.Stage, la.Deal, lb.Stage)
	}
}

// TestExpiredAlertLinkSendsFreshLinksOnce: the alert's links expire
// (AlertTTL); opening one shows a page with "Send me a fresh link" and
// changes nothing; pressing it emails the alert again, with working
// links, to the rep the link names — once: pressing again sends nothing.
// The fresh accept link records the answer; the old link then says the
// lead was answered.
func TestExpiredAlertLinkSendsFreshLinksOnce(t *testing.T) {
	a := newAlerted(t, "fresh")
	clock, table, id, email, call, logs := a.clock, a.table, a.id, a.email, a.call, a.logs
	ctx := context.Background()
	alert := a.alert
	rep := alert[0].To[0]
	keys, _ := token.ParseKeys(testKeys)
	linkOf := func(m string, action string, at time.Time) string {
		t.Helper()
		return answerLink(t, keys, m, id, action, at)
	}
	oldAccept, oldReject := linkOf(alert[0].Text, links.ActionAccept, clock.now()), linkOf(alert[0].Text, links.ActionReject, clock.now())
	st := store.New(testenv.Clients(t).DynamoDB, table)

	clock.add(links.AlertTTL + time.Hour)
	for _, tok := range []string{oldAccept, oldReject} {
		if code, body := call("feedback-page.json", tok); code != 403 || !strings.Contains(body, "This link has expired") || !strings.Contains(body, "Send me a fresh link") {
			t.Fatalf("expired link page: %d\n%s", code, body)
		}
	}
	// The accept form posted after expiry is not taken for the button.
	if code, body := call("feedback-answer.json", oldAccept); code != 403 || !strings.Contains(body, "Send me a fresh link") {
		t.Fatalf("expired answer: %d\n%s", code, body)
	}
	if l, _ := st.Lead(ctx, id); l.Stage != lead.StageMQL || l.Handoff.State != lead.HandoffSent {
		t.Fatalf("the expired link changed the lead: %s %s", l.Stage, l.Handoff.State)
	}
	if got := waitMail(t, 2, func(e sesstore.Email) bool { return slices.Contains(e.ReplyTo, email) }); len(got) != 1 {
		t.Fatalf("%d emails before the button, want the alert only", len(got))
	}

	code, body := call("feedback-fresh-links.json", oldReject)
	if code != 200 || !strings.Contains(body, "emailed you") {
		t.Fatalf("fresh links: %d\n%s", code, body)
	}
	got := mailFor(t, email, 2)
	if len(got) != 2 {
		t.Fatalf("%d emails after the button, want 2", len(got))
	}
	fresh := got[1]
	if len(fresh.To) != 1 || fresh.To[0] != rep || !strings.HasPrefix(fresh.Subject, "Fresh links: ") {
		t.Fatalf("fresh links email to %v, subject %q (want %s)", fresh.To, fresh.Subject, rep)
	}
	if code, body := call("feedback-fresh-links.json", oldAccept); code != 200 || !strings.Contains(body, "nothing new was sent") {
		t.Fatalf("second press: %d\n%s", code, body)
	}
	if again := mailFor(t, email, 3); len(again) != 2 {
		t.Fatalf("%d emails after the second press, want still 2", len(again))
	}

	newAccept := linkOf(fresh.Text, links.ActionAccept, clock.now())
	if _, err := keys.Verify(newAccept, links.ActionAccept, clock.now()); err != nil {
		t.Fatalf("the fresh accept link does not work now: %v", err)
	}
	if code, body := call("feedback-page.json", newAccept); code != 200 || !strings.Contains(body, "Accept this lead?") || !strings.Contains(body, "Which CRM do you use?") {
		t.Fatalf("fresh accept page: %d\n%s", code, body)
	}
	if code, body := call("feedback-answer.json", newAccept); code != 200 || !strings.Contains(body, "Recorded") {
		t.Fatalf("fresh accept: %d\n%s", code, body)
	}
	if l, _ := st.Lead(ctx, id); l.Stage != lead.StageSAL || l.Handoff.AnsweredBy != rep {
		t.Fatalf("after the fresh accept: stage %s, answered by %q", l.Stage, l.Handoff.AnsweredBy)
	}
	if code, body := call("feedback-fresh-links.json", oldAccept); code != 403 || !strings.Contains(body, "already answered") || strings.Contains(body, "Send me a fresh link") {
		t.Fatalf("old link after the answer: %d\n%s", code, body)
	}
	if strings.Contains(logs.String(), rep) || strings.Contains(logs.String(), email) {
		t.Fatalf("feedback logs name a person:\n%s", logs)
	}
}

// answerLink is the token of the first action link about lead id in an
// email's text (expired or not at at).
func answerLink(t *testing.T, keys token.Keys, text, id, action string, at time.Time) string {
	t.Helper()
	for _, tok := range regexp.MustCompile(`/feedback/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(text, -1) {
		if c, err := keys.Verify(tok[1], action, at); (err == nil || errors.Is(err, token.ErrExpired)) && c.Subject == id {
			return tok[1]
		}
	}
	t.Fatalf("no %s link in:\n%s", action, text)
	return ""
}

// TestFirstAlertsLinksDoNotAnswerTheNextHandoff: a lead sent back to
// nurture ("no budget yet") that turns hot again a day later gets a new
// alert; the first alert's links, still within their lifetime, belong to
// the first hand-off and change nothing — neither accept (the deal would
// go to whoever held the old alert) nor reject (a second send-back for
// the old reason) — while the new alert's links answer the lead.
func TestFirstAlertsLinksDoNotAnswerTheNextHandoff(t *testing.T) {
	a := newAlerted(t, "twice")
	clock, capture, table, id, email, first := a.clock, a.capture, a.table, a.id, a.email, a.alert
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	oldAccept := answerLink(t, keys, first[0].Text, id, links.ActionAccept, clock.now())
	oldReject := answerLink(t, keys, first[0].Text, id, links.ActionReject, clock.now())
	call := func(tok string) (int, string) { t.Helper(); return a.call("feedback-answer.json", tok) }
	sendBack := links.Reject(keys, "", id, "no_budget", first[0].To[0], clock.now(), clock.now().Add(links.AlertTTL))
	if code, body := call(strings.TrimPrefix(sendBack, "/feedback/")); code != 200 || !strings.Contains(body, "Recorded") {
		t.Fatalf("send back: %d\n%s", code, body)
	}
	clock.add(25 * time.Hour) // past the alert de-duplication window: a new alert goes at once
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
	second := mailFor(t, email, 2)
	if len(second) != 2 {
		t.Fatalf("%d emails after the lead turned hot again, want the second alert", len(second))
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	before, err := st.Lead(ctx, id)
	if err != nil || before.Stage != lead.StageMQL || before.SentBack == nil || before.SentBack.Times != 1 {
		t.Fatalf("hot again: %v, stage %s, sent back %+v", err, before.Stage, before.SentBack)
	}
	for _, tok := range []string{oldAccept, oldReject} {
		if code, body := call(tok); code != 200 || !strings.Contains(body, "belongs to the earlier alert") {
			t.Fatalf("the first alert's link on the second hand-off: %d\n%s", code, body)
		}
	}
	if l, _ := st.Lead(ctx, id); l.Version != before.Version || l.Stage != lead.StageMQL || l.Deal != nil {
		t.Fatalf("the first alert's links changed the lead: v%d→v%d, stage %s, deal %+v", before.Version, l.Version, l.Stage, l.Deal)
	}
	if code, body := call(answerLink(t, keys, second[1].Text, id, links.ActionAccept, clock.now())); code != 200 || !strings.Contains(body, "Recorded") {
		t.Fatalf("the second alert's accept: %d\n%s", code, body)
	}
	if l, _ := st.Lead(ctx, id); l.Stage != lead.StageSAL {
		t.Fatalf("after the second alert's accept: %s", l.Stage)
	}
}

// alerted is a hot lead captured on a fresh table, with its alert, and
// the capture and feedback functions on one clock.
type alerted struct {
	clock     *clockAt
	capture   app.Handlers
	logs      *bytes.Buffer // the feedback function's
	table, id string
	email     string
	alert     []sesstore.Email
	call      func(file, tok string) (int, string) // the feedback function, with a sample event and a token
}

func newAlerted(t *testing.T, name string) alerted {
	t.Helper()
	a := alerted{clock: &clockAt{t: testenv.Now(t)}, email: fmt.Sprintf("%s.%d@bigcorp.example", name, time.Now().UnixNano())}
	a.capture, a.table, _ = buildAt(t, "capture", nil, a.clock.now, "")
	var fb app.Handlers
	fb, _, a.logs = buildAt(t, "feedback", nil, a.clock.now, a.table)
	accepted(t)(a.capture.HTTP(context.Background(), jsonLead(hotBody(a.email, "1000+"))))
	a.id = capturedID(t, a.table, a.email)
	if a.alert = mailFor(t, a.email, 1); len(a.alert) != 1 {
		t.Fatal("no alert for the hot lead")
	}
	a.call = caller(t, fb)
	return a
}

// caller calls the feedback function fb with a sample event and a token.
func caller(t *testing.T, fb app.Handlers) func(file, tok string) (int, string) {
	return func(file, tok string) (int, string) {
		t.Helper()
		ev := sampleEvent(t, file)
		ev.PathParameters = map[string]string{"token": tok}
		r, err := fb.HTTP(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode, r.Body
	}
}

// crmEvent is the sample CRM outcome event with detail.
func crmEvent(t *testing.T, detail string) events.EventBridgeEvent {
	t.Helper()
	var ev events.EventBridgeEvent
	b, err := os.ReadFile(filepath.Join(testenv.Root(t), "events", "feedback-crm-outcome.json"))
	if err != nil || json.Unmarshal(b, &ev) != nil {
		t.Fatalf("events/feedback-crm-outcome.json: %v", err)
	}
	ev.Detail = json.RawMessage(detail)
	return ev
}

// TestCRMOutcomeAcceptsALeadWorkedInTheCRM: the rep called the lead from
// the alert but works in the CRM and never pressed accept. The CRM's SQL
// (through the bus, by address) records the acceptance for that rep and
// then the SQL: the tick sends no SLA escalation at the deadline, and 30
// days on the lead is not sent back to marketing, its deal open.
func TestCRMOutcomeAcceptsALeadWorkedInTheCRM(t *testing.T) {
	now := testenv.Now(t).UTC()
	clock := func() time.Time { return now }
	capture, table, _ := buildAt(t, "capture", nil, clock, "")
	fb, _, _ := buildAt(t, "feedback", nil, clock, table)
	tick, _, _ := buildAt(t, "nurture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("crm-first.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
	id := capturedID(t, table, email)
	if got := mailFor(t, email, 1); len(got) != 1 {
		t.Fatalf("%d alerts, want 1", len(got))
	}
	alerted, _ := st.Lead(ctx, id)
	if alerted.Handoff == nil || alerted.Handoff.State != lead.HandoffSent || alerted.Handoff.Rep == "" {
		t.Fatalf("fixture: hand-off %+v, want an alert sent to a rep", alerted.Handoff)
	}
	now = now.Add(2 * time.Minute)
	for range 2 { // EventBridge may deliver twice
		if err := fb.Event(ctx, crmEvent(t, `{"email":"`+email+`","stage":"sql","event_id":"crm-first-sql"}`)); err != nil {
			t.Fatal(err)
		}
	}
	l, _ := st.Lead(ctx, id)
	if l.Stage != lead.StageSQL || l.Deal == nil || l.Deal.Rep != alerted.Handoff.Rep || l.Handoff.State != lead.HandoffAnswered {
		t.Fatalf("after the CRM's SQL: stage %s, deal %+v, hand-off %+v", l.Stage, l.Deal, l.Handoff)
	}
	tl, _ := st.Timeline(ctx, id)
	var kinds []string
	for _, e := range tl {
		if e.Kind == "accepted" || e.Kind == "sql" {
			kinds = append(kinds, e.Kind+":"+fmt.Sprint(e.Data["source"]))
		}
	}
	if strings.Join(kinds, ",") != "accepted:crm,sql:crm" {
		t.Fatalf("timeline %v, want the acceptance then the SQL, both from the CRM", kinds)
	}
	var schedule events.EventBridgeEvent
	b, err := os.ReadFile(filepath.Join(testenv.Root(t), "events", "nurture-schedule.json"))
	if err != nil || json.Unmarshal(b, &schedule) != nil {
		t.Fatalf("events/nurture-schedule.json: %v", err)
	}
	for _, later := range []time.Duration{10 * time.Minute, 31 * 24 * time.Hour} {
		now = now.Add(later)
		if err := tick.Event(ctx, schedule); err != nil {
			t.Fatal(err)
		}
	}
	if got := mailFor(t, email, 2); len(got) != 1 {
		t.Fatalf("%d emails about the lead, want only its alert (no escalation): last %q", len(got), got[len(got)-1].Subject)
	}
	if l, _ := st.Lead(ctx, id); l.Stage != lead.StageSQL || l.SentBack != nil {
		t.Fatalf("a month on: stage %s, sent back %+v", l.Stage, l.SentBack)
	}
}
