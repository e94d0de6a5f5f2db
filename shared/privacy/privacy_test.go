package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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

var t0 = time.Date(2031, 3, 10, 9, 0, 0, 0, time.UTC)

const email = "ann@acme.example"

// ev makes the lead's consent evidence.
var ev = lead.NewEvidence("k1", map[string][]byte{"k1": []byte("privacy-test-evidence-key")})

// newHandler serves export and erasure over a store holding L1 (Ann, two
// timeline events with personal data, a handoff owed to sales, a nurture
// sequence).
func newHandler(t *testing.T, st Store) (*Handler, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	return &Handler{Service: &Service{Store: st, Clock: func() time.Time { return t0 }}, Log: slog.New(slog.NewJSONHandler(logs, nil))}, logs
}

func seed(t *testing.T) *memstore.Store {
	t.Helper()
	st := memstore.New()
	s := lead.Submission{Email: email, Name: "Ann Example", Company: "Acme", Phone: "+49 30 1234567", Message: "call me",
		Answers: map[string]string{"crm": "HubSpot"}, Country: "DE",
		Consent: lead.Consent{MarketingOptIn: true, TextVersion: "v1", At: t0.Add(-time.Hour), IPHash: ev.Hash("203.0.113.9"), UserAgentHash: ev.Hash("Firefox")},
		Source:  lead.Attribution{UTMSource: "google", Campaign: "spring", LandingPage: "https://www.example.com/demo?email=ann@acme.example", At: t0.Add(-time.Hour)}}
	l := lead.New("L1", s)
	l.Stage = lead.StageMQL
	l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: t0.Add(-time.Hour)}
	l.Nurture = &lead.Nurture{Sequence: "cold", Step: "two", NextAt: t0.Add(time.Hour), Sends: []lead.Send{{Sequence: "cold", Step: "one", At: t0}}}
	ch := lead.Change{At: s.Source.At, Events: []lead.Event{lead.SubmissionEvent("e1", lead.EventCaptured, s)},
		Counters: []lead.Counter{{Campaign: "spring", Name: "leads"}}}
	l.Record(&lead.Change{}) // its stage recorded before the test
	if err := st.CreateLead(context.Background(), l, ch, nil); err != nil {
		t.Fatal(err)
	}
	l.Version++
	click := lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: "email_click", ID: "e2", Data: map[string]any{"url": "https://x.example/?e=ann@acme.example"}}}}
	if err := st.Save(context.Background(), l, click); err != nil {
		t.Fatal(err)
	}
	return st
}

func post(route, body string) httpapi.Request {
	r := httpapi.Request{RouteKey: route, Body: body, Headers: map[string]string{"content-type": "application/json"}}
	r.RequestContext.HTTP.Method = http.MethodPost
	r.RequestContext.RequestID = "req-1"
	return r
}

func do(t *testing.T, h *Handler, route, body string) httpapi.Response {
	t.Helper()
	resp, err := h.Handle(context.Background(), post(route, body))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func decode[T any](t *testing.T, resp httpapi.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(resp.Body), &v); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return v
}

