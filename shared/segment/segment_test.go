package segment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/customerlist"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

var now = time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func seg(t *testing.T, conditions string) *Segment {
	t.Helper()
	s, err := Parse([]byte("version: 1\nid: s\ndescription: d\nconditions:\n"+conditions), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// base is a lead every condition below is written against.
func base() lead.Lead {
	return lead.Lead{
		Stage:         lead.StageNurturing,
		CreatedAt:     now.Add(-60 * day),
		FirstTouch:    lead.Attribution{Campaign: "q4-demo", Variant: "b", At: now.Add(-60 * day)},
		LastTouch:     lead.Attribution{Campaign: "webinar-nov", At: now.Add(-20 * day)},
		Qualification: &lead.Qualification{Grade: "B", Temperature: "warm"},
		Signals: []lead.Signal{
			{Kind: "pricing_page_view", At: now.Add(-40 * day)},
			{Kind: "pricing_page_view", At: now.Add(-10 * day)},
			{Kind: "pricing_page_view", At: now.Add(-3 * day)},
			{Kind: "form:demo_request", At: now.Add(-60 * day)},
		},
		SentBack: &lead.SentBack{Reason: "bad_timing"},
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		name, conditions string
		edit             func(*lead.Lead)
		want             bool
	}{
		{"no conditions", "  {}\n", nil, true},
		{"stage in list", "  stage: [new, nurturing]\n", nil, true},
		{"stage not in list", "  stage: [mql, sal]\n", nil, false},
		{"one stage", "  stage: nurturing\n", nil, true},
		{"grade", "  grade: [A, B]\n", nil, true},
		{"grade lower case in file", "  grade: b\n", nil, true},
		{"grade not in list", "  grade: A\n", nil, false},
		{"grade of an ungraded lead", "  grade: B\n", func(l *lead.Lead) { l.Qualification = nil }, false},
		{"temperature", "  temperature: [hot, warm]\n", nil, true},
		{"temperature not in list", "  temperature: hot\n", nil, false},
		{"campaign is the first touch's", "  campaign: q4-demo\n", nil, true},
		{"last touch's campaign does not count", "  campaign: webinar-nov\n", nil, false},
		{"unattributed", "  campaign: unattributed\n", func(l *lead.Lead) { l.FirstTouch.Campaign = "" }, true},
		{"variant", "  campaign: q4-demo\n  variant: b\n", nil, true},
		{"other variant", "  campaign: q4-demo\n  variant: a\n", nil, false},
		{"reason any_of", "  reasons: {any_of: [bad_timing, no_budget]}\n", nil, true},
		{"reason any_of none carried", "  reasons: {any_of: [no_budget]}\n", nil, false},
		{"reason any_of disqualification", "  reasons: {any_of: [student]}\n", func(l *lead.Lead) {
			l.SentBack = nil
			l.Qualification.Disqualified = "student"
		}, true},
		{"reason any_of rejected for good", "  reasons: {any_of: [spam]}\n", func(l *lead.Lead) {
			l.SentBack, l.Stage, l.RejectedFor = nil, lead.StageRejected, "spam"
		}, true},
		{"reason none_of rejected for good", "  reasons: {none_of: [spam]}\n", func(l *lead.Lead) { l.RejectedFor = "spam" }, false},
		{"reason none_of carried", "  reasons: {none_of: [bad_timing]}\n", nil, false},
		{"reason none_of not carried", "  reasons: {none_of: [competitor]}\n", nil, true},
		{"reason none_of without any code", "  reasons: {none_of: [competitor]}\n", func(l *lead.Lead) { l.SentBack, l.Qualification = nil, nil }, true},
		{"signal once", "  signals: [{signal: pricing_page_view}]\n", nil, true},
		{"signal three times", "  signals: [{signal: pricing_page_view, at_least: 3}]\n", nil, true},
		{"signal four times", "  signals: [{signal: pricing_page_view, at_least: 4}]\n", nil, false},
		{"signal twice within 30 days", "  signals: [{signal: pricing_page_view, at_least: 2, within: 30d}]\n", nil, true},
		{"signal three times within 30 days", "  signals: [{signal: pricing_page_view, at_least: 3, within: 30d}]\n", nil, false},
		{"signal at the window's edge counts", "  signals: [{signal: pricing_page_view, at_least: 3, within: 40d}]\n", nil, true},
		{"form signal too old", "  signals: [{signal: \"form:demo_request\", within: 30d}]\n", nil, false},
		{"a named page is a page view", "  signals: [{signal: page_view, at_least: 2}]\n", func(l *lead.Lead) {
			l.Signals = append(l.Signals, lead.Signal{Kind: "page_view:demo", At: now}, lead.Signal{Kind: "page_view", At: now})
		}, true},
		{"the named page itself", "  signals: [{signal: \"page_view:demo\"}]\n", func(l *lead.Lead) {
			l.Signals = append(l.Signals, lead.Signal{Kind: "page_view:demo", At: now})
		}, true},
		{"a plain page view is no named page", "  signals: [{signal: \"page_view:demo\"}]\n", func(l *lead.Lead) {
			l.Signals = append(l.Signals, lead.Signal{Kind: "page_view", At: now})
		}, false},
		{"every signal condition", "  signals: [{signal: pricing_page_view}, {signal: email_click}]\n", nil, false},
		{"active within", "  last_activity: {within: 7d}\n", nil, true},
		{"not active within", "  last_activity: {within: 2d}\n", nil, false},
		{"activity is the last form too", "  last_activity: {within: 2d}\n", func(l *lead.Lead) { l.LastTouch.At = now.Add(-time.Hour) }, true},
		{"inactive for", "  last_activity: {older_than: 2d}\n", nil, true},
		{"not inactive for", "  last_activity: {older_than: 7d}\n", nil, false},
		{"no activity but capture", "  last_activity: {older_than: 30d}\n", func(l *lead.Lead) { l.Signals, l.LastTouch = nil, lead.Attribution{} }, true},
		{"window between", "  last_activity: {older_than: 2d, within: 7d}\n", nil, true},
		{"all together", "  stage: nurturing\n  grade: B\n  temperature: warm\n  campaign: q4-demo\n  variant: b\n  reasons: {any_of: [bad_timing]}\n  signals: [{signal: pricing_page_view, at_least: 2, within: 30d}]\n  last_activity: {within: 7d}\n", nil, true},
		{"all but one", "  stage: nurturing\n  grade: B\n  temperature: hot\n  campaign: q4-demo\n", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := base()
			if c.edit != nil {
				c.edit(&l)
			}
			if got := seg(t, c.conditions).Match(&l, now); got != c.want {
				t.Fatalf("Match = %v, want %v", got, c.want)
			}
		})
	}
}

func TestExportable(t *testing.T) {
	consented := lead.Consent{MarketingOptIn: true, Method: lead.ConsentByConfirmation, ConfirmedAt: now}
	cases := []struct {
		name string
		edit func(*lead.Lead)
		want bool
	}{
		{"confirmed double opt-in", func(l *lead.Lead) {}, true},
		{"single opt-in", func(l *lead.Lead) { l.Consent.Method = lead.ConsentBySingleOptIn }, true},
		{"asked, not confirmed", func(l *lead.Lead) {
			l.Consent = lead.Consent{}
			l.OptIn = &lead.ConsentRequest{ID: "r1", RequestedAt: now}
		}, false},
		{"never asked", func(l *lead.Lead) { l.Consent = lead.Consent{} }, false},
		{"unsubscribed", func(l *lead.Lead) { l.Consent.MarketingOptIn, l.Suppressed = false, "unsubscribe" }, false},
		{"bounced, consent on record", func(l *lead.Lead) { l.Suppressed = "bounce" }, false},
		{"complained", func(l *lead.Lead) { l.Suppressed = "complaint" }, false},
		{"erased", func(l *lead.Lead) { l.Erased, l.Email = true, "" }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := lead.Lead{Submission: lead.Submission{Email: "ana@corp.example", Consent: consented}}
			c.edit(&l)
			if got := Exportable(&l); got != c.want {
				t.Fatalf("Exportable = %v, want %v", got, c.want)
			}
		})
	}
}

