package feedback

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/token"
)

// t0 is when the answers come: three minutes after the alert went out,
// two before the first-response deadline.
var t0 = time.Date(2031, 3, 10, 9, 3, 0, 0, time.UTC)

const rulesYAML = `version: 1
fit:
  rules: [{field: job_title, op: contains, values: [cmo], points: 50}]
  grades: {A: 40, B: 30, C: 20}
engagement:
  signals: [{signal: "form:demo_request", points: 50}]
thresholds: {A: {hot: 10, warm: 0}, B: {}, C: {}, D: {}}
routing:
  teams:
    sales:
      reps: [{name: Ana, email: ana@example.com}]
      lead: {name: Lea, email: lea@example.com}
  default_team: sales
sla: {first_response: 5m}
reject_reasons:
  - {code: not_icp, label: Not our ICP, action: disqualify}
  - {code: too_early, label: Too early, action: nurture}
`

type fixture struct {
	h    *Handler
	st   *memstore.Store
	keys token.Keys
	logs *bytes.Buffer
	now  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	keys, err := token.ParseKeys("k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := qualify.Parse([]byte(rulesYAML), "rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: memstore.New(), keys: keys, logs: &bytes.Buffer{}, now: t0}
	var ids atomic.Int64
	f.h = &Handler{Store: f.st, Rules: rules, Keys: keys, LinkTTL: links.AlertTTL,
		Clock: func() time.Time { return f.now }, NewID: func(time.Time) string { return fmt.Sprint("e", ids.Add(1)) },
		Log: slog.New(slog.NewJSONHandler(f.logs, nil))}
	// A hot lead handed to Ana, still in a nurture sequence.
	l := lead.New("L1", lead.Submission{Email: "clara@bigcorp.example", Name: "Clara", Company: "BigCorp",
		Source: lead.Attribution{Campaign: "q4", At: t0.Add(-time.Hour)}})
	l.Stage = lead.StageMQL
	l.Handoff = &lead.Handoff{State: lead.HandoffSent, Rep: "ana@example.com", Since: t0.Add(-4 * time.Minute),
		SentAt: t0.Add(-3 * time.Minute), DueBy: t0.Add(2 * time.Minute)}
	l.Nurture = &lead.Nurture{Sequence: "warm", Step: "two", NextAt: t0.Add(48 * time.Hour)}
	l.Record(&lead.Change{}) // stored as an MQL before the test
	if err := f.st.CreateLead(context.Background(), l, lead.Change{At: l.CreatedAt}, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

// tok is a signed answer link's token for L1, made when its alert went
// out.
func (f *fixture) tok(action, extra string) string {
	return links.FeedbackToken(f.keys, "L1", action, extra, t0.Add(-3*time.Minute), t0.Add(links.AlertTTL))
}

func (f *fixture) do(t *testing.T, method, tok, body string) httpapi.Response {
	t.Helper()
	req := httpapi.Request{RouteKey: method + " /feedback/{token}", PathParameters: map[string]string{"token": tok}, Body: body,
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.RequestID = "req-1"
	resp, err := f.h.Handle(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return resp
}

func (f *fixture) post(t *testing.T, action, extra string) httpapi.Response {
	t.Helper()
	return f.do(t, http.MethodPost, f.tok(action, extra), "")
}

func (f *fixture) lead(t *testing.T) lead.Lead {
	t.Helper()
	l, err := f.st.Lead(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (f *fixture) counters(t *testing.T) map[string]int64 {
	t.Helper()
	c, err := f.st.CampaignStats(context.Background(), "q4", t0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) kinds(t *testing.T) string {
	t.Helper()
	tl, err := f.st.Timeline(context.Background(), "L1")
	if err != nil {
		t.Fatal(err)
	}
	var k []string
	for _, e := range tl {
		if !lead.IsLifecycle(e.Kind) { // checked by TestStageChangesAreRecorded
			k = append(k, e.Kind)
		}
	}
	return strings.Join(k, ",")
}

const (
	recorded   = "Recorded: "
	already    = "This was already recorded; nothing changed."
	superseded = "Sales already answered this lead. It is at stage "
)

func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before are answers given first (action, extra).
		before        [][2]string
		action, extra string
		message       string
		stage         lead.Stage
		events        string
		counters      map[string]int64
		inNurture     bool
	}{
		{name: "accept", action: links.ActionAccept, extra: "ana@example.com", message: recorded + "you accepted this lead. It is yours now.", stage: lead.StageSAL,
			events: "accepted", counters: map[string]int64{"sal": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "reject, disqualify", action: links.ActionReject, extra: "not_icp", message: recorded + "you rejected this lead (Not our ICP). It leaves the funnel.", stage: lead.StageRejected,
			events: "rejected", counters: map[string]int64{"rejected": 1, "rej_not_icp": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "reject, back to nurture", action: links.ActionReject, extra: "too_early", stage: lead.StageNurturing,
			// No consent to marketing email (with it, the lead enters a sequence for returned leads and the
			// page says marketing keeps nurturing it: TestSentBackLeadIsNurturedAgain); it leaves the sequence it was in.
			message: recorded + "you rejected this lead (Too early). It goes back to marketing, but gets no nurture email: it left its sequence (sent back). New interest brings it back to sales.",
			events:  "rejected", counters: map[string]int64{"rejected": 1, "rej_too_early": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "accept twice", before: [][2]string{{links.ActionAccept, "ana@example.com"}}, action: links.ActionAccept, extra: "ana@example.com",
			message: "Ana already accepted this lead on 10 Mar 2031; nothing changed.", stage: lead.StageSAL, events: "accepted", counters: map[string]int64{"sal": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "reject after accept", before: [][2]string{{links.ActionAccept, "ana@example.com"}}, action: links.ActionReject, extra: "not_icp",
			message: superseded + "Accepted by sales (SAL); nothing changed.", stage: lead.StageSAL, events: "accepted", counters: map[string]int64{"sal": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "accept after reject", before: [][2]string{{links.ActionReject, "not_icp"}}, action: links.ActionAccept, extra: "ana@example.com",
			message: superseded + "Rejected by sales; nothing changed.", stage: lead.StageRejected, events: "rejected",
			counters: map[string]int64{"rejected": 1, "rej_not_icp": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "SQL after accept", before: [][2]string{{links.ActionAccept, "ana@example.com"}}, action: links.ActionSQL, extra: "ana@example.com",
			message: recorded + "this lead is a sales qualified opportunity (SQL).", stage: lead.StageSQL, events: "accepted,sql", counters: map[string]int64{"sal": 1, "sql": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "won after SQL", before: [][2]string{{links.ActionAccept, "ana@example.com"}, {links.ActionSQL, ""}}, action: links.ActionWon,
			message: recorded + "won (no amount given, closed on 10 Mar 2031). Congratulations!", stage: lead.StageWon, events: "accepted,sql,won",
			counters: map[string]int64{"sal": 1, "sql": 1, "won": 1, "sql_closed": 1, "won_days_le_1": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "lost straight after accept", before: [][2]string{{links.ActionAccept, "ana@example.com"}}, action: links.ActionLost,
			message: recorded + "lost.", stage: lead.StageLost, events: "accepted,lost", counters: map[string]int64{"sal": 1, "lost": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "won twice", before: [][2]string{{links.ActionAccept, ""}, {links.ActionWon, ""}}, action: links.ActionWon,
			message: already, stage: lead.StageWon, events: "accepted,won", counters: map[string]int64{"sal": 1, "sql": 1, "sql_closed": 1, "won": 1, "won_days_le_1": 1, "responses": 1, "resp_le_5m": 1}}, // won from SAL: the SQL too (ImpliesSQL)
		// A mis-click corrected: the win (and the SQL it implied) is taken
		// out, the loss counted; the timeline keeps both.
		{name: "lost after won", before: [][2]string{{links.ActionAccept, ""}, {links.ActionWon, ""}}, action: links.ActionLost,
			message: recorded + "lost, instead of won. The win and its revenue are taken out of the reports.", stage: lead.StageLost, events: "accepted,lost,won", // one instant: by kind
			counters: map[string]int64{"sal": 1, "sql": 0, "sql_closed": 0, "won": 0, "won_days_le_1": 0, "lost": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "won after lost", before: [][2]string{{links.ActionAccept, ""}, {links.ActionSQL, ""}, {links.ActionLost, ""}}, action: links.ActionWon,
			message: recorded + "won (no amount given, closed on 10 Mar 2031) instead of lost. Congratulations!", stage: lead.StageWon, events: "accepted,lost,sql,won",
			counters: map[string]int64{"sal": 1, "sql": 1, "sql_closed": 1, "won": 1, "won_days_le_1": 1, "lost": 0, "responses": 1, "resp_le_5m": 1}},
		{name: "lost after won, again", before: [][2]string{{links.ActionAccept, ""}, {links.ActionWon, ""}, {links.ActionLost, ""}}, action: links.ActionLost,
			message: already, stage: lead.StageLost, events: "accepted,lost,won", // one instant: by kind
			counters: map[string]int64{"sal": 1, "sql": 0, "sql_closed": 0, "won": 0, "won_days_le_1": 0, "lost": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "SQL after won", before: [][2]string{{links.ActionAccept, ""}, {links.ActionWon, ""}}, action: links.ActionSQL,
			message: superseded + "Won; nothing changed.", stage: lead.StageWon, events: "accepted,won", counters: map[string]int64{"sal": 1, "sql": 1, "sql_closed": 1, "won": 1, "won_days_le_1": 1, "responses": 1, "resp_le_5m": 1}},
		{name: "SQL before anyone accepted", action: links.ActionSQL, message: "This lead is at stage Marketing qualified (MQL); nothing changed.", stage: lead.StageMQL,
			events: "", counters: map[string]int64{}, inNurture: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			for _, b := range tc.before {
				if r := f.post(t, b[0], b[1]); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, recorded) {
					t.Fatalf("answer %s first: %d %s", b[0], r.StatusCode, r.Body)
				}
			}
			version := f.lead(t).Version
			resp := f.post(t, tc.action, tc.extra)
			if resp.StatusCode != http.StatusOK || !strings.Contains(pageText(resp.Body), tc.message) {
				t.Fatalf("status %d, want 200 with %q:\n%s", resp.StatusCode, tc.message, resp.Body)
			}
			l := f.lead(t)
			if l.Stage != tc.stage || f.kinds(t) != tc.events || fmt.Sprint(f.counters(t)) != fmt.Sprint(tc.counters) {
				t.Fatalf("stage %s, events %q, counters %v; want %s, %q, %v", l.Stage, f.kinds(t), f.counters(t), tc.stage, tc.events, tc.counters)
			}
			if strings.HasPrefix(tc.message, recorded) != (l.Version == version+1) {
				t.Fatalf("version %d → %d: only a recorded answer writes", version, l.Version)
			}
			if inNurture := !l.Nurture.NextAt.IsZero(); inNurture != tc.inNurture {
				t.Fatalf("still in nurture = %v, want %v (%+v)", inNurture, tc.inNurture, l.Nurture)
			}
		})
	}
}

func TestAcceptRecordsTheFirstResponse(t *testing.T) {
	f := newFixture(t)
	if r := f.post(t, links.ActionAccept, "lea@example.com"); r.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
	}
	h := f.lead(t).Handoff
	// The link went to the escalation target: they answered, not the rep.
	if h.State != lead.HandoffAnswered || !h.AnsweredAt.Equal(t0) || h.AnsweredBy != "lea@example.com" {
		t.Fatalf("handoff = %+v", h)
	}
	if n := f.lead(t).Nurture; n.ExitReason != "sales_accepted" {
		t.Fatalf("nurture = %+v, want exited sales_accepted", n)
	}
}

// Answer links name their rep by reference: the token's payload (signed,
// readable by whoever holds the link) carries no address, the handler
// finds the rep among the lead's and the configured ones, and the log
// line names it by hash.
func TestAnswerLinksCarryNoAddress(t *testing.T) {
	for _, tc := range []struct {
		name, extra, answeredBy string
	}{
		{"the rep", "ana@example.com", "ana@example.com"},
		{"the team lead", "lea@example.com", "lea@example.com"},
		{"someone no longer configured", "gone@example.com", "ana@example.com"}, // the lead's rep then
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.tok(links.ActionAccept, tc.extra)
			if payload := strings.Split(tok, ".")[1]; strings.Contains(string(mustB64(t, payload)), "@") {
				t.Fatalf("token payload carries an address: %q", mustB64(t, payload))
			}
			if r := f.do(t, http.MethodPost, tok, ""); r.StatusCode != http.StatusOK {
				t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
			}
			if l := f.lead(t); l.Handoff.AnsweredBy != tc.answeredBy || l.Deal.Rep != tc.answeredBy {
				t.Fatalf("answered by %q, deal rep %q; want %q", l.Handoff.AnsweredBy, l.Deal.Rep, tc.answeredBy)
			} else if l.Deal.Name != "Clara" || l.Deal.Company != "BigCorp" {
				t.Fatalf("the deal keeps %q of %q; want the lead as accepted, Clara of BigCorp", l.Deal.Name, l.Deal.Company)
			}
			// The accepted page's outcome links name the rep by reference too.
			page := f.do(t, http.MethodGet, tok, "").Body
			for _, m := range regexp.MustCompile(`/feedback/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`).FindAllStringSubmatch(page, -1) {
				if strings.Contains(string(mustB64(t, strings.Split(m[1], ".")[1])), "@") {
					t.Errorf("outcome link carries an address")
				}
			}
			// Nor the log, not even as a hash anyone could check a guess against.
			if strings.Contains(f.logs.String(), "@") || strings.Contains(f.logs.String(), "Hash") ||
				strings.Contains(f.logs.String(), lead.HashEmail(tc.answeredBy)[:16]) {
				t.Errorf("log: %s", f.logs)
			}
		})
	}
}

// Links signed before answer links carried references hold the address;
// they keep working until they expire.
func TestALegacyAcceptLinkStillWorks(t *testing.T) {
	f := newFixture(t)
	legacy := f.keys.Sign(token.Claims{Action: links.ActionAccept, Subject: "L1", Extra: "lea@example.com", Expires: t0.Add(time.Hour)})
	if r := f.do(t, http.MethodPost, legacy, ""); r.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
	}
	if by := f.lead(t).Handoff.AnsweredBy; by != "lea@example.com" {
		t.Fatalf("answered by %q", by)
	}
	if strings.Contains(f.logs.String(), "lea@") {
		t.Errorf("log carries the address: %s", f.logs)
	}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLateAnswerCountsAgainstTheSLA(t *testing.T) {
	f := newFixture(t)
	f.now = t0.Add(10 * time.Minute) // the deadline was t0+2m
	if r := f.post(t, links.ActionAccept, "ana@example.com"); r.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d", r.StatusCode)
	}
	if c := f.counters(t); c["sla_late_responses"] != 1 || c["resp_le_15m"] != 1 {
		t.Fatalf("counters = %v, want a late response in the 15-minute bucket", c)
	}
}

func TestGetShowsTheLeadAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	resp := f.do(t, http.MethodGet, f.tok(links.ActionReject, "not_icp"), "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "Reject this lead?") || !strings.Contains(resp.Body, "Not our ICP") ||
		!strings.Contains(resp.Body, `<form method="post">`) || !strings.Contains(resp.Body, "Clara") {
		t.Fatalf("GET = %d:\n%s", resp.StatusCode, resp.Body)
	}
	if l := f.lead(t); l.Version != 1 || l.Stage != lead.StageMQL || f.kinds(t) != "" {
		t.Fatalf("GET changed the lead: version %d, stage %s, events %q", l.Version, l.Stage, f.kinds(t))
	}
}

func TestLinksThatAreNotValid(t *testing.T) {
	f := newFixture(t)
	good := f.tok(links.ActionAccept, "ana@example.com")
	for _, tc := range []struct {
		name, tok, says string
	}{
		{"tampered", good[:len(good)-4] + "AAAA", "This link does not work"},
		{"cut short", good[:len(good)/2], "Nothing was recorded."},
		{"another lead's signature", links.FeedbackToken(f.keys, "L2", links.ActionAccept, "", time.Time{}, t0.Add(time.Hour))[:20] + good[20:], "This link does not work"},
		{"expired", links.FeedbackToken(f.keys, "L1", links.ActionAccept, "ana@example.com", time.Time{}, t0.Add(-time.Second)), "This link has expired."},
		{"an unsubscribe token", f.keys.Sign(token.Claims{Action: links.ActionUnsubscribe, Subject: "L1", Expires: t0.Add(time.Hour)}), "This link does not work"},
		{"signed with another key", mustKeys(t, "k2:abcdefabcdefabcdefab").Sign(token.Claims{Action: links.ActionAccept, Subject: "L1", Expires: t0.Add(time.Hour)}), "This link does not work"},
		{"empty", "", "This link does not work"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				resp := f.do(t, method, tc.tok, "")
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, tc.says) {
					t.Fatalf("%s: %d, want 403 saying %q:\n%s", method, resp.StatusCode, tc.says, resp.Body)
				}
			}
			if l := f.lead(t); l.Version != 1 || l.Stage != lead.StageMQL {
				t.Fatalf("a refused link changed the lead: version %d, stage %s", l.Version, l.Stage)
			}
		})
	}
}

func mustKeys(t *testing.T, spec string) token.Keys {
	t.Helper()
	k, err := token.ParseKeys(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestComment(t *testing.T) {
	for _, tc := range []struct {
		name    string
		comment string
		status  int
	}{
		// Characters, not bytes: é is two.
		{"at the limit", strings.Repeat("é", MaxComment), http.StatusOK},
		{"one over", strings.Repeat("é", MaxComment+1), http.StatusBadRequest},
		{"a pasted 5,000", strings.Repeat("x", 5000), http.StatusBadRequest},
		{"over the body limit", strings.Repeat("x", maxForm+1), http.StatusBadRequest},
		{"blank", "   ", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			// Raw UTF-8, as a script might post it (a browser's
			// percent-encoding: TestCommentAsABrowserPostsIt).
			resp := f.do(t, http.MethodPost, f.tok(links.ActionReject, "too_early"), "comment="+tc.comment)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d:\n%s", resp.StatusCode, tc.status, resp.Body)
			}
			tl, _ := f.st.Timeline(context.Background(), "L1")
			tl = slices.DeleteFunc(tl, func(e lead.Event) bool { return lead.IsLifecycle(e.Kind) })
			if tc.status != http.StatusOK {
				if len(tl) != 0 || f.lead(t).Stage != lead.StageMQL {
					t.Fatalf("a refused comment recorded the answer: %+v", tl)
				}
				if tc.status == http.StatusBadRequest && !strings.Contains(resp.Body, "comment") {
					t.Fatalf("400 without saying why:\n%s", resp.Body)
				}
				return
			}
			if len(tl) != 1 {
				t.Fatalf("timeline = %+v, want the answer", tl)
			}
			// A blank comment is no comment.
			want := strings.TrimSpace(tc.comment)
			if got, ok := tl[0].Data["comment"]; (want == "") == ok || (ok && got != want) {
				t.Fatalf("comment not recorded with the answer: %+v", tl)
			}
		})
	}
}

func TestUnknownLead(t *testing.T) {
	f := newFixture(t)
	resp := f.do(t, http.MethodPost, links.FeedbackToken(f.keys, "L404", links.ActionAccept, "", time.Time{}, t0.Add(time.Hour)), "")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.Body, "Lead not found") {
		t.Fatalf("unknown lead: %d\n%s", resp.StatusCode, resp.Body)
	}
	// An erased lead's old alert: a warning, not the ERROR line the
	// function's error-log alarm pages for.
	if line := f.logs.String(); strings.Contains(line, `"level":"ERROR"`) || !strings.Contains(line, `"level":"WARN"`) {
		t.Fatalf("log %s; want a warning, no ERROR line", line)
	}
}

// A lead sent back without consent to marketing email gets none: the page
// says so rather than "marketing keeps nurturing it".
func TestSentBackWithoutConsentSaysNoNurture(t *testing.T) {
	f := newFixture(t)
	f.h.Requalify = nurture.Enroller{Rules: f.h.Rules, Sequences: nurture.Default(), NewID: f.h.NewID}
	r := f.post(t, links.ActionReject, "too_early")
	if want := "It goes back to marketing, but gets no nurture email: it has not agreed to marketing email. New interest brings it back to sales."; r.StatusCode != http.StatusOK || !strings.Contains(r.Body, want) {
		t.Fatalf("reject: %d, want %q:\n%s", r.StatusCode, want, r.Body)
	}
	if l := f.lead(t); l.Nurture == nil || l.Nurture.NoSequence != lead.NoConsent {
		t.Fatalf("nurture %+v, want no sequence for want of consent", l.Nurture)
	}
}

// A rejection whose reason sends the lead back to nurturing re-grades it
// on what it does from then on, enrols it in the sequence for leads sales
// sent back, and spends the alert's links; new interest hands it to sales
// again as a second MQL.
func TestSentBackLeadIsNurturedAgain(t *testing.T) {
	f := newFixture(t)
	f.h.Requalify = nurture.Enroller{Rules: f.h.Rules, Sequences: nurture.Default(), NewID: f.h.NewID}
	// Clara, a CMO who asked for a demo (hot), with marketing consent.
	_, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.JobTitle = "CMO"
		l.Consent = lead.Consent{MarketingOptIn: true, At: t0.Add(-time.Hour)}
		l.AddSignal(lead.Signal{Kind: "form:demo_request", At: t0.Add(-time.Hour)})
		return lead.Change{At: t0.Add(-time.Hour)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := f.post(t, links.ActionReject, "too_early"); r.StatusCode != http.StatusOK || !strings.Contains(pageText(r.Body), recorded+"you rejected this lead (Too early). Marketing keeps nurturing it until it is ready.") {
		t.Fatalf("reject: %d %s", r.StatusCode, r.Body)
	}
	l := f.lead(t)
	switch {
	case l.Stage != lead.StageNurturing || l.Handoff != nil:
		t.Fatalf("stage %s, handoff %+v: want nurturing, no handoff", l.Stage, l.Handoff)
	case l.SentBack == nil || l.SentBack.Reason != "too_early" || l.SentBack.Rep != "ana@example.com" || !l.SentBack.At.Equal(t0):
		t.Fatalf("sent back %+v", l.SentBack)
	case l.Qualification.Temperature != "warm" || l.Qualification.Score != 0:
		// The demo request was before the rejection: it counts no more.
		t.Fatalf("re-graded %+v: want warm with score 0", l.Qualification)
	case l.Nurture == nil || l.Nurture.Sequence != "not-now" || l.Nurture.NextAt.IsZero() || l.Nurture.NoSequence != "":
		t.Fatalf("nurture %+v: want enrolled in not-now", l.Nurture)
	}
	tl, _ := f.st.Timeline(context.Background(), "L1")
	var stages []string
	for _, e := range tl {
		if e.Kind == lead.EventStage {
			stages = append(stages, fmt.Sprint(e.Data["from"], "→", e.Data["to"], " by ", e.Data["by"], " ", e.Data["reason"]))
		}
	}
	if fmt.Sprint(stages) != "[mql→nurturing by rejected too_early]" || f.counters(t)["enrolled"] != 1 {
		t.Fatalf("stage events %v, counters %v", stages, f.counters(t))
	}
	// The alert's accept link is spent: the lead went back to marketing.
	if r := f.post(t, links.ActionAccept, "ana@example.com"); !strings.Contains(pageText(r.Body), superseded) || f.lead(t).Stage != lead.StageNurturing {
		t.Fatalf("late accept: %d %s", r.StatusCode, r.Body)
	}
	// New interest: hot again, a new handoff, counted as a returning MQL.
	l, err = lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.AddSignal(lead.Signal{Kind: "form:demo_request", At: t0.Add(30 * 24 * time.Hour)})
		return f.h.Requalify.Qualify(l, t0.Add(30*24*time.Hour)), nil
	})
	if err != nil || l.Stage != lead.StageMQL || !l.OwedToSales() || !l.Nurture.NextAt.IsZero() || l.Nurture.NoSequence != lead.ExitHandedOff {
		t.Fatalf("after new interest: %v stage %s handoff %+v nurture %+v", err, l.Stage, l.Handoff, l.Nurture)
	}
	if c, _ := f.st.CampaignStats(context.Background(), "q4", t0.Add(30*24*time.Hour)); c["mql_again"] != 1 || c["mql"] != 0 {
		t.Fatalf("counters %v: want mql_again 1", c)
	}
}

// TestPageHeaders: every feedback page renders under its policy: its
// hashed <style>, forms posting to its own URL, no framing, and no
// referrer (the URL is a signed token); and reads well with a screen
// reader (a language, one main landmark holding the h1, headings in
// order, every field labelled).
func TestPageHeaders(t *testing.T) {
	f := newFixture(t)
	expired := links.FeedbackToken(f.keys, "L1", links.ActionAccept, "ana@example.com", time.Time{}, t0.Add(-time.Hour))
	f.h.FreshLinks = (&freshCalls{out: handoff.Sent}).send
	for name, resp := range map[string]httpapi.Response{
		"accept page":      f.do(t, http.MethodGet, f.tok(links.ActionAccept, "ana@example.com"), ""),
		"reject page":      f.do(t, http.MethodGet, f.tok(links.ActionReject, "no_budget"), ""),
		"release page":     f.do(t, http.MethodGet, f.tok(links.ActionRelease, ""), ""),
		"expired link":     f.do(t, http.MethodGet, expired, ""),
		"accepted":         f.post(t, links.ActionAccept, "ana@example.com"),
		"won page":         f.do(t, http.MethodGet, f.tok(links.ActionWon, ""), ""),
		"won, refused":     f.do(t, http.MethodPost, f.tok(links.ActionWon, ""), "amount=lots"),
		"lost page":        f.do(t, http.MethodGet, f.tok(links.ActionLost, ""), ""),
		"not a valid link": f.do(t, http.MethodGet, "forged.token", ""),
	} {
		if p := httpapitest.PageProblems(resp); len(p) > 0 {
			t.Errorf("%s: %q\nCSP %s", name, p, resp.Headers["Content-Security-Policy"])
		}
		if p := httpapitest.AccessibilityProblems(resp.Body); len(p) > 0 {
			t.Errorf("%s: %q", name, p)
		}
		// A forwarded alert's link that a crawler finds must not put the
		// lead's name, address and message in a search index.
		if httpapitest.Framing(resp) || resp.Headers["Referrer-Policy"] != "no-referrer" || !strings.Contains(resp.Headers["Content-Security-Policy"], "form-action 'self'") ||
			resp.Headers["X-Robots-Tag"] != "noindex, nofollow" {
			t.Errorf("%s: headers %v", name, resp.Headers)
		}
	}
}

// TestLinksOfAnEarlierHandoffAnswerNothing: a lead sales sent back and
// that turned hot again is a new hand-off; the first alert's links (made
// before it began) must not accept or reject it — they would give the
// deal to whoever held the old alert, or send the lead back a second time
// for the first hand-off's reason. The current alert's links still work,
// also one made in the very second the hand-off began.
func TestLinksOfAnEarlierHandoffAnswerNothing(t *testing.T) {
	for _, tc := range []struct {
		action, extra string
	}{{links.ActionAccept, "ana@example.com"}, {links.ActionReject, "too_early"}} {
		t.Run(tc.action, func(t *testing.T) {
			f := newFixture(t)
			since := t0.Add(-4*time.Minute + 300*time.Millisecond)
			_, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
				l.Handoff.Since = since // handed off again, after the earlier alert below was made
				return lead.Change{At: since}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			old := links.FeedbackToken(f.keys, "L1", tc.action, tc.extra, t0.Add(-9*24*time.Hour+time.Hour), t0.Add(links.AlertTTL))
			before := f.lead(t)
			page := f.do(t, http.MethodGet, old, "")
			if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "belongs to the earlier alert") || strings.Contains(page.Body, `type="submit"`) {
				t.Fatalf("GET of an earlier alert's link: %d\n%s", page.StatusCode, page.Body)
			}
			resp := f.do(t, http.MethodPost, old, "")
			after := f.lead(t)
			if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "belongs to the earlier alert") ||
				after.Stage != lead.StageMQL || after.Version != before.Version || after.Deal != nil || after.SentBack != nil {
				t.Fatalf("POST of an earlier alert's link: %d, lead %s v%d→v%d deal %+v sent back %+v\n%s",
					resp.StatusCode, after.Stage, before.Version, after.Version, after.Deal, after.SentBack, resp.Body)
			}
			// This hand-off's link, made in the second it began.
			cur := links.FeedbackToken(f.keys, "L1", tc.action, tc.extra, since.Truncate(time.Second), t0.Add(links.AlertTTL))
			if resp := f.do(t, http.MethodPost, cur, ""); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "Recorded") {
				t.Fatalf("this hand-off's link: %d\n%s", resp.StatusCode, resp.Body)
			}
			if l := f.lead(t); l.Version == after.Version {
				t.Fatalf("this hand-off's %s changed nothing: %s", tc.action, l.Stage)
			}
		})
	}
}

// TestReleaseLinkOfAnEarlierHoldReleasesNothing: a summary's release link
// lives for days; a lead whose hold it released, accepted, lost and come
// back, or sent back and hot again, can be held again by a later window.
// The old link must not release that hold (the later summary's link is
// for it); the link made for it does.
func TestReleaseLinkOfAnEarlierHoldReleasesNothing(t *testing.T) {
	f := newFixture(t)
	since := t0.Add(-time.Hour + 400*time.Millisecond)
	_, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.Handoff.State, l.Handoff.Since = lead.HandoffHeld, since
		l.Handoff.Held = &lead.Held{Reason: lead.HeldSourceLimit, Source: "k#20310310T0900Z", At: since, SummaryAt: t0.Add(-3 * time.Minute)}
		return lead.Change{At: since}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	link := func(issued time.Time) string {
		u := links.Release(f.keys, "https://api.example.com", "L1", issued, t0.Add(24*time.Hour))
		return u[strings.LastIndex(u, "/")+1:]
	}
	old := link(t0.Add(-3 * 24 * time.Hour)) // the earlier hold's summary
	before := f.lead(t)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		r := f.do(t, method, old, "")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "handed to sales again after this link was made") || strings.Contains(r.Body, `type="submit"`) {
			t.Fatalf("%s of an earlier hold's release link: %d\n%s", method, r.StatusCode, r.Body)
		}
	}
	if after := f.lead(t); after.Version != before.Version || after.Handoff.State != lead.HandoffHeld {
		t.Fatalf("an earlier hold's release link changed the lead: v%d→v%d, hand-off %s", before.Version, after.Version, after.Handoff.State)
	}
	// This hold's summary link, made in the second the hold began.
	if r := f.do(t, http.MethodPost, link(since.Truncate(time.Second)), ""); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Recorded") {
		t.Fatalf("this hold's release link: %d\n%s", r.StatusCode, r.Body)
	}
	if after := f.lead(t); after.Handoff.State == lead.HandoffHeld || !after.Handoff.Released {
		t.Fatalf("this hold's release link released nothing: %+v", after.Handoff)
	}
}

