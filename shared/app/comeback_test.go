package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestLeadThatLeftComesBackToSales: a lead whose deal was lost, and one
// that unsubscribed from marketing email, each post a new demo request
// weeks later. Each is a new request for contact: sales gets a new alert
// that says the lead came back and why its history counts from then, the
// rep can answer it, and the opted-out lead still gets no email itself.
func TestLeadThatLeftComesBackToSales(t *testing.T) {
	now := testenv.Now(t).Add(-60 * 24 * time.Hour)
	clock := func() time.Time { return now }
	capture, table, _ := buildAt(t, "capture", nil, clock, "")
	fb, _, _ := buildAt(t, "feedback", nil, clock, table)
	unsub, _, _ := buildAt(t, "unsubscribe", nil, clock, table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	st := store.New(testenv.Clients(t).DynamoDB, table)
	run := fmt.Sprint(time.Now().UnixNano())

	post := func(body string) {
		t.Helper()
		if resp, err := capture.HTTP(ctx, jsonLead(body)); err != nil || resp.StatusCode/100 != 2 {
			t.Fatalf("capture: %v %d %s", err, resp.StatusCode, resp.Body)
		}
	}
	answer := func(id, action, extra string) {
		t.Helper()
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": links.FeedbackToken(keys, id, action, extra, time.Time{}, now.Add(time.Hour))}
		if r, err := fb.HTTP(ctx, ev); err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "Recorded") {
			t.Fatalf("%s %s: %v %d %s", action, extra, err, r.StatusCode, r.Body)
		}
	}
	alerts := func(email string, want int) []sesstore.Email {
		t.Helper()
		return waitMail(t, want, func(e sesstore.Email) bool {
			return strings.Contains(strings.Join(e.ReplyTo, ","), email) && strings.Contains(e.Subject, "Hot lead")
		})
	}

	// A hot lead, accepted, lost.
	lost := "lost." + run + "@bigcorp.example"
	post(hotBody(lost, "1000+"))
	lostID := capturedID(t, table, lost)
	answer(lostID, links.ActionAccept, "")
	answer(lostID, links.ActionLost, "")
	// A newsletter subscriber with consent, then an unsubscribe.
	gone := "optout." + run + "@bigcorp.example"
	post(coldBody(gone)) // single opt-in: consent at once
	goneID := capturedID(t, table, gone)
	ev := sampleEvent(t, "unsubscribe-oneclick.json")
	u := links.Unsubscribe(keys, "https://x.example", goneID, now)
	ev.PathParameters = map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}
	if r, err := unsub.HTTP(ctx, ev); err != nil || r.StatusCode != 200 {
		t.Fatalf("unsubscribe: %v %+v", err, r)
	}
	if got := len(alerts(lost, 1)); got != 1 {
		t.Fatalf("first alert for the lost lead: %d", got)
	}
	before := map[string]int{}
	for _, e := range waitMail(t, 0, func(sesstore.Email) bool { return true }) {
		before[strings.Join(e.To, ",")]++
	}

	// Seven weeks later both ask for a demo.
	now = now.Add(49 * 24 * time.Hour)
	post(hotBody(lost, "1000+"))
	post(hotBody(gone, "1000+"))

	for _, c := range []struct {
		email, id string
		from      lead.Stage
		says      string
		alerts    int
	}{
		{lost, lostID, lead.StageLost, "\nCame back: its deal was lost on", 2},
		{gone, goneID, lead.StageUnsubscribed, "\nCame back: it unsubscribed from marketing email on", 1},
	} {
		got := alerts(c.email, c.alerts)
		if len(got) != c.alerts {
			t.Fatalf("%s: %d alerts, want %d", c.from, len(got), c.alerts)
		}
		m := got[len(got)-1]
		if !strings.Contains(m.Text, c.says) || !strings.Contains(m.Text, "came back with a new form after") || !strings.Contains(m.HTML, "<strong>Came back:</strong>") {
			t.Errorf("%s: the new alert does not say it came back (%q):\n%s", c.from, c.says, m.Text)
		}
		l, err := st.Lead(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if l.Stage != lead.StageMQL || l.Handoff == nil || l.Handoff.State != lead.HandoffSent || l.Returned == nil || l.Returned.From != c.from {
			t.Fatalf("%s: stage %s, handoff %+v, returned %+v", c.from, l.Stage, l.Handoff, l.Returned)
		}
		if c.from == lead.StageUnsubscribed && (l.Suppressed != "unsubscribe" || l.Consent.MarketingOptIn || l.Nurture != nil && !l.Nurture.NextAt.IsZero()) {
			t.Fatalf("opted-out lead: suppressed %q, consent %+v, nurture %+v", l.Suppressed, l.Consent, l.Nurture)
		}
	}
	// The opted-out lead got nothing itself: every new email went to sales.
	for _, e := range waitMail(t, 0, func(sesstore.Email) bool { return true }) {
		if to := strings.Join(e.To, ","); strings.Contains(to, gone) || strings.Contains(to, lost) {
			if before[to]--; before[to] < 0 {
				t.Fatalf("an email to the lead itself after it came back: %q to %s", e.Subject, to)
			}
		}
	}
	// The new alert can be answered: accepted, the lead is with sales
	// again, and its outcome can be recorded anew.
	answer(lostID, links.ActionAccept, "")
	answer(lostID, links.ActionWon, "")
	if l, _ := st.Lead(ctx, lostID); l.Stage != lead.StageWon {
		t.Fatalf("after the second round: stage %s", l.Stage)
	}
	// The second round counts as one in the month it happened: its MQL
	// as well as its SAL, so the funnel's SAL never outgrows its MQL.
	testenv.Settle(t, table)
	stats, err := st.CampaignStats(ctx, "q4-demo", now)
	if err != nil {
		t.Fatal(err)
	}
	if stats["sal"] != 1 || stats["won"] != 1 || stats["mql"] < stats["sal"] || stats["mql_again"] != 0 {
		t.Fatalf("q4-demo counters of the comeback's month: %v", stats)
	}
}
