package lead

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// EvidenceLabel is the label the consent-evidence keys are derived under
// from the signing keys (token.Keys.Derive): the evidence key of signing
// key kid is HMAC-SHA256(secret of kid, EvidenceLabel).
const EvidenceLabel = "leadflow consent evidence v1"

// ErrUnknownEvidenceKey: a record hashed with a key id the Evidence was
// not given (a retired signing key: give its secret to check it).
var ErrUnknownEvidenceKey = errors.New("consent evidence: unknown key id")

// Evidence makes the record of a request's IP address and user agent
// that consent evidence keeps (the values themselves are never stored):
// "<kid>:<hex HMAC-SHA256(evidence key kid, value)>". Only whoever holds
// the key can test a known value against a record; without it a record
// reveals nothing, not even by trying every IPv4 address. The key id
// says which key made it, so a record stays checkable after the signing
// keys rotate — while that key's secret is kept.
//
// The zero Evidence records nothing (Hash answers ""): a function wired
// without keys loses the evidence rather than store a plain hash.
type Evidence struct {
	current string
	keys    map[string][]byte
}

// NewEvidence hashes with keys[current] and checks records of any key in
// keys, by key id: what token.Keys.Derive(EvidenceLabel) returns.
func NewEvidence(current string, keys map[string][]byte) Evidence {
	if _, ok := keys[current]; !ok {
		return Evidence{}
	}
	return Evidence{current: current, keys: keys}
}

// Hash is the record of v: "" for an empty v (nothing was sent) or a
// zero Evidence.
func (e Evidence) Hash(v string) string {
	if v == "" || e.current == "" {
		return ""
	}
	return e.current + ":" + hex.EncodeToString(keyed(e.keys[e.current], v))
}

// Matches reports whether record is the record of v: how an operator
// proves the consent a lead's record holds came from a known IP address
// or user agent. Records stored before evidence was keyed are the plain
// SHA-256 hex of the value (64 hex digits, no key id) and are checked as
// such. A record of a key id e has no key for is ErrUnknownEvidenceKey.
func (e Evidence) Matches(record, v string) (bool, error) {
	if record == "" || v == "" {
		return false, nil // nothing recorded proves nothing
	}
	kid, mac, keyedRecord := strings.Cut(record, ":")
	if !keyedRecord { // legacy: sha256(v)
		sum := sha256.Sum256([]byte(v))
		return hmac.Equal([]byte(strings.ToLower(record)), []byte(hex.EncodeToString(sum[:]))), nil
	}
	key, ok := e.keys[kid]
	if !ok {
		return false, ErrUnknownEvidenceKey
	}
	got, err := hex.DecodeString(mac)
	if err != nil {
		return false, nil
	}
	return hmac.Equal(got, keyed(key, v)), nil
}

func keyed(key []byte, v string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(v))
	return m.Sum(nil)
}
