package capture_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// now is the handler's clock.
var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newHandler(st capture.Store, logs *bytes.Buffer) *capture.Handler {
	return &capture.Handler{
		Service:     &capture.Service{Store: st, NewID: ids.New},
		CORS:        httpapi.NewCORS("https://www.example.com"),
		ThankYouURL: "https://www.example.com/thanks",
		PageTokens:  capture.NewPageTokens("k1", map[string][]byte{"k1": []byte("page token test key")}),
		Clock:       func() time.Time { return now },
		Log:         slog.New(slog.NewJSONHandler(logs, nil)),
	}
}

func post(contentType, body string, headers ...string) httpapi.Request {
	h := map[string]string{"content-type": contentType}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	r := httpapi.Request{RouteKey: "POST /leads", Headers: h, Body: body}
	r.RequestContext.HTTP.Method = http.MethodPost
	r.RequestContext.RequestID = "req-1"
	return r
}

func TestHandlerResponses(t *testing.T) {
	tests := []struct {
		name     string
		req      httpapi.Request
		status   int
		contains string
		header   [2]string
	}{
		{"json created", post("application/json", `{"email":"a@b.example","name":"Ann"}`), 202, `"status":"received"`, [2]string{}},
		{"form redirects", post("application/x-www-form-urlencoded", "email=a%40b.example&consent=on"), 303, "", [2]string{"Location", "https://www.example.com/thanks"}},
		{"json charset param", post("application/json; charset=utf-8", `{"email":"a@b.example"}`), 202, `"receipt"`, [2]string{}},
		{"too large", post("application/json", `{"message":"`+strings.Repeat("x", capture.MaxBody)+`"}`), 413, "too large", [2]string{}},
		{"unsupported type", post("text/plain", "email=a@b.example"), 415, `"error":"unsupported media type: send application/json or application/x-www-form-urlencoded"`, [2]string{}},
		{"broken json", post("application/json", `{"email":`), 400, "JSON object", [2]string{}},
		{"json array", post("application/json", `[1]`), 400, "JSON object", [2]string{}},
		{"json field errors", post("application/json", `{"email":"nope","country":"Germany","answers":{"q":["x"]}}`), 400, `"field":"answers.q"`, [2]string{}},
		{"form field errors page", post("application/x-www-form-urlencoded", "email=nope", "referer", "https://www.example.com/demo"), 400, `<a href="https://www.example.com/demo">Back to the form</a>`, [2]string{"Content-Type", "text/html; charset=utf-8"}},
		{"foreign origin", post("application/json", `{"email":"a@b.example"}`, "origin", "https://evil.example"), 403, "origin not allowed", [2]string{}},
		{"allowed origin gets cors", post("application/json", `{"email":"a@b.example"}`, "origin", "https://www.example.com"), 202, "", [2]string{"Access-Control-Allow-Origin", "https://www.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			resp, err := newHandler(memstore.New(), &logs).Handle(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			if !strings.Contains(resp.Body, tt.contains) {
				t.Errorf("body %q does not contain %q", resp.Body, tt.contains)
			}
			if tt.header[0] != "" && resp.Headers[tt.header[0]] != tt.header[1] {
				t.Errorf("header %s = %q, want %q", tt.header[0], resp.Headers[tt.header[0]], tt.header[1])
			}
			if n := strings.Count(logs.String(), "\n"); n != 1 {
				t.Errorf("want exactly one log line per request, got %d:\n%s", n, logs.String())
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	r := httpapi.Request{RouteKey: "OPTIONS /leads", Headers: map[string]string{"origin": "https://www.example.com"}}
	r.RequestContext.HTTP.Method = http.MethodOptions
	resp, _ := newHandler(memstore.New(), &bytes.Buffer{}).Handle(context.Background(), r)
	if resp.StatusCode != 204 || !strings.Contains(resp.Headers["Access-Control-Allow-Headers"], "Idempotency-Key") {
		t.Fatalf("preflight = %d %v", resp.StatusCode, resp.Headers)
	}
}

func TestHoneypotLooksLikeSuccessButStoresNothing(t *testing.T) {
	st := memstore.New()
	h := newHandler(st, &bytes.Buffer{})
	resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=bot%40spam.example&fax=555-1234"))
	if resp.StatusCode != 303 {
		t.Fatalf("status = %d, want the normal 303", resp.StatusCode)
	}
	if n, b := len(st.Leads()), bots(t, st, now); n != 0 || b != 1 {
		t.Fatalf("leads=%d bots=%d, want 0 and 1", n, b)
	}
}

// A honeypot hit is answered as the same post without it: a body a
// person would get 400 for gets 400 with the same fields, or a bot
// learns which field is the trap by posting an invalid address with each
// field filled in turn (the trap alone answered 202).
func TestHoneypotInvalidPostIsRefusedAsAPersonsIs(t *testing.T) {
	for _, c := range []struct{ media, person, bot string }{
		{"application/json", `{"email":"not-an-address"}`, `{"email":"not-an-address","fax":"555-1234"}`},
		{"application/json", `{"email":"bot@spam.example","website":"x"}`, `{"email":"bot@spam.example","website":"x","fax":"1"}`},
		{"application/x-www-form-urlencoded", "email=not-an-address", "email=not-an-address&fax=555-1234"},
	} {
		st := memstore.New()
		h := newHandler(st, &bytes.Buffer{})
		person, _ := h.Handle(context.Background(), post(c.media, c.person))
		bot, _ := h.Handle(context.Background(), post(c.media, c.bot))
		if person.StatusCode != 400 || bot.StatusCode != person.StatusCode {
			t.Errorf("%s: person %d, bot %d: want the same 400", c.bot, person.StatusCode, bot.StatusCode)
		}
		if c.media == "application/json" && bot.StatusCode == 400 && strings.Contains(person.Body, `"fields"`) &&
			person.Body[:strings.Index(person.Body, `"request_id"`)] != bot.Body[:strings.Index(bot.Body, `"request_id"`)] {
			t.Errorf("%s: bodies differ:\n%s\n%s", c.bot, person.Body, bot.Body)
		}
		if n := len(st.Leads()); n != 0 {
			t.Errorf("%s: %d leads stored", c.bot, n)
		}
	}
}

// A honeypot hit replayed with its key is answered as a person's post is:
// the same answer byte for byte, 409 for the key with another body, and
// counted once — a bot cannot tell from replays that it was caught.
func TestHoneypotReplayIsAnsweredAsAPersonsIs(t *testing.T) {
	st := memstore.New()
	h := newHandler(st, &bytes.Buffer{})
	body := `{"email":"bot@spam.example","fax":"555-1234"}`
	first, _ := h.Handle(context.Background(), post("application/json", body, "idempotency-key", "b-1"))
	again, _ := h.Handle(context.Background(), post("application/json", body, "idempotency-key", "b-1"))
	if first.StatusCode != 202 || again.StatusCode != 202 || again.Body != first.Body {
		t.Fatalf("first=%d %s, again=%d %s: want the same answer byte for byte", first.StatusCode, first.Body, again.StatusCode, again.Body)
	}
	other, _ := h.Handle(context.Background(), post("application/json", `{"email":"bot@spam.example","fax":"555-9999"}`, "idempotency-key", "b-1"))
	if other.StatusCode != 409 {
		t.Fatalf("reused key with another body = %d, want 409 as for a person's post", other.StatusCode)
	}
	if n, b := len(st.Leads()), bots(t, st, now); n != 0 || b != 1 {
		t.Fatalf("leads=%d bots=%d, want 0 and 1", n, b)
	}
}

func TestIdempotencyKey(t *testing.T) {
	st := memstore.New()
	h := newHandler(st, &bytes.Buffer{})
	body := `{"email":"a@b.example","name":"Ann"}`
	first, _ := h.Handle(context.Background(), post("application/json", body, "idempotency-key", "k-1"))
	again, _ := h.Handle(context.Background(), post("application/json", body, "idempotency-key", "k-1"))
	if first.StatusCode != 202 || again.StatusCode != 202 || again.Body != first.Body {
		t.Fatalf("first=%d %s, again=%d %s: want the same answer byte for byte", first.StatusCode, first.Body, again.StatusCode, again.Body)
	}
	id := onlyLead(t, st).ID
	if len(st.Leads()) != 1 || len(timeline(t, st, id)) != 1 {
		t.Fatalf("replay created a second write: leads %d, events %d", len(st.Leads()), len(timeline(t, st, id)))
	}
	other, _ := h.Handle(context.Background(), post("application/json", `{"email":"a@b.example","name":"Bob"}`, "idempotency-key", "k-1"))
	if other.StatusCode != 409 {
		t.Fatalf("reused key with another body = %d, want 409", other.StatusCode)
	}
	form, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=c%40d.example&_idem=f-1"))
	form2, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=c%40d.example&_idem=f-1"))
	if form.StatusCode != 303 || form2.StatusCode != 303 || len(st.Leads()) != 2 {
		t.Fatalf("form replay: %d %d leads=%d", form.StatusCode, form2.StatusCode, len(st.Leads()))
	}
}

// TestIdempotencyRecordHoldsNoPlainHashOfTheBody: the body a record
// keeps is keyed with the request's key (which is never stored), not a
// plain SHA-256 anyone who knows the address can rebuild for a form's
// body; a record stored before, with the plain hash, is still replayed.
func TestIdempotencyRecordHoldsNoPlainHashOfTheBody(t *testing.T) {
	st := memstore.New()
	h := newHandler(st, &bytes.Buffer{})
	body := `{"email":"ann@b.example","consent":true}`
	plain := sha256.Sum256([]byte(body))
	if r, _ := h.Handle(context.Background(), post("application/json", body, "idempotency-key", "k-new")); r.StatusCode != 202 {
		t.Fatalf("first post: %d %s", r.StatusCode, r.Body)
	}
	key := sha256.Sum256([]byte("k-new"))
	rec, err := st.Idempotent(context.Background(), hex.EncodeToString(key[:]))
	if err != nil || rec.BodyHash == "" || strings.Contains(rec.BodyHash, hex.EncodeToString(plain[:])) {
		t.Fatalf("record %+v (%v): its body hash must not be the body's plain SHA-256", rec, err)
	}

	old := sha256.Sum256([]byte("k-old"))
	if err := st.CountBot(context.Background(), "c", now, &capture.Idempotency{Key: hex.EncodeToString(old[:]),
		BodyHash: hex.EncodeToString(plain[:]), Receipt: "r-old", Outcome: capture.Bot, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	again, _ := h.Handle(context.Background(), post("application/json", body, "idempotency-key", "k-old"))
	if again.StatusCode != 202 || !strings.Contains(again.Body, "r-old") {
		t.Fatalf("replay of a record stored with the plain hash: %d %s", again.StatusCode, again.Body)
	}
	if other, _ := h.Handle(context.Background(), post("application/json", `{"email":"bob@b.example"}`, "idempotency-key", "k-old")); other.StatusCode != 409 {
		t.Fatalf("another body under the old record's key: %d", other.StatusCode)
	}
}

func TestResubmissionMerges(t *testing.T) {
	st := memstore.New()
	h := newHandler(st, &bytes.Buffer{})
	r1, _ := h.Handle(context.Background(), post("application/json", `{"email":"A@B.example","utm_source":"google"}`))
	r2, _ := h.Handle(context.Background(), post("application/json", `{"email":"a@b.example","utm_source":"linkedin"}`))
	var a, b receiptBody
	_ = json.Unmarshal([]byte(r1.Body), &a)
	_ = json.Unmarshal([]byte(r2.Body), &b)
	if r1.StatusCode != r2.StatusCode || a.Status != b.Status || a.Receipt == b.Receipt || len(st.Leads()) != 1 {
		t.Fatalf("a new and a known address must look alike: %d %s / %d %s (leads %d)", r1.StatusCode, r1.Body, r2.StatusCode, r2.Body, len(st.Leads()))
	}
	l := onlyLead(t, st)
	if l.FirstTouch.UTMSource != "google" || l.LastTouch.UTMSource != "linkedin" || l.Touches != 2 || len(timeline(t, st, l.ID)) != 2 {
		t.Fatalf("merged lead = %+v", l)
	}
}

func TestConcurrentSameEmailMakesOneLead(t *testing.T) {
	st := memstore.New()
	h := newHandler(st, &bytes.Buffer{})
	var wg sync.WaitGroup
	for i := 0; i < 25; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := h.Handle(context.Background(), post("application/json", `{"email":"same@b.example"}`))
			if resp.StatusCode != 202 {
				t.Errorf("status %d: %s", resp.StatusCode, resp.Body)
			}
		}()
	}
	wg.Wait()
	if len(st.Leads()) != 1 {
		t.Fatalf("leads = %d, want 1", len(st.Leads()))
	}
	for _, l := range st.Leads() {
		if l.Touches != 25 {
			t.Fatalf("touches = %d, want 25", l.Touches)
		}
	}
}

type receiptBody struct{ Status, Receipt string }

// onlyLead is the one lead the store holds.
func onlyLead(t *testing.T, st *memstore.Store) lead.Lead {
	t.Helper()
	if len(st.Leads()) != 1 {
		t.Fatalf("leads = %d, want 1", len(st.Leads()))
	}
	return st.Leads()[0]
}

// A submission whose creation keeps losing past its retries, with no lead
// to leave it with (no other request created one), creates the lead
// itself from the deposit's loop: answered 2xx and stored, never a 500.
func TestCreationLostPastTheRetriesStillStoresTheLead(t *testing.T) {
	lose := lead.Retries.Attempts + 3
	st := losingStore{Store: memstore.New(), lose: &lose}
	resp, err := newHandler(st, &bytes.Buffer{}).Handle(context.Background(), post("application/json", `{"email":"burst@acme.example","name":"Ann"}`))
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("resp = %d %s, %v", resp.StatusCode, resp.Body, err)
	}
	if lose != 0 || len(st.Leads()) != 1 || st.Leads()[0].EmailHash != lead.HashEmail("burst@acme.example") {
		t.Fatalf("losses left %d, leads %d", lose, len(st.Leads()))
	}
}

// A submission whose lead keeps losing races when the function's
// deadline is near starts no further attempt: it is kept in the lead's
// inbox and answered 2xx, instead of looping until Lambda kills the
// request (a 5xx, and the touch perhaps never stored).
func TestNearTheDeadlineASubmissionIsKeptAndAnswered(t *testing.T) {
	st := &contendedStore{Store: memstore.New()}
	h := newHandler(st, &bytes.Buffer{})
	if resp, err := h.Handle(context.Background(), post("application/json", `{"email":"late@acme.example","name":"Ann"}`)); err != nil || resp.StatusCode != 202 {
		t.Fatalf("first post = %d %s, %v", resp.StatusCode, resp.Body, err)
	}
	st.contended = true
	// A Lambda's context: its deadline closer than the reserve. It never
	// ends (nothing here waits for it): a real 1 s timeout also ended the
	// back-off sleeps, and a loaded machine that took that long to reach
	// them turned the answer into a 500.
	ctx := deadlineOnly{Context: context.Background(), at: time.Now().Add(capture.DeadlineReserve / 3)}
	resp, err := h.Handle(ctx, post("application/json", `{"email":"late@acme.example","name":"Ann Lee"}`))
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("contended post near the deadline = %d %s, %v", resp.StatusCode, resp.Body, err)
	}
	// The capture's own write and one fold, each tried once: no loop.
	if st.saves != 2 {
		t.Fatalf("%d lead writes tried near the deadline, want 2 (one per loop)", st.saves)
	}
	inbox, err := st.Inbox(context.Background(), st.Leads()[0].ID, 10)
	if err != nil || len(inbox) != 1 || inbox[0].Submission.Name != "Ann Lee" {
		t.Fatalf("inbox = %+v, %v; want the second touch kept", inbox, err)
	}
}

// hotOnResubmission makes a lead owed to sales on its second touch.
type hotOnResubmission struct{}

func (hotOnResubmission) Qualify(l *lead.Lead, now time.Time) lead.Change {
	if l.Touches > 1 && l.Handoff == nil {
		l.Stage, l.Handoff = lead.StageMQL, &lead.Handoff{State: lead.HandoffPending, Since: now}
	}
	return lead.Change{}
}

// Near the deadline a capture leaves the alert its lead is owed to the
// schedule (the lead stays due) instead of sending it in the request.
func TestNearTheDeadlineTheAlertIsLeftToTheSchedule(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ctx       func() (context.Context, context.CancelFunc)
		wantAlert bool
	}{
		{"time left", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Hour)
		}, true},
		{"near the deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), capture.FollowUpReserve/2)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.New()
			var logs bytes.Buffer
			h := newHandler(st, &logs)
			alerts := 0
			h.Service.Qualify = hotOnResubmission{}
			h.Service.HandOff = func(context.Context, lead.Lead, string, string) (lead.Outcome, error) { alerts++; return "sent", nil }
			if r, _ := h.Handle(context.Background(), post("application/json", `{"email":"hot@acme.example"}`)); r.StatusCode != 202 {
				t.Fatalf("first post: %d", r.StatusCode)
			}
			ctx, cancel := tc.ctx()
			defer cancel()
			if r, err := h.Handle(ctx, post("application/json", `{"email":"hot@acme.example","name":"Ann"}`)); err != nil || r.StatusCode != 202 {
				t.Fatalf("second post: %d, %v", r.StatusCode, err)
			}
			l := onlyLead(t, st)
			if (alerts == 1) != tc.wantAlert || !l.OwedToSales() || l.NextDue().IsZero() {
				t.Fatalf("alerts sent in the request %d (want %v); lead owed to sales %v, due %v", alerts, tc.wantAlert, l.OwedToSales(), l.NextDue())
			}
			if !tc.wantAlert && !strings.Contains(logs.String(), `"handoff":"left_to_schedule"`) {
				t.Fatalf("the log does not say the alert was left to the schedule:\n%s", logs.String())
			}
		})
	}
}

