package nurture

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/token"
)

const linksYAML = `version: 1
sequences:
  - id: s
    steps:
      - {id: one, send: t}
templates:
  t:
    subject: "Hi {{.FirstName}}"
    html: '<p><a href="https://x.example/a">short</a> <a href="https://x.example/a?b=1&c=2">long</a></p>'
    text: "short https://x.example/a long https://x.example/a?b=1&c=2"
`

func TestMessageTracksEveryLinkAndCarriesUnsubscribeHeaders(t *testing.T) {
	seq, err := Parse([]byte(linksYAML), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := token.ParseKeys("k1:0123456789abcdef0123")
	r := &Runner{Sequences: seq, Keys: keys, From: "news@example.com", PostalAddress: testPostal, Mailbox: "unsubscribe@example.com", BaseURL: "https://leads.example.com"}
	l := lead.Lead{ID: "L1", Submission: lead.Submission{Email: "ann@acme.example", Name: "Ann"}}
	m, err := r.message(l, Plan{Template: "t", Sequence: "s", Step: "one"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for part, body := range map[string]string{"html": m.HTML, "text": m.Text} {
		if strings.Contains(body, "https://x.example/a") {
			t.Errorf("%s part still has an untracked link:\n%s", part, body)
		}
		if n := strings.Count(body, "https://leads.example.com/t/c/"); n != 2 {
			t.Errorf("%s part has %d tracked links, want 2", part, n)
		}
	}
	if !strings.HasPrefix(m.Headers["List-Unsubscribe"], "<https://leads.example.com/unsubscribe/") ||
		!strings.HasSuffix(m.Headers["List-Unsubscribe"], ", <mailto:unsubscribe@example.com?subject=unsubscribe>") ||
		m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers = %v", m.Headers)
	}
	// Without a processed mailbox only the one-click link is offered.
	r.Mailbox = ""
	m, err = r.message(l, Plan{Template: "t", Sequence: "s", Step: "one"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if h := m.Headers["List-Unsubscribe"]; strings.Contains(h, "mailto:") || !strings.HasPrefix(h, "<https://") || !strings.HasSuffix(h, ">") {
		t.Fatalf("List-Unsubscribe without a mailbox = %q", h)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("the message would be refused: %v", err)
	}
}

func TestWithPixel(t *testing.T) {
	const img = `<img src="p">`
	for _, tc := range []struct{ in, want string }{
		{"<html><body><p>Hi</p></body></html>", `<html><body><p>Hi</p><img src="p"></body></html>`},
		{"<BODY>x</BODY>", `<BODY>x<img src="p"></BODY>`},
		{"<p>no body element</p>", `<p>no body element</p><img src="p">`},
	} {
		if got := withPixel(tc.in, img); got != tc.want {
			t.Errorf("withPixel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// stageRules sets the stage a re-grade leaves the lead in.
type stageRules struct{ stage lead.Stage }

func (r stageRules) Qualify(l *lead.Lead, _ time.Time) lead.Change {
	l.Stage = r.stage
	return lead.Change{}
}

func TestQualifySignalTriggersASequence(t *testing.T) {
	seq := Default()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	inCold := func() lead.Lead {
		l := lead.New("L1", lead.Submission{Email: "ann@acme.example", Consent: lead.Consent{MarketingOptIn: true}})
		l.Qualification = &lead.Qualification{Grade: "B", Temperature: "cold"}
		l.Nurture = &lead.Nurture{Sequence: "cold-education", Step: "wait-1", StepIndex: 1, NextAt: now.Add(72 * time.Hour)}
		return l
	}
	ids := 0
	newID := func(time.Time) string { ids++; return fmt.Sprint("e", ids) }
	for _, tc := range []struct {
		name      string
		stage     lead.Stage
		kind      string
		wantSeq   string
		wantKinds string
	}{
		{"pricing view while nurtured", lead.StageNurturing, "pricing_page_view", "pricing-interest", "nurture_exit,enrolled"},
		{"a click triggers nothing", lead.StageNurturing, "email_click", "cold-education", ""},
		{"the view made it hot: sales, no trigger", lead.StageMQL, "pricing_page_view", "cold-education", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := Enroller{Rules: stageRules{tc.stage}, Sequences: seq, NewID: newID}
			l := inCold()
			ch := e.QualifySignal(&l, tc.kind, now)
			var kinds []string
			for _, ev := range ch.Events {
				kinds = append(kinds, ev.Kind)
			}
			if l.Nurture.Sequence != tc.wantSeq || strings.Join(kinds, ",") != tc.wantKinds {
				t.Fatalf("sequence %s, events %v; want %s, %s", l.Nurture.Sequence, kinds, tc.wantSeq, tc.wantKinds)
			}
			if tc.wantKinds != "" && (ch.Events[1].Data["trigger"] != tc.kind || len(ch.Counters) != 1 || ch.Counters[0].Name != "enrolled") {
				t.Fatalf("enrolment = %+v, counters %+v", ch.Events[1], ch.Counters)
			}
		})
	}
}

// TestStepAfterAWaitIsRecordedOnce: a lead stored at the step after a
// wait (the wait is over, the plan walks past it to the next send) gets
// that email once: the send is recorded and the next run waits. (The
// commit once checked the lead was at the sent step, recorded nothing,
// and the next tick sent the email again.)
func TestStepAfterAWaitIsRecordedOnce(t *testing.T) {
	st := memstore.New()
	out := &mailtest.Outbox{}
	keys, _ := token.ParseKeys("k1:0123456789abcdef0123")
	now := berlin(t, "2026-11-26 10:00")
	clock := func() time.Time { return now }
	r := &Runner{Sequences: Default(), Rules: stageRules{lead.StageNurturing}, Store: st, Keys: keys, PostalAddress: testPostal,
		Send: &sendonce.Sender{Store: st, Mail: out, Lease: time.Minute, Clock: clock, NewID: ids.New},
		From: "news@example.com", BaseURL: "https://leads.example.com", Clock: clock, NewID: ids.New}
	l := newLead("cold", "B")
	welcome := now.Add(-96 * time.Hour)
	// After the welcome email the lead waits 96h at check-1 (the step
	// after wait-1): due now.
	l = at(l, "cold-education", "check-1", 2, now, send("cold-education", "welcome", welcome))
	l.Record(&lead.Change{})
	if err := st.CreateLead(context.Background(), l, lead.Change{At: welcome}, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		got, err := st.Lead(context.Background(), "L1")
		if err != nil {
			t.Fatal(err)
		}
		o, err := r.Run(context.Background(), got, fmt.Sprint("w", i))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]lead.Outcome{0: sendonce.Sent, 1: lead.Idle, 2: lead.Idle}[i]
		if o != want {
			t.Fatalf("run %d: %s, want %s", i, o, want)
		}
		now = now.Add(time.Hour)
	}
	got, _ := st.Lead(context.Background(), "L1")
	if len(out.Sent()) != 1 || !strings.Contains(out.Sent()[0].Subject, "two days to four minutes") ||
		len(got.Nurture.Sends) != 2 || got.Nurture.Sends[1].Step != "case-study" || got.Nurture.Step == "check-1" {
		t.Fatalf("%d emails; nurture %+v", len(out.Sent()), got.Nurture)
	}
}

const testPostal = "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany"

// Every marketing email carries the sender's postal address in both
// parts; without one the runner sends nothing.
func TestEveryEmailCarriesTheSendersPostalAddress(t *testing.T) {
	keys, _ := token.ParseKeys("k1:0123456789abcdef0123")
	l := lead.Lead{ID: "L1", Submission: lead.Submission{Email: "ann@acme.example", Name: "Ann <b>"}}
	seq := Default()
	for _, name := range seq.Templates() {
		r := &Runner{Sequences: seq, Keys: keys, From: "news@example.com", PostalAddress: "Acme & Co, 1 Main St <b>", BaseURL: "https://leads.example.com"}
		m, err := r.message(l, Plan{Template: name, Sequence: "s", Step: "one"}, time.Now())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(m.HTML, "Acme &amp; Co, 1 Main St &lt;b&gt;") || !strings.Contains(m.Text, "\nAcme & Co, 1 Main St <b>\n") {
			t.Errorf("%s: no (escaped) postal address in the footer:\n%s\n%s", name, m.HTML, m.Text)
		}
		r.PostalAddress = ""
		if _, err := r.message(l, Plan{Template: name, Sequence: "s", Step: "one"}, time.Now()); err == nil {
			t.Errorf("%s: rendered without a postal address", name)
		}
	}
	for _, bad := range []string{"", "  ", "line one\nline two", strings.Repeat("x", MaxPostalAddress+1)} {
		if CheckPostalAddress(bad) == nil {
			t.Errorf("CheckPostalAddress(%q) accepted it", bad)
		}
	}
}

// TestSentBackAgainIsNurturedAgain: each time sales sends a lead back,
// the sequence for returned leads starts afresh — a lead that came back
// to sales from it and was sent back a second time is nurtured again,
// not left with "sequences done" — while a later re-grade within that
// return does not restart it.
func TestSentBackAgainIsNurturedAgain(t *testing.T) {
	seq := Default()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	e := Enroller{Rules: stageRules{lead.StageNurturing}, Sequences: seq, NewID: func(time.Time) string { return "e1" }}
	l := newLead("cold", "B")
	l.SentBack = &lead.SentBack{At: now, Reason: "no_budget", Times: 2}
	l.Nurture = &lead.Nurture{Sequence: "not-now", Completed: []string{"cold-education", "not-now"}, ExitReason: lead.ExitHandedOff, NoSequence: lead.ExitHandedOff}
	ch := e.Qualify(&l, now)
	if l.Nurture.Sequence != "not-now" || !l.Nurture.NextAt.Equal(now) || len(ch.Events) != 1 || ch.Events[0].Kind != "enrolled" {
		t.Fatalf("after the second send-back: nurture %+v, events %+v; want not-now again, due now", l.Nurture, ch.Events)
	}
	// It runs off the end of not-now; a re-grade an hour later leaves it.
	l.Nurture.NextAt, l.Nurture.Completed = time.Time{}, append(l.Nurture.Completed, "not-now")
	if ch := e.Qualify(&l, now.Add(time.Hour)); l.Nurture.NextAt != (time.Time{}) || len(ch.Events) != 0 {
		t.Fatalf("a later re-grade: nurture %+v, events %+v; want no new enrolment", l.Nurture, ch.Events)
	}
}

// TestTrackedLinksLeaveTheUnsubscribeLinkAlone: a template that links the
// site the public base URL is on (its home page, "https://leads.example.com")
// gets that link tracked, while the unsubscribe link in the text part's
// footer, which begins with the same characters, stays the working link
// the List-Unsubscribe header carries — not the click redirect with the
// rest of the unsubscribe path glued on.
func TestTrackedLinksLeaveTheUnsubscribeLinkAlone(t *testing.T) {
	const src = `version: 1
sequences:
  - id: s
    steps:
      - {id: one, send: t}
templates:
  t:
    subject: "Hi {{.FirstName}}"
    html: '<p>Visit <a href="https://leads.example.com">our site</a></p>'
    text: "Visit our site: https://leads.example.com"
`
	seq, err := Parse([]byte(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := token.ParseKeys("k1:0123456789abcdef0123")
	for _, base := range []string{"https://leads.example.com", "https://leads.example.com/"} {
		r := &Runner{Sequences: seq, Keys: keys, From: "news@example.com", PostalAddress: testPostal, BaseURL: base}
		l := lead.Lead{ID: "L1", Submission: lead.Submission{Email: "ann@acme.example", Name: "Ann"}}
		m, err := r.message(l, Plan{Template: "t", Sequence: "s", Step: "one"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		unsub := strings.TrimSuffix(strings.TrimPrefix(m.Headers["List-Unsubscribe"], "<"), ">")
		for part, body := range map[string]string{"html": m.HTML, "text": m.Text} {
			if !strings.Contains(body, unsub) {
				t.Errorf("base %s: the %s part lost its unsubscribe link %s:\n%s", base, part, unsub, body)
			}
			if strings.Count(body, "/t/c/") != 1 {
				t.Errorf("base %s: the %s part has %d tracked links, want 1:\n%s", base, part, strings.Count(body, "/t/c/"), body)
			}
		}
	}
}

func TestReplaceURLsReplacesWholeURLsOnly(t *testing.T) {
	links := []textLink{{target: "https://x.example/a?b=1&c=2", tracked: "T3"}, {target: "https://x.example/a", tracked: "T2"}, {target: "https://x.example", tracked: "T1"}}
	for _, tc := range []struct{ in, want string }{
		{"see https://x.example/a", "see T2"},
		{"see https://x.example/a.", "see T2."},
		{"(https://x.example/a), https://x.example!\n", "(T2), T1!\n"},
		{"https://x.example/a?b=1&c=2 and https://x.example/a", "T3 and T2"},
		{"https://x.example/unsubscribe/k1.abc", "https://x.example/unsubscribe/k1.abc"},
		{"https://x.example/a.html https://x.example/ab", "https://x.example/a.html https://x.example/ab"},
		{"链接https://x.example/a。", "链接T2。"},
	} {
		if got := replaceURLs(tc.in, links); got != tc.want {
			t.Errorf("replaceURLs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestLinkNoteNeverRepeatsAURL: a link whose text in the HTML part is a
// URL or an address ("www.example.com/guide") is noted by its place
// alone: repeating it would put the untracked address in the text part.
func TestLinkNoteNeverRepeatsAURL(t *testing.T) {
	for _, label := range []string{"https://www.example.com/guide", "www.example.com/guide", "example.com/guide", "example.com"} {
		l := textLink{target: "https://www.example.com/guide", tracked: "T", label: label, place: "www.example.com/guide"}
		if got := replaceURLs("Read: https://www.example.com/guide", []textLink{l}); got != "Read: T (www.example.com/guide)" {
			t.Errorf("label %q: %q", label, got)
		}
	}
}

// TestAClaimOfAnEarlierRoundIsNotThisRoundsEmail: a worker died after SES
// took a not-now email, and the lead left the sequence before a run
// recovered it (it clicked and went to sales), so the claim stayed on the
// lead. Sales sent it back again months later: this round's email of
// that step is due. The old claim is set aside, not recorded as this
// round's email (which would skip it); a claim of this round still is.
func TestAClaimOfAnEarlierRoundIsNotThisRoundsEmail(t *testing.T) {
	now := berlin(t, "2026-11-26 10:00")
	enrolled := now.Add(-14 * 24 * time.Hour)
	for _, tc := range []struct {
		name    string
		claimed time.Time
		want    lead.Outcome
		emails  int
		message string // the message id recorded for the step
	}{
		{"claimed in the earlier round: sent now", now.Add(-120 * 24 * time.Hour), sendonce.Sent, 1, ""},
		{"claimed in this round: recorded, not sent", now.Add(-5 * time.Minute), sendonce.Recovered, 0, "ses-dead-worker"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.New()
			out := &mailtest.Outbox{}
			keys, _ := token.ParseKeys("k1:0123456789abcdef0123")
			clock := func() time.Time { return now }
			r := &Runner{Sequences: Default(), Rules: stageRules{lead.StageNurturing}, Store: st, Keys: keys, PostalAddress: testPostal,
				Send: &sendonce.Sender{Store: st, Mail: out, Lease: time.Minute, Clock: clock, NewID: ids.New},
				From: "news@example.com", BaseURL: "https://leads.example.com", Clock: clock, NewID: ids.New}
			l := newLead("cold", "B")
			l.SentBack = &lead.SentBack{At: enrolled, Times: 2}
			l.Nurture = &lead.Nurture{Sequence: "not-now", Step: "checkin", StepIndex: 1, EnrolledAt: enrolled, NextAt: now,
				Sends: []lead.Send{send("not-now", "checkin", now.Add(-120*24*time.Hour))}}
			l.Claims = map[string]lead.Claim{"nurture:not-now:checkin": {ID: "c1", At: tc.claimed, Confirmed: "ses-dead-worker", ConfirmedAt: tc.claimed}}
			l.Record(&lead.Change{})
			if err := st.CreateLead(context.Background(), l, lead.Change{At: enrolled}, nil); err != nil {
				t.Fatal(err)
			}
			o, err := r.Run(context.Background(), l, "w1")
			if err != nil || o != tc.want {
				t.Fatalf("Run = %s, %v; want %s", o, err, tc.want)
			}
			got, _ := st.Lead(context.Background(), "L1")
			sends := got.Nurture.Sends
			last := sends[len(sends)-1]
			if len(out.Sent()) != tc.emails || len(got.Claims) != 0 || len(sends) != 2 || last.Step != "checkin" ||
				(tc.message != "" && last.MessageID != tc.message) || (tc.message == "" && last.MessageID == "ses-dead-worker") {
				t.Fatalf("%d emails (want %d); claims %+v; sends %+v", len(out.Sent()), tc.emails, got.Claims, sends)
			}
		})
	}
}

// TestReplyTo: a template that asks the lead to reply ("just reply to
// this email") names where replies go — reply_to: sales, the sales
// address, or an address of its own; without it replies go to the
// sender, as before.
func TestReplyTo(t *testing.T) {
	keys, _ := token.ParseKeys("k1:0123456789abcdef0123")
	l := lead.Lead{ID: "L1", Submission: lead.Submission{Email: "ann@acme.example", Name: "Ann"}}
	for _, tc := range []struct{ name, line, sales, want string }{
		{"none", "", "sales@example.com", ""},
		{"sales", "    reply_to: sales\n", "sales@example.com", "sales@example.com"},
		{"sales without a sales address", "    reply_to: sales\n", "", ""},
		{"an address", "    reply_to: Customer Success <success@example.com>\n", "sales@example.com", "Customer Success <success@example.com>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq, err := Parse([]byte(strings.Replace(linksYAML, "  t:\n", "  t:\n"+tc.line, 1)), "t.yaml")
			if err != nil {
				t.Fatal(err)
			}
			r := &Runner{Sequences: seq, Keys: keys, From: "news@example.com", Sales: tc.sales, PostalAddress: testPostal, BaseURL: "https://leads.example.com"}
			m, err := r.message(l, Plan{Template: "t", Sequence: "s", Step: "one"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if m.ReplyTo != tc.want {
				t.Fatalf("Reply-To %q, want %q", m.ReplyTo, tc.want)
			}
			if err := m.Validate(); err != nil {
				t.Fatalf("the message would be refused: %v", err)
			}
		})
	}
	for _, tc := range []struct{ value, want string }{
		{"marketing", `t.yaml:8: templates.t.reply_to: expected sales (the sales address) or an email address, got "marketing"`},
		{"ann@", `t.yaml:8: templates.t.reply_to: expected sales (the sales address) or an email address, got "ann@"`},
		{"[a, b]", `t.yaml:8: templates.t.reply_to: expected sales (the sales address) or an email address, got a list`},
	} {
		_, err := Parse([]byte(strings.Replace(linksYAML, "  t:\n", "  t:\n    reply_to: "+tc.value+"\n", 1)), "t.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reply_to %s: %v, want %s", tc.value, err, tc.want)
		}
	}
}

// The shipped check-in after "not now" asks the lead to reply: its
// replies reach sales, not the sender's mailbox.
func TestShippedNotNowCheckinRepliesToSales(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	tmpl := c.templates["not_now_checkin"]
	if tmpl == nil || tmpl.replyTo != ReplyToSales {
		t.Fatalf("not_now_checkin: %+v", tmpl)
	}
}

// TestALinkTooLongToTrackIsSentAsItIs: a click token holds its target,
// and Verify reads no token over token.MaxLen, so a link of ~700+
// characters (a prefilled form, a long tracking URL) wrapped in a click
// redirect answered "This link does not work" to every reader. It goes
// out as written, untracked, in both parts; the short link beside it is
// still tracked, and every tracked link verifies.
func TestALinkTooLongToTrackIsSentAsItIs(t *testing.T) {
	long := "https://forms.example.com/prefill?" + strings.Repeat("entry.1234567=answer&", 40)
	src := `version: 1
sequences:
  - id: s
    steps:
      - {id: one, send: t}
templates:
  t:
    subject: "Hi {{.FirstName}}"
    html: '<p><a href="` + long + `">the form</a> or <a href="https://x.example/a">our site</a></p>'
    text: "the form: ` + long + ` or our site: https://x.example/a"
`
	m, keys, now := annMessage(t, src)
	for part, body := range map[string]string{"html": strings.ReplaceAll(m.HTML, "&amp;", "&"), "text": m.Text} {
		if !strings.Contains(body, long) {
			t.Errorf("%s part lost the long link:\n%s", part, body)
		}
		if n := strings.Count(body, "https://leads.example.com/t/c/"); n != 1 {
			t.Errorf("%s part has %d tracked links, want 1 (the short one)", part, n)
		}
		for _, rest := range strings.Split(body, "https://leads.example.com/t/c/")[1:] {
			tok := rest[:strings.IndexAny(rest, "\" \n")]
			if _, err := keys.Verify(tok, "click", now); err != nil {
				t.Errorf("%s part: a tracked link does not verify: %v", part, err)
			}
		}
	}
}

// A lead whose sequence completes moves to the next one it qualifies for,
// its campaign's own sequence first: the preference holds after the first
// enrolment too (a lead graded too low for it at capture that has earned
// it since gets it, not the next sequence in config order).
func TestNextSequenceAfterCompletionPrefersTheCampaigns(t *testing.T) {
	c := mustParse(t, `version: 1
sequences:
  - id: intro
    steps: [{id: hello, send: t}, {id: done, exit: completed}]
  - id: general
    steps: [{id: a, send: t}]
  - id: campaign-own
    entry: {grades: [A, B]}
    steps: [{id: b, send: t}]
templates:
  t: {subject: "Hi {{.FirstName}}", html: "<p>Hi</p>", text: "Hi"}
`)
	tests := []struct {
		name      string
		campaigns map[string]string
		grade     string
		want      string
	}{
		{"no campaign sequence: config order", nil, "A", "general"},
		{"the campaign's sequence first", map[string]string{"spring": "campaign-own"}, "A", "campaign-own"},
		{"its entry rules still apply", map[string]string{"spring": "campaign-own"}, "D", "general"},
		{"another campaign's sequence is not this lead's", map[string]string{"autumn": "campaign-own"}, "A", "general"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := memstore.New()
			now := monday
			r := &Runner{Sequences: c, Rules: stageRules{lead.StageNurturing}, Store: st, Campaigns: tt.campaigns,
				Clock: func() time.Time { return now }, NewID: ids.New}
			l := newLead("cold", tt.grade)
			l.FirstTouch.Campaign = "spring"
			l = at(l, "intro", "done", 1, now, send("intro", "hello", now.Add(-time.Hour)))
			l.Record(&lead.Change{})
			if err := st.CreateLead(context.Background(), l, lead.Change{At: now}, nil); err != nil {
				t.Fatal(err)
			}
			o, err := r.Run(context.Background(), l, "w1")
			if err != nil || o != Exited {
				t.Fatalf("run: %s, %v; want %s", o, err, Exited)
			}
			got, err := st.Lead(context.Background(), "L1")
			if err != nil {
				t.Fatal(err)
			}
			if got.Nurture == nil || got.Nurture.Sequence != tt.want {
				t.Fatalf("after intro completed: nurture %+v, want sequence %q", got.Nurture, tt.want)
			}
		})
	}
}

// TestTextPartSaysWhereEachTrackedLinkGoes: in the plain-text part a
// tracked link is an opaque redirect, so each one is followed by where it
// goes — the destination's host and page, and the link's label from the
// HTML part where the text does not already say it before the link —
// while the link itself stays the tracked one.
func TestTextPartSaysWhereEachTrackedLinkGoes(t *testing.T) {
	const src = `version: 1
sequences:
  - id: s
    steps:
      - {id: one, send: t}
templates:
  t:
    subject: "Hi {{.FirstName}}"
    html: |
      <p><a href="https://www.example.com/guides/response-time?utm_source=mail">Why <b>response time</b> matters</a></p>
      <p>More from <a href="https://partner.example.org/">our partner &amp; friends</a>.</p>
      <p><a href="https://www.example.com/demo">Book a demo</a></p>
    text: |
      Why response time matters: https://www.example.com/guides/response-time?utm_source=mail
      More from our partner: https://partner.example.org/.
      <https://www.example.com/demo>
`
	m, keys, now := annMessage(t, src)
	lines := strings.Split(m.Text, "\n")
	for i, want := range []struct{ before, after, target string }{
		{"Why response time matters: ", " (www.example.com/guides/response-time)", "https://www.example.com/guides/response-time?utm_source=mail"},
		{"More from our partner: ", " (our partner & friends — partner.example.org)", "https://partner.example.org/"},
		{"<", "> (Book a demo — www.example.com/demo)", "https://www.example.com/demo"},
	} {
		line := lines[i]
		if !strings.HasPrefix(line, want.before+"https://leads.example.com/t/c/") || !strings.HasSuffix(strings.TrimSuffix(line, "."), want.after) {
			t.Errorf("line %d = %q, want %q + tracked link + %q", i+1, line, want.before, want.after)
			continue
		}
		tok := strings.TrimPrefix(line, want.before+"https://leads.example.com/t/c/")
		tok = tok[:strings.IndexAny(tok, " >")]
		c, err := keys.Verify(tok, "click", now)
		if err != nil || c.Extra != want.target {
			t.Errorf("line %d: the tracked link does not lead to %s: %+v, %v", i+1, want.target, c, err)
		}
	}
}

// annMessage is the message the sequences in src send Ann for step
// "one" of sequence "s" (template "t"), now, and the keys its links are
// signed with.
func annMessage(t *testing.T, src string) (mail.Message, token.Keys, time.Time) {
	t.Helper()
	seq, err := Parse([]byte(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := token.ParseKeys("k1:0123456789abcdef0123")
	r := &Runner{Sequences: seq, Keys: keys, From: "news@example.com", PostalAddress: testPostal, BaseURL: "https://leads.example.com"}
	l := lead.Lead{ID: "L1", Submission: lead.Submission{Email: "ann@acme.example", Name: "Ann"}}
	now := time.Now()
	m, err := r.message(l, Plan{Template: "t", Sequence: "s", Step: "one"}, now)
	if err != nil {
		t.Fatal(err)
	}
	return m, keys, now
}
