package feedback

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/report"
)

// repCounters are the per-rep counters of t0's month, by rep address.
func (f *fixture) repCounters(t *testing.T) map[string]report.Counters {
	t.Helper()
	src, err := f.st.MonthSources(context.Background(), t0.Format("2006-01"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]report.Counters{}
	for _, s := range src {
		if s.Rep != "" {
			out[s.Rep] = s.Counters
		}
	}
	return out
}

// rejectTok is the token of the alert's reject link for a reason, sent
// to rep ("" for a link that names no rep).
func (f *fixture) rejectTok(reason, rep string) string {
	u := links.Reject(f.keys, "https://api.example.com", "L1", reason, rep, time.Time{}, t0.Add(links.AlertTTL))
	return u[strings.LastIndex(u, "/")+1:]
}

// TestAnswersCountForTheirRep: how fast the alert was answered (and a
// late answer) counts for the rep it was sent to (Ana), the answer itself
// for whoever's link it was — the rep or the team lead the escalation
// went to — all in the answer's own write.
func TestAnswersCountForTheirRep(t *testing.T) {
	ana := func(c report.Counters) map[string]report.Counters {
		return map[string]report.Counters{"ana@example.com": c}
	}
	for _, tc := range []struct {
		name  string
		late  bool
		tok   func(f *fixture) string
		wants map[string]report.Counters
	}{
		{"the rep accepts", false, func(f *fixture) string { return f.tok(links.ActionAccept, "ana@example.com") },
			ana(report.Counters{"responses": 1, "resp_le_5m": 1, "sal": 1})},
		{"the rep accepts late", true, func(f *fixture) string { return f.tok(links.ActionAccept, "ana@example.com") },
			ana(report.Counters{"responses": 1, "resp_le_15m": 1, "sla_late_responses": 1, "sal": 1})},
		{"the rep rejects", false, func(f *fixture) string { return f.rejectTok("not_icp", "ana@example.com") },
			ana(report.Counters{"responses": 1, "resp_le_5m": 1, "rejected": 1, "rej_not_icp": 1})},
		{"a reject link naming no rep counts for the alerted rep", false, func(f *fixture) string { return f.rejectTok("too_early", "") },
			ana(report.Counters{"responses": 1, "resp_le_5m": 1, "rejected": 1, "rej_too_early": 1})},
		{"the team lead accepts", false, func(f *fixture) string { return f.tok(links.ActionAccept, "lea@example.com") },
			map[string]report.Counters{"ana@example.com": {"responses": 1, "resp_le_5m": 1}, "lea@example.com": {"sal": 1}}},
		{"the team lead rejects", true, func(f *fixture) string { return f.rejectTok("not_icp", "Lea@Example.com") },
			map[string]report.Counters{"ana@example.com": {"responses": 1, "resp_le_15m": 1, "sla_late_responses": 1},
				"lea@example.com": {"rejected": 1, "rej_not_icp": 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.late {
				f.now = t0.Add(10 * time.Minute) // the deadline was t0+2m
			}
			tok := tc.tok(f)
			if r := f.do(t, http.MethodPost, tok, ""); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, recorded) {
				t.Fatalf("answer: %d %s", r.StatusCode, r.Body)
			}
			// The same link again changes nothing.
			f.do(t, http.MethodPost, tok, "")
			if got := f.repCounters(t); !reflect.DeepEqual(got, tc.wants) {
				t.Fatalf("rep counters %v, want %v", got, tc.wants)
			}
			if strings.Contains(f.logs.String(), "@example.com") {
				t.Errorf("a rep's address in the log: %s", f.logs)
			}
		})
	}
}

// TestOutcomesCountForTheDealOwner: SQL, won (with its amount) and a
// corrected amount count for the rep who accepted the lead, whether
// their link or the CRM records them.
func TestOutcomesCountForTheDealOwner(t *testing.T) {
	f := newFixture(t)
	if r := f.post(t, links.ActionAccept, "lea@example.com"); r.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d", r.StatusCode)
	}
	if r := f.post(t, links.ActionSQL, "lea@example.com"); r.StatusCode != http.StatusOK {
		t.Fatalf("sql: %d", r.StatusCode)
	}
	if r := f.do(t, http.MethodPost, f.tok(links.ActionWon, "lea@example.com"), "amount=1200.50"); r.StatusCode != http.StatusOK {
		t.Fatalf("won: %d %s", r.StatusCode, r.Body)
	}
	amount := 1500.0
	if out, err := f.h.ApplyCRM(context.Background(), Outcome{LeadID: "L1", Stage: "won", Amount: &amount, EventID: "fix-1"}); err != nil || out != Corrected {
		t.Fatalf("CRM correction: %s %v", out, err)
	}
	want := map[string]report.Counters{"ana@example.com": {"responses": 1, "resp_le_5m": 1},
		"lea@example.com": {"sal": 1, "sql": 1, "won": 1, "won_valued": 1, "revenue_minor": 150000}}
	if got := f.repCounters(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("rep counters %v, want %v", got, want)
	}
}
