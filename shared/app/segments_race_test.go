package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/privacyfn"
	"github.com/leadflow/leadflow/shared/app/segmentsfn"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/privacy"
	"github.com/leadflow/leadflow/shared/s3store"
	"github.com/leadflow/leadflow/shared/segment"
	"github.com/leadflow/leadflow/shared/token"
)

// hookedBucket is the export bucket with a hook that runs before each of
// its writes (the n-th, from 1): the seam that puts an erasure exactly
// between what a writer read and what it writes.
type hookedBucket struct {
	s3store.Bucket
	mu     sync.Mutex
	puts   int
	before func(n int, key string)
}

func (b *hookedBucket) Put(ctx context.Context, key, contentType string, body io.ReadSeeker, size int64) error {
	b.mu.Lock()
	b.puts++
	n := b.puts
	b.mu.Unlock()
	if b.before != nil {
		b.before(n, key)
	}
	return b.Bucket.Put(ctx, key, contentType, body, size)
}

// TestAnErasureRacingAnExportLeavesNoRow forces, through hooks on the
// bucket's writes, each interleaving of an export and erasures over one
// customer list: an erasure landing after the export read the leads and
// before it stored the file (the erasure finds no file to clean; before,
// the file then listed the person for its 90 days); an erasure cleaning
// the file between the export's writes of it; and two erasures cleaning
// it at once, the first writing what it read before the second wrote.
// No list ends with an erased person's row.
func TestAnErasureRacingAnExportLeavesNoRow(t *testing.T) {
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", nil, clock.now, "")
	bucket := testenv.NewBucket(t)
	clients := testenv.Clients(t)
	ctx := context.Background()
	var logs strings.Builder
	env := app.Env{Logs: logsTo(&logs), Clock: clock.now}

	stamp := time.Now().UnixNano()
	addr := func(name string) string { return fmt.Sprintf("%s.%d@race.example", name, stamp) }
	hash := map[string]string{}
	for _, name := range []string{"ana", "bob", "cleo", "dana", "eve"} {
		accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(addr(name))))) // newsletter-q4: single opt-in, consent given
		hash[name] = lead.HashEmail(addr(name))
	}
	testenv.Settle(t, table)

	privacyCfg := config.Privacy{AWS: testenv.AWS(t), Table: table, Bucket: bucket}
	plain := privacyfn.New(privacyCfg, clients.DynamoDB, s3store.Open(clients.S3, bucket), env)
	erase := func(h *privacy.Handler, name string) privacy.Result {
		t.Helper()
		r, err := h.Handle(ctx, adminRequest("POST /admin/erase", `{"email":"`+addr(name)+`"}`))
		var res privacy.Result
		if err != nil || r.StatusCode != http.StatusOK || json.Unmarshal([]byte(r.Body), &res) != nil || !res.Erased {
			t.Fatalf("erase %s: %d %s %v", name, r.StatusCode, r.Body, err)
		}
		return res
	}
	rows := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, hash[n])
		}
		slices.Sort(out)
		return out
	}

	// The export reads the five, then — before its first write — ana is
	// erased (no file yet: nothing for her erasure to clean); before its
	// next write of the file, bob is erased and cleans the file the
	// export wrote.
	var erased = map[string]privacy.Result{}
	exportBucket := &hookedBucket{Bucket: s3store.Open(clients.S3, bucket), before: func(n int, _ string) {
		switch n {
		case 1:
			erased["ana"] = erase(plain, "ana")
		case 2:
			erased["bob"] = erase(plain, "bob")
		}
	}}
	dir := testSegments(t, map[string]string{"everyone.yaml": segmentFiles["everyone.yaml"]})
	segs, err := segmentsfn.New(config.Segments{AWS: testenv.AWS(t), Table: table, SegmentsDir: dir, Bucket: bucket}, clients.DynamoDB, exportBucket, env)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := segs.Handle(ctx, segmentsRequest(t, "segments-export-now.json", ""))
	var exported segment.Exported
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(resp.Body), &exported) != nil || len(exported.Exports) != 1 {
		t.Fatalf("export: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	key := exported.Exports[0].Key
	if _, ok := erased["ana"]; !ok {
		t.Fatal("the hook never erased ana: this test forces nothing")
	}
	if got := csvRows(t, objectBody(t, bucket, key)); !slices.Equal(got, rows("cleo", "dana", "eve")) {
		t.Fatalf("after ana's erasure before the export stored its file and bob's between its writes, the file lists\n%v\nwant cleo, dana and eve only\n%v\n(ana %s, bob %s)",
			got, rows("cleo", "dana", "eve"), hash["ana"], hash["bob"])
	}
	if x := exported.Exports[0]; x.Exportable != 3 {
		t.Errorf("the export answered %d rows exported, the file holds 3", x.Exportable)
	}

	// Dana's erasure reads the file; before it writes it back, eve's
	// erasure cleans it: dana's must not write eve back.
	racing := privacyfn.New(privacyCfg, clients.DynamoDB, &hookedBucket{Bucket: s3store.Open(clients.S3, bucket), before: func(n int, _ string) {
		if n == 1 {
			if res := erase(plain, "eve"); res.Exports != 1 {
				t.Errorf("eve's erasure unlisted %d files, want 1", res.Exports)
			}
		}
	}}, env)
	if res := erase(racing, "dana"); res.Exports != 1 {
		t.Errorf("dana's erasure unlisted %d files, want 1", res.Exports)
	}
	if got := csvRows(t, objectBody(t, bucket, key)); !slices.Equal(got, rows("cleo")) {
		t.Fatalf("after dana's and eve's erasures cleaned the file at once, it lists\n%v\nwant cleo only %v\n(dana %s, eve %s)", got, rows("cleo"), hash["dana"], hash["eve"])
	}
	for _, name := range []string{"ana", "bob", "cleo", "dana", "eve"} {
		if strings.Contains(logs.String(), addr(name)) || strings.Contains(logs.String(), hash[name]) {
			t.Fatalf("%s's address or its hash is in a log", name)
		}
	}
}

// raceExport runs the segments export route of h and answers its one run.
func raceExport(t *testing.T, h *segment.Handler) segment.Run {
	t.Helper()
	resp, err := h.Handle(context.Background(), segmentsRequest(t, "segments-export-now.json", ""))
	var exported segment.Exported
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(resp.Body), &exported) != nil || len(exported.Exports) != 1 {
		t.Fatalf("export: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	return exported.Exports[0]
}

// listingIn are the keys of the customer lists in bucket holding row.
func listingIn(t *testing.T, bucket, row string) []string {
	t.Helper()
	keys, err := s3store.Open(testenv.Clients(t).S3, bucket).Keys(context.Background(), "segments/")
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(keys, func(k string) bool { return !slices.Contains(csvRows(t, objectBody(t, bucket, k)), row) })
}

// TestASameDayReExportRacingAnErasureKeepsItsRows: the morning's export
// lists ana and bob; cleo signs up; ana's erasure reads the morning's
// list and — forced by a hook on its bucket's writes — before it writes
// it back without her, the export runs again the same day. Before, both
// exports wrote the day's one file, and the erasure wrote back what it
// had read over the re-export's: cleo was gone from the file the
// dashboard named, until the next export.
func TestASameDayReExportRacingAnErasureKeepsItsRows(t *testing.T) {
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", nil, clock.now, "")
	bucket := testenv.NewBucket(t)
	clients := testenv.Clients(t)
	ctx := context.Background()
	var logs strings.Builder
	env := app.Env{Logs: logsTo(&logs), Clock: clock.now}
	stamp := time.Now().UnixNano()
	addr := func(name string) string { return fmt.Sprintf("%s.%d@reexport.example", name, stamp) }
	rows := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, lead.HashEmail(addr(n)))
		}
		slices.Sort(out)
		return out
	}
	signUp := func(names ...string) {
		for _, n := range names {
			accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(addr(n))))) // newsletter-q4: single opt-in, consent given
		}
		testenv.Settle(t, table)
	}
	signUp("ana", "bob")

	dir := testSegments(t, map[string]string{"everyone.yaml": segmentFiles["everyone.yaml"]})
	segs, err := segmentsfn.New(config.Segments{AWS: testenv.AWS(t), Table: table, SegmentsDir: dir, Bucket: bucket}, clients.DynamoDB, s3store.Open(clients.S3, bucket), env)
	if err != nil {
		t.Fatal(err)
	}
	morning := raceExport(t, segs)
	if got := csvRows(t, objectBody(t, bucket, morning.Key)); !slices.Equal(got, rows("ana", "bob")) {
		t.Fatalf("the morning's list holds %v, want ana and bob", got)
	}
	clock.add(5 * time.Hour)
	signUp("cleo")

	var again segment.Run
	privacyCfg := config.Privacy{AWS: testenv.AWS(t), Table: table, Bucket: bucket}
	erasure := privacyfn.New(privacyCfg, clients.DynamoDB, &hookedBucket{Bucket: s3store.Open(clients.S3, bucket), before: func(n int, _ string) {
		if n == 1 {
			again = raceExport(t, segs)
		}
	}}, env)
	r, err := erasure.Handle(ctx, adminRequest("POST /admin/erase", `{"email":"`+addr("ana")+`"}`))
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("erase ana: %d %s %v", r.StatusCode, r.Body, err)
	}
	if again.Key == "" {
		t.Fatal("the hook never exported again: this test forces nothing")
	}
	if got := csvRows(t, objectBody(t, bucket, again.Key)); !slices.Equal(got, rows("bob", "cleo")) || again.Exportable != 2 {
		t.Fatalf("the re-export's list %s holds\n%v\n(it answered %d rows), want bob's and cleo's\n%v", again.Key, got, again.Exportable, rows("bob", "cleo"))
	}
	if got := listingIn(t, bucket, lead.HashEmail(addr("ana"))); len(got) != 0 {
		t.Fatalf("the erased ana is still listed in %v", got)
	}
	resp, _ := segs.Handle(ctx, segmentsRequest(t, "segments-list.json", ""))
	if !strings.Contains(resp.Body, `"export":"s3://`+bucket+"/"+again.Key+`"`) {
		t.Fatalf("the segments route does not name the re-export's file %s: %s", again.Key, resp.Body)
	}
	for _, name := range []string{"ana", "bob", "cleo"} {
		if strings.Contains(logs.String(), addr(name)) || strings.Contains(logs.String(), lead.HashEmail(addr(name))) {
			t.Fatalf("%s's address or its hash is in a log", name)
		}
	}
}