// TestLinksOfAReturnedLeadSaySo: once a hand-off nobody answered went
// back to marketing, its alert's links (live or expired) change nothing
// and say what happened, instead of "sales already answered".
func TestLinksOfAReturnedLeadSaySo(t *testing.T) {
	f := newFixture(t)
	back := t0.Add(30 * 24 * time.Hour)
	_, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.SendBack(lead.ReasonUnanswered, l.Handoff.Rep, back)
		return lead.Change{At: back}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.now = back.Add(time.Hour)
	before := f.lead(t)
	live := links.FeedbackToken(f.keys, "L1", links.ActionAccept, "ana@example.com", back.Add(-time.Hour), back.Add(24*time.Hour))
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		r := f.do(t, m, live, "")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Nobody acted on this alert in time, so the lead went back to marketing on "+back.Format("2 Jan 2006")) {
			t.Fatalf("%s of a live link: %d\n%s", m, r.StatusCode, r.Body)
		}
	}
	r := f.do(t, http.MethodPost, f.tok(links.ActionReject, "too_early"), "fresh_links=1") // expired a week after the alert
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "Nobody acted on this alert in time") || strings.Contains(r.Body, "Send me a fresh link") {
		t.Fatalf("an expired link: %d\n%s", r.StatusCode, r.Body)
	}
	if l := f.lead(t); l.Version != before.Version || l.Stage != lead.StageNurturing {
		t.Fatalf("the links changed the lead: v%d→v%d %s", before.Version, l.Version, l.Stage)
	}
}

