package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/leadflow/leadflow/shared/lead"
)

// InlineLimit is the largest export answered in the response itself:
// Lambda answers at most 6 MB through API Gateway, the body counted as
// the JSON string it is sent in (every quote escaped), headers besides.
// A larger one — a lead with tens of thousands of timeline events — is
// stored whole in the export bucket instead (Stored).
const InlineLimit = 5 << 20

// CopyPrefix is where stored exports are kept in the export bucket, one
// per lead (CopyKey); template.yaml expires them after a day and grants
// the privacy function its objects under it.
const CopyPrefix = "privacy-exports/"

// CopyKey is the key of a lead's stored export: its id, never its address
// or the address's hash. A later export of the lead replaces it; the
// lead's erasure deletes it.
func CopyKey(leadID string) string { return CopyPrefix + leadID + ".json" }

// LinkLife is how long the download link of a stored export works.
const LinkLife = 15 * time.Minute

// Copies is where exports too large to answer are stored (the export
// bucket): written, linked for download, and deleted by the lead's
// erasure.
type Copies interface {
	Put(ctx context.Context, key, contentType string, body io.ReadSeeker, size int64) error
	// Delete removes an object; one that is not there is no error.
	Delete(ctx context.Context, key string) error
	// URL is a link that downloads the object, without credentials,
	// until it expires after ttl.
	URL(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// ErrErasedMeanwhile is an export the address's erasure overtook: the
// erasure started after the export read the lead, and the copy the
// export stored was deleted again. Run again, the export shows what is
// left.
var ErrErasedMeanwhile = errors.New("the address was erased while the export ran: its stored copy was deleted; run the export again to see what is held now")

// Stored is the answer to an export too large to answer inline: where
// the whole export is, how large, and a link that downloads it.
type Stored struct {
	EmailHash      string     `json:"email_hash"`
	Found          bool       `json:"found"`
	LeadID         string     `json:"lead_id"`
	TimelineEvents int        `json:"timeline_events"`
	Stored         StoredCopy `json:"stored"`
}

// StoredCopy is a stored export: an object of the export bucket.
type StoredCopy struct {
	Bucket string `json:"bucket,omitempty"`
	Key    string `json:"key"`
	Bytes  int64  `json:"bytes"`
	// URL downloads it (GET, no credentials) until URLExpiresAt.
	URL          string    `json:"url"`
	URLExpiresAt time.Time `json:"url_expires_at"`
}

// Answer is what POST /admin/export answers: the export itself
// (json.RawMessage) when it fits in a response, else — stored whole
// under CopyKey — a Stored saying where.
func (s *Service) Answer(ctx context.Context, email string) (any, error) {
	exp, err := s.Export(ctx, email)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(exp)
	if err != nil {
		return nil, fmt.Errorf("encode export: %w", err)
	}
	limit := s.InlineLimit
	if limit <= 0 {
		limit = InlineLimit
	}
	if AnswerSize(body) <= limit {
		return json.RawMessage(body), nil
	}
	if s.Copies == nil || !exp.Found {
		// Without a lead an export holds a few keys: never near the limit.
		return nil, fmt.Errorf("export of %d bytes is too large to answer, and there is no bucket to store it in", len(body))
	}
	if lead.NearDeadline(ctx, Margin) {
		return nil, ErrUnfinished
	}
	key := CopyKey(exp.Lead.ID)
	if err := s.Copies.Put(ctx, key, "application/json", bytes.NewReader(body), int64(len(body))); err != nil {
		return nil, fmt.Errorf("store export: %w", err)
	}
	// An erasure that started after the lead was read may have deleted
	// the lead's copies before this one was stored: it recorded itself
	// first (RecordErasure), so its record is found now, and the copy
	// goes. One that records itself later deletes the copy itself.
	switch erased, err := s.Store.ErasedSince(ctx, exp.EmailHash, exp.Lead.CreatedAt); {
	case err != nil:
		// Not known whether an erasure overtook it: the copy goes, and
		// the answer (nothing exported) holds.
		return nil, s.unstore(ctx, key, fmt.Errorf("store export: %w", err))
	case erased:
		return nil, s.unstore(ctx, key, ErrErasedMeanwhile)
	}
	now := s.Clock()
	url, err := s.Copies.URL(ctx, key, LinkLife)
	if err != nil {
		return nil, s.unstore(ctx, key, fmt.Errorf("link the stored export: %w", err))
	}
	return Stored{EmailHash: exp.EmailHash, Found: true, LeadID: exp.Lead.ID, TimelineEvents: len(exp.Timeline),
		Stored: StoredCopy{Bucket: s.Bucket, Key: key, Bytes: int64(len(body)), URL: url, URLExpiresAt: now.Add(LinkLife).UTC()}}, nil
}

// cleanupTime is how long unstore may take past the work's deadline: the
// handler keeps a second to answer after it.
const cleanupTime = 500 * time.Millisecond

// unstore deletes the copy of an export that is not answered (why: err),
// also when the work's deadline passed — a copy an erasure overtook would
// otherwise keep the erased person's data in the bucket until its
// lifecycle removes it, a day or more later. It returns err, saying so
// when the copy is left.
func (s *Service) unstore(ctx context.Context, key string, err error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTime)
	defer cancel()
	if derr := s.Copies.Delete(ctx, key); derr != nil {
		return fmt.Errorf("%w; and its stored copy could not be deleted: delete %s from the bucket (its lifecycle deletes it within a day): %v", err, key, derr)
	}
	return err
}

// AnswerSize is how many bytes body takes in Lambda's response: the
// JSON string encoding/json writes it as (quotes and backslashes
// escaped, control characters, <, >, &, U+2028 and U+2029 as \u
// escapes, invalid UTF-8 as \ufffd), counted without a copy.
func AnswerSize(body []byte) int {
	n := 2
	for i := 0; i < len(body); {
		c := body[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}
