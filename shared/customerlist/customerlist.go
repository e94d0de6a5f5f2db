// Package customerlist is the file format of the retargeting customer
// lists: where the segment exports write them in the export bucket, as
// what, and what a row is — the one place both the exports (package
// segment) and an erasure (package privacy, which takes an address back
// out) read it from. It imports nothing of the product, so privacy links
// it without the segment rules' config parsing.
package customerlist

import (
	"bytes"
	"strings"
	"time"
)

// Prefix is the folder of the export bucket every customer list lies in.
const Prefix = "segments/"

// Header is a list's first line: the one column Google Ads Customer
// Match and Meta custom audiences read hashed addresses from.
const Header = "Email\n"

// ContentType is a list's media type.
const ContentType = "text/csv; charset=utf-8"

// Key is where a segment's list of a day goes: segments/<id>/<date>.csv.
// A second export the same day (a retry, a manual run) replaces it.
func Key(id string, at time.Time) string {
	return Prefix + id + "/" + at.UTC().Format("2006-01-02") + ".csv"
}

// IsList reports whether a key of the bucket names a customer list.
func IsList(key string) bool {
	return strings.HasPrefix(key, Prefix) && strings.HasSuffix(key, ".csv")
}

// Without is a list without the rows of one hashed address (a row is the
// hash alone), and whether it had any.
func Without(body []byte, hash string) ([]byte, bool) {
	var out []byte
	found := false
	for line := range bytes.Lines(body) {
		if string(bytes.TrimRight(line, "\r\n")) == hash {
			found = true
			continue
		}
		out = append(out, line...)
	}
	return out, found
}
