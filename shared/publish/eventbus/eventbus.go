// Package eventbus is the EventBridge adapter behind publish.Bus.
package eventbus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/leadflow/leadflow/shared/publish"
)

// PutEventsAPI is the one EventBridge call the adapter needs.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Bus publishes to one event bus.
type Bus struct {
	client PutEventsAPI
	name   string
}

var _ publish.Bus = (*Bus)(nil)

// New returns a Bus for the named event bus.
func New(client PutEventsAPI, name string) *Bus { return &Bus{client: client, name: name} }

// maxBatch is PutEvents' limit of entries per call.
const maxBatch = 10

// Publish sends events in batches; any failed entry fails the call, so the
// stream redelivers (subscribers deduplicate by event_id).
func (b *Bus) Publish(ctx context.Context, events []publish.Out) error {
	for start := 0; start < len(events); start += maxBatch {
		end := min(start+maxBatch, len(events))
		entries := make([]types.PutEventsRequestEntry, 0, end-start)
		for _, e := range events[start:end] {
			detail, err := json.Marshal(e.Detail)
			if err != nil {
				return fmt.Errorf("eventbus: encode %s: %w", e.DetailType, err)
			}
			entries = append(entries, types.PutEventsRequestEntry{
				EventBusName: aws.String(b.name), Source: aws.String(publish.Source),
				DetailType: aws.String(e.DetailType), Detail: aws.String(string(detail)),
				Time: aws.Time(e.Detail.At),
			})
		}
		out, err := b.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			return fmt.Errorf("eventbus: put events: %w", err)
		}
		if out.FailedEntryCount > 0 {
			for _, r := range out.Entries {
				if r.ErrorCode != nil {
					return fmt.Errorf("eventbus: %d of %d events failed, first: %s %s", out.FailedEntryCount, len(entries), aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
				}
			}
			return fmt.Errorf("eventbus: %d of %d events failed", out.FailedEntryCount, len(entries))
		}
	}
	return nil
}
