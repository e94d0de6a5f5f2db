package capture_test

import (
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/capture"
)

func TestVisitorIDs(t *testing.T) {
	v := capture.NewVisitors([]byte("0123456789abcdef0123456789abcdef"))
	day := time.Date(2031, 7, 15, 9, 0, 0, 0, time.UTC)
	const ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0"
	base := v.ID(day, "spring", "203.0.113.7", ua)
	if len(base) != 32 {
		t.Fatalf("ID = %q, want 32 hex digits", base)
	}
	tests := []struct {
		name string
		got  string
		same bool
	}{
		{"later the same UTC day", v.ID(day.Add(14*time.Hour+59*time.Minute), "spring", "203.0.113.7", ua), true},
		{"the same UTC day seen from another zone", v.ID(day.In(time.FixedZone("PDT", -7*3600)), "spring", "203.0.113.7", ua), true},
		{"the next UTC day", v.ID(day.Add(15*time.Hour), "spring", "203.0.113.7", ua), false},
		{"another campaign", v.ID(day, "autumn", "203.0.113.7", ua), false},
		{"another address", v.ID(day, "spring", "203.0.113.8", ua), false},
		{"another browser", v.ID(day, "spring", "203.0.113.7", ua+" Edg/126.0"), false},
		{"another key", capture.NewVisitors([]byte("another key, another deployment")).ID(day, "spring", "203.0.113.7", ua), false},
	}
	for _, tt := range tests {
		if (tt.got == base) != tt.same {
			t.Errorf("%s: %q vs %q, want same=%v", tt.name, tt.got, base, tt.same)
		}
	}
	for name, id := range map[string]string{
		"no key":     capture.NewVisitors(nil).ID(day, "spring", "203.0.113.7", ua),
		"no address": v.ID(day, "spring", "", ua),
	} {
		if id != "" {
			t.Errorf("%s: ID = %q, want none (every load its own visitor)", name, id)
		}
	}
}
