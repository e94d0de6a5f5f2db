package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/local/ddbconflict"
	"github.com/leadflow/leadflow/local/streams"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/store"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// Counters written before sharding (one STATS#<month> item) are read
// with the shards, by both readers.
func TestStatsSumShardsAndTheUnshardedItem(t *testing.T) {
	ctx := context.Background()
	db := testenv.Clients(t).DynamoDB
	table := testenv.NewTable(t)
	st := store.New(db, table)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, old := range []struct{ sk, variant, n string }{{"STATS#2026-11", "", "5"}, {"STATS#2026-11#V#b", "b", "2"}} {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"PK": s("CAMPAIGN#c1"), "SK": s(old.sk), "campaign": s("c1"), "variant": s(old.variant), "month": s("2026-11"),
			"GSI1PK": s("STATS#2026-11"), "GSI1SK": s("c1#" + old.variant), "leads": &types.AttributeValueMemberN{Value: old.n}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	svc := &capture.Service{Store: st, NewID: ids.New}
	for i := range 40 { // 40 writes over 16 shards: several items
		sb := sub(fmt.Sprintf("shard%d@acme.example", i), at)
		sb.Source.Campaign, sb.Source.Variant = "c1", "b"
		if _, err := svc.Capture(ctx, sb, "", nil, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Count(ctx, "c1", at, "bots"); err != nil {
		t.Fatal(err)
	}
	stats, err := st.CampaignStats(ctx, "c1", at)
	if err != nil || stats["leads"] != 45 || stats["bots"] != 1 || stats["optin_requests"] != 40 || len(stats) != 3 {
		t.Fatalf("campaign stats = %v, %v; want 45 leads (5 old + 40), 1 bot, 40 consent requests, no variant counts", stats, err)
	}
	rows, err := st.MonthStats(ctx, "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(rows)
	if want := "[{c1  2026-11  map[bots:1 leads:45 optin_requests:40]} {c1 b 2026-11  map[leads:42 optin_requests:40]}]"; got != want { // no rep
		t.Fatalf("month rows = %s, want %s", got, want)
	}
}

// When every counter shard is in another transaction, a new lead's write
// still goes through, its counts kept in a COUNT# item; the stream adds
// them to the counters once, however often it delivers the record.
func TestTakenCounterShardsDeferTheCountToTheStream(t *testing.T) {
	ctx := context.Background()
	base := testenv.Clients(t).DynamoDB
	table := testenv.NewTable(t)
	d := ddbconflict.New()
	st := store.New(ddbconflict.Wrap(base, d), table)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var shards []map[string]types.AttributeValue
	for i := range store.StatsShards {
		shards = append(shards, map[string]types.AttributeValue{"PK": s("CAMPAIGN#search-q4"), "SK": s(fmt.Sprintf("STATS#2026-11#%02d", i))})
	}
	release, err := d.Occupy(table, shards...)
	if err != nil {
		t.Fatal(err)
	}
	svc := &capture.Service{Store: st, NewID: ids.New}
	res, err := svc.Capture(ctx, sub("busy@acme.example", at), "k1", []byte("b"), "", "")
	if err != nil || res.Outcome != capture.Created {
		t.Fatalf("capture with every shard taken: %+v %v", res, err)
	}
	if tx, _ := d.Counts(); tx != 1 {
		t.Fatalf("%d transactions refused, want 1 (the first try; the one with the deferred count goes through)", tx)
	}
	release()
	if stats, _ := st.CampaignStats(ctx, "search-q4", at); stats["leads"] != 0 {
		t.Fatalf("counted before the stream ran: %v", stats)
	}
	if tl, _ := st.Timeline(ctx, res.LeadID); len(tl) != 1 {
		t.Fatalf("timeline = %+v, want the capture event (a COUNT# item is no event)", tl)
	}
	// Two consumers reading the stream from its start: the second replays
	// every record, as Lambda's retries may.
	for i := range 2 {
		sc, err := streams.NewClient(ctx, testenv.Get(t).DynamoDB)
		if err != nil {
			t.Fatal(err)
		}
		p := &streams.Poller{DB: base, Streams: sc, Table: table, Log: slog.New(slog.DiscardHandler),
			Handler: func(ctx context.Context, ev events.DynamoDBEvent) error { return st.Materialize(ctx, ev.Records) }}
		if err := p.Drain(ctx); err != nil {
			t.Fatalf("stream pass %d: %v", i, err)
		}
	}
	stats, _ := st.CampaignStats(ctx, "search-q4", at)
	if stats["leads"] != 1 {
		t.Fatalf("after two stream passes: %v, want 1 lead", stats)
	}
	out, err := base.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :c)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("LEAD#" + res.LeadID), ":c": s("COUNT#")}})
	if err != nil || len(out.Items) != 0 {
		t.Fatalf("COUNT# items left: %d (%v)", len(out.Items), err)
	}
}
