package lead

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"testing"

	"github.com/leadflow/leadflow/shared/token"
)

// evidenceOf is the Evidence a function configured with spec hashes with.
func evidenceOf(t *testing.T, spec string) Evidence {
	t.Helper()
	keys, err := token.ParseKeys(spec)
	if err != nil {
		t.Fatal(err)
	}
	return NewEvidence(keys.Derive(EvidenceLabel))
}

func plainSHA256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

func TestEvidenceIsKeyedAndCarriesItsKeyID(t *testing.T) {
	const (
		k1   = "k1:first-secret-0123456789"
		k2   = "k2:second-secret-0123456789"
		k1b  = "k1:another-secret-0123456789" // same id, another secret
		ip   = "203.0.113.9"
		ipv6 = "2001:db8::1"
		ua   = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
	)
	shape := regexp.MustCompile(`^(k1|k2):[0-9a-f]{64}$`)
	tests := []struct {
		name  string
		spec  string // the keys the record is made with
		value string
		kid   string
	}{
		{"ipv4 under k1", k1, ip, "k1"},
		{"ipv4 under k2 (current of two)", k2 + "," + k1, ip, "k2"},
		{"ipv6", k1, ipv6, "k1"},
		{"user agent", k2, ua, "k2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := evidenceOf(t, tt.spec)
			rec := ev.Hash(tt.value)
			if !shape.MatchString(rec) || rec[:len(tt.kid)+1] != tt.kid+":" {
				t.Fatalf("Hash(%q) = %q, want %s:<64 hex>", tt.value, rec, tt.kid)
			}
			// Not the plain, enumerable hash, nor the value.
			if rec[len(tt.kid)+1:] == plainSHA256(tt.value) {
				t.Fatalf("Hash(%q) is plain SHA-256", tt.value)
			}
			if ev.Hash(tt.value) != rec {
				t.Fatal("Hash is not deterministic")
			}
			// The right key proves it; another value does not.
			if ok, err := ev.Matches(rec, tt.value); !ok || err != nil {
				t.Fatalf("Matches(own record) = %v, %v", ok, err)
			}
			if ok, err := ev.Matches(rec, tt.value+"x"); ok || err != nil {
				t.Fatalf("Matches(other value) = %v, %v", ok, err)
			}
			// After a rotation the old key, still listed, checks it.
			if ok, err := evidenceOf(t, "k9:rotated-in-secret-0123,"+tt.spec).Matches(rec, tt.value); !ok || err != nil {
				t.Fatalf("Matches after rotation = %v, %v", ok, err)
			}
			// Another secret under the same id does not prove it; a keyring
			// without the id cannot check it.
			if ok, _ := evidenceOf(t, k1b).Matches(rec, tt.value); ok {
				t.Fatal("a record matched under another secret")
			}
			if _, err := evidenceOf(t, "k9:rotated-in-secret-0123").Matches(rec, tt.value); !errors.Is(err, ErrUnknownEvidenceKey) {
				t.Fatalf("Matches without the key: %v, want ErrUnknownEvidenceKey", err)
			}
		})
	}
	// Each key gives its own record of one value.
	if a, b := evidenceOf(t, k1).Hash(ip), evidenceOf(t, k1b).Hash(ip); a[3:] == b[3:] {
		t.Fatal("two secrets gave the same record")
	}
	if a, b := evidenceOf(t, k1).Hash(ip), evidenceOf(t, k2).Hash(ip); a[3:] == b[3:] {
		t.Fatal("two keys gave the same record")
	}
}

func TestEvidenceEdges(t *testing.T) {
	ev := evidenceOf(t, "k1:first-secret-0123456789")
	// Nothing sent, nothing recorded; a zero Evidence records nothing
	// rather than a plain hash.
	if ev.Hash("") != "" || (Evidence{}).Hash("203.0.113.9") != "" {
		t.Fatal("recorded something from nothing")
	}
	if NewEvidence("k2", map[string][]byte{"k1": []byte("x")}).Hash("v") != "" {
		t.Fatal("hashed with a current key it does not have")
	}
	if ok, _ := ev.Matches("", ""); ok {
		t.Fatal("an empty record proved something")
	}
	// Records from before keyed evidence: plain SHA-256 hex, checked as such.
	legacy := plainSHA256("198.51.100.1")
	for _, e := range []Evidence{ev, {}} {
		if ok, err := e.Matches(legacy, "198.51.100.1"); !ok || err != nil {
			t.Fatalf("legacy record: %v, %v", ok, err)
		}
		if ok, _ := e.Matches(legacy, "198.51.100.2"); ok {
			t.Fatal("legacy record matched another value")
		}
	}
	if ok, err := ev.Matches("k1:not-hex", "198.51.100.1"); ok || err != nil {
		t.Fatalf("damaged record: %v, %v", ok, err)
	}
}

// TestEvidenceKnownAnswer pins the stored format and the key derivation:
// records already stored must keep verifying, so a change here is a new
// label (a "v2"), never an edit.
func TestEvidenceKnownAnswer(t *testing.T) {
	// HMAC-SHA256(HMAC-SHA256("first-secret-0123456789", EvidenceLabel), "203.0.113.9")
	const want = "k1:e5ea1f974fdf318337ea5962efc85c6d70f24debe529c032f569d3aaf203c87a"
	if got := evidenceOf(t, "k1:first-secret-0123456789").Hash("203.0.113.9"); got != want {
		t.Fatalf("Hash = %s, want %s", got, want)
	}
}
