package store

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MaxHeldListed bounds the held lead ids kept per source and window (the
// summary lists them); beyond it holds are only counted.
const MaxHeldListed = 200

// AlertSlot takes one of a source's limit alert slots in a window for a
// lead, atomically: one conditional update of ALERTS#<key> adding the lead
// id to a set, refused when the set is full. Asking again for a lead that
// has a slot answers true again, so retries take no second slot.
func (s *Store) AlertSlot(ctx context.Context, k, leadID string, limit int, expires time.Time) (bool, error) {
	added, err := s.addToSet(ctx, k, "alerted", leadID, limit, expires)
	if err != nil {
		return false, wrap("alert slot", err)
	}
	return added, nil
}

// HoldAlert records a lead held beyond a source's limit: its id in the
// window's held set (idempotent) while the set has room, else a count.
func (s *Store) HoldAlert(ctx context.Context, k, leadID string, expires time.Time) error {
	added, err := s.addToSet(ctx, k, "held", leadID, MaxHeldListed, expires)
	if err == nil && !added {
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: alertsKey(k),
			UpdateExpression:          aws.String("ADD heldMore :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
		})
	}
	if err != nil {
		return wrap("hold alert", err)
	}
	return nil
}

// addToSet adds id to the string set attr of ALERTS#<k> in one
// conditional update, while the set holds fewer than limit ids; an id the
// set has already counts as added (retries take no second place).
func (s *Store) addToSet(ctx context.Context, k, attr, id string, limit int, expires time.Time) (bool, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      alertsKey(k),
		UpdateExpression:         aws.String("ADD #set :ids SET expiresAt = :exp"),
		ConditionExpression:      aws.String("attribute_not_exists(#set) OR size(#set) < :limit OR contains(#set, :id)"),
		ExpressionAttributeNames: map[string]string{"#set": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":ids": &types.AttributeValueMemberSS{Value: []string{id}}, ":id": str(id),
			":limit": num(int64(limit)), ":exp": num(expires.Unix()),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

func alertsKey(k string) map[string]types.AttributeValue { return key("ALERTS#"+k, "ALERTS") }

// HeldAlerts lists the leads held for a source and window (at most
// MaxHeldListed) and how many more were held.
func (s *Store) HeldAlerts(ctx context.Context, k string) ([]string, int, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: alertsKey(k), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, 0, wrap("held alerts", err)
	}
	var ids []string
	if ss, ok := out.Item["held"].(*types.AttributeValueMemberSS); ok {
		ids = ss.Value
	}
	more := 0
	if n, ok := out.Item["heldMore"].(*types.AttributeValueMemberN); ok {
		more, _ = strconv.Atoi(n.Value)
	}
	return ids, more, nil
}

// LastAlert is when an address (by hash) last had a sales alert; zero
// when never, or not within the item's lifetime.
func (s *Store) LastAlert(ctx context.Context, emailHash string) (time.Time, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key("ALERTED#"+emailHash, "ALERTED"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return time.Time{}, wrap("last alert", err)
	}
	v, ok := out.Item["at"].(*types.AttributeValueMemberS)
	if !ok {
		return time.Time{}, nil
	}
	at, _ := time.Parse(time.RFC3339Nano, v.Value)
	return at, nil
}

// MarkAlerted records that an address (by hash) had a sales alert at at;
// the item expires (TTL) at expires.
func (s *Store) MarkAlerted(ctx context.Context, emailHash string, at, expires time.Time) error {
	item := key("ALERTED#"+emailHash, "ALERTED")
	item["at"], item["expiresAt"] = str(at.UTC().Format(time.RFC3339Nano)), num(expires.Unix())
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return wrap("mark alerted", err)
	}
	return nil
}
