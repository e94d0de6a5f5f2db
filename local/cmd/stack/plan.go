package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/leadflow/leadflow/shared/report"
)

const planUsage = "usage: make plan TARGET=100000 PERIOD=2027-Q1 [LOOKBACK=12] [FORMAT=json|csv]   (stack plan -target … -period … [-lookback N] [-format table|json|csv] [-url URL])"

// planCmd asks a running stack's revenue planner (GET /reports/plan) to
// work a target backwards and prints the plan as a table, or the raw
// JSON or CSV.
func planCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the running stack (default: the URL `make run` recorded, else "+defaultBase+")")
	target := fs.String("target", "", "the revenue to win in the period, e.g. 100000")
	period := fs.String("period", "", "2027 (a year), 2027-Q1 (a quarter) or 2027-03 (a month)")
	lookback := fs.String("lookback", "", "months of counters to measure the rates over (default 12)")
	format := fs.String("format", "table", "table, json or csv")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if strings.TrimSpace(*target) == "" || strings.TrimSpace(*period) == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, planUsage)
		return 2
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		fmt.Fprintf(stderr, "plan: -format %q: use table, json or csv\n", *format)
		return 2
	}
	if *base == "" {
		*base = defaultURL()
	}
	q := url.Values{"target": {*target}, "period": {*period}, "format": {"json"}}
	if *format == "csv" {
		q.Set("format", "csv")
	}
	if *lookback != "" {
		q.Set("lookback", *lookback)
	}
	status, body, err := get(*base, "/reports/plan?"+q.Encode())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if status == http.StatusBadRequest {
		var refused struct {
			Fields []report.FieldProblem `json:"fields"`
		}
		if json.Unmarshal(body, &refused) == nil && len(refused.Fields) > 0 {
			for _, f := range refused.Fields {
				fmt.Fprintf(stderr, "%s %s\n", strings.ToUpper(f.Field), f.Reason)
			}
			return 2
		}
	}
	if status/100 != 2 {
		msg := strings.TrimSpace(string(body))
		if status == http.StatusNotFound {
			msg = "404: is a leadflow 'make run' with the revenue planner listening at " + *base + "?"
		}
		fmt.Fprintln(stderr, msg)
		return 1
	}
	if *format != "table" {
		_, _ = stdout.Write(body)
		return 0
	}
	var p report.Plan
	if err := json.Unmarshal(body, &p); err != nil {
		fmt.Fprintf(stderr, "%s/reports/plan: not a plan (%v)\n", *base, err)
		return 1
	}
	if err := p.Text(stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "\nThe page: %s/reports/plan?%s\n", strings.TrimRight(*base, "/"), withFormat(q, "html"))
	return 0
}

func withFormat(q url.Values, f string) string {
	c := url.Values{}
	for k, v := range q {
		c[k] = v
	}
	c.Set("format", f)
	return c.Encode()
}

// get does one GET to the stack: its status and body, or an error that
// says what to do when nothing answers.
func get(base, path string) (int, []byte, error) {
	resp, err := httpClient.Get(strings.TrimRight(base, "/") + path)
	if err != nil {
		return 0, nil, fmt.Errorf("no local stack answers at %s: start it with 'make run' (or pass URL=… for another address)", base)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: reading the answer: %v", base, err)
	}
	return resp.StatusCode, body, nil
}
