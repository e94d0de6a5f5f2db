package nurture

import (
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestEnrol(t *testing.T) {
	c := mustParse(t, full) // cold-education: cold, A–C; warm-followup: warm, campaign webinar-2026
	tests := []struct {
		name  string
		setup func(*lead.Lead)
		want  string
	}{
		{"cold and fits", func(l *lead.Lead) {}, cold},
		{"grade D does not fit", func(l *lead.Lead) { l.Qualification.Grade = "D" }, ""},
		{"warm from the webinar", func(l *lead.Lead) {
			l.Qualification.Temperature = "warm"
			l.FirstTouch.Campaign = "webinar-2026"
		}, "warm-followup"},
		{"warm, webinar as the last touch", func(l *lead.Lead) {
			l.Qualification.Temperature = "warm"
			l.LastTouch.Campaign = "webinar-2026"
		}, "warm-followup"},
		{"warm from elsewhere", func(l *lead.Lead) { l.Qualification.Temperature = "warm" }, ""},
		{"hot leads go to sales, not nurturing", func(l *lead.Lead) { l.Qualification.Temperature = "hot" }, ""},
		{"never qualified", func(l *lead.Lead) { l.Qualification = nil }, ""},
		{"no marketing consent", func(l *lead.Lead) { l.Consent.MarketingOptIn = false }, ""},
		{"disqualified", func(l *lead.Lead) { l.Stage = lead.StageDisqualified }, ""},
		{"unsubscribed", func(l *lead.Lead) { l.Stage = lead.StageUnsubscribed }, ""},
		{"sales accepted", func(l *lead.Lead) { l.Stage = lead.StageSAL }, ""},
		{"rejected", func(l *lead.Lead) { l.Stage = lead.StageRejected }, ""},
		{"won", func(l *lead.Lead) { l.Stage = lead.StageWon }, ""},
		{"already in a sequence", func(l *lead.Lead) {
			l.Nurture = &lead.Nurture{Sequence: "warm-followup", Step: "recap", NextAt: monday}
		}, ""},
		{"completed it before: never again", func(l *lead.Lead) {
			l.Nurture = &lead.Nurture{Sequence: cold, Completed: []string{cold}, ExitReason: ExitCompleted}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLead("cold", "B")
			tt.setup(&l)
			before := l.Nurture
			got := c.Enrol(&l, monday)
			if got != tt.want {
				t.Fatalf("Enrol = %q, want %q", got, tt.want)
			}
			if got == "" {
				if l.Nurture != before {
					t.Errorf("a lead not enrolled was changed: %+v", l.Nurture)
				}
				return
			}
			n := l.Nurture
			if n.Sequence != got || n.StepIndex != 0 || n.Step != c.byID[got].steps[0].id ||
				!n.EnrolledAt.Equal(monday) || !n.NextAt.Equal(monday) || n.ExitReason != "" {
				t.Errorf("nurture state %+v", n)
			}
		})
	}
}

// TestEnrolAfterASequence: a lead that left one sequence can enter the
// next matching one, keeping its history (the frequency cap sees the sends).
func TestEnrolAfterASequence(t *testing.T) {
	src := full + "" // a second sequence for cold leads after the first
	c := mustParse(t, replaceOnce(t, src, "  - id: warm-followup\n", `  - id: cold-again
    entry: {temperatures: [cold]}
    steps:
      - {id: hello, send: welcome}
  - id: warm-followup
`))
	l := newLead("cold", "B")
	if got := c.Enrol(&l, monday); got != cold {
		t.Fatalf("first enrol: %q", got)
	}
	c.Apply(&l, c.Plan(l, monday), monday, "m1")
	Exit(&l, "bounced")
	if got := c.Enrol(&l, monday.Add(time.Hour)); got != "cold-again" {
		t.Fatalf("second enrol: %q", got)
	}
	n := l.Nurture
	if len(n.Sends) != 1 || n.Sends[0].MessageID != "m1" || len(n.Completed) != 1 || n.Completed[0] != cold {
		t.Errorf("history lost: %+v", n)
	}
	c.Apply(&l, c.Plan(l, monday.Add(time.Hour)), monday.Add(time.Hour), "m2")
	if p := c.Plan(l, monday.Add(2*time.Hour)); p.Kind != KindExit || p.ExitReason != ExitCompleted {
		t.Fatalf("plan after the only step: %+v", p)
	}
	c.Apply(&l, c.Plan(l, monday.Add(2*time.Hour)), monday.Add(2*time.Hour), "")
	if got := c.Enrol(&l, monday.Add(3*time.Hour)); got != "" {
		t.Errorf("re-enrolled into %q after completing every cold sequence", got)
	}
}

func TestEnrolPreferringACampaignsSequence(t *testing.T) {
	c := mustParse(t, `version: 1
sequences:
  - id: general
    steps: [{id: a, send: t}]
  - id: campaign-own
    entry: {grades: [A, B]}
    steps: [{id: b, send: t}]
templates:
  t: {subject: "Hi {{.FirstName}}", html: "<p>Hi</p>", text: "Hi"}
`)
	tests := []struct {
		name, preferred, grade, want string
	}{
		{"no preference: config order", "", "A", "general"},
		{"preferred first", "campaign-own", "A", "campaign-own"},
		{"preferred but its entry rules refuse: the next", "campaign-own", "D", "general"},
		{"unknown preference is ignored", "nope", "A", "general"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLead("cold", tt.grade)
			if got := c.EnrolPreferring(&l, monday, tt.preferred); got != tt.want {
				t.Fatalf("enrolled in %q, want %q", got, tt.want)
			}
		})
	}
}

