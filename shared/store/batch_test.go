package store_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// throttledBatches answers the first n BatchWriteItem calls (every call
// when n < 0) as a throttled table does: nothing written, every request
// back as unprocessed.
type throttledBatches struct {
	*dynamodb.Client
	n     int64
	calls atomic.Int64
}

func (c *throttledBatches) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if k := c.calls.Add(1); c.n < 0 || k <= c.n {
		return &dynamodb.BatchWriteItemOutput{UnprocessedItems: in.RequestItems}, nil
	}
	return c.Client.BatchWriteItem(ctx, in, o...)
}

// TestErasureBacksOffOnAThrottledTable: an erasure's batch writes that
// DynamoDB leaves unprocessed are tried again after a pause that doubles
// (as AWS asks), not in a loop as fast as the network allows, and the
// erasure completes; a table that stays throttled ends with the context.
func TestErasureBacksOffOnAThrottledTable(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	db := &throttledBatches{Client: testenv.Clients(t).DynamoDB, n: 3}
	st := store.Over(db, testenv.NewTable(t))
	var pauses []time.Duration
	st.SetPause(func(_ context.Context, d time.Duration) error { pauses = append(pauses, d); return nil })
	l := lead.New("L1", sub("ann@acme.example", t0))
	if err := st.CreateLead(ctx, l, lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: lead.EventCaptured, ID: "e1"}}}, nil); err != nil {
		t.Fatal(err)
	}
	anon := lead.Lead{ID: "L1", EmailHash: l.EmailHash, Stage: lead.StageNew, Erased: true, Version: 2}
	events := []lead.Event{{At: t0, Kind: lead.EventCaptured, ID: "e1"}}
	if err := st.Erase(ctx, anon, events, lead.Change{At: t0.Add(time.Hour)}, true); err != nil {
		t.Fatalf("erase on a table throttled for three batches: %v", err)
	}
	if want := []time.Duration{25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}; !slices.Equal(pauses, want) {
		t.Fatalf("pauses %v, want %v", pauses, want)
	}
	if got, err := st.Lead(ctx, "L1"); err != nil || !got.Erased || got.Email != "" {
		t.Fatalf("after the erasure: %+v, %v", got, err)
	}

	// Throttled for good: the erasure ends when its context does.
	db2 := &throttledBatches{Client: testenv.Clients(t).DynamoDB, n: -1}
	st2 := store.Over(db2, testenv.NewTable(t))
	cctx, cancel := context.WithCancel(ctx)
	st2.SetPause(func(ctx context.Context, d time.Duration) error {
		if db2.calls.Load() >= 10 {
			cancel()
		}
		return ctx.Err()
	})
	if err := st2.CreateLead(ctx, l, lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: lead.EventCaptured, ID: "e1"}}}, nil); err != nil {
		t.Fatal(err)
	}
	err := st2.Erase(cctx, anon, events, lead.Change{At: t0.Add(time.Hour)}, true)
	if !errors.Is(err, context.Canceled) || db2.calls.Load() != 10 {
		t.Fatalf("erase on a table throttled for good: %v after %d batch writes", err, db2.calls.Load())
	}
}
