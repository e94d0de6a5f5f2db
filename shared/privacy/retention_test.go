package privacy

import (
	"context"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/customerlist"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/segment"
)

// TestEraseRetainedIsTheErasure: the retention sweep's erasure of a lead
// is the request's — personal data gone, customer lists rewritten,
// counters kept — and its erased event says why. Unlike a request's, it
// does not put the address on the suppression list: nobody asked not to
// be mailed, and a person who comes back years later and opts in again
// is a new lead marketing may nurture.
func TestEraseRetainedIsTheErasure(t *testing.T) {
	st := seed(t)
	h, _ := newHandler(t, st)
	ann := segment.HashEmail(email)
	bucket := &files{m: map[string]string{"segments/demo/2031-03-10.csv": customerlist.Header + ann + "\n"}}
	h.Service.Exports = bucket
	l, _ := st.Lead(context.Background(), "L1")
	erased, unfinished, err := h.Service.EraseRetained(context.Background(), l, func(lead.Lead) bool { return true })
	if err != nil || !erased || unfinished != "" {
		t.Fatalf("EraseRetained = %v, %q, %v", erased, unfinished, err)
	}
	ex := decode[Export](t, do(t, h, "POST /admin/export", `{"email":"ann@acme.example"}`))
	if ex.Found || ex.Suppressed {
		t.Fatalf("export after the retention erasure = %+v", ex)
	}
	if bucket.m["segments/demo/2031-03-10.csv"] != customerlist.Header {
		t.Fatalf("customer list after the retention erasure: %q", bucket.m["segments/demo/2031-03-10.csv"])
	}
	after, _ := st.Lead(context.Background(), "L1")
	if !after.Erased || after.Name != "" || after.Email != "" {
		t.Fatalf("lead after the retention erasure: %+v", after)
	}
	tl, _ := st.Timeline(context.Background(), "L1")
	var reason any = "no erased event"
	for _, e := range tl {
		if e.Kind == lead.EventErased {
			reason = e.Data["reason"]
		}
	}
	if reason != ReasonRetention {
		t.Fatalf("erased event's reason = %v, want %q (timeline %+v)", reason, ReasonRetention, tl)
	}
	if stats, _ := st.CampaignStats(context.Background(), "spring", t0); stats["leads"] != 1 {
		t.Fatalf("counters after the retention erasure: %v", stats)
	}
	// Found again by a later pass: erased already, nothing to do.
	if erased, _, err := h.Service.EraseRetained(context.Background(), after, func(lead.Lead) bool { return true }); erased || err != nil {
		t.Fatalf("erasing an erased lead again: %v, %v", erased, err)
	}
}

// TestEraseRetainedKeepsALeadNoLongerDue: activity between the sweep's
// read and the erasure (still says no), or an address whose lead is
// another than the one the sweep read, erases nothing and records no
// erasure (which would take a live address out of the day's lists).
func TestEraseRetainedKeepsALeadNoLongerDue(t *testing.T) {
	for _, tc := range []struct {
		name  string
		id    string
		still bool
	}{{"activity since the sweep read it", "L1", false}, {"the address is another lead's", "L0", true}} {
		t.Run(tc.name, func(t *testing.T) {
			st := seed(t)
			h, _ := newHandler(t, st)
			h.Service.Exports = &files{m: map[string]string{}}
			l, _ := st.Lead(context.Background(), "L1")
			l.ID = tc.id
			erased, _, err := h.Service.EraseRetained(context.Background(), l, func(lead.Lead) bool { return tc.still })
			if err != nil || erased {
				t.Fatalf("EraseRetained = %v, %v", erased, err)
			}
			if cur, _ := st.Lead(context.Background(), "L1"); cur.Erased || cur.Name != "Ann Example" {
				t.Fatalf("lead after a kept retention erasure: %+v", cur)
			}
			if gone, _ := st.ErasedSince(context.Background(), lead.HashEmail(email), t0.Add(-24*time.Hour)); gone {
				t.Fatal("a kept lead's address was recorded as erased")
			}
		})
	}
}

// TestEraseRetainedKeepsTheAddressesOwnSuppression: a lead that had
// unsubscribed stays unsubscribed after its retention erasure (the entry
// keeps its reason; a returning person is still not mailed until it
// opts in again by the double opt-in, as before).
func TestEraseRetainedKeepsTheAddressesOwnSuppression(t *testing.T) {
	st := seed(t)
	h, _ := newHandler(t, st)
	ctx := context.Background()
	unsubscribe := func(ctx context.Context, l lead.Lead, ch lead.Change) error {
		return st.Suppress(ctx, l, ch, "unsubscribe")
	}
	if _, err := lead.UpdateWith(ctx, st.Lead, unsubscribe, "L1", func(*lead.Lead) (lead.Change, error) {
		return lead.Change{At: t0.Add(time.Minute)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	l, _ := st.Lead(ctx, "L1")
	if erased, _, err := h.Service.EraseRetained(ctx, l, func(lead.Lead) bool { return true }); err != nil || !erased {
		t.Fatalf("EraseRetained = %v, %v", erased, err)
	}
	ex := decode[Export](t, do(t, h, "POST /admin/export", `{"email":"ann@acme.example"}`))
	if ex.Found || !ex.Suppressed || ex.Suppression.Reason != "unsubscribe" {
		t.Fatalf("export after the retention erasure of an unsubscribed lead = %+v", ex)
	}
}