// TestAnUnsubscribeDuringAnExportLeavesItsFile: the export reads the
// leads; before it stores its file (a hook on the bucket's writes) ana
// unsubscribes by her email's one-click link, and before it writes the
// file again, bob's address bounces. Neither is in the file handed over:
// before, both were, until the next week's export.
func TestAnUnsubscribeDuringAnExportLeavesItsFile(t *testing.T) {
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", nil, clock.now, "")
	unsub, _, _ := buildAt(t, "unsubscribe", nil, clock.now, table)
	ses, _, _ := buildAt(t, "sesevents", nil, clock.now, table)
	bucket := testenv.NewBucket(t)
	clients := testenv.Clients(t)
	ctx := context.Background()
	var logs strings.Builder
	env := app.Env{Logs: logsTo(&logs), Clock: clock.now}
	stamp := time.Now().UnixNano()
	addr := func(name string) string { return fmt.Sprintf("%s.%d@optout-race.example", name, stamp) }
	for _, n := range []string{"ana", "bob", "cleo"} {
		accepted(t)(capture.HTTP(ctx, jsonLead(coldBody(addr(n))))) // newsletter-q4: single opt-in, consent given
	}
	testenv.Settle(t, table)
	keys, _ := token.ParseKeys(testKeys)

	var bounced bool
	exportBucket := &hookedBucket{Bucket: s3store.Open(clients.S3, bucket), before: func(n int, _ string) {
		switch n {
		case 1:
			ev := sampleEvent(t, "unsubscribe-oneclick.json")
			link := links.Unsubscribe(keys, "https://x.example", capturedID(t, table, addr("ana")), clock.now())
			ev.PathParameters = map[string]string{"token": link[strings.LastIndex(link, "/")+1:]}
			if r, err := unsub.HTTP(ctx, ev); err != nil || r.StatusCode != http.StatusOK {
				t.Fatalf("unsubscribe ana: %d %s %v", r.StatusCode, r.Body, err)
			}
		case 2:
			bounced = true
			if err := ses.Event(ctx, sesEvent(t, "ses-bounce-permanent.json", addr("bob"), capturedID(t, table, addr("bob")), "bounce-race")); err != nil {
				t.Fatal(err)
			}
		}
	}}
	dir := testSegments(t, map[string]string{"everyone.yaml": segmentFiles["everyone.yaml"]})
	segs, err := segmentsfn.New(config.Segments{AWS: testenv.AWS(t), Table: table, SegmentsDir: dir, Bucket: bucket}, clients.DynamoDB, exportBucket, env)
	if err != nil {
		t.Fatal(err)
	}
	run := raceExport(t, segs)
	want := []string{lead.HashEmail(addr("cleo"))}
	if got := csvRows(t, objectBody(t, bucket, run.Key)); !slices.Equal(got, want) || run.Exportable != 1 {
		t.Fatalf("after ana unsubscribed before the export stored its file and bob bounced between its writes, it holds\n%v\n(it answered %d rows), want cleo's only %v\n(ana %s, bob %s)",
			got, run.Exportable, want, lead.HashEmail(addr("ana")), lead.HashEmail(addr("bob")))
	}
	if !bounced {
		t.Fatal("the export wrote its file once: bob's bounce was never forced")
	}
	for _, name := range []string{"ana", "bob", "cleo"} {
		if strings.Contains(logs.String(), addr(name)) || strings.Contains(logs.String(), lead.HashEmail(addr(name))) {
			t.Fatalf("%s's address or its hash is in a log", name)
		}
	}
}
