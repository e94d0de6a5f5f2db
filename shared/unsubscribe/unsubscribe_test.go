package unsubscribe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/token"
)

var t0 = time.Date(2031, 3, 10, 9, 0, 0, 0, time.UTC)

type fixture struct {
	h    *Handler
	st   *memstore.Store
	keys token.Keys
	logs *bytes.Buffer
	now  time.Time
}

// newFixture stores L1, a consenting lead in a nurture sequence, at stage.
func newFixture(t *testing.T, stage lead.Stage) *fixture {
	t.Helper()
	keys, err := token.ParseKeys("k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: memstore.New(), keys: keys, logs: &bytes.Buffer{}, now: t0}
	var ids atomic.Int64
	f.h = &Handler{Store: f.st, Keys: keys, Evidence: lead.NewEvidence(keys.Derive(lead.EvidenceLabel)), Clock: func() time.Time { return f.now },
		NewID: func(time.Time) string { return fmt.Sprint("e", ids.Add(1)) }, Log: slog.New(slog.NewJSONHandler(f.logs, nil))}
	l := lead.New("L1", lead.Submission{Email: "ann@acme.example", Consent: lead.Consent{MarketingOptIn: true, TextVersion: "v1", At: t0.Add(-time.Hour)},
		Source: lead.Attribution{Campaign: "spring", At: t0.Add(-time.Hour)}})
	l.Stage = stage
	l.Nurture = &lead.Nurture{Sequence: "cold", Step: "two", NextAt: t0.Add(24 * time.Hour)}
	l.Record(&lead.Change{}) // stored at this stage before the test
	if err := f.st.CreateLead(context.Background(), l, lead.Change{At: l.CreatedAt}, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

// tok is the token of the unsubscribe link in an email sent at sent.
func (f *fixture) tok(leadID string, sent time.Time) string {
	u := links.Unsubscribe(f.keys, "https://leads.example.com", leadID, sent)
	return u[strings.LastIndex(u, "/")+1:]
}

func (f *fixture) do(t *testing.T, method, tok, body string) httpapi.Response {
	t.Helper()
	f.logs.Reset()
	req := httpapi.Request{RouteKey: method + " /unsubscribe/{token}", PathParameters: map[string]string{"token": tok}, Body: body,
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded", "user-agent": "Mail/1.0"}}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.HTTP.SourceIP = "198.51.100.7"
	req.RequestContext.RequestID = "req-1"
	resp, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// outcome is the outcome the request's log line names.
func (f *fixture) outcome(t *testing.T) string {
	t.Helper()
	var line struct{ Outcome string }
	if err := json.Unmarshal(f.logs.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", f.logs.String(), err)
	}
	return line.Outcome
}

func (f *fixture) lead(t *testing.T) lead.Lead {
	t.Helper()
	l, err := f.st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// state is what an unsubscribe changes: suppression, stage, consent,
// nurture, events and the counter.
type state struct {
	suppressed bool
	version    int
	stage      lead.Stage
	optIn      bool
	inNurture  bool
	events     int
	counted    int64
}

func (f *fixture) state(t *testing.T) state {
	t.Helper()
	l := f.lead(t)
	sup, _ := f.st.Suppressed(context.Background(), l.EmailHash)
	tl, _ := f.st.Timeline(context.Background(), "L1")
	tl = slices.DeleteFunc(tl, func(e lead.Event) bool { return lead.IsLifecycle(e.Kind) })
	stats, _ := f.st.CampaignStats(context.Background(), "spring", t0)
	return state{sup, l.Version, l.Stage, l.Consent.MarketingOptIn, !l.Nurture.NextAt.IsZero(), len(tl), stats["unsubscribes"]}
}

var untouched = state{suppressed: false, version: 1, stage: lead.StageNurturing, optIn: true, inNurture: true, events: 0, counted: 0}

func TestOneClickUnsubscribesOnce(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	tok := f.tok("L1", t0.Add(-time.Hour))
	resp := f.do(t, http.MethodPost, tok, "List-Unsubscribe=One-Click")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "You are unsubscribed") || f.outcome(t) != "unsubscribed" {
		t.Fatalf("one-click: %d %q\n%s", resp.StatusCode, f.outcome(t), resp.Body)
	}
	want := state{suppressed: true, version: 2, stage: lead.StageUnsubscribed, optIn: false, inNurture: false, events: 1, counted: 1}
	if got := f.state(t); got != want {
		t.Fatalf("after unsubscribing: %+v, want %+v", got, want)
	}
	l := f.lead(t)
	tl, _ := f.st.Timeline(context.Background(), "L1")
	if c := l.Consent; c.TextVersion != "unsubscribe" || !c.At.Equal(t0) || c.IPHash != f.h.Evidence.Hash("198.51.100.7") || c.UserAgentHash != f.h.Evidence.Hash("Mail/1.0") || !strings.HasPrefix(c.IPHash, "k1:") || len(l.Consents) != 2 {
		t.Fatalf("consent record = %+v (history %d)", c, len(l.Consents))
	}
	// The unsubscribe and, for the bus, one opt-out (lead.unsubscribed).
	if len(tl) != 2 || tl[0].Kind != lead.EventOptOut || tl[0].Data["reason"] != "unsubscribe" ||
		tl[1].Kind != "unsubscribed" || tl[1].Data["one_click"] != true || l.Nurture.ExitReason != "unsubscribed" {
		t.Fatalf("events %+v, nurture %+v", tl, l.Nurture)
	}
	// Again (the mail client retries, or the person clicks twice): the
	// same page, nothing written twice.
	resp = f.do(t, http.MethodPost, tok, "List-Unsubscribe=One-Click")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "You are unsubscribed") || f.outcome(t) != "already_unsubscribed" {
		t.Fatalf("second time: %d %q", resp.StatusCode, f.outcome(t))
	}
	if got := f.state(t); got != want {
		t.Fatalf("after the second unsubscribe: %+v, want %+v", got, want)
	}
}

func TestConfirmButtonIsNotOneClick(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	if resp := f.do(t, http.MethodPost, f.tok("L1", t0), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST from the page: %d", resp.StatusCode)
	}
	tl, _ := f.st.Timeline(context.Background(), "L1")
	tl = slices.DeleteFunc(tl, func(e lead.Event) bool { return lead.IsLifecycle(e.Kind) })
	if len(tl) != 1 || tl[0].Data["one_click"] != false {
		t.Fatalf("events = %+v, want one with one_click false", tl)
	}
}

func TestGetShowsTheConfirmPageAndChangesNothing(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	resp := f.do(t, http.MethodGet, f.tok("L1", t0), "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "Unsubscribe from our emails?") || !strings.Contains(resp.Body, `<form method="post">`) {
		t.Fatalf("GET: %d\n%s", resp.StatusCode, resp.Body)
	}
	// It promises nothing the product does not do: an unsubscribed
	// address stays unsubscribed (no form or link undoes it).
	if strings.Contains(resp.Body, "undone") || !strings.Contains(resp.Body, "for good") {
		t.Fatalf("GET page says what unsubscribing does wrongly:\n%s", resp.Body)
	}
	if got := f.state(t); got != untouched {
		t.Fatalf("GET changed %+v, want %+v", got, untouched)
	}
}

func TestLinksThatAreNotValid(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	good := f.tok("L1", t0)
	other, _ := token.ParseKeys("k2:abcdefabcdefabcdefab")
	for _, tc := range []struct{ name, tok string }{
		{"tampered", good[:len(good)-4] + "AAAA"},
		{"a click token", f.keys.Sign(token.Claims{Action: links.ActionClick, Subject: "L1", Extra: "https://x.example/", Expires: t0.Add(time.Hour)})},
		{"a feedback token", links.FeedbackToken(f.keys, "L1", links.ActionAccept, "", time.Time{}, t0.Add(time.Hour))},
		{"another key", other.Sign(token.Claims{Action: links.ActionUnsubscribe, Subject: "L1", Expires: t0.Add(time.Hour)})},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				resp := f.do(t, method, tc.tok, "List-Unsubscribe=One-Click")
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "This link is not valid") {
					t.Fatalf("%s: %d, want 403:\n%s", method, resp.StatusCode, resp.Body)
				}
				// Replies go to the sender address, which the product does
				// not read (a mailto opt-out is offered only when
				// UnsubscribeMailbox names a mailbox someone processes): an
				// opt-out sent there would be silently missed.
				if strings.Contains(strings.ToLower(resp.Body), "reply") {
					t.Fatalf("%s: the page sends people to opt out by replying:\n%s", method, resp.Body)
				}
			}
			if got := f.state(t); got != untouched {
				t.Fatalf("a refused link changed %+v", got)
			}
		})
	}
}

