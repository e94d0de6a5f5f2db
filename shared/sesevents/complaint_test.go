package sesevents

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// Every complaint counts in its campaign's complaint rate once, whatever
// the address's state when it arrives — a person who unsubscribed and
// then reported an earlier email as spam complained all the same (a mail
// client's "report spam and unsubscribe" does both) — and a redelivered
// event counts nothing more. A complaint from an address already
// unsubscribed changes neither its consent nor its suppression; one from
// an address that bounced before (an email delivered earlier, complained
// about later) withdraws the lead's consent all the same, though the
// address stays listed for the bounce, and the lead becomes unsubscribed.
func TestEveryComplaintCountsOnce(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 10, 4, 0, time.UTC)
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		suppressed  string // the address's entry before the complaint
		consent     bool   // consented before the complaint
		wantHistory int    // consent entries after
		wantReason  string // the suppression after
		wantMethod  string // the latest consent record's
	}{
		{name: "nurtured", consent: true, wantHistory: 2, wantReason: "complaint", wantMethod: "complaint"},
		{name: "bounced", suppressed: "bounce", consent: true, wantHistory: 2, wantReason: "bounce", wantMethod: "complaint"},
		{name: "unsubscribed", suppressed: "unsubscribe", wantHistory: 2, wantReason: "unsubscribe", wantMethod: "unsubscribe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.New()
			l := lead.New("L1", lead.Submission{Email: "maria.schmidt@acme-industrial.example",
				Consent: lead.Consent{MarketingOptIn: true, TextVersion: "v1", At: at.Add(-48 * time.Hour)}, Source: lead.Attribution{At: at.Add(-48 * time.Hour)}})
			l.Stage = lead.StageNurturing
			l.Record(&lead.Change{})
			if err := st.CreateLead(ctx, l, lead.Change{At: l.CreatedAt}, nil); err != nil {
				t.Fatal(err)
			}
			if tc.suppressed != "" {
				if _, err := lead.UpdateWith(ctx, st.Lead, func(ctx context.Context, l lead.Lead, ch lead.Change) error {
					return st.Suppress(ctx, l, ch, tc.suppressed)
				}, "L1", func(l *lead.Lead) (lead.Change, error) {
					if !tc.consent {
						l.WithdrawConsent(lead.Consent{TextVersion: "unsubscribe", Method: "unsubscribe", At: at.Add(-time.Hour)})
					}
					l.Suppressed = tc.suppressed
					return lead.Change{At: at.Add(-time.Hour)}, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			n := 0
			h := &Handler{Store: st, Clock: func() time.Time { return at }, NewID: func(time.Time) string { n++; return fmt.Sprintf("E%d", n) },
				Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			first := sample(t, "ses-complaint.json")
			second := []byte(strings.Replace(string(first), complaintMessageID, "0102018f3c9e7a1b-later", 1))
			if string(second) == string(first) {
				t.Fatal("the sample's message id was not replaced")
			}
			for _, detail := range [][]byte{first, first, second, second} { // each redelivered once
				if err := h.Handle(ctx, events.EventBridgeEvent{ID: "e", DetailType: "Email Complaint Received", Detail: detail}); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := st.Lead(ctx, "L1")
			stats, err := st.CampaignStats(ctx, got.Campaign(), at)
			if err != nil {
				t.Fatal(err)
			}
			if stats["complaints"] != 2 {
				t.Errorf("complaints counted %d, want 2 (two messages, each redelivered)", stats["complaints"])
			}
			tl, _ := st.Timeline(ctx, "L1")
			complained := 0
			for _, e := range tl {
				if e.Kind == "complained" {
					complained++
				}
			}
			if complained != 2 {
				t.Errorf("complained events %d, want 2", complained)
			}
			if got.Consent.MarketingOptIn || got.Consent.Method != tc.wantMethod || len(got.Consents) != tc.wantHistory || got.Suppressed != tc.wantReason || got.Stage != lead.StageUnsubscribed {
				t.Errorf("after: stage %s, suppressed %q, consent %+v (history %d, want %d)", got.Stage, got.Suppressed, got.Consent, len(got.Consents), tc.wantHistory)
			}
			if reason, _, err := st.Suppression(ctx, got.EmailHash); err != nil || reason != tc.wantReason {
				t.Errorf("suppression list: %q (read error %v), want %q", reason, err, tc.wantReason)
			}
		})
	}
}

// complaintMessageID is the message id in events/ses-complaint.json.
const complaintMessageID = "0102018f3c9e7a1b-5d2f1c8e-9a4b-4f0e-8d7c-2b1a0e9f8c7d-000000"
