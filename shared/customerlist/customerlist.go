// Package customerlist is the file format of the retargeting customer
// lists: where the segment exports write them in the export bucket, as
// what, and what a row is — the one place both the exports (package
// segment) and an erasure (package privacy, which takes an address back
// out) read it from. It imports nothing of the product, so privacy links
// it without the segment rules' config parsing.
package customerlist

import (
	"bufio"
	"bytes"
	"context"
	"io"
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

// Key is where one export's list of a segment goes:
// segments/<id>/<date>-<run>.csv, run naming the export (a time-ordered
// id: a segment's newest list sorts last). Each export writes lists of
// its own, never one another export wrote: an erasure writes back a list
// without the erased row from what it read, and had a second export the
// same day written the same key meanwhile, that write would put back the
// day's first list over it (every row the second one added, lost).
func Key(id string, at time.Time, run string) string {
	return Prefix + id + "/" + at.UTC().Format("2006-01-02") + "-" + run + ".csv"
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

// Removals are the addresses (email hashes) no list may be written with:
// those of the recent erasures and of the recent suppressions
// (unsubscribes, bounces, complaints). Each erasure and each suppression
// records its address before anything else, and every writer of a list —
// the export, an erasure — takes every recorded address out of what it
// writes, reads them again after each write and writes again without any
// it had not yet taken out. A list's last write is then followed by a
// read that found nothing new, so an address still in it was recorded
// after that write: a suppression made after the list was handed over
// (the next export leaves it out), or an erasure, which finds the list
// in the bucket and takes the address out.
type Removals interface {
	RecentErasures(ctx context.Context) ([]string, error)
	RecentSuppressions(ctx context.Context) ([]string, error)
}

// Fresh are the addresses recorded in r (erased or suppressed) that are
// not in taken yet; it adds them to taken (nil r: none).
func Fresh(ctx context.Context, r Removals, taken map[string]bool) (map[string]bool, error) {
	if r == nil {
		return nil, nil
	}
	erased, err := r.RecentErasures(ctx)
	if err != nil {
		return nil, err
	}
	suppressed, err := r.RecentSuppressions(ctx)
	if err != nil {
		return nil, err
	}
	fresh := map[string]bool{}
	for _, h := range append(erased, suppressed...) {
		if !taken[h] {
			taken[h], fresh[h] = true, true
		}
	}
	return fresh, nil
}

// MaxRounds bounds a writer's write-then-check rounds: each further round
// needs yet another erasure recorded during the one before.
const MaxRounds = 20

// Drop is a list without the rows of any hash in drop, and how many rows
// it dropped.
func Drop(body []byte, drop map[string]bool) ([]byte, int) {
	var out []byte
	n := 0
	for line := range bytes.Lines(body) {
		if drop[string(bytes.TrimRight(line, "\r\n"))] {
			n++
			continue
		}
		out = append(out, line...)
	}
	return out, n
}

// Filter copies the list in src to dst without the rows of any hash in
// drop, and says how many rows it dropped.
func Filter(dst io.Writer, src io.Reader, drop map[string]bool) (int, error) {
	r := bufio.NewReaderSize(src, 64<<10)
	n := 0
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			if drop[string(bytes.TrimRight(line, "\r\n"))] {
				n++
			} else if _, werr := dst.Write(line); werr != nil {
				return n, werr
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return n, err
		}
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer is no row: copy the rest of it.
			rest, rerr := r.ReadBytes('\n')
			if _, werr := dst.Write(rest); werr != nil {
				return n, werr
			}
			if rerr == io.EOF {
				return n, nil
			}
			if rerr != nil {
				return n, rerr
			}
		}
	}
}
