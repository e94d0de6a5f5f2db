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
	"github.com/leadflow/leadflow/shared/lead"
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

// A merge of a deal's two counts (SavePair) while every shard of the
// counters it changes is in other transactions (a burst on the campaign,
// or on the rep's month) goes through like a single lead's write: its
// counts wait in a COUNT# item that the stream adds once. It used to be
// refused as a version conflict on every attempt for as long as the
// burst lasted, so the CRM outcome naming the deal failed (a back-fill
// row answered "internal error: send this row again", the bus event
// retried later, behind the deal's later outcomes).
func TestAMergeWithItsCounterShardsTakenDefersTheCount(t *testing.T) {
	ctx := context.Background()
	base := testenv.Clients(t).DynamoDB
	table := testenv.NewTable(t)
	d := ddbconflict.New()
	st := store.New(ddbconflict.Wrap(base, d), table)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{"L1", "L2"} {
		l := lead.New(id, lead.Submission{Email: id + "@acme.example", Source: lead.Attribution{Campaign: "search-q4", At: at}})
		ch := lead.Change{At: at, Events: []lead.Event{{At: at, Kind: lead.EventCaptured, ID: "c" + id}},
			Counters: []lead.Counter{{Campaign: "search-q4", Name: "won"}, {Rep: "ana@example.com", Name: "won"}}}
		l.Record(&ch)
		if err := st.CreateLead(ctx, l, ch, nil); err != nil {
			t.Fatal(err)
		}
	}
	var shards []map[string]types.AttributeValue
	for i := range store.StatsShards {
		shards = append(shards, map[string]types.AttributeValue{"PK": s("CAMPAIGN#search-q4"), "SK": s(fmt.Sprintf("STATS#2026-11#%02d", i))})
	}
	release, err := d.Occupy(table, shards...)
	if err != nil {
		t.Fatal(err)
	}
	pair := func() error {
		keep, err := st.Lead(ctx, "L1")
		if err != nil {
			return err
		}
		fold, err := st.Lead(ctx, "L2")
		if err != nil {
			return err
		}
		merged := at.Add(time.Hour)
		kch := lead.Change{At: merged, Events: []lead.Event{{At: merged, Kind: "deal_merged", ID: "m1"}},
			DealClaim: &lead.DealClaim{DealID: "D-1", LeadID: "L1"}}
		fch := lead.Change{At: merged, Events: []lead.Event{{At: merged, Kind: "deal_merged", ID: "m2"}},
			Counters: []lead.Counter{{Campaign: "search-q4", Name: "won", By: -1}, {Rep: "ana@example.com", Name: "won", By: -1}}}
		keep.Version++
		fold.Version++
		return st.SavePair(ctx, keep, kch, fold, fch)
	}
	if err := lead.Retries.Do(ctx, pair); err != nil { // as feedback's merge retries it
		t.Fatalf("merge with every campaign shard taken: %v", err)
	}
	release()
	if holder, _ := st.DealHolder(ctx, "D-1"); holder != "L1" {
		t.Fatalf("the deal counts on %q, want L1", holder)
	}
	testenv.Settle(t, table)
	testenv.Settle(t, table) // the stream's records again: counted once
	if stats, _ := st.CampaignStats(ctx, "search-q4", at); stats["won"] != 1 {
		t.Fatalf("campaign: %v, want 1 won (2 counted, 1 taken out)", stats)
	}
	rows, err := st.MonthStats(ctx, "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	reps := 0
	for _, r := range rows {
		if r.Rep != "" {
			reps++
			if r.Counters["won"] != 1 {
				t.Fatalf("rep row %+v, want 1 won", r)
			}
		}
	}
	if reps != 1 {
		t.Fatalf("month rows %+v, want one rep's", rows)
	}
	out, err := base.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :c)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("LEAD#L1"), ":c": s("COUNT#")}})
	if err != nil || len(out.Items) != 0 {
		t.Fatalf("COUNT# items left: %d (%v)", len(out.Items), err)
	}
}
