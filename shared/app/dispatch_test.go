package app_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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
