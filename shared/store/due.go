package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Due returns up to limit ids of leads due at or before now in one shard
// of the sparse due index, soonest first. A tick reads every shard; leads
// with nothing due are not in the index at all, so the cost of a tick
// follows what is due, not how many leads exist.
func (s *Store) Due(ctx context.Context, shard int, now time.Time, limit int) ([]string, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String(indexDue),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str("DUE#" + strconv.Itoa(shard)), ":now": str(now.UTC().Format(dueLayout) + "#~"),
		},
		Limit: aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, wrap("query due", err)
	}
	ids := make([]string, 0, len(out.Items))
	for _, item := range out.Items {
		if sk, ok := item[attrGSI1SK].(*types.AttributeValueMemberS); ok {
			if i := strings.LastIndexByte(sk.Value, '#'); i >= 0 {
				ids = append(ids, sk.Value[i+1:])
			}
		}
	}
	return ids, nil
}

// MarkSent records, before an email goes out, that job (e.g. "handoff")
// is being sent for a lead. It returns false when the marker already
// exists: that email was sent (or is being sent) by an earlier attempt
// and must not be sent again.
func (s *Store) MarkSent(ctx context.Context, leadID, job string, at time.Time) (bool, error) {
	cond := condNew
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, ConditionExpression: &cond,
		Item: map[string]types.AttributeValue{attrPK: str(leadPK(leadID)), attrSK: str("SENT#" + job), "at": str(at.UTC().Format(time.RFC3339Nano))}})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, wrap("mark sent", err)
	}
	return true, nil
}

// UnmarkSent removes a marker after a send that certainly failed, so the
// email can be retried.
func (s *Store) UnmarkSent(ctx context.Context, leadID, job string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(leadPK(leadID), "SENT#"+job)})
	if err != nil {
		return wrap("unmark sent", err)
	}
	return nil
}

// NextTurn takes the next turn of a team's round robin: an atomic counter,
// so concurrent hot leads each get a distinct turn and none is lost.
func (s *Store) NextTurn(ctx context.Context, team string) (int64, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key("ROTATION#"+team, "STATE"),
		UpdateExpression:          aws.String("ADD turns :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, wrap("next turn", err)
	}
	n, ok := out.Attributes["turns"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, wrap("next turn", errNoCounter)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	return v - 1, err
}
