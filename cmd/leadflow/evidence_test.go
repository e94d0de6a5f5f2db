package main

import (
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/token"
)

func TestCheckEvidence(t *testing.T) {
	old, _ := token.ParseKeys("k1:first-secret-0123456789")
	rec := enrol.Evidence(old).Hash("203.0.113.9")
	// A record from before keyed evidence: sha256("203.0.113.9") in hex.
	const legacy = "d861b7e91033ebc1c1e8e7af3929010158b3241b54ca87ef73e79c32f26400ec"
	tests := []struct {
		name, keys, record, value string
		code                      int
		out                       string
	}{
		{"match", "k1:first-secret-0123456789", rec, "203.0.113.9", 0, "match:"},
		{"match after rotation", "k2:second-secret-0123456789,k1:first-secret-0123456789", rec, "203.0.113.9", 0, "match:"},
		{"another value", "k1:first-secret-0123456789", rec, "203.0.113.10", 1, "no match:"},
		{"another secret", "k1:forged-secret-0123456789", rec, "203.0.113.9", 1, "no match:"},
		{"key not listed", "k2:second-secret-0123456789", rec, "203.0.113.9", 2, `key "k1"`},
		{"no keys", "", rec, "203.0.113.9", 2, `key "k1"`},
		{"legacy record, no keys needed", "", legacy, "203.0.113.9", 0, "match:"},
		{"legacy record, another value", "", legacy, "203.0.113.10", 1, "no match:"},
		{"bad keys", "k1:short", rec, "203.0.113.9", 2, "SIGNING_KEYS"},
		{"no value", "k1:first-secret-0123456789", rec, "", 2, "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SIGNING_KEYS", tt.keys)
			code, out, errOut := runCmd("check-evidence", "-record", tt.record, "-value", tt.value)
			if code != tt.code || !strings.Contains(out+errOut, tt.out) {
				t.Fatalf("code %d, want %d\nstdout %s\nstderr %s", code, tt.code, out, errOut)
			}
			// Neither the secret nor the value is echoed.
			if strings.Contains(out+errOut, "secret-0123456789") {
				t.Fatalf("output names a secret: %s%s", out, errOut)
			}
		})
	}
}
