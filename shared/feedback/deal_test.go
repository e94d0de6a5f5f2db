package feedback

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

// addContact stores a second MQL whose alert reached Ana, from another
// campaign: the other contact of a CRM deal.
func (f *fixture) addContact(t *testing.T, id, email, campaign string) {
	t.Helper()
	l := lead.New(id, lead.Submission{Email: email, Name: "Dan", Company: "BigCorp",
		Source: lead.Attribution{Campaign: campaign, At: t0.Add(-time.Hour)}})
	l.Stage = lead.StageMQL
	l.Handoff = &lead.Handoff{State: lead.HandoffSent, Rep: "ana@example.com", Since: t0.Add(-4 * time.Minute),
		SentAt: t0.Add(-3 * time.Minute), DueBy: t0.Add(2 * time.Minute)}
	l.Record(&lead.Change{})
	if err := f.st.CreateLead(context.Background(), l, lead.Change{At: l.CreatedAt}, nil); err != nil {
		t.Fatal(err)
	}
}

// TestADealOfTwoContactsCountsOnce: a CRM deal with two contacts that
// are both leads sends its won (with the deal's amount) for each. The
// deal counts once — its win, amount and close on the contact whose
// close was recorded first — and the other contact is won too (its
// stage, its event) without a second win or second revenue. Sent again,
// in any order, or corrected through either contact, the deal's revenue
// stays the deal's.
func TestADealOfTwoContactsCountsOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	sum := func() (won, revenue, valued int64) {
		for _, c := range []map[string]int64{f.countersOf(t, "q4"), f.countersOf(t, "fair")} {
			won, revenue, valued = won+c["won"], revenue+c["revenue_minor"], valued+c["won_valued"]
		}
		return
	}
	steps := []struct {
		name                 string
		o                    Outcome
		out                  string
		won, revenue, valued int64
	}{
		{"won, on its first contact", Outcome{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c1"}, Recorded, 1, 1000000, 1},
		{"won, on its second contact", Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c2"}, Recorded, 1, 1000000, 1},
		{"the first again", Outcome{LeadID: "L1", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c1"}, Already, 1, 1000000, 1},
		{"the second again, another id", Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c2b"}, Already, 1, 1000000, 1},
		{"corrected through the second", Outcome{LeadID: "L2", Stage: "won", Amount: amount(12000), DealID: "D-1", EventID: "c3"}, Corrected, 1, 1200000, 1},
		{"the correction through the first", Outcome{LeadID: "L1", Stage: "won", Amount: amount(12000), DealID: "D-1", EventID: "c4"}, Already, 1, 1200000, 1},
		{"a late copy of the second's first win", Outcome{LeadID: "L2", Stage: "won", Amount: amount(10000), DealID: "D-1", EventID: "c2"}, Already, 1, 1200000, 1},
	}
	for _, s := range steps {
		out, err := f.h.ApplyCRM(ctx, s.o)
		won, revenue, valued := sum()
		if err != nil || out != s.out || won != s.won || revenue != s.revenue || valued != s.valued {
			t.Fatalf("%s: %s, %v; won %d, revenue %d, valued %d; want %s, %d, %d, %d", s.name, out, err, won, revenue, valued, s.out, s.won, s.revenue, s.valued)
		}
	}
	for _, id := range []string{"L1", "L2"} {
		l, err := f.st.Lead(ctx, id)
		if err != nil || l.Stage != lead.StageWon || l.Deal == nil || l.Deal.ID != "D-1" {
			t.Fatalf("%s: %v, %+v", id, err, l)
		}
	}
	// Cancelled: closed lost for both contacts takes the deal's win out,
	// and counts one lost deal.
	for _, id := range []string{"L2", "L1"} {
		if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: id, Stage: "lost", DealID: "D-1", EventID: "x-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	won, revenue, _ := sum()
	lost := f.countersOf(t, "q4")["lost"] + f.countersOf(t, "fair")["lost"]
	if won != 0 || revenue != 0 || lost != 1 {
		t.Fatalf("cancelled: won %d, revenue %d, lost %d; want 0, 0, 1", won, revenue, lost)
	}
}

// TestBackfillOfADealsContacts: a CRM's deals export has a row per
// contact, each with the deal's amount, under "Deal ID" (Salesforce:
// "Opportunity ID"). Two contacts that are leads count the deal once;
// the file sent again records nothing; a deal given two amounts on its
// contacts' rows cannot say which is its own, so none of them applies.
func TestBackfillOfADealsContacts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	f.addContact(t, "L3", "eve@bigcorp.example", "fair")
	f.addContact(t, "L4", "fay@bigcorp.example", "fair")
	send := func(body string) httpapi.Response {
		t.Helper()
		r, err := f.h.Handle(ctx, httpapi.Request{RouteKey: RouteOutcomes, Headers: map[string]string{"content-type": "text/csv"}, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	file := "Lead ID,Deal Stage,Amount,Opportunity ID\nL1,Closed Won,\"10,000\",D-7\nL2,Closed Won,\"10,000\",D-7\n"
	if r := send(file); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"recorded":2`) {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	if r := send(file); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `"already":2`) {
		t.Fatalf("again: %d %s", r.StatusCode, r.Body)
	}
	revenue := f.countersOf(t, "q4")["revenue_minor"] + f.countersOf(t, "fair")["revenue_minor"]
	won := f.countersOf(t, "q4")["won"] + f.countersOf(t, "fair")["won"]
	if revenue != 1000000 || won != 1 {
		t.Fatalf("revenue %d, won %d; want 1000000, 1", revenue, won)
	}
	r := send("lead_id,stage,amount,deal_id\nL3,won,5000,D-8\nL4,won,7000,D-8\n")
	want := `{"line":2,"field":"amount","error":"the won deal D-8 has other amounts on lines 3: one row per deal, its total (a correction goes in a file of its own)"}`
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `"recorded":0`) {
		t.Fatalf("%d %s\nwant %s", r.StatusCode, r.Body, want)
	}
}

// TestADealsCorrectionPastTheHorizon: a correction sent through the
// contact that does not count the deal is refused as the counting lead's
// would be (past the outcome horizon), not answered "already" as if the
// amount were in place.
func TestADealsCorrectionPastTheHorizon(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addContact(t, "L2", "dan@bigcorp.example", "fair")
	for _, id := range []string{"L1", "L2"} {
		if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: id, Stage: "won", Amount: amount(100), DealID: "D-1", EventID: "w-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	f.now = t0.Add(200 * 24 * time.Hour)
	out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L2", Stage: "won", Amount: amount(150), DealID: "D-1", EventID: "fix"})
	if !errors.Is(err, ErrOutcomeRefused) || !strings.Contains(err.Error(), "outcome horizon") {
		t.Fatalf("correction past the horizon: %s, %v; want refused", out, err)
	}
}
