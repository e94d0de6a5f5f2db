package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

func init() { register("qualification in-process", benchQualify) }

// benchQualify evaluates the sample lead with five signals against the
// embedded default rules: no network, pure CPU.
func benchQualify(*env) []Row {
	root, err := sam.Root()
	must(err)
	b, err := os.ReadFile(filepath.Join(root, "events", "sample-lead.json"))
	must(err)
	var sub lead.Submission
	must(json.Unmarshal(b, &sub))
	l := lead.New("bench", sub)
	now := time.Now()
	signals := []qualify.Signal{{Kind: "form:demo_request", At: now.Add(-time.Hour)}, {Kind: "pricing_page_view", At: now.Add(-2 * time.Hour)},
		{Kind: "email_click", At: now.Add(-72 * time.Hour)}, {Kind: "page_view", At: now.Add(-5 * time.Minute)}, {Kind: "resubmission", At: now}}
	rules := qualify.Default()
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = rules.Evaluate(l, signals, now)
		}
	})
	ns := float64(r.NsPerOp())
	return []Row{
		limitRow("qualify one lead (5 signals)", ns/1000, "µs/op", 20),
		limitRow("qualify allocations", float64(r.AllocsPerOp()), "allocs/op", 50),
	}
}
