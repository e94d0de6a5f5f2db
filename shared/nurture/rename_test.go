package nurture

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail/mailtest"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/token"
)

// renamedID is cold-education's new id in renamedConfig, which lists
// the old one under replaces.
const renamedID = "cold-2027"

func renamedConfig(t testing.TB, src string) *Config {
	t.Helper()
	return mustParse(t, replaceOnce(t, src, "  - id: cold-education\n", "  - id: cold-2027\n    replaces: [cold-education]\n"))
}

func TestReplacesValidation(t *testing.T) {
	coldLine, warmLine := "  - id: cold-education\n", "  - id: warm-followup\n"
	with := func(src, seqLine, replaces string) string {
		return strings.Replace(src, seqLine, seqLine+"    replaces: "+replaces+"\n", 1)
	}
	trigger := strings.Replace(full, "campaigns: []}", "campaigns: []}\n    replaces: [cold-old]", 1)
	trigger = strings.Replace(trigger, "      campaigns: [webinar-2026]\n", "      campaigns: [webinar-2026]\n      signals: [pricing_page_view]\n      from: [cold-old]\n", 1)
	tests := []struct{ name, src, marker, want string }{
		{"an id still in the file", with(full, warmLine, "[cold-education]"), "replaces: [cold-education]",
			`sequence warm-followup, replaces: "cold-education" is a sequence of this file (line 8); a sequence replaces only ids no longer in it (remove or rename that one)`},
		{"its own id", with(full, warmLine, "[warm-followup]"), "replaces: [warm-followup]",
			`sequence warm-followup, replaces: "warm-followup" is this sequence's own id (list only the ids it had before)`},
		{"replaced by two sequences", with(with(full, coldLine, "[education]"), warmLine, "[education]"), "replaces: [education]\n    entry:\n      temperatures: [warm]",
			`sequence warm-followup, replaces: "education" is replaced by sequence cold-education already (line 9); leads stored in it can continue in one sequence only`},
		{"listed twice", with(full, warmLine, "[old, old]"), "replaces: [old, old]",
			`sequence warm-followup, replaces: "old" is listed twice (first at line 21)`},
		{"not an id", with(full, warmLine, "[Old Name]"), "replaces: [Old Name]",
			`sequence warm-followup.replaces: sequence id "Old Name" must be lowercase letters, digits, - or _ (like cold-education)`},
		{"a trigger's from names the earlier id", trigger, "from: [cold-old]",
			`sequence warm-followup, entry.from: "cold-old" is now sequence cold-education (its replaces, line 10): name cold-education`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "sequences.yaml")
			want := fmt.Sprintf("sequences.yaml:%d: %s", lineOf(t, tt.src, tt.marker), tt.want)
			if err == nil || !strings.Contains(err.Error()+"\n", want+"\n") {
				t.Errorf("got %v\nwant a line %q\nconfig:\n%s", err, want, numbered(tt.src))
			}
		})
	}
	// A valid rename: the old id stands for the new one.
	c := renamedConfig(t, full)
	if got := c.Current(cold); got != renamedID || c.Current(renamedID) != renamedID || c.Current("gone") != "" {
		t.Errorf("Current(%s) = %q, Current(%s) = %q", cold, got, renamedID, c.Current(renamedID))
	}
	if !strings.Contains(c.Outline(), "cold-2027 (replaces cold-education) — ") {
		t.Errorf("outline does not show the rename:\n%s", c.Outline())
	}
}

