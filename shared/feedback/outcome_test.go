package feedback

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/token"
)

func amount(f float64) *float64 { return &f }

func TestOutcomeValidate(t *testing.T) {
	tests := []struct {
		name  string
		o     Outcome
		field string
	}{
		{"won with a deal", Outcome{LeadID: "L1", Stage: "WON", Amount: amount(12500.5), Currency: "usd", ClosedAt: t0}, ""},
		{"sql by email", Outcome{Email: "a@b.example", Stage: "sql"}, ""},
		{"no lead", Outcome{Stage: "won"}, "lead_id"},
		{"not a lead id", Outcome{LeadID: strings.Repeat("L", 5000), Stage: "won"}, "lead_id"},
		{"unknown stage", Outcome{LeadID: "L1", Stage: "closed"}, "stage"},
		{"a CRM's open stage", Outcome{LeadID: "L1", Stage: "Negotiation"}, "stage"},
		{"amount on lost", Outcome{LeadID: "L1", Stage: "lost", Amount: amount(5)}, "amount"},
		{"negative amount", Outcome{LeadID: "L1", Stage: "won", Amount: amount(-1)}, "amount"},
		{"three decimals", Outcome{LeadID: "L1", Stage: "won", Amount: amount(1.005)}, "amount"},
		// Large amounts with cents (a deal in JPY, KRW, IDR …): amount×100
		// is off its whole number by more than 1e-6 in float, yet the
		// amount has two decimals.
		{"large with cents", Outcome{LeadID: "L1", Stage: "won", Amount: amount(150000000.55)}, ""},
		{"billions with cents", Outcome{LeadID: "L1", Stage: "won", Amount: amount(1234567890.12)}, ""},
		{"largest with cents", Outcome{LeadID: "L1", Stage: "won", Amount: amount(999999999999.99)}, ""},
		{"large with three decimals", Outcome{LeadID: "L1", Stage: "won", Amount: amount(150000000.555)}, "amount"},
		{"bad currency", Outcome{LeadID: "L1", Stage: "won", Amount: amount(1), Currency: "EURO"}, "currency"},
		{"currency alone", Outcome{LeadID: "L1", Stage: "won", Currency: "EUR"}, "currency"},
		{"closed next week", Outcome{LeadID: "L1", Stage: "won", ClosedAt: t0.Add(7 * 24 * time.Hour)}, "closed_at"},
		{"an SQL is not closed", Outcome{LeadID: "L1", Stage: "sql", ClosedAt: t0}, "closed_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate(t0)
			var fe *FieldError
			if tt.field == "" && err != nil || tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field) {
				t.Fatalf("Validate = %v, want field %q", err, tt.field)
			}
		})
	}
}

// A minus zero (a CRM's "-0.00") is an amount of zero, not one the won
// page and the reports print as "-0".
func TestOutcomeValidateMinusZero(t *testing.T) {
	o := Outcome{LeadID: "L1", Stage: "won", Amount: amount(math.Copysign(0, -1))}
	if err := o.Validate(t0); err != nil || math.Signbit(*o.Amount) {
		t.Fatalf("Validate = %v, amount %v; want no error and +0", err, *o.Amount)
	}
}

