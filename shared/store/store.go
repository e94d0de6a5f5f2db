// Package store is the DynamoDB adapter: one table, items keyed as in the
// README's data model, every multi-item write in one transaction. It
// implements the interfaces the domain packages declare.
package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/shared/lead"
)

// DynamoDB is the part of the SDK client the store uses.
type DynamoDB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Store reads and writes the lead table.
type Store struct {
	db    DynamoDB
	table string
	// pause waits between a batch write's tries (nil: sleep; tests).
	pause func(context.Context, time.Duration) error
}

// New returns a store over one table of the SDK client.
func New(c *dynamodb.Client, table string) *Store {
	return Over(sdk{getItem: c.GetItem, putItem: c.PutItem, updateItem: c.UpdateItem, query: c.Query, transactWriteItems: c.TransactWriteItems, deleteItem: c.DeleteItem, batchWriteItem: c.BatchWriteItem, scan: c.Scan}, table)
}

// Over returns a store over one table of any client with the store's
// operations (a test's wrapper that counts or fails requests).
func Over(db DynamoDB, table string) *Store { return &Store{db: db, table: table} }

// sdk holds the SDK client's operations the store calls, as method values.
// The client is never held in an interface, nor in a struct that is: a
// binary that runs a template (templates call methods by name, through
// reflection) links every exported method of every type an interface can
// reach, which for *dynamodb.Client is each of its ~60 operations with
// their serialisers, where the product calls eight.
type sdk struct {
	getItem            func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	putItem            func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	updateItem         func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	query              func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	transactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	deleteItem         func(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	batchWriteItem     func(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	scan               func(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

func (d sdk) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return d.getItem(ctx, in, o...)
}

func (d sdk) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return d.putItem(ctx, in, o...)
}

func (d sdk) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return d.updateItem(ctx, in, o...)
}

func (d sdk) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return d.query(ctx, in, o...)
}

func (d sdk) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return d.transactWriteItems(ctx, in, o...)
}

func (d sdk) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return d.deleteItem(ctx, in, o...)
}

func (d sdk) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return d.batchWriteItem(ctx, in, o...)
}

func (d sdk) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	return d.scan(ctx, in, o...)
}

// Key attribute names and item key shapes.
const (
	attrPK      = "PK"
	attrSK      = "SK"
	attrExpires = "expiresAt"
	attrGSI1PK  = "GSI1PK"
	attrGSI1SK  = "GSI1SK"
	// GSI2 lists each rep's open leads (accepted, no final outcome).
	attrGSI2PK = "GSI2PK"
	attrGSI2SK = "GSI2SK"
	indexOpen  = "GSI2"
	indexDue   = "GSI1"
	skProfile  = "PROFILE"
	skEmail    = "EMAIL"
	skIdemp    = "IDEMP"
)

func leadPK(id string) string         { return "LEAD#" + id }
func emailPK(hash string) string      { return "EMAIL#" + hash }
func idempPK(key string) string       { return "IDEMP#" + key }
func campaignPK(c string) string      { return "CAMPAIGN#" + c }
func statsPrefix(month string) string { return "STATS#" + month }

// inboxSK keys a touch waiting in its lead's inbox: ids sort by time, so
// the inbox reads oldest first.
func inboxSK(id string) string { return inboxPrefix + id }

const inboxPrefix = "INBOX#"

func eventSK(at time.Time, kind, id string) string {
	return "EVT#" + at.UTC().Format(time.RFC3339Nano) + "#" + kind + "#" + id
}

// DueShards spreads the due index over this many partitions so one hot
// key never limits the scheduler; each tick queries every shard.
const DueShards = 8

func duePK(leadID string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(leadID))
	return "DUE#" + strconv.Itoa(int(h.Sum32()%DueShards))
}

// dueSK sorts by due time: a fixed-width UTC timestamp, then the id.
func dueSK(at time.Time, leadID string) string {
	return at.UTC().Format(dueLayout) + "#" + leadID
}

const dueLayout = "2006-01-02T15:04:05.000000000Z"

// StatsShards spreads each campaign's (and variant's) counters of a month
// over this many items, STATS#<month>#<nn>[#V#<variant>], each write
// adding to one chosen at random: DynamoDB refuses a transaction that
// touches an item another transaction in flight touches
// (TransactionConflict), and every new lead's transaction adds to its
// campaign's counters, so one item per campaign would make a launch burst
// collide on it. Readers sum the shards (and the unsharded item
// STATS#<month>[#V#<variant>] that data written before sharding has).
const StatsShards = 16

// statsSK is the sort key of one shard of a month's counters.
func statsSK(month, variant string, shard int) string {
	sk := fmt.Sprintf("%s#%02d", statsPrefix(month), shard)
	if variant != "" {
		sk += "#V#" + variant
	}
	return sk
}

