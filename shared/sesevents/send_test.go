package sesevents

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// The Send event SES publishes for an accepted message confirms the
// claim it was sent under, and nothing else changes.
func TestSendEventConfirmsItsClaim(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 9, 58, 0, time.UTC)
	detail := sample(t, "ses-send.json")
	var d struct {
		Mail struct {
			MessageID string              `json:"messageId"`
			Tags      map[string][]string `json:"tags"`
		} `json:"mail"`
	}
	if err := json.Unmarshal(detail, &d); err != nil {
		t.Fatal(err)
	}
	id, claim := d.Mail.Tags["lead"][0], d.Mail.Tags["claim"][0]
	for _, tc := range []struct {
		name   string
		claims map[string]lead.Claim
		want   map[string]lead.Claim
		write  bool
	}{
		{"the claim waits for it", map[string]lead.Claim{"nurture:s:welcome": {ID: claim, At: at}, "handoff": {ID: "other", At: at}},
			map[string]lead.Claim{"nurture:s:welcome": {ID: claim, At: at, Confirmed: d.Mail.MessageID, ConfirmedAt: at}, "handoff": {ID: "other", At: at}}, true},
		{"recorded already", nil, nil, false},
		{"a later claim of the job", map[string]lead.Claim{"nurture:s:welcome": {ID: "newer", At: at}},
			map[string]lead.Claim{"nurture:s:welcome": {ID: "newer", At: at}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.New()
			l := lead.New(id, lead.Submission{Email: "maria.schmidt@acme-industrial.example", Source: lead.Attribution{At: at}})
			l.Claims = tc.claims
			if err := st.CreateLead(context.Background(), l, lead.Change{At: at}, nil); err != nil {
				t.Fatal(err)
			}
			h := &Handler{Store: st, Clock: func() time.Time { return at }, NewID: func(time.Time) string { return "E1" },
				Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			for range 2 { // a redelivery changes nothing
				if err := h.Handle(context.Background(), events.EventBridgeEvent{ID: "e", DetailType: "Email Sent", Detail: detail}); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := st.Lead(context.Background(), id)
			wantVersion := l.Version
			if tc.write {
				wantVersion++
			}
			gj, _ := json.Marshal(got.Claims)
			wj, _ := json.Marshal(tc.want)
			if string(gj) != string(wj) || got.Version != wantVersion {
				t.Fatalf("claims %s version %d; want %s version %d", gj, got.Version, wj, wantVersion)
			}
			if tl, _ := st.Timeline(context.Background(), id); len(tl) != 0 {
				t.Fatalf("timeline %+v, want nothing recorded", tl)
			}
		})
	}
}

// noStore fails the test on any request: what must be answered without
// one.
type noStore struct {
	Store
	t *testing.T
}

func (s noStore) Lead(context.Context, string) (lead.Lead, error) {
	s.t.Error("read a lead")
	return lead.Lead{}, lead.ErrNotFound
}

// The Send event of an email sent without a claim (a weekly digest to
// marketing) is answered at once: nothing to confirm, no request made.
func TestSendEventWithoutAClaimAsksNothing(t *testing.T) {
	var logs strings.Builder
	h := &Handler{Store: noStore{t: t}, Clock: time.Now, NewID: func(time.Time) string { return "E1" },
		Log: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if err := h.Handle(context.Background(), events.EventBridgeEvent{ID: "e", DetailType: "Email Sent", Detail: sample(t, "ses-send-digest.json")}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"outcome":"untracked"`) {
		t.Fatalf("want one untracked line, got %s", logs.String())
	}
}