// triggered adds sequences triggered by pricing page views and by any
// page view to full.
const triggered = `
  - id: pricing-interest
    entry: {signals: [pricing_page_view, "page_view:/pricing"], temperatures: [cold, warm], from: [cold-education]}
    steps:
      - {id: help, send: welcome}
      - {id: done, exit: completed}
  - id: page-interest
    entry: {signals: [page_view], temperatures: [cold, warm], from: [cold-education]}
    steps:
      - {id: help, send: welcome}
      - {id: done, exit: completed}
`

func withTriggered(t *testing.T) *Config {
	t.Helper()
	src := strings.Replace(full, "\ntemplates:", triggered+"\ntemplates:", 1)
	if src == full {
		t.Fatal("fixture has no templates: section")
	}
	return mustParse(t, src)
}

func TestTrigger(t *testing.T) {
	c := withTriggered(t)
	tests := []struct {
		name        string
		kind        string
		setup       func(*lead.Lead)
		want, wantL string // entered, left
	}{
		{"idle lead, trigger signal", "pricing_page_view", func(l *lead.Lead) {}, "pricing-interest", ""},
		{"second signal of the list", "page_view:/pricing", func(l *lead.Lead) {}, "pricing-interest", ""},
		{"leaves the sequence it was in", "pricing_page_view", func(l *lead.Lead) {
			*l = at(*l, cold, "wait-1", 1, monday.Add(72*time.Hour))
		}, "pricing-interest", cold},
		{"another signal triggers nothing", "email_click", func(l *lead.Lead) {}, "", ""},
		{"a named page is a page view", "page_view:demo", func(l *lead.Lead) {}, "page-interest", ""},
		{"a page view", "page_view", func(l *lead.Lead) {}, "page-interest", ""},
		{"a named page view in it: stays", "page_view:demo", func(l *lead.Lead) {
			*l = at(*l, "page-interest", "done", 1, monday.Add(time.Hour))
		}, "", ""},
		{"not from a sequence its entry does not list", "pricing_page_view", func(l *lead.Lead) {
			*l = at(*l, "warm-followup", "wait-1", 1, monday.Add(72*time.Hour))
		}, "", ""},
		{"entry rules still apply", "pricing_page_view", func(l *lead.Lead) { l.Qualification.Temperature = "hot" }, "", ""},
		{"no consent", "pricing_page_view", func(l *lead.Lead) { l.Consent.MarketingOptIn = false }, "", ""},
		{"sales has it", "pricing_page_view", func(l *lead.Lead) { l.Stage = lead.StageSAL }, "", ""},
		{"already in it: stays at its step", "pricing_page_view", func(l *lead.Lead) {
			*l = at(*l, "pricing-interest", "done", 1, monday.Add(time.Hour))
		}, "", ""},
		{"left it before: never again", "pricing_page_view", func(l *lead.Lead) {
			l.Nurture = &lead.Nurture{Sequence: "pricing-interest", Completed: []string{"pricing-interest"}, ExitReason: ExitCompleted}
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLead("cold", "B")
			tt.setup(&l)
			before := l.Nurture
			got, left := c.Trigger(&l, tt.kind, monday)
			if got != tt.want || left != tt.wantL {
				t.Fatalf("Trigger = %q, left %q; want %q, %q", got, left, tt.want, tt.wantL)
			}
			if got == "" {
				if l.Nurture != before {
					t.Errorf("a lead not moved was changed: %+v", l.Nurture)
				}
				return
			}
			if n := l.Nurture; n.Sequence != got || n.Step != "help" || !n.NextAt.Equal(monday) {
				t.Errorf("nurture after the trigger = %+v", n)
			}
			if tt.wantL != "" && (l.Nurture.ExitReason != "" || len(l.Nurture.Completed) != 1 || l.Nurture.Completed[0] != tt.wantL) {
				t.Errorf("the left sequence is not recorded as left: %+v", l.Nurture)
			}
		})
	}
}

