package streams_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/streams"
	"github.com/leadflow/leadflow/shared/store"
)

func TestFilterMatch(t *testing.T) {
	rec := func(name, sk string, extra map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		img := map[string]events.DynamoDBAttributeValue{"PK": events.NewStringAttribute("LEAD#1"), "SK": events.NewStringAttribute(sk)}
		for k, v := range extra {
			img[k] = v
		}
		return events.DynamoDBEventRecord{EventName: name, Change: events.DynamoDBStreamRecord{NewImage: img}}
	}
	pending := map[string]events.DynamoDBAttributeValue{"pending": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"at": events.NewStringAttribute("2026-01-01T00:00:00Z")})}
	tests := []struct {
		name    string
		pattern string
		r       events.DynamoDBEventRecord
		want    bool
	}{
		{"exact value", `{"eventName":["INSERT"]}`, rec("INSERT", "X", nil), true},
		{"another value", `{"eventName":["INSERT"]}`, rec("MODIFY", "X", nil), false},
		{"one of", `{"eventName":["INSERT","MODIFY"]}`, rec("MODIFY", "X", nil), true},
		{"prefix", `{"dynamodb":{"NewImage":{"SK":{"S":[{"prefix":"EVT#"}]}}}}`, rec("INSERT", "EVT#1", nil), true},
		{"no prefix", `{"dynamodb":{"NewImage":{"SK":{"S":[{"prefix":"EVT#"}]}}}}`, rec("INSERT", "COUNT#1", nil), false},
		{"exists", `{"dynamodb":{"NewImage":{"pending":{"M":{"at":{"S":[{"exists":true}]}}}}}}`, rec("MODIFY", "PROFILE", pending), true},
		{"does not exist", `{"dynamodb":{"NewImage":{"pending":{"M":{"at":{"S":[{"exists":true}]}}}}}}`, rec("MODIFY", "PROFILE", nil), false},
		{"exists false", `{"dynamodb":{"NewImage":{"pending":[{"exists":false}]}}}`, rec("MODIFY", "PROFILE", nil), true},
		{"exists matches leaves only", `{"dynamodb":{"NewImage":{"pending":[{"exists":true}]}}}`, rec("MODIFY", "PROFILE", pending), false},
		{"every key", `{"eventName":["INSERT"],"dynamodb":{"NewImage":{"SK":{"S":["X"]}}}}`, rec("INSERT", "Y", nil), false},
		{"no image", `{"dynamodb":{"NewImage":{"SK":{"S":[{"prefix":""}]}}}}`, events.DynamoDBEventRecord{EventName: "REMOVE"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := streams.ParseFilter([]string{tt.pattern})
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(tt.r); got != tt.want {
				t.Fatalf("Match = %v, want %v", got, tt.want)
			}
		})
	}
	var none *streams.Filter
	if !none.Match(rec("REMOVE", "X", nil)) {
		t.Fatal("no filter: every record is delivered")
	}
	for _, bad := range []string{`{"eventName":[{"anything-but":["REMOVE"]}]}`, `{"eventName":[{"suffix":"T"}]}`, `{"eventName":"INSERT"}`, `[`} {
		if _, err := streams.ParseFilter([]string{bad}); err == nil {
			t.Errorf("%s: parsed; the local stack would deliver what Lambda filters differently", bad)
		}
	}
}

// countingDB answers every call of the store with success and counts them.
type countingDB struct {
	store.DynamoDB
	calls int
}

func (d *countingDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	d.calls++
	return &dynamodb.GetItemOutput{}, nil
}

func (d *countingDB) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.calls++
	return &dynamodb.PutItemOutput{}, nil
}

func (d *countingDB) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	d.calls++
	return &dynamodb.UpdateItemOutput{}, nil
}

func (d *countingDB) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	d.calls++
	return &dynamodb.QueryOutput{}, nil
}

func (d *countingDB) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	d.calls++
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func (d *countingDB) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	d.calls++
	return &dynamodb.DeleteItemOutput{}, nil
}

func (d *countingDB) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	d.calls++
	return &dynamodb.BatchWriteItemOutput{}, nil
}

