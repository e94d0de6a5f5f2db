package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/privacy"
	"github.com/leadflow/leadflow/shared/store"
)

// deadlineAfterBatches lets each request write `budget` batches; the
// next one fails as a request whose deadline came does: the erasure of
// a timeline longer than one request can rewrite.
type deadlineAfterBatches struct {
	*dynamodb.Client
	left atomic.Int64
}

func (c *deadlineAfterBatches) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if c.left.Add(-1) < 0 {
		return nil, context.DeadlineExceeded
	}
	return c.Client.BatchWriteItem(ctx, in, o...)
}

// TestAnErasureOfAHugeTimelineFinishesOverRequests: a lead whose timeline
// takes more batch writes to anonymise than one request has time for is
// erased by running the request again — each run goes on where the last
// stopped instead of rewriting the events already anonymised — and every
// run before the last says it did not finish.
func TestAnErasureOfAHugeTimelineFinishesOverRequests(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	db := &deadlineAfterBatches{Client: testenv.Clients(t).DynamoDB}
	db.left.Store(1 << 30)
	table := testenv.NewTable(t)
	st := store.Over(db, table)
	const email = "ann.huge-timeline@acme.example"
	l := lead.New("L1", sub(email, t0))
	if err := st.CreateLead(ctx, l, lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: lead.EventCaptured, ID: "e0"}}}, nil); err != nil {
		t.Fatal(err)
	}
	// 200 page views more, each quoting the address in its URL: 9
	// batches of 25 to anonymise, 3 allowed a request.
	for batch := range 10 {
		var evs []lead.Event
		for i := range 20 {
			n := batch*20 + i
			evs = append(evs, lead.Event{At: t0.Add(time.Duration(n+1) * time.Minute), Kind: "page_view", ID: fmt.Sprintf("v%03d", n),
				Data: map[string]any{"url": "https://www.example.com/pricing?email=" + email}})
		}
		l.Version++
		if err := st.Save(ctx, l, lead.Change{At: t0, Events: evs}); err != nil {
			t.Fatal(err)
		}
	}
	svc := &privacy.Service{Store: st, Clock: func() time.Time { return t0.Add(48 * time.Hour) }}
	runs := 0
	for {
		runs++
		db.left.Store(3)
		res, err := svc.Erase(ctx, email)
		if err == nil {
			if !res.Erased {
				t.Fatalf("run %d finished without erasing the lead: %+v", runs, res)
			}
			break
		}
		if !strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
			t.Fatalf("run %d: %v", runs, err)
		}
		if runs == 6 {
			t.Fatalf("6 runs of 3 batches each have not erased a timeline of 9 batches: each run starts over")
		}
	}
	p := dynamodb.NewScanPaginator(testenv.Clients(t).DynamoDB, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	events := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			b, _ := json.Marshal(item)
			if strings.HasPrefix(item["SK"].(*types.AttributeValueMemberS).Value, "EVT#") {
				events++
			}
			if strings.Contains(string(b), "huge-timeline") {
				t.Errorf("after %d runs the address is still in %s", runs, b)
			}
		}
	}
	if events < 201 {
		t.Fatalf("%d events in the table, want the 201 written and the erasure's", events)
	}
}
