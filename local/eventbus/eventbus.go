// Package eventbus is the local stand-in for the product's EventBridge
// bus: it answers PutEvents (the AWS JSON protocol the SDK speaks), keeps
// the events for tests and the dev endpoint, and logs each one. There is
// no EventBridge emulator to run; subscribers (a CRM sync) live in AWS.
// An event put on the bus that one of the product's own rules takes (a
// CRM's leadflow.outcome) goes to that function (Deliver), as EventBridge
// would route it, so a CRM integration can be tried against make run.
package eventbus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Event is one published event as received.
type Event struct {
	EventBusName string          `json:"EventBusName"`
	Source       string          `json:"Source"`
	DetailType   string          `json:"DetailType"`
	Detail       json.RawMessage `json:"Detail"`
	Received     time.Time       `json:"received"`
}

// Bus records events.
type Bus struct {
	mu     sync.Mutex
	events []Event
	log    *slog.Logger
	// Deliver, when set, hands an event put on the bus to the functions
	// whose rules take it and reports whether any did; such an event is
	// an input of the product, not one it published. Its error is logged,
	// as a failed rule target's would be: the put itself succeeded.
	Deliver func(context.Context, events.EventBridgeEvent) (bool, error)
}

// New returns an empty bus logging to log.
func New(log *slog.Logger) *Bus { return &Bus{log: log} }

// Events returns what was published so far.
func (b *Bus) Events() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Event(nil), b.events...)
}

// ServeHTTP answers PutEvents.
func (b *Bus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" {
		http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
		return
	}
	var in struct {
		Entries []struct {
			EventBusName, Source, DetailType, Detail string
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, `{"__type":"ValidationException"}`, http.StatusBadRequest)
		return
	}
	type result struct{ EventId string }
	out := struct {
		FailedEntryCount int
		Entries          []result
	}{}
	for i, e := range in.Entries {
		if b.Deliver != nil {
			id := fmt.Sprintf("local-in-%d-%d", time.Now().UnixNano(), i)
			routed, err := b.Deliver(r.Context(), events.EventBridgeEvent{Version: "0", ID: id, DetailType: e.DetailType, Source: e.Source,
				Time: time.Now().UTC(), Region: "local", Resources: []string{}, Detail: json.RawMessage(e.Detail)})
			if err != nil {
				b.log.Error("event in: its rule's function failed", "bus", e.EventBusName, "type", e.DetailType, "eventId", id, "error", err.Error())
			}
			if routed {
				b.log.Info("event in", "bus", e.EventBusName, "type", e.DetailType, "eventId", id)
				out.Entries = append(out.Entries, result{EventId: id})
				continue
			}
		}
		b.mu.Lock()
		ev := Event{EventBusName: e.EventBusName, Source: e.Source, DetailType: e.DetailType, Detail: json.RawMessage(e.Detail), Received: time.Now()}
		b.events = append(b.events, ev)
		out.Entries = append(out.Entries, result{EventId: fmt.Sprintf("local-%d-%d", len(b.events), i)})
		b.mu.Unlock()
		var d struct {
			LeadID  string `json:"lead_id"`
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal([]byte(e.Detail), &d)
		// The detail carries contact data: log ids only.
		b.log.Info("event out", "bus", e.EventBusName, "type", e.DetailType, "leadId", d.LeadID, "eventId", d.EventID)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}
