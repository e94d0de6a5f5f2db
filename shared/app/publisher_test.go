package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/local/eventbus"
	"github.com/leadflow/leadflow/local/streams"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/publish"
)

// TestLeadEventsReachTheBus: timeline events written with the lead flow
// through the table's real stream (DynamoDB Local) into the publisher and
// onto the bus, with the documented schema.
func TestLeadEventsReachTheBus(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	bus := publishing(t, table)
	ctx := context.Background()

	email := fmt.Sprintf("events.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
	created := struct{ ID string }{capturedID(t, table, email)}
	cold, _ := capture.HTTP(ctx, jsonLead(`{"email":"cold.`+email+`","company":"SmallCo","company_size":"1-10","campaign":"q4-demo"}`))
	if cold.StatusCode != 202 {
		t.Fatal(cold.Body)
	}

	bus.settle(t, func() bool {
		n := map[string]int{}
		for _, e := range bus.Events() {
			n[e.DetailType]++
		}
		return n["lead.captured"] >= 2 && n["lead.hot"] >= 1 && n["lead.nurturing"] >= 1
	})
	byType := map[string][]publish.Detail{}
	for _, e := range bus.Events() {
		var d publish.Detail
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			t.Fatalf("detail is not the documented schema: %v", err)
		}
		if e.Source != publish.Source || e.EventBusName != "leads-test" {
			t.Fatalf("event from %s to %s", e.Source, e.EventBusName)
		}
		byType[e.DetailType] = append(byType[e.DetailType], d)
	}
	if len(byType["lead.captured"]) != 2 || len(byType["lead.hot"]) != 1 {
		t.Fatalf("events out: %v", counts(byType))
	}
	hot := byType["lead.hot"][0]
	if hot.LeadID != created.ID || hot.Version != publish.SchemaVersion || hot.EventID == "" || hot.Lead == nil || hot.Lead.Email != email || hot.Lead.Grade != "A" || hot.Campaign != "q4-demo" ||
		hot.Lead.Version < 1 || hot.Lead.UpdatedAt.IsZero() {
		t.Fatalf("lead.hot detail = %+v", hot)
	}
	// The cold lead's stage change at capture, and nothing else.
	if n := byType["lead.nurturing"]; len(byType) != 3 || len(n) != 1 || n[0].Data["from"] != "new" || n[0].Data["by"] != "captured" {
		t.Fatalf("unexpected events published: %v", counts(byType))
	}
}

// publishing runs the publisher on table's stream, as the template wires
// it, onto a local bus "leads-test" that keeps what it receives. The
// stream is polled in the background (so the publisher may run between a
// test's writes, as in AWS); settle delivers what is left before a test
// looks.
func publishing(t *testing.T, table string) *publishedBus {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := &publishedBus{Bus: eventbus.New(quiet)}
	srv := httptest.NewServer(b.Bus)
	t.Cleanup(srv.Close)
	pub, _, _ := buildAt(t, "publisher", map[string]string{"EVENTBRIDGE_ENDPOINT": srv.URL, "EVENT_BUS_NAME": "leads-test"}, testenv.Clock(t), table)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sc, err := streams.NewClient(ctx, testenv.Get(t).DynamoDB)
	if err != nil {
		t.Fatal(err)
	}
	handler := func(ctx context.Context, ev events.DynamoDBEvent) error {
		err := pub.Stream(ctx, ev)
		if err == nil {
			b.delivered.Add(int64(len(ev.Records)))
		}
		return err
	}
	b.poller = &streams.Poller{DB: testenv.Clients(t).DynamoDB, Streams: sc, Table: table, Handler: handler, Every: 50 * time.Millisecond, Log: quiet,
		Filter: testenv.StreamFilter(t, "publisher")}
	go func() { _ = b.poller.Run(ctx) }()
	return b
}

// publishedBus is the bus the publisher sends to, with its stream.
type publishedBus struct {
	*eventbus.Bus
	poller    *streams.Poller
	delivered atomic.Int64 // stream records the publisher handled
}

// settle has the publisher handle every stream record written so far,
// including those its own writes add, until done says the test's writes
// have all shown (nil: no such check): it drains the stream until two
// passes, a moment apart, deliver nothing — DynamoDB Local shows a
// write's stream record a moment after the write. A failed batch is
// retried on the next pass, as Lambda retries it. Bounded by passes, not
// by time: a slow machine takes more passes; a stream that never quiets,
// a batch that keeps failing or a record that never shows fails the test.
func (b *publishedBus) settle(t *testing.T, done func() bool) {
	t.Helper()
	quiet := 0
	for pass := 1; ; pass++ {
		before := b.delivered.Load()
		err := b.poller.Drain(context.Background())
		if err == nil && b.delivered.Load() == before {
			if done == nil || done() {
				quiet++
			}
			if quiet == 2 {
				return
			}
			time.Sleep(50 * time.Millisecond)
		} else {
			quiet = 0
		}
		if pass == 200 {
			t.Fatalf("the publisher's stream is not settled after %d passes (last error: %v)", pass, err)
		}
		if err != nil {
			t.Logf("publisher stream, pass %d (retried): %v", pass, err)
		}
	}
}

func counts(m map[string][]publish.Detail) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}
