package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/metrics"
)

// line logs one line with the set's attributes and decodes it.
func line(t *testing.T, ctx context.Context) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", metrics.Attrs(ctx, time.UnixMilli(1700000000123))...)
	var out map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	return out
}

func TestEMFShape(t *testing.T) {
	ctx := metrics.Start(context.Background(), "ns")
	metrics.Count(ctx, metrics.LeadsCaptured, 1)
	metrics.CountBy(ctx, metrics.LeadsDisqualified, "DisqualifiedReason", "job_seeker")
	metrics.Observe(ctx, metrics.SecondsToAlert, 1.5, metrics.UnitSeconds)
	metrics.Observe(ctx, metrics.SecondsToAlert, 3, metrics.UnitSeconds)
	metrics.Count(ctx, metrics.LeadsCaptured, 2)

	got := line(t, ctx)
	want := map[string]any{
		"Timestamp": 1700000000123.0,
		"CloudWatchMetrics": []any{
			map[string]any{"Namespace": "ns", "Dimensions": []any{[]any{}}, "Metrics": []any{
				map[string]any{"Name": "LeadsCaptured", "Unit": "Count"},
				map[string]any{"Name": "LeadsDisqualified", "Unit": "Count"},
				map[string]any{"Name": "SecondsToAlert", "Unit": "Seconds"},
			}},
			map[string]any{"Namespace": "ns", "Dimensions": []any{[]any{"DisqualifiedReason"}}, "Metrics": []any{
				map[string]any{"Name": "LeadsDisqualified", "Unit": "Count"},
			}},
		},
	}
	if !reflect.DeepEqual(got["_aws"], want) {
		t.Errorf("_aws = %#v\nwant %#v", got["_aws"], want)
	}
	for k, v := range map[string]any{
		"LeadsCaptured": 3.0, "LeadsDisqualified": 1.0, "DisqualifiedReason": "job_seeker",
		"SecondsToAlert": []any{1.5, 3.0},
	} {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
}

func TestConflictingDimensionKeepsTheTotal(t *testing.T) {
	ctx := metrics.Start(context.Background(), "ns")
	metrics.CountBy(ctx, metrics.LeadsDisqualified, "DisqualifiedReason", "student")
	metrics.CountBy(ctx, metrics.LeadsDisqualified, "DisqualifiedReason", "competitor")
	got := line(t, ctx)
	if _, ok := got["DisqualifiedReason"]; ok {
		t.Errorf("a line with two reasons claims one: %v", got["DisqualifiedReason"])
	}
	if got["LeadsDisqualified"] != 2.0 {
		t.Errorf("total = %v, want 2", got["LeadsDisqualified"])
	}
	if n := len(got["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)); n != 1 {
		t.Errorf("%d directives, want only the totals", n)
	}
}

func TestNothingRecorded(t *testing.T) {
	// Without a set in the context, recording is a no-op.
	bare := context.Background()
	metrics.Count(bare, metrics.LeadsCaptured, 1)
	if metrics.Recorded(bare) || metrics.Attrs(bare, time.Now()) != nil {
		t.Error("a context without a set writes metrics")
	}
	ctx := metrics.Start(bare, "")
	if metrics.Recorded(ctx) || metrics.Attrs(ctx, time.Now()) != nil {
		t.Error("an empty set writes metrics")
	}
	metrics.Count(ctx, metrics.LeadsCaptured, 1)
	aws := line(t, ctx)["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if aws["Namespace"] != metrics.DefaultNamespace {
		t.Errorf("namespace %v, want the default", aws["Namespace"])
	}
}

func TestConcurrentCounts(t *testing.T) {
	ctx := metrics.Start(context.Background(), "ns")
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			metrics.Count(ctx, metrics.NurtureSent, 1)
		}()
	}
	wg.Wait()
	if got := line(t, ctx)["NurtureEmailsSent"]; got != 50.0 {
		t.Errorf("NurtureEmailsSent = %v, want 50", got)
	}
}

// A tick with more alerts than EMF takes values per metric reports a
// sample of their times: at most 100, each one of those observed, and
// drawn from all of them (not the first 100).
func TestSamplesAreCappedForEMF(t *testing.T) {
	ctx := metrics.Start(context.Background(), "ns")
	for i := range 1000 {
		metrics.Observe(ctx, metrics.SecondsToAlert, float64(i), metrics.UnitSeconds)
	}
	vals, ok := line(t, ctx)[metrics.SecondsToAlert].([]any)
	if !ok || len(vals) != metrics.MaxSamples {
		t.Fatalf("%d values, want %d", len(vals), metrics.MaxSamples)
	}
	late := 0
	for _, v := range vals {
		f := v.(float64)
		if f < 0 || f >= 1000 || f != float64(int(f)) {
			t.Fatalf("value %v was never observed", f)
		}
		if f >= 100 {
			late++
		}
	}
	if late < 50 { // expected 90; under 50 has a chance below 1e-20
		t.Errorf("only %d of the kept values came after the first 100 observed", late)
	}
}
