package eventbus

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func putEvents(t *testing.T, b *Bus, entries ...map[string]string) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"Entries": entries})
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
	w := httptest.NewRecorder()
	b.ServeHTTP(w, r)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("answer %q: %v", w.Body.String(), err)
	}
	return out
}

// TestPutEventsReachTheRulesOfTheBus: an event put on the local bus whose
// detail type a function's rule takes (a CRM's leadflow.outcome) is
// delivered to it, as EventBridge would, and is not listed as one the
// product published; the product's own events are only recorded.
func TestPutEventsReachTheRulesOfTheBus(t *testing.T) {
	b := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	var got []events.EventBridgeEvent
	b.Deliver = func(_ context.Context, ev events.EventBridgeEvent) (bool, error) {
		if ev.DetailType != "leadflow.outcome" {
			return false, nil
		}
		got = append(got, ev)
		return true, nil
	}
	out := putEvents(t, b,
		map[string]string{"EventBusName": "leadflow-local-leads", "Source": "crm.example", "DetailType": "leadflow.outcome", "Detail": `{"email":"a@b.example","stage":"sql"}`},
		map[string]string{"EventBusName": "leadflow-local-leads", "Source": "leadflow", "DetailType": "lead.hot", "Detail": `{"lead_id":"L1"}`})
	if out["FailedEntryCount"].(float64) != 0 {
		t.Fatalf("answer %v", out)
	}
	if len(got) != 1 || got[0].Source != "crm.example" || got[0].ID == "" || string(got[0].Detail) != `{"email":"a@b.example","stage":"sql"}` {
		t.Fatalf("delivered %+v, want the CRM's outcome with an id", got)
	}
	if evs := b.Events(); len(evs) != 1 || evs[0].DetailType != "lead.hot" {
		t.Fatalf("published %+v, want lead.hot only", evs)
	}
}