// TestParseAmount: commas separate thousands, and so do spaces (a
// no-break space too, as French and Nordic spreadsheets write them); a
// decimal comma is refused rather than read as an amount 10 or 100 times
// too large, and so is a dot before exactly three digits (12.500), which
// is 12,500 where the dot separates thousands: read as 12.5 it was 1,000
// times too small.
func TestParseAmount(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"12500", 12500, true}, {"12500.50", 12500.5, true}, {"12,500.50", 12500.5, true}, {"1,234,567", 1234567, true},
		{"12.500", 0, false}, {"1.250", 0, false}, {"12.5", 12.5, true}, {"1250.000", 1250, true},
		{"12 500.50", 12500.5, true}, {"12\u00a0500", 12500, true}, {"12 500,50", 0, false}, {"1 2", 0, false},
		{"1,5", 0, false}, {"1500,50", 0, false}, {"1.234,56", 0, false}, {"12,50,000", 0, false}, {",500", 0, false}, {"12x", 0, false},
		// A spreadsheet's scientific notation is a rounded display of the
		// amount (1.25E+05 of 125,437); hex, Inf and NaN are no amounts.
		{"1.25E+05", 0, false}, {"1e3", 0, false}, {"0x1p4", 0, false}, {"Inf", 0, false}, {"infinity", 0, false}, {"NaN", 0, false}, {"1_000", 0, false},
		{".5", 0.5, true}, {"-5", -5, true},
	} {
		got, err := parseAmount(tt.in)
		if (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("parseAmount(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestCRMStageNames: Salesforce's and HubSpot's exports name the closed
// stages "Closed Won" / "closedwon" (and "Closed Lost"); they are won
// and lost, not a refused row for every deal of the file.
func TestCRMStageNames(t *testing.T) {
	for in, want := range map[string]string{
		"Closed Won": "won", "closedwon": "won", "CLOSED-WON": "won", "closed_won": "won", " Won ": "won",
		"Closed Lost": "lost", "closedlost": "lost", "SQL": "sql",
	} {
		o := Outcome{LeadID: "L1", Stage: in}
		if err := o.Validate(t0); err != nil || o.Stage != want {
			t.Errorf("stage %q: %q, %v; want %q", in, o.Stage, err, want)
		}
	}
}

// TestApplyOutcome: the stages an outcome may follow, idempotency by
// event id, the horizon, and the deal recorded on won.
func TestApplyOutcome(t *testing.T) {
	rules := qualify.DefaultOutcomes
	accepted := t0.Add(-10 * 24 * time.Hour)
	tests := []struct {
		name     string
		stage    lead.Stage
		applied  []string
		accepted time.Time
		o        Outcome
		want     string
		refused  bool
	}{
		{"sql after accept", lead.StageSAL, nil, accepted, Outcome{Stage: "sql"}, Recorded, false},
		{"won after sql", lead.StageSQL, nil, accepted, Outcome{Stage: "won", Amount: amount(9000)}, Recorded, false},
		{"lost straight after accept", lead.StageSAL, nil, accepted, Outcome{Stage: "lost", Reason: "went with a competitor"}, Recorded, false},
		{"won again", lead.StageWon, nil, accepted, Outcome{Stage: "won"}, Already, false},
		{"the same event again", lead.StageWon, []string{"e-1"}, accepted, Outcome{Stage: "lost", EventID: "e-1"}, Already, false},
		{"sql after won", lead.StageWon, nil, accepted, Outcome{Stage: "sql"}, Already, false}, // it counted the SQL: TestALateSQLOfAClosedDeal
		{"sql after lost at sal", lead.StageLost, nil, accepted, Outcome{Stage: "sql"}, Superseded, true},
		{"won before anyone accepted", lead.StageMQL, nil, time.Time{}, Outcome{Stage: "won"}, Superseded, true},
		{"won 179 days after accept", lead.StageSAL, nil, t0.Add(-179 * 24 * time.Hour), Outcome{Stage: "won"}, Recorded, false},
		{"won 181 days after accept", lead.StageSAL, nil, t0.Add(-181 * 24 * time.Hour), Outcome{Stage: "won"}, Superseded, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lead.Lead{ID: "L1", Stage: tt.stage}
			if !tt.accepted.IsZero() {
				l.Deal = &lead.Deal{AcceptedAt: tt.accepted, Applied: tt.applied}
			}
			o := tt.o
			o.LeadID, o.Source = "L1", "crm"
			got, ch, err := ApplyOutcome(&l, o, rules, func(time.Time) string { return "ev" }, t0)
			if got != tt.want || (err != nil) != tt.refused || tt.refused && !errors.Is(err, ErrOutcomeRefused) {
				t.Fatalf("ApplyOutcome = %q, %v; want %q (refused %v)", got, err, tt.want, tt.refused)
			}
			if got != Recorded {
				if len(ch.Events) != 0 || l.Stage != tt.stage {
					t.Fatalf("not recorded, yet changed: %+v, stage %s", ch, l.Stage)
				}
				return
			}
			if string(l.Stage) != o.Stage || len(ch.Events) != 1 || ch.Events[0].Kind != o.Stage || ch.Counters[0].Name != o.Stage {
				t.Fatalf("stage %s, change %+v", l.Stage, ch)
			}
			if o.Stage == "won" && o.Amount != nil && (l.Deal.Amount != *o.Amount || l.Deal.Currency != "EUR" || !l.Deal.ClosedAt.Equal(t0)) {
				t.Fatalf("deal %+v", l.Deal)
			}
			if o.Stage == "lost" && l.Deal.LostReason != o.Reason {
				t.Fatalf("deal %+v", l.Deal)
			}
			// When it was recorded: a lead that left counts what it does
			// from then (lead.Left).
			if closed := o.Stage != "sql"; closed != l.Deal.ClosedRecordedAt.Equal(t0) {
				t.Fatalf("deal %+v: recorded at %s, want %s for a won or lost deal only", l.Deal, l.Deal.ClosedRecordedAt, t0)
			}
		})
	}
}

func accepted(t *testing.T, f *fixture) {
	t.Helper()
	if r := f.post(t, links.ActionAccept, "ana@example.com"); r.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d", r.StatusCode)
	}
}

// TestBackfill: JSON lines and CSV, each row on its own, errors with
// line numbers and fields, a file sent twice recording nothing twice.
func TestBackfill(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	backfill := func(contentType, body string) (int, map[string]any) {
		t.Helper()
		req := httpapi.Request{RouteKey: RouteOutcomes, Body: body, Headers: map[string]string{"content-type": contentType}}
		r, err := f.h.Handle(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		return r.StatusCode, out
	}
	csv := "lead_id,stage,amount,currency,closed_at\n" +
		"L1,sql,,,\n" +
		"L1,won,12500,EUR,2031-03-10\n" +
		"L404,won,1,,\n" +
		"L1,won,12x,,\n"
	code, out := backfill("text/csv", csv)
	errs, _ := json.Marshal(out["errors"])
	if code != http.StatusUnprocessableEntity || out["recorded"] != 2.0 || out["failed"] != 2.0 ||
		string(errs) != `[{"error":"no such lead","field":"lead_id","line":4},{"error":"\"12x\" is not a number","field":"amount","line":5}]` {
		t.Fatalf("csv: %d %v %s", code, out, errs)
	}
	l := f.lead(t)
	if l.Stage != lead.StageWon || l.Deal.Amount != 12500 || l.Deal.Currency != "EUR" || l.Deal.Source != "crm" ||
		!l.Deal.ClosedAt.Equal(time.Date(2031, 3, 10, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("lead %s deal %+v", l.Stage, l.Deal)
	}
	version := l.Version
	// The same file again: nothing new, the bad rows still reported.
	if code, out := backfill("text/csv", csv); code != http.StatusUnprocessableEntity || out["recorded"] != 0.0 || out["already"] != 2.0 || f.lead(t).Version != version {
		t.Fatalf("again: %d %v", code, out)
	}
	// JSON lines: an unknown field and a bad amount, by line; an SQL for
	// the won deal is the SQL its win counted.
	code, out = backfill("application/x-ndjson", `{"lead_id":"L1","stage":"sql","event_id":"crm-9"}`+"\n\n"+`{"lead_id":"L1","stage":"won","amount":"lots"}`+"\n"+`{"lead_id":"L1","stage":"won","colour":"red"}`)
	errs, _ = json.Marshal(out["errors"])
	if code != http.StatusUnprocessableEntity || out["rows"] != 3.0 || out["already"] != 1.0 || strings.Contains(string(errs), `"line":1}`) ||
		!strings.Contains(string(errs), `{"error":"not a number","field":"amount","line":3}`) ||
		!strings.Contains(string(errs), `{"error":"unknown field \"colour\"","field":"json","line":4}`) {
		t.Fatalf("json lines: %d %v %s", code, out, errs)
	}
	// A close date as a day, as the CSV takes it, in JSON lines too; one
	// that is no date names closed_at.
	f2 := newFixture(t)
	accepted(t, f2)
	f = f2
	code, out = backfill("application/x-ndjson", `{"lead_id":"L1","stage":"won","closed_at":"2031-03-10"}`+"\n"+`{"lead_id":"L1","stage":"won","closed_at":"1 March"}`)
	errs, _ = json.Marshal(out["errors"])
	if code != http.StatusUnprocessableEntity || out["recorded"] != 1.0 ||
		string(errs) != `[{"error":"not a date (YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] in UTC, or RFC 3339)","field":"closed_at","line":2}]` ||
		!f.lead(t).Deal.ClosedAt.Equal(time.Date(2031, 3, 10, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("json lines, closed_at as a day: %d %v %s", code, out, errs)
	}
	// Every row applied: the errors are an empty list, not null.
	if code, out := backfill("application/x-ndjson", `{"lead_id":"L1","stage":"won","closed_at":"2031-03-10"}`); code != http.StatusOK ||
		out["already"] != 1.0 || out["errors"] == nil {
		t.Fatalf("all applied: %d %v", code, out)
	}
	// A value with no column is the row's error, not dropped.
	code, out = backfill("text/csv", "lead_id,stage\nL1,won,12500\n")
	errs, _ = json.Marshal(out["errors"])
	if code != http.StatusUnprocessableEntity || string(errs) != `[{"error":"3 values, the header has 2 columns","field":"csv","line":2}]` {
		t.Fatalf("a value with no column: %d %v %s", code, out, errs)
	}
	if code, out := backfill("text/csv", "lead_id,stage\nL1,won,,\n"); code != http.StatusOK || out["already"] != 1.0 {
		t.Fatalf("empty trailing cells: %d %v", code, out)
	}
	for _, bad := range []string{"", "stage,colour\nwon,red\n", "lead_id,amount\nL1,5\n", "lead_id,stage,stage\nL1,won,sql\n"} {
		if code, out := backfill("text/csv", bad); code != http.StatusBadRequest || out["error"] == "" {
			t.Fatalf("%q: %d %v", bad, code, out)
		}
	}
	if strings.Contains(f.logs.String(), "clara@") {
		t.Fatalf("an address in the logs:\n%s", f.logs)
	}
}

// TestBackfillAsSpreadsheetsAndCRMsExportIt: a file saved by Excel or
// Notepad as "UTF-8" starts with a byte-order mark, CRMs' exports quote
// every cell (the header's too), spreadsheets write a row they consider
// used but empty as commas alone and a column that once held formatting
// as an empty header cell. None of it is a bad row or a bad file: the
// rows are read, and the blank ones are no rows at all.
func TestBackfillAsSpreadsheetsAndCRMsExportIt(t *testing.T) {
	for _, tt := range []struct {
		name, contentType, body string
		rows                    float64
		stage                   lead.Stage
	}{
		{"a BOM before a quoted header", "text/csv", "\ufeff\"Lead_ID\",\"Stage\",\"Amount\"\r\n\"L1\",\"won\",\"12,500.00\"\r\n", 1, lead.StageWon},
		{"blank rows of commas", "text/csv", "lead_id,stage,amount\r\nL1,sql,\r\n,,\r\n , ,\r\nL1,won,100\r\n,,\r\n", 2, lead.StageWon},
		{"empty header cells", "text/csv", "lead_id,stage,amount,,\nL1,won,100,,\n", 1, lead.StageWon},
		{"JSON lines with a BOM", "application/x-ndjson", "\ufeff{\"lead_id\":\"L1\",\"stage\":\"sql\"}\r\n", 1, lead.StageSQL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			accepted(t, f)
			req := httpapi.Request{RouteKey: RouteOutcomes, Body: tt.body, Headers: map[string]string{"content-type": tt.contentType}}
			r, err := f.h.Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			var out map[string]any
			if err := json.Unmarshal([]byte(r.Body), &out); err != nil || r.StatusCode != http.StatusOK ||
				out["rows"] != tt.rows || out["recorded"] != tt.rows || out["failed"] != 0.0 {
				t.Fatalf("%d %s, want 200 with %v rows recorded", r.StatusCode, r.Body, tt.rows)
			}
			if l := f.lead(t); l.Stage != tt.stage {
				t.Fatalf("stage %s, want %s", l.Stage, tt.stage)
			}
		})
	}
	// A value under an empty header cell has no column: the row's error,
	// named by its line, the other rows recorded.
	f := newFixture(t)
	accepted(t, f)
	req := httpapi.Request{RouteKey: RouteOutcomes, Body: "lead_id,,stage\nL1,x,sql\nL1,,sql\n", Headers: map[string]string{"content-type": "text/csv"}}
	r, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"recorded":1`) ||
		!strings.Contains(r.Body, `{"line":2,"field":"csv","error":"a value in column 2, which the header does not name"}`) {
		t.Fatalf("a value without a column name: %d %s", r.StatusCode, r.Body)
	}
}

// runsOut is a request context whose deadline (a Lambda's) is an hour
// away until near() says otherwise, then already here: what a back-fill
// sees when its time runs out between two rows, without a clock.
type runsOut struct {
	context.Context
	near func() bool
}

func (c runsOut) Deadline() (time.Time, bool) {
	if c.near() {
		return time.Now(), true
	}
	return time.Now().Add(time.Hour), true
}

// TestBackfillStopsBeforeTheDeadline: a back-fill larger than one
// invocation can apply stops starting rows before the function's timeout
// and answers, naming each row it had no time for, instead of being cut
// off by Lambda with no answer and no word of what was recorded.
func TestBackfillStopsBeforeTheDeadline(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	before := f.lead(t).Version
	// Time runs out once the first row is recorded.
	ctx := runsOut{Context: context.Background(), near: func() bool { return f.lead(t).Version > before }}
	csv := "lead_id,stage,amount,currency,closed_at\n" +
		"L1,sql,,,\n" +
		"L1,won,12500,EUR,2031-03-10\n" +
		"L404,won,1,,\n" +
		"L1,won,12x,,\n"
	req := httpapi.Request{RouteKey: RouteOutcomes, Body: csv, Headers: map[string]string{"content-type": "text/csv"}}
	r, err := f.h.Handle(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	errs, _ := json.Marshal(out["errors"])
	notTried := `"error":"not tried: the request ran out of time; send this row again"`
	if r.StatusCode != http.StatusUnprocessableEntity || out["recorded"] != 1.0 || out["failed"] != 3.0 ||
		string(errs) != `[{`+notTried+`,"line":3},{`+notTried+`,"line":4},{"error":"\"12x\" is not a number","field":"amount","line":5}]` {
		t.Fatalf("%d %v %s", r.StatusCode, out, errs)
	}
	if l := f.lead(t); l.Stage != lead.StageSQL {
		t.Fatalf("stage %s, want sql (the won row was not tried)", l.Stage)
	}
	// The rows sent again, with time: the first is already recorded.
	r, err = f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil || out["recorded"] != 1.0 || out["already"] != 1.0 || f.lead(t).Stage != lead.StageWon {
		t.Fatalf("again: %d %s", r.StatusCode, r.Body)
	}
}

// TestOutcomeRevenueCounters: a won deal adds its amount to revenue in
// the reporting currency's minor units (converted at the configured
// rate), counts a valued deal and its days since capture; an amount in a
// currency without a rate is refused with where to add one.
func TestOutcomeRevenueCounters(t *testing.T) {
	rules := qualify.DefaultOutcomes
	rules.Rates = map[string]float64{"USD": 0.92, "KWD": 3}
	created := t0.Add(-20 * 24 * time.Hour)
	tests := []struct {
		name    string
		from    lead.Stage
		o       Outcome
		want    map[string]int64
		refused string // in the error
	}{
		{"won in EUR", lead.StageSQL, Outcome{Stage: "won", Amount: amount(12500.5)},
			map[string]int64{"won": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 1250050, "won_days_le_21": 1}, ""},
		{"won in USD at 0.92", lead.StageSQL, Outcome{Stage: "won", Amount: amount(1000), Currency: "USD"},
			map[string]int64{"won": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 92000, "won_days_le_21": 1}, ""},
		{"won without an amount", lead.StageSQL, Outcome{Stage: "won"},
			map[string]int64{"won": 1, "sql_closed": 1, "won_days_le_21": 1}, ""},
		{"won for nothing", lead.StageSQL, Outcome{Stage: "won", Amount: amount(0)},
			map[string]int64{"won": 1, "sql_closed": 1, "won_valued": 1, "won_days_le_21": 1}, ""},
		// Won straight from SAL: the SQL too (TestOutcomeWonFromSALCountsTheSQL).
		{"won in EUR from SAL", lead.StageSAL, Outcome{Stage: "won", Amount: amount(12500.5)},
			map[string]int64{"won": 1, "sql": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 1250050, "won_days_le_21": 1}, ""},
		{"lost after SQL", lead.StageSQL, Outcome{Stage: "lost"}, map[string]int64{"lost": 1, "sql_closed": 1}, ""},
		// Worth more than MaxAmount once converted: a typo in the amount
		// or the rate, and the revenue counters would overflow.
		{"won in KWD: worth too much at its rate", lead.StageSAL, Outcome{Stage: "won", Amount: amount(4e11), Currency: "KWD"}, nil,
			"is worth more than 1000000000000 EUR at the configured rate (outcomes.rates.KWD: 3)"},
		{"won in KWD within the bound", lead.StageSQL, Outcome{Stage: "won", Amount: amount(3e11), Currency: "KWD"},
			map[string]int64{"won": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 9e13, "won_days_le_21": 1}, ""},
		{"won in GBP: no rate", lead.StageSAL, Outcome{Stage: "won", Amount: amount(10), Currency: "GBP"}, nil,
			"no rate converts GBP into EUR: add it to the qualify config as outcomes.rates.GBP"},
		// A close date is a day (the rep's page, a CRM's YYYY-MM-DD): its
		// midnight lies before a lead captured that morning. The deal still
		// counts in the histogram, as closed within a day.
		{"won the day it was captured, dated by day", lead.StageSAL,
			Outcome{Stage: "won", ClosedAt: time.Date(2031, 2, 18, 0, 0, 0, 0, time.UTC)},
			map[string]int64{"won": 1, "sql": 1, "sql_closed": 1, "won_days_le_1": 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lead.Lead{ID: "L1", Stage: tt.from, CreatedAt: created, Deal: &lead.Deal{AcceptedAt: t0.Add(-24 * time.Hour)}}
			o := tt.o
			o.LeadID = "L1"
			if err := o.Validate(t0); err != nil {
				t.Fatal(err)
			}
			if err := o.CheckCurrency(rules); (err != nil) != (tt.refused != "") || err != nil && !strings.Contains(err.Error(), tt.refused) {
				t.Fatalf("CheckCurrency = %v, want %q", err, tt.refused)
			}
			out, ch, err := ApplyOutcome(&l, o, rules, func(time.Time) string { return "ev" }, t0)
			if tt.refused != "" {
				if err == nil || out == Recorded || len(ch.Counters) > 0 {
					t.Fatalf("ApplyOutcome = %s, %v, %v: want refused, nothing counted", out, ch.Counters, err)
				}
				return
			}
			got := map[string]int64{}
			for _, c := range ch.Counters {
				if c.Campaign != l.Campaign() {
					t.Fatalf("counter %+v not for the lead's campaign %q", c, l.Campaign())
				}
				got[c.Name] += c.Step()
			}
			if err != nil || out != Recorded || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("ApplyOutcome = %s, %v, %v; want recorded, %v", out, got, err, tt.want)
			}
		})
	}
}

func TestDaysToWonBucket(t *testing.T) {
	day := 24 * time.Hour
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "won_days_le_1"}, {day, "won_days_le_1"}, {day + time.Second, "won_days_le_3"},
		{14 * day, "won_days_le_14"}, {100 * day, "won_days_le_120"}, {365 * day, "won_days_le_365"}, {366 * day, "won_days_gt_365"},
	} {
		if got := DaysToWonBucket(tt.d); got != tt.want {
			t.Errorf("DaysToWonBucket(%s) = %s, want %s", tt.d, got, tt.want)
		}
	}
}

// TestReportsReadTheRevenueCounters: every counter a won or lost
// outcome writes is one the report reads (none lands in "other").
func TestReportsReadTheRevenueCounters(t *testing.T) {
	c := report.Counters{CounterRevenue: 12345, CounterWonValued: 1, CounterSQLClosed: 1, "won": 1, "sql": 1}
	for _, days := range []int{0, 1, 2, 3, 5, 7, 10, 14, 20, 21, 25, 30, 40, 45, 50, 60, 80, 90, 100, 120, 150, 180, 200, 270, 300, 365, 400} {
		c[DaysToWonBucket(time.Duration(days)*24*time.Hour)]++
	}
	row := report.Build([]report.Source{{Campaign: "c", Month: "2026-11", Counters: c}}, report.Economics{}, report.Period{}).Total
	if row.Other != nil || row.Revenue.Revenue != 123.45 || row.Revenue.WonValued != 1 || row.Revenue.OpenSQL != 0 || row.Revenue.DaysToWon.Deals != 27 {
		t.Fatalf("report read %+v, other %v", row.Revenue, row.Other)
	}
}

// TestWonAmountCorrections: a won outcome for a lead already won with
// another amount corrects the deal: revenue gets the difference (down
// too), the won count does not change, and the same correction again
// changes nothing.
func TestWonAmountCorrections(t *testing.T) {
	rules := qualify.DefaultOutcomes
	rules.Rates = map[string]float64{"USD": 0.92}
	l := lead.Lead{ID: "L1", Stage: lead.StageSAL, CreatedAt: t0.Add(-time.Hour), Deal: &lead.Deal{AcceptedAt: t0.Add(-time.Hour)}}
	n := 0
	newID := func(time.Time) string { n++; return fmt.Sprint("ev", n) }
	steps := []struct {
		name   string
		o      Outcome
		out    string
		counts map[string]int64
		amount float64
	}{
		{"won", Outcome{Stage: "won", Amount: amount(1000), EventID: "e1"}, Recorded,
			map[string]int64{"won": 1, "sql": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 100000, "won_days_le_1": 1}, 1000},
		{"redelivered", Outcome{Stage: "won", Amount: amount(1000), EventID: "e1"}, Already, map[string]int64{}, 1000},
		{"the same amount, another id", Outcome{Stage: "won", Amount: amount(1000), EventID: "e2"}, Already, map[string]int64{}, 1000},
		{"corrected up", Outcome{Stage: "won", Amount: amount(1200), EventID: "e3"}, Corrected, map[string]int64{"revenue_minor": 20000}, 1200},
		{"the correction again", Outcome{Stage: "won", Amount: amount(1200), EventID: "e4"}, Already, map[string]int64{}, 1200},
		{"corrected down, in USD", Outcome{Stage: "won", Amount: amount(900), Currency: "USD", EventID: "e5"}, Corrected,
			map[string]int64{"revenue_minor": 82800 - 120000}, 900},
		{"no amount: nothing to correct", Outcome{Stage: "won", EventID: "e6"}, Already, map[string]int64{}, 900},
	}
	for _, s := range steps {
		o := s.o
		o.LeadID = "L1"
		if err := o.Validate(t0); err != nil {
			t.Fatal(err)
		}
		out, ch, err := ApplyOutcome(&l, o, rules, newID, t0)
		got := map[string]int64{}
		for _, c := range ch.Counters {
			got[c.Name] += c.Step()
		}
		if err != nil || out != s.out || fmt.Sprint(got) != fmt.Sprint(s.counts) || l.Deal.Amount != s.amount {
			t.Fatalf("%s: %s %v %v, amount %v; want %s %v, amount %v", s.name, out, got, err, l.Deal.Amount, s.out, s.counts, s.amount)
		}
		if out == Corrected && (len(ch.Events) != 1 || ch.Events[0].Kind != "deal_corrected") {
			t.Fatalf("%s: events %+v", s.name, ch.Events)
		}
	}
	// In a currency without a rate: refused, nothing changes.
	o := Outcome{LeadID: "L1", Stage: "won", Amount: amount(5), Currency: "GBP", EventID: "e7"}
	if out, ch, err := ApplyOutcome(&l, o, rules, newID, t0); err == nil || out == Corrected || len(ch.Counters) > 0 || l.Deal.Amount != 900 {
		t.Fatalf("GBP correction: %s %v %v", out, ch.Counters, err)
	}

	// A deal won without an amount gets its first one: it now counts in
	// the average deal.
	m := lead.Lead{ID: "L2", Stage: lead.StageWon, Deal: &lead.Deal{AcceptedAt: t0.Add(-time.Hour)}}
	out, ch, err := ApplyOutcome(&m, Outcome{LeadID: "L2", Stage: "won", Amount: amount(500)}, rules, newID, t0)
	got := map[string]int64{}
	for _, c := range ch.Counters {
		got[c.Name] += c.Step()
	}
	if err != nil || out != Corrected || fmt.Sprint(got) != fmt.Sprint(map[string]int64{"won_valued": 1, "revenue_minor": 50000}) {
		t.Fatalf("first amount: %s %v %v", out, got, err)
	}
}

// TestOutcomeWonFromSALCountsTheSQL: a deal won straight from SAL (a CRM
// that reports only won, a rep who never marked it SQL) counts the SQL it
// implies in the same write — for the campaign (and so its variant) and
// the rep who holds the deal — closes it (sql_closed), and says so on its
// event; from SQL nothing more is counted, and a deal lost from SAL was
// lost at SAL (ImpliesSQL). With the counters the lead had before, every
// funnel stage is then a subset of the one before (SAL ≥ SQL ≥ won) and
// open SQLs (sql − sql_closed) never go below zero.
func TestOutcomeWonFromSALCountsTheSQL(t *testing.T) {
	rules := qualify.DefaultOutcomes
	created := t0.Add(-20 * 24 * time.Hour)
	tests := []struct {
		name     string
		from     lead.Stage
		o        Outcome
		out      string
		campaign map[string]int64 // the outcome's campaign counters
		rep      map[string]int64 // the deal owner's
		implied  bool             // the event says the SQL was implied
	}{
		{"won from SAL", lead.StageSAL, Outcome{Stage: "won"}, Recorded,
			map[string]int64{"won": 1, "sql": 1, "sql_closed": 1, "won_days_le_21": 1},
			map[string]int64{"won": 1, "sql": 1}, true},
		{"won from SAL with an amount", lead.StageSAL, Outcome{Stage: "won", Amount: amount(500)}, Recorded,
			map[string]int64{"won": 1, "sql": 1, "sql_closed": 1, "won_valued": 1, "revenue_minor": 50000, "won_days_le_21": 1},
			map[string]int64{"won": 1, "sql": 1, "won_valued": 1, "revenue_minor": 50000}, true},
		{"lost from SAL: lost at SAL", lead.StageSAL, Outcome{Stage: "lost", Reason: "no budget"}, Recorded,
			map[string]int64{"lost": 1}, map[string]int64{"lost": 1}, false},
		{"won from SQL", lead.StageSQL, Outcome{Stage: "won"}, Recorded,
			map[string]int64{"won": 1, "sql_closed": 1, "won_days_le_21": 1},
			map[string]int64{"won": 1}, false},
		{"lost from SQL", lead.StageSQL, Outcome{Stage: "lost"}, Recorded,
			map[string]int64{"lost": 1, "sql_closed": 1},
			map[string]int64{"lost": 1}, false},
		{"SQL from SAL", lead.StageSAL, Outcome{Stage: "sql"}, Recorded,
			map[string]int64{"sql": 1}, map[string]int64{"sql": 1}, false},
		{"won again", lead.StageWon, Outcome{Stage: "won"}, Already, map[string]int64{}, map[string]int64{}, false},
		{"an amount corrected", lead.StageWon, Outcome{Stage: "won", Amount: amount(700)}, Corrected,
			map[string]int64{"won_valued": 1, "revenue_minor": 70000}, map[string]int64{"won_valued": 1, "revenue_minor": 70000}, false},
		{"lost after won", lead.StageWon, Outcome{Stage: "lost"}, Superseded, map[string]int64{}, map[string]int64{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lead.Lead{ID: "L1", Stage: tt.from, CreatedAt: created,
				FirstTouch: lead.Attribution{Campaign: "q4-demo", Variant: "b"},
				Deal:       &lead.Deal{AcceptedAt: t0.Add(-24 * time.Hour), Rep: "ana@example.com"}}
			o := tt.o
			o.LeadID, o.Source = "L1", "crm"
			if err := o.Validate(t0); err != nil {
				t.Fatal(err)
			}
			out, ch, _ := ApplyOutcome(&l, o, rules, func(time.Time) string { return "ev" }, t0)
			campaign, rep := map[string]int64{}, map[string]int64{}
			for _, c := range ch.Counters {
				switch {
				case c.Rep == "ana@example.com" && c.Campaign == "":
					rep[c.Name] += c.Step()
				case c.Campaign == "q4-demo" && c.Rep == "":
					campaign[c.Name] += c.Step()
				default:
					t.Fatalf("counter %+v: neither the lead's campaign nor its rep", c)
				}
			}
			if out != tt.out || fmt.Sprint(campaign) != fmt.Sprint(tt.campaign) || fmt.Sprint(rep) != fmt.Sprint(tt.rep) {
				t.Fatalf("ApplyOutcome = %s, campaign %v, rep %v; want %s, %v, %v", out, campaign, rep, tt.out, tt.campaign, tt.rep)
			}
			implied := false
			for _, e := range ch.Events {
				if v, ok := e.Data[lead.DataSQLImplied]; ok {
					implied = v == true && (e.Kind == "won" || e.Kind == "lost")
				}
			}
			if implied != tt.implied {
				t.Fatalf("events %+v: SQL implied %v, want %v", ch.Events, implied, tt.implied)
			}
			if out != Recorded {
				return
			}
			// The lead's funnel so far (accepted, then SQL if it was),
			// with this outcome's counters.
			f := map[string]int64{"sal": 1}
			if tt.from == lead.StageSQL {
				f["sql"] = 1
			}
			for k, n := range campaign {
				f[k] += n
			}
			if !(f["sal"] >= f["sql"] && f["sql"] >= f["won"] && f["sql"] >= f["sql_closed"] && f["sql_closed"] >= f["won"]) {
				t.Fatalf("funnel %v: want SAL ≥ SQL ≥ won, and won ≤ sql_closed ≤ sql", f)
			}
		})
	}
}

// TestCloseDateBeforeCapture: a won or lost outcome dated before its lead
// was captured (a day before is a time zone's date) is refused and changes
// nothing — from a CRM, a back-fill row and the rep's won page alike.
func TestCloseDateBeforeCapture(t *testing.T) {
	created := t0.Add(-3 * 24 * time.Hour)
	for _, tt := range []struct {
		name    string
		o       Outcome
		refused bool
	}{
		{"won years before", Outcome{Stage: "won", Amount: amount(300), ClosedAt: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)}, true},
		{"lost a week before", Outcome{Stage: "lost", ClosedAt: created.Add(-7 * 24 * time.Hour)}, true},
		{"won the day before, by date", Outcome{Stage: "won", ClosedAt: created.Truncate(24 * time.Hour).Add(-24 * time.Hour)}, false},
		{"won the day of capture, by date", Outcome{Stage: "won", ClosedAt: created.Truncate(24 * time.Hour)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := lead.Lead{ID: "L1", Stage: lead.StageSAL, CreatedAt: created, Deal: &lead.Deal{AcceptedAt: created}}
			applyClosed(t, &l, tt.o, tt.refused)
		})
	}
	// The back-fill names the row and field; the rep's page says so (400).
	f := newFixture(t)
	accepted(t, f)
	req := httpapi.Request{RouteKey: RouteOutcomes, Body: "lead_id,stage,amount,closed_at\nL1,won,300,2001-01-01\n",
		Headers: map[string]string{"content-type": "text/csv"}}
	r, err := f.h.Handle(context.Background(), req)
	if err != nil || r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `{"line":2,"field":"closed_at","error":"lies before the lead was captured (2031-03-10)"}`) {
		t.Fatalf("back-fill: %d %s %v", r.StatusCode, r.Body, err)
	}
	page := f.do(t, http.MethodPost, f.tok(links.ActionWon, "ana@example.com"), "amount=300&closed_at=2001-01-01")
	if page.StatusCode != http.StatusBadRequest || !strings.Contains(page.Body, "lies before the lead was captured") {
		t.Fatalf("won page: %d\n%s", page.StatusCode, page.Body)
	}
	if l := f.lead(t); l.Stage != lead.StageSAL || l.Deal.Amount != 0 {
		t.Fatalf("a refused close date changed the lead: %s %+v", l.Stage, l.Deal)
	}
}

// TestCRMOutcomeLogsNoAddress: a CRM that puts an address (or a name) in
// lead_id or event_id gets its outcome dropped as an unknown lead, and the
// log line carries neither.
func TestCRMOutcomeLogsNoAddress(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	for _, detail := range []string{
		`{"lead_id":"dora.lane@acme.example","stage":"won","event_id":"Dora Lane won"}`,
		`{"lead_id":"L1","stage":"sql","event_id":"crm-1"}`,
	} {
		if err := f.h.HandleOutcomeEvent(context.Background(), []byte(detail), "eb-1", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	logs := f.logs.String()
	if strings.Contains(logs, "dora") || strings.Contains(logs, "Dora") || !strings.Contains(logs, `"leadId":"L1"`) || !strings.Contains(logs, `"eventId":"crm-1"`) {
		t.Fatalf("logs:\n%s", logs)
	}
}

// applyClosed applies o to l, an accepted lead, and checks it was
// refused for its closed_at, changing nothing — or recorded.
func applyClosed(t *testing.T, l *lead.Lead, o Outcome, refused bool) {
	t.Helper()
	o.LeadID = "L1"
	out, ch, err := ApplyOutcome(l, o, qualify.DefaultOutcomes, func(time.Time) string { return "ev" }, t0)
	var fe *FieldError
	if refused != (err != nil) || refused && (!errors.As(err, &fe) || fe.Field != "closed_at" || out == Recorded || len(ch.Counters) > 0 || l.Stage != lead.StageSAL) {
		t.Fatalf("ApplyOutcome = %s, %v, %v (stage %s); refused %v", out, ch.Counters, err, l.Stage, refused)
	}
}

// TestCloseDateBeforeTheLeadCameBack: a lead whose deal was lost and that
// came back has a new deal; an outcome closed before it came back (a CRM
// re-sending the lost deal under a new event id, a back-fill run again)
// is the earlier deal's and must not close the new one.
func TestCloseDateBeforeTheLeadCameBack(t *testing.T) {
	created := t0.Add(-90 * 24 * time.Hour)
	back := t0.Add(-10 * 24 * time.Hour)
	for _, tt := range []struct {
		name    string
		o       Outcome
		refused bool
	}{
		{"the earlier deal's lost", Outcome{Stage: "lost", ClosedAt: t0.Add(-40 * 24 * time.Hour), EventID: "crm-77"}, true},
		{"the earlier deal's won", Outcome{Stage: "won", Amount: amount(300), ClosedAt: t0.Add(-40 * 24 * time.Hour)}, true},
		{"lost the day before it came back, by date", Outcome{Stage: "lost", ClosedAt: back.Truncate(24 * time.Hour).Add(-24 * time.Hour)}, false},
		{"won since", Outcome{Stage: "won", ClosedAt: t0.Truncate(24 * time.Hour)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := lead.Lead{ID: "L1", Stage: lead.StageSAL, CreatedAt: created, Deal: &lead.Deal{AcceptedAt: back.Add(time.Hour), Applied: []string{"crm-1"}},
				Returned: &lead.Return{At: back, From: lead.StageLost, Left: t0.Add(-40 * 24 * time.Hour), Times: 1}}
			applyClosed(t, &l, tt.o, tt.refused)
		})
	}
}

// TestBackfillRowsOfALeadThatCameBack: a back-fill row without event_id
// is named by its contents, and a lead's second deal's rows ("L1,sql")
// read as its first deal's. Such a row was answered "already" and
// recorded nothing: the new deal's SQL silently missing from the funnel.
// It is refused instead, saying why and what to add; a re-sent row of
// the earlier deal is refused too (never applied to the new deal), and
// one that matches the new deal's stage stays "already".
func TestBackfillRowsOfALeadThatCameBack(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	backfill := func(body string) (int, map[string]any, string) {
		t.Helper()
		req := httpapi.Request{RouteKey: RouteOutcomes, Body: body, Headers: map[string]string{"content-type": "text/csv"}}
		r, err := f.h.Handle(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		errs, _ := json.Marshal(out["errors"])
		return r.StatusCode, out, string(errs)
	}
	first := "lead_id,stage\nL1,sql\nL1,lost\n"
	if code, out, _ := backfill(first); code != http.StatusOK || out["recorded"] != 2.0 {
		t.Fatalf("the first deal: %d %v", code, out)
	}
	// It came back, and sales accepted its new deal.
	back := t0.Add(24 * time.Hour)
	f.now = back.Add(time.Hour)
	if _, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
		left, _ := l.Left()
		l.ComeBack(left, back)
		l.Stage = lead.StageSAL
		l.Deal.AcceptedAt, l.Deal.Rep = back.Add(time.Hour), "ana@example.com"
		return lead.Change{At: back}, nil
	}); err != nil {
		t.Fatal(err)
	}
	code, out, errs := backfill("lead_id,stage\nL1,sql\n")
	want := `[{"error":"a row with these contents was recorded for the lead's earlier deal, before it came back on ` +
		back.Format("2006-01-02") + `: give the row an event_id to record it for its current deal","field":"event_id","line":2}]`
	if code != http.StatusUnprocessableEntity || out["already"] != 0.0 || errs != want {
		t.Fatalf("the new deal's SQL without an event id: %d %v %s", code, out, errs)
	}
	if l := f.lead(t); l.Stage != lead.StageSAL {
		t.Fatalf("stage %s, want sal", l.Stage)
	}
	if code, out, _ := backfill("lead_id,stage,event_id\nL1,sql,deal-2-sql\n"); code != http.StatusOK || out["recorded"] != 1.0 || f.lead(t).Stage != lead.StageSQL {
		t.Fatalf("with an event id: %d %v", code, out)
	}
	// The first deal's file again: its SQL is where the new deal is, its
	// lost row is the earlier deal's, and neither changes the new deal.
	version := f.lead(t).Version
	code, out, errs = backfill(first)
	if code != http.StatusUnprocessableEntity || out["already"] != 1.0 || out["failed"] != 1.0 ||
		!strings.Contains(errs, `"field":"event_id","line":3`) || f.lead(t).Version != version {
		t.Fatalf("the first file again: %d %v %s", code, out, errs)
	}
}

// TestCRMOutcomeByEmailLogsItsLead: a CRM that names the lead by its
// address gets the outcome applied, and the log line names the lead it
// applied to by id (never the address), so an operator can find it.
func TestCRMOutcomeByEmailLogsItsLead(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	f.logs.Reset()
	if err := f.h.HandleOutcomeEvent(context.Background(), []byte(`{"email":"clara@bigcorp.example","stage":"sql","event_id":"crm-9"}`), "eb-1", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if l := f.lead(t); l.Stage != lead.StageSQL {
		t.Fatalf("stage %s, want sql", l.Stage)
	}
	logs := f.logs.String()
	if strings.Contains(logs, "clara") || !strings.Contains(logs, `"leadId":"L1"`) {
		t.Fatalf("logs:\n%s", logs)
	}
}

// TestJSONAmountAsCRMsSendIt: many CRMs send a deal's amount as text; an
// outcome event or JSON-lines row takes it as the CSV does ("12,500.50"),
// and refuses a decimal comma or anything else with the amount named
// (not its value: an event's problem is logged).
func TestJSONAmountAsCRMsSendIt(t *testing.T) {
	for _, c := range []struct {
		amount string // the JSON value
		want   *float64
		err    string
	}{
		{`12500.5`, amount(12500.5), ""},
		{`"12500"`, amount(12500), ""},
		{`"12,500.50"`, amount(12500.5), ""},
		{`" 9000 "`, amount(9000), ""},
		{`""`, nil, ""},
		{`null`, nil, ""},
		{`"1.500,00"`, nil, `amount: not a number: a comma separates thousands only (12,500.50)`},
		{`"lots"`, nil, `amount: not a number`},
		{`true`, nil, `amount: must be a number (or text such as "12500.50")`},
	} {
		var o Outcome
		err := json.Unmarshal([]byte(`{"lead_id":"L1","stage":"won","amount":`+c.amount+`}`), &o)
		switch {
		case c.err != "":
			if err == nil || err.Error() != c.err {
				t.Errorf("amount %s: error %v, want %q", c.amount, err, c.err)
			}
		case err != nil:
			t.Errorf("amount %s: %v", c.amount, err)
		case (o.Amount == nil) != (c.want == nil) || o.Amount != nil && *o.Amount != *c.want:
			t.Errorf("amount %s: %v, want %v", c.amount, o.Amount, c.want)
		case o.LeadID != "L1" || o.Stage != "won":
			t.Errorf("amount %s: the other fields were lost: %+v", c.amount, o)
		}
	}
}

// TestCRMOutcomeOfALeadNobodyAcceptedHere: reps often work a lead from
// the CRM and never press the alert's accept. A CRM outcome for an MQL
// whose alert reached sales is then taken as its acceptance, for the rep
// the alert went to (two writes: accepted, then the outcome), instead of
// being refused while the lead is later escalated and sent back to
// marketing. Redelivered, it changes nothing; an MQL whose alert has not
// gone out, or a close date the outcome refuses, accepts nothing.
func TestCRMOutcomeOfALeadNobodyAcceptedHere(t *testing.T) {
	ctx := context.Background()
	t.Run("sql, then won", func(t *testing.T) {
		f := newFixture(t)
		for range 2 { // delivered twice
			if out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "sql", EventID: "crm-sql"}); err != nil || out != Recorded && out != Already {
				t.Fatalf("ApplyCRM sql = %s, %v", out, err)
			}
		}
		l := f.lead(t)
		if l.Stage != lead.StageSQL || l.Deal == nil || l.Deal.Rep != "ana@example.com" || l.Deal.Name != "Clara" ||
			l.Handoff.State != lead.HandoffAnswered || l.Nurture.ExitReason != "sales_accepted" || !l.NextDue().IsZero() {
			t.Fatalf("after the CRM's sql: stage %s, deal %+v, hand-off %+v, nurture %+v, due %v", l.Stage, l.Deal, l.Handoff, l.Nurture, l.NextDue())
		}
		if k := f.kinds(t); k != "accepted,sql" {
			t.Fatalf("timeline %s, want accepted,sql", k)
		}
		if c := f.counters(t); c["sal"] != 1 || c["sql"] != 1 {
			t.Fatalf("counters %v, want one sal and one sql", c)
		}
		amount := 5000.0
		if out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "won", Amount: &amount, EventID: "crm-won"}); err != nil || out != Recorded {
			t.Fatalf("ApplyCRM won = %s, %v", out, err)
		}
		if c := f.counters(t); f.lead(t).Stage != lead.StageWon || c["sal"] != 1 || c["won"] != 1 || c["revenue_minor"] != 500000 {
			t.Fatalf("after won: %s, counters %v", f.lead(t).Stage, c)
		}
	})
	t.Run("won from an escalated alert", func(t *testing.T) {
		f := newFixture(t)
		_, err := lead.Update(ctx, f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
			l.Handoff.State, l.Handoff.EscalatedTo = lead.HandoffEscalated, "lea@example.com"
			return lead.Change{At: t0}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if out, err := f.h.ApplyCRM(ctx, Outcome{LeadID: "L1", Stage: "won", EventID: "crm-won"}); err != nil || out != Recorded {
			t.Fatalf("ApplyCRM won = %s, %v", out, err)
		}
		if l := f.lead(t); l.Stage != lead.StageWon || l.Deal.Rep != "ana@example.com" {
			t.Fatalf("after won: %s, deal %+v", l.Stage, l.Deal)
		}
		if c := f.counters(t); c["sal"] != 1 || c["sql"] != 1 || c["won"] != 1 {
			t.Fatalf("counters %v, want sal, the implied sql and won", c)
		}
	})
	for _, tc := range []struct {
		name string
		edit func(*lead.Lead)
		o    Outcome
		err  string
	}{
		{"its alert not sent yet", func(l *lead.Lead) { l.Handoff.State = lead.HandoffPending }, Outcome{Stage: "sql"}, "the lead is mql; sql follows sal"},
		{"closed before the lead was captured", nil, Outcome{Stage: "lost", ClosedAt: t0.Add(-30 * 24 * time.Hour)}, "closed_at: lies before the lead was captured"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.edit != nil {
				if _, err := lead.Update(ctx, f.st, "L1", func(l *lead.Lead) (lead.Change, error) { tc.edit(l); return lead.Change{At: t0}, nil }); err != nil {
					t.Fatal(err)
				}
			}
			before := f.lead(t)
			o := tc.o
			o.LeadID = "L1"
			if _, err := f.h.ApplyCRM(ctx, o); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("ApplyCRM: %v, want %q", err, tc.err)
			}
			if l := f.lead(t); l.Version != before.Version || l.Stage != lead.StageMQL || l.Deal != nil {
				t.Fatalf("refused, yet: v%d→v%d, %s, deal %+v", before.Version, l.Version, l.Stage, l.Deal)
			}
		})
	}
}

// TestWonPageNamesFieldsAsItLabelsThem: the rep's won form says "Deal
// amount", "Currency" and "Closed on"; a refused value is named so, not
// by the back-fill's column (closed_at), which the rep never saw.
func TestWonPageNamesFieldsAsItLabelsThem(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	won := f.tok(links.ActionWon, "ana@example.com")
	for _, tt := range []struct{ body, want string }{
		{"amount=100&currency=EUR&closed_at=2031-04-10", "Closed on: lies in the future"},
		{"amount=100&currency=EUR&closed_at=2001-01-01", "Closed on: lies before the lead was captured (2031-03-10)"},
		{"amount=100&currency=EUR&closed_at=10.3.2031", "Closed on: &#34;10.3.2031&#34; is not a date"},
		{"amount=-5&currency=EUR", "Deal amount: must be between 0 and"},
		// A decimal comma: say how to write it, not only that it is wrong.
		{"amount=1.234,50&currency=EUR", "Deal amount: &#34;1.234,50&#34;: a comma separates thousands only (12,500.50)"},
		{"amount=1,5&currency=EUR", "Deal amount: &#34;1,5&#34;: a comma separates thousands only"},
		{"amount=12k&currency=EUR", "Deal amount: &#34;12k&#34; is not a number"},
		{"amount=100&currency=EU", "Currency: &#34;EU&#34; is not a three-letter ISO 4217 code"},
	} {
		r := f.do(t, http.MethodPost, won, tt.body)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, `<p class="msg bad" id="problem">`+tt.want) {
			t.Errorf("%s: %d, want the message %q:\n%.1500s", tt.body, r.StatusCode, tt.want, r.Body)
		}
	}
}

