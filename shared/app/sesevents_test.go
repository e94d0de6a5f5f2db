package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// sesEvent is a sample SES event addressed to a lead.
func sesEvent(t *testing.T, file, email, leadID, messageID string) events.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Root(t), "events", file))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "maria.schmidt@acme-industrial.example", email)
	s = strings.ReplaceAll(s, "01M844V79KZKZN9C18K0SFRHJ0", leadID)
	s = strings.ReplaceAll(s, "0102018f3c9e7a1b-5d2f1c8e-9a4b-4f0e-8d7c-2b1a0e9f8c7d-000000", messageID)
	var ev events.EventBridgeEvent
	if err := json.Unmarshal([]byte(s), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestSESEventsSuppress(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	h, _, logs := buildAt(t, "sesevents", nil, testenv.Clock(t), table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	newLead := func(name string) lead.Lead {
		email := fmt.Sprintf("%s.%d@acme.example", name, time.Now().UnixNano())
		accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","consent":true,"campaign":"newsletter-q4"}`)))
		created := struct{ ID string }{capturedID(t, table, email)}
		l, err := st.Lead(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	deliver := func(file string, l lead.Lead, msg string) {
		if err := h.Event(ctx, sesEvent(t, file, l.Email, l.ID, msg)); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	suppressed := func(l lead.Lead) bool {
		t.Helper()
		ok, err := st.Suppressed(ctx, l.EmailHash)
		if err != nil {
			t.Fatalf("reading suppression: %v", err)
		}
		return ok
	}

	hard := newLead("hard")
	deliver("ses-delivery.json", hard, "m1")
	if suppressed(hard) {
		t.Fatal("a delivery suppressed the address")
	}
	deliver("ses-bounce-permanent.json", hard, "m2")
	deliver("ses-bounce-permanent.json", hard, "m2") // EventBridge may deliver twice
	if !suppressed(hard) {
		t.Fatal("permanent bounce did not suppress")
	}

	soft := newLead("soft")
	for i := 1; i <= 3; i++ {
		deliver("ses-bounce-transient.json", soft, "s1") // duplicates of one message count once
		if i < 3 && suppressed(soft) {
			t.Fatal("one soft bounce suppressed the address")
		}
	}
	deliver("ses-bounce-transient.json", soft, "s2")
	if suppressed(soft) {
		t.Fatal("two soft bounces suppressed the address")
	}
	deliver("ses-bounce-transient.json", soft, "s3")
	if !suppressed(soft) {
		t.Fatalf("three soft bounces did not suppress")
	}

	angry := newLead("angry")
	deliver("ses-complaint.json", angry, "c1")
	got, _ := st.Lead(ctx, angry.ID)
	if !suppressed(angry) || got.Stage != lead.StageUnsubscribed || got.Consent.MarketingOptIn {
		t.Fatalf("complaint: suppressed %v, stage %s, consent %+v", suppressed(angry), got.Stage, got.Consent)
	}

	// An alert to a rep bounces: no lead is touched, the log says so loudly.
	rep := sesEvent(t, "ses-bounce-permanent.json", "ana@example.com", "", "r1")
	var detail map[string]any
	_ = json.Unmarshal(rep.Detail, &detail)
	detail["mail"].(map[string]any)["tags"].(map[string]any)["kind"] = []string{"sales_handoff"}
	rep.Detail, _ = json.Marshal(detail)
	if err := h.Event(ctx, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR","msg":"ses event"`) || !strings.Contains(logs.String(), "sales_alert_bounced") {
		t.Fatalf("rep bounce not logged as an error:\n%s", logs.String())
	}
	stats := counted(t, st, "newsletter-q4")
	if stats["bounces"] != 2 || stats["soft_bounces"] != 2 || stats["complaints"] != 1 || stats["delivered"] != 1 {
		t.Fatalf("counters = %v", stats)
	}
}
