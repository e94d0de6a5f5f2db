package app_test

import (
	"context"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestRejectLinkOfARemovedReason: an alert goes out with a "Spam or fake"
// reject link; marketing then deploys a config without that reason. The
// rep's press on the old link records nothing (the lead would otherwise
// go back to nurture email under a code nobody configured) and its page
// offers today's reasons; one of those rejects the lead for the rep.
func TestRejectLinkOfARemovedReason(t *testing.T) {
	a := newAlerted(t, "retired")
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)
	old := ""
	for _, m := range regexp.MustCompile(`/feedback/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(a.alert[0].Text, -1) {
		if c, err := keys.Verify(m[1], links.ActionReject, a.clock.now()); err == nil {
			if reason, _ := links.SplitReject(c.Extra); reason == "spam" {
				old = m[1]
			}
		}
	}
	if old == "" {
		t.Fatalf("no spam reject link in the alert:\n%s", a.alert[0].Text)
	}
	src, err := os.ReadFile(filepath.Join("..", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	line := "  - {code: spam, label: Spam or fake, action: disqualify}\n"
	if !strings.Contains(string(src), line) {
		t.Fatal("default.yaml no longer has the spam reject reason; update this test")
	}
	cfg := filepath.Join(t.TempDir(), "qualify.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(src), line, "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	fb, _, logs := buildAt(t, "feedback", map[string]string{"QUALIFY_CONFIG": cfg}, a.clock.now, a.table)
	st := store.New(testenv.Clients(t).DynamoDB, a.table)
	before, err := st.Lead(ctx, a.id)
	if err != nil {
		t.Fatal(err)
	}
	var page string
	for _, file := range []string{"feedback-page.json", "feedback-answer.json"} {
		ev := sampleEvent(t, file)
		ev.PathParameters = map[string]string{"token": old}
		r, err := fb.HTTP(ctx, ev)
		body := html.UnescapeString(r.Body)
		if err != nil || r.StatusCode >= 500 || !strings.Contains(body, "“Spam” is no longer a reason sales can pick, so nothing was recorded") {
			t.Fatalf("%s: %d %v\n%s", file, r.StatusCode, err, r.Body)
		}
		page = r.Body
	}
	if l, _ := st.Lead(ctx, a.id); l.Version != before.Version || l.Stage != lead.StageMQL {
		t.Fatalf("the old link changed the lead: v%d → v%d, stage %s", before.Version, l.Version, l.Stage)
	}
	if strings.Contains(logs.String(), a.email) || !strings.Contains(logs.String(), `"outcome":"reason_not_configured"`) {
		t.Fatalf("logs:\n%s", logs.String())
	}
	m := regexp.MustCompile(`href="([^"]+)">Not our ideal customer<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no link for today's reason:\n%s", page)
	}
	pressLink(t, fb, html.UnescapeString(m[1]), "")
	l, err := st.Lead(ctx, a.id)
	if err != nil || l.Stage != lead.StageRejected || l.RejectedFor != "not_icp" || l.Handoff.AnsweredBy != a.alert[0].To[0] {
		t.Fatalf("after today's reason: %v, stage %s, for %q, by %q", err, l.Stage, l.RejectedFor, l.Handoff.AnsweredBy)
	}
}
