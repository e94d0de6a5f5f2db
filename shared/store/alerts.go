package store

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MaxHeldListed bounds the held lead ids kept per source and window (the
// summary lists them); beyond it holds are only counted.
const MaxHeldListed = 200

// AlertSlot places a lead, atomically, in each of the named sets of
// ALERTS#<k> (a window's alert slots: per source, and the campaign's all
// together) while each holds fewer than its limit ids: one conditional
// update adding the id to every set, refused when any is full. A set that
// has the id already counts as placed, so retries take no second slot. It
// answers "" when the lead has its places, else the set that was full
// (read back only then).
func (s *Store) AlertSlot(ctx context.Context, k, leadID string, limits map[string]int, expires time.Time) (string, error) {
	placed, err := s.addToSets(ctx, k, leadID, limits, expires)
	switch {
	case err != nil:
		return "", wrap("alert slot", err)
	case placed:
		return "", nil
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: alertsKey(k), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", wrap("alert slot", err)
	}
	sets := slices.Sorted(maps.Keys(limits))
	for _, set := range sets { // sets only grow within a window
		if ss, ok := out.Item[set].(*types.AttributeValueMemberSS); ok && len(ss.Value) >= limits[set] && !slices.Contains(ss.Value, leadID) {
			return set, nil
		}
	}
	return sets[0], nil
}

// HoldAlert records a lead held beyond a source's limit: its id in the
// window's held set (idempotent) while the set has room, else a count.
func (s *Store) HoldAlert(ctx context.Context, k, leadID string, expires time.Time) error {
	added, err := s.addToSets(ctx, k, leadID, map[string]int{"held": MaxHeldListed}, expires)
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

// addToSets adds id to each named string set of ALERTS#<k> in one
// conditional update, while every set holds fewer than its limit ids; a
// set that has the id already counts as added (retries take no second
// place). It reports whether the id was added (false: a set was full).
func (s *Store) addToSets(ctx context.Context, k, id string, limits map[string]int, expires time.Time) (bool, error) {
	names := map[string]string{}
	values := map[string]types.AttributeValue{
		":ids": &types.AttributeValueMemberSS{Value: []string{id}}, ":id": str(id), ":exp": num(expires.Unix())}
	var add, cond []string
	for i, set := range slices.Sorted(maps.Keys(limits)) {
		n, l := "#s"+strconv.Itoa(i), ":l"+strconv.Itoa(i)
		names[n], values[l] = set, num(int64(limits[set]))
		add = append(add, n+" :ids")
		cond = append(cond, "(attribute_not_exists("+n+") OR size("+n+") < "+l+" OR contains("+n+", :id))")
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: alertsKey(k),
		UpdateExpression:         aws.String("ADD " + strings.Join(add, ", ") + " SET expiresAt = :exp"),
		ConditionExpression:      aws.String(strings.Join(cond, " AND ")),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
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