// streamRecords are the kinds of record the lead table's stream carries.
func streamRecords() map[string]events.DynamoDBEventRecord {
	s := events.NewStringAttribute
	item := func(pk, sk string, attrs map[string]events.DynamoDBAttributeValue) map[string]events.DynamoDBAttributeValue {
		img := map[string]events.DynamoDBAttributeValue{"PK": s(pk), "SK": s(sk)}
		for k, v := range attrs {
			img[k] = v
		}
		return img
	}
	event := map[string]events.DynamoDBAttributeValue{"at": s("2026-03-01T10:00:00Z"), "kind": s("captured"), "id": s("e1")}
	pending := map[string]events.DynamoDBAttributeValue{"pending": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
		"at": s("2026-03-01T10:00:00Z"), "events": events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewMapAttribute(event)})})}
	count := map[string]events.DynamoDBAttributeValue{"at": s("2026-03-01T10:00:00Z"), "counters": events.NewListAttribute(nil)}
	r := func(name string, img map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		keys := map[string]events.DynamoDBAttributeValue{"PK": img["PK"], "SK": img["SK"]}
		if name == "REMOVE" {
			img = nil
		}
		return events.DynamoDBEventRecord{EventName: name, EventSource: "aws:dynamodb", Change: events.DynamoDBStreamRecord{Keys: keys, NewImage: img}}
	}
	return map[string]events.DynamoDBEventRecord{
		"a new timeline event":                  r("INSERT", item("LEAD#1", "EVT#2026-03-01T10:00:00Z#captured#e1", event)),
		"a timeline event an erasure rewrote":   r("MODIFY", item("LEAD#1", "EVT#2026-03-01T10:00:00Z#captured#e1", event)),
		"a deferred count":                      r("INSERT", item("LEAD#1", "COUNT#2026-03-01T10:00:00Z#x", count)),
		"a deferred count folded in":            r("REMOVE", item("LEAD#1", "COUNT#2026-03-01T10:00:00Z#x", count)),
		"a profile a send's commit wrote":       r("MODIFY", item("LEAD#1", "PROFILE", pending)),
		"a new profile carrying pending events": r("INSERT", item("LEAD#1", "PROFILE", pending)),
		"a profile without pending events":      r("MODIFY", item("LEAD#1", "PROFILE", nil)),
		"an idempotency record":                 r("INSERT", item("IDEMP#k", "IDEMP", nil)),
		"a suppression":                         r("INSERT", item("SUPPRESS#h", "SUPPRESS", nil)),
		"an inbox touch":                        r("INSERT", item("LEAD#1", "INBOX#t1", nil)),
		"a rate window TTL removed":             r("REMOVE", item("RATE#k#w", "RATE", nil)),
	}
}

// filterProblems compares a filter with what the publisher does with each
// kind of record: records it writes or publishes from must pass, the
// rest need not reach it.
func filterProblems(f *streams.Filter) []string {
	var out []string
	for name, r := range streamRecords() {
		db := &countingDB{}
		if err := store.Over(db, "leads").Materialize(context.Background(), []events.DynamoDBEventRecord{r}); err != nil {
			out = append(out, fmt.Sprintf("%s: Materialize: %v", name, err))
			continue
		}
		published, err := store.StreamEvents([]events.DynamoDBEventRecord{r})
		if err != nil {
			out = append(out, fmt.Sprintf("%s: StreamEvents: %v", name, err))
			continue
		}
		acts := db.calls > 0 || len(published) > 0
		switch delivered := f.Match(r); {
		case acts && !delivered:
			out = append(out, fmt.Sprintf("%s: the publisher acts on it, but the FilterCriteria drop it: in AWS it never arrives", name))
		case !acts && delivered:
			out = append(out, fmt.Sprintf("%s: the FilterCriteria deliver it, but the publisher does nothing with it: an invocation for nothing", name))
		}
	}
	return out
}

// TestPublisherFilterMatchesCode: the template's FilterCriteria on the
// publisher's stream let through exactly the records the publisher acts
// on. The emulators apply the same patterns (Poller.Filter), so a record
// the code needs and the filter drops would otherwise go unnoticed until
// the events and counters of sent emails never showed up in AWS.
func TestPublisherFilterMatchesCode(t *testing.T) {
	root, err := sam.Root()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := sam.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := tm.Function("publisher")
	if !ok || len(pub.StreamFilters) == 0 {
		t.Fatalf("template.yaml: no publisher with FilterCriteria on its stream (found %v)", ok)
	}
	f, err := streams.ParseFilter(pub.StreamFilters)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range filterProblems(f) {
		t.Error(p)
	}
	// The check fails on a filter that drops what the code needs, or
	// lets through what it does not.
	var drifted []string
	for _, p := range pub.StreamFilters {
		if !strings.Contains(p, "COUNT#") {
			drifted = append(drifted, strings.Replace(p, `"eventName":["INSERT"],`, "", 1))
		}
	}
	f, err = streams.ParseFilter(drifted)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(filterProblems(f), "\n")
	for _, want := range []string{
		"a deferred count: the publisher acts on it, but the FilterCriteria drop it",
		"a timeline event an erasure rewrote: the FilterCriteria deliver it, but the publisher does nothing with it",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("not reported: %q\nreported:\n%s", want, got)
		}
	}
}
