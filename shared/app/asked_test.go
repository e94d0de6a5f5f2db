package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestHeldLeadAskingAgainReachesItsRep: a lead sales accepted posts a
// contact form three days later. Sales set its stage, so the form
// re-grades nothing and alerts nobody new; the rep who holds the deal is
// told by the schedule, once, with what the lead asked and the outcome
// links. A second form within the day waits for the next day's notice,
// which lists only it; a won customer's form reaches the rep too,
// without outcome links.
func TestHeldLeadAskingAgainReachesItsRep(t *testing.T) {
	r := newAskedRig(t, "asks", 90*24*time.Hour)
	ctx, st, email := r.ctx, r.st, r.email
	post, answer, fire, notices := r.post, r.answer, r.fire, r.notices
	form := func(formType, message string) string {
		return `{"email":"` + email + `","form_type":"` + formType + `","campaign":"q4-demo","phone":"+49 30 5550",` +
			`"company":"BigCorp <b>Inc</b>","company_size":"1000+",` +
			`"message":` + fmt.Sprintf("%q", message) + `}`
	}

	post(hotBody(email, "1000+"))
	id := capturedID(t, r.table, email)
	alerts := mailFor(t, email, 1)
	if len(alerts) != 1 {
		t.Fatalf("first alert: %d emails", len(alerts))
	}
	rep := alerts[0].To[0]
	answer(id, links.ActionAccept)

	// Three days later the lead asks with the contact form.
	r.now = r.now.Add(72 * time.Hour)
	post(form("contact", "Do you support SSO?\nWe need it by March."))
	l, err := st.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if l.Stage != lead.StageSAL || l.Handoff == nil || l.Handoff.State != lead.HandoffAnswered || l.AskedDue().IsZero() {
		t.Fatalf("after the form: stage %s, handoff %+v, notice due %v", l.Stage, l.Handoff, l.AskedDue())
	}
	fire()
	got := notices(1)
	if len(got) != 1 {
		t.Fatalf("notices after the tick: %d, want 1", len(got))
	}
	n := got[0]
	if n.To[0] != rep || !strings.HasPrefix(n.Subject, "Clara Moss (BigCorp <b>Inc</b>) asked again — Contact request") || !strings.Contains(n.Text, "campaign Q4") {
		t.Fatalf("notice %q to %v, want to the rep who accepted (%s)", n.Subject, n.To, rep)
	}
	for _, w := range []string{"You accepted it on", "Do you support SSO?\n      We need it by March.", "Phone: +49 30 5550",
		"Qualified opportunity (SQL): https://leads.example.com/feedback/", "Lost: https://leads.example.com/feedback/"} {
		if !strings.Contains(n.Text, w) {
			t.Errorf("notice text lacks %q:\n%s", w, n.Text)
		}
	}
	// The fields it stated read in the form's order, not alphabetically.
	if c, p, z := strings.Index(n.Text, "\n  Company: "), strings.Index(n.Text, "\n  Phone: "), strings.Index(n.Text, "\n  Company size: "); c < 0 || !(c < p && p < z) {
		t.Errorf("stated fields out of the form's order (company %d, phone %d, size %d):\n%s", c, p, z, n.Text)
	}
	fire() // told: nothing more
	if got := notices(2); len(got) != 1 {
		t.Fatalf("a second tick sent the notice again: %d", len(got))
	}
	if all := mailFor(t, email, 3); len(all) != 2 {
		t.Fatalf("%d emails about the lead, want the alert and the notice only", len(all))
	}

	// An hour later a demo request: told the next day, and only it.
	r.now = r.now.Add(time.Hour)
	post(form("demo_request", "Can we see the routing?"))
	fire()
	if got := notices(2); len(got) != 1 {
		t.Fatalf("a notice within the day of the last: %d", len(got))
	}
	r.now = r.now.Add(23 * time.Hour)
	fire()
	got = notices(2)
	if len(got) != 2 || !strings.Contains(got[1].Text, "Can we see the routing?") || strings.Contains(got[1].Text, "SSO") {
		t.Fatalf("the next day's notice (%d): %s", len(got), got[len(got)-1].Text)
	}
	// The SQL link in the notice works like the alert's.
	answer(id, links.ActionWon)

	// A month later the customer writes again: the rep hears of it,
	// without outcome links (the deal is won).
	r.now = r.now.Add(30 * 24 * time.Hour)
	post(form("contact", "Adding 20 seats"))
	fire()
	got = notices(3)
	if len(got) != 3 || !strings.HasPrefix(got[2].Subject, "Your customer Clara Moss") || strings.Contains(got[2].Text, "Lost:") ||
		!strings.Contains(got[2].Text, "Its deal was won on") {
		t.Fatalf("customer's notice (%d): %q\n%s", len(got), got[len(got)-1].Subject, got[len(got)-1].Text)
	}
	l, err = st.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if l.Stage != lead.StageWon || l.AskedDue() != (time.Time{}) || l.Deal.Asked == nil || l.Deal.Asked.Times != 3 {
		t.Fatalf("after three notices: stage %s, asked %+v", l.Stage, l.Deal.Asked)
	}
	testenv.Settle(t, r.table) // a send's events reach the timeline through the stream
	tl, err := st.Timeline(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, e := range tl {
		if e.Kind == handoff.EventToldAsked {
			told++
		}
	}
	if told != 3 {
		t.Fatalf("%d notices on the timeline, want 3", told)
	}
}

// TestBareRepostsStayOutOfTheAskedNotice: a post of a held lead's
// address alone is a touch, not the lead asking (README "Asked again":
// "not the address alone"): it owes the rep no notice, and it takes no
// place in the notice real forms owe. Bare re-posts between two real
// forms were listed as empty "A form" entries, so anyone who knows the
// address could push the lead's real question out of the newest ten,
// with no change anywhere for the rep to notice ("asked again — 14
// forms", the question counted among "earlier forms not shown").
func TestBareRepostsStayOutOfTheAskedNotice(t *testing.T) {
	r := newAskedRig(t, "bare", 80*24*time.Hour)
	email := r.email
	post, fire, notices := r.post, r.fire, r.notices
	post(hotBody(email, "1000+"))
	id := capturedID(t, r.table, email)
	if len(mailFor(t, email, 1)) != 1 {
		t.Fatal("no alert")
	}
	r.answer(id, links.ActionAccept)

	// Bare re-posts alone owe the rep nothing.
	r.now = r.now.Add(48 * time.Hour)
	for range 3 {
		r.now = r.now.Add(time.Minute)
		post(`{"email":"` + email + `"}`)
	}
	fire()
	if got := notices(1); len(got) != 0 {
		t.Fatalf("bare re-posts made a notice: %q\n%s", got[0].Subject, got[0].Text)
	}

	// The lead's real question, a dozen bare re-posts of its address,
	// and another form.
	r.now = r.now.Add(time.Minute)
	post(`{"email":"` + email + `","form_type":"contact","message":"Do you support SSO?"}`)
	for range 12 {
		r.now = r.now.Add(time.Minute)
		post(`{"email":"` + email + `"}`)
	}
	r.now = r.now.Add(time.Minute)
	post(`{"email":"` + email + `","form_type":"demo_request","message":"And a demo?"}`)
	fire()
	got := notices(1)
	if len(got) != 1 {
		t.Fatalf("notices: %d, want 1", len(got))
	}
	n := got[0]
	if !strings.HasSuffix(n.Subject, "asked again — 2 forms") || !strings.Contains(n.Text, "Do you support SSO?") ||
		!strings.Contains(n.Text, "And a demo?") ||
		strings.Contains(n.Text, "earlier form") {
		t.Fatalf("the notice lists the bare re-posts as forms: %q\n%s", n.Subject, n.Text)
	}
}

// askedRig is capture, feedback and the schedule on one table, at a
// clock tests move (now), for one lead's address.
type askedRig struct {
	t                 *testing.T
	ctx               context.Context
	now               time.Time
	st                *store.Store
	email, table      string
	capture, fb, tick app.Handlers
	keys              token.Keys
}

// newAskedRig builds the rig with its clock ago in the past and an
// address named after what the test does.
func newAskedRig(t *testing.T, name string, ago time.Duration) *askedRig {
	r := &askedRig{t: t, ctx: context.Background(), now: testenv.Now(t).Add(-ago), email: fmt.Sprintf("%s.%d@bigcorp.example", name, time.Now().UnixNano())}
	clock := func() time.Time { return r.now }
	r.capture, r.table, _ = buildAt(t, "capture", nil, clock, "")
	r.fb, _, _ = buildAt(t, "feedback", nil, clock, r.table)
	r.tick, _, _ = buildAt(t, "nurture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock, r.table)
	r.keys, _ = token.ParseKeys(testKeys)
	r.st = store.New(testenv.Clients(t).DynamoDB, r.table)
	return r
}

func (r *askedRig) post(body string) {
	r.t.Helper()
	if resp, err := r.capture.HTTP(r.ctx, jsonLead(body)); err != nil || resp.StatusCode/100 != 2 {
		r.t.Fatalf("capture: %v %d %s", err, resp.StatusCode, resp.Body)
	}
}

// answer uses the lead's signed feedback link for action.
func (r *askedRig) answer(id, action string) {
	r.t.Helper()
	ev := sampleEvent(r.t, "feedback-answer.json")
	ev.PathParameters = map[string]string{"token": links.FeedbackToken(r.keys, id, action, "", time.Time{}, r.now.Add(time.Hour))}
	if resp, err := r.fb.HTTP(r.ctx, ev); err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, "Recorded") {
		r.t.Fatalf("%s: %v %d %s", action, err, resp.StatusCode, resp.Body)
	}
}

// fire runs the schedule's tick at the rig's clock.
func (r *askedRig) fire() {
	r.t.Helper()
	if err := r.tick.Event(r.ctx, tickEvent(fmt.Sprint("tick-", r.now.UnixNano()))); err != nil {
		r.t.Fatal(err)
	}
}

// notices waits for want notices about the rig's lead and returns those there.
func (r *askedRig) notices(want int) []sesstore.Email {
	r.t.Helper()
	return waitMail(r.t, want, func(e sesstore.Email) bool {
		return strings.Join(e.ReplyTo, ",") == r.email && strings.Contains(e.Subject, "asked again")
	})
}
