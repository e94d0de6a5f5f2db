package ddbconflict_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/local/ddbconflict"
)

// fakeDynamo answers every request with an empty success; a transaction
// waits until release is closed, so a test decides what overlaps it.
type fakeDynamo struct {
	mu      sync.Mutex
	sent    []string // operations that reached the "service"
	started chan struct{}
	release chan struct{}
}

func (f *fakeDynamo) Do(r *http.Request) (*http.Response, error) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	f.mu.Lock()
	f.sent = append(f.sent, op)
	f.mu.Unlock()
	if op == "TransactWriteItems" && f.release != nil {
		f.started <- struct{}{}
		<-f.release
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
}

func (f *fakeDynamo) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

func client(f *fakeDynamo, d *ddbconflict.Detector) *dynamodb.Client {
	c := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://dynamo.invalid"),
		Credentials: aws.AnonymousCredentials{}, HTTPClient: f, RetryMaxAttempts: 1})
	return ddbconflict.Wrap(c, d)
}

func k(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}
}

func item(pk, sk string, more ...string) map[string]types.AttributeValue {
	it := k(pk, sk)
	for i := 0; i+1 < len(more); i += 2 {
		it[more[i]] = &types.AttributeValueMemberS{Value: more[i+1]}
	}
	return it
}

var table = aws.String("t")

func tx(items ...types.TransactWriteItem) *dynamodb.TransactWriteItemsInput {
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}
}

func put(pk, sk string) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: table, Item: item(pk, sk, "x", "y")}}
}

func update(pk, sk string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: table, Key: k(pk, sk), UpdateExpression: aws.String("ADD n :one")}}
}

func check(pk, sk string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: table, Key: k(pk, sk), ConditionExpression: aws.String("attribute_not_exists(PK)")}}
}

// codes are a cancelled transaction's reasons, or nil when err is none.
func codes(t *testing.T, err error) []string {
	t.Helper()
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("err = %v, want a TransactionCanceledException", err)
	}
	out := []string{}
	for _, r := range tce.CancellationReasons {
		out = append(out, aws.ToString(r.Code))
	}
	return out
}

