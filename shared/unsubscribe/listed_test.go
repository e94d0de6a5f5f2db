package unsubscribe

import (
	"context"
	"net/http"
	"testing"

	"github.com/leadflow/leadflow/shared/lead"
)

// A lead whose address is on the suppression list without the lead's own
// copy (the erasure of an address nobody had yet, racing the form that
// creates its lead; or a lead stored before copies existed) still gets
// everything an unsubscribe means: the copy every send checks, its stage,
// its consent and its sequence.
func TestUnsubscribeOfAListedLeadWithoutItsCopy(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	ctx := context.Background()
	l, _ := f.st.Lead(ctx, "L1")
	if err := f.st.SuppressHash(ctx, l.EmailHash, "erasure", t0); err != nil {
		t.Fatal(err)
	}
	if resp := f.do(t, http.MethodPost, f.tok("L1", t0), "List-Unsubscribe=One-Click"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got, _ := f.st.Lead(ctx, "L1")
	t.Logf("outcome %s: suppressed=%q stage=%s consent=%v nurture=%+v", f.outcome(t), got.Suppressed, got.Stage, got.Consent.MarketingOptIn, got.Nurture)
	if got.Suppressed == "" || got.Consent.MarketingOptIn || got.Stage != lead.StageUnsubscribed {
		t.Fatalf("the unsubscribed lead is still mailable: suppressed=%q stage=%s opt-in=%v", got.Suppressed, got.Stage, got.Consent.MarketingOptIn)
	}
}
