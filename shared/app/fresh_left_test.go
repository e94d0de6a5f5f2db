package app_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestNoFreshLinksForARepWhoLeft: the rep an alert went to leaves, and
// the routing config deployed since no longer lists them. Their expired
// alert link offers no fresh links, and pressing the button (a page
// opened before) sends nothing: the lead's details and working links go
// to sales only.
func TestNoFreshLinksForARepWhoLeft(t *testing.T) {
	a := newAlerted(t, "left")
	rep := a.alert[0].To[0]
	keys, _ := token.ParseKeys(testKeys)
	accept := answerLink(t, keys, a.alert[0].Text, a.id, links.ActionAccept, a.clock.now())
	cfg := qualifyWithout(t, rep)
	fb, _, logs := buildAt(t, "feedback", map[string]string{"QUALIFY_CONFIG": cfg}, a.clock.now, a.table)
	call := caller(t, fb)
	a.clock.add(links.AlertTTL + time.Hour)
	for _, file := range []string{"feedback-page.json", "feedback-fresh-links.json"} {
		code, body := call(file, accept)
		if code != 403 || !strings.Contains(body, "You are no longer in the sales routing") || strings.Contains(body, "Send me a fresh link") {
			t.Fatalf("%s: %d\n%s", file, code, body)
		}
	}
	if got := mailFor(t, a.email, 2); len(got) != 1 {
		t.Fatalf("%d emails, want the alert only", len(got))
	}
	st := store.New(testenv.Clients(t).DynamoDB, a.table)
	if l, err := st.Lead(t.Context(), a.id); err != nil || len(l.Handoff.FreshLinks) != 0 {
		t.Fatalf("fresh links recorded: %+v, %v", l.Handoff, err)
	}
	if strings.Contains(logs.String(), rep) || !strings.Contains(logs.String(), `"outcome":"expired_not_routed"`) {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

// qualifyWithout is a copy of the default qualification config without
// rep's line (the rep left), for QUALIFY_CONFIG.
func qualifyWithout(t *testing.T, rep string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	repLine := regexp.MustCompile(`(?m)^\s*- \{name: [^,]+, email: ` + regexp.QuoteMeta(rep) + `[,}].*\n`)
	if !repLine.Match(src) {
		t.Fatalf("default.yaml lists %s on no rep line; update this test", rep)
	}
	cfg := filepath.Join(t.TempDir(), "qualify.yaml")
	if err := os.WriteFile(cfg, repLine.ReplaceAll(src, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}
