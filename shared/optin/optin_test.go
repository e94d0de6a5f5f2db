package optin_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/optin"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/token"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// pending stores a lead whose form asked for consent (request r1).
func pending(t *testing.T, st *memstore.Store) lead.Lead {
	t.Helper()
	asked := lead.Consent{MarketingOptIn: true, TextVersion: "v3", At: t0, Method: lead.ConsentByForm, IPHash: "iph"}
	l := lead.New("L1", lead.Submission{Email: "ann@acme.example", Name: "Mallory <b>", Consent: asked, Source: lead.Attribution{Campaign: "news", At: t0}})
	l.AskConsent(asked, lead.ConsentDouble, true, "r1", t0)
	if err := st.CreateLead(context.Background(), l, lead.Change{At: t0}, nil); err != nil {
		t.Fatal(err)
	}
	return l
}

func keys(t *testing.T) token.Keys {
	t.Helper()
	k, err := token.ParseKeys("k1:0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestConfirmationEmailIsSentOnceAndRepeatsNothingPosted(t *testing.T) {
	st, out := memstore.New(), &mailtest.Outbox{}
	l := pending(t, st)
	now := t0
	clock := func() time.Time { return now }
	s := &optin.Sender{Send: &sendonce.Sender{Store: st, Mail: out, Lease: time.Minute, Clock: clock, NewID: ids.New},
		Keys: keys(t), From: "Acme <news@acme.example>", BaseURL: "https://leads.example.com", Clock: clock, NewID: ids.New}
	got, err := s.RunLead(context.Background(), l, "req-1", "")
	if err != nil || got != sendonce.Sent {
		t.Fatalf("first run: %s %v", got, err)
	}
	if l, err = st.Lead(context.Background(), "L1"); err != nil {
		t.Fatal(err)
	}
	if again, err := s.RunLead(context.Background(), l, "req-2", ""); err != nil || again != lead.Idle {
		t.Fatalf("second run: %s %v, want nothing due", again, err)
	}
	sent := out.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d emails, want 1", len(sent))
	}
	m := sent[0]
	if m.To != "ann@acme.example" || !strings.Contains(m.Subject, "Acme") || !strings.Contains(m.Text, "https://leads.example.com/confirm/") ||
		strings.Contains(m.Text, "Mallory") || strings.Contains(m.HTML, "Mallory") {
		t.Fatalf("confirmation email: to %s, subject %q\n%s", m.To, m.Subject, m.Text)
	}
	if l.OptIn == nil || l.OptIn.Sends != 1 || !l.OptIn.DueAt.IsZero() || l.NextDue() != (time.Time{}) {
		t.Fatalf("after sending: request %+v, next due %v", l.OptIn, l.NextDue())
	}
}

// TestConfirmationNamesWhoAsks: the confirmation names the sender — the
// company, else the From's name, else its domain — never just "us".
func TestConfirmationNamesWhoAsks(t *testing.T) {
	for _, tc := range []struct{ company, from, want string }{
		{"Acme GmbH", "news@acme.example", "Please confirm: emails from Acme GmbH"},
		{"", `"Acme News" <news@acme.example>`, "Please confirm: emails from Acme News"},
		{"", "news@Acme.example", "Please confirm: emails from acme.example"},
		{"", "<news@acme.example>", "Please confirm: emails from acme.example"},
		{"", "=?UTF-8?q?M=C3=BCller_News?= <news@acme.example>", "Please confirm: emails from Müller News"},
		{"", `"Acme \"Daily\" News" <news@acme.example>`, "Please confirm: emails from Acme \"Daily\" News"},
	} {
		st, out := memstore.New(), &mailtest.Outbox{}
		l := pending(t, st)
		clock := func() time.Time { return t0 }
		s := &optin.Sender{Send: &sendonce.Sender{Store: st, Mail: out, Lease: time.Minute, Clock: clock, NewID: ids.New},
			Keys: keys(t), From: tc.from, Company: tc.company, BaseURL: "https://leads.example.com", Clock: clock, NewID: ids.New}
		if _, err := s.RunLead(context.Background(), l, "req-1", ""); err != nil {
			t.Fatal(err)
		}
		sent := out.Sent()
		if len(sent) != 1 || sent[0].Subject != tc.want || strings.Contains(sent[0].Text, "from us ") {
			t.Errorf("from %q, company %q: %+v, want subject %q", tc.from, tc.company, sent, tc.want)
		}
	}
}

