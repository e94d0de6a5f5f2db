package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

func TestUnsubscribeOneClickAndConfirmPage(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	unsub, _, logs := buildAt(t, "unsubscribe", nil, testenv.Clock(t), table)
	ctx := context.Background()
	email := fmt.Sprintf("optout.%d@acme.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(`{"email":"`+email+`","consent":true,"campaign":"newsletter-q4"}`)))
	created := struct{ ID string }{capturedID(t, table, email)}
	st := store.New(testenv.Clients(t).DynamoDB, table)
	keys, _ := token.ParseKeys(testKeys)

	withToken := func(file, tok string) (int, string) {
		ev := sampleEvent(t, file)
		ev.PathParameters = map[string]string{"token": tok}
		r, err := unsub.HTTP(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode, r.Body
	}
	link := links.Unsubscribe(keys, "https://x.example", created.ID, testenv.Now(t))
	tok := link[strings.LastIndex(link, "/")+1:]

	// GET (what a link scanner does) changes nothing.
	if code, body := withToken("unsubscribe-page.json", tok); code != 200 || !strings.Contains(body, `<form method="post">`) {
		t.Fatalf("confirm page: %d %s", code, body)
	}
	if ok, err := st.Suppressed(ctx, lead.HashEmail(email)); err != nil || ok {
		t.Fatalf("GET unsubscribed the lead (suppressed %v, read error %v)", ok, err)
	}
	// Tampered token: 403, nothing changed.
	bad := tok[:len(tok)-2] + "xx"
	if code, _ := withToken("unsubscribe-oneclick.json", bad); code != 403 {
		t.Fatalf("tampered token: %d, want 403", code)
	}
	if ok, err := st.Suppressed(ctx, lead.HashEmail(email)); err != nil || ok {
		t.Fatalf("a tampered token unsubscribed the lead (suppressed %v, read error %v)", ok, err)
	}
	// One-click POST, as a mail client sends it.
	if code, body := withToken("unsubscribe-oneclick.json", tok); code != 200 || !strings.Contains(body, "You are unsubscribed") {
		t.Fatalf("one-click: %d %s", code, body)
	}
	l, _ := st.Lead(ctx, created.ID)
	if ok, _ := st.Suppressed(ctx, l.EmailHash); !ok || l.Stage != lead.StageUnsubscribed || l.Consent.MarketingOptIn || len(l.Consents) != 2 {
		t.Fatalf("after unsubscribe: stage %s consent %+v (%d entries)", l.Stage, l.Consent, len(l.Consents))
	}
	// The withdrawal's evidence is keyed (the sample's source IP), and the
	// operator's keys prove it.
	if ok, err := evidence(t).Matches(l.Consent.IPHash, "203.0.113.24"); !ok || err != nil || l.Consent.IPHash != evidence(t).Hash("203.0.113.24") {
		t.Fatalf("withdrawal evidence %q: matches %v, %v", l.Consent.IPHash, ok, err)
	}
	// Repeat and expired links: still 200, recorded once.
	expired := keys.Sign(token.Claims{Action: links.ActionUnsubscribe, Subject: created.ID, Expires: testenv.Now(t).Add(-time.Hour)})
	for _, tk := range []string{tok, expired} {
		if code, _ := withToken("unsubscribe-oneclick.json", tk); code != 200 {
			t.Fatalf("repeat unsubscribe: %d", code)
		}
	}
	stats := counted(t, st, "newsletter-q4")
	tl, _ := st.Timeline(ctx, created.ID)
	unsubs := 0
	for _, e := range tl {
		if e.Kind == "unsubscribed" {
			unsubs++
			if e.Data["one_click"] != true {
				t.Errorf("event does not record the one-click POST: %v", e.Data)
			}
		}
	}
	if stats["unsubscribes"] != 1 || unsubs != 1 {
		t.Fatalf("unsubscribes counted %d, events %d; want 1 each", stats["unsubscribes"], unsubs)
	}
	if strings.Contains(logs.String(), "optout.") {
		t.Fatal("raw email in the unsubscribe logs")
	}
}

// TestUnsubscribeDoesNotNeedTheQualifyConfig: the subscription function
// confirms double opt-ins (which grades and enrols, so it needs the
// qualifying config) and takes unsubscribes (which must not). With a
// broken rules file, opt-outs keep working; a confirmation is refused
// with a page asking to try later, changes nothing, and the log names
// the file and line.
func TestUnsubscribeDoesNotNeedTheQualifyConfig(t *testing.T) {
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", base, testenv.Clock(t), "")
	broken := filepath.Join(t.TempDir(), "qualify.yaml")
	if err := os.WriteFile(broken, []byte("version: 1\nfit:\n  rules:\n    - field: job_title\n      op: startswith\n      values: [CMO]\n      points: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub, _, logs := buildAt(t, "unsubscribe", map[string]string{"QUALIFY_CONFIG": broken}, testenv.Clock(t), table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	email := fmt.Sprintf("una.%d@smallco.example", time.Now().UnixNano())
	body := strings.Replace(coldBody(email), `"campaign":"newsletter-q4"`, `"campaign":"newsletter-eu"`, 1) // double opt-in
	accepted(t)(capture.HTTP(ctx, jsonLead(body)))
	id := capturedID(t, table, email)
	got := waitConfirmations(t, email, 1)
	if len(got) != 1 {
		t.Fatalf("confirmation emails = %d, want 1", len(got))
	}
	before, err := st.Lead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	code, page := openConfirmation(t, sub, got[0], "POST")
	if code != 500 || !strings.Contains(page, "try again") {
		t.Fatalf("confirming with a broken config: %d %s", code, page)
	}
	if l, err := st.Lead(ctx, id); err != nil || l.Version != before.Version || l.Consent.MarketingOptIn {
		t.Fatalf("a refused confirmation wrote the lead (read error %v): version %d → %d, consent %+v", err, before.Version, l.Version, l.Consent)
	}
	if !strings.Contains(logs.String(), "qualify.yaml:5") {
		t.Fatalf("the log does not name the broken file and line:\n%s", logs.String())
	}

	keys, _ := token.ParseKeys(testKeys)
	link := links.Unsubscribe(keys, "https://leads.example.com", id, testenv.Now(t))
	ev := sampleEvent(t, "unsubscribe-oneclick.json")
	ev.PathParameters = map[string]string{"token": link[strings.LastIndex(link, "/")+1:]}
	r, err := sub.HTTP(ctx, ev)
	if err != nil || r.StatusCode != 200 || !strings.Contains(r.Body, "You are unsubscribed") {
		t.Fatalf("one-click unsubscribe with a broken config: %v %d %s", err, r.StatusCode, r.Body)
	}
	if ok, err := st.Suppressed(ctx, before.EmailHash); err != nil || !ok {
		t.Fatalf("not suppressed after unsubscribing (read error %v)", err)
	}
}
