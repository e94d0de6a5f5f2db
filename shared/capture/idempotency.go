package capture

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// IdempotencyLabel is the label the idempotency key is derived under from
// the signing secret (token.Keys.Derive): the secret is never used raw for
// it, and no new secret is deployed.
const IdempotencyLabel = "leadflow idempotency key v1"

// IdempotencyKeys digests what a request with an Idempotency-Key (or a
// form's _idem) keeps in its record. Clients often send the lead's address
// as the key, and the record outlives an erasure by up to a day (TTL), so
// neither its name nor its body hash may be computable from the key alone:
// an unkeyed SHA-256 of the address is the address's hash anyone computes,
// and leads from it to the record and its lead id. Both are HMAC-SHA256
// under a key derived from the signing secret, named by its key id.
//
// A retry that straddles a signing-key rotation (its first attempt hashed
// under the key before) is not found under the new one: it is taken as a
// new post of the same form (merged into the address's lead, never a
// second lead), as is a retry of a record stored before keyed digests.
//
// The zero IdempotencyKeys digests with plain SHA-256 (tests and tools
// without a signing key); the functions are always wired with a key.
type IdempotencyKeys struct {
	kid string
	key []byte
}

// NewIdempotencyKeys digests with keys[current], what
// token.Keys.Derive(IdempotencyLabel) returns; without that key, the zero
// IdempotencyKeys.
func NewIdempotencyKeys(current string, keys map[string][]byte) IdempotencyKeys {
	k, ok := keys[current]
	if !ok || len(k) == 0 {
		return IdempotencyKeys{}
	}
	return IdempotencyKeys{kid: current, key: k}
}

// record is the record a request with key keeps (nil without a key): the
// key's digest, the receipt answered, and the body's digest, which also
// depends on the key, so only a request holding the key can check a body
// against the record. The raw key is never stored.
func (k IdempotencyKeys) record(key string, body []byte, receipt string, at time.Time) *Idempotency {
	if key == "" {
		return nil
	}
	if len(k.key) == 0 {
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write(body)
		return &Idempotency{Key: hashBytes([]byte(key)), BodyHash: "k:" + hex.EncodeToString(mac.Sum(nil)), Receipt: receipt, ExpiresAt: at.Add(IdempotencyTTL)}
	}
	name := hmac.New(sha256.New, k.key)
	name.Write([]byte("key\x00" + key))
	sum := hmac.New(sha256.New, k.key)
	// The key's length first: key and body cannot be told apart otherwise.
	sum.Write([]byte("body\x00" + strconv.Itoa(len(key)) + "\x00" + key))
	sum.Write(body)
	return &Idempotency{
		Key:       k.kid + ":" + hex.EncodeToString(name.Sum(nil)),
		BodyHash:  "s:" + k.kid + ":" + hex.EncodeToString(sum.Sum(nil)),
		Receipt:   receipt,
		ExpiresAt: at.Add(IdempotencyTTL),
	}
}