func TestConfirmationLink(t *testing.T) {
	k := keys(t)
	tok := func(requestID string, expires time.Time) string {
		u := links.Confirm(k, "https://x.example", "L1", requestID, expires)
		return u[strings.LastIndex(u, "/")+1:]
	}
	now := t0.Add(time.Hour)
	tests := []struct {
		name, method, token string
		status              int
		page                string
		consent             bool
	}{
		{"a scanner's GET changes nothing", http.MethodGet, tok("r1", now.Add(time.Hour)), 200, `<form method="post">`, false},
		{"the button confirms", http.MethodPost, tok("r1", now.Add(time.Hour)), 200, "you are subscribed", true},
		{"another request's link", http.MethodPost, tok("r0", now.Add(time.Hour)), 200, "Nothing to confirm", false},
		{"expired", http.MethodPost, tok("r1", now.Add(-time.Second)), 410, "expired", false},
		{"forged", http.MethodPost, tok("r1", now.Add(time.Hour))[:20] + "xx", 403, "not valid", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := memstore.New()
			pending(t, st)
			var logs bytes.Buffer
			h := &optin.Handler{Store: st, Keys: k, Clock: func() time.Time { return now }, NewID: ids.New,
				Log: slog.New(slog.NewJSONHandler(&logs, nil))}
			req := httpapi.Request{RouteKey: tt.method + " /confirm/{token}", PathParameters: map[string]string{"token": tt.token}}
			req.RequestContext.HTTP.Method = tt.method
			resp, err := h.Handle(context.Background(), req)
			if err != nil || resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.page) {
				t.Fatalf("%d %v, want %d with %q:\n%s", resp.StatusCode, err, tt.status, tt.page, resp.Body)
			}
			if resp.Headers["Referrer-Policy"] != httpapi.NoReferrer || resp.Headers["X-Robots-Tag"] != "noindex, nofollow" {
				t.Fatalf("a page whose URL is a token sends a referrer or may be indexed: %v", resp.Headers)
			}
			l, err := st.Lead(context.Background(), "L1")
			if err != nil {
				t.Fatal(err)
			}
			if l.Consent.MarketingOptIn != tt.consent {
				t.Fatalf("consent %+v, want opt-in %v", l.Consent, tt.consent)
			}
			if tt.consent && (l.Consent.TextVersion != "v3" || !l.Consent.ConfirmedAt.Equal(now) || l.Consent.IPHash != "iph") {
				t.Fatalf("consent record %+v", l.Consent)
			}
			if strings.Contains(logs.String(), "ann@") {
				t.Fatalf("address in the log: %s", logs.String())
			}
		})
	}
}