// An opt-out is never refused: an expired link still unsubscribes.
func TestExpiredLinkStillUnsubscribes(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	tok := f.tok("L1", t0.Add(-links.UnsubscribeTTL-time.Hour))
	if resp := f.do(t, http.MethodPost, tok, "List-Unsubscribe=One-Click"); resp.StatusCode != http.StatusOK || f.outcome(t) != "unsubscribed" {
		t.Fatalf("expired link: %d %q", resp.StatusCode, f.outcome(t))
	}
	if !f.state(t).suppressed {
		t.Fatal("not suppressed")
	}
}

// Sales owns the stage of a lead it accepted; the address is suppressed
// all the same.
func TestSalesStageIsKept(t *testing.T) {
	f := newFixture(t, lead.StageSAL)
	if resp := f.do(t, http.MethodPost, f.tok("L1", t0), "List-Unsubscribe=One-Click"); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := f.state(t); !got.suppressed || got.stage != lead.StageSAL || got.optIn || got.inNurture {
		t.Fatalf("state = %+v", got)
	}
}

func TestUnknownLead(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	resp := f.do(t, http.MethodPost, f.tok("L404", t0), "List-Unsubscribe=One-Click")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.Body, "We have no record of this address") {
		t.Fatalf("unknown lead: %d\n%s", resp.StatusCode, resp.Body)
	}
	// Nothing failed (the person is erased): a warning, not the ERROR
	// line the function's error-log alarm pages for.
	if line := f.logs.String(); strings.Contains(line, `"level":"ERROR"`) || !strings.Contains(line, `"level":"WARN"`) {
		t.Fatalf("log %s; want a warning, no ERROR line", line)
	}
}