// TestOutcomePageOfADealThatMovedOn: an outcome link opened again (the
// back button after "Mark lost", the reminder's link a week later) or one
// the deal can no longer take (won after lost) says what the lead is, as
// accept and reject links do, instead of asking for an amount, a date and
// a comment that the button then refuses. A won deal's won link still
// shows the form: a new amount corrects it. The GETs change nothing.
func TestOutcomePageOfADealThatMovedOn(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	tok := func(action string) string { return f.tok(action, "ana@example.com") }
	if r := f.do(t, http.MethodPost, tok(links.ActionSQL), ""); r.StatusCode != http.StatusOK {
		t.Fatalf("sql: %d", r.StatusCode)
	}
	page := func(action string) string { return f.do(t, http.MethodGet, tok(action), "").Body }
	if p := page(links.ActionSQL); strings.Contains(p, "<form") || !strings.Contains(p, already) {
		t.Errorf("the SQL link of an SQL:\n%s", p)
	}
	if r := f.do(t, http.MethodPost, tok(links.ActionLost), "comment=cheaper"); r.StatusCode != http.StatusOK {
		t.Fatalf("lost: %d", r.StatusCode)
	}
	v := f.lead(t).Version
	for action, want := range map[string]string{links.ActionLost: already, links.ActionSQL: superseded + "Lost"} {
		if p := page(action); strings.Contains(p, "<form") || !strings.Contains(pageText(p), want) {
			t.Errorf("the %s link of a lost deal shows a form, or not %q:\n%s", action, want, p)
		}
	}
	// The won link of a lost deal reverses it (a mis-click, a deal won
	// after all): its form, saying what it does.
	if p := page(links.ActionWon); !strings.Contains(p, `name="amount"`) || !strings.Contains(p, "This deal is recorded as lost. Mark it won instead?") {
		t.Errorf("the won link of a lost deal:\n%s", p)
	}
	if f.lead(t).Version != v {
		t.Fatal("a GET changed the lead")
	}

	f = newFixture(t)
	accepted(t, f)
	if r := f.do(t, http.MethodPost, tok(links.ActionWon), "amount=100&currency=EUR"); r.StatusCode != http.StatusOK {
		t.Fatalf("won: %d", r.StatusCode)
	}
	if p := page(links.ActionWon); !strings.Contains(p, `name="amount"`) {
		t.Errorf("the won link of a won deal lost its form (a new amount corrects it):\n%s", p)
	}
	// The lost link of a won deal reverses it, and the won deal's pages
	// offer it.
	if p := page(links.ActionLost); !strings.Contains(p, "<form") || !strings.Contains(p, "This deal is recorded as won (100.00 EUR). Mark it lost instead?") ||
		!strings.Contains(p, "takes the win and its revenue out of the reports") {
		t.Errorf("the lost link of a won deal:\n%s", p)
	}
	if p := page(links.ActionWon); !strings.Contains(p, "Recorded by mistake, or the deal changed since? Change it:") || !strings.Contains(p, ">Lost instead</a>") {
		t.Errorf("the won deal's page offers no way to reverse it:\n%s", p)
	}
	if p := page(links.ActionSQL); strings.Contains(p, "<form") || !strings.Contains(pageText(p), superseded+"Won") {
		t.Errorf("the SQL link of a won deal:\n%s", p)
	}
}

