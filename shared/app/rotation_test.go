package app_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
)

// TestSigningKeyRotationEndToEnd follows the README's rotation through
// real alerts: links signed with k1 keep working once k2 is added in front
// (and new links are signed with k2), and stop working when k1 is dropped.
func TestSigningKeyRotationEndToEnd(t *testing.T) {
	const (
		k1 = "k1:first-signing-key-0123456789abcdef"
		k2 = "k2:second-signing-key-0123456789abcdef"
	)
	ctx := context.Background()
	_, table, _ := build(t, "capture", nil)
	// hotAlertLink captures a hot lead with keys and returns the accept
	// link's token from the alert sales receives.
	hotAlertLink := func(keys, name string) string {
		t.Helper()
		capture, _, _ := buildAt(t, "capture", map[string]string{"SIGNING_KEYS": keys}, testenv.Clock(t), table)
		email := fmt.Sprintf("%s.%d@bigcorp.example", name, time.Now().UnixNano())
		if resp, _ := capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))); resp.StatusCode != 202 {
			t.Fatalf("capture: %d %s", resp.StatusCode, resp.Body)
		}
		alert := mailFor(t, email, 1)
		if len(alert) != 1 {
			t.Fatalf("no alert for %s", name)
		}
		m := regexp.MustCompile(`/feedback/([A-Za-z0-9_.-]+)`).FindStringSubmatch(alert[0].Text)
		if m == nil {
			t.Fatalf("no feedback link in the alert:\n%s", alert[0].Text)
		}
		return m[1]
	}
	page := func(keys, tok string) int {
		t.Helper()
		fb, _, _ := buildAt(t, "feedback", map[string]string{"SIGNING_KEYS": keys}, testenv.Clock(t), table)
		ev := sampleEvent(t, "feedback-page.json")
		ev.PathParameters = map[string]string{"token": tok}
		r, err := fb.HTTP(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode
	}

	old := hotAlertLink(k1, "before")
	if !strings.HasPrefix(old, "k1.") {
		t.Fatalf("link signed before the rotation = %s; want key id k1", old)
	}
	rotated := k2 + "," + k1
	fresh := hotAlertLink(rotated, "after")
	if !strings.HasPrefix(fresh, "k2.") {
		t.Fatalf("link signed after the rotation = %s; want key id k2", fresh)
	}
	for _, tc := range []struct {
		name, keys, tok string
		want            int
	}{
		{"k1 link, k1 only", k1, old, 200},
		{"k1 link, k2 added in front", rotated, old, 200},
		{"k2 link, k2 added in front", rotated, fresh, 200},
		{"k2 link, before k2 was deployed", k1, fresh, 403},
		{"k1 link, k1 dropped", k2, old, 403},
		{"k2 link, k1 dropped", k2, fresh, 200},
	} {
		if got := page(tc.keys, tc.tok); got != tc.want {
			t.Errorf("%s: feedback page answered %d, want %d", tc.name, got, tc.want)
		}
	}
}
