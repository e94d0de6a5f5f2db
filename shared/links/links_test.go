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
		{"with a rep", "Ana@Example.com", "no_budget", LinkRepRef(keys, "ana@example.com")},
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
	// Links made before references were keyed, and odd extras.
	if reason, ref := SplitReject("not_icp " + RepRef("ana@example.com")); reason != "not_icp" || ref != RepRef("ana@example.com") {
		t.Errorf("SplitReject of an unkeyed reference = %q, %q", reason, ref)
	}
	for extra, want := range map[string]string{"not_icp": "not_icp", "not_icp junk": "not_icp"} {
		if reason, ref := SplitReject(extra); reason != want || ref != "" {
			t.Errorf("SplitReject(%q) = %q, %q", extra, reason, ref)
		}
	}
}

// A link names its rep by a keyed reference: not the address, not its
// plain hash (which a guess could be checked against), and resolved only
// with the signing keys — across a rotation, and for links made before
// references were keyed (plain) or before links carried one (the address).
func TestLinkRepRefIsKeyed(t *testing.T) {
	k1, err := token.ParseKeys("k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := token.ParseKeys("k2:fedcba9876543210fedc,k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	other, err := token.ParseKeys("k9:another-secret-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	ref := LinkRepRef(k1, " Ana@Example.com ")
	if !strings.HasPrefix(ref, "rk:") || strings.Contains(ref, RepRef("ana@example.com")[len("rep:"):]) || ref == LinkRepRef(other, "ana@example.com") {
		t.Fatalf("reference %q: want keyed, unlike the plain hash and another key's", ref)
	}
	for _, tc := range []struct {
		name  string
		keys  token.Keys
		extra string
		want  string
	}{
		{"keyed", k1, ref, "ana@example.com"},
		{"keyed, after a rotation", rotated, ref, "ana@example.com"},
		{"keyed under a key no longer held", other, ref, ""},
		{"plain reference of an older link", k1, RepRef("ana@example.com"), "ana@example.com"},
		{"address of a link older still", k1, "ana@example.com", "ana@example.com"},
		{"nobody's", k1, LinkRepRef(k1, "eve@example.com"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ResolveRep(tc.keys, tc.extra, "ben@example.com", "ana@example.com"); got != tc.want {
				t.Fatalf("ResolveRep = %q, want %q", got, tc.want)
			}
		})
	}
}
