package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/mail/sesstore"
)

// TestNurtureEmailRepliesWhereItsTemplateSays: a template with reply_to:
// sales goes out with Reply-To the sales address (SALES_ADDRESS), so a
// lead who answers "just reply to this email" reaches sales; the others
// have none (replies go to the sender).
func TestNurtureEmailRepliesWhereItsTemplateSays(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "nurture", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const welcome = "  cold_welcome:\n"
	if !strings.Contains(string(src), welcome) {
		t.Fatal("default.yaml has no cold_welcome template; update this test")
	}
	cfg := filepath.Join(t.TempDir(), "nurture.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(src), welcome, welcome+"    reply_to: sales\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	const sales = "inside-sales@leads.example"
	env := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "NURTURE_CONFIG": cfg, "SALES_ADDRESS": sales}
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", env, clock.now, table)
	ctx := context.Background()
	email := fmt.Sprintf("nina.%d@smallco.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(email))))
	fire := func() {
		if err := tick.Event(ctx, tickEvent(fmt.Sprint(time.Now().UnixNano()))); err != nil {
			t.Fatal(err)
		}
	}
	fire()
	got := emailsTo(t, email)
	if len(got) != 1 || !slices.Equal(got[0].ReplyTo, []string{sales}) {
		t.Fatalf("the welcome email: %d emails, Reply-To %v; want 1, to %s", len(got), replyTos(got), sales)
	}
	clock.add(97 * time.Hour) // the next step, whose template names no reply_to
	fire()
	if got = emailsTo(t, email); len(got) != 2 || len(got[1].ReplyTo) != 0 {
		t.Fatalf("the second email: %d emails, Reply-To %v; want 2, the second without one", len(got), replyTos(got))
	}
}

func replyTos(es []sesstore.Email) [][]string {
	var out [][]string
	for _, e := range es {
		out = append(out, e.ReplyTo)
	}
	return out
}