// TestEnrolNeverPicksATriggeredSequence: an idle lead that matches only a
// triggered sequence's entry rules is not enrolled in it.
func TestEnrolNeverPicksATriggeredSequence(t *testing.T) {
	c := withTriggered(t)
	l := newLead("warm", "B") // warm-followup needs the webinar campaign; pricing-interest a signal
	if got := c.Enrol(&l, monday); got != "" {
		t.Fatalf("Enrol = %q, want none", got)
	}
}

// TestPlaceRecordsWhyNone: a nurtured lead Place does not enrol carries
// the reason it has no step due; one it enrols carries none; sequences
// for leads sales sent back take those leads only.
func TestPlaceRecordsWhyNone(t *testing.T) {
	c := mustParse(t, replaceOnce(t, full, "  - id: warm-followup\n", `  - id: sent-back
    entry: {sent_back: true}
    steps:
      - {id: hello, send: welcome}
  - id: warm-followup
`))
	tests := []struct {
		name      string
		setup     func(*lead.Lead)
		want, why string
	}{
		{"cold and fits", func(l *lead.Lead) {}, cold, ""},
		{"no marketing consent", func(l *lead.Lead) { l.Consent.MarketingOptIn = false }, "", lead.NoConsent},
		{"suppressed", func(l *lead.Lead) { l.Suppressed = "bounce" }, "", lead.NoSuppressed},
		{"grade D: no sequence takes it", func(l *lead.Lead) { l.Qualification.Grade = "D" }, "", lead.NoMatchingSequence},
		{"done with the one it fits", func(l *lead.Lead) {
			l.Nurture = &lead.Nurture{Sequence: cold, Completed: []string{cold}, ExitReason: ExitCompleted}
		}, "", lead.NoSequencesDone},
		{"sent back: the sequence for returned leads", func(l *lead.Lead) {
			l.SentBack = &lead.SentBack{At: monday.Add(-time.Hour), Reason: "no_budget", Times: 1}
			l.Nurture = &lead.Nurture{Sequence: cold, Completed: []string{cold}, NoSequence: lead.ExitHandedOff}
		}, "sent-back", ""},
		{"sent back twice: done with it", func(l *lead.Lead) {
			l.SentBack = &lead.SentBack{At: monday.Add(-time.Hour), Reason: "no_budget", Times: 2}
			l.Nurture = &lead.Nurture{Completed: []string{cold, "sent-back"}}
		}, "", lead.NoSequencesDone},
		{"in a sequence already: left alone", func(l *lead.Lead) {
			l.Nurture = &lead.Nurture{Sequence: cold, Step: "welcome", NextAt: monday.Add(time.Hour)}
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLead("cold", "B")
			tt.setup(&l)
			got := c.Place(&l, monday, "")
			if got != tt.want || l.Nurture == nil || l.Nurture.NoSequence != tt.why {
				t.Fatalf("Place = %q, nurture %+v; want %q, reason %q", got, l.Nurture, tt.want, tt.why)
			}
			if got != "" && !l.Nurture.NextAt.Equal(monday) {
				t.Fatalf("enrolled without a step due: %+v", l.Nurture)
			}
		})
	}
}
