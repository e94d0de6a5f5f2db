package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/httpapi"
)

// TestDispatchRoutesEachTriggerToItsHandler feeds the Lambda entry point
// the sample payloads of every trigger kind.
func TestDispatchRoutesEachTriggerToItsHandler(t *testing.T) {
	var got []string
	d := app.Dispatch(app.Handlers{
		HTTP: func(_ context.Context, r httpapi.Request) (httpapi.Response, error) {
			got = append(got, "http "+r.RouteKey)
			return httpapi.Response{StatusCode: 201}, nil
		},
		Event: func(_ context.Context, e events.EventBridgeEvent) error {
			got = append(got, "event "+e.DetailType)
			return nil
		},
		Stream: func(_ context.Context, e events.DynamoDBEvent) error { got = append(got, "stream"); return nil },
	})
	for _, f := range []string{"capture-json.json", "nurture-schedule.json", "ses-bounce-permanent.json"} {
		b, err := os.ReadFile(filepath.Join(testenv.Root(t), "events", f))
		if err != nil {
			t.Fatal(err)
		}
		out, err := d(context.Background(), b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if f == "capture-json.json" {
			if r, ok := out.(httpapi.Response); !ok || r.StatusCode != 201 {
				t.Fatalf("http response = %#v", out)
			}
		}
	}
	stream, _ := json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{EventName: "INSERT", EventSource: "aws:dynamodb"}}})
	if _, err := d(context.Background(), stream); err != nil {
		t.Fatal(err)
	}
	want := []string{"http POST /leads", "event Scheduled Event", "event Email Bounced", "stream"}
	if len(got) != len(want) {
		t.Fatalf("dispatched %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("dispatched %v, want %v", got, want)
		}
	}
	if _, err := d(context.Background(), []byte("not json")); err == nil {
		t.Fatal("a non-JSON payload must fail")
	}
}

// TestDispatchScrubsReturnedErrors: the Lambda runtime writes an error a
// handler returns to the function's log as it is, outside logx, and into
// the dead-letter message; an SES refusal naming an address (the digest's
// recipient, a rep) must reach neither, while callers still see the cause.
func TestDispatchScrubsReturnedErrors(t *testing.T) {
	cause := errors.New("throttled")
	failing := fmt.Errorf("send to Dana.Whitfield@northwind.example: MessageRejected: Email address is not verified: leads@acme.example: %w", cause)
	d := app.Dispatch(app.Handlers{
		Event:  func(context.Context, events.EventBridgeEvent) error { return failing },
		Stream: func(context.Context, events.DynamoDBEvent) error { return failing },
	})
	stream, _ := json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{EventName: "INSERT", EventSource: "aws:dynamodb"}}})
	schedule, err := os.ReadFile(filepath.Join(testenv.Root(t), "events", "nurture-schedule.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, payload := range map[string][]byte{"event": schedule, "stream": stream} {
		_, err := d(context.Background(), payload)
		if err == nil || strings.Contains(err.Error(), "@") || !strings.Contains(err.Error(), "send to <address>: MessageRejected") {
			t.Errorf("%s: returned %v, want the error with its addresses scrubbed", name, err)
		}
		if !errors.Is(err, cause) {
			t.Errorf("%s: %v no longer wraps its cause", name, err)
		}
	}
}

// FuzzDispatch feeds the Lambda entry point arbitrary payloads, seeded
// with every sample event: it routes or refuses them, never panics, and
// hands a handler only a payload of its own kind.
func FuzzDispatch(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"Records":null,"routeKey":""}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		d := app.Dispatch(app.Handlers{
			HTTP: func(_ context.Context, r httpapi.Request) (httpapi.Response, error) {
				if r.RouteKey == "" {
					t.Fatalf("HTTP handler got a request without a route: %s", payload)
				}
				return httpapi.Response{StatusCode: 200}, nil
			},
			Event:  func(context.Context, events.EventBridgeEvent) error { return nil },
			Stream: func(context.Context, events.DynamoDBEvent) error { return nil },
		})
		_, _ = d(context.Background(), payload)
	})
}