// TestSentBackNamesWhoRejected: a lead the team lead sent back from the
// escalation records the team lead, not the rep the alert first went to.
func TestSentBackNamesWhoRejected(t *testing.T) {
	f := newFixture(t)
	_, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.Handoff.State, l.Handoff.Breached, l.Handoff.EscalatedTo = lead.HandoffEscalated, true, "lea@example.com"
		return lead.Change{At: t0}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	u := links.Reject(f.keys, "", "L1", "too_early", "lea@example.com", t0, t0.Add(links.AlertTTL))
	if r := f.do(t, http.MethodPost, strings.TrimPrefix(u, "/feedback/"), ""); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Recorded") {
		t.Fatalf("team lead's reject: %d\n%s", r.StatusCode, r.Body)
	}
	if l := f.lead(t); l.SentBack == nil || l.SentBack.Rep != "lea@example.com" {
		t.Fatalf("sent back %+v, want by lea@example.com", l.SentBack)
	}
}

// TestWonFormKeepsWhatWasTypedAndLinksOnlyTheOtherOutcomes: a refused
// won form comes back with the rep's amount, currency, date and comment,
// the problem marked; the won page links the other outcomes, not itself.
func TestWonFormKeepsWhatWasTypedAndLinksOnlyTheOtherOutcomes(t *testing.T) {
	f := newFixture(t)
	if r := f.post(t, links.ActionAccept, "ana@example.com"); r.StatusCode != http.StatusOK {
		t.Fatalf("accept: %d", r.StatusCode)
	}
	won := f.tok(links.ActionWon, "ana@example.com")
	page := f.do(t, http.MethodGet, won, "").Body
	if strings.Count(page, `class="btn"`) != 2 || !strings.Contains(page, ">Lost</a>") || strings.Contains(page, ">Won</a>") {
		t.Fatalf("the won page's outcome links:\n%s", page)
	}
	r := f.do(t, http.MethodPost, won, "amount=12k&currency=EUR&closed_at=2031-03-09&comment=Signed+%3Cb%3Etoday%3C%2Fb%3E")
	for _, want := range []string{`value="12k"`, `value="EUR"`, `value="2031-03-09"`, "Signed &lt;b&gt;today&lt;/b&gt;</textarea>", `class="msg bad"`} {
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, want) {
			t.Fatalf("refused won form lacks %s: %d\n%s", want, r.StatusCode, r.Body)
		}
	}
	if l := f.lead(t); l.Stage != lead.StageSAL {
		t.Fatalf("a refused won changed the lead: %s", l.Stage)
	}
}