func TestExport(t *testing.T) {
	st := seed(t)
	h, logs := newHandler(t, st)
	// The address as the person writes it: matched after normalising.
	resp := do(t, h, "POST /admin/export", `{"email":"  Ann@Acme.Example "}`)
	if resp.StatusCode != http.StatusOK || resp.Headers["Cache-Control"] != "no-store" {
		t.Fatalf("export: %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	ex := decode[Export](t, resp)
	if !ex.Found || ex.Lead == nil || ex.Lead.Email != email || ex.Lead.Phone == "" || len(ex.Timeline) != 2 || ex.Suppressed || ex.EmailHash != lead.HashEmail(email) {
		t.Fatalf("export = %+v", ex)
	}
	if ex.Timeline[1].Data["url"] != "https://x.example/?e=ann@acme.example" {
		t.Fatalf("timeline lacks its data: %+v", ex.Timeline)
	}
	// A submission waiting in the lead's inbox (a burst of posts for the
	// address, not folded in yet) is data held about the person too.
	touch := lead.Touch{ID: "T1", RequestID: "r1", Submission: lead.Submission{Email: email, Name: "Ann Waiting", Message: "still there?",
		Source: lead.Attribution{Campaign: "spring", At: t0}}}
	if err := st.Deposit(context.Background(), "L1", touch, nil); err != nil {
		t.Fatal(err)
	}
	ex = decode[Export](t, do(t, h, "POST /admin/export", `{"email":"`+email+`"}`))
	if len(ex.Inbox) != 1 || ex.Inbox[0].Submission.Name != "Ann Waiting" || ex.Inbox[0].Submission.Message != "still there?" {
		t.Fatalf("export lacks the submission waiting in the inbox: %+v", ex)
	}
	// The log names neither the address nor its hash (anyone could
	// check a guessed address against a plain hash).
	if strings.Contains(logs.String(), "ann@") || strings.Contains(logs.String(), lead.HashEmail(email)) || !strings.Contains(logs.String(), `"status":200`) {
		t.Fatalf("log = %s", logs.String())
	}
	// Nobody by that address: found false, and whether it is suppressed.
	if err := st.SuppressHash(context.Background(), lead.HashEmail("bob@acme.example"), "bounce", t0); err != nil {
		t.Fatal(err)
	}
	for addr, suppressed := range map[string]bool{"nobody@acme.example": false, "bob@acme.example": true} {
		ex := decode[Export](t, do(t, h, "POST /admin/export", `{"email":"`+addr+`"}`))
		if ex.Found || ex.Lead != nil || ex.Timeline != nil || ex.Suppressed != suppressed {
			t.Fatalf("export of %s = %+v", addr, ex)
		}
		// What the suppression list holds about the address is in the
		// export too: why and since when it is not mailed.
		if suppressed && (ex.Suppression == nil || ex.Suppression.Reason != "bounce" || !ex.Suppression.At.Equal(t0)) ||
			!suppressed && ex.Suppression != nil {
			t.Fatalf("export of %s: suppression %+v", addr, ex.Suppression)
		}
	}
}

func TestErase(t *testing.T) {
	st := seed(t)
	h, _ := newHandler(t, st)
	resp := do(t, h, "POST /admin/erase", `{"email":"ann@acme.example"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("erase: %d %s", resp.StatusCode, resp.Body)
	}
	if res := decode[Result](t, resp); res != (Result{EmailHash: lead.HashEmail(email), LeadID: "L1", Erased: true, Events: 2}) {
		t.Fatalf("result = %+v", res)
	}
	// The address leads nowhere and is never mailed again.
	ex := decode[Export](t, do(t, h, "POST /admin/export", `{"email":"ann@acme.example"}`))
	if ex.Found || !ex.Suppressed {
		t.Fatalf("export after erasure = %+v", ex)
	}
	// The lead keeps its anonymous funnel facts, nothing that names Ann.
	l, err := st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(l)
	for _, personal := range []string{"ann", "Ann", "Acme", "1234567", "call me", "HubSpot", ev.Hash("203.0.113.9"), ev.Hash("Firefox"), "example.com/demo"} {
		if strings.Contains(string(raw), personal) {
			t.Errorf("erased lead still holds %q: %s", personal, raw)
		}
	}
	if !l.Erased || l.Stage != lead.StageMQL || l.Campaign() != "spring" || l.Country != "DE" || l.Version != 3 {
		t.Fatalf("erased lead lost its funnel facts: %s", raw)
	}
	// Nothing is owed for an erased person: it leaves the due index.
	if l.Handoff.State != lead.HandoffAnswered || !l.NextDue().IsZero() || len(l.Nurture.Sends) != 0 {
		t.Fatalf("erased lead still due: handoff %+v, nurture %+v", l.Handoff, l.Nurture)
	}
	due, err := st.Due(context.Background(), 0, t0.Add(24*time.Hour), 100)
	for shard := 1; err == nil && shard < memstore.DueShards; shard++ {
		var more []lead.Lead
		more, err = st.Due(context.Background(), shard, t0.Add(24*time.Hour), 100)
		due = append(due, more...)
	}
	if err != nil || len(due) != 0 {
		t.Fatalf("due after erasure: %d leads, %v", len(due), err)
	}
	tl, _ := st.Timeline(context.Background(), "L1")
	// The anonymised events, then the erasure and its opt-out (published
	// as lead.erased) with no personal data.
	if len(tl) != 4 || tl[0].Kind != lead.EventCaptured || tl[0].Data != nil || tl[1].Data != nil ||
		tl[2].Kind != lead.EventErased || tl[3].Kind != lead.EventOptOut || tl[3].Data["reason"] != "erasure" {
		t.Fatalf("timeline after erasure: %+v", tl)
	}
	stats, _ := st.CampaignStats(context.Background(), "spring", t0)
	if stats["leads"] != 1 {
		t.Fatalf("counters after erasure: %v", stats)
	}
	// Run again (after an interruption, or twice by mistake): nothing left.
	if res := decode[Result](t, do(t, h, "POST /admin/erase", `{"email":"ann@acme.example"}`)); res.Erased || res.LeadID != "" {
		t.Fatalf("second erasure = %+v", res)
	}
}

func TestEraseUnknownAddressSuppressesIt(t *testing.T) {
	st := memstore.New()
	h, _ := newHandler(t, st)
	resp := do(t, h, "POST /admin/erase", `{"email":"nobody@acme.example"}`)
	if res := decode[Result](t, resp); resp.StatusCode != http.StatusOK || res.Erased || res.EmailHash != lead.HashEmail("nobody@acme.example") {
		t.Fatalf("erase unknown: %d %+v", resp.StatusCode, res)
	}
	if ok, _ := st.Suppressed(context.Background(), lead.HashEmail("nobody@acme.example")); !ok {
		t.Fatal("an address erased before it arrived is not suppressed")
	}
}

// failing makes the store's erasure fail.
type failing struct {
	*memstore.Store
	err error
}

func (f failing) Erase(context.Context, lead.Lead, []lead.Event, lead.Change, bool) error {
	return f.err
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, route, body string
		eraseErr          error
		status            int
		says              string
	}{
		// Each 400 names the field and the true reason.
		{"not JSON", "POST /admin/export", "email=ann@acme.example", nil, http.StatusBadRequest, `"fields":[{"field":"email","reason":"must be given as a JSON body {\"email\": \"…\"}"}]`},
		{"email not a string", "POST /admin/erase", `{"email":["ann@acme.example"]}`, nil, http.StatusBadRequest, `"fields":[{"field":"email","reason":"must be a string, not an array"}]`},
		{"email a number", "POST /admin/export", `{"email":42}`, nil, http.StatusBadRequest, `"fields":[{"field":"email","reason":"must be a string, not a number"}]`},
		{"no email", "POST /admin/erase", `{"mail":"ann@acme.example"}`, nil, http.StatusBadRequest, `"fields":[{"field":"email","reason":"is required"}]`},
		{"body too large", "POST /admin/erase", `{"email":"` + strings.Repeat("a", 2000) + `@acme.example"}`, nil, http.StatusBadRequest, `"fields":[{"field":"email","reason":"too long: the body holds at most 1024 bytes"}]`},
		{"invalid address", "POST /admin/export", `{"email":"not an address"}`, nil, http.StatusBadRequest, `"fields":[{"field":"email","reason":"is not a valid email address"}]`},
		{"invalid address to erase", "POST /admin/erase", `{"email":"ann@@acme.example"}`, nil, http.StatusBadRequest, `"fields":[{"field":"email","reason":"is not a valid email address"}]`},
		{"unknown route", "POST /admin/forget", `{"email":"ann@acme.example"}`, nil, http.StatusNotFound, "not found"},
		{"concurrent change", "POST /admin/erase", `{"email":"ann@acme.example"}`, lead.ErrVersionConflict, http.StatusConflict, "changed concurrently"},
		{"storage failure", "POST /admin/erase", `{"email":"ann@acme.example"}`, errors.New("dynamodb: throttled"), http.StatusInternalServerError, "run the request again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := seed(t)
			h, _ := newHandler(t, failing{st, tc.eraseErr})
			if tc.eraseErr == nil {
				h, _ = newHandler(t, st)
			}
			resp := do(t, h, tc.route, tc.body)
			if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.says) {
				t.Fatalf("%d %s, want %d saying %q", resp.StatusCode, resp.Body, tc.status, tc.says)
			}
			if strings.Contains(resp.Body, "dynamodb") {
				t.Fatalf("a storage error leaked: %s", resp.Body)
			}
			if l, err := st.Lead(context.Background(), "L1"); err != nil || l.Erased || l.Email != email {
				t.Fatalf("a refused request changed the lead: %+v, %v", l, err)
			}
		})
	}
}

// Nothing goes to sales about an erased person, whatever the state of
// its hand-off: no alert, escalation or held alert stays due (a held one
// would otherwise retry by itself, or be released by its link).
func TestAnonymiseLeavesNothingOwedToSales(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	for _, h := range []lead.Handoff{
		{State: lead.HandoffPending, Since: now},
		{State: lead.HandoffSent, Rep: "ana@example.com", DueBy: now.Add(time.Hour)},
		// Escalated and still unanswered: its accept and reject links (and
		// fresh links to the rep or the team lead) must answer nothing.
		{State: lead.HandoffEscalated, Rep: "ana@example.com", EscalatedTo: "lea@example.com", DueBy: now.Add(-time.Hour),
			Breached: true, ReturnAt: now.Add(29 * 24 * time.Hour)},
		{State: lead.HandoffHeld, Held: &lead.Held{Reason: lead.HeldRecentlyAlerted, SummaryAt: now.Add(time.Hour), RetryAt: now.Add(20 * time.Hour)}},
		{State: lead.HandoffHeld, Held: &lead.Held{Reason: lead.HeldSourceLimit, SummaryAt: now.Add(-time.Hour), Summarised: true}},
	} {
		t.Run(h.State, func(t *testing.T) {
			l := lead.New("L1", lead.Submission{Email: "ann@example.com"})
			l.Stage, l.Handoff = lead.StageMQL, &h
			if l.NextDue().IsZero() && h.Held != nil && !h.Held.Summarised {
				t.Fatal("fixture: nothing due before the erasure")
			}
			out := Anonymise(l, now)
			if due := out.NextDue(); !due.IsZero() || out.OwedToSales() || out.Handoff.State != lead.HandoffAnswered {
				t.Fatalf("erased lead: handoff %s, next due %s", out.Handoff.State, due)
			}
		})
	}
}

// racingErase lets another writer (a tick, a click) change the lead once,
// just before the first erasure is written.
type racingErase struct {
	*memstore.Store
	raced bool
}

func (r *racingErase) Erase(ctx context.Context, l lead.Lead, events []lead.Event, ch lead.Change, suppress bool) error {
	if !r.raced {
		r.raced = true
		if _, err := lead.Update(ctx, r.Store, l.ID, func(o *lead.Lead) (lead.Change, error) {
			o.AddSignal(lead.Signal{Kind: "email_click", At: t0})
			return lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: "email_click", ID: "e3", Data: map[string]any{"url": "https://x.example/?e=ann@acme.example"}}}}, nil
		}); err != nil {
			return err
		}
	}
	return r.Store.Erase(ctx, l, events, ch, suppress)
}

// An erasure is the lead's read-modify-write like any other: a write that
// got in first makes it read and anonymise again (the event that write
// added included), not answer 409.
func TestEraseAfterAConcurrentWrite(t *testing.T) {
	st := seed(t)
	h, _ := newHandler(t, &racingErase{Store: st})
	resp := do(t, h, "POST /admin/erase", `{"email":"ann@acme.example"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("erase after a concurrent write: %d %s", resp.StatusCode, resp.Body)
	}
	if res := decode[Result](t, resp); !res.Erased || res.LeadID != "L1" || res.Events != 3 {
		t.Fatalf("result = %+v, want L1 erased with its 3 events", res)
	}
	l, err := st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	if !l.Erased || l.Email != "" || l.Version != 4 {
		t.Fatalf("lead after erasure: erased %v, email %q, version %d (want 4: seed 2, the click, the erasure)", l.Erased, l.Email, l.Version)
	}
	tl, err := st.Timeline(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tl {
		if e.Data["url"] != nil {
			t.Fatalf("an event keeps personal data after the erasure: %+v", e)
		}
	}
}

// An erased lead's timeline keeps what recounts the funnel: a deal won
// straight from SAL counted an SQL with its won event, and the event
// keeps saying so (the won count and the SQL count both survive the
// erasure); nothing else of its content does.
func TestErasureKeepsTheImpliedSQL(t *testing.T) {
	st := seed(t)
	l, err := st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	l.Version++
	won := lead.Change{At: t0, Events: []lead.Event{{At: t0, Kind: "won", ID: "e3",
		Data: map[string]any{lead.DataSQLImplied: true, "amount": 1200.0, "rep": "ana@example.com"}}}}
	if err := st.Save(context.Background(), l, won); err != nil {
		t.Fatal(err)
	}
	h, _ := newHandler(t, st)
	if resp := do(t, h, "POST /admin/erase", `{"email":"ann@acme.example"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("erase: %d %s", resp.StatusCode, resp.Body)
	}
	tl, err := st.Timeline(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range tl {
		if e.Kind != "won" {
			continue
		}
		found = true
		if implied, _ := e.Data[lead.DataSQLImplied].(bool); !implied || len(e.Data) != 1 {
			t.Errorf("erased won event: %v, want only %s", e.Data, lead.DataSQLImplied)
		}
	}
	if !found {
		t.Fatalf("no won event after erasure: %+v", tl)
	}
}

// files is the export bucket in memory.
type files struct {
	m    map[string]string
	puts []string
	err  error
}

func (f *files) Keys(_ context.Context, prefix string) ([]string, error) {
	var out []string
	for k := range f.m {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, f.err
}

func (f *files) Get(_ context.Context, key string) ([]byte, error) { return []byte(f.m[key]), nil }

func (f *files) Put(_ context.Context, key, contentType string, body io.ReadSeeker, size int64) error {
	b, err := io.ReadAll(body)
	if err != nil || int64(len(b)) != size || contentType != customerlist.ContentType {
		return fmt.Errorf("put %s: %d bytes of %d, %s, %v", key, len(b), size, contentType, err)
	}
	f.m[key], f.puts = string(b), append(f.puts, key)
	return nil
}

// TestEraseUnlistsTheAddressFromSegmentExports: the customer lists the
// segment exports left in the bucket (kept SegmentExportRetentionDays)
// hold the person's hashed address — personal data an ad platform
// matches to them. An erasure takes it out of every file; files without
// it are left alone; run again (after an interruption, when the lead is
// gone already) it still does.
func TestEraseUnlistsTheAddressFromSegmentExports(t *testing.T) {
	if key := customerlist.Key("demo", t0, "01KRUN"); !customerlist.IsList(key) {
		t.Fatalf("the exports write %s; erasure looks for lists under %s", key, customerlist.Prefix)
	}
	ann, bob, cleo := segment.HashEmail(email), segment.HashEmail("bob@acme.example"), segment.HashEmail("cleo@acme.example")
	for _, run := range []string{"lead known", "lead erased before"} {
		t.Run(run, func(t *testing.T) {
			st := seed(t)
			h, _ := newHandler(t, st)
			if run == "lead erased before" {
				do(t, h, "POST /admin/erase", `{"email":"`+email+`"}`)
			}
			bucket := &files{m: map[string]string{
				"segments/demo/2031-03-03.csv":  customerlist.Header + bob + "\n" + ann + "\n" + cleo + "\n",
				"segments/demo/2031-03-10.csv":  customerlist.Header + ann + "\n",
				"segments/other/2031-03-10.csv": customerlist.Header + bob + "\n",
			}}
			h.Service.Exports = bucket
			resp := do(t, h, "POST /admin/erase", `{"email":"Ann@acme.example"}`)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("erase: %d %s", resp.StatusCode, resp.Body)
			}
			want := map[string]string{
				"segments/demo/2031-03-03.csv":  customerlist.Header + bob + "\n" + cleo + "\n",
				"segments/demo/2031-03-10.csv":  customerlist.Header,
				"segments/other/2031-03-10.csv": customerlist.Header + bob + "\n",
			}
			for k, v := range want {
				if bucket.m[k] != v {
					t.Errorf("%s after erasure:\n%q\nwant\n%q", k, bucket.m[k], v)
				}
			}
			if res := decode[Result](t, resp); res.Exports != 2 || len(bucket.puts) != 2 {
				t.Fatalf("result %+v, files written %v: want the two that listed the address", res, bucket.puts)
			}
		})
	}
	// The bucket failing fails the request: run it again.
	st := seed(t)
	h, _ := newHandler(t, st)
	h.Service.Exports = &files{m: map[string]string{}, err: errors.New("s3: throttled")}
	if resp := do(t, h, "POST /admin/erase", `{"email":"`+email+`"}`); resp.StatusCode != http.StatusInternalServerError || !strings.Contains(resp.Body, "run the request again") {
		t.Fatalf("erase with the bucket failing: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestAnonymiseKeepsSignalKindsNotPages: the funnel keeps what kinds of
// interest an erased lead showed, never which pages of the site it read
// (the page paths page views carry for nurture's conditions).
func TestAnonymiseKeepsSignalKindsNotPages(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	l := lead.New("L1", lead.Submission{Email: "ann@example.com"})
	l.Signals = []lead.Signal{{Kind: "page_view", At: now, Key: "k1", Page: "/careers/ann-smith-cv"}, {Kind: "email_click", At: now, Key: "k2"}}
	out := Anonymise(l, now)
	if len(out.Signals) != 2 || out.Signals[0].Kind != "page_view" || out.Signals[1].Kind != "email_click" {
		t.Fatalf("signals %+v: the kinds must stay", out.Signals)
	}
	for _, s := range out.Signals {
		if s.Page != "" {
			t.Fatalf("erased lead keeps the page %q", s.Page)
		}
	}
	if l.Signals[0].Page == "" {
		t.Fatal("Anonymise changed the lead it was given")
	}
}

// TestAnonymiseKeepsNoKeyOfAPageOrLink: a signal's key (lead.DailyKey)
// holds an unkeyed hash of the page or link it was about; anyone with the
// site's page list or the emails' links recomputes it, so keeping it would
// keep which pages the erased person read and which links they clicked,
// on which day. The kinds and times stay.
func TestAnonymiseKeepsNoKeyOfAPageOrLink(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	page, link := "www.example.com/careers/ann-smith-cv", "https://www.example.com/guide?ref=nurture"
	l := lead.New("L1", lead.Submission{Email: "ann@example.com"})
	l.Signals = []lead.Signal{
		{Kind: "page_view", At: now, Key: lead.DailyKey("page_view", page, now), Page: "/careers/ann-smith-cv"},
		{Kind: "email_click", At: now, Key: lead.DailyKey("email_click", link, now)},
	}
	out := Anonymise(l, now)
	if len(out.Signals) != 2 || out.Signals[0].Kind != "page_view" || !out.Signals[1].At.Equal(now) {
		t.Fatalf("signals %+v: kinds and times must stay", out.Signals)
	}
	for i, s := range out.Signals {
		if s.Key != "" {
			t.Errorf("erased lead keeps signal key %q (recomputed from %q)", s.Key, []string{page, link}[i])
		}
	}
	if l.Signals[0].Key == "" {
		t.Fatal("Anonymise changed the lead it was given")
	}
}

// failingReads makes the store's reads of a timeline fail.
type failingReads struct{ *memstore.Store }

func (failingReads) Timeline(context.Context, string) ([]lead.Event, error) {
	return nil, errors.New("dynamodb: throttled")
}

// TestFailedExportSaysSo: a storage failure answers 500 with what
// happened to the request: an export that failed erased nothing, and
// telling the privacy officer "nothing or only part was erased" would
// have them believe an erasure had begun.
func TestFailedExportSaysSo(t *testing.T) {
	st := seed(t)
	h, _ := newHandler(t, failingReads{st})
	resp := do(t, h, "POST /admin/export", `{"email":"`+email+`"}`)
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(resp.Body, "erased") ||
		!strings.Contains(resp.Body, "nothing was exported") || strings.Contains(resp.Body, "dynamodb") {
		t.Fatalf("failed export: %d %s", resp.StatusCode, resp.Body)
	}
	resp = do(t, h, "POST /admin/erase", `{"email":"`+email+`"}`)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(resp.Body, "nothing or only part was erased") {
		t.Fatalf("failed erasure: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestExportNamesTheCustomerListsThatListTheAddress: the segment exports'
// customer lists hold the person's hashed address, which ad platforms
// match to them: data held about the person, given to others. The export
// names each file that lists it (the ones an erasure would rewrite), and
// says when there are none.
func TestExportNamesTheCustomerListsThatListTheAddress(t *testing.T) {
	ann, bob := segment.HashEmail(email), segment.HashEmail("bob@acme.example")
	st := seed(t)
	h, _ := newHandler(t, st)
	bucket := &files{m: map[string]string{
		"segments/demo/2031-03-03.csv":  customerlist.Header + bob + "\n" + ann + "\n",
		"segments/demo/2031-03-10.csv":  customerlist.Header + ann + "\n",
		"segments/other/2031-03-10.csv": customerlist.Header + bob + "\n",
	}}
	h.Service.Exports = bucket
	ex := decode[Export](t, do(t, h, "POST /admin/export", `{"email":"Ann@acme.example"}`))
	if want := []string{"segments/demo/2031-03-03.csv", "segments/demo/2031-03-10.csv"}; !ex.Found || fmt.Sprint(ex.CustomerLists) != fmt.Sprint(want) {
		t.Fatalf("export lists %v, want %v", ex.CustomerLists, want)
	}
	if len(bucket.puts) != 0 {
		t.Fatalf("an export wrote %v", bucket.puts)
	}
	// Nobody by that address, but listed all the same (an export made
	// before an earlier erasure ran again): named too.
	bucket.m["segments/other/2031-03-10.csv"] += segment.HashEmail("gone@acme.example") + "\n"
	if ex := decode[Export](t, do(t, h, "POST /admin/export", `{"email":"gone@acme.example"}`)); ex.Found || fmt.Sprint(ex.CustomerLists) != "[segments/other/2031-03-10.csv]" {
		t.Fatalf("export of an address only a list holds: %+v", ex)
	}
	if resp := do(t, h, "POST /admin/export", `{"email":"nobody@acme.example"}`); strings.Contains(resp.Body, "customer_lists") {
		t.Fatalf("export of an unlisted address: %s", resp.Body)
	}
	// The bucket failing fails the export: nothing held may go unsaid.
	h.Service.Exports = &files{m: map[string]string{}, err: errors.New("s3: throttled")}
	if resp := do(t, h, "POST /admin/export", `{"email":"`+email+`"}`); resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("export with the bucket failing: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestErasedProfileCannotBeFoundByTheAddress: the address's hash is no
// anonymous key — anyone who knows the address computes it. An erased
// profile that kept it (or a suppression entry naming the lead) would let
// them find what the erasure keeps about the person: that the deal was
// won, when, in which campaign and country. The hash stays on the
// suppression list only, which names no lead.
func TestErasedProfileCannotBeFoundByTheAddress(t *testing.T) {
	st := seed(t)
	h, _ := newHandler(t, st)
	if resp := do(t, h, "POST /admin/erase", `{"email":"`+email+`"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("erase: %d %s", resp.StatusCode, resp.Body)
	}
	l, err := st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(l); l.EmailHash != "" || strings.Contains(string(raw), lead.HashEmail(email)) {
		t.Fatalf("the erased profile keeps the address's hash: %s", raw)
	}
	if !l.Erased || l.Campaign() != "spring" {
		t.Fatalf("erased lead lost its funnel facts: %+v", l)
	}
	if reason, _, err := st.Suppression(context.Background(), lead.HashEmail(email)); err != nil || reason != "erasure" {
		t.Fatalf("suppression after erasure: %q %v", reason, err)
	}
}

// closingIn is a context whose deadline the test moves: a Lambda's
// deadline, which comes closer as the request works. Nothing waits on it.
type closingIn struct {
	context.Context
	mu sync.Mutex
	dl time.Time
}

func (c *closingIn) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dl, true
}

func (c *closingIn) set(dl time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dl = dl
}

// nearing is a bucket whose first write brings the deadline within the
// margin: the customer lists after it are not started.
type nearing struct {
	*files
	ctx *closingIn
}

func (n nearing) Put(ctx context.Context, key, contentType string, body io.ReadSeeker, size int64) error {
	n.ctx.set(time.Now().Add(Margin / 3))
	return n.files.Put(ctx, key, contentType, body, size)
}

// TestEraseStopsBeforeItsDeadlineAndFinishesWhenRunAgain: an erasure
// runs behind API Gateway, which answers 503 after 30 s whatever the
// function still does. Near its deadline it starts no new step and says
// it is not finished (what it did, and to run it again); run again, it
// finishes the rest without redoing what was done.
func TestEraseStopsBeforeItsDeadlineAndFinishesWhenRunAgain(t *testing.T) {
	ann, bob := segment.HashEmail(email), segment.HashEmail("bob@acme.example")
	st := seed(t)
	bucket := &files{m: map[string]string{
		"segments/demo/2031-03-03.csv":  customerlist.Header + ann + "\n" + bob + "\n",
		"segments/demo/2031-03-10.csv":  customerlist.Header + ann + "\n",
		"segments/other/2031-03-10.csv": customerlist.Header + bob + "\n" + ann + "\n",
	}}
	ctx := &closingIn{Context: context.Background(), dl: time.Now().Add(time.Hour)}
	svc := &Service{Store: st, Exports: nearing{bucket, ctx}, Clock: func() time.Time { return t0 }}

	res, err := svc.Erase(ctx, email)
	if !errors.Is(err, ErrUnfinished) {
		t.Fatalf("erase near its deadline: %+v, %v; want ErrUnfinished", res, err)
	}
	if !res.Erased || res.LeadID != "L1" || res.Exports != 1 || len(bucket.puts) != 1 {
		t.Fatalf("erase near its deadline: %+v, files written %v; want the lead erased and one list done", res, bucket.puts)
	}
	if _, err := st.LeadByEmail(context.Background(), lead.HashEmail(email)); !errors.Is(err, lead.ErrNotFound) {
		t.Fatalf("the lead is still found by the address: %v", err)
	}
	left := 0
	for _, body := range bucket.m {
		if strings.Contains(body, ann) {
			left++
		}
	}
	if left != 2 {
		t.Fatalf("%d lists still list the address, want the 2 not started", left)
	}

	// Run again with time to spare: the rest, and only the rest.
	res, err = svc.Erase(context.Background(), email)
	if err != nil || res.Exports != 2 || len(bucket.puts) != 3 {
		t.Fatalf("run again: %+v, %v, files written %v; want the 2 lists left", res, err, bucket.puts)
	}
	for k, body := range bucket.m {
		if strings.Contains(body, ann) {
			t.Errorf("%s still lists the address: %q", k, body)
		}
	}

	// Through the handler: a clear answer, not the gateway's bare 503 —
	// what was done, that it is not finished, and to run it again.
	h, _ := newHandler(t, seed(t))
	near, cancel := context.WithDeadline(context.Background(), time.Now().Add(Margin/3))
	defer cancel()
	resp, err := h.Handle(near, post("POST /admin/erase", `{"email":"`+email+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	body := decode[map[string]any](t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable || body["finished"] != false || !strings.Contains(fmt.Sprint(body["error"]), "run the request again") ||
		body["email_hash"] != lead.HashEmail(email) {
		t.Fatalf("erase near its deadline: %d %s", resp.StatusCode, resp.Body)
	}
	resp, err = h.Handle(near, post("POST /admin/export", `{"email":"`+email+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(resp.Body, "nothing was exported") {
		t.Fatalf("export near its deadline: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestExportLeavesOutTimesNeverSet: the person reading their export sees
// no date in the year 1 — a consent never confirmed has no confirmed_at,
// as the published events and make leads leave zero times out.
func TestExportLeavesOutTimesNeverSet(t *testing.T) {
	h, _ := newHandler(t, seed(t))
	resp := do(t, h, "POST /admin/export", `{"email":"`+email+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Body)
	}
	if strings.Contains(resp.Body, "0001-01-01") {
		t.Fatalf("export holds a zero time:\n%s", resp.Body)
	}
	if ex := decode[Export](t, resp); !ex.Found || ex.Lead == nil || ex.Lead.Email != email || ex.Lead.Consent.At.IsZero() {
		t.Fatalf("export = %+v", ex)
	}
}
