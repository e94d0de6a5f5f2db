package handoff

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
)

// TestFreshLinks: a rep the alert went to gets it again with links that
// verify for another LinkTTL, once per window; nobody else gets it, and
// an answered lead gets nothing.
func TestFreshLinks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.hotLead(t, "clara@bigcorp.example")
	if out, err := f.svc.Run(ctx, id, "w1", ""); err != nil || out != Sent {
		t.Fatalf("alert: %s %v", out, err)
	}
	rep := f.out.Sent()[0].To
	f.now = f.now.Add(f.svc.LinkTTL + time.Hour) // the first links expired

	for _, other := range []string{"", "cy@example.com", "lea@example.com", "mallory@example.com"} {
		if other == rep {
			continue
		}
		if out, err := f.svc.SendFreshLinks(ctx, id, other, "r0"); err != nil || out != NotWaiting {
			t.Fatalf("fresh links for %q = %s, %v; want %s", other, out, err, NotWaiting)
		}
	}
	if len(f.out.Sent()) != 1 {
		t.Fatalf("%d emails after asks for others, want only the first alert", len(f.out.Sent()))
	}

	out, err := f.svc.SendFreshLinks(ctx, id, rep, "r1")
	if err != nil || out != Sent {
		t.Fatalf("fresh links = %s, %v", out, err)
	}
	sent := f.out.Sent()
	if len(sent) != 2 {
		t.Fatalf("%d emails, want 2", len(sent))
	}
	m := sent[1]
	if m.To != rep || !strings.HasPrefix(m.Subject, "Fresh links: ") || !strings.Contains(m.Text, "FRESH LINKS") || m.Tags["kind"] != "sales_fresh_links" {
		t.Fatalf("fresh alert: to %s, subject %q, tags %v\n%s", m.To, m.Subject, m.Tags, m.Text)
	}
	i := strings.Index(m.Text, "https://api.example.com/feedback/")
	tok := strings.Fields(m.Text[i+len("https://api.example.com/feedback/"):])[0]
	if c, err := f.svc.Keys.Verify(tok, links.ActionAccept, f.now.Add(f.svc.LinkTTL-time.Minute)); err != nil || c.Subject != id || c.Extra != links.LinkRepRef(f.svc.Keys, rep) {
		t.Fatalf("fresh accept link: %+v, %v", c, err)
	}
	// Reject links name the rep too, so an expired one can ask as well.
	j := strings.Index(m.Text, "Not our ICP: https://api.example.com/feedback/")
	rtok := strings.Fields(m.Text[j+len("Not our ICP: https://api.example.com/feedback/"):])[0]
	if c, err := f.svc.Keys.Verify(rtok, links.ActionReject, f.now); err != nil {
		t.Fatalf("fresh reject link: %v", err)
	} else if reason, ref := links.SplitReject(c.Extra); reason != "not_icp" || ref != links.LinkRepRef(f.svc.Keys, rep) {
		t.Fatalf("reject link extra %q: reason %q, rep %q", c.Extra, reason, ref)
	}
	l := stored(t, f.store, id)
	if l.Handoff.FreshLinks[links.RepRef(rep)] != f.now || l.Claims != nil || l.Handoff.State != lead.HandoffSent {
		t.Fatalf("after fresh links: handoff %+v claims %v", l.Handoff, l.Claims)
	}

	// Pressing again within the window sends nothing.
	f.now = f.now.Add(FreshLinksWindow - time.Minute)
	if out, err := f.svc.SendFreshLinks(ctx, id, rep, "r2"); err != nil || out != AlreadySent || len(f.out.Sent()) != 2 {
		t.Fatalf("again within the window = %s, %v, %d emails", out, err, len(f.out.Sent()))
	}
	// After it, once more.
	f.now = f.now.Add(2 * time.Minute)
	if out, err := f.svc.SendFreshLinks(ctx, id, rep, "r3"); err != nil || out != Sent || len(f.out.Sent()) != 3 {
		t.Fatalf("after the window = %s, %v, %d emails", out, err, len(f.out.Sent()))
	}

	// Answered: nothing more.
	l = stored(t, f.store, id)
	l.Stage, l.Handoff.State = lead.StageSAL, lead.HandoffAnswered
	if _, err := lead.Write(ctx, f.store.Put, l, lead.Change{}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(2 * FreshLinksWindow)
	if out, err := f.svc.SendFreshLinks(ctx, id, rep, "r4"); err != nil || out != NotWaiting || len(f.out.Sent()) != 3 {
		t.Fatalf("answered lead = %s, %v, %d emails", out, err, len(f.out.Sent()))
	}
}