// TestOutcomeLinksOnAnyPageNameTheDealsRep: the SQL / won / lost links a
// page offers are signed for the rep who holds the deal, whichever link
// the page is for — the reject link opened after accepting carries a
// reason code and the rep's reference, and an outcome recorded from its
// page must still say who recorded it.
func TestOutcomeLinksOnAnyPageNameTheDealsRep(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	href := regexp.MustCompile(`<a class="btn" href="(?:[^"]*/)?([^"/]+)">`)
	for _, tc := range []struct{ method, action, extra string }{
		{http.MethodPost, links.ActionReject, "no_budget " + links.LinkRepRef(f.keys, "ana@example.com")}, // the reject form sent after accepting
		{http.MethodPost, links.ActionAccept, "ana@example.com"},
		{http.MethodGet, links.ActionSQL, "ana@example.com"},
	} {
		body := f.do(t, tc.method, f.tok(tc.action, tc.extra), "").Body
		found := href.FindAllStringSubmatch(body, -1)
		if len(found) == 0 {
			t.Fatalf("%s page offers no outcome links:\n%.1500s", tc.action, body)
		}
		for _, m := range found {
			c, err := verifyAny(f, m[1])
			if rep := links.ResolveRep(f.keys, c.Extra, "ana@example.com", "no_budget"); err != nil || rep != "ana@example.com" {
				t.Errorf("%s page: outcome link for %q (%v), want the deal's rep", tc.action, rep, err)
			}
		}
	}
}

