package sesevents

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// withMail is a sample event's detail for another message, sent at sent.
func withMail(t *testing.T, name, messageID string, sent time.Time) []byte {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(sample(t, name), &d); err != nil {
		t.Fatal(err)
	}
	m := d["mail"].(map[string]any)
	m["messageId"], m["timestamp"] = messageID, sent.Format(time.RFC3339Nano)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSoftBouncesSuppressOnlyInARow: three soft bounces suppress an
// address only when no email reached it in between. A mailbox that was
// full now and then over months (each time followed by emails delivered)
// is a working address: it keeps getting the emails it asked for. A
// delivery of a message sent before the last soft bounce (events arrive
// out of order) does not start the count again.
func TestSoftBouncesSuppressOnlyInARow(t *testing.T) {
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	type ev struct {
		kind string // "soft" or "delivery"
		id   string
		sent time.Time
	}
	soft := func(id string, d int) ev { return ev{"soft", id, day.AddDate(0, 0, d)} }
	delivered := func(id string, d int) ev { return ev{"delivery", id, day.AddDate(0, 0, d)} }
	for _, tc := range []struct {
		name           string
		events         []ev
		wantSuppressed bool
	}{
		{"three in a row", []ev{soft("s1", 0), soft("s2", 7), soft("s3", 14)}, true},
		{"a delivery in between starts again", []ev{soft("s1", 0), soft("s2", 60), delivered("d1", 90), soft("s3", 200), soft("s4", 300)}, false},
		{"three after the delivery", []ev{soft("s1", 0), delivered("d1", 30), soft("s2", 60), soft("s3", 90), soft("s4", 120)}, true},
		{"an older message's delivery arriving late", []ev{soft("s1", 0), soft("s2", 14), delivered("d0", 7), soft("s3", 21)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := memstore.New()
			l := lead.New("01M844V79KZKZN9C18K0SFRHJ0", lead.Submission{Email: "maria.schmidt@acme-industrial.example",
				Consent: lead.Consent{MarketingOptIn: true}, Source: lead.Attribution{At: day.AddDate(0, 0, -1)}})
			l.Stage = lead.StageNurturing
			if err := st.CreateLead(ctx, l, lead.Change{At: l.CreatedAt}, nil); err != nil {
				t.Fatal(err)
			}
			n := 0
			h := &Handler{Store: st, Clock: func() time.Time { return day.AddDate(1, 0, 0) }, NewID: func(time.Time) string { n++; return fmt.Sprint("E", n) },
				Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			for _, e := range tc.events {
				name := "ses-bounce-transient.json"
				if e.kind == "delivery" {
					name = "ses-delivery.json"
				}
				if err := h.Handle(ctx, events.EventBridgeEvent{ID: e.id, Detail: withMail(t, name, e.id, e.sent)}); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := st.Lead(ctx, l.ID)
			if (got.Suppressed != "") != tc.wantSuppressed {
				t.Fatalf("suppressed %q (soft bounces %v), want suppressed %v", got.Suppressed, got.SoftBounces, tc.wantSuppressed)
			}
		})
	}
}
