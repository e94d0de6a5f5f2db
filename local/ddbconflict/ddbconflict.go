// Package ddbconflict makes DynamoDB Local refuse overlapping writes to one
// item the way DynamoDB does (test and local use only; no Lambda main
// imports it). DynamoDB Local runs transactions one after another, so the
// TransactionConflict that AWS returns when two transactions touch the same
// item at the same time never happens there, and code that would fail under
// a burst in AWS passes every local test.
//
// As an SDK middleware on the DynamoDB client it keeps the item keys of every
// TransactWriteItems in flight, from before the request is sent until its
// answer is back, and, like DynamoDB (see "Transaction conflict handling" in
// the DynamoDB developer guide):
//
//   - refuses a TransactWriteItems that touches an item another one in
//     flight touches, with a TransactionCanceledException whose
//     CancellationReasons say "TransactionConflict" for each such item and
//     "None" for the others;
//   - refuses a PutItem, UpdateItem or DeleteItem of an item a transaction in
//     flight touches, with a TransactionConflictException.
//
// A refused request is not sent. Only clients sharing one Detector see each
// other's transactions: give every client of a process the same one
// (Shared). BatchWriteItem and reads are let through, as DynamoDB does.
package ddbconflict

import (
	"context"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/leadflow/leadflow/shared/awsclients"
)

// EnvVar turns the emulation on for the local stack, `make load` and the
// tests that honour it: LEADFLOW_DDB_CONFLICTS=1.
const EnvVar = "LEADFLOW_DDB_CONFLICTS"

// Enabled reports whether EnvVar asks for the emulation.
func Enabled() bool {
	v := strings.ToLower(os.Getenv(EnvVar))
	return v != "" && v != "0" && v != "false" && v != "no"
}

// Detector tracks the items of the transactions in flight.
type Detector struct {
	// KeyAttributes are the table's key attribute names (PK, SK when nil):
	// a Put names its item by them.
	KeyAttributes []string
	// Hold keeps a transaction's items taken this long after its answer
	// came back, to widen the window in which others collide (0: exactly
	// the length of the call).
	Hold time.Duration

	mu   sync.Mutex
	held map[string]bool

	txConflicts, writeConflicts atomic.Int64
}

// New returns a detector for tables keyed by PK and SK.
func New() *Detector { return &Detector{} }

// Shared is the process's detector: every client built with Wrap or
// Service uses it, so they all see one another's transactions.
var Shared = New()

// Counts returns how many transactions and single writes were refused.
func (d *Detector) Counts() (transactions, writes int64) {
	return d.txConflicts.Load(), d.writeConflicts.Load()
}

// Wrap returns a copy of c whose requests go through d.
func Wrap(c *dynamodb.Client, d *Detector) *dynamodb.Client {
	return dynamodb.New(c.Options(), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, d.Middleware) })
}

// Service is an awsclients.Service that wraps the DynamoDB client the
// other services built (append it last).
func Service(d *Detector) awsclients.Service {
	return func(_ awsclients.Base, c *awsclients.Clients) { c.DynamoDB = Wrap(c.DynamoDB, d) }
}

// Middleware is the client option: append it to the client's APIOptions.
func (d *Detector) Middleware(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("ddbconflict", d.handle), middleware.Before)
}

func (d *Detector) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	switch p := in.Parameters.(type) {
	case *dynamodb.TransactWriteItemsInput:
		keys := make([]string, len(p.TransactItems))
		for i, it := range p.TransactItems {
			keys[i] = d.itemKey(it)
		}
		if err := d.take(keys); err != nil {
			return middleware.InitializeOutput{}, middleware.Metadata{}, err
		}
		defer d.release(keys)
		out, md, err := next.HandleInitialize(ctx, in)
		if d.Hold > 0 {
			time.Sleep(d.Hold)
		}
		return out, md, err
	case *dynamodb.PutItemInput:
		if err := d.check(d.key(aws.ToString(p.TableName), p.Item)); err != nil {
			return middleware.InitializeOutput{}, middleware.Metadata{}, err
		}
	case *dynamodb.UpdateItemInput:
		if err := d.check(d.key(aws.ToString(p.TableName), p.Key)); err != nil {
			return middleware.InitializeOutput{}, middleware.Metadata{}, err
		}
	case *dynamodb.DeleteItemInput:
		if err := d.check(d.key(aws.ToString(p.TableName), p.Key)); err != nil {
			return middleware.InitializeOutput{}, middleware.Metadata{}, err
		}
	}
	return next.HandleInitialize(ctx, in)
}

