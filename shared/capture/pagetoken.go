package capture

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// PageTokenLabel is the label the page token key is derived under from the
// signing secret (token.Keys.Derive).
const PageTokenLabel = "leadflow page token v1"

// PageTokens sign the token a campaign's own page (hosted or framed) puts
// in its form's _idem, so that capture can tell a post from that page —
// a page lead, the numerator of the page's view → lead — from a site's own
// form that sends an _idem of its own (as forms are advised to): both are
// idempotency tokens, but only the page's is signed for its campaign. A
// token is "<random>.<key id>.<mac>"; one signed under a key that is no
// longer deployed is still an idempotency token, only not a page lead.
type PageTokens struct {
	current string
	keys    map[string][]byte
}

// NewPageTokens signs with keys[current] and verifies with any of keys;
// the zero PageTokens signs nothing and verifies nothing (no page leads).
func NewPageTokens(current string, keys map[string][]byte) PageTokens {
	return PageTokens{current: current, keys: keys}
}

// Sign is the page token for a view of campaign's page: base (random,
// unique per view) followed by its key id and mac; base alone without a
// key.
func (p PageTokens) Sign(campaign, base string) string {
	key := p.keys[p.current]
	if len(key) == 0 || strings.Contains(p.current, ".") {
		return base
	}
	return base + "." + p.current + "." + p.mac(key, campaign, base)
}

// Signed reports whether tok is a page token Sign made for campaign.
func (p PageTokens) Signed(campaign, tok string) bool {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return false
	}
	rest, sig := tok[:i], tok[i+1:]
	j := strings.LastIndexByte(rest, '.')
	if j < 0 {
		return false
	}
	base, kid := rest[:j], rest[j+1:]
	key := p.keys[kid]
	if len(key) == 0 {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(p.mac(key, campaign, base)))
}

func (PageTokens) mac(key []byte, campaign, base string) string {
	return hex.EncodeToString(mac(key, campaign+"\x00"+base))[:32]
}

// randomToken is 128 random bits in hex.
func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
