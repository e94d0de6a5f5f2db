package feedback

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

// TestARevivedDeal: a CRM closes a lead lost early (at SAL: the buyer went
// quiet), and weeks later sales revives it — the CRM reopens the deal and
// sends SQL, then won. The SQL is a revival: the loss is taken out of the
// month it counted in, the lead is an SQL again (an open opportunity, its
// rep's), and its win counts as any SQL's. Every stage counts once.
//
// The same two outcomes delivered out of order — the SQL the CRM sent
// before the loss, arriving after it — are no revival: the deal was lost
// after it became an SQL, so the loss now closes that SQL and the lead
// stays lost.
func TestARevivedDeal(t *testing.T) {
	ctx := context.Background()
	lostAt := t0.Add(-20 * 24 * time.Hour)
	setup := func(t *testing.T) *fixture {
		f := newFixture(t)
		f.now = lostAt.Add(-time.Hour)
		accepted(t, f)
		f.now = lostAt
		if out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "Closed Lost", EventID: "lost-1"}); err != nil || out != Recorded {
			t.Fatalf("lost: %s %v", out, err)
		}
		f.now = t0
		return f
	}
	all := func(f *fixture) map[string]int64 {
		got := map[string]int64{}
		for _, at := range []time.Time{lostAt, t0} {
			c, _ := f.st.CampaignStats(ctx, "q4", at)
			for _, n := range []string{"sal", "sql", "sql_closed", "won", "lost"} {
				got[n] += c[n]
			}
		}
		return got
	}
	t.Run("revived, then won", func(t *testing.T) {
		f := setup(t)
		if out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "sql", EventID: "sql-1", SentAt: t0}); err != nil || out != Recorded {
			t.Fatalf("revival: %s %v", out, err)
		}
		if l := f.lead(t); l.Stage != lead.StageSQL || l.Deal.Counted != nil || !l.Deal.ClosedAt.IsZero() {
			t.Fatalf("after the revival: %s, deal %+v", l.Stage, l.Deal)
		}
		if got, want := all(f), map[string]int64{"sal": 1, "sql": 1, "sql_closed": 0, "won": 0, "lost": 0}; fmtMap(got) != fmtMap(want) {
			t.Fatalf("after the revival: %v, want %v", got, want)
		}
		if out, _ := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "sql", EventID: "sql-1", SentAt: t0}); out != Already {
			t.Fatalf("the revival again: %s", out)
		}
		if out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "won", Amount: amount(800), EventID: "won-1"}); err != nil || out != Recorded {
			t.Fatalf("won: %s %v", out, err)
		}
		if got, want := all(f), map[string]int64{"sal": 1, "sql": 1, "sql_closed": 1, "won": 1, "lost": 0}; fmtMap(got) != fmtMap(want) {
			t.Fatalf("after the win: %v, want %v", got, want)
		}
		// The loss, delivered again, is the earlier deal's event: already.
		if out, _ := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "lost", EventID: "lost-1"}); out != Already {
			t.Fatalf("the loss again: %s", out)
		}
	})
	t.Run("the SQL before the loss, delivered after it", func(t *testing.T) {
		f := setup(t)
		if out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "sql", EventID: "sql-0", SentAt: lostAt.Add(-time.Minute)}); err != nil || out != Recorded {
			t.Fatalf("late sql: %s %v", out, err)
		}
		l := f.lead(t)
		if l.Stage != lead.StageLost || l.Deal.Counted == nil || l.Deal.Counted.From != lead.StageSQL {
			t.Fatalf("after the late sql: %s, deal %+v", l.Stage, l.Deal)
		}
		if got, want := all(f), map[string]int64{"sal": 1, "sql": 1, "sql_closed": 1, "won": 0, "lost": 1}; fmtMap(got) != fmtMap(want) {
			t.Fatalf("after the late sql: %v, want %v", got, want)
		}
		if out, _ := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "sql", EventID: "sql-0b"}); out != Already {
			t.Fatalf("an SQL of a deal lost from SQL: %s", out)
		}
		// Won instead (the cancellation reversed): from SQL, no second SQL.
		if out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "won", EventID: "won-0"}); err != nil || out != Corrected {
			t.Fatalf("won instead: %s %v", out, err)
		}
		if got, want := all(f), map[string]int64{"sal": 1, "sql": 1, "sql_closed": 1, "won": 1, "lost": 0}; fmtMap(got) != fmtMap(want) {
			t.Fatalf("after won instead: %v, want %v", got, want)
		}
	})
	t.Run("a back-fill's history of the deal", func(t *testing.T) {
		// One file with the loss and the SQL (a history export, newest
		// first): the SQL is the deal's before its loss, not a revival.
		f := setup(t)
		if out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "sql", EventID: "row-sql", WithClose: true}); err != nil || out != Recorded {
			t.Fatalf("history sql: %s %v", out, err)
		}
		if l := f.lead(t); l.Stage != lead.StageLost {
			t.Fatalf("after the history's sql: %s", l.Stage)
		}
	})
}

func fmtMap(m map[string]int64) string { return fmt.Sprint(m) }

// TestBackfillOfARevivedDeal: a file with only the SQL of a deal lost at
// SAL revives it; a file with its SQL and its loss (a history export,
// newest first) is the deal's history: lost, from SQL.
func TestBackfillOfARevivedDeal(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, file string
		stage      lead.Stage
	}{
		{"the SQL alone", "lead_id,stage,event_id\nL1,sql,s1\n", lead.StageSQL},
		{"a history", "lead_id,stage,event_id\nL1,lost,l1\nL1,sql,s1\n", lead.StageLost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.now = t0.Add(-10 * 24 * time.Hour)
			accepted(t, f)
			if _, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "lost", EventID: "l1"}); err != nil {
				t.Fatal(err)
			}
			f.now = t0
			r, err := f.h.Handle(ctx, httpapi.Request{RouteKey: RouteOutcomes, Headers: map[string]string{"content-type": "text/csv"}, Body: tc.file})
			if err != nil || r.StatusCode != http.StatusOK {
				t.Fatalf("%v %d %s", err, r.StatusCode, r.Body)
			}
			if l := f.lead(t); l.Stage != tc.stage {
				t.Fatalf("stage %s, want %s", l.Stage, tc.stage)
			}
		})
	}
}