// take marks a transaction's items as taken, or refuses it when another
// transaction in flight has any of them.
func (d *Detector) take(keys []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.held == nil {
		d.held = map[string]bool{}
	}
	conflict := false
	for _, k := range keys {
		if d.held[k] {
			conflict = true
			break
		}
	}
	if !conflict {
		for _, k := range keys {
			d.held[k] = true // a key twice: DynamoDB refuses it (ValidationException)
		}
		return nil
	}
	d.txConflicts.Add(1)
	reasons := make([]types.CancellationReason, len(keys))
	codes := make([]string, len(keys))
	for i, k := range keys {
		code, msg := "None", ""
		if d.held[k] {
			code, msg = "TransactionConflict", "Transaction is ongoing for the item"
		}
		codes[i] = code
		reasons[i] = types.CancellationReason{Code: aws.String(code)}
		if msg != "" {
			reasons[i].Message = aws.String(msg)
		}
	}
	return &types.TransactionCanceledException{
		Message:             aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"),
		CancellationReasons: reasons,
	}
}

// Occupy takes items as a transaction in flight elsewhere would (another
// process's), until release is called: a test's way to make a conflict
// happen exactly where it wants one. Each item needs only its key
// attributes.
func (d *Detector) Occupy(table string, items ...map[string]types.AttributeValue) (release func(), err error) {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = d.key(table, it)
	}
	if err := d.take(keys); err != nil {
		d.txConflicts.Add(-1) // not a refused request
		return nil, err
	}
	return func() { d.release(keys) }, nil
}

func (d *Detector) release(keys []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, k := range keys {
		delete(d.held, k)
	}
}

// check refuses a single write of an item a transaction in flight has.
func (d *Detector) check(k string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.held[k] {
		return nil
	}
	d.writeConflicts.Add(1)
	return &types.TransactionConflictException{Message: aws.String("Transaction is ongoing for the item")}
}

// itemKey is the item one transaction entry touches.
func (d *Detector) itemKey(it types.TransactWriteItem) string {
	switch {
	case it.Put != nil:
		return d.key(aws.ToString(it.Put.TableName), it.Put.Item)
	case it.Update != nil:
		return d.key(aws.ToString(it.Update.TableName), it.Update.Key)
	case it.Delete != nil:
		return d.key(aws.ToString(it.Delete.TableName), it.Delete.Key)
	case it.ConditionCheck != nil:
		return d.key(aws.ToString(it.ConditionCheck.TableName), it.ConditionCheck.Key)
	}
	return ""
}

// key names an item by its table and key attributes.
func (d *Detector) key(table string, item map[string]types.AttributeValue) string {
	attrs := d.KeyAttributes
	if attrs == nil {
		attrs = []string{"PK", "SK"}
	}
	parts := []string{table}
	for _, a := range attrs {
		parts = append(parts, a+"="+value(item[a]))
	}
	sort.Strings(parts[1:])
	return strings.Join(parts, "\x00")
}

func value(v types.AttributeValue) string {
	switch t := v.(type) {
	case *types.AttributeValueMemberS:
		return "S:" + t.Value
	case *types.AttributeValueMemberN:
		return "N:" + t.Value
	case *types.AttributeValueMemberB:
		return "B:" + string(t.Value)
	}
	return "-"
}
