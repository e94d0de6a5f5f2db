package privacy

// The segment exports and the erasures both write the customer lists in
// the export bucket. These tests force, through hooks on the bucket's
// writes, the interleavings in which one writer stores what it read
// before another wrote: no list may end with a row it must not hold,
// nor lose one it must.

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/customerlist"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/segment"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// bucket is an export bucket several writers share (safe for
// concurrent use).
type bucket struct {
	mu sync.Mutex
	m  map[string]string
}

func (b *bucket) Keys(_ context.Context, prefix string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for k := range b.m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (b *bucket) Get(_ context.Context, key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return []byte(b.m[key]), nil
}

func (b *bucket) Put(_ context.Context, key, _ string, body io.ReadSeeker, _ int64) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[key] = string(data)
	return nil
}

// rows are a list's rows, sorted.
func (b *bucket) rows(key string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := strings.Split(strings.TrimPrefix(b.m[key], customerlist.Header), "\n")
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	slices.Sort(out)
	return out
}

// listing are the keys of the lists holding a row.
func (b *bucket) listing(row string) []string {
	keys, _ := b.Keys(context.Background(), customerlist.Prefix)
	return slices.DeleteFunc(keys, func(k string) bool { return !slices.Contains(b.rows(k), row) })
}

// hooked is one writer's view of a bucket: before runs before its n-th
// write (from 1).
type hooked struct {
	*bucket
	mu     sync.Mutex
	puts   int
	before func(n int, key string)
}

func (h *hooked) Put(ctx context.Context, key, contentType string, body io.ReadSeeker, size int64) error {
	h.mu.Lock()
	h.puts++
	n := h.puts
	h.mu.Unlock()
	if h.before != nil {
		h.before(n, key)
	}
	return h.bucket.Put(ctx, key, contentType, body, size)
}

type runs struct {
	mu   sync.Mutex
	last map[string]segment.Run
}

func (r *runs) SaveRun(_ context.Context, run segment.Run) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last[run.Segment] = run
	return nil
}

func (r *runs) Runs(context.Context) ([]segment.Run, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []segment.Run
	for _, run := range r.last {
		out = append(out, run)
	}
	return out, nil
}

// exportRace is a store of consenting leads, the segment "everyone", a
// bucket and an erasure service writing to it.
type exportRace struct {
	t      *testing.T
	ctx    context.Context
	st     *memstore.Store
	bucket *bucket
	runs   *runs
	segs   *segment.Set
}

func newExportRace(t *testing.T, names ...string) *exportRace {
	t.Helper()
	all, err := segment.Parse([]byte("version: 1\nid: everyone\ndescription: every lead\nconditions: {}\n"), "everyone.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := &exportRace{t: t, ctx: context.Background(), st: memstore.New(), bucket: &bucket{m: map[string]string{}},
		runs: &runs{last: map[string]segment.Run{}}, segs: segment.NewSet(all)}
	r.add(names...)
	return r
}

func addr(name string) string  { return name + "@race.example" }
func rowOf(name string) string { return segment.HashEmail(addr(name)) }
func rowsOf(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = rowOf(n)
	}
	slices.Sort(out)
	return out
}

// add captures consenting leads.
func (r *exportRace) add(names ...string) {
	r.t.Helper()
	for _, n := range names {
		l := lead.New("L-"+n, lead.Submission{Email: addr(n), Consent: lead.Consent{MarketingOptIn: true}})
		if err := r.st.CreateLead(r.ctx, l, lead.Change{At: t0}, nil); err != nil {
			r.t.Fatal(err)
		}
	}
}

// exporter writes through objects.
func (r *exportRace) exporter(objects segment.Objects) *segment.Exporter {
	return &segment.Exporter{Segments: r.segs, Leads: r.st, Objects: objects, Runs: r.runs, Erasures: r.st,
		Clock: func() time.Time { return t0 }, TempDir: r.t.TempDir(), Log: slog.New(slog.DiscardHandler)}
}

// export runs an export through objects and answers its one run.
func (r *exportRace) export(objects segment.Objects) segment.Run {
	r.t.Helper()
	got, err := r.exporter(objects).Export(r.ctx)
	if err != nil || len(got) != 1 {
		r.t.Fatalf("export: %+v, %v", got, err)
	}
	return got[0]
}

// erase erases a lead through objects.
func (r *exportRace) erase(objects Exports, name string) Result {
	r.t.Helper()
	svc := &Service{Store: r.st, Exports: objects, Clock: func() time.Time { return t0 }}
	res, err := svc.Erase(r.ctx, addr(name))
	if err != nil || !res.Erased {
		r.t.Fatalf("erase %s: %+v, %v", name, res, err)
	}
	return res
}

// TestASameDayReExportRacingAnErasureKeepsItsRows: a list exported in
// the morning holds ana and bob; cleo arrives; ana's erasure reads the
// morning's list, and before it writes it back without her, the export
// runs again (the same day). The re-export's list must keep cleo: the
// erasure writes back what it read, which knows nothing of her.
func TestASameDayReExportRacingAnErasureKeepsItsRows(t *testing.T) {
	r := newExportRace(t, "ana", "bob")
	morning := r.export(r.bucket)
	if got := r.bucket.rows(morning.Key); !slices.Equal(got, rowsOf("ana", "bob")) {
		t.Fatalf("the morning's list holds %v", got)
	}
	r.add("cleo")
	var again segment.Run
	r.erase(&hooked{bucket: r.bucket, before: func(n int, _ string) {
		if n == 1 {
			again = r.export(r.bucket)
		}
	}}, "ana")
	if again.Key == "" {
		t.Fatal("the hook never exported again: this test forces nothing")
	}
	if got := r.bucket.rows(again.Key); !slices.Equal(got, rowsOf("bob", "cleo")) || again.Exportable != 2 {
		t.Fatalf("the re-export's list %s holds %v (it says %d rows), want bob and cleo %v", again.Key, got, again.Exportable, rowsOf("bob", "cleo"))
	}
	if got := r.bucket.listing(rowOf("ana")); len(got) != 0 {
		t.Fatalf("the erased ana is still listed in %v", got)
	}
	last, _ := r.runs.Runs(r.ctx)
	if len(last) != 1 || last[0].Key != again.Key {
		t.Fatalf("the segment's last run is %+v, want the re-export's %s", last, again.Key)
	}
}