// TestOutcomeLinksOfALostDealDoNotCloseTheNextOne: a lead whose deal was
// lost and that came back is a new round with sales; the lost deal's
// outcome links (the accept page's, the reminder's, the weekly list's:
// they live for the outcome horizon) were made before it came back and
// must not record an outcome of the new deal — a rep tidying an old
// email would close a colleague's deal. The new round's links work.
func TestOutcomeLinksOfALostDealDoNotCloseTheNextOne(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	f.now = t0.Add(10 * 24 * time.Hour)
	roundOne := func(action string) string { // the accept page's outcome links
		return links.FeedbackToken(f.keys, "L1", action, links.RepRef("ana@example.com"), t0, t0.Add(180*24*time.Hour))
	}
	if r := f.do(t, http.MethodPost, roundOne(links.ActionLost), ""); !strings.Contains(r.Body, "Recorded: lost") {
		t.Fatalf("lost: %d\n%s", r.StatusCode, r.Body)
	}
	// Six weeks later it posts a demo request and comes back; its new
	// alert goes to Ana, who accepts it.
	back := t0.Add(50 * 24 * time.Hour)
	_, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
		left, _ := l.Left()
		l.ComeBack(left, back)
		l.Stage = lead.StageMQL
		l.Handoff = &lead.Handoff{State: lead.HandoffSent, Rep: "ana@example.com", Since: back, SentAt: back, DueBy: back.Add(5 * time.Minute)}
		return lead.Change{At: back}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.now = back.Add(time.Minute)
	acceptNow := links.FeedbackToken(f.keys, "L1", links.ActionAccept, links.RepRef("ana@example.com"), back, back.Add(links.AlertTTL))
	if r := f.do(t, http.MethodPost, acceptNow, ""); !strings.Contains(r.Body, "Recorded") {
		t.Fatalf("accepting the new alert: %d\n%s", r.StatusCode, r.Body)
	}
	f.now = back.Add(24 * time.Hour)
	before := f.lead(t)
	for _, action := range []string{links.ActionWon, links.ActionLost, links.ActionSQL} {
		old := roundOne(action)
		page := f.do(t, http.MethodGet, old, "")
		if strings.Contains(page.Body, `type="submit"`) || strings.Contains(page.Body, `class="btn"`) {
			t.Errorf("GET of the lost deal's %s link offers to record (or links) an outcome of the new deal:\n%s", action, page.Body)
		}
		if r := f.do(t, http.MethodPost, old, ""); !strings.Contains(r.Body, "This link belongs to the earlier round") {
			t.Errorf("POST of the lost deal's %s link does not say it is of the earlier round:\n%s", action, r.Body)
		}
		if l := f.lead(t); l.Stage != lead.StageSAL || l.Version != before.Version {
			t.Fatalf("the lost deal's %s link recorded on the new deal: stage %s, v%d→v%d", action, l.Stage, before.Version, l.Version)
		}
	}
	// The new round's own outcome link works.
	cur := links.FeedbackToken(f.keys, "L1", links.ActionWon, links.RepRef("ana@example.com"), f.now, back.Add(180*24*time.Hour))
	if r := f.do(t, http.MethodPost, cur, ""); !strings.Contains(r.Body, "Recorded: won") {
		t.Fatalf("the new deal's won link: %d\n%s", r.StatusCode, r.Body)
	}
}