func TestStorageErrorIs500WithRequestIDAndNoEmailInLogs(t *testing.T) {
	st := failingStore{Store: memstore.New(), err: errors.New("dynamodb: service unavailable")}
	var logs bytes.Buffer
	resp, _ := newHandler(st, &logs).Handle(context.Background(), post("application/json", `{"email":"secret.person@b.example"}`))
	if resp.StatusCode != 500 || !strings.Contains(resp.Body, `"request_id":"req-1"`) || strings.Contains(resp.Body, "dynamodb") {
		t.Fatalf("resp = %d %s", resp.StatusCode, resp.Body)
	}
	// A write cut off by its deadline or the network may have committed:
	// the answer cannot say the lead was not stored, only that a retry
	// with the same key is safe.
	if !strings.Contains(resp.Body, "may not have been stored") || !strings.Contains(resp.Body, "same Idempotency-Key") || strings.Contains(resp.Body, "was not stored") {
		t.Fatalf("the 500 does not say the lead may be stored and a retry with its key is safe: %s", resp.Body)
	}
	if strings.Contains(logs.String(), "secret.person") {
		t.Fatalf("raw email in logs: %s", logs.String())
	}
	if strings.Contains(logs.String(), lead.HashEmail("secret.person@b.example")) || !strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Fatalf("log line holds the address's hash, or lacks its level: %s", logs.String())
	}
}