// TestRenamedSequenceKeepsItsLeads: leads stored in a sequence's earlier
// id continue in it at their step; what they got under the old id counts
// as got (never sent again, branches count from it).
func TestRenamedSequenceKeepsItsLeads(t *testing.T) {
	c := renamedConfig(t, full)
	base := newLead("cold", "B")
	welcomeAt := monday.Add(-24 * time.Hour)
	sentWelcome := send(cold, "welcome", welcomeAt)
	caseAt := monday.Add(-48 * time.Hour)
	tests := []struct {
		name string
		cfg  *Config
		lead lead.Lead
		now  time.Time
		want Plan
	}{
		{"waiting after the old id's welcome: same wait, same step", c, at(base, cold, "case-study", 2, welcomeAt.Add(72*time.Hour), sentWelcome), monday,
			Plan{Kind: KindLater, Step: "case-study", StepIndex: 2, At: welcomeAt.Add(72 * time.Hour), Reason: "not due until 2026-11-25T09:00:00Z"}},
		{"the wait over: the next email, not the first", c, at(base, cold, "case-study", 2, monday, sentWelcome), monday,
			Plan{Kind: KindSend, Step: "case-study", StepIndex: 2, Template: "case_study", Reason: "send case_study"}},
		{"a step got under the old id is not sent again", c, at(base, cold, "welcome", 0, monday, sentWelcome), monday,
			Plan{Kind: KindLater, Step: "case-study", StepIndex: 2, At: monday.Add(72 * time.Hour), Reason: "waiting 72h after welcome, until Thu 26 Nov 09:00 UTC"}},
		{"clicked since the old id's last email: hand off", c,
			withSignal(at(base, cold, "check", 4, monday, send(cold, "case-study", caseAt)), "email_click", caseAt.Add(time.Hour)), monday,
			Plan{Kind: KindHandoff, Step: "fast-track", StepIndex: 8, ExitReason: ExitHandedOff, Reason: "hand off to sales (check: clicked)"}},
		{"clicked before the old id's last email: no", c,
			withSignal(at(base, cold, "check", 4, monday, send(cold, "case-study", caseAt)), "email_click", caseAt.Add(-time.Hour)), monday,
			Plan{Kind: KindLater, Step: "last", StepIndex: 6, At: monday.Add(96 * time.Hour), Reason: "waiting 96h after case-study, until Fri 27 Nov 09:00 UTC"}},
		{"its step renamed too: by position", renamedConfig(t, strings.Replace(full, "{id: case-study, send: case_study}", "{id: story, send: case_study}", 1)),
			at(base, cold, "case-study", 2, monday, sentWelcome), monday,
			Plan{Kind: KindSend, Step: "story", StepIndex: 2, Template: "case_study", Reason: "send case_study"}},
		{"the stage ends nurturing", c, func() lead.Lead { l := at(base, cold, "case-study", 2, monday); l.Stage = lead.StageSAL; return l }(), monday,
			Plan{Kind: KindExit, Step: "case-study", StepIndex: 2, ExitReason: "sal", Reason: "lead stage is sal"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Sequence = renamedID
			got := tt.cfg.Plan(tt.lead, tt.now)
			if !samePlan(got, tt.want) {
				t.Fatalf("Plan =\n  %+v\nwant\n  %+v", got, tt.want)
			}
			// Apply takes the plan for the lead's sequence and stores the
			// lead under the sequence's id.
			l := tt.lead
			l.Nurture = ptrTo(*l.Nurture)
			tt.cfg.Apply(&l, got, tt.now, "ses-new")
			n := l.Nurture
			switch got.Kind {
			case KindSend:
				if last := n.Sends[len(n.Sends)-1]; last.Sequence != renamedID || last.Step != got.Step || n.Sequence != renamedID || n.StepIndex <= got.StepIndex {
					t.Errorf("after the send: %+v", n)
				}
			case KindLater:
				if n.Sequence != renamedID || n.Step != got.Step || !n.NextAt.Equal(got.At) {
					t.Errorf("after later: %+v", n)
				}
			default:
				if !n.NextAt.IsZero() || !slices.Contains(n.Completed, renamedID) {
					t.Errorf("after %s: %+v", got.Kind, n)
				}
			}
		})
	}
	// Without replaces the old id is gone: the lead leaves.
	plain := mustParse(t, strings.Replace(full, "id: cold-education", "id: cold-2027", 1))
	if p := plain.Plan(at(base, cold, "case-study", 2, monday), monday); p.Kind != KindExit || p.ExitReason != ExitSequenceRemoved {
		t.Errorf("without replaces: %+v", p)
	}
}

func ptrTo[T any](v T) *T { return &v }