// An erased person owes sales nothing: an answer link of its alert —
// even one whose escalation nobody answered, as leads erased before
// erasure closed escalated hand-offs still are — neither accepts nor
// rejects it (no deal for the rep's weekly list, no sal counted, no
// lead.accepted on the bus).
func TestAnswerLinksOfAnErasedLeadChangeNothing(t *testing.T) {
	for _, action := range []string{links.ActionAccept, links.ActionReject} {
		t.Run(action, func(t *testing.T) {
			f := newFixture(t)
			if _, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
				l.Handoff.State, l.Handoff.EscalatedTo, l.Handoff.Breached = lead.HandoffEscalated, "lea@example.com", true
				l.Erased, l.Suppressed, l.Email, l.Name, l.Company = true, "erasure", "", "", ""
				return lead.Change{At: t0}, nil
			}); err != nil {
				t.Fatal(err)
			}
			extra := "lea@example.com"
			if action == links.ActionReject {
				extra = "too_early"
			}
			resp := f.post(t, action, extra)
			l := f.lead(t)
			if strings.Contains(resp.Body, recorded) || l.Stage != lead.StageMQL || l.Deal != nil || l.OpenWith() != "" {
				t.Fatalf("%s of an erased lead: stage %s, deal %+v\n%s", action, l.Stage, l.Deal, resp.Body)
			}
			if !strings.Contains(resp.Body, "erased on request") {
				t.Errorf("the page does not say the lead was erased:\n%s", resp.Body)
			}
			if c := f.counters(t); c["sal"] != 0 || c["rejected"] != 0 {
				t.Fatalf("%s of an erased lead counted: %v", action, c)
			}
		})
	}
}

