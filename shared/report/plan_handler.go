package report

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

// PlanRoute is the revenue planner's route (IAM-authorised in AWS).
const PlanRoute = "GET /reports/plan"

// PlanForm is what the planner's page form shows and what a refused
// request asked for.
type PlanForm struct {
	Target, Period, Lookback string
	Problems                 []FieldProblem
}

// FieldProblem is one refused query parameter and why.
type FieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// planLabels are the planner form's labels of its fields, by query name.
var planLabels = map[string]string{"target": "Revenue target", "period": "Period", "lookback": "Rates from the last … months"}

// Label is the label the planner page's form shows for the field (the
// page names a refused field as the marketer sees it, linking to it); ""
// for a parameter the form has no input for.
func (p FieldProblem) Label() string { return planLabels[p.Field] }

// Plan serves GET /reports/plan?target=100000&period=2027-Q1
// [&lookback=12][&format=json|csv|html]: the target worked backwards
// through each campaign's funnel measured over the lookback (the
// lookback months up to this one). A refused parameter is a 400 naming
// it; the HTML page without a target and period is the planner's form.
func (h *Handler) Plan(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	log := h.Log.With("requestId", req.RequestContext.RequestID, "route", req.RouteKey)
	q := req.QueryStringParameters
	now := h.Clock().In(lead.MonthZone()) // this month is the counters' (REPORT_TIME_ZONE)
	format := orDefault(q["format"], "json")
	form := PlanForm{Target: q["target"], Period: q["period"], Lookback: orDefault(q["lookback"], strconv.Itoa(DefaultLookbackMonths))}
	if format != "json" && format != "csv" && format != "html" {
		form.Problems = append(form.Problems, FieldProblem{"format", "must be json, csv or html"})
	}
	if format == "html" && strings.TrimSpace(form.Target) == "" && strings.TrimSpace(form.Period) == "" && q["lookback"] == "" {
		// The planner's form, the period filled with the next quarter.
		form.Period = nextQuarter(now)
		log.Info("plan", "status", http.StatusOK, "format", format, "form", true)
		return h.planPage(http.StatusOK, Plan{}, form, log)
	}
	target, err := ParseTarget(form.Target)
	switch {
	case strings.TrimSpace(form.Target) == "":
		form.Problems = append(form.Problems, FieldProblem{"target", "is required: the revenue to win in the period, e.g. 100000"})
	case err != nil:
		form.Problems = append(form.Problems, FieldProblem{"target", err.Error()})
	}
	period, err := ParsePlanPeriod(form.Period)
	switch {
	case strings.TrimSpace(form.Period) == "":
		form.Problems = append(form.Problems, FieldProblem{"period", "is required: " + strings.TrimPrefix(PeriodHint, "must be ")})
	case err != nil:
		form.Problems = append(form.Problems, FieldProblem{"period", err.Error()})
	}
	lookback, err := strconv.Atoi(strings.TrimSpace(form.Lookback))
	if err != nil || lookback < 1 || lookback > MaxLookbackMonths || strings.ContainsAny(form.Lookback, "+-") {
		form.Problems = append(form.Problems, FieldProblem{"lookback", fmt.Sprintf("must be a whole number of months from 1 to %d", MaxLookbackMonths)})
	}
	if len(form.Problems) > 0 {
		log.Warn("plan", "status", http.StatusBadRequest, "fields", problemFields(form.Problems))
		if format == "html" {
			return h.planPage(http.StatusBadRequest, Plan{}, form, log)
		}
		return httpapi.JSON(http.StatusBadRequest, map[string]any{"error": "invalid plan request", "fields": form.Problems}, nil), nil
	}

	lb := LookbackFor(now, lookback)
	var sources []Source
	start, _ := time.Parse("2006-01", lb.From)
	for m := start; m.Format("2006-01") <= lb.To; m = m.AddDate(0, 1, 0) {
		rows, err := h.Store.MonthSources(ctx, m.Format("2006-01"))
		if err != nil {
			log.Error("plan", "status", http.StatusInternalServerError, "error", err.Error())
			return httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error", "request_id": req.RequestContext.RequestID}, nil), nil
		}
		sources = append(sources, rows...)
	}
	p := BuildPlan(sources, h.Economics, PlanRequest{Target: target, Period: period, Lookback: lb})
	log.Info("plan", "status", http.StatusOK, "format", format, "period", period.Label, "lookback", lookback,
		"plannable", len(p.Campaigns), "not_enough_data", len(p.NotEnoughData))
	headers := map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
	var b bytes.Buffer
	switch format {
	case "html":
		form.Target = strconv.FormatFloat(p.Target, 'f', -1, 64)
		form.Period, form.Lookback = period.Label, strconv.Itoa(lookback)
		return h.planPage(http.StatusOK, p, form, log)
	case "csv":
		err = p.CSV(&b)
		headers["Content-Type"] = "text/csv; charset=utf-8"
		headers["Content-Disposition"] = fmt.Sprintf(`attachment; filename="leadflow-plan-%s.csv"`, period.Label)
	default:
		err = p.JSON(&b)
		headers["Content-Type"] = "application/json"
	}
	if err != nil {
		log.Error("plan", "status", http.StatusInternalServerError, "error", err.Error())
		return httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error"}, nil), nil
	}
	return httpapi.Response{StatusCode: http.StatusOK, Body: b.String(), Headers: headers}, nil
}

func (h *Handler) planPage(status int, p Plan, form PlanForm, log *slog.Logger) (httpapi.Response, error) {
	if p.Settings.Currency == "" {
		p.Settings, p.Rules = h.Economics.settings(), planRules() // the form alone
	}
	var b bytes.Buffer
	if err := p.HTML(&b, form); err != nil {
		log.Error("plan", "status", http.StatusInternalServerError, "error", err.Error())
		return httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal error"}, nil), nil
	}
	return httpapi.Page(status, b.String(), PlanPolicy, map[string]string{"X-Content-Type-Options": "nosniff"}), nil
}

// nextQuarter is the quarter after now's, "2027-Q1".
func nextQuarter(now time.Time) string {
	q := (int(now.Month())-1)/3 + 1
	y := now.Year()
	if q == 4 {
		return fmt.Sprintf("%d-Q1", y+1)
	}
	return fmt.Sprintf("%d-Q%d", y, q+1)
}

func problemFields(ps []FieldProblem) string {
	var f []string
	for _, p := range ps {
		f = append(f, p.Field)
	}
	return strings.Join(f, ",")
}