// verifyAny verifies an outcome link's token whatever its action.
func verifyAny(f *fixture, tok string) (token.Claims, error) {
	var err error
	for _, a := range []string{links.ActionSQL, links.ActionWon, links.ActionLost} {
		var c token.Claims
		if c, err = f.keys.Verify(tok, a, f.now); err == nil {
			return c, nil
		}
	}
	return token.Claims{}, err
}

// TestWonPageSaysTheRepsCloseDate: a won form without a close date
// records now, and the page names the day it is for the rep: 20:30 on
// 10 March in Los Angeles is 11 March in UTC, and the page said "closed
// on 11 Mar" to a rep who closed the deal on the 10th. A date the rep
// typed is that date wherever the rep is.
func TestWonPageSaysTheRepsCloseDate(t *testing.T) {
	la := strings.Replace(rulesYAML, "{name: Ana, email: ana@example.com}", "{name: Ana, email: ana@example.com, time_zone: America/Los_Angeles}", 1)
	tokyo := strings.Replace(rulesYAML, "{name: Ana, email: ana@example.com}", "{name: Ana, email: ana@example.com, time_zone: Asia/Tokyo}", 1)
	for _, tc := range []struct {
		name, rules, body string
		now               time.Time
		want              string
	}{
		{"Los Angeles evening, no date", la, "", time.Date(2031, 3, 11, 3, 30, 0, 0, time.UTC), "closed on 10 Mar 2031"},
		{"Tokyo morning, no date", tokyo, "", time.Date(2031, 3, 10, 20, 0, 0, 0, time.UTC), "closed on 11 Mar 2031"},
		{"Los Angeles, a typed date", la, "closed_at=2031-03-09", time.Date(2031, 3, 11, 3, 30, 0, 0, time.UTC), "closed on 9 Mar 2031"},
		{"Tokyo, a typed date", tokyo, "closed_at=2031-03-09", time.Date(2031, 3, 10, 20, 0, 0, 0, time.UTC), "closed on 9 Mar 2031"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			rules, err := qualify.Parse([]byte(tc.rules), "rules.yaml")
			if err != nil {
				t.Fatal(err)
			}
			f.h.Rules = rules
			accepted(t, f)
			f.now = tc.now
			r := f.do(t, http.MethodPost, f.tok(links.ActionWon, "ana@example.com"), tc.body)
			if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, tc.want) {
				t.Errorf("%d, want %q:\n%.1800s", r.StatusCode, tc.want, r.Body)
			}
		})
	}
}

