package feedback

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

// step is one outcome recorded on a deal, at a time.
type step struct {
	at  time.Time
	o   Outcome
	out string // Recorded, Corrected, Already, or "" refused
}

// TestOutcomeReversals: lost for a won deal, or won for a lost one,
// within the horizon, reverses its outcome. What the reversed outcome
// counted — the win, the SQL it implied, its amount with each correction,
// its days-to-win bucket, or the loss — comes out of the months it was
// counted in, and the new outcome counts in its own month, as if the
// deal had closed that way. No month's counter ever goes below zero (the
// amounts too), the same event again changes nothing, and what cannot be
// reversed (a deal closed before its counts were kept, past the horizon,
// a CRM's outcome older than the deal's close) is refused unchanged.
func TestOutcomeReversals(t *testing.T) {
	rules := qualify.DefaultOutcomes
	rules.Rates = map[string]float64{"USD": 0.5}
	nov, dec, jan := time.Date(2030, 11, 20, 10, 0, 0, 0, time.UTC), time.Date(2030, 12, 3, 10, 0, 0, 0, time.UTC), time.Date(2031, 1, 7, 10, 0, 0, 0, time.UTC)
	won := func(a float64, id string) Outcome {
		return Outcome{Stage: "won", Amount: amount(a), EventID: id, Source: "crm"}
	}
	lost := func(id string) Outcome { return Outcome{Stage: "lost", EventID: id, Source: "crm"} }
	tests := []struct {
		name  string
		from  lead.Stage
		steps []step
		// want are the campaign's counters per month at the end (zeros
		// left out), rep the deal owner's.
		want, rep map[string]map[string]int64
		stage     lead.Stage
		amount    float64
	}{
		{"won from SQL, cancelled the next month", lead.StageSQL, []step{
			{nov, won(1000, "e1"), Recorded},
			{dec, lost("e2"), Corrected},
		}, map[string]map[string]int64{"2030-12": {"lost": 1, "sql_closed": 1}}, map[string]map[string]int64{"2030-12": {"lost": 1}}, lead.StageLost, 0},
		{"won from SAL (an implied SQL), corrected up, then cancelled", lead.StageSAL, []step{
			{nov, won(1000, "e1"), Recorded},
			{dec, won(1200, "e2"), Corrected},
			{jan, lost("e3"), Corrected},
		}, map[string]map[string]int64{"2031-01": {"lost": 1}}, map[string]map[string]int64{"2031-01": {"lost": 1}}, lead.StageLost, 0},
		{"won without an amount, given one later, then cancelled", lead.StageSQL, []step{
			{nov, Outcome{Stage: "won", Source: "crm", EventID: "e1"}, Recorded},
			{dec, won(300, "e2"), Corrected},
			{dec, lost("e3"), Corrected},
		}, map[string]map[string]int64{"2030-12": {"lost": 1, "sql_closed": 1}}, map[string]map[string]int64{"2030-12": {"lost": 1}}, lead.StageLost, 0},
		{"lost by mistake, won in the same month, in USD", lead.StageSAL, []step{
			{nov, lost("e1"), Recorded},
			{nov.Add(time.Hour), Outcome{Stage: "won", Amount: amount(100), Currency: "USD", Source: "rep"}, Corrected},
		}, map[string]map[string]int64{"2030-11": {"won": 1, "sql": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 5000, "won_days_le_14": 1}},
			map[string]map[string]int64{"2030-11": {"won": 1, "sql": 1, "won_valued": 1, "revenue_minor": 5000}}, lead.StageWon, 100},
		{"won, lost, won again: each reversal exact; redeliveries change nothing", lead.StageSQL, []step{
			{nov, won(1000, "e1"), Recorded},
			{dec, lost("e2"), Corrected},
			{dec, won(1000, "e1"), Already},
			{dec, lost("e2"), Already},
			{jan, won(700, "e3"), Corrected},
		}, map[string]map[string]int64{"2031-01": {"won": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 70000, "won_days_le_60": 1}},
			map[string]map[string]int64{"2031-01": {"won": 1, "won_valued": 1, "revenue_minor": 70000}}, lead.StageWon, 700},
		{"a CRM's win older than the loss that cancelled it is refused", lead.StageSQL, []step{
			{dec, Outcome{Stage: "lost", EventID: "e2", Source: "crm", ClosedAt: time.Date(2030, 12, 2, 0, 0, 0, 0, time.UTC)}, Recorded},
			{dec, Outcome{Stage: "won", Amount: amount(5), EventID: "e1", Source: "crm", ClosedAt: time.Date(2030, 11, 25, 0, 0, 0, 0, time.UTC)}, ""},
			// The same day is not older.
			{dec, Outcome{Stage: "won", Amount: amount(5), EventID: "e3", Source: "crm", ClosedAt: time.Date(2030, 12, 2, 0, 0, 0, 0, time.UTC)}, Corrected},
		}, map[string]map[string]int64{"2030-12": {"won": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 500, "won_days_le_30": 1}},
			map[string]map[string]int64{"2030-12": {"won": 1, "won_valued": 1, "revenue_minor": 500}}, lead.StageWon, 5},
		{"a CRM's win hours older than the same day's loss is refused (both with their times)", lead.StageSQL, []step{
			{dec, Outcome{Stage: "lost", EventID: "e2", Source: "crm", ClosedAt: time.Date(2030, 12, 2, 16, 0, 0, 0, time.UTC)}, Recorded},
			{dec, Outcome{Stage: "won", Amount: amount(5), EventID: "e1", Source: "crm", ClosedAt: time.Date(2030, 12, 2, 10, 0, 0, 0, time.UTC)}, ""},
			// A day is not older than a time on it: it has none to compare.
			{dec, Outcome{Stage: "won", Amount: amount(5), EventID: "e3", Source: "crm", ClosedAt: time.Date(2030, 12, 2, 0, 0, 0, 0, time.UTC)}, Corrected},
		}, map[string]map[string]int64{"2030-12": {"won": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 500, "won_days_le_30": 1}},
			map[string]map[string]int64{"2030-12": {"won": 1, "won_valued": 1, "revenue_minor": 500}}, lead.StageWon, 5},
		{"a CRM's win dated before the rep's loss corrects it (the rep's click is no CRM order)", lead.StageSQL, []step{
			{dec, Outcome{Stage: "lost", Source: "rep"}, Recorded},
			{dec, Outcome{Stage: "won", Amount: amount(5), EventID: "e1", Source: "crm", ClosedAt: time.Date(2030, 11, 25, 0, 0, 0, 0, time.UTC)}, Corrected},
		}, map[string]map[string]int64{"2030-12": {"won": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 500, "won_days_le_21": 1}},
			map[string]map[string]int64{"2030-12": {"won": 1, "won_valued": 1, "revenue_minor": 500}}, lead.StageWon, 5},
		{"a rep's page is never older: a close date before the loss's is taken", lead.StageSAL, []step{
			{dec, lost("e1"), Recorded},
			{dec, Outcome{Stage: "won", Source: "rep", ClosedAt: time.Date(2030, 11, 28, 0, 0, 0, 0, time.UTC)}, Corrected},
		}, map[string]map[string]int64{"2030-12": {"won": 1, "sql": 1, "sql_closed": 1, "won_days_le_21": 1}},
			map[string]map[string]int64{"2030-12": {"won": 1, "sql": 1}}, lead.StageWon, 0},
		{"past the outcome horizon: refused", lead.StageSQL, []step{
			{nov, won(1000, "e1"), Recorded},
			{nov.Add(200 * 24 * time.Hour), lost("e2"), ""},
		}, map[string]map[string]int64{"2030-11": {"won": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 100000, "won_days_le_14": 1}},
			map[string]map[string]int64{"2030-11": {"won": 1, "won_valued": 1, "revenue_minor": 100000}}, lead.StageWon, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created := nov.Add(-10 * 24 * time.Hour)
			l := lead.Lead{ID: "L1", Stage: tt.from, CreatedAt: created, FirstTouch: lead.Attribution{Campaign: "q4"},
				Deal: &lead.Deal{AcceptedAt: created.Add(time.Hour), Rep: "ana@example.com"}}
			got, rep := map[string]map[string]int64{}, map[string]map[string]int64{}
			n := 0
			newID := func(time.Time) string { n++; return fmt.Sprint("ev", n) }
			for i, s := range tt.steps {
				o := s.o
				o.LeadID = "L1"
				before := l.Stage
				out, ch, err := ApplyOutcome(&l, o, rules, newID, s.at)
				if s.out == "" {
					if !errors.Is(err, ErrOutcomeRefused) || len(ch.Counters) > 0 || len(ch.Events) > 0 || l.Stage != before {
						t.Fatalf("step %d: %s %v %+v, stage %s: want refused, nothing changed", i, out, err, ch, l.Stage)
					}
					continue
				}
				if err != nil || out != s.out {
					t.Fatalf("step %d: %s %v, want %s", i, out, err, s.out)
				}
				for _, c := range ch.Counters {
					m, into := lead.Month(s.at), got
					if c.Month != "" {
						m = c.Month
					}
					if c.Rep != "" {
						into = rep
					} else if c.Campaign != "q4" {
						t.Fatalf("step %d: counter %+v not the lead's campaign's", i, c)
					}
					if into[m] == nil {
						into[m] = map[string]int64{}
					}
					into[m][c.Name] += c.Step()
				}
				for m, cs := range got {
					for name, v := range cs {
						if v < 0 {
							t.Fatalf("step %d: %s of %s is %d", i, name, m, v)
						}
					}
				}
				if out == Corrected && Reverses(before, l.Stage) {
					e := ch.Events[0]
					if e.Kind != o.Stage || e.Data[lead.DataCorrects] != string(before) {
						t.Fatalf("step %d: event %+v does not say what it corrects", i, e)
					}
				}
			}
			for _, into := range []map[string]map[string]int64{got, rep} {
				for m, cs := range into {
					maps.DeleteFunc(cs, func(_ string, v int64) bool { return v == 0 })
					if len(cs) == 0 {
						delete(into, m)
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || fmt.Sprint(rep) != fmt.Sprint(tt.rep) {
				t.Fatalf("counters %v, rep %v;\nwant %v, rep %v", got, rep, tt.want, tt.rep)
			}
			if l.Stage != tt.stage || l.Deal.Amount != tt.amount || l.Stage == lead.StageLost && (l.Deal.RevenueMinor != 0 || l.Deal.Currency != "") {
				t.Fatalf("stage %s, deal %+v; want %s, amount %v", l.Stage, l.Deal, tt.stage, tt.amount)
			}
			// What the deal keeps counted is what the counters hold.
			kept := map[string]int64{}
			for _, c := range l.Deal.Counted.Counts {
				if c.Rep == "" {
					kept[c.Month+" "+c.Name] += c.By
				}
			}
			var sum []string
			for m, cs := range got {
				for name, v := range cs {
					if name != "sql" || kept[m+" sql"] != 0 { // an SQL recorded on its own is no part of the close
						if kept[m+" "+name] != v {
							sum = append(sum, fmt.Sprintf("%s %s: kept %d, counted %d", m, name, kept[m+" "+name], v))
						}
					}
				}
			}
			slices.Sort(sum)
			if len(sum) > 0 {
				t.Fatalf("the deal's Counted disagrees with the counters:\n%s", strings.Join(sum, "\n"))
			}
		})
	}
}

// TestOutcomeOfADealClosedBeforeItsCountsWereKept: a deal won or lost
// before Deal.Counted existed cannot be reversed — what it counted, and
// where, is not known — and says why; its amount can still be corrected.
func TestOutcomeOfADealClosedBeforeItsCountsWereKept(t *testing.T) {
	for _, stage := range []lead.Stage{lead.StageWon, lead.StageLost} {
		l := lead.Lead{ID: "L1", Stage: stage, Deal: &lead.Deal{AcceptedAt: t0.Add(-time.Hour), Amount: 10, Currency: "EUR", RevenueMinor: 1000}}
		target := map[lead.Stage]string{lead.StageWon: "lost", lead.StageLost: "won"}[stage]
		out, ch, err := ApplyOutcome(&l, Outcome{LeadID: "L1", Stage: target, Source: "crm"}, qualify.DefaultOutcomes, func(time.Time) string { return "ev" }, t0)
		if !errors.Is(err, ErrOutcomeRefused) || !strings.Contains(err.Error(), "recorded "+string(stage)+" before outcomes could be reversed") ||
			out == Corrected || len(ch.Counters) > 0 || l.Stage != stage || Reversible(&l, lead.Stage(target)) {
			t.Fatalf("%s → %s: %s %v %+v", stage, target, out, err, ch)
		}
	}
}
