package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/store"
)

// TestOutcomeReminderOfARepWhoLeft: a rep accepts a hot lead from the
// alert and leaves the team (the routing config no longer lists them)
// before recording how it went. Fourteen days after the acceptance the
// tick — fired again and again — sends one reminder, to the team lead,
// naming the rep who holds the deal by the name the team knew them by
// (the alert's), not by a bare address; the team lead records the deal
// won from that email's link, and later ticks send nothing more.
func TestOutcomeReminderOfARepWhoLeft(t *testing.T) {
	stamp := time.Now().UnixNano()
	cfg, addr := qualifyWithStampedReps(t, stamp)
	lea := addr("lea")
	clock := &clockAt{t: time.Date(2031, 3, 10, 10, 0, 0, 0, time.UTC)}
	env := map[string]string{"QUALIFY_CONFIG": cfg, "PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	fb, _, _ := buildAt(t, "feedback", env, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("reminded.%d@bigcorp.example", stamp)
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
	id := capturedID(t, table, email)
	l, err := st.Lead(ctx, id)
	if err != nil || l.Handoff == nil || l.Handoff.RepName == "" {
		t.Fatalf("alerted: %v %+v", err, l.Handoff)
	}
	rep, repName := l.Handoff.Rep, l.Handoff.RepName
	alert := mailFor(t, email, 1)
	m := regexp.MustCompile(`ACCEPT this lead:\s+https://leads\.example\.com/feedback/([A-Za-z0-9_.-]+)`).FindStringSubmatch(alert[0].Text)
	if m == nil {
		t.Fatalf("no accept link in:\n%s", alert[0].Text)
	}
	pressLink(t, fb, m[1], "")

	// The rep leaves.
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	line := "        - {name: " + repName + ", email: " + rep + "}\n"
	if !strings.Contains(string(src), line) {
		t.Fatalf("no line for %s in the config", repName)
	}
	left := filepath.Join(t.TempDir(), "qualify.yaml")
	if err := os.WriteFile(left, []byte(strings.Replace(string(src), line, "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	env["QUALIFY_CONFIG"] = left
	tick, _, _ := buildAt(t, "nurture", env, clock.now, table)
	fb, _, _ = buildAt(t, "feedback", env, clock.now, table)
	fire := func() {
		t.Helper()
		for range 2 {
			if err := tick.Event(ctx, tickEvent(fmt.Sprint("tick-", clock.now().UnixNano()))); err != nil {
				t.Fatal(err)
			}
		}
	}
	reminders := func(want int) []sesstore.Email {
		return waitMail(t, want, func(e sesstore.Email) bool {
			return slices.Contains(e.ReplyTo, email) && strings.HasPrefix(e.Subject, "How did it go")
		})
	}
	clock.add(14*24*time.Hour - time.Minute)
	fire()
	if got := reminders(0); len(got) != 0 {
		t.Fatalf("a reminder before its 14 days: %q", got[0].Subject)
	}
	clock.add(time.Minute)
	fire()
	clock.add(time.Hour)
	fire()
	got := reminders(1)
	if len(got) != 1 || got[0].To[0] != lea {
		t.Fatalf("reminders: %d, want one to the team lead %s", len(got), lea)
	}
	text := got[0].Text
	if !strings.Contains(text, "Hi Lea Stone,") || !strings.Contains(text, repName+" accepted Clara Moss") ||
		!strings.Contains(text, repName+", who holds its deal, is no longer in the routing config, so it comes to you as the team lead") ||
		strings.Contains(text, rep) {
		t.Fatalf("reminder to the team lead should name %s by name:\n%s", repName, text)
	}
	won := regexp.MustCompile(`Won: https://leads\.example\.com/feedback/([A-Za-z0-9_.-]+)`).FindStringSubmatch(text)
	if won == nil {
		t.Fatalf("no won link in:\n%s", text)
	}
	pressLink(t, fb, won[1], "amount=9000")
	if l, err := st.Lead(ctx, id); err != nil || l.Stage != lead.StageWon || l.Deal.Rep != rep {
		t.Fatalf("after the team lead's won link: %v, stage %s", err, l.Stage)
	}
	clock.add(30 * 24 * time.Hour)
	fire()
	if got := reminders(1); len(got) != 1 {
		t.Fatalf("%d reminders in all, want one", len(got))
	}
}
