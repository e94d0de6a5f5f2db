package links

import (
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/token"
)

func TestRejectLinksNameTheirRep(t *testing.T) {
	keys, err := token.ParseKeys("k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, rep, reason, ref string
	}{
		{"with a rep", "Ana@Example.com", "no_budget", RepRef("ana@example.com")},
		{"without a rep", "", "no_budget", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := Reject(keys, "https://api.example.com/", "L1", "no_budget", tc.rep, time.Time{}, now.Add(time.Hour))
			tok, ok := strings.CutPrefix(u, "https://api.example.com/feedback/")
			if !ok {
				t.Fatalf("url %s", u)
			}
			c, err := keys.Verify(tok, ActionReject, now)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(c.Extra, "@") {
				t.Fatalf("extra %q holds an address", c.Extra)
			}
			if reason, ref := SplitReject(c.Extra); reason != tc.reason || ref != tc.ref {
				t.Fatalf("SplitReject(%q) = %q, %q", c.Extra, reason, ref)
			}
		})
	}
	// Legacy and odd extras: the reason alone.
	for extra, want := range map[string]string{"not_icp": "not_icp", "not_icp junk": "not_icp"} {
		if reason, ref := SplitReject(extra); reason != want || ref != "" {
			t.Errorf("SplitReject(%q) = %q, %q", extra, reason, ref)
		}
	}
}
