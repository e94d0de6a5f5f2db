package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/store"
)

// TestARevivedDealInReports: through the bus, a CRM closes one lead lost
// at SAL and later revives it (its SQL event put after the loss), and
// closes another lost whose SQL, put before the loss, is delivered after
// it. The first is an open SQL again and counts no loss; the second stays
// lost, from SQL. Each stage counts once: the report's sal, sql, lost and
// open SQLs say so.
func TestARevivedDealInReports(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	fb, _, _ := buildAt(t, "feedback", nil, testenv.Clock(t), table)
	reports, _, _ := buildAt(t, "reports", map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}, testenv.Clock(t), table)
	ctx := context.Background()
	stamp := time.Now().UnixNano()
	hot := func(name string) string {
		return acceptedHotLead(t, capture, fb, table, fmt.Sprintf("%s.%d@bigcorp.example", name, stamp), "revived")
	}
	crm := func(detail, eventID string, at time.Time) {
		t.Helper()
		ev := crmEvent(t, detail)
		ev.ID, ev.Time = eventID, at
		if err := fb.Event(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	revived, late := hot("revived"), hot("late")
	// After the captures: a close date before the day before a lead's
	// capture is refused, which a "yesterday" read before a midnight
	// the captures came after would be.
	yesterday := testenv.Now(t).UTC().Add(-24 * time.Hour).Format("2006-01-02")
	crm(`{"lead_id":"`+revived+`","stage":"Closed Lost","closed_at":"`+yesterday+`"}`, "lost-r", testenv.Now(t).Add(-time.Minute))
	crm(`{"lead_id":"`+late+`","stage":"Closed Lost","closed_at":"`+yesterday+`"}`, "lost-l", testenv.Now(t).Add(-time.Minute))
	crm(`{"lead_id":"`+revived+`","stage":"sql"}`, "sql-r", testenv.Now(t))                 // sales reopened it today
	crm(`{"lead_id":"`+late+`","stage":"sql"}`, "sql-l", testenv.Now(t).Add(-36*time.Hour)) // put before the loss
	st := store.New(testenv.Clients(t).DynamoDB, table)
	if l, _ := st.Lead(ctx, revived); l.Stage != "sql" {
		t.Fatalf("the revived lead is %s", l.Stage)
	}
	if l, _ := st.Lead(ctx, late); l.Stage != "lost" {
		t.Fatalf("the late SQL's lead is %s", l.Stage)
	}
	testenv.Settle(t, table)
	rows, col := reportCSV(t, reports)
	for _, rec := range rows[1:] {
		if rec[col["row"]] != "campaign" || rec[col["campaign"]] != "revived" {
			continue
		}
		got := strings.Join([]string{rec[col["sal"]], rec[col["sql"]], rec[col["won"]], rec[col["lost"]], rec[col["open_sql"]]}, " ")
		if want := "2 2 0 1 1"; got != want { // sal sql won lost open_sql
			t.Fatalf("sal sql won lost open_sql = %q, want %q", got, want)
		}
		return
	}
	t.Fatalf("no row for the campaign:\n%v", rows)
}