// TestConfirmationLinkOpenedAgain: a person who opens the link again
// (to check, or on another device) is told they are subscribed; one who
// unsubscribed since is not asked "Yes, send me emails" for a button that
// then finds nothing to confirm. The GETs change nothing.
func TestConfirmationLinkOpenedAgain(t *testing.T) {
	k := keys(t)
	u := links.Confirm(k, "https://x.example", "L1", "r1", t0.Add(48*time.Hour))
	tok := u[strings.LastIndex(u, "/")+1:]
	st := memstore.New()
	pending(t, st)
	h := &optin.Handler{Store: st, Keys: k, Clock: func() time.Time { return t0.Add(time.Hour) }, NewID: ids.New,
		Log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))}
	do := func(method string) httpapi.Response { t.Helper(); return confirmLink(t, h, method, tok) }
	if r := do(http.MethodPost); !strings.Contains(r.Body, "you are subscribed") {
		t.Fatalf("POST:\n%s", r.Body)
	}
	if r := do(http.MethodGet); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<button") || !strings.Contains(r.Body, "already subscribed") {
		t.Fatalf("GET after confirming: %d, want \"already subscribed\" and no button:\n%s", r.StatusCode, r.Body)
	}
	l, err := st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	l.WithdrawConsent(lead.Consent{Method: "unsubscribe", At: t0.Add(2 * time.Hour)})
	l.Suppressed = "unsubscribe"
	if _, err := lead.Write(context.Background(), st.Put, l, lead.Change{At: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	v := l.Version + 1
	if r := do(http.MethodGet); r.StatusCode != http.StatusOK || strings.Contains(r.Body, "<button") || !strings.Contains(r.Body, "Nothing to confirm") {
		t.Fatalf("GET after unsubscribing: %d, want \"Nothing to confirm\" and no button:\n%s", r.StatusCode, r.Body)
	}
	// It promises nothing the product does not do: an unsubscribed
	// address is not signed up again by another form.
	if r := do(http.MethodGet); strings.Contains(r.Body, "sign up again") {
		t.Fatalf("the page after unsubscribing offers to sign up again:\n%s", r.Body)
	}
	// Nor does it send them looking for a newer email that never came:
	// it says the address is unsubscribed, on the GET and the POST alike.
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if r := do(m); strings.Contains(r.Body, "newer") || !strings.Contains(r.Body, "unsubscribed from our emails") {
			t.Fatalf("%s after unsubscribing: want the page to say the address is unsubscribed, not that a newer link replaced this one:\n%s", m, r.Body)
		}
	}
	if l, _ := st.Lead(context.Background(), "L1"); l.Version != v || l.Consent.MarketingOptIn {
		t.Fatalf("a GET changed the lead: version %d, want %d; %+v", l.Version, v, l.Consent)
	}
}

// TestConfirmationSaysUntilWhenInTheReadersZone: the link's end was a
// UTC date with no time ("works until 1 December 2026"), a day late for
// a lead in Los Angeles, whose link stopped working on the evening of 30
// November: it shows when, in the lead's time zone.
func TestConfirmationSaysUntilWhenInTheReadersZone(t *testing.T) {
	st, out := memstore.New(), &mailtest.Outbox{}
	l := pending(t, st)
	now := t0.Add(20 * time.Hour) // 24 Nov 06:00 UTC; the link lasts until 1 Dec 06:00 UTC
	clock := func() time.Time { return now }
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	s := &optin.Sender{Send: &sendonce.Sender{Store: st, Mail: out, Lease: time.Minute, Clock: clock, NewID: ids.New},
		Keys: keys(t), From: "Acme <news@acme.example>", BaseURL: "https://leads.example.com", Clock: clock, NewID: ids.New,
		Zone: func(lead.Lead) *time.Location { return la }}
	if got, err := s.RunLead(context.Background(), l, "req-1", ""); err != nil || got != sendonce.Sent {
		t.Fatalf("run: %s %v", got, err)
	}
	m := out.Sent()[0]
	const want = "The link works until Mon 30 Nov 2026, 22:00 PST."
	if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
		t.Fatalf("want %q in both parts:\n%s\n%s", want, m.Text, m.HTML)
	}
}