// A JSON body posted as a form arrives as one field named after the whole
// body; the client's 400 names it (the client sent it), the log must not.
func TestRefusedFieldsAreLoggedWithoutWhatTheClientSent(t *testing.T) {
	for _, tt := range []struct{ name, contentType, body string }{
		{"json posted as a form", "application/x-www-form-urlencoded", `{"email":"ann.lee@acme.example","phone":"+49 151 2345678"}`},
		{"unknown json field", "application/json", `{"email":"ann.lee@acme.example","ann.lee@acme.example":"+49 151 2345678"}`},
		{"bad answer key", "application/json", `{"email":"ann.lee@acme.example","answers":{"+49 151 2345678":"x"}}`},
		{"unknown field with a value", "application/x-www-form-urlencoded", "email=ann.lee%40acme.example&mobile=%2B49+151+2345678"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			resp, err := newHandler(memstore.New(), &logs).Handle(context.Background(), post(tt.contentType, tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, resp.Body)
			}
			for _, leak := range []string{"ann.lee", "acme.example", "2345678", "mobile"} {
				if strings.Contains(logs.String(), leak) {
					t.Errorf("log carries %q: %s", leak, logs.String())
				}
			}
			if !strings.Contains(logs.String(), `unknown(`) {
				t.Errorf("log does not say which (hashed) field was refused: %s", logs.String())
			}
		})
	}
}

