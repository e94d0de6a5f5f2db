package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/shared/lead"
)

// Segment exports are recorded in one small partition: one item per
// segment (its last export), read by the dashboard with one query.
const (
	pkSegments     = "SEGMENTS"
	segmentsPrefix = "SEGMENT#"
)

// SegmentRun is a segment's last export: how many leads matched, how
// many of them the file holds, when, and the file's key in the bucket.
type SegmentRun struct {
	Segment    string    `json:"segment"`
	Matching   int       `json:"matching"`
	Exportable int       `json:"exportable"`
	At         time.Time `json:"at"`
	Key        string    `json:"key"`
}

// SaveSegmentRun records a segment's export, replacing the last one.
func (s *Store) SaveSegmentRun(ctx context.Context, r SegmentRun) error {
	item, err := withKey(r, pkSegments, segmentsPrefix+r.Segment)
	if err != nil {
		return wrap("marshal segment run", err)
	}
	err = againOnConflict(ctx, func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item})
		return err
	})
	if err != nil {
		return wrap("save segment run", err)
	}
	return nil
}

// SegmentRuns lists every segment's last export, by segment id.
func (s *Store) SegmentRuns(ctx context.Context) ([]SegmentRun, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pkSegments), ":sk": str(segmentsPrefix)}})
	var out []SegmentRun
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("query segment runs", err)
		}
		for _, item := range page.Items {
			var r SegmentRun
			if err := unmarshal(item, &r); err != nil {
				return nil, wrap("decode segment run", err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Erasures and suppressions are recorded in the same partition, one item
// per address (ERASED#<email hash>, SUPPRESSED#<email hash>, naming no
// lead, holding nothing but its expiry), kept ErasureMemory: the export
// and the erasures take every recent erasure's and suppression's row out
// of the customer lists they write (see customerlist.Removals).
const (
	erasedPrefix     = "ERASED#"
	suppressedPrefix = "SUPPRESSED#"
)

// ErasureMemory is how long an erasure's or a suppression's record is
// kept (TTL): far longer than an export (the segments function runs at
// most 15 minutes) or an erasure (1 minute) runs.
const ErasureMemory = 24 * time.Hour

type erasure struct {
	ExpiresAt int64 `json:"expiresAt"` // epoch seconds: the table's TTL attribute
}

// RecordErasure records that the address of emailHash is being erased.
func (s *Store) RecordErasure(ctx context.Context, emailHash string, at time.Time) error {
	return s.recordRemoval(ctx, erasedPrefix, emailHash, at, "erasure")
}

// recordSuppression records that the address of emailHash is being
// suppressed: Suppress does, before it writes anything else, so an export that read the lead before and stores its file
// after finds the record when it reads them after storing it. A
// suppression that then fails leaves a record that only keeps the
// address out of the files written in the next ErasureMemory.
func (s *Store) recordSuppression(ctx context.Context, emailHash string, at time.Time) error {
	return s.recordRemoval(ctx, suppressedPrefix, emailHash, at, "suppression")
}

func (s *Store) recordRemoval(ctx context.Context, prefix, emailHash string, at time.Time, what string) error {
	item, err := withKey(erasure{ExpiresAt: at.Add(ErasureMemory).Unix()}, pkSegments, prefix+emailHash)
	if err != nil {
		return wrap("marshal "+what, err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return wrap("record "+what, err)
	}
	return nil
}

// ErasedSince reports whether an erasure of the address was recorded at
// or after since, to the second (the record keeps its time as its expiry,
// in seconds): one strongly consistent read. A record of an earlier
// erasure — of a lead the address had before — is older than the lead
// now holding the address, which could only claim it once that erasure
// had deleted the claim.
func (s *Store) ErasedSince(ctx context.Context, emailHash string, since time.Time) (bool, error) {
	var rec erasure
	switch err := s.get(ctx, pkSegments, erasedPrefix+emailHash, &rec); {
	case errors.Is(err, lead.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return rec.ExpiresAt-int64(ErasureMemory/time.Second) >= since.Unix(), nil
}

// RecentErasures are the email hashes of the erasures recorded in the
// last ErasureMemory (one strongly consistent query: a record written
// before it started is in it).
func (s *Store) RecentErasures(ctx context.Context) ([]string, error) {
	return s.recentRemovals(ctx, erasedPrefix, "erasures")
}

// RecentSuppressions are the email hashes of the suppressions recorded
// in the last ErasureMemory (strongly consistent, as RecentErasures).
func (s *Store) RecentSuppressions(ctx context.Context) ([]string, error) {
	return s.recentRemovals(ctx, suppressedPrefix, "suppressions")
}

func (s *Store) recentRemovals(ctx context.Context, prefix, what string) ([]string, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :sk)"),
		ProjectionExpression:      aws.String("SK"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pkSegments), ":sk": str(prefix)}})
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrap("query "+what, err)
		}
		for _, item := range page.Items {
			if sk, ok := item["SK"].(*types.AttributeValueMemberS); ok {
				out = append(out, sk.Value[len(prefix):])
			}
		}
	}
	return out, nil
}