// TestFreshLinksForTheEscalationTarget: the team lead an escalation went
// to gets the escalation again, in their own time zone.
func TestFreshLinksForTheEscalationTarget(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.svc.Rules = rules(t, strings.Replace(teamYAML, "lead: {name: Lea, email: lea@example.com}", "lead: {name: Lea, email: lea@example.com, time_zone: Asia/Tokyo}", 1))
	id := f.hotLead(t, "clara@bigcorp.example")
	if out, err := f.svc.Run(ctx, id, "w1", ""); err != nil || out != Sent {
		t.Fatalf("alert: %s %v", out, err)
	}
	f.now = f.now.Add(10 * time.Minute)
	if out, err := f.svc.Run(ctx, id, "w2", ""); err != nil || out != Escalated {
		t.Fatalf("escalation: %s %v", out, err)
	}
	f.now = f.now.Add(f.svc.LinkTTL + time.Hour)
	if out, err := f.svc.SendFreshLinks(ctx, id, "lea@example.com", "r1"); err != nil || out != Sent {
		t.Fatalf("fresh links for the team lead = %s, %v", out, err)
	}
	m := f.out.Sent()[2]
	if m.To != "lea@example.com" || !strings.HasPrefix(m.Subject, "Fresh links: [SLA breach]") || !strings.Contains(m.Text, " JST") || strings.Contains(m.Text, " UTC") {
		t.Fatalf("fresh escalation: to %s, subject %q\n%s", m.To, m.Subject, m.Text)
	}
}

// An erased person is owed nothing: an alert whose escalation nobody
// answered (as erasures before they closed escalated hand-offs left it)
// waits for nobody, so no fresh links re-send it.
func TestAnErasedLeadWaitsForNobody(t *testing.T) {
	l := lead.New("L1", lead.Submission{Email: "x@example.com"})
	l.Stage = lead.StageMQL
	l.Handoff = &lead.Handoff{State: lead.HandoffEscalated, Rep: "ana@example.com", EscalatedTo: "lea@example.com"}
	if !WaitingFor(&l, "lea@example.com") {
		t.Fatal("fixture: the escalated lead does not wait for its team lead")
	}
	l.Erased, l.Suppressed = true, "erasure"
	for _, rep := range []string{"ana@example.com", "lea@example.com"} {
		if WaitingFor(&l, rep) {
			t.Errorf("an erased lead waits for %s's answer", rep)
		}
	}
}

// TestNoFreshLinksForARepWhoLeft: a rep removed from the routing config
// (they left) cannot renew an expired alert's links: that would send the
// lead's details, and links that work for another LinkTTL, to someone no
// longer in sales, for as long as the lead waits. The team lead the
// escalation went to still can.
func TestNoFreshLinksForARepWhoLeft(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	id := f.hotLead(t, "clara@bigcorp.example")
	if out, err := f.svc.Run(ctx, id, "w1", ""); err != nil || out != Sent {
		t.Fatalf("alert: %s %v", out, err)
	}
	rep := f.out.Sent()[0].To
	f.now = f.now.Add(10 * time.Minute)
	if out, err := f.svc.Run(ctx, id, "w2", ""); err != nil || out != Escalated {
		t.Fatalf("escalation: %s %v", out, err)
	}
	if f.svc.Routed(rep) != true || f.svc.Routed("mallory@example.com") {
		t.Fatal("Routed does not follow the routing config")
	}
	// The rep leaves: the config no longer lists them.
	f.svc.Rules = rules(t, regexp.MustCompile(`(?m)^.*email: `+regexp.QuoteMeta(rep)+`.*\n`).ReplaceAllString(teamYAML, ""))
	if f.svc.Routed(rep) {
		t.Fatalf("fixture: %s is still in the routing config", rep)
	}
	f.now = f.now.Add(f.svc.LinkTTL + time.Hour)
	if out, err := f.svc.SendFreshLinks(ctx, id, rep, "r1"); err != nil || out != NotRouted {
		t.Fatalf("fresh links for a rep who left = %s, %v; want %s", out, err, NotRouted)
	}
	if n := len(f.out.Sent()); n != 2 {
		t.Fatalf("%d emails, want the alert and its escalation only", n)
	}
	if out, err := f.svc.SendFreshLinks(ctx, id, "lea@example.com", "r2"); err != nil || out != Sent {
		t.Fatalf("fresh links for the team lead = %s, %v", out, err)
	}
}
