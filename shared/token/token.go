// Package token makes and checks the signed links carried in emails: sales
// accept/reject decisions, unsubscribe and click tracking. A token is
// "<kid>.<payload>.<sig>", all base64url without padding: the payload binds
// an action, a subject (e.g. a lead id), optional extra data and an expiry,
// and the signature is HMAC-SHA256 over "<kid>.<payload>" with the secret of
// key kid. Keys rotate by listing a new current key first and keeping old
// ones until every token signed with them has expired.
//
// The package is pure (stdlib only) and Verify never panics, whatever it is
// given: tokens arrive from the open internet.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Verify's errors wrap exactly one of them, with a short
// reason that is safe to log.
var (
	// ErrInvalid: malformed, unknown key id, bad signature, or issued for
	// another action. Callers answer it like a 404: nothing to act on.
	ErrInvalid = errors.New("invalid token")
	// ErrExpired: authentic and for the right action, but past its expiry.
	// Callers may say "this link has expired" rather than "bad link".
	ErrExpired = errors.New("expired token")
)

// MaxLen is the longest token Verify will look at. Sign does not stop you
// making longer ones, so keep Subject and Extra to ids and hashes: a
// typical token is well under 200 characters.
const MaxLen = 1024

// The first payload byte is the encoding's version, so the encoding can
// change without old links being misread: version 1 has no issue time,
// version 2 does. Both are read; Sign writes 2 only for claims with an
// Issued time, so every other link keeps its length.
const (
	version       = 1
	versionIssued = 2
)

var b64 = base64.RawURLEncoding.Strict()

// Claims are what a token says. Expires and Issued are kept to the
// second; a token whose Expires is the zero time is already expired.
type Claims struct {
	Action  string // what the link does: "accept", "reject", "unsubscribe", "click"
	Subject string // whom or what it is about, e.g. a lead id
	Extra   string // optional, e.g. a rep's email hash or a URL index
	Expires time.Time
	// Issued is when the link was made, where its route needs it (a sales
	// answer belongs to the hand-off it was sent for); zero otherwise, and
	// in links made before it existed.
	Issued time.Time
}

// Sign returns the token for c, signed with the current key. Keys must come
// from ParseKeys; tokens signed with the zero Keys never verify.
func (k Keys) Sign(c Claims) string {
	payload := b64.EncodeToString(encode(c))
	signed := k.current + "." + payload
	return signed + "." + b64.EncodeToString(k.mac(k.secrets[k.current], signed))
}

// Verify checks tok and returns its claims when it is authentic (signed by
// a key still listed), was issued for action, and has not expired at now
// (it is valid while now is before Expires). Errors wrap ErrInvalid or
// ErrExpired; with ErrExpired the claims are returned too, since they are
// authentic (a page can say which link expired).
func (k Keys) Verify(tok string, action string, now time.Time) (Claims, error) {
	if action == "" {
		return Claims{}, fmt.Errorf("%w: no action to check against", ErrInvalid)
	}
	if len(tok) > MaxLen {
		return Claims{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalid, MaxLen)
	}
	kid, rest, ok := strings.Cut(tok, ".")
	if !ok {
		return Claims{}, fmt.Errorf("%w: malformed", ErrInvalid)
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") {
		return Claims{}, fmt.Errorf("%w: malformed", ErrInvalid)
	}
	secret, known := k.secrets[kid]
	if kid == "" || !known {
		return Claims{}, fmt.Errorf("%w: unknown key id", ErrInvalid)
	}
	got, err := b64.DecodeString(sig)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: malformed signature", ErrInvalid)
	}
	if !hmac.Equal(got, k.mac(secret, tok[:len(kid)+1+len(payload)])) {
		return Claims{}, fmt.Errorf("%w: bad signature", ErrInvalid)
	}
	raw, err := b64.DecodeString(payload)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: malformed payload", ErrInvalid)
	}
	c, err := decode(raw)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if c.Action != action {
		return Claims{}, fmt.Errorf("%w: issued for another action", ErrInvalid)
	}
	if !now.Before(c.Expires) {
		return c, fmt.Errorf("%w: expired at %s", ErrExpired, c.Expires.Format(time.RFC3339))
	}
	return c, nil
}

func (k Keys) mac(secret []byte, signed string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signed))
	return m.Sum(nil)
}

// encode lays the claims out as: version byte, expiry (varint Unix
// seconds), in version 2 the issue time (likewise), then action, subject
// and extra, each as uvarint length + bytes. Length prefixes keep fields
// unambiguous whatever bytes they hold.
func encode(c Claims) []byte {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+3*binary.MaxVarintLen64+len(c.Action)+len(c.Subject)+len(c.Extra))
	if c.Issued.IsZero() {
		b = append(b, version)
	} else {
		b = append(b, versionIssued)
	}
	b = binary.AppendVarint(b, c.Expires.Unix())
	if !c.Issued.IsZero() {
		b = binary.AppendVarint(b, c.Issued.Unix())
	}
	for _, s := range []string{c.Action, c.Subject, c.Extra} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func decode(b []byte) (Claims, error) {
	if len(b) == 0 || b[0] != version && b[0] != versionIssued {
		return Claims{}, errors.New("unknown payload version")
	}
	v := b[0]
	b = b[1:]
	exp, n := binary.Varint(b)
	if n <= 0 {
		return Claims{}, errors.New("malformed expiry")
	}
	b = b[n:]
	var issued time.Time
	if v == versionIssued {
		at, n := binary.Varint(b)
		if n <= 0 || at == 0 {
			return Claims{}, errors.New("malformed issue time")
		}
		issued, b = time.Unix(at, 0).UTC(), b[n:]
	}
	var fields [3]string
	for i := range fields {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return Claims{}, errors.New("malformed field")
		}
		fields[i] = string(b[n : n+int(l)])
		b = b[n+int(l):]
	}
	if len(b) != 0 {
		return Claims{}, errors.New("trailing bytes")
	}
	return Claims{Action: fields[0], Subject: fields[1], Extra: fields[2], Expires: time.Unix(exp, 0).UTC(), Issued: issued}, nil
}
