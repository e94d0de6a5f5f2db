package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
