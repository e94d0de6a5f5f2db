// Command bench measures leadflow against floors taken in the same run on
// the same emulators, and prints one table (and out/bench.json) of each
// figure, its floor and the ratio. `make bench` runs it inside the local
// emulator stack. Targets are checked and reported, not enforced by tests.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/middleware"

	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/config"
)

// Row is one measured figure.
type Row struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Floor  float64 `json:"floor,omitempty"`
	Ratio  float64 `json:"ratio,omitempty"`
	Target string  `json:"target,omitempty"`
	OK     *bool   `json:"ok,omitempty"`
}

type env struct {
	ctx     context.Context
	tmpl    *sam.Template
	clients testenv.SDK
	aws     config.AWS
	calls   atomic.Int64 // DynamoDB requests made through counted clients
}

func main() {
	ctx := context.Background()
	e := &env{ctx: ctx}
	root, err := sam.Root()
	must(err)
	e.tmpl, err = sam.Load(filepath.Join(root, "template.yaml"))
	must(err)
	e.aws = config.AWS{Region: "us-east-1", DynamoDBEndpoint: os.Getenv("DYNAMODB_ENDPOINT"), SESEndpoint: os.Getenv("SES_ENDPOINT")}
	if e.aws.DynamoDBEndpoint == "" {
		fmt.Fprintln(os.Stderr, "bench: DYNAMODB_ENDPOINT is not set: run `make bench`")
		os.Exit(1)
	}
	e.clients, err = testenv.NewSDK(ctx, e.aws)
	must(err)

	var rows []Row
	only := os.Getenv("BENCH_ONLY") // run the benches whose name contains this
	for _, b := range benches {
		if only != "" && !strings.Contains(b.name, only) {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: %s…\n", b.name)
		rows = append(rows, b.run(e)...)
	}
	print(os.Stdout, rows)
	must(os.MkdirAll(filepath.Join(root, "out"), 0o755))
	ok, targets := met(rows)
	js, _ := json.MarshalIndent(map[string]any{"at": time.Now().UTC(), "rows": rows, "targets": targets, "met": ok}, "", "  ")
	must(os.WriteFile(filepath.Join(root, "out", "bench.json"), js, 0o644))
	fmt.Println("\nwritten to out/bench.json")
}

var benches []struct {
	name string
	run  func(*env) []Row
}

func register(name string, run func(*env) []Row) {
	benches = append(benches, struct {
		name string
		run  func(*env) []Row
	}{name, run})
}

// table makes a fresh table from the template.
func (e *env) table(name string) string {
	name = fmt.Sprintf("bench-%s-%d", name, time.Now().UnixNano())
	must(testenv.CreateTable(e.ctx, e.clients.DynamoDB, e.tmpl, name))
	return name
}

// countedDynamoDB is a client that counts every request it sends.
func (e *env) countedDynamoDB() *dynamodb.Client {
	return dynamodb.New(e.clients.DynamoDB.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, traced("ddb", &e.calls))
	})
}

// tracedSES is the SES client, printing each call's time with BENCH_TRACE.
func (e *env) tracedSES() *sesv2.Client {
	return sesv2.New(e.clients.SES.Options(), func(o *sesv2.Options) {
		o.APIOptions = append(o.APIOptions, traced("ses", nil))
	})
}

// traced is client middleware that counts each request (into calls, when
// given) and, with BENCH_TRACE set, prints its operation and time.
func traced(label string, calls *atomic.Int64) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("trace-"+label, func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if calls != nil {
				calls.Add(1)
			}
			if os.Getenv("BENCH_TRACE") == "" {
				return next.HandleInitialize(ctx, in)
			}
			t0 := time.Now()
			out, md, err := next.HandleInitialize(ctx, in)
			fmt.Fprintf(os.Stderr, "%s: %s %.2f ms\n", label, middleware.GetOperationName(ctx), float64(time.Since(t0).Microseconds())/1000)
			return out, md, err
		}), middleware.Before)
	}
}

// percentile of durations in milliseconds.
func percentile(ds []time.Duration, p float64) float64 {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p)
	return float64(s[i].Microseconds()) / 1000
}

// ratioRow is a figure against its floor where lower is better: the
// target (0: none) is the largest ratio that meets it.
func ratioRow(name string, value, floor float64, unit string, target float64) Row {
	r := Row{Name: name, Value: value, Floor: floor, Unit: unit}
	if floor > 0 {
		r.Ratio = value / floor
	}
	if target > 0 {
		ok := floor > 0 && r.Ratio <= target // no floor measured: not met
		r.OK, r.Target = &ok, fmt.Sprintf("ratio ≤ %g", target)
	}
	return r
}

// ratioRowAtLeast is a figure against its floor where higher is better
// (a rate achieved against the rate configured): the target is the
// smallest ratio that meets it.
func ratioRowAtLeast(name string, value, floor float64, unit string, target float64) Row {
	r := Row{Name: name, Value: value, Floor: floor, Unit: unit}
	if floor > 0 {
		r.Ratio = value / floor
	}
	if target > 0 {
		ok := floor > 0 && r.Ratio >= target
		r.OK, r.Target = &ok, fmt.Sprintf("ratio ≥ %g", target)
	}
	return r
}

func limitRow(name string, value float64, unit string, max float64) Row {
	ok := value <= max
	return Row{Name: name, Value: value, Unit: unit, Target: fmt.Sprintf("≤ %g", max), OK: &ok}
}

// met counts the rows with a target and those that meet it.
func met(rows []Row) (ok, targets int) {
	for _, r := range rows {
		if r.OK != nil {
			targets++
			if *r.OK {
				ok++
			}
		}
	}
	return ok, targets
}

// print writes the table: every row's figure and unit, its floor and the
// ratio when it has one, its target and whether it was met; then how many
// targets were met.
func print(w io.Writer, rows []Row) {
	width := len("figure")
	for _, r := range rows {
		width = max(width, utf8.RuneCountInString(r.Name))
	}
	line := func(name, value, floor, ratio, target, verdict string) {
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(name))
		tpad := strings.Repeat(" ", max(0, 14-utf8.RuneCountInString(target)))
		fmt.Fprintf(w, "%s%s  %20s %12s %8s  %s%s %s\n", name, pad, value, floor, ratio, target, tpad, verdict)
	}
	fmt.Fprintln(w)
	line("figure", "value", "floor", "ratio", "target", "")
	fmt.Fprintln(w, strings.Repeat("-", width+2+20+1+12+1+8+2+14+8))
	for _, r := range rows {
		floor, ratio, verdict := "", "", ""
		if r.Floor > 0 {
			floor = fmt.Sprintf("%.3f", r.Floor)
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		if r.OK != nil {
			verdict = map[bool]string{true: "ok", false: "MISSED"}[*r.OK]
		}
		line(r.Name, fmt.Sprintf("%.3f %s", r.Value, r.Unit), floor, ratio, r.Target, verdict)
	}
	ok, targets := met(rows)
	fmt.Fprintf(w, "\n%d of %d targets met\n", ok, targets)
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