// eventItem is a lead's timeline event as an item. Facts-free events
// carry no data attribute at all (an empty map is not kept: the local
// stream reader cannot pass it on).
func eventItem(leadID string, ev lead.Event) (map[string]types.AttributeValue, error) {
	if len(ev.Data) == 0 {
		ev.Data = nil
	}
	return withKey(ev, leadPK(leadID), eventSK(ev.At, ev.Kind, ev.ID))
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// marshal encodes a domain value with its json tags, so the item attribute
// names match the API's field names.
func marshal(v any) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.TagKey = "json" })
}

func unmarshal(item map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(item, v, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" })
}

// withKey marshals v and adds its primary key.
func withKey(v any, pk, sk string) (map[string]types.AttributeValue, error) {
	item, err := marshal(v)
	if err != nil {
		return nil, err
	}
	item[attrPK], item[attrSK] = str(pk), str(sk)
	return item, nil
}

// counterAdd is an atomic ADD of 1 to each named counter (and of the
// amount to each counter of by) of a campaign's month (or of one variant of it), on one of its StatsShards items chosen
// at random, so reports read a few items instead of scanning leads. Stats
// items also carry GSI1 keys (STATS#<month>, <campaign>#<variant>), so one
// query lists every campaign of a month.
func (s *Store) counterAdd(campaign, variant string, at time.Time, by map[string]int64, counters ...string) *types.Update {
	return s.counterAddIn(campaign, variant, lead.Month(at), at, by, counters...)
}

// counterAddIn is counterAdd for the counters of month ("yyyy-mm"), at
// time at.
func (s *Store) counterAddIn(campaign, variant, month string, at time.Time, by map[string]int64, counters ...string) *types.Update {
	expr := "SET updatedAt = :now, campaign = :c, variant = :v, #m = :m, GSI1PK = :gpk, GSI1SK = :gsk ADD "
	names := map[string]string{"#m": "month"}
	values := map[string]types.AttributeValue{":now": str(at.UTC().Format(time.RFC3339Nano)),
		":c": str(campaign), ":v": str(variant), ":m": str(month), ":gpk": str(statsPrefix(month)), ":gsk": str(campaign + "#" + variant)}
	return &types.Update{
		TableName:                 &s.table,
		Key:                       key(campaignPK(campaign), statsSK(month, variant, rand.IntN(StatsShards))),
		UpdateExpression:          aws.String(addCounts(expr, names, values, by, counters)),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

// addCounts completes a stats update's expression (which ends in "ADD ")
// with the counters: 1 for each name (n for a name given n times) and
// the amounts of by, their names and values added to names and values.
func addCounts(expr string, names map[string]string, values map[string]types.AttributeValue, by map[string]int64, counters []string) string {
	// A counter named n times adds n (a write folding several touches).
	var order []string
	count := map[string]int64{}
	for _, c := range counters {
		if count[c] == 0 {
			order = append(order, c)
		}
		count[c]++
	}
	for _, c := range slices.Sorted(maps.Keys(by)) {
		if count[c] == 0 {
			order = append(order, c)
		}
		count[c] += by[c]
	}
	for i, c := range order {
		if i > 0 {
			expr += ", "
		}
		n, v := "#c"+strconv.Itoa(i), ":n"+strconv.Itoa(i)
		names[n], values[v] = c, num(count[c])
		expr += n + " " + v
	}
	return expr
}

// cancelReasons returns the per-item codes of a cancelled transaction.
func cancelReasons(err error) ([]string, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes, true
}

// conditionFailed reports whether err is a transaction cancelled because
// its item'th item (from 0) failed its condition.
func conditionFailed(err error, item int) bool {
	codes, ok := cancelReasons(err)
	return ok && item < len(codes) && codes[item] == "ConditionalCheckFailed"
}

// conflicted reports whether DynamoDB refused a write because a
// transaction in flight touched one of its items: a transaction cancelled
// with a TransactionConflict reason, or a single write's
// TransactionConflictException. Nothing was written; trying again (after
// re-reading what a version check protects) is the answer.
func conflicted(err error) bool {
	var tce *types.TransactionConflictException
	if errors.As(err, &tce) {
		return true
	}
	codes, _ := cancelReasons(err)
	return slices.Contains(codes, "TransactionConflict")
}

// againOnConflict runs a single write that no version check protects (a
// counter, a suppression entry) again while it collides with a
// transaction, with the lead writes' back-off.
func againOnConflict(ctx context.Context, write func() error) error {
	var err error
	_ = lead.Retries.Do(ctx, func() error {
		if err = write(); conflicted(err) {
			return lead.ErrVersionConflict
		}
		return nil
	})
	return err // the last attempt's
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func wrap(op string, err error) error { return fmt.Errorf("store: %s: %w", op, err) }

var errNoCounter = errors.New("counter missing from the update's result")