// A visitor who sent the form, went back, corrected an answer and sent
// it again sent a new submission with the page's token: it is stored
// (merged into the lead) and lands on the thank-you page, not on a 409
// page about an idempotency key. The same answers again (a double click,
// a re-post) still store nothing twice.
func TestFormResentWithChangedAnswersAfterBackIsStored(t *testing.T) {
	st := memstore.New()
	h := newHandler(st, &bytes.Buffer{})
	first, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=ann%40acme.example&company=Acme&_idem=page-1"))
	changed, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=ann%40acme.example&company=Acme+Corp&_idem=page-1"))
	again, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=ann%40acme.example&company=Acme+Corp&_idem=page-1"))
	if first.StatusCode != 303 || changed.StatusCode != 303 || again.StatusCode != 303 {
		t.Fatalf("statuses %d %d %d, want 303 each (changed: %s)", first.StatusCode, changed.StatusCode, again.StatusCode, changed.Body)
	}
	l := onlyLead(t, st)
	if n := len(timeline(t, st, l.ID)); n != 2 {
		t.Fatalf("%d touches, want 2: the first post and the corrected one, the repeat of it not again", n)
	}
	if l.Company != "Acme Corp" {
		t.Fatalf("company = %q, want the corrected Acme Corp", l.Company)
	}
}