// TestPageShowsWhatLaterFormsChanged: anyone who knows the lead's address
// can post it again with another name, company or phone after the alert
// went out. The page the rep opens from the alert says what changed since
// the first form, as the alert does, instead of showing the new values as
// the lead's own.
func TestPageShowsWhatLaterFormsChanged(t *testing.T) {
	f := newFixture(t)
	l := f.lead(t)
	l = lead.Merge(l, lead.Submission{Email: l.Email, Name: "Mallory", Phone: "+1 555 0100", Source: lead.Attribution{At: t0.Add(-time.Minute)}})
	l.Version++
	if err := f.st.SaveLead(context.Background(), l, lead.Change{At: t0.Add(-time.Minute)}, nil); err != nil {
		t.Fatal(err)
	}
	resp := f.do(t, http.MethodGet, f.tok(links.ActionAccept, "ana@example.com"), "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "Changed since the first form") ||
		!strings.Contains(resp.Body, "Clara → Mallory") || !strings.Contains(html.UnescapeString(resp.Body), "(not given) → +1 555 0100") {
		t.Fatalf("GET = %d:\n%s", resp.StatusCode, resp.Body)
	}
	if problems := httpapitest.PageProblems(resp); len(problems) > 0 {
		t.Errorf("page problems: %v", problems)
	}
}

// TestOutcomesOfAnErasedLeadKeepNoFreeText: a deal's outcome still counts
// after its lead's personal data was erased (the funnel stays true), but
// what a rep or a CRM wrote about the person — a comment, why the deal
// was lost — is not stored on the erased lead's profile or timeline:
// erasure would otherwise be undone by the next outcome.
func TestOutcomesOfAnErasedLeadKeepNoFreeText(t *testing.T) {
	const secret = "Clara+moves+to+Berlin"
	for _, tc := range []struct {
		name  string
		apply func(f *fixture) error
	}{
		{"rep won", func(f *fixture) error {
			r := f.do(t, http.MethodPost, f.tok(links.ActionWon, "ana@example.com"), "amount=1200&currency=EUR&closed_at=2031-03-09&comment="+secret)
			if r.StatusCode != http.StatusOK {
				return fmt.Errorf("won: %d %s", r.StatusCode, r.Body)
			}
			return nil
		}},
		{"rep lost", func(f *fixture) error {
			r := f.do(t, http.MethodPost, f.tok(links.ActionLost, "ana@example.com"), "comment="+secret)
			if r.StatusCode != http.StatusOK {
				return fmt.Errorf("lost: %d %s", r.StatusCode, r.Body)
			}
			return nil
		}},
		{"crm lost", func(f *fixture) error {
			_, err := f.h.ApplyCRM(context.Background(), Outcome{LeadID: "L1", Stage: "lost", Reason: strings.ReplaceAll(secret, "+", " "), EventID: "crm-1"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if r := f.post(t, links.ActionAccept, "ana@example.com"); r.StatusCode != http.StatusOK {
				t.Fatalf("accept: %d", r.StatusCode)
			}
			if _, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
				l.Erased, l.Suppressed, l.Email, l.Name, l.Company, l.Deal = true, "erasure", "", "", "", nil
				return lead.Change{At: t0}, nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := tc.apply(f); err != nil {
				t.Fatal(err)
			}
			l := f.lead(t)
			tl, err := f.st.Timeline(context.Background(), "L1")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(struct {
				L  lead.Lead
				TL []lead.Event
			}{l, tl})
			if strings.Contains(string(b), "Berlin") {
				t.Fatalf("the erased lead holds what was written about the person: %s", b)
			}
			if string(l.Stage) != strings.Fields(tc.name)[1] {
				t.Fatalf("the outcome was not recorded: stage %s", l.Stage)
			}
		})
	}
}

// TestCommentAsABrowserPostsIt: a browser percent-encodes the form, so
// a comment within MaxComment characters of é or 日 takes up to nine
// bytes a character; it must be recorded, not refused as too long, and a
// refused form (another field wrong) must show the comment again.
func TestCommentAsABrowserPostsIt(t *testing.T) {
	for _, c := range []string{"é", "日", "🙂"} {
		comment := strings.Repeat(c, MaxComment)
		f := newFixture(t)
		body := url.Values{"comment": {comment}}.Encode()
		if r := f.do(t, http.MethodPost, f.tok(links.ActionReject, "too_early"), body); r.StatusCode != http.StatusOK {
			t.Fatalf("%d× %s: status %d, want 200:\n%.300s", MaxComment, c, r.StatusCode, r.Body)
		}
		if got := f.lead(t).Stage; got != lead.StageNurturing {
			t.Fatalf("%d× %s: stage %s, want the rejection recorded", MaxComment, c, got)
		}
		f = newFixture(t)
		accepted(t, f)
		won := f.tok(links.ActionWon, "ana@example.com")
		r := f.do(t, http.MethodPost, won, url.Values{"amount": {"12,5"}, "currency": {"EUR"}, "comment": {comment}}.Encode())
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.Body, "12,5") || !strings.Contains(r.Body, comment+"</textarea>") {
			t.Fatalf("%d× %s: a refused amount lost what was typed: %d\n%.600s", MaxComment, c, r.StatusCode, r.Body)
		}
	}
}

// TestPageWrapsLongValuesOnAPhone: an address, a company or a name is
// one unbreakable word to a browser; on a 375 px phone a 90-character
// address widened the page to 800 px (zoomed out, the buttons off
// screen) unless the lead's card may break it anywhere.
func TestPageWrapsLongValuesOnAPhone(t *testing.T) {
	f := newFixture(t)
	page := f.do(t, http.MethodGet, f.tok(links.ActionAccept, "ana@example.com"), "").Body
	card := regexp.MustCompile(`\.card\{[^}]*\}`).FindString(page)
	if !strings.Contains(card, "overflow-wrap:anywhere") {
		t.Fatalf("the lead's card does not wrap long words: %q", card)
	}
}

// TestReturnedDateInTheRepsZone: the day a returned lead went back to
// marketing is the day in the zone of the rep whose link it is (as every
// time a rep's page shows), not the UTC day: back in the evening in Los
// Angeles is the next day in UTC, after midnight in Berlin the day before.
func TestReturnedDateInTheRepsZone(t *testing.T) {
	for _, c := range []struct {
		zone string
		back time.Time
		want string
	}{
		{"America/Los_Angeles", time.Date(2031, 4, 10, 3, 0, 0, 0, time.UTC), "9 Apr 2031"}, // 20:00 PDT on the 9th
		{"Europe/Berlin", time.Date(2031, 4, 9, 22, 30, 0, 0, time.UTC), "10 Apr 2031"},     // 00:30 CEST on the 10th
		{"UTC", time.Date(2031, 4, 9, 22, 30, 0, 0, time.UTC), "9 Apr 2031"},
	} {
		t.Run(c.zone, func(t *testing.T) {
			f := newFixture(t)
			rules, err := qualify.Parse([]byte(strings.Replace(rulesYAML, "{name: Ana, email: ana@example.com}",
				"{name: Ana, email: ana@example.com, time_zone: "+c.zone+"}", 1)), "rules.yaml")
			if err != nil {
				t.Fatal(err)
			}
			f.h.Rules = rules
			if _, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
				l.SendBack(lead.ReasonUnanswered, l.Handoff.Rep, c.back)
				return lead.Change{At: c.back}, nil
			}); err != nil {
				t.Fatal(err)
			}
			f.now = c.back.Add(time.Hour)
			ref := links.LinkRepRef(f.keys, "ana@example.com")
			live := links.FeedbackToken(f.keys, "L1", links.ActionAccept, ref, c.back.Add(-time.Hour), c.back.Add(24*time.Hour))
			expired := links.FeedbackToken(f.keys, "L1", links.ActionAccept, ref, c.back.Add(-8*24*time.Hour), c.back.Add(-time.Minute))
			for name, tok := range map[string]string{"live": live, "expired": expired} {
				r := f.do(t, http.MethodGet, tok, "")
				if !strings.Contains(r.Body, "went back to marketing on "+c.want+".") {
					t.Errorf("%s link: %d, want the day %s:\n%s", name, r.StatusCode, c.want, r.Body)
				}
			}
		})
	}
}

// TestEscalationLinksShowTimesInTheTeamLeadsZone: the escalation's links
// go to the team lead, and every one of them — accept and each reject —
// shows the alert's times in the team lead's zone, not in the zone of the
// rep who missed it.
func TestEscalationLinksShowTimesInTheTeamLeadsZone(t *testing.T) {
	f := newFixture(t)
	rules, err := qualify.Parse([]byte(strings.NewReplacer(
		"{name: Ana, email: ana@example.com}", "{name: Ana, email: ana@example.com, time_zone: America/New_York}",
		"{name: Lea, email: lea@example.com}", "{name: Lea, email: lea@example.com, time_zone: Europe/Berlin}").Replace(rulesYAML)), "rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.h.Rules = rules
	if _, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
		l.Handoff.State, l.Handoff.Breached, l.Handoff.EscalatedTo = lead.HandoffEscalated, true, "lea@example.com"
		return lead.Change{At: f.now}, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.now = t0.Add(10 * time.Minute)
	ref := links.LinkRepRef(f.keys, "lea@example.com")
	sent := f.lead(t).Handoff.SentAt.In(mustZone(t, "Europe/Berlin")).Format(leadmailTime)
	for _, tok := range []string{
		links.FeedbackToken(f.keys, "L1", links.ActionAccept, "lea@example.com", f.now, f.now.Add(time.Hour)),
		links.FeedbackToken(f.keys, "L1", links.ActionReject, "not_icp "+ref, f.now, f.now.Add(time.Hour)),
	} {
		r := f.do(t, http.MethodGet, tok, "")
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, sent) {
			t.Errorf("page (%d) does not show the alert sent at %s:\n%s", r.StatusCode, sent, r.Body[strings.Index(r.Body, "<body"):])
		}
	}
}