func TestOverlappingWritesAreRefusedAsDynamoDBDoes(t *testing.T) {
	ctx := context.Background()
	f := &fakeDynamo{started: make(chan struct{}), release: make(chan struct{})}
	d := ddbconflict.New()
	c := client(f, d)

	// A transaction in flight holds the profile and the counter.
	first := make(chan error)
	go func() {
		_, err := c.TransactWriteItems(ctx, tx(put("LEAD#1", "PROFILE"), update("CAMPAIGN#c", "STATS#2026-11")))
		first <- err
	}()
	<-f.started

	// Another transaction touching the counter (as an Update) is cancelled;
	// only that item says why.
	_, err := c.TransactWriteItems(ctx, tx(put("LEAD#2", "PROFILE"), check("SUPPRESS#x", "SUPPRESS"), update("CAMPAIGN#c", "STATS#2026-11")))
	if got := strings.Join(codes(t, err), ","); got != "None,None,TransactionConflict" {
		t.Fatalf("reasons = %s", got)
	}
	// A ConditionCheck or Put of a held item conflicts too (the Put's item
	// is named by its key attributes only).
	_, err = c.TransactWriteItems(ctx, tx(check("LEAD#1", "PROFILE")))
	if got := strings.Join(codes(t, err), ","); got != "TransactionConflict" {
		t.Fatalf("condition check: reasons = %s", got)
	}
	_, err = c.TransactWriteItems(ctx, tx(types.TransactWriteItem{Put: &types.Put{TableName: table, Item: item("LEAD#1", "PROFILE", "other", "v")}}))
	if got := strings.Join(codes(t, err), ","); got != "TransactionConflict" {
		t.Fatalf("put: reasons = %s", got)
	}
	// Single writes of a held item: TransactionConflictException.
	var tc *types.TransactionConflictException
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item("LEAD#1", "PROFILE")}); !errors.As(err, &tc) {
		t.Fatalf("put item: %v, want TransactionConflictException", err)
	}
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: k("CAMPAIGN#c", "STATS#2026-11"), UpdateExpression: aws.String("ADD n :one")}); !errors.As(err, &tc) {
		t.Fatalf("update item: %v, want TransactionConflictException", err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: k("LEAD#1", "PROFILE")}); !errors.As(err, &tc) {
		t.Fatalf("delete item: %v, want TransactionConflictException", err)
	}
	// Other items, another table and reads go through.
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: k("CAMPAIGN#c", "STATS#2026-12"), UpdateExpression: aws.String("ADD n :one")}); err != nil {
		t.Fatalf("other item: %v", err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("other"), Item: item("LEAD#1", "PROFILE")}); err != nil {
		t.Fatalf("other table: %v", err)
	}
	if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: k("LEAD#1", "PROFILE")}); err != nil {
		t.Fatalf("read: %v", err)
	}
	if tr, w := d.Counts(); tr != 3 || w != 3 {
		t.Fatalf("counts = %d transactions, %d writes; want 3 and 3", tr, w)
	}
	// None of the refused requests was sent.
	if got := strings.Join(f.ops(), ","); got != "TransactWriteItems,UpdateItem,PutItem,GetItem" {
		t.Fatalf("sent %s", got)
	}

	// Once the first transaction is answered its items are free again.
	close(f.release)
	if err := <-first; err != nil {
		t.Fatalf("first transaction: %v", err)
	}
	f.release = nil
	if _, err := c.TransactWriteItems(ctx, tx(put("LEAD#2", "PROFILE"), update("CAMPAIGN#c", "STATS#2026-11"))); err != nil {
		t.Fatalf("after the first: %v", err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item("LEAD#1", "PROFILE")}); err != nil {
		t.Fatalf("single write after the first: %v", err)
	}
}

// A transaction that fails still releases its items.
func TestFailedTransactionReleasesItsItems(t *testing.T) {
	ctx := context.Background()
	d := ddbconflict.New()
	failing := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://dynamo.invalid"),
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1,
		HTTPClient: doer(func(*http.Request) (*http.Response, error) { return nil, errors.New("connection refused") })})
	c := ddbconflict.Wrap(failing, d)
	if _, err := c.TransactWriteItems(ctx, tx(put("LEAD#1", "PROFILE"))); err == nil {
		t.Fatal("want the transport's error")
	}
	if _, err := c.TransactWriteItems(ctx, tx(put("LEAD#1", "PROFILE"))); err == nil || errors.As(err, new(*types.TransactionCanceledException)) {
		t.Fatalf("second: %v; want the transport's error again, not a conflict", err)
	}
}

type doer func(*http.Request) (*http.Response, error)

func (f doer) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestEnabled(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "1": true, "true": true, "yes": true} {
		t.Setenv(ddbconflict.EnvVar, v)
		if got := ddbconflict.Enabled(); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
}

func TestOccupyHoldsItemsUntilReleased(t *testing.T) {
	ctx := context.Background()
	d := ddbconflict.New()
	c := client(&fakeDynamo{}, d)
	release, err := d.Occupy("t", k("CAMPAIGN#c", "STATS#2026-11#00"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.TransactWriteItems(ctx, tx(update("CAMPAIGN#c", "STATS#2026-11#00"))); strings.Join(codes(t, err), ",") != "TransactionConflict" {
		t.Fatalf("occupied item: %v", err)
	}
	if _, err := d.Occupy("t", k("CAMPAIGN#c", "STATS#2026-11#00")); err == nil {
		t.Fatal("occupied twice")
	}
	release()
	if _, err := c.TransactWriteItems(ctx, tx(update("CAMPAIGN#c", "STATS#2026-11#00"))); err != nil {
		t.Fatalf("after release: %v", err)
	}
	if tr, _ := d.Counts(); tr != 1 {
		t.Fatalf("refused transactions = %d, want 1", tr)
	}
}