// A visitor who writes the longest message a form takes (its maxlength
// is the API's 5000 characters) in Japanese, or with emoji, posts it:
// a browser percent-encodes each of those characters' 3 or 4 UTF-8
// bytes, 9 to 12 bytes a character, and the API used to refuse the post
// as "request body too large: limit is 16384 bytes" past about 1,800.
func TestFormWithTheLongestMessageInAnyScriptIsAccepted(t *testing.T) {
	for _, msg := range []string{strings.Repeat("日本語のメッセージ", 555), strings.Repeat("🚀", 2500)} {
		st := memstore.New()
		h := newHandler(st, &bytes.Buffer{})
		body := url.Values{"email": {"ann@acme.example"}, "name": {"山田 花子"}, "message": {msg}, "_idem": {"page-1"}}.Encode()
		resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", body))
		if resp.StatusCode != 303 {
			t.Errorf("%d bytes posted: status %d, want 303", len(body), resp.StatusCode)
		}
	}
}

// A form post past the body limit (a page of the owner's that lets a box
// take more than the API does) gets a page a visitor can act on, not
// the developer's "request body too large: limit is … bytes"; the JSON
// API keeps saying the limit.
func TestFormTooLargeSaysWhatToDo(t *testing.T) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	body := url.Values{"email": {"ann@acme.example"}, "message": {strings.Repeat("x", capture.MaxBody)}}.Encode()
	resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", body))
	if resp.StatusCode != 413 || strings.Contains(resp.Body, "bytes") || !strings.Contains(resp.Body, "too long to send") {
		t.Errorf("form: %d\n%s", resp.StatusCode, resp.Body)
	}
	resp, _ = h.Handle(context.Background(), post("application/json", `{"message":"`+strings.Repeat("x", capture.MaxBody)+`"}`))
	if resp.StatusCode != 413 || !strings.Contains(resp.Body, "bytes") {
		t.Errorf("JSON: %d %s", resp.StatusCode, resp.Body)
	}
}