const leadmailTime = "Mon 2 Jan 2006, 15:04 MST"

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestAnsweredPageTitleSaysWhatHappened: the browser's tab, and a screen
// reader as the page opens, name what happened — not the question the
// page asked before ("Accept this lead?" over "Recorded: you accepted").
func TestAnsweredPageTitleSaysWhatHappened(t *testing.T) {
	f := newFixture(t)
	title := func(body string) string {
		_, after, _ := strings.Cut(body, "<title>")
		before, _, _ := strings.Cut(after, "</title>")
		return before
	}
	r := f.post(t, links.ActionAccept, "ana@example.com")
	if got := title(r.Body); r.StatusCode != http.StatusOK || !strings.HasPrefix(got, "Recorded: you accepted this lead") {
		t.Errorf("after accepting: %d, title %q", r.StatusCode, got)
	}
	for _, tc := range []struct{ action, extra, want string }{
		{links.ActionAccept, "ana@example.com", "Ana already accepted this lead"},
		{links.ActionReject, "not_icp", "Sales already answered this lead."},
	} {
		r := f.do(t, http.MethodGet, f.tok(tc.action, tc.extra), "")
		if got := title(r.Body); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s link once answered: title %q, want it to start %q", tc.action, got, tc.want)
		}
	}
	if got := title(f.do(t, http.MethodGet, f.tok(links.ActionWon, "ana@example.com"), "").Body); got != "Mark this deal won?" {
		t.Errorf("won page: title %q", got)
	}
}

// TestRefusedAnswerMarksItsField: a refused answer is said next to the
// form, and the field it is about is marked invalid, described by the
// message and focused as the page opens, so that a rep on a phone lands
// on it (not on a message a screen's height above) and a screen reader
// reads the field with the reason. The other fields are not marked.
func TestRefusedAnswerMarksItsField(t *testing.T) {
	f := newFixture(t)
	rules, err := qualify.Parse([]byte(rulesYAML+"outcomes: {currency: EUR, rates: {KWD: 3}}\n"), "rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.h.Rules = rules
	accepted(t, f)
	won, lost := f.tok(links.ActionWon, "ana@example.com"), f.tok(links.ActionLost, "ana@example.com")
	marked := `aria-invalid="true" aria-describedby="problem" autofocus`
	for _, tt := range []struct{ tok, body, field, says string }{
		{won, "amount=12k&currency=EUR", `id="amount"`, "Deal amount: &#34;12k&#34; is not a number"},
		{won, "amount=1.234,50&currency=EUR", `id="amount"`, "Deal amount: &#34;1.234,50&#34;: a comma separates thousands only"},
		{won, "amount=-5&currency=EUR", `id="amount"`, "Deal amount: must be between 0 and"},
		{won, "amount=100&currency=EU", `id="currency"`, "Currency: &#34;EU&#34; is not a three-letter ISO 4217 code"},
		{won, "amount=100&currency=GBP", `id="currency"`, "deals can be recorded in EUR here, not in GBP yet"},
		// Worth too much at KWD's rate: the amount (or the rate) is wrong,
		// not the currency, which has a rate.
		{won, "amount=400000000000&currency=KWD", `id="amount"`, "Deal amount: is worth more than 1000000000000 EUR at the configured rate (outcomes.rates.KWD: 3)"},
		{won, "amount=100&currency=EUR&closed_at=2031-04-10", `id="closed_at"`, "Closed on: lies in the future"},
		{won, "amount=100&currency=EUR&closed_at=10.3.2031", `id="closed_at"`, "Closed on: &#34;10.3.2031&#34; is not a date"},
		{lost, "comment=" + strings.Repeat("x", MaxComment+1), `id="comment"`, "the comment is longer than 1000 characters"},
	} {
		r := f.do(t, http.MethodPost, tt.tok, tt.body)
		form, _, _ := strings.Cut(r.Body[strings.Index(r.Body, `<form method="post">`)+1:], "</form>")
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(form, `<p class="msg bad" id="problem">`+tt.says) {
			t.Errorf("%.40s: %d, want %q in the form:\n%s", tt.body, r.StatusCode, tt.says, r.Body)
			continue
		}
		if strings.Count(r.Body, marked) != 1 || !regexp.MustCompile(`<[a-z]+ `+tt.field+`[^>]*`+marked).MatchString(r.Body) {
			t.Errorf("%.40s: want only the field %s marked %q:\n%s", tt.body, tt.field, marked, form)
		}
		// The tab and a screen reader's first words say it was refused.
		if !strings.Contains(r.Body, "<title>Error: Mark this deal") {
			t.Errorf("%.40s: the title does not start with Error: %s", tt.body, r.Body[strings.Index(r.Body, "<title>"):strings.Index(r.Body, "</title>")])
		}
	}
}

// failingSaves is the fixture's store with every lead write failing, as
// when DynamoDB is unreachable.
type failingSaves struct{ *memstore.Store }

func (failingSaves) Save(context.Context, lead.Lead, lead.Change) error {
	return errors.New("dynamodb unreachable")
}

// TestAnswerNotRecordedKeepsWhatWasTyped: when the answer cannot be
// recorded (the database is down), the page says to try again and the
// form still holds the rep's amount, date and comment, next to the
// message: pressing the button again is the whole retry.
func TestAnswerNotRecordedKeepsWhatWasTyped(t *testing.T) {
	f := newFixture(t)
	accepted(t, f)
	f.h.Store = failingSaves{f.st}
	r := f.do(t, http.MethodPost, f.tok(links.ActionWon, "ana@example.com"), "amount=12500&currency=EUR&closed_at=2031-03-09&comment=Signed+today")
	if r.StatusCode != http.StatusInternalServerError {
		t.Fatalf("won with the database down: %d\n%s", r.StatusCode, r.Body)
	}
	for _, want := range []string{`<p class="msg bad" id="problem">We could not record this. Please try again in a minute.</p>`,
		`value="12500"`, `value="2031-03-09"`, ">Signed today</textarea>", ">Mark won</button>"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page lacks %s:\n%s", want, r.Body)
		}
	}
	if strings.Contains(r.Body, `aria-invalid`) {
		t.Errorf("no field is wrong, yet one is marked:\n%s", r.Body)
	}
}

