package token

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// MinSecretLen is the shortest secret ParseKeys accepts, in bytes.
const MinSecretLen = 16

// Keys are the signing secrets by key id. Sign uses the current key; Verify
// accepts any listed key, so a rotation is: list the new key first, keep the
// old one until its last tokens expire, then drop it.
type Keys struct {
	current string
	secrets map[string][]byte
	order   []string // key ids as listed, for String
}

// ParseKeys reads a spec like "k2:secretB,k1:secretA": comma-separated
// "<kid>:<secret>" pairs, current key first. Key ids are 1–32 characters of
// [A-Za-z0-9_-]; secrets are used as given (bytes of the string, which may
// contain ':' but not ','), at least MinSecretLen bytes. Errors name the
// entry and key id, never the secret.
func ParseKeys(spec string) (Keys, error) {
	if strings.TrimSpace(spec) == "" {
		return Keys{}, errors.New("token keys: empty; want \"<kid>:<secret>[,<kid>:<secret>...]\", current key first")
	}
	k := Keys{secrets: map[string][]byte{}}
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		kid, secret, ok := strings.Cut(entry, ":")
		if !ok {
			return Keys{}, fmt.Errorf("token keys: entry %d: want \"<kid>:<secret>\"", i+1)
		}
		if err := checkKID(kid); err != nil {
			return Keys{}, fmt.Errorf("token keys: entry %d: %w", i+1, err)
		}
		if len(secret) < MinSecretLen {
			return Keys{}, fmt.Errorf("token keys: entry %d (key %q): secret is %d bytes, want at least %d", i+1, kid, len(secret), MinSecretLen)
		}
		if _, dup := k.secrets[kid]; dup {
			return Keys{}, fmt.Errorf("token keys: entry %d: key id %q listed twice", i+1, kid)
		}
		if k.current == "" {
			k.current = kid
		}
		k.secrets[kid] = []byte(secret)
		k.order = append(k.order, kid)
	}
	return k, nil
}

func checkKID(kid string) error {
	if kid == "" || len(kid) > 32 {
		return fmt.Errorf("key id %q: want 1–32 characters", kid)
	}
	for _, r := range kid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("key id %q: only letters, digits, '_' and '-' allowed", kid)
		}
	}
	return nil
}

// Current is the id of the key Sign uses.
func (k Keys) Current() string { return k.current }

// String lists the key ids, never the secrets, so Keys are safe to log.
func (k Keys) String() string {
	return "token.Keys{current: " + k.current + ", ids: [" + strings.Join(k.order, " ") + "]}"
}

// GoString keeps %#v from printing the secrets too.
func (k Keys) GoString() string { return k.String() }

// LoadKeys is the signing keys a function is configured with: spec itself
// when given (the local stack), else the SSM parameter named param, read
// with read. Errors name the variables to set, never a secret.
func LoadKeys(ctx context.Context, spec, param string, read func(ctx context.Context, name string) (string, error)) (Keys, error) {
	if spec == "" {
		if param == "" {
			return Keys{}, errors.New("config: set SIGNING_KEYS_PARAM (SSM parameter name) or SIGNING_KEYS")
		}
		if read == nil {
			return Keys{}, errors.New("config: SIGNING_KEYS_PARAM is set but this function has no SSM client")
		}
		var err error
		if spec, err = read(ctx, param); err != nil {
			return Keys{}, fmt.Errorf("signing keys: %w", err)
		}
	}
	keys, err := ParseKeys(spec)
	if err != nil {
		return Keys{}, fmt.Errorf("signing keys: %w", err)
	}
	return keys, nil
}

// Derive returns, for every listed key id, a key for another purpose than
// signing links: HMAC-SHA256(secret, label), 32 bytes. A distinct label
// per purpose keeps the signing secret itself from ever being used raw
// for anything else, and a derived key tells nothing about the secret or
// about a key derived under another label. The label must not contain
// '.': every string Sign MACs does, so no derived key is ever a valid
// token signature. current is the key id of the current key; the map is
// fresh, the caller's to keep. Derive panics on a label with a '.' (a
// programming error); the zero Keys derives nothing.
func (k Keys) Derive(label string) (current string, derived map[string][]byte) {
	if label == "" || strings.Contains(label, ".") {
		panic("token: Derive label must be non-empty and contain no '.'")
	}
	derived = make(map[string][]byte, len(k.secrets))
	for kid, secret := range k.secrets {
		derived[kid] = k.mac(secret, label)
	}
	return k.current, derived
}
