package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app/registry"
	"github.com/leadflow/leadflow/shared/awsclients/all"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/segment"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// testSegments writes segment files into a fresh folder.
func testSegments(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var segmentFiles = map[string]string{
	"newsletter.yaml": "version: 1\nid: newsletter\ndescription: Newsletter sign-ups\nconditions:\n  campaign: [newsletter-q4, newsletter-eu]\n",
	"everyone.yaml":   "version: 1\nid: everyone\ndescription: Every lead\nconditions: {}\n",
}

func segmentsRequest(t *testing.T, file, segment string) httpapi.Request {
	t.Helper()
	req := sampleEvent(t, file)
	if segment != "" {
		req.PathParameters = map[string]string{"segment": segment}
	}
	return req
}

// objectBody reads an object from the S3 emulator.
func objectBody(t *testing.T, bucket, key string) string {
	t.Helper()
	out, err := testenv.Clients(t).S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// csvRows checks a customer list's header and returns its rows, sorted.
func csvRows(t *testing.T, body string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if lines[0] != "Email" {
		t.Fatalf("header %q, want Email:\n%s", lines[0], body)
	}
	rows := slices.Clone(lines[1:])
	slices.Sort(rows)
	return rows
}

// exportRun is the run id in the key of an export's file of a day
// (segments/<id>/<date>-<run>.csv).
func exportRun(t *testing.T, key, date string) string {
	t.Helper()
	_, file, _ := strings.Cut(strings.TrimPrefix(key, "segments/"), "/")
	run, ok := strings.CutPrefix(strings.TrimSuffix(file, ".csv"), date+"-")
	if !ok || len(run) != 26 || !strings.HasSuffix(file, ".csv") {
		t.Fatalf("key %s, want segments/<id>/%s-<run id>.csv", key, date)
	}
	return run
}

// TestSegmentExportHoldsOnlyConsentingUnsuppressedLeads captures leads
// through the real capture function with every kind of consent, confirms
// one by its double opt-in link, bounces one and erases one; the export
// (the route, then the weekly schedule) writes to the S3 emulator exactly
// the hashes of the matching leads whose consent is in force, the
// download route answers the same list, and the dashboard shows the
// counts.
func TestSegmentExportHoldsOnlyConsentingUnsuppressedLeads(t *testing.T) {
	clock := &clockAt{t: monday}
	base := map[string]string{"PUBLIC_BASE_URL": "https://leads.example.com"}
	capture, table, _ := buildAt(t, "capture", base, clock.now, "")
	tick, _, _ := buildAt(t, "nurture", base, clock.now, table)
	sub, _, _ := buildAt(t, "unsubscribe", nil, clock.now, table)
	ses, _, _ := buildAt(t, "sesevents", nil, clock.now, table)
	dir := testSegments(t, segmentFiles)
	bucket := testenv.NewBucket(t)
	admin, _, _ := buildAt(t, "privacy", map[string]string{"SEGMENTS_BUCKET": bucket}, clock.now, table)
	segs, _, logs := buildAt(t, "segments", map[string]string{"SEGMENTS_DIR": dir, "SEGMENTS_BUCKET": bucket}, clock.now, table)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)

	stamp := time.Now().UnixNano()
	addr := func(name string) string { return fmt.Sprintf("%s.%d@segments.example", name, stamp) }
	single := func(name string, consent bool) string { // newsletter-q4: single opt-in
		body := coldBody(addr(name))
		if !consent {
			body = strings.Replace(body, `"consent":true,`, "", 1)
		}
		accepted(t)(capture.HTTP(ctx, jsonLead(body)))
		return addr(name)
	}
	double := func(name string) string { // no campaign file: double opt-in
		accepted(t)(capture.HTTP(ctx, jsonLead(strings.Replace(coldBody(addr(name)), `"campaign":"newsletter-q4"`, `"campaign":"newsletter-eu"`, 1))))
		return addr(name)
	}
	ana := single("ana", true)   // consent at once: in the file
	ben := single("ben", false)  // no consent: matches, not in the file
	cleo := double("cleo")       // confirms by the link: in the file
	dirk := double("dirk")       // never confirms: matches, not in the file
	emma := single("emma", true) // bounces: matches, not in the file
	finn := single("finn", true) // erased: nowhere
	gus := addr("gus")           // another campaign, no consent: only in "everyone"
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(gus, "1000+"))))

	if err := tick.Event(ctx, tickEvent("confirmations")); err != nil {
		t.Fatal(err)
	}
	got := waitConfirmations(t, cleo, 1)
	if code, body := openConfirmation(t, sub, got[0], "POST"); code != 200 {
		t.Fatalf("confirm: %d %s", code, body)
	}
	waitConfirmations(t, dirk, 1)
	e, err := st.LeadByEmail(ctx, lead.HashEmail(emma))
	if err != nil {
		t.Fatal(err)
	}
	if err := ses.Event(ctx, sesEvent(t, "ses-bounce-permanent.json", emma, e.ID, "bounce-1")); err != nil {
		t.Fatal(err)
	}
	if r, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+finn+`"}`)); r.StatusCode != 200 {
		t.Fatalf("erase: %d %s", r.StatusCode, r.Body)
	}
	testenv.Settle(t, table)

	// The export now, through its route.
	resp, err := segs.HTTP(ctx, segmentsRequest(t, "segments-export-now.json", ""))
	if err != nil || resp.StatusCode != http.StatusOK || resp.Headers["Cache-Control"] != "no-store" {
		t.Fatalf("export: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	var exported segment.Exported
	if err := json.Unmarshal([]byte(resp.Body), &exported); err != nil {
		t.Fatal(err)
	}
	type counts struct{ matching, exportable int }
	want := map[string]counts{"everyone": {6, 2}, "newsletter": {5, 2}}
	if exported.Bucket != bucket || len(exported.Exports) != 2 {
		t.Fatalf("export answered %s", resp.Body)
	}
	wantRows := []string{lead.HashEmail(ana), lead.HashEmail(cleo)}
	slices.Sort(wantRows)
	// Each export writes files of its own: segments/<id>/<date>-<run>.csv.
	run := exportRun(t, exported.Exports[0].Key, "2026-11-23")
	for _, x := range exported.Exports {
		if w := want[x.Segment]; x.Matching != w.matching || x.Exportable != w.exportable || x.Key != "segments/"+x.Segment+"/2026-11-23-"+run+".csv" {
			t.Errorf("%s: %+v, want matching %d exportable %d", x.Segment, x, w.matching, w.exportable)
		}
		body := objectBody(t, bucket, x.Key)
		if rows := csvRows(t, body); !slices.Equal(rows, wantRows) {
			t.Errorf("%s: rows\n%v\nwant the hashes of ana and cleo\n%v", x.Segment, rows, wantRows)
		}
		for _, a := range []string{ana, ben, cleo, dirk, emma, finn, gus} {
			if strings.Contains(body, a) || strings.Contains(body, strings.Split(a, "@")[0]) {
				t.Errorf("%s: the file holds an address", x.Segment)
			}
		}
	}
	// Each row is the trimmed, lower-cased address's SHA-256, as the ad
	// platforms hash it (here: the lead's own email hash).
	if a, _ := st.LeadByEmail(ctx, lead.HashEmail(ana)); a.EmailHash != wantRows[slices.Index(wantRows, lead.HashEmail(ana))] {
		t.Fatal("ana's row is not her email hash")
	}

	// The counts route shows the last export.
	resp, _ = segs.HTTP(ctx, segmentsRequest(t, "segments-list.json", ""))
	var list struct {
		Segments []struct {
			ID                   string
			Matching, Exportable *int
			CountedAt            *time.Time `json:"counted_at"`
			Export               string
		}
	}
	if err := json.Unmarshal([]byte(resp.Body), &list); err != nil || resp.StatusCode != 200 || len(list.Segments) != 2 {
		t.Fatalf("list: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	for _, s := range list.Segments {
		if w := want[s.ID]; s.Matching == nil || *s.Matching != w.matching || *s.Exportable != w.exportable || !s.CountedAt.Equal(monday) ||
			s.Export != "s3://"+bucket+"/segments/"+s.ID+"/2026-11-23-"+run+".csv" {
			t.Errorf("list: %+v", s)
		}
	}

	// The download: the same rows, as an attachment nobody caches.
	resp, _ = segs.HTTP(ctx, segmentsRequest(t, "segments-download.json", "newsletter"))
	h := resp.Headers
	if resp.StatusCode != 200 || h["Content-Type"] != "text/csv; charset=utf-8" || h["Cache-Control"] != "no-store" ||
		h["Content-Disposition"] != `attachment; filename="newsletter-2026-11-23.csv"` || h["X-Segment-Matching"] != "5" || h["X-Segment-Exportable"] != "2" {
		t.Fatalf("download: %d %v\n%s", resp.StatusCode, h, resp.Body)
	}
	if rows := csvRows(t, resp.Body); !slices.Equal(rows, wantRows) {
		t.Errorf("download rows %v, want %v", rows, wantRows)
	}
	resp, _ = segs.HTTP(ctx, segmentsRequest(t, "segments-download.json", "no-such-segment"))
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.Body, `"segments":["everyone","newsletter"]`) {
		t.Fatalf("unknown segment: %d %s", resp.StatusCode, resp.Body)
	}

	// A week later the schedule writes the week's files; cleo has since
	// unsubscribed by complaining.
	clock.add(7 * 24 * time.Hour)
	c, _ := st.LeadByEmail(ctx, lead.HashEmail(cleo))
	if err := ses.Event(ctx, sesEvent(t, "ses-complaint.json", cleo, c.ID, "complaint-1")); err != nil {
		t.Fatal(err)
	}
	testenv.Settle(t, table)
	var ev events.EventBridgeEvent
	b, _ := os.ReadFile(filepath.Join(testenv.Root(t), "events", "segments-weekly-export.json"))
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if err := segs.Event(ctx, ev); err != nil {
		t.Fatal(err)
	}
	objs, err := testenv.Clients(t).S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range objs.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	slices.Sort(keys)
	var weekly string
	if len(keys) == 4 {
		weekly = exportRun(t, keys[1], "2026-11-30")
	}
	if weekly == run || !slices.Equal(keys, []string{"segments/everyone/2026-11-23-" + run + ".csv", "segments/everyone/2026-11-30-" + weekly + ".csv",
		"segments/newsletter/2026-11-23-" + run + ".csv", "segments/newsletter/2026-11-30-" + weekly + ".csv"}) {
		t.Fatalf("bucket holds %v", keys)
	}
	if rows := csvRows(t, objectBody(t, bucket, "segments/newsletter/2026-11-30-"+weekly+".csv")); !slices.Equal(rows, []string{lead.HashEmail(ana)}) {
		t.Fatalf("after cleo's complaint: rows %v, want ana's only", rows)
	}

	// The dashboard shows the counts of the last export.
	reports, _, _ := buildAt(t, "reports", map[string]string{"SEGMENTS_DIR": dir, "MARKETING_ADDRESS": "marketing@example.com"}, clock.now, table)
	page, err := reports.HTTP(ctx, httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: map[string]string{"format": "html"}})
	if err != nil || page.StatusCode != 200 {
		t.Fatalf("dashboard: %d %v", page.StatusCode, err)
	}
	for _, want := range []string{`<th scope="row">newsletter</th>`, `<td class="who">Newsletter sign-ups</td>`, "<td>5</td>\n<td>1</td>",
		"2026-11-30<small>segments/newsletter/2026-11-30-" + weekly + ".csv</small>"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	for _, a := range []string{ana, cleo} {
		if strings.Contains(logs.String(), a) {
			t.Fatal("an address in the segments function's log")
		}
	}

	// Ana asks what is held about her: the export names the customer
	// lists her hashed address is in (what ad platforms were given).
	exp, _ := admin.HTTP(ctx, adminRequest("POST /admin/export", `{"email":"`+ana+`"}`))
	var held struct {
		Found bool     `json:"found"`
		Lists []string `json:"customer_lists"`
	}
	if err := json.Unmarshal([]byte(exp.Body), &held); err != nil || exp.StatusCode != 200 || !held.Found || !slices.Equal(held.Lists, keys) {
		t.Fatalf("export ana: %d %s, want the customer lists %v", exp.StatusCode, exp.Body, keys)
	}

	// Ana asks to be erased: her hashed address, which an ad platform
	// matches to her, leaves every customer list the exports left in the
	// bucket (kept for SegmentExportRetentionDays). A list written again
	// is handed over again: like an export's, it leaves out everyone
	// suppressed in the last day too — cleo, who complained today.
	r, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+ana+`"}`))
	var erased struct {
		Erased  bool `json:"erased"`
		Exports int  `json:"exports_unlisted"`
	}
	if err := json.Unmarshal([]byte(r.Body), &erased); err != nil || r.StatusCode != 200 || !erased.Erased || erased.Exports != 4 {
		t.Fatalf("erase ana: %d %s", r.StatusCode, r.Body)
	}
	for _, k := range keys {
		rows := csvRows(t, objectBody(t, bucket, k))
		if slices.Contains(rows, lead.HashEmail(ana)) {
			t.Errorf("%s still lists the erased address: %v", k, rows)
		}
		if len(rows) != 0 {
			t.Errorf("%s after ana's erasure: rows %v, want none (ana erased, cleo complained today: %s)", k, rows, lead.HashEmail(cleo))
		}
	}
}

