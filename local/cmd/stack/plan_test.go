package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/report"
)

// TestPlanCmd: make plan prints the planner's answer as a table, passes
// the target, period and lookback on, names the refused values in the
// make variables' names, and says so when no stack runs.
func TestPlanCmd(t *testing.T) {
	var asked string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.RequestURI()
		q := r.URL.Query()
		if r.URL.Path != "/reports/plan" {
			http.NotFound(w, r)
			return
		}
		if q.Get("target") == "0" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid plan request","fields":[{"field":"target","reason":"must be more than 0"}]}`))
			return
		}
		if q.Get("format") == "csv" {
			_, _ = w.Write([]byte("row,campaign\n"))
			return
		}
		period, _ := report.ParsePlanPeriod(q.Get("period"))
		c := report.Counters{"leads": 200, "mql": 100, "sal": 50, "sql": 25, "won": 10, "won_valued": 10, "revenue_minor": 10000000}
		p := report.BuildPlan([]report.Source{{Campaign: "alpha", Month: "2026-11", Counters: c}}, report.Economics{Spend: map[string]float64{"alpha": 5000}},
			report.PlanRequest{Target: 60000, Period: period, Lookback: report.Period{From: "2025-12", To: "2026-11"}})
		w.Header().Set("Content-Type", "application/json")
		_ = p.JSON(w)
	}))
	defer srv.Close()

	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := planCmd(append([]string{"-url", srv.URL}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}

	// €60,000 at €10,000 a deal: 6 won ÷ 40% = 15 SQL → 30 SAL → 60 MQL
	// → 120 leads × €25 = €3,000; 60 MQL × 15 min = 15 h.
	code, out, errOut := run("-target", "60000", "-period", "2027-Q1", "-lookback", "6")
	if code != 0 || asked != "/reports/plan?format=json&lookback=6&period=2027-Q1&target=60000" {
		t.Fatalf("%d %s %s", code, asked, errOut)
	}
	for _, w := range []string{"Revenue plan: €60,000 in Q1 2027 (Jan 2027 – Mar 2027): €20,000 a month", "€3,000", "15 h",
		"The page: " + srv.URL + "/reports/plan?format=html&lookback=6&period=2027-Q1&target=60000"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if !regexpLine(out, `^alpha\s+100.0%\s+€60,000\s+6\s+15\s+30\s+60\s+120\s+40\s+\(200\)\s+€3,000\s+15 h`) {
		t.Errorf("table:\n%s", out)
	}

	if code, out, _ := run("-target", "1", "-period", "2027", "-format", "csv"); code != 0 || out != "row,campaign\n" || !strings.Contains(asked, "format=csv") {
		t.Errorf("csv: %d %q %s", code, out, asked)
	}
	if code, _, errOut := run("-target", "0", "-period", "2027"); code != 2 || errOut != "TARGET must be more than 0\n" {
		t.Errorf("refused: %d %q", code, errOut)
	}
	if code, _, errOut := run("-period", "2027"); code != 2 || !strings.HasPrefix(errOut, "usage: make plan TARGET=100000 PERIOD=2027-Q1") {
		t.Errorf("no target: %d %q", code, errOut)
	}

	url := srv.URL
	srv.Close()
	var o, e bytes.Buffer
	if code := planCmd([]string{"-url", url, "-target", "1", "-period", "2027"}, &o, &e); code != 1 ||
		e.String() != "no local stack answers at "+url+": start it with 'make run' (or pass URL=… for another address)\n" {
		t.Errorf("no stack: %d %q", code, e.String())
	}
}

func regexpLine(s, re string) bool {
	for _, l := range strings.Split(s, "\n") {
		if regexp.MustCompile(re).MatchString(l) {
			return true
		}
	}
	return false
}
