package capture

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// VisitorLabel is the label the visitor key is derived under from the
// signing secret (token.Keys.Derive), so the secret is never used raw for
// it and no new secret is deployed.
const VisitorLabel = "leadflow page visitor v1"

// Visitors names the visitor of a campaign page for one day without
// recording who they are and without a cookie: a keyed hash of the UTC
// day, the campaign, the caller's address and its user agent. The day is
// hashed into the key, so the same person gets an unrelated name the next
// day and in another campaign, and no one without the key can test an
// address against a name. People behind one address with the same
// browser (an office) are one visitor.
type Visitors struct{ key []byte }

// NewVisitors hashes with key; an empty key names no one (every page
// load is its own visitor).
func NewVisitors(key []byte) Visitors { return Visitors{key: key} }

// ID is the visitor's name for the day of at: 32 hex digits, or "" when
// there is no key or no address to tell visitors apart.
func (v Visitors) ID(at time.Time, campaign, ip, userAgent string) string {
	if len(v.key) == 0 || ip == "" {
		return ""
	}
	day := mac(v.key, at.UTC().Format("2006-01-02"))
	return hex.EncodeToString(mac(day, campaign+"\x00"+ip+"\x00"+userAgent))[:32]
}

func mac(key []byte, v string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(v))
	return m.Sum(nil)
}
