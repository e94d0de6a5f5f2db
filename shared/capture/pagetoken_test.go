package capture_test

import (
	"testing"

	"github.com/leadflow/leadflow/shared/capture"
)

// TestPageTokensSigned: a page token counts for the campaign whose page
// signed it, under any key still deployed; not for another campaign, not
// altered, not a site's own token, not under a key no longer deployed.
func TestPageTokensSigned(t *testing.T) {
	old := capture.NewPageTokens("k1", map[string][]byte{"k1": []byte("first key")})
	now := capture.NewPageTokens("k2", map[string][]byte{"k2": []byte("second key"), "k1": []byte("first key")})
	gone := capture.NewPageTokens("k2", map[string][]byte{"k2": []byte("second key")})
	tok := old.Sign("q4-demo", "4f1c2a")
	tests := []struct {
		name     string
		p        capture.PageTokens
		campaign string
		tok      string
		want     bool
	}{
		{"its campaign", old, "q4-demo", tok, true},
		{"after a key rotation, the old key still listed", now, "q4-demo", tok, true},
		{"another campaign", old, "webinar-nov", tok, false},
		{"no campaign", old, "", tok, false},
		{"altered base", old, "q4-demo", "4f1c2b" + tok[6:], false},
		{"a site's own token", old, "q4-demo", "9f86d081884c7d659a2feaa0c55ad015", false},
		{"the old key removed", gone, "q4-demo", tok, false},
		{"no keys", capture.PageTokens{}, "q4-demo", tok, false},
		{"empty", old, "q4-demo", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Signed(tt.campaign, tt.tok); got != tt.want {
				t.Errorf("Signed(%q, %q) = %v, want %v", tt.campaign, tt.tok, got, tt.want)
			}
		})
	}
	if got := (capture.PageTokens{}).Sign("q4-demo", "4f1c2a"); got != "4f1c2a" {
		t.Errorf("zero PageTokens signed: %q", got)
	}
}