// TestRejectLinkOfAReasonNoLongerConfigured: marketing took "spam" out of
// reject_reasons (or renamed it) after the alert went. The rep's "Spam or
// fake" link must not quietly send the lead back to nurturing (the
// default for a reason the config does not know): its page says the
// reason is gone, records nothing, and offers today's reasons as links for
// the same rep and hand-off; a press on the old button records nothing
// either.
func TestRejectLinkOfAReasonNoLongerConfigured(t *testing.T) {
	f := newFixture(t)
	old := links.Reject(f.keys, "", "L1", "spam", "ana@example.com", t0.Add(-3*time.Minute), t0.Add(links.AlertTTL))
	old = strings.TrimPrefix(old, "/feedback/")
	version := f.lead(t).Version
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		resp := f.do(t, method, old, "")
		want := map[string]int{http.MethodGet: http.StatusOK, http.MethodPost: http.StatusConflict}[method]
		body := html.UnescapeString(resp.Body)
		if resp.StatusCode != want || !strings.Contains(body, "“Spam” is no longer a reason sales can pick") ||
			!strings.Contains(body, "nothing was recorded") || strings.Contains(body, `<button class="reject"`) {
			t.Fatalf("%s: status %d, want %d, saying the reason is gone, without a Reject button:\n%s", method, resp.StatusCode, want, resp.Body)
		}
		for _, label := range []string{">Not our ICP<", ">Too early<"} {
			if !strings.Contains(body, label) {
				t.Fatalf("%s: no link for today's reason %s:\n%s", method, label, resp.Body)
			}
		}
		if p := httpapitest.AccessibilityProblems(resp.Body); len(p) > 0 {
			t.Fatalf("%s: %v", method, p)
		}
		if l := f.lead(t); l.Version != version || l.Stage != lead.StageMQL || len(f.counters(t)) != 0 {
			t.Fatalf("%s changed the lead: stage %s, version %d → %d, counters %v", method, l.Stage, version, l.Version, f.counters(t))
		}
	}
	// A config with no reasons left: nothing to offer, and the page says so.
	none, err := qualify.Parse([]byte(rulesYAML[:strings.Index(rulesYAML, "reject_reasons:")]), "rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rules := f.h.Rules
	f.h.Rules = none
	if resp := f.do(t, http.MethodGet, old, ""); resp.StatusCode != http.StatusOK || strings.Contains(resp.Body, "pick one of today") ||
		!strings.Contains(html.UnescapeString(resp.Body), "The qualification config lists no reasons to reject a lead for now") {
		t.Fatalf("no reasons left: %d\n%s", resp.StatusCode, resp.Body)
	} else if p := httpapitest.AccessibilityProblems(resp.Body); len(p) > 0 {
		t.Fatalf("no reasons left: %v", p)
	}
	f.h.Rules = rules
	// Today's reason, from the page: recorded for the rep the old link named.
	m := regexp.MustCompile(`href="([^"]+)">Not our ICP<`).FindStringSubmatch(f.do(t, http.MethodGet, old, "").Body)
	if m == nil {
		t.Fatal("no link for Not our ICP")
	}
	resp := f.do(t, http.MethodPost, html.UnescapeString(m[1]), "")
	if !strings.Contains(pageText(resp.Body), recorded+"you rejected this lead (Not our ICP). It leaves the funnel.") {
		t.Fatalf("today's reason from the page: %d\n%s", resp.StatusCode, resp.Body)
	}
	if l := f.lead(t); l.Stage != lead.StageRejected || l.Handoff.AnsweredBy != "ana@example.com" || f.counters(t)["rej_not_icp"] != 1 {
		t.Fatalf("stage %s, answered by %q, counters %v", l.Stage, l.Handoff.AnsweredBy, f.counters(t))
	}
	// The old link, now: the lead was answered; it says so, as any spent link does.
	if resp := f.do(t, http.MethodGet, old, ""); resp.StatusCode != http.StatusOK || !strings.Contains(html.UnescapeString(resp.Body), "Ana already rejected this lead on 10 Mar 2031; nothing changed.") {
		t.Fatalf("old link after the answer: %d\n%s", resp.StatusCode, resp.Body)
	}
}

// TestOutcomeLinkPastAShortenedHorizon: sales accepted the lead under a
// 180-day outcome horizon, so its outcome links are signed for 180 days;
// then the config shortens the horizon to 30 days. Sixty days on, the
// won link must not offer a form whose button then answers "Sales already
// answered this lead" (nothing had answered it): it says the link expired,
// as one signed for 30 days would, and records nothing.
func TestOutcomeLinkPastAShortenedHorizon(t *testing.T) {
	f := newFixture(t)
	if r := f.post(t, links.ActionAccept, "ana@example.com"); !strings.Contains(r.Body, recorded) {
		t.Fatalf("accept: %s", r.Body)
	}
	won := links.FeedbackToken(f.keys, "L1", links.ActionWon, "ana@example.com", t0, t0.Add(180*24*time.Hour))
	shorter, err := qualify.Parse([]byte(rulesYAML+"outcomes: {horizon: 30d, remind_after: 14d}\n"), "rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.h.Rules = shorter
	f.now = t0.Add(60 * 24 * time.Hour)
	version := f.lead(t).Version
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		r := f.do(t, method, won, "amount=5000")
		if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "This link has expired") || strings.Contains(r.Body, "already answered") ||
			strings.Contains(r.Body, "Mark won") {
			t.Fatalf("%s: %d\n%s", method, r.StatusCode, r.Body)
		}
	}
	if l := f.lead(t); l.Version != version || l.Stage != lead.StageSAL {
		t.Fatalf("changed: stage %s, v%d → v%d", l.Stage, version, l.Version)
	}
}

// TestAnsweredPageHeadsWithItsFirstSentence: the page after an answer
// heads with what was recorded, one sentence, and says the rest below
// it: a rejection's whole explanation as the h1 and the tab's title took
// seven lines of a phone's first screen in large bold type (and a tab
// that says nothing readable). The full message is still on the page.
func TestAnsweredPageHeadsWithItsFirstSentence(t *testing.T) {
	f := newFixture(t)
	f.h.Requalify = nurture.Enroller{Rules: f.h.Rules, Sequences: nurture.Default(), NewID: f.h.NewID}
	r := f.post(t, links.ActionReject, "too_early")
	between := func(s, open, end string) string {
		_, after, _ := strings.Cut(s, open)
		before, _, _ := strings.Cut(after, end)
		return before
	}
	const head = "Recorded: you rejected this lead (Too early)."
	if got := between(r.Body, "<title>", "</title>"); got != head {
		t.Errorf("title %q, want %q", got, head)
	}
	if got := between(r.Body, "<h1>", "</h1>"); got != head {
		t.Errorf("h1 %q, want %q", got, head)
	}
	if rest := "It goes back to marketing, but gets no nurture email: it has not agreed to marketing email. New interest brings it back to sales."; !strings.Contains(between(r.Body, "</h1>", "<div"), rest) {
		t.Errorf("the rest of the message is not below the heading:\n%s", r.Body)
	}
	if p := httpapitest.AccessibilityProblems(r.Body); len(p) > 0 {
		t.Errorf("accessibility: %v", p)
	}
}

func TestHeadline(t *testing.T) {
	for _, tc := range []struct{ msg, head, rest string }{
		{"Recorded: you accepted this lead. It is yours now.", "Recorded: you accepted this lead.", "It is yours now."},
		{"Recorded: won (12,500.00 EUR, closed on 5 Dec 2026). Congratulations!", "Recorded: won (12,500.00 EUR, closed on 5 Dec 2026).", "Congratulations!"},
		{"Recorded: lost.", "Recorded: lost.", ""},
		{"Ana B. Smith already accepted this lead on 5 Dec 2026; nothing changed.", "Ana B. Smith already accepted this lead on 5 Dec 2026; nothing changed.", ""},
		{"“Too early” is no longer a reason sales can pick, so nothing was recorded", "“Too early” is no longer a reason sales can pick, so nothing was recorded", ""},
		{"Recorded: won (1.5 EUR). Nice. More.", "Recorded: won (1.5 EUR).", "Nice. More."},
	} {
		head, rest := headline(tc.msg)
		if head != tc.head || rest != tc.rest {
			t.Errorf("headline(%q) = %q, %q; want %q, %q", tc.msg, head, rest, tc.head, tc.rest)
		}
	}
}

// pageText is a page's text as a person reads it: tags dropped, entities
// decoded, spaces collapsed (a message split between a heading and the
// paragraph below it reads as one).
func pageText(page string) string {
	return strings.Join(strings.Fields(html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, " "))), " ")
}

// TestPageOfAnOverdueLeadSaysItIsOverdue: a rep who opened the alert's
// link after its deadline read "Respond by <a time already past>", as if
// there were still time, and nothing of the escalation that went out.
// Past the deadline the page says since when the lead is overdue, and,
// once the escalation went, that it did; before it, "Respond by".
func TestPageOfAnOverdueLeadSaysItIsOverdue(t *testing.T) {
	for _, tc := range []struct {
		name      string
		after     time.Duration
		escalated bool
		want      []string
		notWant   []string
	}{
		{"in time", 0, false, []string{"Respond by Mon 10 Mar 2031, 09:05 UTC"}, []string{"Overdue"}},
		{"past the deadline", 10 * time.Minute, false, []string{"Overdue since Mon 10 Mar 2031, 09:05 UTC"}, []string{"Respond by", "escalat"}},
		{"escalated", 10 * time.Minute, true, []string{"Overdue since Mon 10 Mar 2031, 09:05 UTC; the escalation has gone out"}, []string{"Respond by"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.escalated {
				if _, err := lead.Update(context.Background(), f.st, "L1", func(l *lead.Lead) (lead.Change, error) {
					l.Handoff.State, l.Handoff.Breached, l.Handoff.EscalatedTo = lead.HandoffEscalated, true, "lea@example.com"
					return lead.Change{At: t0}, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			f.now = t0.Add(tc.after)
			resp := f.do(t, http.MethodGet, f.tok(links.ActionAccept, "ana@example.com"), "")
			body := strings.Join(strings.Fields(resp.Body), " ")
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("lacks %q:\n%s", w, resp.Body)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("says %q:\n%s", w, resp.Body)
				}
			}
		})
	}
}
