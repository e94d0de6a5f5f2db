// Package streams feeds a DynamoDB Local table's stream to stream-handling
// functions, as Lambda's event source mapping does in AWS: batches in
// order per shard, a failed batch retried until it succeeds.
package streams

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Handler is a stream-handling function.
type Handler func(context.Context, events.DynamoDBEvent) error

// Poller reads one table's stream.
type Poller struct {
	DB      *dynamodb.Client
	Streams *dynamodbstreams.Client
	Table   string
	Handler Handler
	// Filter is the event source mapping's FilterCriteria (nil: every
	// record), as template.yaml gives it (sam.Function.StreamFilters).
	Filter *Filter
	Every  time.Duration
	Log    *slog.Logger

	mu    sync.Mutex
	arn   string
	iters map[string]*string // shard → next iterator
	done  map[string]bool
}

// Run polls until ctx ends.
func (p *Poller) Run(ctx context.Context) error {
	every := p.Every
	if every == 0 {
		every = 200 * time.Millisecond
	}
	for {
		p.mu.Lock()
		err := p.pass(ctx, false)
		p.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			p.Log.Error("stream poll", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// Drain delivers every record written so far and returns: what a test
// calls to have the stream's work done before it looks.
func (p *Poller) Drain(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pass(ctx, true)
}

// pass reads each shard once (until it is caught up, with drain).
func (p *Poller) pass(ctx context.Context, drain bool) error {
	if p.iters == nil {
		desc, err := p.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(p.Table)})
		if err != nil {
			return err
		}
		p.arn = aws.ToString(desc.Table.LatestStreamArn)
		if p.arn == "" {
			return fmt.Errorf("streams: table %s has no stream", p.Table)
		}
		p.iters, p.done = map[string]*string{}, map[string]bool{}
	}
	if err := p.discover(ctx); err != nil {
		return fmt.Errorf("describe: %w", err)
	}
	for shard, it := range p.iters {
		for {
			next, n, err := p.poll(ctx, it)
			if err != nil {
				if drain {
					return fmt.Errorf("shard %s: %w", shard, err)
				}
				if ctx.Err() == nil {
					p.Log.Error("stream poll", "shard", shard, "error", err.Error())
				}
				break
			}
			if next == nil {
				delete(p.iters, shard)
				p.done[shard] = true
				break
			}
			p.iters[shard], it = next, next
			if !drain || n == 0 {
				break
			}
		}
	}
	return nil
}

// discover starts an iterator for every shard not yet read.
func (p *Poller) discover(ctx context.Context) error {
	out, err := p.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.arn)})
	if err != nil {
		return err
	}
	for _, sh := range out.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		if _, ok := p.iters[id]; ok || p.done[id] {
			continue
		}
		it, err := p.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.arn), ShardId: sh.ShardId,
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return err
		}
		p.iters[id] = it.ShardIterator
	}
	return nil
}

// poll delivers one batch and says how many records it had; on a
// handler error it returns the same iterator, so the batch is retried.
func (p *Poller) poll(ctx context.Context, it *string) (*string, int, error) {
	out, err := p.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(100)})
	if err != nil {
		return it, 0, err
	}
	if len(out.Records) == 0 {
		return out.NextShardIterator, 0, nil
	}
	ev := events.DynamoDBEvent{}
	for _, r := range out.Records {
		ev.Records = append(ev.Records, record(r))
	}
	// Records the mapping's filter drops never reach the function; a
	// batch left empty is not delivered.
	if ev.Records = p.Filter.Records(ev.Records); len(ev.Records) == 0 {
		return out.NextShardIterator, len(out.Records), nil
	}
	if err := p.Handler(ctx, ev); err != nil {
		return it, 0, fmt.Errorf("handler (batch will be retried): %w", err)
	}
	return out.NextShardIterator, len(out.Records), nil
}

func record(r types.Record) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{EventID: aws.ToString(r.EventID), EventName: string(r.EventName), EventSource: "aws:dynamodb"}
	if d := r.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{
			Keys: image(d.Keys), NewImage: image(d.NewImage), OldImage: image(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber), StreamViewType: string(d.StreamViewType),
		}
	}
	return out
}

func image(m map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = value(v)
	}
	return out
}

func value(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch t := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(t.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(t.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(t.Value)
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(t.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(t.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(t.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(t.Value)
	case *types.AttributeValueMemberL:
		list := make([]events.DynamoDBAttributeValue, len(t.Value))
		for i, e := range t.Value {
			list[i] = value(e)
		}
		return events.NewListAttribute(list)
	case *types.AttributeValueMemberM:
		// An empty map stays a map (nil would reach the handler as a
		// null, which Lambda never sends for {"M":{}}).
		m := image(t.Value)
		if m == nil {
			m = map[string]events.DynamoDBAttributeValue{}
		}
		return events.NewMapAttribute(m)
	}
	return events.NewNullAttribute()
}

// NewClient is a streams client for the DynamoDB Local at endpoint.
func NewClient(ctx context.Context, endpoint string) (*dynamodbstreams.Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("us-east-1"))
	if err != nil {
		return nil, err
	}
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(endpoint) }), nil
}
