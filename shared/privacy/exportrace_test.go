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
	"github.com/leadflow/leadflow/shared/httpapi"
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
	return &segment.Exporter{Segments: r.segs, Leads: r.st, Objects: objects, Runs: r.runs, Removals: r.st,
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

// suppress suppresses a lead's address as an unsubscribe, a bounce or a
// complaint does (the store's Suppress, which every one of them goes
// through).
func (r *exportRace) suppress(name, reason string) {
	r.t.Helper()
	l, err := r.st.LeadByEmail(r.ctx, lead.HashEmail(addr(name)))
	if err != nil {
		r.t.Fatal(err)
	}
	l.Version++
	if reason == "unsubscribe" {
		l.Stage = lead.StageUnsubscribed
	}
	if err := r.st.Suppress(r.ctx, l, lead.Change{At: t0}, reason); err != nil {
		r.t.Fatalf("suppress %s: %v", name, err)
	}
}

// TestAnUnsubscribeDuringAnExportLeavesItsFile: ana unsubscribes after
// the export read her and before it stored its file, bob bounces
// between its writes of the file. Before, both stayed in the file handed
// to the ad platforms until the next week's.
func TestAnUnsubscribeDuringAnExportLeavesItsFile(t *testing.T) {
	r := newExportRace(t, "ana", "bob", "cleo")
	var hooked2 bool
	run := r.export(&hooked{bucket: r.bucket, before: func(n int, _ string) {
		switch n {
		case 1:
			r.suppress("ana", "unsubscribe")
		case 2:
			hooked2 = true
			r.suppress("bob", "bounce")
		}
	}})
	if got := r.bucket.rows(run.Key); !slices.Equal(got, rowsOf("cleo")) || run.Exportable != 1 {
		t.Fatalf("after ana unsubscribed before the export stored its file and bob bounced between its writes, it holds\n%v\n(it says %d rows), want cleo's only %v\n(ana %s, bob %s)",
			got, run.Exportable, rowsOf("cleo"), rowOf("ana"), rowOf("bob"))
	}
	if !hooked2 {
		t.Fatal("the export wrote its file once: bob's bounce was never forced")
	}
}

// TestAnErasureWritingBackAListKeepsOutAnUnsubscribe: ana unsubscribes
// while the export runs; the export takes her row out and writes its
// file again — but dana's erasure read the file before that and writes
// it back (without dana) after the export is done. What it writes back
// must not hold ana again.
func TestAnErasureWritingBackAListKeepsOutAnUnsubscribe(t *testing.T) {
	r := newExportRace(t, "ana", "bob", "dana")
	type erased struct {
		res Result
		err error
	}
	writing, release, done := make(chan struct{}), make(chan struct{}), make(chan erased, 1)
	var launched bool
	run := r.export(&hooked{bucket: r.bucket, before: func(n int, _ string) {
		switch n {
		case 1:
			r.suppress("ana", "unsubscribe")
		case 2:
			// The export writes its file again without ana. Dana's
			// erasure has read it as first stored, and writes it back
			// once the export is done.
			launched = true
			go func() {
				svc := &Service{Store: r.st, Clock: func() time.Time { return t0 }, Exports: &hooked{bucket: r.bucket, before: func(n int, _ string) {
					if n == 1 {
						writing <- struct{}{}
						<-release
					}
				}}}
				res, err := svc.Erase(r.ctx, addr("dana"))
				done <- erased{res, err}
			}()
			select {
			case <-writing:
			case e := <-done:
				t.Errorf("dana's erasure wrote no list: %+v, %v", e.res, e.err)
			}
		}
	}})
	if !launched {
		t.Fatal("the export wrote its file once: the erasure was never forced between its writes")
	}
	close(release)
	e := <-done
	if e.err != nil || !e.res.Erased || e.res.Exports != 1 {
		t.Fatalf("erase dana: %+v, %v", e.res, e.err)
	}
	if got := r.bucket.rows(run.Key); !slices.Equal(got, rowsOf("bob")) {
		t.Fatalf("after dana's erasure wrote back the list it read before the export took ana out, it holds\n%v\nwant bob's only %v\n(ana %s, dana %s)",
			got, rowsOf("bob"), rowOf("ana"), rowOf("dana"))
	}
}

// scanHook runs after reading every lead.
type scanHook struct {
	segment.Leads
	after func()
}

func (s scanHook) ScanLeads(ctx context.Context, fn func(lead.Lead) error) error {
	err := s.Leads.ScanLeads(ctx, fn)
	s.after()
	return err
}

// TestADownloadLeavesOutWhoWasErasedOrUnsubscribedDuringItsScan: the
// download route answers a segment's list as it is now — so without ana,
// erased after the scan read her, and bob, who unsubscribed then.
func TestADownloadLeavesOutWhoWasErasedOrUnsubscribedDuringItsScan(t *testing.T) {
	r := newExportRace(t, "ana", "bob", "cleo")
	e := r.exporter(r.bucket)
	e.Leads = scanHook{Leads: r.st, after: func() {
		r.erase(r.bucket, "ana")
		r.suppress("bob", "unsubscribe")
	}}
	h := &segment.Handler{Exporter: e, Bucket: "bkt", Log: slog.New(slog.DiscardHandler)}
	resp, err := h.Handle(r.ctx, httpapi.Request{RouteKey: "GET /reports/segments/{segment}/csv", PathParameters: map[string]string{"segment": "everyone"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	got := strings.Split(strings.TrimSuffix(strings.TrimPrefix(resp.Body, customerlist.Header), "\n"), "\n")
	slices.Sort(got)
	if !slices.Equal(got, rowsOf("cleo")) || resp.Headers["X-Segment-Exportable"] != "1" {
		t.Fatalf("the download answers\n%v\n(X-Segment-Exportable %s), want cleo's row only %v\n(ana %s, bob %s)",
			got, resp.Headers["X-Segment-Exportable"], rowsOf("cleo"), rowOf("ana"), rowOf("bob"))
	}
}