// The error page's link opens the form afresh, without what the visitor
// typed; the page says the browser's Back button keeps the answers, so
// nobody retypes a long message for a typo in the email.
func TestFormErrorPageSaysBackKeepsTheAnswers(t *testing.T) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=nope&message=a+long+message", "referer", "https://www.example.com/demo"))
	if resp.StatusCode != 400 || !strings.Contains(resp.Body, "Back button") || !strings.Contains(resp.Body, `<a href="https://www.example.com/demo">Back to the form</a>`) {
		t.Errorf("%d\n%s", resp.StatusCode, resp.Body)
	}
}

// TestFormPostsNotStoredGetAPage: a person whose plain HTML form was not
// stored — posted from a site ALLOWED_ORIGINS does not list (a new domain,
// www. missing), or while the database is down — reads a page saying so
// and what to do, with the reference support asks for; not a JSON object
// with "origin not allowed" or "internal error" in it, and not the page
// that asks to check answers that were fine. JSON clients keep JSON.
func TestFormPostsNotStoredGetAPage(t *testing.T) {
	body := "email=ann%40acme.example&campaign=q4-demo"
	for _, tt := range []struct {
		name   string
		st     capture.Store
		req    httpapi.Request
		status int
		says   []string
	}{
		{"site not allowed", memstore.New(), post("application/x-www-form-urlencoded", body, "origin", "https://other.example", "referer", "https://other.example/demo"),
			403, []string{"<title>Your form was not sent</title>", "not set up to send", "req-1"}},
		{"database down", failingStore{Store: memstore.New(), err: errors.New("dynamodb: service unavailable")},
			post("application/x-www-form-urlencoded", body, "referer", "https://www.example.com/demo"),
			500, []string{"<title>Your form was not sent</title>", "Your answers may not have been stored", "send the form again", "never stored twice", "req-1",
				`<a href="https://www.example.com/demo">Back to the form</a>`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := newHandler(tt.st, &bytes.Buffer{}).Handle(context.Background(), tt.req)
			if resp.StatusCode != tt.status || resp.Headers["Content-Type"] != "text/html; charset=utf-8" {
				t.Fatalf("%d %s, want %d and a page:\n%s", resp.StatusCode, resp.Headers["Content-Type"], tt.status, resp.Body)
			}
			for _, want := range tt.says {
				if !strings.Contains(resp.Body, want) {
					t.Errorf("the page lacks %q:\n%s", want, resp.Body)
				}
			}
			for _, bad := range []string{"Please check the form", "dynamodb", "origin not allowed", "internal error"} {
				if strings.Contains(resp.Body, bad) {
					t.Errorf("the page says %q:\n%s", bad, resp.Body)
				}
			}
		})
	}
}