func TestHashEmail(t *testing.T) {
	cases := []struct{ in, want string }{
		// sha256("test@example.com")
		{"test@example.com", "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"},
		{"  Test@Example.COM\n", "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"},
		// Gmail's dots and +tags are kept: sha256("jane.doe+ads@gmail.com")
		{"Jane.Doe+ads@gmail.com", "9b06cd4a9bbe4f3904f97ce967b42af140b94b7e11d380cad7b8140863692839"},
	}
	for _, c := range cases {
		if got := HashEmail(c.in); got != c.want {
			t.Errorf("HashEmail(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	// It is the lead's own key for a normalised address.
	norm, _ := lead.NormaliseEmail(" Ana.Ruiz@Corp.Example ")
	if HashEmail(norm) != lead.HashEmail(norm) {
		t.Fatal("HashEmail differs from the lead's email hash")
	}
}

// memLeads and memObjects stand in for DynamoDB and S3 (the integration
// tests in shared/app use the emulators).
type memLeads []lead.Lead

func (m memLeads) ScanLeads(_ context.Context, fn func(lead.Lead) error) error {
	for _, l := range m {
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

type memObjects struct {
	files map[string]string
	fail  string
}

func (m *memObjects) Put(_ context.Context, key, contentType string, body io.ReadSeeker, size int64) error {
	if strings.Contains(key, m.fail) && m.fail != "" {
		return errors.New("put refused")
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if int64(len(b)) != size || contentType != customerlist.ContentType {
		return errors.New("size or content type wrong")
	}
	m.files[key] = string(b)
	return nil
}

type memRuns struct{ runs []Run }

func (m *memRuns) SaveRun(_ context.Context, r Run) error { m.runs = append(m.runs, r); return nil }
func (m *memRuns) Runs(context.Context) ([]Run, error)    { return m.runs, nil }

func person(email string, stage lead.Stage, consent bool, edit func(*lead.Lead)) lead.Lead {
	l := lead.Lead{Submission: lead.Submission{Email: email, Consent: lead.Consent{MarketingOptIn: consent}}, Stage: stage, CreatedAt: now}
	if edit != nil {
		edit(&l)
	}
	return l
}

func TestExportWritesEachSegmentsHashedAddresses(t *testing.T) {
	won, _ := Parse([]byte("version: 1\nid: won\ndescription: w\nconditions:\n  stage: won\n"), "won.yaml")
	all, _ := Parse([]byte("version: 1\nid: all\ndescription: a\nconditions: {}\n"), "all.yaml")
	leads := memLeads{
		person("a@corp.example", lead.StageWon, true, nil),
		person("b@corp.example", lead.StageWon, false, nil),
		person("c@corp.example", lead.StageNurturing, true, nil),
		person("d@corp.example", lead.StageWon, true, func(l *lead.Lead) { l.Suppressed = "bounce" }),
		person("", lead.StageWon, false, func(l *lead.Lead) { l.Erased = true }),
	}
	objs, runs := &memObjects{files: map[string]string{}}, &memRuns{}
	var logs bytes.Buffer
	e := &Exporter{Segments: NewSet(won, all), Leads: leads, Objects: objs, Runs: runs, Clock: func() time.Time { return now },
		TempDir: t.TempDir(), Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	got, err := e.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := HashEmail
	// Each export's files are its own: segments/<id>/<date>-<run>.csv,
	// one run id for all of them.
	if len(got) != 2 {
		t.Fatalf("runs %+v", got)
	}
	run := strings.TrimSuffix(strings.TrimPrefix(got[0].Key, "segments/all/2026-11-16-"), ".csv")
	if len(run) != 26 || got[0].Key != customerlist.Key("all", now, run) {
		t.Fatalf("key %s, want segments/all/2026-11-16-<run id>.csv", got[0].Key)
	}
	allKey, wonKey := "segments/all/2026-11-16-"+run+".csv", "segments/won/2026-11-16-"+run+".csv"
	want := map[string]string{
		wonKey: "Email\n" + h("a@corp.example") + "\n",
		allKey: "Email\n" + h("a@corp.example") + "\n" + h("c@corp.example") + "\n",
	}
	if len(objs.files) != 2 || objs.files[wonKey] != want[wonKey] || objs.files[allKey] != want[allKey] {
		t.Fatalf("files %v, want %v", objs.files, want)
	}
	wantRuns := []Run{{Segment: "all", Matching: 4, Exportable: 2, At: now, Key: allKey},
		{Segment: "won", Matching: 3, Exportable: 1, At: now, Key: wonKey}}
	if !slices.Equal(got, wantRuns) || !slices.Equal(runs.runs, wantRuns) {
		t.Fatalf("runs %+v, recorded %+v, want %+v", got, runs.runs, wantRuns)
	}
	for _, f := range objs.files {
		if strings.Contains(f, "@") {
			t.Fatalf("an address in a file: %s", f)
		}
	}
	if strings.Contains(logs.String(), "@") {
		t.Fatalf("an address in the log: %s", logs.String())
	}

	// A file that cannot be stored keeps its segment's last run; the
	// others are stored.
	objs.fail, runs.runs = "won", nil
	got, err = e.Export(context.Background())
	if err == nil || !strings.Contains(err.Error(), "segment won: put refused") || len(got) != 1 || got[0].Segment != "all" || len(runs.runs) != 1 {
		t.Fatalf("one failed put: runs %+v, error %v", got, err)
	}
	// The same day again: files of its own, the first export's left as they were.
	if got[0].Key == allKey || objs.files[allKey] != want[allKey] || objs.files[got[0].Key] != want[allKey] {
		t.Fatalf("the second export wrote %s; files %v", got[0].Key, objs.files)
	}
}

func TestSummaries(t *testing.T) {
	a, _ := Parse([]byte("version: 1\nid: a\ndescription: first\nconditions: {}\n"), "a.yaml")
	b, _ := Parse([]byte("version: 1\nid: b\ndescription: second\nconditions: {}\n"), "b.yaml")
	got := Summaries(NewSet(b, a), []Run{{Segment: "b", Matching: 5, Exportable: 3, At: now, Key: "segments/b/x.csv"}, {Segment: "gone", Matching: 1}}, "bkt")
	if len(got) != 2 || got[0].ID != "a" || got[0].Matching != nil || got[0].CountedAt != nil ||
		got[1].ID != "b" || *got[1].Matching != 5 || *got[1].Exportable != 3 || !got[1].CountedAt.Equal(now) || got[1].Export != "s3://bkt/segments/b/x.csv" {
		t.Fatalf("summaries %+v", got)
	}
}

// TestDownloadTooLargeForALambdaAnswer: past MaxDownload the route
// answers 413 with the row count and where the full file goes, instead
// of a cut list.
func TestDownloadTooLargeForALambdaAnswer(t *testing.T) {
	all, _ := Parse([]byte("version: 1\nid: all\ndescription: a\nconditions: {}\n"), "all.yaml")
	var leads memLeads
	for i := range 10 {
		leads = append(leads, person(fmt.Sprintf("p%d@corp.example", i), lead.StageNew, true, nil))
	}
	h := &Handler{Bucket: "bkt", MaxDownload: len(customerlist.Header) + 5*65, Log: slog.New(slog.DiscardHandler),
		Exporter: &Exporter{Segments: NewSet(all), Leads: leads, Runs: &memRuns{}, Clock: func() time.Time { return now }}}
	req := httpapi.Request{RouteKey: "GET /reports/segments/{segment}/csv", PathParameters: map[string]string{"segment": "all"}}
	resp, _ := h.Handle(context.Background(), req)
	if resp.StatusCode != 413 || !strings.Contains(resp.Body, `"exportable":10`) || !strings.Contains(resp.Body, "then the file it names in s3://bkt/segments/all/") {
		t.Fatalf("too large: %d %s", resp.StatusCode, resp.Body)
	}
	h.MaxDownload = len(customerlist.Header) + 10*65
	resp, _ = h.Handle(context.Background(), req)
	if resp.StatusCode != 200 || strings.Count(resp.Body, "\n") != 11 {
		t.Fatalf("just fits: %d %s", resp.StatusCode, resp.Body)
	}
}
