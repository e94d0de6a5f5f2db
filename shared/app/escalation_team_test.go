package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/store"
)

// TestEscalationGoesToTheTeamAlerted: an SMB lead's alert goes to an SMB
// rep; before the deadline the same address posts again with a budget
// that routes it to enterprise now (the default config's rule). Nobody
// answers: the escalation goes to the SMB team lead, whose rep missed it,
// not to the enterprise lead, who never saw the alert.
func TestEscalationGoesToTheTeamAlerted(t *testing.T) {
	now := testenv.Now(t)
	clock := func() time.Time { return now }
	capture, table, _ := buildAt(t, "capture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock, "")
	tick, _, _ := buildAt(t, "nurture", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, clock, table)
	ctx := context.Background()
	email := fmt.Sprintf("smb.%d@bigcorp.example", time.Now().UnixNano())
	smb := strings.Replace(hotBody(email, "11-50"), `"budget":"$100k"`, `"budget":"$5k"`, 1)
	if resp, err := capture.HTTP(ctx, jsonLead(smb)); err != nil || resp.StatusCode != 202 {
		t.Fatalf("capture: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	got := mailFor(t, email, 1)
	if len(got) != 1 || (got[0].To[0] != "sam@example.com" && got[0].To[0] != "priya@example.com") {
		t.Fatalf("alert: %d emails, to %v; want one to an smb rep", len(got), got[0].To)
	}
	now = now.Add(2 * time.Minute)
	if resp, err := capture.HTTP(ctx, jsonLead(hotBody(email, "11-50"))); err != nil || resp.StatusCode != 202 {
		t.Fatalf("second form: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	l, err := st.Lead(ctx, capturedID(t, table, email))
	if err != nil || l.Budget != "$100k" || l.Handoff == nil || l.Handoff.Team != "smb" {
		t.Fatalf("after the second form: %v, budget %q, handoff %+v", err, l.Budget, l.Handoff)
	}
	now = now.Add(4 * time.Minute)
	for range 2 {
		if err := tick.Event(ctx, events.EventBridgeEvent{ID: fmt.Sprint("tick-", now.UnixNano())}); err != nil {
			t.Fatal(err)
		}
	}
	got = mailFor(t, email, 2)
	if len(got) != 2 || !strings.HasPrefix(got[1].Subject, "[SLA breach]") {
		t.Fatalf("escalation: %d emails", len(got))
	}
	if to := got[1].To[0]; to != "max@example.com" {
		t.Fatalf("escalation went to %s, want max@example.com (the smb team lead)", to)
	}
	if !strings.Contains(got[1].Text, "Hi Max Berg,") || !strings.Contains(got[1].Text, "you lead the sales team") {
		t.Errorf("escalation text:\n%s", got[1].Text)
	}
}
