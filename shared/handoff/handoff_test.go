package handoff

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/token"
)

// The tests run over memstore, which has the DynamoDB adapter's semantics
// (shared/store/contract_test.go holds it to them).

// stored reads a lead back from the store.
func stored(t *testing.T, st *memstore.Store, id string) lead.Lead {
	t.Helper()
	l, err := st.Lead(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func rules(t *testing.T, yaml string) *qualify.Config {
	t.Helper()
	c, err := qualify.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const teamYAML = `version: 1
fit:
  rules: [{field: job_title, op: contains, values: [cmo], points: 50}]
  grades: {A: 40, B: 30, C: 20}
engagement:
  signals: [{signal: "form:demo_request", points: 50}]
thresholds: {A: {hot: 10, warm: 0}, B: {}, C: {}, D: {}}
routing:
  teams:
    sales:
      reps:
        - {name: Ana, email: ana@example.com}
        - {name: Ben, email: ben@example.com, away: true}
        - {name: Cy, email: cy@example.com}
      lead: {name: Lea, email: lea@example.com}
  default_team: sales
sla: {first_response: 5m}
reject_reasons:
  - {code: not_icp, label: Not our ICP, action: disqualify}
`

type fixture struct {
	svc   *Service
	store *memstore.Store
	out   *mailtest.Outbox
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	keys, err := token.ParseKeys("k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: memstore.New(), out: &mailtest.Outbox{}, now: t0}
	clock := func() time.Time { return f.now }
	f.svc = &Service{Store: f.store, Send: &sendonce.Sender{Store: f.store, Mail: f.out, Lease: time.Minute, Clock: clock, NewID: ids.New},
		Rules: rules(t, teamYAML), Keys: keys,
		From: "alerts@example.com", Fallback: "sales@example.com", BaseURL: "https://api.example.com",
		LinkTTL: 24 * time.Hour, Clock: clock, NewID: ids.New,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return f
}

// hotLead stores a lead as capture would after qualifying it hot.
func (f *fixture) hotLead(t *testing.T, email string) string {
	t.Helper()
	l := lead.New(ids.New(f.now), lead.Submission{Email: email, Name: "Clara", Company: "BigCorp", JobTitle: "CMO", FormType: "demo_request",
		Source: lead.Attribution{Campaign: "q4", At: f.now}})
	l.AddSignal(lead.Signal{Kind: "form:demo_request", At: f.now})
	f.svc.Rules.Qualify(&l, f.now)
	if l.Handoff == nil || l.Handoff.State != lead.HandoffPending {
		t.Fatalf("fixture lead is not hot: %+v", l.Qualification)
	}
	l.Version = 1
	if err := f.store.CreateLead(context.Background(), l, lead.Change{At: f.now}, nil); err != nil {
		t.Fatal(err)
	}
	return l.ID
}

func TestHandoffSendsOnceWithSignedLinks(t *testing.T) {
	f := newFixture(t)
	id := f.hotLead(t, "clara@bigcorp.example")
	out, err := f.svc.Run(context.Background(), id, "w1", "")
	if err != nil || out != Sent {
		t.Fatalf("Run = %s, %v", out, err)
	}
	again, err := f.svc.Run(context.Background(), id, "w2", "")
	if err != nil || again != NothingDue || len(f.out.Sent()) != 1 {
		t.Fatalf("second run = %s, %v; %d emails", again, err, len(f.out.Sent()))
	}
	m := f.out.Sent()[0]
	if m.To != "ana@example.com" || m.ReplyTo != "clara@bigcorp.example" || !strings.Contains(m.Subject, "BigCorp") {
		t.Fatalf("alert = to %s reply-to %s subject %q", m.To, m.ReplyTo, m.Subject)
	}
	// The accept link carries a token that verifies as "accept" for this lead.
	i := strings.Index(m.Text, "https://api.example.com/feedback/")
	if i < 0 {
		t.Fatalf("no feedback link in:\n%s", m.Text)
	}
	tok := strings.Fields(m.Text[i+len("https://api.example.com/feedback/"):])[0]
	c, err := f.svc.Keys.Verify(tok, links.ActionAccept, f.now)
	if err != nil || c.Subject != id {
		t.Fatalf("accept token: %+v, %v", c, err)
	}
	// It names the rep by reference, never by address (token payloads are
	// readable by whoever holds the link).
	if c.Extra != links.LinkRepRef(f.svc.Keys, "ana@example.com") || strings.Contains(c.Extra, "@") || links.ResolveRep(f.svc.Keys, c.Extra, "ben@example.com", "ana@example.com") != "ana@example.com" {
		t.Fatalf("accept token's rep = %q", c.Extra)
	}
	l := stored(t, f.store, id)
	if l.Handoff.State != lead.HandoffSent || !l.Handoff.DueBy.Equal(f.now.Add(5*time.Minute)) || l.Lease != nil {
		t.Fatalf("handoff after send = %+v lease %+v", l.Handoff, l.Lease)
	}
}

func TestCrashAfterSendDoesNotResend(t *testing.T) {
	f := newFixture(t)
	id := f.hotLead(t, "crash@bigcorp.example")
	// The claim succeeds, the email goes out, then the commit fails as if
	// the process died: the lead keeps its lease and stays due.
	commitFails := &failingCommit{Store: f.store}
	f.svc.Send.Store = commitFails
	if _, err := f.svc.Run(context.Background(), id, "w1", ""); err == nil {
		t.Fatal("Run with a failing commit returned no error")
	}
	if len(f.out.Sent()) != 1 {
		t.Fatalf("sent %d, want 1", len(f.out.Sent()))
	}
	// SES's Send event confirms the claim (package sesevents does this).
	l := stored(t, f.store, id)
	c := l.Claims["handoff"]
	c.Confirmed = "msg-1"
	l.Claims = map[string]lead.Claim{"handoff": c}
	l.Version++
	if err := f.store.Put(context.Background(), l, lead.Change{}); err != nil {
		t.Fatal(err)
	}
	// Another worker while the lease holds: busy, nothing sent.
	f.svc.Send.Store = f.store
	if out, _ := f.svc.Run(context.Background(), id, "w2", ""); out != Busy {
		t.Fatalf("run during lease = %s, want busy", out)
	}
	// After the lease expires: recorded from the confirmation, not resent.
	f.now = f.now.Add(2 * time.Minute)
	out, err := f.svc.Run(context.Background(), id, "w3", "")
	if err != nil || out != Recovered || len(f.out.Sent()) != 1 {
		t.Fatalf("recovery = %s, %v; %d emails", out, err, len(f.out.Sent()))
	}
	if s := stored(t, f.store, id).Handoff.State; s != lead.HandoffSent {
		t.Fatalf("state after recovery = %s", s)
	}
}

// failingCommit lets the claim through and fails the commit, as if the
// process died between the send and the commit.
type failingCommit struct{ *memstore.Store }

func (s *failingCommit) Put(ctx context.Context, l lead.Lead, ch lead.Change) error {
	if _, claiming := l.Claims["handoff"]; claiming {
		return s.Store.Put(ctx, l, ch)
	}
	return errors.New("lambda timed out")
}

func TestFailedSendIsRetriedNextRun(t *testing.T) {
	f := newFixture(t)
	id := f.hotLead(t, "retry@bigcorp.example")
	f.out.Fail = mail.ErrThrottled
	if _, err := f.svc.Run(context.Background(), id, "w1", ""); !errors.Is(err, mail.ErrThrottled) {
		t.Fatalf("err = %v, want ErrThrottled", err)
	}
	if l := stored(t, f.store, id); l.Claims != nil || l.Lease != nil {
		t.Fatal("a failed send left its claim or lease behind")
	}
	f.out.Fail = nil
	out, err := f.svc.Run(context.Background(), id, "w2", "")
	if err != nil || out != Sent || len(f.out.Sent()) != 1 {
		t.Fatalf("retry = %s, %v; %d emails", out, err, len(f.out.Sent()))
	}
}

// An alert SES refuses outright is not tried again every run: the lead's
// emails to sales wait out a back-off, taking no rep's turn meanwhile;
// after it the same rep gets the alert.
func TestRefusedAlertWaitsOutItsBackOff(t *testing.T) {
	f := newFixture(t)
	id := f.hotLead(t, "refused@bigcorp.example")
	f.out.Fail = fmt.Errorf("%w: MessageRejected", mail.ErrRejected)
	if _, err := f.svc.Run(context.Background(), id, "w1", ""); !errors.Is(err, mail.ErrRejected) {
		t.Fatalf("err = %v, want ErrRejected", err)
	}
	f.out.Fail = nil
	l := stored(t, f.store, id)
	if r := l.RefusedToSales; r == nil || r.ToLead || r.Job != "handoff" || !l.NextDue().Equal(f.now.Add(lead.RefusalFirstWait)) {
		t.Fatalf("after the refusal: %+v, due %v", l.RefusedToSales, l.NextDue())
	}
	f.now = f.now.Add(time.Minute)
	if out, err := f.svc.Run(context.Background(), id, "w2", ""); err != nil || out != Deferred || len(f.out.Sent()) != 0 {
		t.Fatalf("within the back-off: %s, %v, %d emails", out, err, len(f.out.Sent()))
	}
	// The deferred run took no turn: the next hot lead gets the next rep.
	if _, err := f.svc.Run(context.Background(), f.hotLead(t, "next@bigcorp.example"), "w3", ""); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(lead.RefusalFirstWait)
	out, err := f.svc.Run(context.Background(), id, "w4", "")
	if err != nil || out != Sent {
		t.Fatalf("after the back-off = %s, %v", out, err)
	}
	if sent := f.out.Sent(); len(sent) != 2 || sent[0].To != "cy@example.com" || sent[1].To != "ana@example.com" {
		t.Fatalf("alerts went to %v, want the next lead's to cy, then the refused one's to its rep ana", sent)
	}
	if stored(t, f.store, id).RefusedToSales != nil {
		t.Fatal("the alert went out and the refusal stayed")
	}
}

func TestRoundRobinSkipsAwayReps(t *testing.T) {
	f := newFixture(t)
	counts := map[string]int{}
	for i := 0; i < 6; i++ {
		id := f.hotLead(t, "rr"+string(rune('a'+i))+"@bigcorp.example")
		if _, err := f.svc.Run(context.Background(), id, "w", ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range f.out.Sent() {
		counts[m.To]++
	}
	if counts["ana@example.com"] != 3 || counts["cy@example.com"] != 3 || counts["ben@example.com"] != 0 {
		t.Fatalf("spread = %v, want ana 3, cy 3, away ben 0", counts)
	}
}

func TestSLAEscalatesOnceToTeamLead(t *testing.T) {
	f := newFixture(t)
	id := f.hotLead(t, "sla@bigcorp.example")
	if _, err := f.svc.Run(context.Background(), id, "w", ""); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(4 * time.Minute)
	if out, _ := f.svc.Run(context.Background(), id, "w", ""); out != NothingDue {
		t.Fatalf("before the SLA: %s", out)
	}
	f.now = f.now.Add(2 * time.Minute)
	out, err := f.svc.Run(context.Background(), id, "w", "")
	if err != nil || out != Escalated {
		t.Fatalf("after the SLA: %s, %v", out, err)
	}
	if out, _ := f.svc.Run(context.Background(), id, "w", ""); out != NothingDue || len(f.out.Sent()) != 2 {
		t.Fatalf("escalated twice: %s, %d emails", out, len(f.out.Sent()))
	}
	esc := f.out.Sent()[1]
	l := stored(t, f.store, id)
	if esc.To != "lea@example.com" || !strings.HasPrefix(esc.Subject, "[SLA breach]") || !l.Handoff.Breached || l.Handoff.State != lead.HandoffEscalated {
		t.Fatalf("escalation to %s %q; handoff %+v", esc.To, esc.Subject, l.Handoff)
	}
	// It greets the team lead, names the rep who missed it, quotes the
	// deadline the first alert gave (not a new one) and says why the team
	// lead gets it.
	first := f.out.Sent()[0]
	deadline := l.Handoff.DueBy.UTC().Format("Mon 2 Jan 2006, 15:04 UTC")
	for _, want := range []string{"Hi Lea, " + l.Handoff.RepName + " has not answered", "due by " + deadline, "you lead the sales team"} {
		if !strings.Contains(esc.Text, want) {
			t.Errorf("escalation text lacks %q:\n%s", want, esc.Text)
		}
	}
	for _, bad := range []string{"Hi " + l.Handoff.RepName, "Respond by", "you are on the sales rotation"} {
		if strings.Contains(esc.Text, bad) {
			t.Errorf("escalation text says %q:\n%s", bad, esc.Text)
		}
	}
	if !strings.Contains(first.Text, "Respond by: "+deadline) {
		t.Errorf("the first alert does not quote the deadline the escalation names (%s):\n%s", deadline, first.Text)
	}
	tl, err := f.store.Timeline(context.Background(), id)
	if err != nil || len(tl) == 0 {
		t.Fatalf("timeline = %v, %v", tl, err)
	}
	last := tl[len(tl)-1]
	if last.Kind != "sla_breach" {
		t.Fatalf("last event = %s, want sla_breach", last.Kind)
	}
}

// A lead whose address has a letter beyond ASCII before the @ is a lead
// sales can write to from their own mail client, but SES (no SMTPUTF8)
// takes no such address, not even as the Reply-To: its alert and its
// escalation go without one, and show the address in the body.
func TestAlertToAnAddressSESCannotReplyTo(t *testing.T) {
	f := newFixture(t)
	id := f.hotLead(t, "josé@bigcorp.example")
	if out, err := f.svc.Run(context.Background(), id, "w", ""); err != nil || out != Sent {
		t.Fatalf("alert: %s, %v", out, err)
	}
	f.now = f.now.Add(6 * time.Minute)
	if out, err := f.svc.Run(context.Background(), id, "w", ""); err != nil || out != Escalated {
		t.Fatalf("escalation: %s, %v", out, err)
	}
	sent := f.out.Sent()
	if len(sent) != 2 {
		t.Fatalf("%d emails, want the alert and the escalation", len(sent))
	}
	for _, m := range sent {
		if m.ReplyTo != "" || !strings.Contains(m.Text, "Email: josé@bigcorp.example") {
			t.Errorf("email to %s: reply-to %q, text:\n%s", m.To, m.ReplyTo, m.Text)
		}
	}
}

// A nurture sequence's handoff step (a click in its emails) sends a lead
// that is not hot: its alert says which sequence sent it and why now.
func TestAlertOfALeadANurtureSequenceHandedOver(t *testing.T) {
	f := newFixture(t)
	l := lead.New(ids.New(f.now), lead.Submission{Email: "nina@smallco.example", Name: "Nina", Company: "SmallCo", JobTitle: "Analyst",
		FormType: "newsletter", Source: lead.Attribution{At: f.now}})
	f.svc.Rules.Qualify(&l, f.now)
	if l.Qualification == nil || l.Qualification.Temperature == "hot" || l.Handoff != nil {
		t.Fatalf("fixture lead is hot or handed off already: %+v %+v", l.Qualification, l.Handoff)
	}
	// What the nurture runner does at a handoff step.
	l.Nurture = &lead.Nurture{Sequence: "cold-education", Step: "fast-track", ExitReason: lead.ExitHandedOff, Completed: []string{"cold-education"}}
	l.Handoff, l.Stage, l.Version = &lead.Handoff{State: lead.HandoffPending, Since: f.now}, lead.StageMQL, 1
	if err := f.store.CreateLead(context.Background(), l, lead.Change{At: f.now}, nil); err != nil {
		t.Fatal(err)
	}
	if out, err := f.svc.Run(context.Background(), l.ID, "w", ""); err != nil || out != Sent {
		t.Fatalf("Run = %s, %v", out, err)
	}
	m := f.out.Sent()[0]
	if !strings.Contains(m.Text, "Why now: the nurture sequence cold-education sent it to sales, score ") || strings.Contains(m.Text, "Why hot") {
		t.Errorf("the alert does not say why sales gets the lead now:\n%s", m.Text)
	}
}

// An alert whose sender died without an answer from SES waits for SES's
// Send event, then goes out once the window has passed without one.
func TestAlertLeftUnconfirmedWaitsThenSends(t *testing.T) {
	f := newFixture(t)
	id := f.hotLead(t, "unknown@bigcorp.example")
	f.out.Fail = errors.New("connection reset by peer")
	if _, err := f.svc.Run(context.Background(), id, "w1", ""); !errors.Is(err, sendonce.ErrUnknown) {
		t.Fatalf("err = %v, want ErrUnknown", err)
	}
	f.out.Fail = nil
	f.now = f.now.Add(2 * time.Minute) // past the lease
	if out, err := f.svc.Run(context.Background(), id, "w2", ""); err != nil || out != Unconfirmed || len(f.out.Sent()) != 0 {
		t.Fatalf("inside the window = %s, %v; %d emails; want unconfirmed, none", out, err, len(f.out.Sent()))
	}
	f.now = f.now.Add(sendonce.DefaultConfirm)
	if out, err := f.svc.Run(context.Background(), id, "w3", ""); err != nil || out != Sent || len(f.out.Sent()) != 1 {
		t.Fatalf("after the window = %s, %v; %d emails; want sent, 1", out, err, len(f.out.Sent()))
	}
}

// A new hot lead's create carries the alert's claim (the rep chosen
// first); if the sender dies after SES took the alert, the tick records
// it from SES's Send event without a second email.
func TestAlertClaimedInTheCreate(t *testing.T) {
	for _, dies := range []bool{false, true} {
		t.Run(map[bool]string{false: "sent and recorded", true: "sender dies after SES"}[dies], func(t *testing.T) {
			f := newFixture(t)
			l := lead.New(ids.New(f.now), lead.Submission{Email: "new@bigcorp.example", Name: "Clara", Company: "BigCorp", JobTitle: "CMO",
				FormType: "demo_request", Source: lead.Attribution{Campaign: "q4", At: f.now}})
			l.AddSignal(lead.Signal{Kind: "form:demo_request", At: f.now})
			f.svc.Rules.Qualify(&l, f.now)
			if err := f.svc.Claim(context.Background(), &l, "req-1", "https://leads.example.com"); err != nil {
				t.Fatal(err)
			}
			if l.Claims["handoff"].ID == "" || l.Lease == nil || l.Handoff.Rep == "" {
				t.Fatalf("nothing staged: claims %+v, handoff %+v", l.Claims, l.Handoff)
			}
			l.Version = 1
			if err := f.store.CreateLead(context.Background(), l, lead.Change{At: f.now}, nil); err != nil {
				t.Fatal(err)
			}
			if dies {
				f.svc.Send.Store = &failingCommit{Store: f.store}
			}
			out, err := f.svc.SendClaimed(context.Background(), l, "req-1")
			f.svc.Send.Store = f.store
			if len(f.out.Sent()) != 1 || f.out.Sent()[0].To != l.Handoff.Rep {
				t.Fatalf("%d alerts, want 1 to %s", len(f.out.Sent()), l.Handoff.Rep)
			}
			if !dies {
				got := stored(t, f.store, l.ID)
				if err != nil || out != Sent || got.Handoff.State != lead.HandoffSent || got.Claims != nil || got.Lease != nil {
					t.Fatalf("send = %s, %v; handoff %+v, claims %+v", out, err, got.Handoff, got.Claims)
				}
				return
			}
			got := stored(t, f.store, l.ID)
			c := got.Claims["handoff"]
			c.Confirmed = "msg-1" // SES's Send event
			got.Claims = map[string]lead.Claim{"handoff": c}
			got.Version++
			if err := f.store.Put(context.Background(), got, lead.Change{}); err != nil {
				t.Fatal(err)
			}
			f.now = f.now.Add(2 * time.Minute)
			out, err = f.svc.Run(context.Background(), l.ID, "tick", "")
			got = stored(t, f.store, l.ID)
			if err != nil || out != Recovered || len(f.out.Sent()) != 1 || got.Handoff.State != lead.HandoffSent || got.Handoff.Rep != l.Handoff.Rep {
				t.Fatalf("recovery = %s, %v; %d alerts; handoff %+v", out, err, len(f.out.Sent()), got.Handoff)
			}
		})
	}
}

// TestOutcomeReminderOnceAfterAcceptance: an accepted lead without an
// outcome is due for one reminder to the rep who accepted it, at
// acceptance + remind_after, with SQL / won / lost links that last the
// outcome horizon; a lead with an outcome gets none.
func TestOutcomeReminderOnceAfterAcceptance(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	accept := func(email string, stage lead.Stage) string {
		id := f.hotLead(t, email)
		if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Sent {
			t.Fatalf("alert: %s %v", out, err)
		}
		_, err := lead.Update(ctx, f.store, id, func(l *lead.Lead) (lead.Change, error) {
			l.Stage, l.Handoff.State, l.Handoff.AnsweredAt = stage, lead.HandoffAnswered, f.now
			l.Deal = &lead.Deal{AcceptedAt: f.now, Rep: l.Handoff.Rep, RemindAt: f.now.Add(qualify.DefaultOutcomes.RemindAfter)}
			return lead.Change{At: f.now}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	open := accept("open@bigcorp.example", lead.StageSAL)
	done := accept("done@bigcorp.example", lead.StageSQL)
	if l := stored(t, f.store, open); !l.NextDue().Equal(t0.Add(14 * 24 * time.Hour)) {
		t.Fatalf("open lead due %v, want at acceptance + 14 days", l.NextDue())
	}
	if l := stored(t, f.store, done); !l.NextDue().IsZero() {
		t.Fatalf("a lead with an outcome is due at %v", l.NextDue())
	}
	alerts := len(f.out.Sent())
	f.now = t0.Add(13 * 24 * time.Hour)
	if out, _ := f.svc.Run(ctx, open, "w", ""); out != NothingDue {
		t.Fatalf("a day early: %s", out)
	}
	f.now = t0.Add(14*24*time.Hour + time.Minute)
	for _, id := range []string{open, done, open} {
		if _, err := f.svc.Run(ctx, id, "w", ""); err != nil {
			t.Fatal(err)
		}
	}
	sent := f.out.Sent()[alerts:]
	if len(sent) != 1 {
		t.Fatalf("%d reminders, want 1", len(sent))
	}
	m := sent[0]
	if m.To != "ana@example.com" || !strings.Contains(m.Subject, "How did it go with BigCorp") || !strings.Contains(m.Text, "Hi Ana,") ||
		!strings.Contains(m.Text, "14 days ago") {
		t.Fatalf("reminder to %s %q:\n%s", m.To, m.Subject, m.Text)
	}
	i := strings.Index(m.Text, "Won: https://api.example.com/feedback/")
	tok := strings.Fields(m.Text[i+len("Won: https://api.example.com/feedback/"):])[0]
	// The link works until the horizon, long after the alert's links.
	if c, err := f.svc.Keys.Verify(tok, links.ActionWon, t0.Add(179*24*time.Hour)); err != nil || c.Subject != open {
		t.Fatalf("won link: %+v %v", c, err)
	}
	if _, err := f.svc.Keys.Verify(tok, links.ActionWon, t0.Add(181*24*time.Hour)); err == nil {
		t.Fatal("the won link outlives the horizon")
	}
	if l := stored(t, f.store, open); l.Deal.RemindedAt.IsZero() || !l.NextDue().IsZero() {
		t.Fatalf("after the reminder: deal %+v, due %v", l.Deal, l.NextDue())
	}
}

// openDeal stores a hot lead accepted by rep at `accepted`, in stage, with
// the rep's counter of that month as feedback records an answer (the
// weekly list finds reps who left by those); edit changes the lead
// further (nil: nothing).
func (f *fixture) openDeal(t *testing.T, email string, stage lead.Stage, rep string, accepted time.Time, edit func(*lead.Lead)) string {
	t.Helper()
	id := f.hotLead(t, email)
	if _, err := lead.Update(context.Background(), f.store, id, func(l *lead.Lead) (lead.Change, error) {
		l.Stage, l.Handoff.State = stage, lead.HandoffAnswered
		l.Deal = &lead.Deal{AcceptedAt: accepted, Rep: rep}
		if edit != nil {
			edit(l)
		}
		return lead.Change{At: accepted, Events: []lead.Event{{At: accepted, Kind: "handoff_answer", ID: ids.New(accepted)}},
			Counters: lead.RepCounter(rep, "accepted", 0)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// openList is the weekly list over the fixture's store, rules, mail and
// clock.
func (f *fixture) openList() *OpenList {
	return &OpenList{Store: f.store, Rules: f.svc.Rules, Keys: f.svc.Keys, Mail: f.out, From: "alerts@example.com",
		BaseURL: "https://api.example.com", Fallback: "sales@example.com", Clock: func() time.Time { return f.now }, Log: f.svc.Log}
}

// TestOpenListWeeklyPerRep: each rep with open leads (accepted, no won or
// lost) gets one list a week with outcome links valid to the horizon; a
// rep with none gets nothing.
func TestOpenListWeeklyPerRep(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sal := f.openDeal(t, "sal@bigcorp.example", lead.StageSAL, "ana@example.com", t0.Add(-20*24*time.Hour), nil)
	f.openDeal(t, "sql@bigcorp.example", lead.StageSQL, "ana@example.com", t0.Add(-40*24*time.Hour), nil)
	f.openDeal(t, "won@bigcorp.example", lead.StageWon, "ana@example.com", t0.Add(-30*24*time.Hour), nil)
	f.openDeal(t, "cy@bigcorp.example", lead.StageLost, "cy@example.com", t0.Add(-30*24*time.Hour), nil)
	list := f.openList()
	for range 2 { // the schedule may fire twice
		if n, err := list.Send(ctx); err != nil || n > 1 {
			t.Fatalf("Send = %d, %v", n, err)
		}
	}
	if len(f.out.Sent()) != 1 {
		t.Fatalf("%d lists, want 1 (Ana's)", len(f.out.Sent()))
	}
	m := f.out.Sent()[0]
	if m.To != "ana@example.com" || m.Subject != "Your open leads (2): record how they went" || !strings.Contains(m.Text, "Hi Ana,") ||
		strings.Index(m.Text, "SQL since") > strings.Index(m.Text, "accepted since") || strings.Count(m.Text, "  Qualified opportunity (SQL): ") != 1 ||
		strings.Contains(m.Text, "won@") {
		t.Fatalf("list to %s %q:\n%s", m.To, m.Subject, m.Text)
	}
	// The link's words say what SQL means, as the reminder's do.
	const sqlLink = "  Qualified opportunity (SQL): https://api.example.com/feedback/"
	i := strings.Index(m.Text, sqlLink)
	if i < 0 || !strings.Contains(m.HTML, ">Qualified opportunity (SQL)</a>") {
		t.Fatalf("the SQL link is not labelled as the reminder's:\n%s\n%s", m.Text, m.HTML)
	}
	tok := strings.Fields(m.Text[i+len(sqlLink):])[0]
	if c, err := f.svc.Keys.Verify(tok, links.ActionSQL, t0.Add(150*24*time.Hour)); err != nil || c.Subject != sal {
		t.Fatalf("SQL link: %+v %v", c, err)
	}
	f.now = f.now.Add(7 * 24 * time.Hour)
	if n, err := list.Send(ctx); err != nil || n != 1 || len(f.out.Sent()) != 2 {
		t.Fatalf("next week: %d, %v, %d emails", n, err, len(f.out.Sent()))
	}
	// Past the outcome horizon (180 days after acceptance) no outcome can
	// be recorded: the SQL lead (accepted 40 days before t0) leaves the
	// list first, then the SAL one; then no list goes out at all.
	horizon := f.svc.Rules.Outcomes().Horizon
	f.now = t0.Add(-40*24*time.Hour + horizon + 24*time.Hour)
	if n, err := list.Send(ctx); err != nil || n != 1 {
		t.Fatalf("past the SQL lead's horizon: %d, %v", n, err)
	}
	if m := f.out.Sent()[len(f.out.Sent())-1]; m.Subject != "Your open lead: record how it went" || strings.Contains(m.Text, "SQL since") {
		t.Fatalf("past the SQL lead's horizon, %q:\n%s", m.Subject, m.Text)
	}
	f.now = t0.Add(-20*24*time.Hour + horizon + 24*time.Hour)
	if n, err := list.Send(ctx); err != nil || n != 0 {
		t.Fatalf("past both horizons: %d lists, %v", n, err)
	}
}

// TestOpenListCountsWhatItLeavesOut: a rep with more open leads than one
// list shows gets the oldest MaxOpenListed and the true count of the rest.
func TestOpenListCountsWhatItLeavesOut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := range MaxOpenListed + 3 {
		f.openDeal(t, fmt.Sprintf("lead%d@bigcorp.example", i), lead.StageSAL, "ana@example.com", t0.Add(-time.Duration(i+1)*time.Hour), nil)
	}
	list := f.openList()
	if n, err := list.Send(ctx); err != nil || n != 1 {
		t.Fatalf("Send = %d, %v", n, err)
	}
	m := f.out.Sent()[0]
	if want := fmt.Sprintf("Your open leads (%d): record how they went", MaxOpenListed+3); m.Subject != want ||
		!strings.Contains(m.Text, "… and 3 more.") || strings.Count(m.Text, "  Won: ") != MaxOpenListed {
		t.Fatalf("list %q: %d listed\n%s", m.Subject, strings.Count(m.Text, "  Won: "), m.Text[len(m.Text)-300:])
	}
}

// TestOpenListOfRepsWhoLeft: the open leads of a rep the routing config no
// longer lists (they left) go, once a week, to the team lead of each
// lead's team, each naming who accepted it, with outcome links the team
// lead can use; the rep gets nothing, nor does a closed deal show.
func TestOpenListOfRepsWhoLeft(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	held := f.openDeal(t, "held@bigcorp.example", lead.StageSQL, "Gone@Example.com", t0.Add(-40*24*time.Hour), nil)
	f.openDeal(t, "won@bigcorp.example", lead.StageWon, "gone@example.com", t0.Add(-30*24*time.Hour), nil)
	f.openDeal(t, "ana@bigcorp.example", lead.StageSAL, "ana@example.com", t0.Add(-3*24*time.Hour), nil)
	list := f.openList()
	for range 2 { // the schedule may fire twice
		if _, err := list.Send(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var toLea []mail.Message
	for _, m := range f.out.Sent() {
		switch m.To {
		case "lea@example.com":
			toLea = append(toLea, m)
		case "ana@example.com":
		default:
			t.Errorf("a list went to %s", m.To)
		}
	}
	if len(toLea) != 1 || len(f.out.Sent()) != 2 {
		t.Fatalf("%d lists to the team lead, %d in all; want 1 and Ana's", len(toLea), len(f.out.Sent()))
	}
	m := toLea[0]
	if m.Subject != "An open lead of a rep who left: record how it went" || !strings.Contains(m.Text, "Hi Lea,") ||
		!strings.Contains(m.Text, "SQL since 14 Oct 2026 (40 days), held by gone@example.com\n") || strings.Contains(m.Text, "won@") ||
		!strings.Contains(m.HTML, "(40 days), held by gone@example.com") {
		t.Fatalf("list %q:\n%s", m.Subject, m.Text)
	}
	i := strings.Index(m.Text, "  Won: https://api.example.com/feedback/")
	tok := strings.Fields(m.Text[i+len("  Won: https://api.example.com/feedback/"):])[0]
	c, err := f.svc.Keys.Verify(tok, links.ActionWon, f.now)
	if err != nil || c.Subject != held {
		t.Fatalf("won link: %+v %v", c, err)
	}
	if _, err := f.svc.Keys.Verify(tok, links.ActionWon, t0.Add(-40*24*time.Hour+f.svc.Rules.Outcomes().Horizon+time.Hour)); err == nil {
		t.Fatal("the won link outlives the lead's horizon")
	}
}

// requalifyStub stands in for nurture.Enroller: it places a lead in the
// sequence for leads back from sales.
type requalifyStub struct{ calls int }

func (r *requalifyStub) Qualify(l *lead.Lead, now time.Time) lead.Change {
	r.calls++
	l.Nurture = &lead.Nurture{Sequence: "not-now", Step: "pause", NextAt: now.Add(14 * 24 * time.Hour)}
	return lead.Change{At: now}
}

// TestUnansweredHandoffGoesBackToMarketing: an alert nobody answers — not
// the rep, not the team lead after the escalation — leaves the lead with
// sales until sla.return_unanswered after the alert (fresh links push that
// to their expiry); then the tick returns it to nurturing, once, emailing
// nobody, with a timeline event and counters, engagement counted from
// then on. An answered hand-off never goes back.
func TestUnansweredHandoffGoesBackToMarketing(t *testing.T) {
	f := newFixture(t)
	req := &requalifyStub{}
	f.svc.Requalify = req
	ctx := context.Background()
	id := f.hotLead(t, "silent@bigcorp.example")
	answered := f.hotLead(t, "answered@bigcorp.example")
	for _, l := range []string{id, answered} {
		if out, err := f.svc.Run(ctx, l, "w", ""); err != nil || out != Sent {
			t.Fatalf("alert: %s, %v", out, err)
		}
	}
	sentAt := f.now
	if _, err := lead.Update(ctx, f.store, answered, func(l *lead.Lead) (lead.Change, error) {
		l.Stage, l.Handoff.State = lead.StageSAL, lead.HandoffAnswered
		l.Deal = &lead.Deal{AcceptedAt: f.now, Rep: l.Handoff.Rep}
		return lead.Change{At: f.now}, nil
	}); err != nil {
		t.Fatal(err)
	}
	returnAt := sentAt.Add(qualify.DefaultReturnUnanswered)
	if l := stored(t, f.store, id); !l.Handoff.ReturnAt.Equal(returnAt) {
		t.Fatalf("return at %v, want the alert + %v", l.Handoff.ReturnAt, qualify.DefaultReturnUnanswered)
	}
	f.now = f.now.Add(6 * time.Minute)
	if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Escalated {
		t.Fatalf("escalation: %s, %v", out, err)
	}
	if l := stored(t, f.store, id); !l.NextDue().Equal(returnAt) {
		t.Fatalf("escalated: due %v, want %v (the return)", l.NextDue(), returnAt)
	}
	// Two hours before, Ana asks for fresh links: the lead stays with
	// sales while they work.
	f.now = returnAt.Add(-2 * time.Hour)
	if out, err := f.svc.SendFreshLinks(ctx, id, stored(t, f.store, id).Handoff.Rep, "w"); err != nil || out != Sent {
		t.Fatalf("fresh links: %s, %v", out, err)
	}
	extended := f.now.Add(f.svc.LinkTTL)
	if l := stored(t, f.store, id); !l.Handoff.ReturnAt.Equal(extended) || !l.NextDue().Equal(extended) {
		t.Fatalf("after fresh links: return at %v, due %v; want %v", l.Handoff.ReturnAt, l.NextDue(), extended)
	}
	f.now = returnAt
	if out, _ := f.svc.Run(ctx, id, "w", ""); out != NothingDue {
		t.Fatalf("at the first return time, fresh links still working: %s", out)
	}
	emails := len(f.out.Sent())
	f.now = extended
	for _, l := range []string{id, answered} {
		want := Returned
		if l == answered {
			want = NothingDue
		}
		if out, err := f.svc.Run(ctx, l, "w", ""); err != nil || out != want {
			t.Fatalf("at the return time: %s, %v; want %s", out, err, want)
		}
	}
	l := stored(t, f.store, id)
	if l.Stage != lead.StageNurturing || l.Handoff != nil || !l.SentBack.Unanswered() || l.SentBack.Times != 1 ||
		l.Nurture == nil || l.Nurture.Sequence != "not-now" || req.calls != 1 || len(f.out.Sent()) != emails {
		t.Fatalf("returned: stage %s, handoff %+v, sent back %+v, nurture %+v, requalified %d×, %d new emails",
			l.Stage, l.Handoff, l.SentBack, l.Nurture, req.calls, len(f.out.Sent())-emails)
	}
	if a := stored(t, f.store, answered); a.Stage != lead.StageSAL || a.Handoff == nil {
		t.Fatalf("the answered lead moved: %s %+v", a.Stage, a.Handoff)
	}
	said := f.said(t, id, EventReturned)
	if !strings.HasPrefix(said, "Nobody answered the alert (to ") || !strings.Contains(said, "escalated to lea@example.com) in time: back to nurturing") {
		t.Fatalf("timeline says %q", said)
	}
	srcs, err := f.store.MonthSources(ctx, f.now.UTC().Format("2006-01"))
	if err != nil {
		t.Fatal(err)
	}
	var campaign, rep int64
	for _, s := range srcs {
		if s.Rep == "" {
			campaign += s.Counters[EventReturned]
		} else {
			rep += s.Counters[EventReturned]
		}
	}
	if campaign != 1 || rep != 1 {
		t.Fatalf("returned_unanswered counted %d for the campaign, %d for the rep; want 1 and 1", campaign, rep)
	}
	if out, _ := f.svc.Run(ctx, id, "w", ""); out != NothingDue {
		t.Fatalf("returned twice: %s", out)
	}
}

// said is how the lead's timeline tells its last event of kind ("" when
// it has none).
func (f *fixture) said(t *testing.T, id, kind string) string {
	t.Helper()
	tl, err := f.store.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	said := ""
	for _, e := range tl {
		if e.Kind == kind {
			said = Describe(e, nil)
		}
	}
	return said
}

// An escalation SES took (its Send event confirmed the claim) whose
// worker died before recording it is recorded by the next run even while
// an email to sales about the lead waits out a refusal's back-off (the
// rep's fresh links, refused since): nothing is sent, so nothing waits.
func TestAConfirmedClaimIsRecordedDuringABackOff(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.hotLead(t, "escalated@bigcorp.example")
	if out, err := f.svc.Run(ctx, id, "w1", ""); err != nil || out != Sent {
		t.Fatalf("alert = %s, %v", out, err)
	}
	l := stored(t, f.store, id)
	f.now = l.Handoff.DueBy.Add(time.Minute)
	l.Claims = map[string]lead.Claim{jobEscalation: {ID: "c1", At: f.now.Add(-5 * time.Minute), Confirmed: "msg-escalation"}}
	l.Refuse(jobFreshLinks("ana@example.com"), false, lead.RefusedBySES, f.now)
	if _, err := lead.Write(ctx, f.store.Put, l, lead.Change{At: f.now}); err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.Run(ctx, id, "w2", "")
	if got := stored(t, f.store, id); err != nil || out != Recovered || len(got.Claims) != 0 || got.Handoff.State != lead.HandoffEscalated || len(f.out.Sent()) != 1 {
		t.Fatalf("run = %s, %v; claims %+v, state %s, %d emails; want the escalation recorded, nothing sent", out, err, got.Claims, got.Handoff.State, len(f.out.Sent()))
	}
}

// TestCameBackOnlyOnTheAlertOfTheComeback: the alert of a lead that came
// back after a lost deal says so; once sales sent that lead back and it
// turned hot again on its own, its next alert is no comeback — "this new
// form asks for contact again" about a form of weeks ago would mislead
// the rep.
func TestCameBackOnlyOnTheAlertOfTheComeback(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sentBack bool
		want     bool
	}{{"the comeback's alert", false, true}, {"sent back since, hot again", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.hotLead(t, "clara@bigcorp.example")
			_, err := lead.Update(context.Background(), f.store, id, func(l *lead.Lead) (lead.Change, error) {
				l.Returned = &lead.Return{At: t0.Add(-30 * 24 * time.Hour), From: lead.StageLost, Left: t0.Add(-90 * 24 * time.Hour), Times: 1}
				if tc.sentBack {
					l.SentBack = &lead.SentBack{At: t0.Add(-20 * 24 * time.Hour), Reason: "too_early", Rep: "ana@example.com", Times: 1}
				}
				return lead.Change{At: t0}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if out, err := f.svc.Run(context.Background(), id, "w1", ""); err != nil || out != Sent {
				t.Fatalf("Run = %s, %v", out, err)
			}
			m := f.out.Sent()[0]
			if got := strings.Contains(m.Text, "Came back:"); got != tc.want {
				t.Fatalf("alert says came back: %v, want %v\n%s", got, tc.want, m.Text)
			}
		})
	}
}

// TestAlertShowsTheNewestEvents: an alert read from the store (not the
// capture's fresh lead) shows the newest events of a long timeline and
// says earlier ones are left out, so its size is not the timeline's.
func TestAlertShowsTheNewestEvents(t *testing.T) {
	f := newFixture(t)
	id := f.hotLead(t, "clara@bigcorp.example")
	l := stored(t, f.store, id)
	ch := lead.Change{At: f.now}
	for i := range 100 {
		at := f.now.Add(-time.Duration(100-i) * time.Minute)
		ch.Events = append(ch.Events, lead.Event{At: at, Kind: "page_view", ID: fmt.Sprintf("v%03d", i),
			Data: map[string]any{"url": fmt.Sprintf("https://www.example.com/p/%d/", i)}})
	}
	l.Version++
	if err := f.store.Save(context.Background(), l, ch); err != nil {
		t.Fatal(err)
	}
	if out, err := f.svc.Run(context.Background(), id, "w1", ""); err != nil || out != Sent {
		t.Fatalf("Run = %s, %v", out, err)
	}
	m := f.out.Sent()[0]
	if n := strings.Count(m.Text, "UTC  Viewed "); n == 0 || n > maxAlertEvents {
		t.Errorf("the text's timeline shows %d of the 100 page views; want at most %d", n, maxAlertEvents)
	}
	for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", m.HTML}} {
		if !strings.Contains(part.body, "/p/99/") || strings.Contains(part.body, fmt.Sprintf("/p/%d/", 99-maxAlertEvents)) {
			t.Errorf("%s: want the newest page views, not one older than the newest %d events:\n%s", part.name, maxAlertEvents, part.body)
		}
		if !strings.Contains(part.body, "(among the newest events)") {
			t.Errorf("%s: the pages visited do not say they come from the newest events", part.name)
		}
		if !strings.Contains(part.body, "earlier ones are not shown") {
			t.Errorf("%s: does not say earlier events are left out", part.name)
		}
	}
}

// A lead alerted to sales that a later form disqualifies (a job seeker's
// message posted with its address) is no longer owed to sales, as a held
// one is not (TestHeldRetryIsOnlyForAnMQL): no escalation when the first
// response is due, no sla_breaches counted, no alert still owed sent,
// and nothing keeps it in the due index.
func TestADisqualifiedLeadIsNotEscalatedNorAlerted(t *testing.T) {
	for _, state := range []string{lead.HandoffSent, lead.HandoffPending} {
		t.Run(state, func(t *testing.T) {
			f := newFixture(t)
			f.svc.Rules = rules(t, teamYAML+"disqualifiers:\n  - {reason: job_seeker, field: message, op: contains, values: [internship]}\n")
			ctx := context.Background()
			id := f.hotLead(t, "seeker@bigcorp.example")
			if state == lead.HandoffSent {
				if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Sent {
					t.Fatalf("alert: %s, %v", out, err)
				}
			}
			// A second form, a minute later, asks for an internship.
			f.now = f.now.Add(time.Minute)
			if _, err := lead.Update(ctx, f.store, id, func(l *lead.Lead) (lead.Change, error) {
				l.Submission.Message = "Any internship openings?"
				l.AddSignal(lead.Signal{Kind: "form:contact", At: f.now})
				return f.svc.Rules.Qualify(l, f.now), nil
			}); err != nil {
				t.Fatal(err)
			}
			l := stored(t, f.store, id)
			if l.Stage != lead.StageDisqualified || l.Handoff == nil || l.Handoff.State != state {
				t.Fatalf("fixture: stage %s, handoff %+v", l.Stage, l.Handoff)
			}
			if due := l.NextDue(); !due.IsZero() {
				t.Errorf("a disqualified lead is due at %s", due)
			}
			sent := len(f.out.Sent())
			f.now = f.now.Add(time.Hour)
			if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != NothingDue || len(f.out.Sent()) != sent {
				t.Fatalf("a disqualified lead: %s, %v, %d emails (had %d)", out, err, len(f.out.Sent()), sent)
			}
			if c, _ := f.store.CampaignStats(ctx, "q4", f.now); c["sla_breaches"] != 0 {
				t.Fatalf("sla_breaches %d for a disqualified lead", c["sla_breaches"])
			}
		})
	}
}

// TestAnAlertOfAnExtremeLeadIsNotClipped: a lead that filled every field
// to its limit, with a timeline of the longest page URLs, gets an alert
// Gmail shows whole (under mail.MaxHTMLSize as sent), with its accept
// link and the note that long values were cut short.
func TestAnAlertOfAnExtremeLeadIsNotClipped(t *testing.T) {
	f := newFixture(t)
	id := f.hotLead(t, "clara@bigcorp.example")
	l := stored(t, f.store, id)
	worst := func(n int) string { return string([]rune(strings.Repeat(`"<&漢`, n))[:n]) }
	long := func(i int) string { return fmt.Sprintf("https://www.example.com/%d/", i) + strings.Repeat("p", 2000) }
	l.Name, l.Company, l.JobTitle, l.Message = worst(200), worst(200), worst(200), worst(5000)
	l.Budget, l.Timeline, l.Industry = worst(100), worst(100), worst(100)
	l.Answers = map[string]string{}
	for i := range lead.MaxAnswers {
		l.Answers[fmt.Sprintf("question_%02d", i)] = worst(lead.MaxAnswerLength)
	}
	l.FirstTouch.UTMSource, l.FirstTouch.UTMCampaign, l.FirstTouch.LandingPage, l.FirstTouch.Referrer = worst(200), worst(200), long(0), long(1)
	ch := lead.Change{At: f.now}
	for i := range 100 {
		ch.Events = append(ch.Events, lead.Event{At: f.now.Add(-time.Duration(100-i) * time.Minute), Kind: "page_view", ID: fmt.Sprintf("v%03d", i),
			Data: map[string]any{"url": long(i)}})
	}
	l.Version++
	if err := f.store.Save(context.Background(), l, ch); err != nil {
		t.Fatal(err)
	}
	if out, err := f.svc.Run(context.Background(), id, "w1", ""); err != nil || out != Sent {
		t.Fatalf("Run = %s, %v", out, err)
	}
	m := f.out.Sent()[0]
	if n := mail.EncodedSize(m.HTML); n > mail.MaxHTMLSize {
		t.Errorf("the alert's HTML part is %d bytes as sent, want at most %d", n, mail.MaxHTMLSize)
	}
	for _, want := range []string{"https://api.example.com/feedback/", "cut short", "You get this email because"} {
		if !strings.Contains(m.HTML, want) || !strings.Contains(m.Text, want) {
			t.Errorf("the alert lacks %q", want)
		}
	}
}
