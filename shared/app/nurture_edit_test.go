package app_test

import (
	"context"
	"fmt"
	"net/http"
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

// TestRenamedSequenceCarriesItsLeadsOn: marketing renames cold-education
// to cold-education-2027 (replaces: [cold-education]) and redeploys while
// leads are in it, after some finished it, and while a dead worker's
// claim for its next email waits to be recorded. Built twice, on the same
// table, with the two files:
//
//   - a lead in the middle of the sequence carries on at its step in the
//     renamed one: no email again, the next one on time;
//   - a lead that finished the old sequence and is re-graded (a page
//     view) is not started on the renamed one from its first email;
//   - the claim a worker left under the old id (SES confirmed the email)
//     is recorded, not sent a second time under the new id.
func TestRenamedSequenceCarriesItsLeadsOn(t *testing.T) {
	root := testenv.Root(t)
	v1, err := os.ReadFile(filepath.Join(root, "shared", "nurture", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(string(v1), "  - id: cold-education\n", "  - id: cold-education-2027\n    replaces: [cold-education]\n", 1)
	v2 = strings.Replace(v2, "from: [cold-education]", "from: [cold-education-2027]", 1)
	if v2 == string(v1) || !strings.Contains(v2, "replaces") {
		t.Fatal("fixture: the rename did not apply to default.yaml")
	}
	dir := t.TempDir()
	before, after := filepath.Join(dir, "before.yaml"), filepath.Join(dir, "after.yaml")
	for p, b := range map[string]string{before: string(v1), after: v2} {
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := func(path string) map[string]string {
		return map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "NURTURE_CONFIG": path}
	}
	ctx := context.Background()
	domain := fmt.Sprintf("renamed%d.example", time.Now().UnixNano())
	// Local parts no log line may hold by chance (the log check looks
	// for those of 8 characters or more: "finished" is a log key).
	finished, midway, crashed := "done-it@"+domain, "midway@"+domain, "crashed@"+domain

	// Five weeks before: a lead goes through the whole old sequence.
	clock := &clockAt{t: monday.Add(-35 * 24 * time.Hour)}
	capture1, table, _ := buildAt(t, "capture", env(before), clock.now, "")
	st := store.New(testenv.Clients(t).DynamoDB, table)
	// The nurture function as each deploy builds it, on the same table.
	oldTick, _, oldLogs := buildAt(t, "nurture", env(before), clock.now, table)
	newTick, _, newLogs := buildAt(t, "nurture", env(after), clock.now, table)
	tickOnce := func(name string, v string) {
		t.Helper()
		h, logs := oldTick, oldLogs
		if v == after {
			h, logs = newTick, newLogs
		}
		if err := h.Event(ctx, tickEvent(fmt.Sprint(name, time.Now().UnixNano()))); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, logs.String())
		}
	}
	accepted(t)(capture1.HTTP(ctx, jsonLead(coldBody(finished))))
	finishedID := capturedID(t, table, finished)
	for day := 0; day < 34; day++ {
		tickOnce("old", before)
		clock.add(24 * time.Hour)
	}
	l, err := st.Lead(ctx, finishedID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Nurture == nil || l.Nurture.ExitReason != "completed" || len(emailsTo(t, finished)) != 4 {
		t.Fatalf("fixture: the first lead did not finish cold-education: %d emails, nurture %+v", len(emailsTo(t, finished)), l.Nurture)
	}

	// Monday: two more leads enter it and get its welcome.
	clock.add(monday.Sub(clock.now()))
	accepted(t)(capture1.HTTP(ctx, jsonLead(coldBody(midway))))
	accepted(t)(capture1.HTTP(ctx, jsonLead(coldBody(crashed))))
	tickOnce("welcome", before)
	for _, addr := range []string{midway, crashed} {
		if n := len(emailsTo(t, addr)); n != 1 {
			t.Fatalf("fixture: %s got %d welcome emails", addr, n)
		}
	}

	// Friday, the wait over: a worker of the old deploy claimed the
	// crashed lead's case study, SES took it (its Send event confirmed
	// the claim) and the worker died before recording it.
	clock.add(97 * time.Hour)
	crashedID := capturedID(t, table, crashed)
	if _, err := lead.Update(ctx, st, crashedID, func(l *lead.Lead) (lead.Change, error) {
		l.Claims = map[string]lead.Claim{"nurture:cold-education:case-study": {ID: "deadclaim1", At: clock.now().Add(-3 * time.Minute),
			Confirmed: "ses-msg-dead-worker", ConfirmedAt: clock.now().Add(-3 * time.Minute)}}
		l.Lease = &lead.Lease{Owner: "tick-dead", Until: clock.now().Add(-time.Minute)}
		return lead.Change{At: clock.now()}, nil
	}); err != nil {
		t.Fatal(err)
	}

	// The renamed file is deployed. The lead that finished the old
	// sequence reads the blog (re-graded, still cold); the one midway
	// posts a form again.
	capture2, _, _ := buildAt(t, "capture", env(after), clock.now, table)
	track2, _, _ := buildAt(t, "track", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com", "ALLOWED_ORIGINS": "*", "NURTURE_CONFIG": after}, clock.now, table)
	keys, _ := token.ParseKeys(testKeys)
	visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: finishedID, Expires: clock.now().Add(time.Hour)})
	if r, _ := track2.HTTP(ctx, trackRequest("POST /events", "", `{"t":"`+visitor+`","url":"https://www.example.com/blog/routing"}`,
		map[string]string{"content-type": "application/json"})); r.StatusCode != http.StatusNoContent {
		t.Fatalf("page view: %d %s", r.StatusCode, r.Body)
	}
	accepted(t)(capture2.HTTP(ctx, jsonLead(coldBody(midway))))
	tickOnce("renamed", after)
	tickOnce("renamed-again", after)

	if n := len(emailsTo(t, finished)); n != 4 {
		t.Errorf("the lead that finished the old sequence got %d emails after the rename, want still 4", n)
	}
	if l, _ := st.Lead(ctx, finishedID); l.Nurture == nil || !l.Nurture.NextAt.IsZero() {
		t.Errorf("the finished lead is in a sequence again: %+v", l.Nurture)
	}
	got := emailsTo(t, midway)
	if len(got) != 2 || got[0].Subject == got[1].Subject {
		t.Errorf("the lead midway got %d emails (want its welcome, then the case study)", len(got))
	}
	l, _ = st.Lead(ctx, capturedID(t, table, midway))
	if l.Nurture == nil || l.Nurture.Sequence != "cold-education-2027" || l.Nurture.Step != "check-2" {
		t.Errorf("the lead midway is not at check-2 of the renamed sequence: %+v", l.Nurture)
	}
	if n := len(emailsTo(t, crashed)); n != 1 {
		t.Errorf("the crashed lead got %d emails, want its welcome only (SES took the case study the dead worker sent)", n)
	}
	l, _ = st.Lead(ctx, crashedID)
	if len(l.Claims) != 0 || l.Nurture == nil || l.Nurture.Step != "check-2" ||
		!containsSend(l.Nurture.Sends, "case-study", "ses-msg-dead-worker") {
		t.Errorf("the dead worker's confirmed case study is not recorded: claims %+v, nurture %+v", l.Claims, l.Nurture)
	}

	// A week on, both get the next email of the renamed sequence, once.
	clock.add(7*24*time.Hour + time.Hour)
	tickOnce("playbook", after)
	tickOnce("playbook-again", after)
	if a, b := len(emailsTo(t, midway)), len(emailsTo(t, crashed)); a != 3 || b != 2 {
		t.Errorf("after the next wait: %d and %d emails, want 3 and 2", a, b)
	}
}

func containsSend(sends []lead.Send, step, messageID string) bool {
	for _, s := range sends {
		if s.Step == step && s.MessageID == messageID {
			return true
		}
	}
	return false
}