// TestWonPageSaysWhatItRecorded: the rep sees the amount and close date
// as recorded (a typo shows at once), or that none was given.
func TestWonPageSaysWhatItRecorded(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"amount=12,500.5&currency=eur", "Recorded: won (12,500.50 EUR, closed on 10 Mar 2031). Congratulations!"},
		{"", "Recorded: won (no amount given, closed on 10 Mar 2031). Congratulations!"},
	} {
		f := newFixture(t)
		accepted(t, f)
		r := f.do(t, http.MethodPost, f.tok(links.ActionWon, "ana@example.com"), tc.body)
		if r.StatusCode != http.StatusOK || !strings.Contains(pageText(r.Body), tc.want) {
			t.Errorf("%q: %d, want %q:\n%.1800s", tc.body, r.StatusCode, tc.want, r.Body)
		}
	}
}

// TestAnUnreadableCRMEventIsAnError: a CRM event the handler cannot read
// (a field name the integration got wrong, not JSON) is dropped — a
// retry would not read it either — so it is logged at ERROR, which the
// feedback function's error-log alarm pages for: an integration sending
// every outcome under a wrong field name loses them all otherwise,
// unseen. An outcome that reads but does not apply (an unknown lead) is a
// warning: a CRM may sync deals leadflow never saw.
func TestAnUnreadableCRMEventIsAnError(t *testing.T) {
	for _, tc := range []struct{ name, detail, level string }{
		{"wrong field name", `{"leadId":"L1","stage":"sql","event_id":"crm-1"}`, "ERROR"},
		{"not JSON", `stage=sql`, "ERROR"},
		{"an unknown lead", `{"lead_id":"L404","stage":"sql","event_id":"crm-2"}`, "WARN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.logs.Reset()
			if err := f.h.HandleOutcomeEvent(context.Background(), []byte(tc.detail), "eb-1", time.Time{}); err != nil {
				t.Fatal(err)
			}
			if logs := f.logs.String(); !strings.Contains(logs, `"level":"`+tc.level+`"`) {
				t.Fatalf("logs, want a %s line:\n%s", tc.level, logs)
			}
		})
	}
}