// TestSegmentsFunctionRefusesABrokenSegment: a segment file that does
// not parse, or names a reason code the qualification config does not
// have, fails the function's start with the file and line.
func TestSegmentsFunctionRefusesABrokenSegment(t *testing.T) {
	for name, c := range map[string]struct{ src, want string }{
		"unknown reason code": {"version: 1\nid: bad\ndescription: d\nconditions:\n  reasons: {any_of: [jobseeker]}\n",
			`bad.yaml:5: conditions.reasons: no reason code "jobseeker"`},
		"unknown stage": {"version: 1\nid: bad\ndescription: d\nconditions:\n  stage: [won, wonn]\n", `bad.yaml:5: conditions.stage: unknown stage "wonn"`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := testSegments(t, map[string]string{"bad.yaml": c.src})
			env := map[string]string{"TABLE_NAME": "t", "SEGMENTS_DIR": dir, "SEGMENTS_BUCKET": "b", "AWS_REGION": "us-east-1"}
			_, err := registry.Build(context.Background(), "segments", all.Services, func(k string) string { return env[k] }, &bytes.Buffer{}, testenv.Clock(t))
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, c.want)) {
				t.Fatalf("err = %v, want %s", err, c.want)
			}
		})
	}
}

// TestSegmentReasonsIncludeSalesRejections: a segment's reason codes are
// the qualification config's disqualifiers and reject_reasons, and a
// lead carries the one sales gave whether the reason sends it back to
// nurturing (no_budget) or rejects it for good (spam: stage rejected) —
// so "never advertise to spam" excludes the lead sales called spam, and
// an exclusion list of spam holds it.
func TestSegmentReasonsIncludeSalesRejections(t *testing.T) {
	clock := &clockAt{t: monday}
	capture, table, _ := buildAt(t, "capture", nil, clock.now, "")
	fb, _, _ := buildAt(t, "feedback", nil, clock.now, table)
	dir := testSegments(t, map[string]string{
		"spam.yaml":      "version: 1\nid: spam\ndescription: Sales called them spam\nconditions:\n  reasons: {any_of: [spam]}\n",
		"not-spam.yaml":  "version: 1\nid: not-spam\ndescription: Anyone but spam\nconditions:\n  reasons: {none_of: [spam]}\n",
		"no-budget.yaml": "version: 1\nid: no-budget\ndescription: Sent back for budget\nconditions:\n  reasons: {any_of: [no_budget]}\n",
	})
	bucket := testenv.NewBucket(t)
	segs, _, _ := buildAt(t, "segments", map[string]string{"SEGMENTS_DIR": dir, "SEGMENTS_BUCKET": bucket}, clock.now, table)
	ctx := context.Background()
	keys, _ := token.ParseKeys(testKeys)

	reject := func(name, reason string) string {
		email := fmt.Sprintf("%s.%d@segments.example", name, time.Now().UnixNano())
		// newsletter-q4 is single opt-in: the consent is in force, so the
		// lead is in every file it matches.
		body := strings.Replace(hotBody(email, "1000+"), `"campaign":"q4-demo"`, `"campaign":"newsletter-q4","consent":true`, 1)
		accepted(t)(capture.HTTP(ctx, jsonLead(body)))
		id := capturedID(t, table, email)
		ev := sampleEvent(t, "feedback-answer.json")
		ev.PathParameters = map[string]string{"token": keys.Sign(token.Claims{Action: links.ActionReject, Subject: id, Extra: reason, Expires: clock.now().Add(time.Hour)})}
		if r, _ := fb.HTTP(ctx, ev); r.StatusCode != 200 {
			t.Fatalf("reject %s: %d %s", reason, r.StatusCode, r.Body)
		}
		return lead.HashEmail(email)
	}
	spam := reject("spam", "spam")
	budget := reject("budget", "no_budget")
	testenv.Settle(t, table)

	resp, err := segs.HTTP(ctx, segmentsRequest(t, "segments-export-now.json", ""))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	var exported segment.Exported
	if err := json.Unmarshal([]byte(resp.Body), &exported); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"spam": {spam}, "not-spam": {budget}, "no-budget": {budget}}
	for _, x := range exported.Exports {
		if rows := csvRows(t, objectBody(t, bucket, x.Key)); !slices.Equal(rows, want[x.Segment]) || x.Matching != len(want[x.Segment]) {
			t.Errorf("%s: %d matching, rows %v, want %v (spam %s, no_budget %s)", x.Segment, x.Matching, rows, want[x.Segment], spam, budget)
		}
	}
}