// TestConfirmOfALeadThatIsGoneIsAWarning: the confirmation link of a lead
// erased and deleted since answers 404 with a warning: nothing failed,
// and an ERROR line would page the operator through the function's
// error-log alarm.
func TestConfirmOfALeadThatIsGoneIsAWarning(t *testing.T) {
	k := keys(t)
	u := links.Confirm(k, "https://x.example", "GONE", "r1", t0.Add(48*time.Hour))
	var logs bytes.Buffer
	h := &optin.Handler{Store: memstore.New(), Keys: k, Clock: func() time.Time { return t0.Add(time.Hour) }, NewID: ids.New,
		Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	req := httpapi.Request{RouteKey: "POST /confirm/{token}", PathParameters: map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}}
	req.RequestContext.HTTP.Method = http.MethodPost
	resp, err := h.Handle(context.Background(), req)
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("%d %v, want 404", resp.StatusCode, err)
	}
	if line := logs.String(); strings.Contains(line, `"level":"ERROR"`) || !strings.Contains(line, `"level":"WARN"`) {
		t.Fatalf("log %s; want a warning, no ERROR line", line)
	}
}

// TestAnExpiredConfirmationLinkSaysWhereTheAddressStands: the link works
// for a week, but the email stays in the inbox. Opened after that by a
// person who confirmed in time, it said "This link has expired … Sign up
// again on our site" to someone subscribed; by one who unsubscribed since,
// it promised a new link that another form never sends (an unsubscribed
// address is not signed up again). Expired, it says what a fresh link
// would find: subscribed, unsubscribed or erased; only a request never
// confirmed is told to sign up again. Nothing changes.
func TestAnExpiredConfirmationLinkSaysWhereTheAddressStands(t *testing.T) {
	k := keys(t)
	u := links.Confirm(k, "https://x.example", "L1", "r1", t0.Add(48*time.Hour))
	tok := u[strings.LastIndex(u, "/")+1:]
	st := memstore.New()
	pending(t, st)
	now := t0.Add(time.Hour)
	h := &optin.Handler{Store: st, Keys: k, Clock: func() time.Time { return now }, NewID: ids.New,
		Log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))}
	do := func(method string) httpapi.Response { t.Helper(); return confirmLink(t, h, method, tok) }
	now = t0.Add(72 * time.Hour)
	if r := do(http.MethodGet); r.StatusCode != http.StatusGone || !strings.Contains(r.Body, "Sign up again") {
		t.Fatalf("expired, never confirmed: %d\n%s", r.StatusCode, r.Body)
	}
	now = t0.Add(time.Hour)
	if r := do(http.MethodPost); !strings.Contains(r.Body, "you are subscribed") {
		t.Fatalf("POST:\n%s", r.Body)
	}
	now = t0.Add(72 * time.Hour)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if r := do(m); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "already subscribed") || strings.Contains(r.Body, "expired") {
			t.Fatalf("%s of an expired link after confirming: %d, want \"already subscribed\":\n%s", m, r.StatusCode, r.Body)
		}
	}
	l, err := st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	l.WithdrawConsent(lead.Consent{Method: "unsubscribe", At: t0.Add(2 * time.Hour)})
	l.Suppressed = "unsubscribe"
	if _, err := lead.Write(context.Background(), st.Put, l, lead.Change{At: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	v := l.Version + 1
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if r := do(m); strings.Contains(r.Body, "Sign up again") || !strings.Contains(r.Body, "unsubscribed from our emails") {
			t.Fatalf("%s of an expired link after unsubscribing: want the page to say the address is unsubscribed:\n%s", m, r.Body)
		}
	}
	if l, _ := st.Lead(context.Background(), "L1"); l.Version != v || l.Consent.MarketingOptIn {
		t.Fatalf("an expired link changed the lead: version %d, want %d; %+v", l.Version, v, l.Consent)
	}
}

// confirmLink is a GET or POST of the confirmation link tok.
func confirmLink(t *testing.T, h *optin.Handler, method, tok string) httpapi.Response {
	t.Helper()
	req := httpapi.Request{RouteKey: method + " /confirm/{token}", PathParameters: map[string]string{"token": tok}}
	req.RequestContext.HTTP.Method = method
	resp, err := h.Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