// TestParseAmountOfASemicolonFile: a file separated by semicolons is what
// Excel writes where the comma is the decimal separator (Germany, France,
// Spain …): its amounts are read that way — a dot separates thousands
// only, between groups of three — and a dot used otherwise is refused,
// not read 100 or 1,000 times off.
func TestParseAmountOfASemicolonFile(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"12500", 12500, true}, {"12500,50", 12500.5, true}, {"1.234,56", 1234.56, true}, {"1.234.567", 1234567, true},
		{"12.500", 12500, true}, {"0,5", 0.5, true}, {"12,500", 0, false}, {"1,250", 0, false}, {"1250,000", 1250, true}, {"12 500,50", 12500.5, true}, {"1\u00a0234\u00a0567,5", 1234567.5, true}, {"12\u202f500", 12500, true},
		{"1 23,5", 0, false}, {"12 5000", 0, false},
		{"12.50", 0, false}, {"1,234.56", 0, false}, {"1.2345", 0, false}, {",5", 0.5, true}, {"1,2,3", 0, false}, {"12x", 0, false},
		{"1,25E+05", 0, false}, {"1e3", 0, false}, {"Inf", 0, false}, {"NaN", 0, false},
	} {
		got, err := parseDecimalCommaAmount(tt.in)
		if (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("parseDecimalCommaAmount(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestBackfillOfOtherSpreadsheetDialects: Excel saves "CSV" with
// semicolons where the comma is the decimal separator, and "Text (Tab
// delimited)" with tabs; either file is read by its header's separator,
// a semicolon file's amounts with a decimal comma. A file that is not
// UTF-8 (Excel's "Unicode Text" is UTF-16, its plain "CSV" on Windows is
// the ANSI code page) or a JSON array is refused whole with a reason
// saying how to save it, instead of "unknown column" or a reason stored
// as mojibake; an amount with a currency sign says so, not that its
// comma is wrong; a quote left open says which lines it swallowed.
func TestBackfillOfOtherSpreadsheetDialects(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		code       int
		stage      lead.Stage
		amount     float64
		want       string // in the answer
	}{
		{"semicolons, decimal comma", "\ufeffLead_ID;Stage;Amount;Reason\r\nL1;sql;;\r\nL1;won;\"12.500,50\";\"Big; then bigger\"\r\n", 200, lead.StageWon, 12500.5, `"recorded":2`},
		{"semicolons, a dot amount", "lead_id;stage;amount\nL1;won;12.50\n", 422, lead.StageSAL, 0,
			`{"line":2,"field":"amount","error":"\"12.50\" is not a number: in a file separated by semicolons a comma separates decimals and a dot thousands only (12.500,50)"}`},
		{"a spreadsheet's scientific notation", "lead_id,stage,amount\nL1,won,1.25E+05\n", 422, lead.StageSAL, 0,
			`{"line":2,"field":"amount","error":"\"1.25E+05\" is not a number: write the amount in full (125437), not as a spreadsheet shows it rounded (1.25E+05)"}`},
		{"old Mac line ends (CR alone)", "lead_id,stage,amount\rL1,sql,\rL1,won,100\r", 200, lead.StageWon, 100, `"recorded":2`},
		{"tabs", "lead_id\tstage\tamount\nL1\twon\t12,500.50\n", 200, lead.StageWon, 12500.5, `"recorded":1`},
		{"a CRM's header names", "Lead ID,Deal Stage,Amount,Close Date\nL1,Closed Won,100,2031-03-10 14:30:00\n", 200, lead.StageWon, 100, `"recorded":1`},
		{"a currency sign", "lead_id,stage,amount\nL1,won,\"$12,000\"\n", 422, lead.StageSAL, 0,
			`{"line":2,"field":"amount","error":"\"$12,000\" is not a number: write the amount without a currency sign or code, and the currency in the currency column"}`},
		{"a currency code", "lead_id;stage;amount\nL1;won;12.000,00 EUR\n", 422, lead.StageSAL, 0,
			`{"line":2,"field":"amount","error":"\"12.000,00 EUR\" is not a number: write the amount without a currency sign or code, and the currency in the currency column"}`},
		{"a quote left open", "lead_id,stage,reason\nL1,sql,\nL1,lost,\"Budget cut\nL2,won,\nL3,won,\n", 422, lead.StageSQL, 0,
			`{"line":3,"field":"csv","error":"a quote opened on line 3 is not closed: lines 3 to 5 were read as one row and none of them was applied; close the quote (a quote inside a value is written twice: \"\")"}`},
		{"a bare quote", "lead_id,stage,reason\nL1,lost,said \"no\"\n", 422, lead.StageSAL, 0,
			`{"line":2,"field":"csv","error":"a quote inside a value that does not start with one: quote the whole value and write the quote twice (\"said \"\"no\"\"\")"}`},
		{"a quote left open in the header", "lead_id,\"stage\nL1,won\n", 400, lead.StageSAL, 0,
			`{"error":"line 1: the CSV header could not be read: a quote opened on line 1 is not closed: lines 1 to 2 were read as one row and none of them was applied; close the quote (a quote inside a value is written twice: \"\")"}`},
		{"UTF-16", "\xff\xfel\x00e\x00a\x00d\x00", 400, lead.StageSAL, 0, `UTF-16`},
		{"the ANSI code page", "lead_id,stage,reason\nL1,sql,\nL1,lost,Budget gek\xfcrzt\n", 400, lead.StageSAL, 0,
			`{"error":"line 3: not UTF-8 text (a spreadsheet's ANSI or Latin-1 encoding?): save the file as \"CSV UTF-8\" and send it again; nothing was recorded"}`},
		{"a JSON array", `[{"lead_id":"L1","stage":"sql"}]`, 400, lead.StageSAL, 0, `a JSON array`},
		{"json lines sent as text/csv", "{\"lead_id\":\"L1\",\"stage\":\"sql\"}\n", 200, lead.StageSQL, 0, `"recorded":1`},
		{"JSON pretty-printed", "{\"lead_id\":\"L1\",\"stage\":\"sql\"}\n{\n  \"lead_id\": \"L1\",\n  \"stage\": \"won\"\n}\n", 400, lead.StageSAL, 0,
			`{"error":"line 2: an outcome over several lines: send JSON lines, one outcome object on each line; nothing was recorded"}`},
		{"JSON two objects on a line", "{\"lead_id\":\"L1\",\"stage\":\"sql\"} {\"lead_id\":\"L2\",\"stage\":\"won\"}\n", 422, lead.StageSAL, 0,
			`{"line":1,"field":"json","error":"more than one value on the line: one outcome object on each line"}`},
		{"JSON a trailing comma", "{\"lead_id\":\"L1\",\"stage\":\"sql\"},\n", 200, lead.StageSQL, 0, `"recorded":1`},
		{"JSON a string", "{\"lead_id\":\"L1\",\"stage\":\"sql\"}\n\"L1,won\"\n", 422, lead.StageSQL, 0,
			`{"line":2,"field":"json","error":"not a JSON object"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			accepted(t, f)
			contentType := "text/csv"
			if strings.HasPrefix(tt.name, "JSON") {
				contentType = "application/x-ndjson"
			}
			req := httpapi.Request{RouteKey: RouteOutcomes, Body: tt.body, Headers: map[string]string{"content-type": contentType}}
			r, err := f.h.Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != tt.code || !strings.Contains(r.Body, tt.want) {
				t.Fatalf("%d %s\nwant %d with %s", r.StatusCode, r.Body, tt.code, tt.want)
			}
			l := f.lead(t)
			if l.Stage != tt.stage || tt.amount != 0 && l.Deal.Amount != tt.amount {
				t.Fatalf("stage %s deal %+v; want %s, amount %v", l.Stage, l.Deal, tt.stage, tt.amount)
			}
		})
	}
}

// TestALateSQLOfAClosedDeal: EventBridge does not keep order, and a CRM's
// deal history exported newest first lists the win before the SQL. An SQL
// arriving for a deal whose close already counted its SQL — won (from SQL,
// or straight from SAL, which implies it), lost from SQL — is that SQL
// again: `already`, nothing written, not a failed row (a 422 on a
// consistent file) nor a warning. A deal lost at SAL counted no SQL: an
// SQL for it is still refused, the stage named.
func TestALateSQLOfAClosedDeal(t *testing.T) {
	rules := qualify.DefaultOutcomes
	for _, tt := range []struct {
		name    string
		stage   lead.Stage
		from    lead.Stage // the stage the deal closed from (Deal.Counted)
		want    string
		refused bool
	}{
		{"won from sql", lead.StageWon, lead.StageSQL, Already, false},
		{"won straight from sal", lead.StageWon, lead.StageSAL, Already, false},
		{"lost from sql", lead.StageLost, lead.StageSQL, Already, false},
		// Lost at SAL: a revival, or the deal's SQL before its loss
		// (TestARevivedDeal).
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := lead.Lead{ID: "L1", Stage: tt.stage, Deal: &lead.Deal{AcceptedAt: t0.Add(-10 * 24 * time.Hour), Counted: &lead.Counted{From: tt.from}}}
			got, ch, err := ApplyOutcome(&l, Outcome{LeadID: "L1", Stage: "sql", Source: "crm", EventID: "crm-sql"}, rules, func(time.Time) string { return "ev" }, t0)
			if got != tt.want || (err != nil) != tt.refused || tt.refused && !errors.Is(err, ErrOutcomeRefused) {
				t.Fatalf("ApplyOutcome = %q, %v; want %q (refused %v)", got, err, tt.want, tt.refused)
			}
			if len(ch.Events) != 0 || len(ch.Counters) != 0 || l.Stage != tt.stage {
				t.Fatalf("changed: %+v, stage %s", ch, l.Stage)
			}
		})
	}
}

// TestCloseDatesAsCRMsExportThem: HubSpot's and Salesforce's exports write
// a date-time without a zone ("2031-03-10 14:30:00", "2031-03-10T14:30");
// it is the day and time written, in UTC — the day the CRM shows — not a
// refused row. A date in a local order (03/10/2031: March or October?) is
// still refused, naming the forms taken.
func TestCloseDatesAsCRMsExportThem(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2031-03-10", time.Date(2031, 3, 10, 0, 0, 0, 0, time.UTC), true},
		{"2031-03-10T14:30:00+01:00", time.Date(2031, 3, 10, 13, 30, 0, 0, time.UTC), true},
		{"2031-03-10T14:30:00.000Z", time.Date(2031, 3, 10, 14, 30, 0, 0, time.UTC), true},
		{"2031-03-10 14:30:00", time.Date(2031, 3, 10, 14, 30, 0, 0, time.UTC), true},
		{"2031-03-10 14:30", time.Date(2031, 3, 10, 14, 30, 0, 0, time.UTC), true},
		{"2031-03-10T14:30:00", time.Date(2031, 3, 10, 14, 30, 0, 0, time.UTC), true},
		{"03/10/2031", time.Time{}, false}, {"10.03.2031", time.Time{}, false}, {"March 10", time.Time{}, false},
	} {
		got, err := parseDate(tt.in)
		if (err == nil) != tt.ok || tt.ok && !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
	f := newFixture(t)
	accepted(t, f)
	req := httpapi.Request{RouteKey: RouteOutcomes, Body: "lead_id,stage,closed_at\nL1,won,03/10/2031\n", Headers: map[string]string{"content-type": "text/csv"}}
	r, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"error":"\"03/10/2031\" is not a date (YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] in UTC, or RFC 3339)"`; !strings.Contains(r.Body, want) {
		t.Fatalf("%d %s\nwant %s", r.StatusCode, r.Body, want)
	}
}

// TestBackfillRowOfNoLeadNamesItsField: a row whose lead is not found
// says which of its fields named it, so an admin knows whether to look
// at the ids or the addresses (a CRM's contact with another address).
func TestBackfillRowOfNoLeadNamesItsField(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	req := httpapi.Request{RouteKey: RouteOutcomes, Body: "lead_id,email,stage\n,nobody@nowhere.example,sql\nL404,,sql\n", Headers: map[string]string{"content-type": "text/csv"}}
	r, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Body, `{"line":2,"field":"email","error":"no such lead"},{"line":3,"field":"lead_id","error":"no such lead"}`) {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
}

// TestBackfillEventIDOfTwoOutcomes: an admin who maps a CRM's deal id to
// event_id gives one id to each of a deal's stages; the second would be
// `already` — its win silently not recorded. Within a file, one event_id
// on rows of different contents is the later row's error, naming the
// first; the same row twice is still `already`.
func TestBackfillEventIDOfTwoOutcomes(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	req := httpapi.Request{RouteKey: RouteOutcomes, Headers: map[string]string{"content-type": "text/csv"},
		Body: "lead_id,stage,amount,event_id\nL1,sql,,deal-1\nL1,sql,,deal-1\nL1,won,100,deal-1\n"}
	r, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"line":4,"field":"event_id","error":"\"deal-1\" is on line 2 too, with another outcome: an event_id names one outcome, not a deal (give each row its own, or none)"}`
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `"already":1`) {
		t.Fatalf("%d %s\nwant %s", r.StatusCode, r.Body, want)
	}
	if l := f.lead(t); l.Stage != lead.StageSQL {
		t.Fatalf("stage %s", l.Stage)
	}
}

// TestBackfillTwoWonAmountsOfOneLead: a deals export lists a deal's line
// items, or a history export its amount before and after a change, as
// rows of one lead's win with different amounts. Applied in file order
// the last overwrote the others (a correction): the revenue was one line
// item's, or the older amount when the file lists the newest first.
// Which one is the deal's, a file cannot say: those rows are each an
// error naming the others, and nothing of them is recorded; the same
// amount twice is one win.
func TestBackfillTwoWonAmountsOfOneLead(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	req := httpapi.Request{RouteKey: RouteOutcomes, Headers: map[string]string{"content-type": "text/csv"},
		Body: "lead_id,stage,amount,currency\nL1,sql,,\nL1,won,10000,EUR\nL1,Closed Won,2500,EUR\nL1,won,10000,eur\n"}
	r, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{"line":3,"field":"amount","error":"the lead's won deal has other amounts on lines 4: one row per deal, its total (a correction goes in a file of its own)"}`,
		`{"line":4,"field":"amount","error":"the lead's won deal has other amounts on lines 3, 5: one row per deal, its total (a correction goes in a file of its own)"}`,
		`{"line":5,"field":"amount","error":"the lead's won deal has other amounts on lines 4: one row per deal, its total (a correction goes in a file of its own)"}`,
		`"recorded":1`,
	} {
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) {
			t.Fatalf("%d %s\nwant %s", r.StatusCode, r.Body, want)
		}
	}
	if l := f.lead(t); l.Stage != lead.StageSQL {
		t.Fatalf("stage %s deal %+v", l.Stage, l.Deal)
	}
}

// TestCRMOutcomeLogsTheStageItRecorded: a CRM's "Closed Won" is recorded
// as won, and logged as won — not as "unknown(…)", the log's form of a
// value it cannot show, which read as a stage nobody knows.
func TestCRMOutcomeLogsTheStageItRecorded(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	f.logs.Reset()
	if err := f.h.HandleOutcomeEvent(context.Background(), []byte(`{"lead_id":"L1","stage":"Closed Won","event_id":"crm-9"}`), "eb-1", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if l := f.lead(t); l.Stage != lead.StageWon {
		t.Fatalf("stage %s, want won", l.Stage)
	}
	if logs := f.logs.String(); !strings.Contains(logs, `"stage":"won"`) {
		t.Fatalf("logs:\n%s", logs)
	}
}

// TestBackfillRowWhoseIDsNameTwoLeads: a row giving lead_id and an email
// that is another lead's (a CRM contact merged into another, a column
// shifted by a spreadsheet) would have recorded the outcome on the id's
// lead without a word, the revenue perhaps on the wrong person. It is
// the row's error; an email that is the lead's own, or no lead's (the
// contact's address changed in the CRM), leaves lead_id to name it.
func TestBackfillRowWhoseIDsNameTwoLeads(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	other := lead.New("L2", lead.Submission{Email: "bob@elsewhere.example", Source: lead.Attribution{Campaign: "q4", At: t0}})
	other.Record(&lead.Change{})
	if err := f.st.CreateLead(context.Background(), other, lead.Change{At: t0}, nil); err != nil {
		t.Fatal(err)
	}
	req := httpapi.Request{RouteKey: RouteOutcomes, Headers: map[string]string{"content-type": "text/csv"},
		Body: "lead_id,email,stage\nL1,Bob@Elsewhere.example,sql\nL1,clara@bigcorp.example,sql\nL1,clara.new@bigcorp.example,sql\n"}
	r, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"line":2,"field":"email","error":"is another lead's address than lead_id's: check which lead the row is about, and give only that one's lead_id or email"}`
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, `"recorded":1`) {
		t.Fatalf("%d %s\nwant %s", r.StatusCode, r.Body, want)
	}
	if l := f.lead(t); l.Stage != lead.StageSQL {
		t.Fatalf("L1 stage %s, want sql", l.Stage)
	}
}
