// Package ids makes time-sortable random identifiers: 48 bits of
// milliseconds followed by 80 random bits, Crockford base32 (26 characters,
// ULID layout), so ids sort by creation time and never collide in practice.
package ids

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// New returns a fresh id for time t.
func New(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails on supported platforms
	return encode(b)
}

func encode(b [16]byte) string {
	// 128 bits → 26 base32 digits, most significant first (top 2 bits padded).
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
