package report_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/report"
)

func getPlan(t *testing.T, h *report.Handler, query map[string]string) httpapi.Response {
	t.Helper()
	req := httpapi.Request{RouteKey: report.PlanRoute, QueryStringParameters: query}
	req.RequestContext.HTTP.Method = http.MethodGet
	req.RequestContext.RequestID = "req-plan"
	resp, err := h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestPlanRouteIsServed(t *testing.T) {
	found := false
	for _, r := range report.Routes {
		found = found || r == "GET /reports/plan"
	}
	if !found {
		t.Fatalf("report.Routes = %v", report.Routes)
	}
}

// TestPlanRefusesBadInput: every refused parameter is named with why,
// in JSON and on the page.
func TestPlanRefusesBadInput(t *testing.T) {
	h := newHandler(seeded(t), &mailtest.Outbox{})
	for _, tt := range []struct {
		name  string
		query map[string]string
		want  []report.FieldProblem
	}{
		{"nothing", nil, []report.FieldProblem{
			{Field: "target", Reason: "is required: the revenue to win in the period, e.g. 100000"},
			{Field: "period", Reason: "is required: a year (2027), a quarter (2027-Q1) or a month (2027-03)"}}},
		{"target not a number", map[string]string{"target": "lots", "period": "2027-Q1"}, []report.FieldProblem{
			{Field: "target", Reason: "must be an amount like 100000 or 2500.50 (digits, no thousands separator or currency sign)"}}},
		{"target zero", map[string]string{"target": "0", "period": "2027-Q1"}, []report.FieldProblem{{Field: "target", Reason: "must be more than 0"}}},
		{"target negative", map[string]string{"target": "-100", "period": "2027"}, []report.FieldProblem{
			{Field: "target", Reason: "must be an amount like 100000 or 2500.50 (digits, no thousands separator or currency sign)"}}},
		{"period malformed", map[string]string{"target": "100000", "period": "2027-Q5"}, []report.FieldProblem{
			{Field: "period", Reason: "must be a year (2027), a quarter (2027-Q1) or a month (2027-03)"}}},
		{"lookback", map[string]string{"target": "100000", "period": "2027-03", "lookback": "25"}, []report.FieldProblem{
			{Field: "lookback", Reason: "must be a whole number of months from 1 to 24"}}},
		{"lookback signed", map[string]string{"target": "100000", "period": "2027-03", "lookback": "+6"}, []report.FieldProblem{
			{Field: "lookback", Reason: "must be a whole number of months from 1 to 24"}}},
		{"format", map[string]string{"target": "100000", "period": "2027-03", "format": "xml"}, []report.FieldProblem{
			{Field: "format", Reason: "must be json, csv or html"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := getPlan(t, h, tt.query)
			var body struct {
				Error  string
				Fields []report.FieldProblem
			}
			if r.StatusCode != 400 || json.Unmarshal([]byte(r.Body), &body) != nil || body.Error != "invalid plan request" {
				t.Fatalf("%d %s", r.StatusCode, r.Body)
			}
			if len(body.Fields) != len(tt.want) {
				t.Fatalf("fields %+v, want %+v", body.Fields, tt.want)
			}
			for i := range tt.want {
				if body.Fields[i] != tt.want[i] {
					t.Errorf("field %d = %+v, want %+v", i, body.Fields[i], tt.want[i])
				}
			}
		})
	}

	// The page says the same above its form, naming each field by the
	// label the marketer sees (not its query name) and linking to it, the
	// refused field marked.
	r := getPlan(t, h, map[string]string{"target": "1,000", "period": "2027-Q1", "format": "html"})
	if r.StatusCode != 400 || !strings.HasPrefix(r.Headers["Content-Type"], "text/html") ||
		!strings.Contains(r.Body, `<li><a href="#target">Revenue target</a>: must be an amount like 100000`) ||
		!strings.Contains(r.Body, `name="target" inputmode="decimal" autocomplete="off" value="1,000" aria-invalid="true"`) ||
		!strings.Contains(r.Body, `value="2027-Q1">`) {
		t.Fatalf("page: %d\n%s", r.StatusCode, r.Body)
	}
	r = getPlan(t, h, map[string]string{"target": "100000", "period": "Q1", "lookback": "36", "format": "html"})
	for _, want := range []string{
		`<li><a href="#period">Period</a>: must be a year`,
		`<li><a href="#lookback">Rates from the last … months</a>: must be a whole number of months from 1 to 24`,
	} {
		if r.StatusCode != 400 || !strings.Contains(r.Body, want) {
			t.Errorf("page: %d, want %q in\n%s", r.StatusCode, want, r.Body)
		}
	}
}

// TestPlanPageWithoutATargetIsTheForm: the dashboard's link opens the
// form, its period the next quarter, and the form may post to the site.
func TestPlanPageWithoutATargetIsTheForm(t *testing.T) {
	h := newHandler(seeded(t), &mailtest.Outbox{})
	r := getPlan(t, h, map[string]string{"format": "html"})
	// now is 12 March 2031: the next quarter is 2031-Q2.
	if r.StatusCode != 200 || !strings.Contains(r.Body, `id="period" name="period" autocomplete="off" value="2031-Q2"`) ||
		!strings.Contains(r.Body, `value="12"`) || strings.Contains(r.Body, `role="alert"`) || strings.Contains(r.Body, "Measured rates") ||
		!strings.Contains(r.Body, "<dt>Split</dt><dd>The target is split across the campaigns with enough data in proportion to the revenue") {
		t.Fatalf("%d\n%s", r.StatusCode, r.Body)
	}
	if csp := r.Headers["Content-Security-Policy"]; !strings.Contains(csp, "form-action 'self'") || strings.Contains(csp, "script-src") {
		t.Fatalf("CSP %q", csp)
	}
	// The dashboard links it (relative: /reports → /reports/plan).
	if d := get(t, h, map[string]string{"format": "html"}); !strings.Contains(d.Body, `<a href="reports/plan?format=html">Plan a revenue target</a>`) {
		t.Fatal("the dashboard does not link the revenue planner")
	}
}

// TestPlanServesEachFormat: JSON, CSV (as a download) and HTML from the
// store's counters over the lookback; the autumn campaign (one lead, MQL
// and SAL a month, no won deal) has too little data.
func TestPlanServesEachFormat(t *testing.T) {
	h := newHandler(seeded(t), &mailtest.Outbox{})
	r := getPlan(t, h, map[string]string{"target": "50000", "period": "2031-Q2", "lookback": "3"})
	var p report.Plan
	if r.StatusCode != 200 || r.Headers["Content-Type"] != "application/json" || json.Unmarshal([]byte(r.Body), &p) != nil {
		t.Fatalf("%d %s", r.StatusCode, r.Body)
	}
	// Lookback 3 months up to March 2031: January to March.
	if p.Lookback.From != "2031-01" || p.Lookback.To != "2031-03" || p.Period.Months != 3 || p.Target != 50000 || len(p.Campaigns) != 0 ||
		len(p.NotEnoughData) != 2 || p.NotEnoughData[0].Campaign != "autumn" || p.NotEnoughData[0].Measured.Leads != 3 ||
		strings.Join(p.NotEnoughData[0].Reasons, "\n") != "Lead → MQL is 3 of 3 (100.0%): at 95% confidence it could be as low as 43.9%, under half of that — too few leads to plan with\n"+
			"MQL → SAL is 3 of 3 (100.0%): at 95% confidence it could be as low as 43.9%, under half of that — too few MQLs to plan with\n"+
			"SAL → SQL is 0 of 3: no SQLs yet, so no number of leads reaches the target" {
		t.Fatalf("%+v", p)
	}
	r = getPlan(t, h, map[string]string{"target": "50000", "period": "2031-Q2", "format": "csv"})
	if r.StatusCode != 200 || r.Headers["Content-Disposition"] != `attachment; filename="leadflow-plan-2031-Q2.csv"` || !strings.HasPrefix(r.Body, "row,campaign,period,") {
		t.Fatalf("%d %v %s", r.StatusCode, r.Headers, r.Body)
	}
	r = getPlan(t, h, map[string]string{"target": "50000", "period": "2031-Q2", "format": "html"})
	if r.StatusCode != 200 || !strings.Contains(r.Body, "No campaign has enough data to plan with yet") || !strings.Contains(r.Body, "<strong>autumn</strong>") {
		t.Fatalf("%d\n%s", r.StatusCode, r.Body)
	}
}
