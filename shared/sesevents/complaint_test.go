package sesevents

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// A complaint is an opt-out even from an address that bounced before
// (an email delivered earlier, complained about later): the address is
// suppressed already, but the lead's consent is withdrawn all the same,
// and the lead becomes unsubscribed.
func TestComplaintAfterABounceWithdrawsConsent(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 10, 4, 0, time.UTC)
	ctx := context.Background()
	st := memstore.New()
	l := lead.New("L1", lead.Submission{Email: "maria.schmidt@acme-industrial.example",
		Consent: lead.Consent{MarketingOptIn: true, TextVersion: "v1", At: at.Add(-48 * time.Hour)}, Source: lead.Attribution{At: at.Add(-48 * time.Hour)}})
	l.Stage = lead.StageNurturing
	l.Record(&lead.Change{})
	if err := st.CreateLead(ctx, l, lead.Change{At: l.CreatedAt}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := lead.UpdateWith(ctx, st.Lead, func(ctx context.Context, l lead.Lead, ch lead.Change) error {
		return st.Suppress(ctx, l, ch, "bounce")
	}, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.Suppressed = "bounce"
		return lead.Change{At: at.Add(-time.Hour), Events: []lead.Event{{At: at.Add(-time.Hour), Kind: "bounced", ID: "b1"}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	n := 0
	h := &Handler{Store: st, Clock: func() time.Time { return at }, NewID: func(time.Time) string { n++; return "E" + string(rune('0'+n)) },
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	for range 2 { // a redelivery changes nothing more
		if err := h.Handle(ctx, events.EventBridgeEvent{ID: "e", DetailType: "Email Complaint Received", Detail: sample(t, "ses-complaint.json")}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := st.Lead(ctx, "L1")
	if got.Consent.MarketingOptIn || got.Consent.Method != "complaint" || len(got.Consents) != 2 || got.Stage != lead.StageUnsubscribed || got.Suppressed != "bounce" {
		t.Fatalf("after a complaint from a bounced address: stage %s, suppressed %q, consent %+v (history %d)",
			got.Stage, got.Suppressed, got.Consent, len(got.Consents))
	}
}