// TestSegmentsFunctionTakesARetiredReason: marketing renamed the
// disqualifier job_seeker to jobseeker. The exclusion audience naming both
// (the leads disqualified before the rename carry the old code) starts
// once the config lists the old code under retired_reasons; without it,
// the refusal says so.
func TestSegmentsFunctionTakesARetiredReason(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(src), "  - reason: job_seeker\n") != 2 {
		t.Fatal("default.yaml no longer has the job_seeker disqualifier; update this test")
	}
	renamed := strings.ReplaceAll(string(src), "  - reason: job_seeker\n", "  - reason: jobseeker\n")
	dir := testSegments(t, map[string]string{"not-a-fit.yaml": "version: 1\nid: not-a-fit\ndescription: d\nconditions:\n  reasons: {any_of: [jobseeker, job_seeker]}\n"})
	for name, c := range map[string]struct{ config, want string }{
		"renamed":                   {renamed, `not-a-fit.yaml:5: conditions.reasons: no reason code "job_seeker" in the qualification config's disqualifiers or reject_reasons (did you mean "jobseeker"? If leads still carry it from an earlier config, list it under retired_reasons)`},
		"renamed, old code retired": {renamed + "\nretired_reasons: [job_seeker]\n", ""},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "qualify.yaml")
			if err := os.WriteFile(cfg, []byte(c.config), 0o644); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"TABLE_NAME": "t", "SEGMENTS_DIR": dir, "SEGMENTS_BUCKET": "b", "AWS_REGION": "us-east-1", "QUALIFY_CONFIG": cfg}
			_, err := registry.Build(context.Background(), "segments", all.Services, func(k string) string { return env[k] }, &bytes.Buffer{}, testenv.Clock(t))
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), filepath.Join(dir, c.want))) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
