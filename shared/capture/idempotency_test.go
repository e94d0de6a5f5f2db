package capture

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestIdempotencyRecordsKeepNothingComputableFromTheKey(t *testing.T) {
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	k1 := NewIdempotencyKeys("k1", map[string][]byte{"k1": []byte("derived one"), "k2": []byte("derived two")})
	k2 := NewIdempotencyKeys("k2", map[string][]byte{"k1": []byte("derived one"), "k2": []byte("derived two")})
	const address = "ingrid.haldorsen@fjord-logistics.example"
	body := []byte(`{"email":"` + address + `"}`)
	plain := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

	r := k1.record(address, body, "receipt", at)
	for _, leak := range []string{address, plain(address), plain(string(body))} {
		if strings.Contains(r.Key+r.BodyHash, leak) {
			t.Errorf("record %+v holds %q, computable from the key alone", r, leak)
		}
	}
	tests := []struct {
		name      string
		other     *Idempotency
		sameKey   bool
		sameBody  bool
		unkeyed   bool
		keyPrefix string
	}{
		{"the same request again", k1.record(address, body, "another receipt", at), true, true, false, "k1:"},
		{"the same key, another body", k1.record(address, []byte(`{"email":"x"}`), "", at), true, false, false, "k1:"},
		{"another key, the same body", k1.record("other-key", body, "", at), false, false, false, "k1:"},
		{"the same request under the next signing key", k2.record(address, body, "", at), false, false, false, "k2:"},
		{"no signing key: plain digests (tests)", IdempotencyKeys{}.record(address, body, "", at), false, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.other.Key == r.Key; got != tt.sameKey {
				t.Errorf("same key digest = %v, want %v", got, tt.sameKey)
			}
			if got := tt.other.BodyHash == r.BodyHash; got != tt.sameBody {
				t.Errorf("same body digest = %v, want %v", got, tt.sameBody)
			}
			if !strings.HasPrefix(tt.other.Key, tt.keyPrefix) {
				t.Errorf("key digest %q does not name its key id %q", tt.other.Key, tt.keyPrefix)
			}
			if got := tt.other.Key == plain(address); got != tt.unkeyed {
				t.Errorf("key digest is the plain SHA-256 = %v, want %v", got, tt.unkeyed)
			}
		})
	}
	if k1.record("", body, "", at) != nil {
		t.Error("a request without a key keeps a record")
	}
	if k := NewIdempotencyKeys("k3", map[string][]byte{"k1": []byte("x")}); k.kid != "" || k.key != nil {
		t.Error("a current key id without its key digests with a key")
	}
}
