package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// emfLines decodes the log lines with the given msg that carry Embedded
// Metric Format metadata.
func emfLines(t *testing.T, logs *bytes.Buffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, sc.Text())
		}
		if line["msg"] == msg && line["_aws"] != nil {
			out = append(out, line)
		}
	}
	return out
}

// checkEMF asserts the line is a valid EMF record in namespace ns: every
// metric a directive names is a number (or a list of numbers) at the top
// level, every dimension a string, and the timestamp a number.
func checkEMF(t *testing.T, line map[string]any, ns string) []string {
	t.Helper()
	meta, _ := line["_aws"].(map[string]any)
	if _, ok := meta["Timestamp"].(float64); !ok {
		t.Errorf("_aws.Timestamp missing: %v", meta)
	}
	directives, _ := meta["CloudWatchMetrics"].([]any)
	if len(directives) == 0 {
		t.Fatalf("no CloudWatchMetrics directive: %v", line)
	}
	var names []string
	for _, d := range directives {
		dir := d.(map[string]any)
		if dir["Namespace"] != ns {
			t.Errorf("namespace %v, want %s", dir["Namespace"], ns)
		}
		for _, set := range dir["Dimensions"].([]any) {
			for _, dim := range set.([]any) {
				if _, ok := line[dim.(string)].(string); !ok {
					t.Errorf("dimension %v is not a string member of the line", dim)
				}
			}
		}
		for _, m := range dir["Metrics"].([]any) {
			name := m.(map[string]any)["Name"].(string)
			switch v := line[name].(type) {
			case float64:
			case []any:
				for _, x := range v {
					if _, ok := x.(float64); !ok {
						t.Errorf("%s holds a non-number %v", name, x)
					}
				}
			default:
				t.Errorf("metric %s is not a number member of the line: %v", name, line[name])
			}
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return names
}

// TestBusinessMetricsInLogLines: a hot capture, a disqualified capture and
// a nurture tick each write their metrics into their one log line.
func TestBusinessMetricsInLogLines(t *testing.T) {
	ns := "leadflow/test"
	clock := &clockAt{t: monday}
	env := map[string]string{"METRICS_NAMESPACE": ns, "PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, capLogs := buildAt(t, "capture", env, clock.now, "")
	tick, _, tickLogs := buildAt(t, "nurture", env, clock.now, table)
	ctx := context.Background()
	stamp := time.Now().UnixNano()

	if r, _ := capture.HTTP(ctx, jsonLead(hotBody(fmt.Sprintf("cmo.%d@bigcorp.example", stamp), "1000+"))); r.StatusCode != 202 {
		t.Fatalf("hot lead: %d %s", r.StatusCode, r.Body)
	}
	lines := emfLines(t, capLogs, "capture")
	if len(lines) != 1 {
		t.Fatalf("%d capture lines with metrics, want 1:\n%s", len(lines), capLogs)
	}
	got := checkEMF(t, lines[0], ns)
	slices.Sort(got)
	if want := []string{"AlertsSent", "HotLeads", "LeadsCaptured", "SecondsToAlert"}; !slices.Equal(got, want) {
		t.Errorf("hot capture metrics %v, want %v", got, want)
	}
	if lines[0]["AlertsSent"] != 1.0 || lines[0]["LeadsCaptured"] != 1.0 {
		t.Errorf("hot capture values: %v", lines[0])
	}

	capLogs.Reset()
	jobSeeker := `{"email":"seeker.` + fmt.Sprint(stamp) + `@mail.example","name":"Sam","job_title":"Student","message":"any vacancy for juniors?","consent":true}`
	if r, _ := capture.HTTP(ctx, jsonLead(jobSeeker)); r.StatusCode != 202 {
		t.Fatalf("job seeker: %d %s", r.StatusCode, r.Body)
	}
	lines = emfLines(t, capLogs, "capture")
	if len(lines) != 1 {
		t.Fatalf("%d capture lines with metrics, want 1:\n%s", len(lines), capLogs)
	}
	checkEMF(t, lines[0], ns)
	if lines[0]["LeadsDisqualified"] != 1.0 || lines[0]["DisqualifiedReason"] == nil || lines[0]["AlertsSent"] != nil {
		t.Errorf("disqualified capture line: %v", lines[0])
	}

	if r, _ := capture.HTTP(ctx, jsonLead(coldBody(fmt.Sprintf("nina.%d@smallco.example", stamp)))); r.StatusCode != 202 {
		t.Fatalf("cold lead: %d %s", r.StatusCode, r.Body)
	}
	if err := tick.Event(ctx, tickEvent("metrics-tick")); err != nil {
		t.Fatal(err)
	}
	ticks := emfLines(t, tickLogs, "tick")
	if len(ticks) != 1 {
		t.Fatalf("%d tick lines with metrics, want 1:\n%s", len(ticks), tickLogs)
	}
	checkEMF(t, ticks[0], ns)
	if ticks[0]["NurtureEmailsSent"] != 1.0 || ticks[0]["NurtureTickFailures"] != nil {
		t.Errorf("tick line: %v", ticks[0])
	}
}
