package campaign

import (
	"crypto/sha256"
	"encoding/binary"
)

// PickVariant chooses a variant by weight, deterministically from seed:
// the visitor's name for the day (capture.Visitors), else the page view's
// idempotency token, so a reload shows the same offer. The campaign id is hashed in too, so a
// visitor's draw in one campaign says nothing about another.
func (c *Campaign) PickVariant(seed string) Variant {
	var total uint64
	for _, v := range c.Variants {
		if v.Weight > 0 {
			total += uint64(v.Weight)
		}
	}
	if total == 0 {
		if len(c.Variants) > 0 {
			return c.Variants[0]
		}
		return Variant{}
	}
	h := sha256.Sum256([]byte(c.ID + "\x00" + seed))
	// The modulo's bias is below total/2^64: nothing at these weights.
	x := binary.BigEndian.Uint64(h[:8]) % total
	for _, v := range c.Variants {
		if v.Weight <= 0 {
			continue
		}
		if x < uint64(v.Weight) {
			return v
		}
		x -= uint64(v.Weight)
	}
	return c.Variants[len(c.Variants)-1] // not reached
}
