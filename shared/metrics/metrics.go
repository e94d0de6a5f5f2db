// Package metrics counts the business metrics of one invocation (a
// request, a tick, a batch of events) and writes them into the one log
// line that invocation already writes, in CloudWatch Embedded Metric
// Format: CloudWatch Logs extracts them, so no metrics API call is made
// and a function needs no extra permission. It imports no AWS code.
//
// A handler starts a set on the invocation's context (Start), domain code
// records on that context (Count, CountBy, Observe), and the handler adds
// Attrs to its log line. Code running without a set in its context (unit
// tests, the CLI) records nothing.
package metrics

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Names of the metrics the product emits; the template's alarms and
// dashboard use the same names.
const (
	LeadsCaptured       = "LeadsCaptured"
	LeadsDisqualified   = "LeadsDisqualified"
	HotLeads            = "HotLeads"
	CaptureServerErrors = "CaptureServerErrors"
	AlertsSent          = "AlertsSent"
	SecondsToAlert      = "SecondsToAlert"
	SLABreaches         = "SlaBreaches"
	NurtureSent         = "NurtureEmailsSent"
	NurtureFailed       = "NurtureEmailsFailed"
	NurtureThrottled    = "NurtureEmailsThrottled"
	TickFailures        = "NurtureTickFailures"
	Bounces             = "Bounces"
	Complaints          = "Complaints"
)

// All lists every metric name, for checks that the template's alarms and
// dashboard name metrics that exist.
var All = []string{LeadsCaptured, LeadsDisqualified, HotLeads, CaptureServerErrors, AlertsSent, SecondsToAlert,
	SLABreaches, NurtureSent, NurtureFailed, NurtureThrottled, TickFailures, Bounces, Complaints}

// DefaultNamespace is used when the function's config names none.
const DefaultNamespace = "leadflow"

// Unit is a CloudWatch unit name.
type Unit string

// Units used here.
const (
	UnitCount   Unit = "Count"
	UnitSeconds Unit = "Seconds"
)

// Set holds the values recorded during one invocation. Safe for
// concurrent use (a tick works leads in parallel).
type Set struct {
	namespace string
	mu        sync.Mutex
	values    map[string][]float64
	seen      map[string]int // samples observed per metric (values keeps at most MaxSamples)
	units     map[string]Unit
	// dims are the breakdowns: dimension key → its value and the metrics
	// broken down by it. A line can carry one value per dimension; a
	// second value drops that breakdown (the totals stay exact).
	dims map[string]*breakdown
}

type breakdown struct {
	value    string
	names    map[string]bool
	conflict bool
}

type ctxKey struct{}

// Start returns ctx carrying a new, empty set for one invocation; its
// metrics go to namespace ("" is DefaultNamespace).
func Start(ctx context.Context, namespace string) context.Context {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return context.WithValue(ctx, ctxKey{}, &Set{namespace: namespace,
		values: map[string][]float64{}, units: map[string]Unit{}, dims: map[string]*breakdown{}})
}

func from(ctx context.Context) *Set {
	s, _ := ctx.Value(ctxKey{}).(*Set)
	return s
}

// Count adds n to a count metric.
func Count(ctx context.Context, name string, n int) {
	if s := from(ctx); s != nil {
		s.add(name, UnitCount, float64(n), true)
	}
}

// CountBy adds 1 to a count metric that is also broken down by one
// dimension (e.g. the disqualification reason): CloudWatch gets the total
// and one series per value.
func CountBy(ctx context.Context, name, dim, value string) {
	s := from(ctx)
	if s == nil {
		return
	}
	s.add(name, UnitCount, 1, true)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.dims[dim]
	if b == nil {
		b = &breakdown{value: value, names: map[string]bool{}}
		s.dims[dim] = b
	}
	b.names[name] = true
	if b.value != value {
		b.conflict = true
	}
}

// MaxSamples is how many values one metric may carry in a log line: the
// Embedded Metric Format takes at most 100 per metric.
const MaxSamples = 100

// Observe records one sample of a distribution (e.g. seconds to alert),
// so CloudWatch can compute percentiles. Up to MaxSamples are kept; past
// that, a uniform sample of them (a tick with 300 alerts reports 100 of
// their times, each alert equally likely to be among them).
func Observe(ctx context.Context, name string, v float64, unit Unit) {
	if s := from(ctx); s != nil {
		s.add(name, unit, v, false)
	}
}

func (s *Set) add(name string, u Unit, v float64, sum bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.units[name] = u
	if sum && len(s.values[name]) == 1 {
		s.values[name][0] += v
		return
	}
	if s.seen == nil {
		s.seen = map[string]int{}
	}
	s.seen[name]++
	if len(s.values[name]) < MaxSamples {
		s.values[name] = append(s.values[name], v)
		return
	}
	// Reservoir sampling: the n-th sample replaces a kept one with
	// probability MaxSamples/n.
	if i := rand.IntN(s.seen[name]); i < MaxSamples {
		s.values[name][i] = v
	}
}

// Recorded reports whether the context's set holds any metric.
func Recorded(ctx context.Context) bool {
	s := from(ctx)
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.values) > 0
}

// Attrs are the log attributes that make the invocation's JSON log line
// an EMF record: the "_aws" metadata and one top-level member per metric
// and per dimension. None when nothing was recorded.
func Attrs(ctx context.Context, at time.Time) []any {
	s := from(ctx)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.values) == 0 {
		return nil
	}
	namespace := s.namespace
	names := make([]string, 0, len(s.values))
	for n := range s.values {
		names = append(names, n)
	}
	sort.Strings(names)
	def := func(names []string) []metricDef {
		out := make([]metricDef, len(names))
		for i, n := range names {
			out[i] = metricDef{Name: n, Unit: s.units[n]}
		}
		return out
	}
	directives := []directive{{Namespace: namespace, Dimensions: [][]string{{}}, Metrics: def(names)}}
	var attrs []any
	dims := make([]string, 0, len(s.dims))
	for d := range s.dims {
		dims = append(dims, d)
	}
	sort.Strings(dims)
	for _, d := range dims {
		b := s.dims[d]
		if b.conflict {
			continue
		}
		var by []string
		for _, n := range names {
			if b.names[n] {
				by = append(by, n)
			}
		}
		directives = append(directives, directive{Namespace: namespace, Dimensions: [][]string{{d}}, Metrics: def(by)})
		attrs = append(attrs, d, b.value)
	}
	for _, n := range names {
		if vs := s.values[n]; len(vs) == 1 {
			attrs = append(attrs, n, vs[0])
		} else {
			attrs = append(attrs, n, append([]float64(nil), vs...))
		}
	}
	meta := map[string]any{"Timestamp": at.UnixMilli(), "CloudWatchMetrics": directives}
	return append([]any{slog.Any("_aws", meta)}, attrs...)
}

type metricDef struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}
