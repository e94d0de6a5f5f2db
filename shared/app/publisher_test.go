package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

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

	byType := map[string][]publish.Detail{}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && (len(byType["lead.captured"]) < 2 || len(byType["lead.hot"]) < 1 || len(byType["lead.nurturing"]) < 1) {
		time.Sleep(100 * time.Millisecond)
		byType = map[string][]publish.Detail{}
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
	}
	if len(byType["lead.captured"]) != 2 || len(byType["lead.hot"]) != 1 {
		t.Fatalf("events out: %v", counts(byType))
	}
	hot := byType["lead.hot"][0]
	if hot.LeadID != created.ID || hot.Version != publish.SchemaVersion || hot.EventID == "" || hot.Lead == nil || hot.Lead.Email != email || hot.Lead.Grade != "A" || hot.Campaign != "q4-demo" {
		t.Fatalf("lead.hot detail = %+v", hot)
	}
	// The cold lead's stage change at capture, and nothing else.
	if n := byType["lead.nurturing"]; len(byType) != 3 || len(n) != 1 || n[0].Data["from"] != "new" || n[0].Data["by"] != "captured" {
		t.Fatalf("unexpected events published: %v", counts(byType))
	}
}

// publishing runs the publisher on table's stream, as the template wires
// it, onto a local bus "leads-test" that keeps what it receives.
func publishing(t *testing.T, table string) *eventbus.Bus {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	bus := eventbus.New(quiet)
	srv := httptest.NewServer(bus)
	t.Cleanup(srv.Close)
	pub, _, _ := buildAt(t, "publisher", map[string]string{"EVENTBRIDGE_ENDPOINT": srv.URL, "EVENT_BUS_NAME": "leads-test"}, time.Now, table)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sc, err := streams.NewClient(ctx, testenv.Get(t).DynamoDB)
	if err != nil {
		t.Fatal(err)
	}
	poller := &streams.Poller{DB: testenv.Clients(t).DynamoDB, Streams: sc, Table: table, Handler: pub.Stream, Every: 50 * time.Millisecond, Log: quiet}
	go func() { _ = poller.Run(ctx) }()
	return bus
}

func counts(m map[string][]publish.Detail) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}
