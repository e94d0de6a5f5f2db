package nurture

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// cold-education in full: 0 welcome, 1 wait-1 72h, 2 case-study, 3 wait-2
// 48h, 4 check (clicked → fast-track, else wait-3), 5 wait-3 96h, 6 last,
// 7 done, 8 fast-track.
const cold = "cold-education"

func TestPlan(t *testing.T) {
	c := mustParse(t, full)
	base := newLead("cold", "B")
	sentMonday := send(cold, "welcome", monday)
	saturday := berlin(t, "2026-11-28 10:00")
	tests := []struct {
		name string
		lead lead.Lead
		now  time.Time
		want Plan
	}{
		{"first send, window open", at(base, cold, "welcome", 0, monday), monday,
			Plan{Kind: KindSend, Step: "welcome", StepIndex: 0, Template: "welcome", Reason: "send welcome"}},
		{"not due yet", at(base, cold, "welcome", 0, monday.Add(time.Hour)), monday,
			Plan{Kind: KindLater, Step: "welcome", StepIndex: 0, At: monday.Add(time.Hour), Reason: "not due until 2026-11-23T10:00:00Z"}},
		{"Saturday waits for Monday in Berlin", at(base, cold, "welcome", 0, saturday), saturday,
			Plan{Kind: KindLater, Step: "welcome", StepIndex: 0, At: berlin(t, "2026-11-30 09:00"),
				Reason: "outside send window (Sat 10:00 Europe/Berlin), next Mon 09:00"}},
		{"waiting after a send", at(base, cold, "wait-1", 1, monday, sentMonday), monday.Add(10 * time.Hour),
			Plan{Kind: KindLater, Step: "case-study", StepIndex: 2, At: monday.Add(72 * time.Hour),
				Reason: "waiting 72h after welcome, until Thu 26 Nov 09:00 UTC"}},
		{"wait over: the next send", at(base, cold, "wait-1", 1, monday, sentMonday), monday.Add(73 * time.Hour),
			Plan{Kind: KindSend, Step: "case-study", StepIndex: 2, Template: "case_study", Reason: "send case_study"}},
		{"a late tick walks several steps", at(base, cold, "wait-2", 3, monday, send(cold, "case-study", monday)), monday.Add(7*24*time.Hour + time.Hour),
			Plan{Kind: KindSend, Step: "last", StepIndex: 6, Template: "last_chance", Reason: "send last_chance"}},
		{"a late tick stops at the wait still running", at(base, cold, "wait-2", 3, monday, send(cold, "case-study", monday)), monday.Add(50 * time.Hour),
			Plan{Kind: KindLater, Step: "last", StepIndex: 6, At: monday.Add(48*time.Hour + 96*time.Hour),
				Reason: "waiting 96h after wait-2, until Sun 29 Nov 09:00 UTC"}},
		{"clicked: hand off", withSignal(at(base, cold, "check", 4, monday, send(cold, "case-study", monday.Add(-48*time.Hour))), "email_click", monday.Add(-time.Hour)), monday,
			Plan{Kind: KindHandoff, Step: "fast-track", StepIndex: 8, ExitReason: ExitHandedOff, Reason: "hand off to sales (check: clicked)"}},
		{"exit step", at(base, cold, "done", 7, monday), monday,
			Plan{Kind: KindExit, Step: "done", StepIndex: 7, ExitReason: ExitCompleted, Reason: "exit step done"}},
		{"past the end", at(base, cold, "", 9, monday), monday,
			Plan{Kind: KindExit, Step: "", StepIndex: 9, ExitReason: ExitCompleted, Reason: "sequence completed"}},
		{"sequence removed", at(base, "gone", "welcome", 0, monday), monday,
			Plan{Kind: KindExit, Sequence: "gone", Step: "welcome", StepIndex: 0, ExitReason: ExitSequenceRemoved, Reason: "sequence gone is no longer in the config"}},
		{"consent withdrawn", withoutConsent(at(base, cold, "welcome", 0, monday)), monday,
			Plan{Kind: KindExit, Step: "welcome", StepIndex: 0, ExitReason: ExitNoConsent, Reason: "the lead's latest consent does not allow marketing email"}},
		{"not enrolled", base, monday,
			Plan{Kind: KindExit, Sequence: "-", ExitReason: ExitNotEnrolled, Reason: "not in a sequence"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want.Sequence == "" {
				tt.want.Sequence = cold
			} else if tt.want.Sequence == "-" {
				tt.want.Sequence = ""
			}
			got := c.Plan(tt.lead, tt.now)
			if !samePlan(got, tt.want) {
				t.Errorf("Plan =\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}

func samePlan(a, b Plan) bool {
	at := a.At.Equal(b.At)
	a.At, b.At = time.Time{}, time.Time{}
	return at && a == b
}

func withSignal(l lead.Lead, kind string, at time.Time) lead.Lead {
	l.Signals = append(append([]lead.Signal(nil), l.Signals...), lead.Signal{Kind: kind, At: at})
	return l
}

func withoutConsent(l lead.Lead) lead.Lead {
	l.Consent.MarketingOptIn = false
	return l
}

func TestPlanSendWindowInTheLeadsZone(t *testing.T) {
	c := mustParse(t, full) // default Europe/Berlin, US → America/Chicago
	tests := []struct {
		name, tz, country string
		now               time.Time
		want              time.Time // zero: send now
		reason            string
	}{
		{"Berlin by default: Monday 10:00 is open", "", "", monday, time.Time{}, ""},
		{"own zone: Tokyo at 18:00", "Asia/Tokyo", "US", monday, local(t, "Asia/Tokyo", "2026-11-24 09:00"),
			"outside send window (Mon 18:00 Asia/Tokyo), next Tue 09:00"},
		{"country: US is Chicago in this config, 03:00", "", "US", monday, local(t, "America/Chicago", "2026-11-23 09:00"),
			"outside send window (Mon 03:00 America/Chicago), next Mon 09:00"},
		{"built-in country: New Zealand at 22:00", "", "NZ", monday, local(t, "Pacific/Auckland", "2026-11-24 09:00"),
			"outside send window (Mon 22:00 Pacific/Auckland), next Tue 09:00"},
		{"quiet day in the lead's zone: Sunday in New York", "America/New_York", "", local(t, "America/New_York", "2026-11-29 11:00"),
			local(t, "America/New_York", "2026-11-30 09:00"), "outside send window (Sun 11:00 America/New_York), next Mon 09:00"},
		{"across the New York fall back", "America/New_York", "", local(t, "America/New_York", "2026-10-30 17:30"),
			local(t, "America/New_York", "2026-11-02 09:00"), "outside send window (Fri 17:30 America/New_York), next Mon 09:00"},
		{"across the Berlin spring forward", "", "DE", berlin(t, "2026-03-27 18:00"),
			berlin(t, "2026-03-30 09:00"), "outside send window (Fri 18:00 Europe/Berlin), next Mon 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLead("cold", "A")
			l.TimeZone, l.Country = tt.tz, tt.country
			l = at(l, cold, "welcome", 0, tt.now)
			p := c.Plan(l, tt.now)
			if tt.want.IsZero() {
				if p.Kind != KindSend {
					t.Fatalf("want a send, got %+v", p)
				}
				return
			}
			if p.Kind != KindLater || !p.At.Equal(tt.want) || p.Reason != tt.reason || p.Step != "welcome" {
				t.Errorf("Plan = %+v\nwant later at %s, %q", p, tt.want.UTC(), tt.reason)
			}
		})
	}
}

func TestFrequencyCap(t *testing.T) {
	c := mustParse(t, full) // at most 2 per 168h
	day := 24 * time.Hour
	thursday := monday.Add(3 * day)
	tests := []struct {
		name   string
		cfg    *Config
		now    time.Time
		sends  []lead.Send
		want   time.Time // zero: send now
		reason string
	}{
		{"room: one send this week", c, monday, []lead.Send{send("warm-followup", "recap", monday.Add(-2*day))}, time.Time{}, ""},
		{"full across two sequences: frees when the oldest ages out", c, monday,
			[]lead.Send{send("warm-followup", "recap", monday.Add(-6*day)), send(cold, "welcome", monday.Add(-2*day))},
			monday.Add(day), "frequency cap 2 per 168h reached, next send Tue 10:00 Europe/Berlin"},
		{"frees on a Saturday: the window moves it to Monday", c, thursday,
			[]lead.Send{send("warm-followup", "recap", thursday.Add(-5*day)), send(cold, "welcome", thursday.Add(-day))},
			berlin(t, "2026-11-30 09:00"), "frequency cap 2 per 168h reached, next send Mon 09:00 Europe/Berlin"},
		{"a send exactly one period ago no longer counts", c, monday,
			[]lead.Send{send("warm-followup", "recap", monday.Add(-7*day)), send(cold, "welcome", monday.Add(-day))}, time.Time{}, ""},
		{"old sends do not count", c, monday,
			[]lead.Send{send("x", "a", monday.Add(-30*day)), send("x", "b", monday.Add(-20*day)), send(cold, "welcome", monday.Add(-day))}, time.Time{}, ""},
		{"cap lowered below what was sent: frees when enough aged out", mustParse(t, strings.Replace(full, "max: 2", "max: 1", 1)), monday,
			[]lead.Send{send("x", "a", monday.Add(-5*day)), send("x", "b", monday.Add(-3*day))},
			monday.Add(4 * day), "frequency cap 1 per 168h reached, next send Fri 10:00 Europe/Berlin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := at(newLead("cold", "A"), cold, "case-study", 2, tt.now, tt.sends...)
			p := tt.cfg.Plan(l, tt.now)
			if tt.want.IsZero() {
				if p.Kind != KindSend {
					t.Fatalf("want a send, got %+v", p)
				}
				return
			}
			if p.Kind != KindLater || !p.At.Equal(tt.want) || p.Reason != tt.reason {
				t.Errorf("Plan = %+v\nwant later at %s (%s), %q", p, tt.want.UTC(), tt.want.In(c.defaultZone), tt.reason)
			}
		})
	}
}

func TestBranchConditions(t *testing.T) {
	lastSent := monday.Add(-24 * time.Hour)
	before, after := lastSent.Add(-time.Hour), lastSent.Add(time.Hour)
	type sig = lead.Signal
	tests := []struct {
		cond    string
		signals []lead.Signal
		q       *lead.Qualification
		want    string // exit reason: yes or no
	}{
		{"opened", []sig{{Kind: "email_open", At: after}}, nil, "yes"},
		{"opened", []sig{{Kind: "email_open", At: before}}, nil, "no"},
		{"opened", []sig{{Kind: "email_click", At: after}}, nil, "yes"},
		{"opened", nil, nil, "no"},
		{"clicked", []sig{{Kind: "email_click", At: after}}, nil, "yes"},
		{"clicked", []sig{{Kind: "email_click:https://example.com/guide", At: after}}, nil, "yes"},
		{"clicked", []sig{{Kind: "email_open", At: after}}, nil, "no"},
		{"clicked", []sig{{Kind: "email_click", At: before}}, nil, "no"},
		{"clicked", []sig{{Kind: "email_click", At: lastSent}}, nil, "no"},
		{"{score_at_least: 40}", nil, &lead.Qualification{Score: 40}, "yes"},
		{"{score_at_least: 40}", nil, &lead.Qualification{Score: 39.9}, "no"},
		{"{score_at_least: 40}", nil, nil, "no"},
		{"{score_at_least: 0}", nil, nil, "yes"},
		{"{grade_in: [A, B]}", nil, &lead.Qualification{Grade: "A"}, "yes"},
		{"{grade_in: [A, B]}", nil, &lead.Qualification{Grade: "b"}, "yes"},
		{"{grade_in: [A, B]}", nil, &lead.Qualification{Grade: "C"}, "no"},
		{"{grade_in: [a]}", nil, &lead.Qualification{Grade: "A"}, "yes"},
		{"{grade_in: [A, B]}", nil, nil, "no"},
		{"{visited: /pricing}", []sig{{Kind: "page_view:/pricing", At: before}}, nil, "yes"},
		{"{visited: /pricing}", []sig{{Kind: "pricing_page_view", At: before}}, nil, "yes"},
		{"{visited: /pricing}", []sig{{Kind: "page_view:/Pricing/?utm_source=x", At: after}}, nil, "yes"},
		{"{visited: /pricing}", []sig{{Kind: "page_view:/blog", At: after}, {Kind: "page_view", At: after}}, nil, "no"},
		{"{visited: /features/}", []sig{{Kind: "page_view:/features", At: after}}, nil, "yes"},
		{"{visited: /features}", []sig{{Kind: "pricing_page_view", At: after}}, nil, "no"},
		// Page views as the tracker records them: the path on the signal.
		{"{visited: /case-studies}", []sig{{Kind: "page_view", Page: "/case-studies", At: before}}, nil, "yes"},
		{"{visited: /Case-Studies/}", []sig{{Kind: "page_view", Page: "/case-studies/acme", At: after}}, nil, "yes"},
		{"{visited: /case-studies}", []sig{{Kind: "page_view", Page: "/case-studiesx", At: after}, {Kind: "page_view", Page: "/", At: after}}, nil, "no"},
		{"{visited: /pricing/enterprise}", []sig{{Kind: "pricing_page_view", Page: "/pricing/enterprise", At: after}}, nil, "yes"},
		{"{visited: /pricing/enterprise}", []sig{{Kind: "pricing_page_view", Page: "/pricing/teams", At: after}}, nil, "no"},
		{"{visited: /}", []sig{{Kind: "page_view", Page: "/blog", At: after}}, nil, "no"},
		{"{visited: /}", []sig{{Kind: "page_view", Page: "/", At: after}}, nil, "yes"},
	}
	for _, tt := range tests {
		name := tt.cond + " → " + tt.want
		t.Run(name, func(t *testing.T) {
			c := mustParse(t, withSequence("{id: first, send: welcome}", "{id: w, wait: 24h}",
				"{id: b, branch: {if: "+tt.cond+", then: yes}}", "{id: no, exit: no}", "{id: yes, exit: yes}"))
			l := newLead("cold", "A")
			l.Qualification, l.Signals = tt.q, tt.signals
			l = at(l, "s", "b", 2, monday, send("other", "x", monday.Add(-time.Hour)), send("s", "first", lastSent))
			if p := c.Plan(l, monday); p.Kind != KindExit || p.ExitReason != tt.want {
				t.Errorf("Plan = %+v, want exit %s", p, tt.want)
			}
		})
	}
}

// TestOpenedCountsFromEnrolment: before a sequence has sent anything,
// opened and clicked count from enrolment, not from another sequence's
// send.
func TestOpenedCountsFromEnrolment(t *testing.T) {
	c := mustParse(t, withSequence("{id: b, branch: {if: clicked, then: yes}}", "{id: first, send: welcome}", "{id: yes, exit: yes}"))
	l := at(newLead("cold", "A"), "s", "b", 0, monday, send("other", "x", monday.Add(-time.Hour)))
	enrolled := l.Nurture.EnrolledAt
	if p := c.Plan(withSignal(l, "email_click", enrolled.Add(time.Minute)), monday); p.ExitReason != "yes" {
		t.Errorf("click after enrolment: %+v", p)
	}
	if p := c.Plan(withSignal(l, "email_click", enrolled.Add(-time.Minute)), monday); p.Kind != KindSend {
		t.Errorf("click before enrolment: %+v", p)
	}
}

func TestPlanExitsForStages(t *testing.T) {
	c := mustParse(t, full)
	for _, stage := range []lead.Stage{lead.StageDisqualified, lead.StageRejected, lead.StageUnsubscribed,
		lead.StageSAL, lead.StageSQL, lead.StageWon, lead.StageLost} {
		t.Run(string(stage), func(t *testing.T) {
			l := at(newLead("cold", "A"), cold, "welcome", 0, monday)
			l.Stage = stage
			p := c.Plan(l, monday)
			if p.Kind != KindExit || p.ExitReason != string(stage) || p.Reason != "lead stage is "+string(stage) {
				t.Errorf("Plan = %+v", p)
			}
		})
	}
	for _, stage := range []lead.Stage{lead.StageNew, lead.StageNurturing, lead.StageMQL} {
		t.Run(string(stage), func(t *testing.T) {
			l := at(newLead("cold", "A"), cold, "welcome", 0, monday)
			l.Stage = stage
			if p := c.Plan(l, monday); p.Kind != KindSend {
				t.Errorf("Plan = %+v, want a send", p)
			}
		})
	}
}

// TestSequenceEditedUnderALead: marketing edits a sequence while leads
// are in it; none is stranded, none restarts.
func TestSequenceEditedUnderALead(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		lead func(lead.Lead) lead.Lead
		now  time.Time
		want Plan
	}{
		{"the lead's step was removed: resume at its position",
			func(s string) string { return strings.Replace(s, "      - {id: wait-1, wait: 72h}\n", "", 1) },
			func(l lead.Lead) lead.Lead { return at(l, cold, "wait-1", 1, monday, send(cold, "welcome", monday)) },
			monday,
			// position 1 is now case-study
			Plan{Kind: KindSend, Step: "case-study", StepIndex: 1, Template: "case_study", Reason: "send case_study"}},
		{"the lead's wait was removed: resume at its position, and wait there",
			func(s string) string {
				return strings.Replace(s, "      - {id: wait-3, wait: 96h}\n", "      - {id: wait-3b, wait: 96h}\n", 1)
			},
			func(l lead.Lead) lead.Lead { return at(l, cold, "wait-3", 5, monday, send(cold, "case-study", monday)) },
			monday.Add(time.Hour),
			Plan{Kind: KindLater, Step: "last", StepIndex: 6, At: monday.Add(96 * time.Hour), Reason: "waiting 96h after case-study, until Fri 27 Nov 09:00 UTC"}},
		{"a step was inserted before the lead's: it keeps its step",
			func(s string) string {
				return strings.Replace(s, "      - {id: welcome, send: welcome}\n", "      - {id: intro, send: last_chance}\n      - {id: welcome, send: welcome}\n", 1)
			},
			func(l lead.Lead) lead.Lead { return at(l, cold, "case-study", 2, monday) },
			monday,
			Plan{Kind: KindSend, Step: "case-study", StepIndex: 3, Template: "case_study", Reason: "send case_study"}},
		{"the sequence was removed: exit",
			func(s string) string { return strings.Replace(s, "id: cold-education", "id: cold-education-v2", 1) },
			func(l lead.Lead) lead.Lead { return at(l, cold, "case-study", 2, monday) },
			monday,
			Plan{Kind: KindExit, Step: "case-study", StepIndex: 2, ExitReason: ExitSequenceRemoved, Reason: "sequence cold-education is no longer in the config"}},
		{"the lead's step was the last and is gone: completed",
			func(s string) string {
				return strings.Replace(s, "      - {id: fast-track, handoff: true}\n", "", 1)
			},
			func(l lead.Lead) lead.Lead { return at(l, cold, "fast-track", 8, monday) },
			monday,
			Plan{Kind: KindExit, Step: "", StepIndex: 8, ExitReason: ExitCompleted, Reason: "sequence completed"}},
		{"the lead's send step got a new template",
			func(s string) string { return strings.Replace(s, "send: case_study", "send: last_chance", 1) },
			func(l lead.Lead) lead.Lead { return at(l, cold, "case-study", 2, monday) },
			monday,
			Plan{Kind: KindSend, Step: "case-study", StepIndex: 2, Template: "last_chance", Reason: "send last_chance"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(full)
			if !strings.Contains(edited, "id: fast-track") {
				edited = strings.Replace(edited, "then: fast-track", "then: done", 1)
			}
			edited = strings.Replace(edited, "else: wait-3}", "else: "+map[bool]string{true: "wait-3", false: "wait-3b"}[strings.Contains(edited, "id: wait-3,")]+"}", 1)
			c := mustParse(t, edited)
			tt.want.Sequence = cold
			if got := c.Plan(tt.lead(newLead("cold", "A")), tt.now); !samePlan(got, tt.want) {
				t.Errorf("Plan =\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}

// TestPlanNeverSendsAStepTwice: a sequence edited so that a step the lead
// got already comes up again (moved after its current step) is skipped,
// and the wait after it counts from when the lead reached it (or from the
// send, were that later).
func TestPlanNeverSendsAStepTwice(t *testing.T) {
	c := mustParse(t, withSequence("{id: b, send: case_study}", "{id: a, send: welcome}", "{id: w, wait: 48h}", "{id: c, send: last_chance}"))
	sentA := monday.Add(-24 * time.Hour)
	l := at(newLead("cold", "A"), "s", "a", 1, monday, send("s", "a", sentA))
	want := Plan{Kind: KindLater, Sequence: "s", Step: "c", StepIndex: 3, At: monday.Add(48 * time.Hour),
		Reason: "waiting 48h after a, until Wed 25 Nov 09:00 UTC"}
	if p := c.Plan(l, monday); !samePlan(p, want) {
		t.Errorf("Plan =\n  %+v\nwant\n  %+v", p, want)
	}
}

func TestPlanDoesNotChangeTheLead(t *testing.T) {
	c := mustParse(t, full)
	l := at(newLead("cold", "A"), cold, "wait-2", 3, monday, send(cold, "welcome", monday.Add(-100*time.Hour)), send(cold, "case-study", monday))
	l = withSignal(l, "email_click", monday.Add(time.Hour))
	before, _ := json.Marshal(l)
	for _, now := range []time.Time{monday, monday.Add(49 * time.Hour), monday.Add(30 * 24 * time.Hour)} {
		c.Plan(l, now)
	}
	if after, _ := json.Marshal(l); string(after) != string(before) {
		t.Errorf("Plan changed the lead:\n%s\n%s", before, after)
	}
}

// TestReenteredSequenceSendsItsStepsAgain: a sequence a lead enters again
// (sales sent it back a second time: Reopen) sends its steps afresh. The
// sends of the earlier round are history, not this round's emails: they
// neither mark a step as sent nor start a branch's "since".
func TestReenteredSequenceSendsItsStepsAgain(t *testing.T) {
	c := mustParse(t, withSequence("{id: a, send: welcome}", "{id: w, wait: 48h}", "{id: check, branch: {if: clicked, then: done}}", "{id: c, send: last_chance}", "{id: done, exit: completed}"))
	round1 := monday.Add(-120 * 24 * time.Hour)
	earlier := []lead.Send{send("s", "a", round1), send("s", "c", round1.Add(48*time.Hour))}
	// Re-entered now: at its first step, due now.
	l := newLead("cold", "A")
	l.Nurture = &lead.Nurture{Sequence: "s", Step: "a", StepIndex: 0, EnrolledAt: monday, NextAt: monday, Sends: earlier}
	if p := c.Plan(l, monday); p.Kind != KindSend || p.Step != "a" {
		t.Fatalf("first step of the new round: Plan = %+v, want send a", p)
	}
	// After its first email of this round, the wait, then c — not "sent already".
	sentA := monday.Add(time.Minute)
	l.Nurture = &lead.Nurture{Sequence: "s", Step: "check", StepIndex: 2, EnrolledAt: monday, NextAt: sentA.Add(48 * time.Hour),
		Sends: append(append([]lead.Send(nil), earlier...), send("s", "a", sentA))}
	// A click between the two rounds is not a click on this round's email.
	l = withSignal(l, "email_click", round1.Add(50*time.Hour))
	if p := c.Plan(l, sentA.Add(48*time.Hour)); p.Kind != KindSend || p.Step != "c" {
		t.Fatalf("after the wait: Plan = %+v, want send c", p)
	}
}

// TestRemovedStepsSkipNoEmail: marketing removes the step a lead waits
// at together with steps before it (here the wait after the welcome and
// the click check it led to). The lead's old position now points past
// the next email; it picks up after the last email it got in this
// sequence instead, so that email is not skipped — and nothing it got is
// sent again.
func TestRemovedStepsSkipNoEmail(t *testing.T) {
	steps := []string{"{id: a, send: welcome}", "{id: w1, wait: 72h}", "{id: br, branch: {if: clicked, then: done}}",
		"{id: b, send: case_study}", "{id: w2, wait: 48h}", "{id: c, send: last_chance}", "{id: done, exit: completed}"}
	without := func(ids ...string) []string {
		var out []string
		for _, s := range steps {
			keep := true
			for _, id := range ids {
				if strings.HasPrefix(s, "{id: "+id+",") {
					keep = false
				}
			}
			if keep {
				out = append(out, s)
			}
		}
		return out
	}
	sentA := monday.Add(-72 * time.Hour)
	// After a's send the lead moved past the wait: at br, due when it ends.
	waiting := at(newLead("cold", "A"), "s", "br", 2, monday, send("s", "a", sentA))
	for _, tc := range []struct {
		name  string
		steps []string
		want  Plan
	}{
		{"the wait and the check removed: b goes out", without("w1", "br"),
			Plan{Kind: KindSend, Sequence: "s", Step: "b", StepIndex: 1, Template: "case_study", Reason: "send case_study"}},
		{"the check removed: b at the same position", without("br"),
			Plan{Kind: KindSend, Sequence: "s", Step: "b", StepIndex: 2, Template: "case_study", Reason: "send case_study"}},
		{"the wait, the check and b removed: c, its wait after a over", without("w1", "br", "b"),
			Plan{Kind: KindSend, Sequence: "s", Step: "c", StepIndex: 2, Template: "last_chance", Reason: "send last_chance"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, withSequence(tc.steps...))
			if got := c.Plan(waiting, monday); !samePlan(got, tc.want) {
				t.Errorf("Plan =\n  %+v\nwant\n  %+v", got, tc.want)
			}
		})
	}
}

// TestStepMovedInFrontOfTheLeadsStep: marketing moves or inserts an email
// between a lead's last email and the step it is stored at (the step
// after the wait it is in). On a straight run of sends and waits the lead
// is, by the edited sequence, still before that email: it goes out, its
// wait counted from the lead's last email. Behind a branch, or before the
// lead's last email, it cannot tell the email from one a branch routed
// the lead past: the lead keeps its step.
func TestStepMovedInFrontOfTheLeadsStep(t *testing.T) {
	sentA := monday.Add(-72 * time.Hour)
	// a, w1 72h, b, w2 48h, c, done: the lead got a and waited w1; it is
	// stored at b, due now.
	waiting := at(newLead("cold", "A"), "s", "b", 2, monday, send("s", "a", sentA))
	tests := []struct {
		name  string
		steps []string
		want  Plan
	}{
		{"c moved in front of b, after the wait: c now", []string{"{id: a, send: welcome}", "{id: w1, wait: 72h}", "{id: c, send: last_chance}", "{id: w2, wait: 48h}", "{id: b, send: case_study}", "{id: done, exit: completed}"},
			Plan{Kind: KindSend, Step: "c", StepIndex: 2, Template: "last_chance", Reason: "send last_chance"}},
		{"a new email inserted in front of b: it goes out", []string{"{id: a, send: welcome}", "{id: w1, wait: 72h}", "{id: n, send: last_chance}", "{id: b, send: case_study}", "{id: w2, wait: 48h}", "{id: c, send: last_chance}", "{id: done, exit: completed}"},
			Plan{Kind: KindSend, Step: "n", StepIndex: 2, Template: "last_chance", Reason: "send last_chance"}},
		{"c moved right after a, with a wait of its own: its wait counts from a", []string{"{id: a, send: welcome}", "{id: wc, wait: 96h}", "{id: c, send: last_chance}", "{id: w1, wait: 72h}", "{id: b, send: case_study}", "{id: done, exit: completed}"},
			Plan{Kind: KindLater, Step: "c", StepIndex: 2, At: sentA.Add(96 * time.Hour), Reason: "waiting 96h after a, until Tue 24 Nov 09:00 UTC"}},
		{"behind a branch: the lead keeps its step", []string{"{id: a, send: welcome}", "{id: w1, wait: 72h}", "{id: br, branch: {if: clicked, then: b}}", "{id: c, send: last_chance}", "{id: b, send: case_study}", "{id: done, exit: completed}"},
			Plan{Kind: KindSend, Step: "b", StepIndex: 4, Template: "case_study", Reason: "send case_study"}},
		{"moved before the lead's last email: the lead keeps its step", []string{"{id: c, send: last_chance}", "{id: a, send: welcome}", "{id: w1, wait: 72h}", "{id: b, send: case_study}", "{id: done, exit: completed}"},
			Plan{Kind: KindSend, Step: "b", StepIndex: 3, Template: "case_study", Reason: "send case_study"}},
		{"nothing moved: b", []string{"{id: a, send: welcome}", "{id: w1, wait: 72h}", "{id: b, send: case_study}", "{id: w2, wait: 48h}", "{id: c, send: last_chance}", "{id: done, exit: completed}"},
			Plan{Kind: KindSend, Step: "b", StepIndex: 2, Template: "case_study", Reason: "send case_study"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, withSequence(tt.steps...))
			tt.want.Sequence = "s"
			if got := c.Plan(waiting, monday); !samePlan(got, tt.want) {
				t.Errorf("Plan =\n  %+v\nwant\n  %+v", got, tt.want)
			}
		})
	}
}
