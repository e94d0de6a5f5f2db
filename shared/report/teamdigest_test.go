package report_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

var teams = []report.Team{
	{Name: "enterprise", Lead: report.Person{Name: "Lea Stone", Email: "lea@example.com"},
		Reps: []report.Person{{Name: "Ana Lopez", Email: "ana@example.com"}, {Name: "Ben Wu", Email: "ben@example.com"}}},
	{Name: "smb", Lead: report.Person{Name: "Max Berg", Email: "max@example.com"}, Reps: []report.Person{{Name: "Sam Reed", Email: "sam@example.com"}}},
	{Name: "partners", Reps: []report.Person{{Name: "Pat Kim", Email: "pat@example.com"}}}, // no lead: no digest
}

// repStore has an accepted lead open with Ana (accepted 40 days before
// now) and rep counters for Ana and Pat this month: the enterprise and
// partners teams have something to report, smb nothing.
func repStore(t *testing.T) *memstore.Store {
	t.Helper()
	st := memstore.New()
	ctx := context.Background()
	accepted := now.Add(-40 * 24 * time.Hour)
	l := lead.New("L1", lead.Submission{Email: "clara@bigcorp.example", Name: "Clara Moss", Company: "BigCorp", Source: lead.Attribution{Campaign: "spring", At: accepted}})
	l.Stage, l.Deal = lead.StageSAL, &lead.Deal{AcceptedAt: accepted, Rep: "ana@example.com"}
	ch := lead.Change{At: now, Counters: append(append(lead.RepCounter("ana@example.com", "handoffs", 0), lead.RepCounter("Ana@Example.com", "sal", 0)...),
		lead.RepCounter("pat@example.com", "handoffs", 0)...)}
	ch.Counters = append(ch.Counters, lead.RepCounter("ana@example.com", "revenue_minor", 1234500)...)
	if err := st.CreateLead(ctx, l, ch, nil); err != nil {
		t.Fatal(err)
	}
	return st
}

func teamHandler(st *memstore.Store, out *mailtest.Outbox) *report.Handler {
	h := newHandler(st, out)
	h.Teams, h.Open = teams, st
	return h
}

// TestTeamDigestsOncePerWeekAndTeam: each team lead whose team has
// something to report gets one digest a week however often the schedule
// runs; the next week brings the next one.
func TestTeamDigestsOncePerWeekAndTeam(t *testing.T) {
	out := &mailtest.Outbox{}
	h := teamHandler(repStore(t), out)
	for i, want := range []int{1, 0, 0} {
		if n, err := h.TeamDigests(context.Background()); err != nil || n != want {
			t.Fatalf("run %d: %d sent, %v; want %d", i, n, err, want)
		}
	}
	sent := out.Sent()
	if len(sent) != 1 {
		t.Fatalf("%d team digests, want 1 (enterprise; smb has nothing, partners no lead)", len(sent))
	}
	m := sent[0]
	if m.To != "lea@example.com" || m.From != "reports@example.com" || m.Tags["kind"] != "team_digest" || m.ConfigurationSet != "leadflow" ||
		!strings.HasPrefix(m.Subject, "Sales team enterprise, week 2031-W11: 1 alert, 1 accepted") {
		t.Fatalf("digest = %+v", m)
	}
	for _, want := range []string{"Ana Lopez (ana@example.com)", "Accepted, no outcome yet: 1 (under 7 days 0 · 7–30 days 0 · over 30 days 1)",
		"revenue €12,345", "Ben Wu (ben@example.com)\n  nothing in this period", "https://api.example.com/reports?format=html&from=2031-02&to=2031-03#reps"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("digest text lacks %q:\n%s", want, m.Text)
		}
	}
	// No lead PII: counts only.
	for _, pii := range []string{"Clara", "Moss", "BigCorp", "clara@", "L1"} {
		if strings.Contains(m.Text, pii) || strings.Contains(m.HTML, pii) || strings.Contains(m.Subject, pii) {
			t.Errorf("the team digest shows %q", pii)
		}
	}
	// Monday starts week 12.
	h.Clock = func() time.Time { return time.Date(2031, 3, 17, 0, 30, 0, 0, time.UTC) }
	if n, err := h.TeamDigests(context.Background()); err != nil || n != 1 || !strings.Contains(out.Sent()[1].Subject, "2031-W12") {
		t.Fatalf("next week: %d, %v", n, err)
	}
}

// TestFailedTeamDigestIsRetried: a digest SES refused is not marked
// sent, so the next run sends it, once.
func TestFailedTeamDigestIsRetried(t *testing.T) {
	out := &mailtest.Outbox{Fail: mail.ErrThrottled}
	h := teamHandler(repStore(t), out)
	if n, err := h.TeamDigests(context.Background()); !errors.Is(err, mail.ErrThrottled) || n != 0 {
		t.Fatalf("%d, %v; want the send's error", n, err)
	}
	out.Fail = nil
	for i, want := range []int{1, 0} {
		if n, err := h.TeamDigests(context.Background()); err != nil || n != want {
			t.Fatalf("retry %d: %d, %v", i, n, err)
		}
	}
	if len(out.Sent()) != 1 {
		t.Fatalf("%d sent", len(out.Sent()))
	}
}

// TestTeamDigestNotRecordedIsNotSent: without its marker no digest goes.
func TestTeamDigestNotRecordedIsNotSent(t *testing.T) {
	out := &mailtest.Outbox{}
	h := newHandler(failingStore{Store: repStore(t), once: errors.New("dynamodb: throttled")}, out)
	h.Teams = teams
	if _, err := h.TeamDigests(context.Background()); err == nil || len(out.Sent()) != 0 {
		t.Fatalf("err = %v, %d sent", err, len(out.Sent()))
	}
}