// TestRenamedSequenceIsNotNewToItsLeads: a sequence's earlier id in a
// lead's history is that sequence for enrolment, triggers and sales'
// send-backs.
func TestRenamedSequenceIsNotNewToItsLeads(t *testing.T) {
	c := renamedConfig(t, full)
	triggered := renamedConfig(t, strings.Replace(strings.Replace(full,
		"      campaigns: [webinar-2026]\n", "      signals: [pricing_page_view]\n      from: [cold-2027]\n", 1),
		"temperatures: [warm]", "temperatures: [cold]", 1))
	sentBack := mustParse(t, strings.Replace(strings.Replace(full,
		"  - id: warm-followup\n    entry:\n      temperatures: [warm]\n      campaigns: [webinar-2026]\n",
		"  - id: not-now-2027\n    replaces: [not-now]\n    entry:\n      sent_back: true\n", 1),
		"entry: {temperatures: [cold], grades: [A, B, C], campaigns: []}", "entry: {temperatures: [cold], grades: [A, B, C], sent_back: false}", 1))
	// warm-followup renamed, and open to cold leads: second in order.
	warmRenamed := mustParse(t, strings.Replace(strings.Replace(full, "  - id: warm-followup\n", "  - id: warm-2027\n    replaces: [warm-followup]\n", 1),
		"      temperatures: [warm]\n      campaigns: [webinar-2026]\n", "      temperatures: [cold]\n", 1))
	tests := []struct {
		name string
		run  func(l *lead.Lead) string // what the lead enters
		lead func(l *lead.Lead)
		want string
	}{
		{"finished under the old id: not enrolled again", func(l *lead.Lead) string { return c.Enrol(l, monday) },
			func(l *lead.Lead) {
				l.Nurture = &lead.Nurture{Sequence: cold, Completed: []string{cold}, ExitReason: ExitCompleted}
			}, ""},
		{"finished under the old id, the rename preferred by its campaign: not enrolled", func(l *lead.Lead) string { return c.EnrolPreferring(l, monday, cold) },
			func(l *lead.Lead) {
				l.Nurture = &lead.Nurture{Sequence: cold, Completed: []string{cold}, ExitReason: ExitCompleted}
			}, ""},
		{"a campaign naming the old id prefers the renamed sequence", func(l *lead.Lead) string { return warmRenamed.EnrolPreferring(l, monday, "warm-followup") },
			func(l *lead.Lead) {}, "warm-2027"},
		{"in the old id: Place leaves it there", func(l *lead.Lead) string { return c.Place(l, monday, "") },
			func(l *lead.Lead) { *l = at(*l, cold, "case-study", 2, monday.Add(time.Hour)) }, ""},
		{"in the old id: a trigger whose from names the new id takes it", func(l *lead.Lead) string {
			got, _ := triggered.Trigger(l, "pricing_page_view", monday)
			return got
		}, func(l *lead.Lead) { *l = at(*l, cold, "case-study", 2, monday.Add(time.Hour)) }, "warm-followup"},
		{"sent back again after the old id's not-now: the renamed one takes it", func(l *lead.Lead) string {
			sentBack.Reopen(l)
			return sentBack.Enrol(l, monday)
		}, func(l *lead.Lead) {
			l.SentBack = &lead.SentBack{At: monday, Times: 2}
			l.Nurture = &lead.Nurture{Sequence: "not-now", Completed: []string{"not-now"}, ExitReason: ExitHandedOff}
		}, "not-now-2027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLead("cold", "B")
			tt.lead(&l)
			if got := tt.run(&l); got != tt.want {
				t.Errorf("entered %q, want %q (nurture %+v)", got, tt.want, l.Nurture)
			}
		})
	}
}

// TestClaimUnderTheOldIDSettlesTheStep: a worker died after SES took a
// step's email while the sequence had its old id (the Send event
// confirmed its claim). After the rename the next run records that email
// from the claim; it does not send the step again under the new id.
func TestClaimUnderTheOldIDSettlesTheStep(t *testing.T) {
	for _, tc := range []struct {
		name      string
		confirmed string
		want      lead.Outcome
		emails    int
	}{
		{"confirmed: recorded, nothing sent", "ses-old", sendonce.Recovered, 0},
		{"not confirmed yet: waits for SES", "", sendonce.Unconfirmed, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.New()
			out := &mailtest.Outbox{}
			keys, _ := token.ParseKeys("k1:0123456789abcdef0123")
			now := monday
			clock := func() time.Time { return now }
			seq := renamedConfig(t, full)
			r := &Runner{Sequences: seq, Rules: stageRules{lead.StageNurturing}, Store: st, Keys: keys, PostalAddress: testPostal,
				Send: &sendonce.Sender{Store: st, Mail: out, Lease: time.Minute, Clock: clock, NewID: ids.New},
				From: "news@example.com", BaseURL: "https://leads.example.com", Clock: clock, NewID: ids.New}
			l := at(newLead("cold", "B"), cold, "case-study", 2, monday, send(cold, "welcome", monday.Add(-72*time.Hour)))
			l.Claims = map[string]lead.Claim{"nurture:cold-education:case-study": {ID: "c1", At: monday.Add(-2 * time.Minute), Confirmed: tc.confirmed}}
			l.Record(&lead.Change{})
			if err := st.CreateLead(context.Background(), l, lead.Change{At: monday}, nil); err != nil {
				t.Fatal(err)
			}
			got, _ := st.Lead(context.Background(), "L1")
			o, err := r.Run(context.Background(), got, "w1")
			if err != nil || o != tc.want {
				t.Fatalf("Run = %s, %v; want %s", o, err, tc.want)
			}
			got, _ = st.Lead(context.Background(), "L1")
			if len(out.Sent()) != tc.emails {
				t.Fatalf("%d emails sent, want %d", len(out.Sent()), tc.emails)
			}
			if tc.want == sendonce.Recovered {
				n := got.Nurture
				if len(got.Claims) != 0 || n.Sequence != renamedID || n.Step != "check" ||
					!slices.Contains(n.Sends, lead.Send{Sequence: renamedID, Step: "case-study", At: monday, MessageID: "ses-old"}) {
					t.Fatalf("claims %+v, nurture %+v", got.Claims, n)
				}
			}
		})
	}
}
