package handoff

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
)

// TestDealStatus: the notice that a lead asked again says where its deal
// stands in words a rep reads, "today" rather than "0 days ago"; days are
// the rep's calendar days, and a close date given as a date is that date
// in any zone.
func TestDealStatus(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, berlin)
	accepted := func(d time.Duration) *lead.Deal { return &lead.Deal{AcceptedAt: now.Add(-d)} }
	won := time.Date(2026, 10, 9, 15, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		stage lead.Stage
		deal  *lead.Deal
		zone  *time.Location
		want  string
	}{
		{"an hour ago", lead.StageSAL, accepted(time.Hour), berlin, "You accepted it today."},
		{"10 h ago, last evening", lead.StageSAL, accepted(10 * time.Hour), berlin, "You accepted it yesterday, on 2 Dec 2026."},
		{"25 h ago, the day before yesterday", lead.StageSAL, &lead.Deal{AcceptedAt: time.Date(2026, 12, 1, 7, 0, 0, 0, berlin)}, berlin,
			"You accepted it on 1 Dec 2026, 2 days ago."},
		{"12 days", lead.StageSAL, accepted(12 * 24 * time.Hour), berlin, "You accepted it on 21 Nov 2026, 12 days ago."},
		{"SQL", lead.StageSQL, accepted(40 * 24 * time.Hour), berlin,
			"You accepted it on 24 Oct 2026, 40 days ago, and it is a qualified opportunity (SQL)."},
		{"won at a time", lead.StageWon, &lead.Deal{ClosedAt: won}, berlin, "Its deal was won on 9 Oct 2026."},
		{"won on a date, read west of UTC", lead.StageWon, &lead.Deal{ClosedAt: time.Date(2026, 10, 9, 0, 0, 0, 0, time.UTC)}, newYork,
			"Its deal was won on 9 Oct 2026."},
		{"won at a time, read west of UTC", lead.StageWon, &lead.Deal{ClosedAt: time.Date(2026, 10, 9, 2, 0, 0, 0, time.UTC)}, newYork,
			"Its deal was won on 8 Oct 2026."},
		{"won, no date", lead.StageWon, &lead.Deal{}, berlin, "Its deal is won."},
	} {
		l := lead.Lead{Stage: c.stage, Deal: c.deal}
		if got := dealStatus(&l, "You", c.zone, now); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// heldLead stores a lead Ana accepted a week ago that has since posted
// forms (one a minute from f.now on, each with message), as capture
// writes them: a resubmission event each, noted on its deal.
func (f *fixture) heldLead(t *testing.T, email string, forms int, message func(i int) string) string {
	t.Helper()
	l := lead.New(ids.New(f.now), lead.Submission{Email: email, Name: "Clara", Company: "BigCorp", JobTitle: "CMO", FormType: "demo_request",
		Source: lead.Attribution{Campaign: "q4", At: f.now.Add(-8 * 24 * time.Hour)}})
	l.Stage = lead.StageSAL
	l.Handoff = &lead.Handoff{State: lead.HandoffAnswered, Rep: "ana@example.com", RepName: "Ana"}
	l.Deal = &lead.Deal{AcceptedAt: f.now.Add(-7 * 24 * time.Hour), Rep: "ana@example.com", RemindAt: f.now.Add(7 * 24 * time.Hour)}
	ch := lead.Change{At: f.now}
	for i := range forms {
		at := f.now.Add(time.Duration(i) * time.Minute)
		sub := lead.Submission{Email: email, FormType: "contact", Message: message(i), Source: lead.Attribution{Campaign: "q4", At: at}}
		ch.Events = append(ch.Events, lead.SubmissionEvent(ids.New(at), lead.EventResubmitted, sub))
		l.AskAgain(at)
	}
	l.Version = 1
	if err := f.store.CreateLead(context.Background(), l, ch, nil); err != nil {
		t.Fatal(err)
	}
	return l.ID
}

// TestAskedNoticeIsBounded: anyone can post a held lead's address, as
// often as they like; the day's notice lists the newest forms in full and
// counts the rest, so it stays a readable email SES accepts (a notice
// growing with every post would at some size be refused, and the refusal's
// back-off would hold up the lead's other emails to sales too).
func TestAskedNoticeIsBounded(t *testing.T) {
	for _, c := range []struct {
		forms, listed int
		subject       string
	}{
		{1, 1, "Clara (BigCorp) asked again — Contact request"},
		{maxAskedForms, maxAskedForms, fmt.Sprintf("Clara (BigCorp) asked again — %d forms", maxAskedForms)},
		{300, maxAskedForms, "Clara (BigCorp) asked again — 300 forms"},
	} {
		t.Run(fmt.Sprint(c.forms, " forms"), func(t *testing.T) {
			f := newFixture(t)
			long := strings.Repeat("lorem ipsum ", 400) // ~4.8 kB, as a message may be
			id := f.heldLead(t, "clara@bigcorp.example", c.forms, func(i int) string { return fmt.Sprintf("form #%d %s", i, long) })
			f.now = f.now.Add(time.Duration(c.forms) * time.Minute)
			out, err := f.svc.Run(context.Background(), id, "w1", "")
			if err != nil || out != ToldAsked || len(f.out.Sent()) != 1 {
				t.Fatalf("Run = %s, %v; %d emails", out, err, len(f.out.Sent()))
			}
			m := f.out.Sent()[0]
			if m.Subject != c.subject {
				t.Errorf("subject %q, want %q", m.Subject, c.subject)
			}
			if n := strings.Count(m.Text, "form #"); n != c.listed {
				t.Errorf("the text lists %d forms, want %d", n, c.listed)
			}
			if !strings.Contains(m.Text, fmt.Sprintf("form #%d ", c.forms-1)) {
				t.Errorf("the newest form is not listed")
			}
			if earlier := c.forms - c.listed; earlier > 0 && !strings.Contains(m.Text, fmt.Sprintf("%d earlier forms", earlier)) {
				t.Errorf("the text does not count the %d earlier forms:\n%s", earlier, m.Text[:min(len(m.Text), 600)])
			}
			if size := len(m.Text) + len(m.HTML); size > 200_000 {
				t.Errorf("the notice is %d bytes", size)
			}
			if l := stored(t, f.store, id); !l.AskedDue().IsZero() {
				t.Errorf("still owed after the notice: %v", l.AskedDue())
			}
		})
	}
}

// TestDealEmailsGoToWhoCanAnswer: a deal's outcome reminder and the
// notice that its lead asked again go to the rep who holds it while the
// routing config lists them. A rep removed from the config (they left)
// gets neither: the team lead does, told whose deal it is and why. A rep
// marked away still gets the reminder (the outcome is theirs to tell and
// can wait), but the notice goes to the team lead: the lead is waiting.
// A rep who left is named as the alert named them; only a holder no email
// ever named is an address.
func TestDealEmailsGoToWhoCanAnswer(t *testing.T) {
	for _, c := range []struct {
		name, holder       string
		alertName          string // the name the alert gave the holder (Handoff.RepName)
		reminder, notice   string // recipients
		reminderSays, says string // in the text, when the team lead stands in ("" when the holder reads it)
	}{
		{"listed rep", "ana@example.com", "Ana", "ana@example.com", "ana@example.com", "", ""},
		{"away rep", "ben@example.com", "Ben", "ben@example.com", "lea@example.com", "",
			"Ben's lead Clara (CMO at BigCorp) sent a form again. Ben accepted it"},
		{"rep no longer in the config", "gone@example.com", "", "lea@example.com", "lea@example.com",
			"gone@example.com accepted Clara",
			"gone@example.com, who holds its deal, is no longer in the routing config, so it comes to you as the team lead"},
		{"rep no longer in the config, named by the alert", "gone@example.com", "Gus Gone", "lea@example.com", "lea@example.com",
			"Gus Gone accepted Clara",
			"Gus Gone, who holds its deal, is no longer in the routing config, so it comes to you as the team lead"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			id := f.heldLead(t, "clara@bigcorp.example", 1, func(int) string { return "Any news?" })
			l, err := f.store.Lead(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			l.Deal.Rep, l.Handoff.Rep, l.Handoff.RepName = c.holder, c.holder, c.alertName
			l.Version++
			if err := f.store.Put(ctx, l, lead.Change{}); err != nil {
				t.Fatal(err)
			}
			f.now = f.now.Add(8 * 24 * time.Hour) // the reminder is due too: it goes first
			for i, want := range []struct {
				out      Outcome
				to, says string
			}{{Reminded, c.reminder, c.reminderSays}, {ToldAsked, c.notice, c.says}} {
				out, err := f.svc.Run(ctx, id, "w1", "")
				if err != nil || out != want.out || len(f.out.Sent()) != i+1 {
					t.Fatalf("run %d = %s, %v; %d emails; want %s", i, out, err, len(f.out.Sent()), want.out)
				}
				m := f.out.Sent()[i]
				if m.To != want.to {
					t.Errorf("%s went to %s, want %s", want.out, m.To, want.to)
				}
				if want.says != "" && !strings.Contains(m.Text, want.says) || want.says == "" && !strings.Contains(m.Text, "You accepted") {
					t.Errorf("%s text (want %q):\n%s", want.out, want.says, m.Text)
				}
				if want.to == "lea@example.com" && !strings.HasPrefix(m.Text, "Hi Lea,") {
					t.Errorf("the team lead is not greeted by name:\n%s", m.Text[:40])
				}
			}
			tl, err := f.store.Timeline(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tl {
				if e.Kind == EventToldAsked && e.Data["rep"] != c.notice {
					t.Errorf("the timeline says the notice went to %v, want %s", e.Data["rep"], c.notice)
				}
			}
		})
	}
}

// TestAskedNoticeAfterAFloodOfBarePosts: thousands of bare re-posts of a
// held lead's address after its forms cost the notice a bounded read; the
// notice still goes out, once, counting the lead's forms, and stays small.
func TestAskedNoticeAfterAFloodOfBarePosts(t *testing.T) {
	f := newFixture(t)
	id := f.heldLead(t, "clara@bigcorp.example", 3, func(i int) string { return fmt.Sprintf("form #%d", i) })
	l := stored(t, f.store, id)
	ch := lead.Change{At: f.now}
	for i := range lead.RecentBudget + 100 {
		at := f.now.Add(time.Hour + time.Duration(i)*time.Second)
		ev := lead.SubmissionEvent(ids.New(at), lead.EventResubmitted, lead.Submission{Email: l.Email, Source: lead.Attribution{At: at}})
		ev.Data[lead.DataTouchOnly] = true
		ch.Events = append(ch.Events, ev)
	}
	l.Version++
	if err := f.store.Save(context.Background(), l, ch); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(2 * time.Hour)
	out, err := f.svc.Run(context.Background(), id, "w1", "")
	if err != nil || out != ToldAsked || len(f.out.Sent()) != 1 {
		t.Fatalf("Run = %s, %v; %d emails", out, err, len(f.out.Sent()))
	}
	m := f.out.Sent()[0]
	if m.Subject != "Clara (BigCorp) asked again — 3 forms" || len(m.Text)+len(m.HTML) > 50_000 {
		t.Fatalf("notice %q, %d bytes", m.Subject, len(m.Text)+len(m.HTML))
	}
	if l := stored(t, f.store, id); !l.AskedDue().IsZero() {
		t.Errorf("still owed after the notice: %v", l.AskedDue())
	}
}

// TestDealEmailsNameTheLeadAsAccepted: anyone can post a held lead's
// address with another name and company; the notice, the reminder and the
// weekly list keep naming the lead as the rep accepted it, and the notice
// lists what the posts changed.
func TestDealEmailsNameTheLeadAsAccepted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.heldLead(t, "clara@bigcorp.example", 1, func(int) string { return "Any news?" })
	if _, err := lead.Update(ctx, f.store, id, func(l *lead.Lead) (lead.Change, error) {
		l.Deal.Name, l.Deal.Company = "Clara", "BigCorp" // as the accept recorded them
		l.FirstProfile = map[string]string{"name": "Clara", "company": "BigCorp", "job_title": "CMO"}
		l.Name, l.Company = "Mallory", "Evil Corp" // a later post of the address
		return lead.Change{At: f.now}, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	if out, err := f.svc.Run(ctx, id, "w1", ""); err != nil || out != ToldAsked {
		t.Fatalf("Run = %s, %v", out, err)
	}
	notice := f.out.Sent()[0]
	if notice.Subject != "Clara (BigCorp) asked again — Contact request" || !strings.Contains(notice.Text, "Company: BigCorp → Evil Corp") ||
		!strings.Contains(notice.Text, "Name: Clara → Mallory") {
		t.Errorf("notice %q:\n%s", notice.Subject, notice.Text)
	}
	// Two weeks on, the outcome reminder.
	f.now = f.now.Add(8 * 24 * time.Hour)
	if out, err := f.svc.Run(ctx, id, "w1", ""); err != nil || out != Reminded {
		t.Fatalf("Run = %s, %v", out, err)
	}
	if r := f.out.Sent()[1]; r.Subject != "How did it go with BigCorp? Record the outcome" || strings.Contains(r.Text, "Mallory") {
		t.Errorf("reminder %q:\n%s", r.Subject, r.Text)
	}
}

// TestEmailsThatReplyToTheLeadSuppressAutoReplies: an alert, a reminder
// and an asked-again notice go to a rep with the lead as Reply-To, and
// many out-of-office responders answer the Reply-To: the lead would get
// "I am away until Monday, write to …" about an email it never saw. Each
// says it is automated (RFC 3834 Auto-Submitted, and Exchange's
// X-Auto-Response-Suppress), which responders do not answer.
func TestEmailsThatReplyToTheLeadSuppressAutoReplies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.hotLead(t, "dana@northwind.example")
	if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out != Sent {
		t.Fatalf("alert: %s %v", out, err)
	}
	_, err := lead.Update(ctx, f.store, id, func(l *lead.Lead) (lead.Change, error) {
		l.Stage, l.Handoff.State, l.Handoff.AnsweredAt = lead.StageSAL, lead.HandoffAnswered, f.now
		l.Deal = &lead.Deal{AcceptedAt: f.now, Rep: l.Handoff.Rep, RemindAt: f.now.Add(time.Hour)}
		return lead.Change{At: f.now}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(2 * time.Hour)
	if out, err := f.svc.Run(ctx, id, "w", ""); err != nil || out == NothingDue {
		t.Fatalf("reminder: %s %v", out, err)
	}
	asked := f.heldLead(t, "clara@bigcorp.example", 1, func(int) string { return "Any news?" })
	f.now = f.now.Add(time.Minute)
	if out, err := f.svc.Run(ctx, asked, "w", ""); err != nil || out != ToldAsked {
		t.Fatalf("asked again: %s %v", out, err)
	}
	sent := f.out.Sent()
	if len(sent) != 3 {
		t.Fatalf("%d emails, want the alert, the reminder and the notice", len(sent))
	}
	for _, m := range sent {
		if m.ReplyTo == "" {
			t.Errorf("%q: no Reply-To", m.Subject)
		}
		if m.Headers["Auto-Submitted"] != "auto-generated" || m.Headers["X-Auto-Response-Suppress"] != "OOF, AutoReply" {
			t.Errorf("%q: headers %v, want Auto-Submitted: auto-generated and X-Auto-Response-Suppress: OOF, AutoReply", m.Subject, m.Headers)
		}
		if err := m.Validate(); err != nil {
			t.Errorf("%q: %v", m.Subject, err)
		}
	}
}