// TestPageHeaders: every unsubscribe page renders under its policy: its
// hashed <style>, the confirm form posting to its own URL, no framing,
// and no referrer (the URL is a signed token); and each reads well with a
// screen reader.
func TestPageHeaders(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	for name, resp := range map[string]httpapi.Response{
		"confirm page": f.do(t, http.MethodGet, f.tok("L1", t0), ""),
		"bad link":     f.do(t, http.MethodGet, "forged.token", ""),
		"unsubscribed": f.do(t, http.MethodPost, f.tok("L1", t0), ""),
	} {
		if p := httpapitest.PageProblems(resp); len(p) > 0 {
			t.Errorf("%s: %q\nCSP %s", name, p, resp.Headers["Content-Security-Policy"])
		}
		if p := httpapitest.AccessibilityProblems(resp.Body); len(p) > 0 {
			t.Errorf("%s: %q", name, p)
		}
		if httpapitest.Framing(resp) || resp.Headers["Referrer-Policy"] != "no-referrer" || !strings.Contains(resp.Headers["Content-Security-Policy"], "form-action 'self'") ||
			resp.Headers["X-Robots-Tag"] != "noindex, nofollow" {
			t.Errorf("%s: headers %v", name, resp.Headers)
		}
	}
}

// An address that hard-bounced is suppressed already, but its person's
// opt-out is still theirs to record: an unsubscribe (from an email that
// arrived before the bounce) withdraws the consent, with its history
// entry, and the lead becomes unsubscribed — its CRM copy stops reading
// marketing_opt_in: true, and it comes back to sales only with a form.
func TestUnsubscribeAfterABounceIsRecorded(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	ctx := context.Background()
	if _, err := lead.UpdateWith(ctx, f.st.Lead, func(ctx context.Context, l lead.Lead, ch lead.Change) error {
		return f.st.Suppress(ctx, l, ch, "bounce")
	}, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.ExitNurture("bounce")
		l.Suppressed = "bounce"
		return lead.Change{At: t0.Add(-time.Minute), Events: []lead.Event{{At: t0.Add(-time.Minute), Kind: "bounced", ID: "b1"}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	resp := f.do(t, http.MethodPost, f.tok("L1", t0.Add(-time.Hour)), "List-Unsubscribe=One-Click")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "You are unsubscribed") {
		t.Fatalf("unsubscribe: %d\n%s", resp.StatusCode, resp.Body)
	}
	l := f.lead(t)
	if l.Consent.MarketingOptIn || l.Consent.TextVersion != "unsubscribe" || len(l.Consents) != 2 || l.Stage != lead.StageUnsubscribed || l.Suppressed != "bounce" {
		t.Fatalf("after unsubscribing a bounced lead: stage %s, suppressed %q, consent %+v (history %d)", l.Stage, l.Suppressed, l.Consent, len(l.Consents))
	}
	// The CRM hears of it: one stage change to unsubscribed, for this
	// opt-out (the bounce had told it the address is unmailable).
	tl, _ := f.st.Timeline(ctx, "L1")
	stages := 0
	for _, e := range tl {
		if e.Kind == lead.EventStage && e.Data["to"] == string(lead.StageUnsubscribed) {
			stages++
			if e.Data["reason"] != "unsubscribe" {
				t.Errorf("stage event %+v: want reason unsubscribe", e.Data)
			}
		}
	}
	if stages != 1 {
		t.Fatalf("%d stage events to unsubscribed in %+v", stages, tl)
	}
	// Again: nothing more is written.
	v := l.Version
	f.do(t, http.MethodPost, f.tok("L1", t0.Add(-time.Hour)), "List-Unsubscribe=One-Click")
	if l := f.lead(t); l.Version != v || len(l.Consents) != 2 {
		t.Fatalf("second unsubscribe wrote again: version %d → %d, history %d", v, l.Version, len(l.Consents))
	}
}

// TestOpenedAgainAfterUnsubscribing: a person who opens the link again
// to check it worked is told they are unsubscribed, not asked again as
// if the first click had done nothing; the GET still changes nothing.
func TestOpenedAgainAfterUnsubscribing(t *testing.T) {
	f := newFixture(t, lead.StageNurturing)
	tok := f.tok("L1", t0)
	if r := f.do(t, http.MethodGet, tok, ""); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "<button") {
		t.Fatalf("first GET: %d, want the page with its button:\n%s", r.StatusCode, r.Body)
	}
	if r := f.do(t, http.MethodPost, tok, ""); r.StatusCode != http.StatusOK {
		t.Fatalf("POST: %d", r.StatusCode)
	}
	before := f.state(t)
	r := f.do(t, http.MethodGet, tok, "")
	if r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<button") || !strings.Contains(r.Body, "You are unsubscribed") {
		t.Fatalf("GET after unsubscribing: %d, want \"You are unsubscribed\" and no button:\n%s", r.StatusCode, r.Body)
	}
	if after := f.state(t); after != before {
		t.Fatalf("the GET changed the lead: %+v, was %+v", after, before)
	}
}
