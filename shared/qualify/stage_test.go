package qualify

import (
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestStageFor(t *testing.T) {
	hot := Decision{Temperature: Hot}
	warm := Decision{Temperature: Warm}
	cold := Decision{Temperature: Cold}
	dq := Decision{Temperature: Cold, Disqualified: true, Reason: "spam"}
	tests := []struct {
		current lead.Stage
		d       Decision
		want    lead.Stage
	}{
		{lead.StageNew, hot, lead.StageMQL},
		{lead.StageNew, warm, lead.StageNurturing},
		{lead.StageNew, cold, lead.StageNurturing},
		{lead.StageNew, dq, lead.StageDisqualified},
		{"", hot, lead.StageMQL},
		{lead.StageNurturing, hot, lead.StageMQL},
		{lead.StageMQL, cold, lead.StageNurturing}, // cooled off before sales accepted it
		{lead.StageMQL, dq, lead.StageDisqualified},
		{lead.StageDisqualified, hot, lead.StageMQL}, // automatic, so re-evaluated
		// Sales-set stages are never changed automatically.
		{lead.StageSAL, cold, lead.StageSAL},
		{lead.StageSAL, dq, lead.StageSAL},
		{lead.StageSQL, dq, lead.StageSQL},
		{lead.StageWon, dq, lead.StageWon},
		{lead.StageLost, hot, lead.StageLost},
		{lead.StageRejected, hot, lead.StageRejected},
		{lead.StageUnsubscribed, hot, lead.StageUnsubscribed},
	}
	for _, tt := range tests {
		if got := StageFor(tt.current, tt.d); got != tt.want {
			t.Errorf("StageFor(%q, %s disqualified=%v) = %q, want %q", tt.current, tt.d.Temperature, tt.d.Disqualified, got, tt.want)
		}
	}
}

// TestHandedOffLeadStaysWithSalesWhenItCools: an MQL whose alert is out
// stays an MQL however its engagement decays: only sales sends it back
// to nurturing (no nurture email after the hand-off).
func TestHandedOffLeadStaysWithSalesWhenItCools(t *testing.T) {
	c := Default()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, state := range []string{lead.HandoffPending, lead.HandoffSent, lead.HandoffEscalated} {
		l := lead.New("L1", lead.Submission{Email: "a@b.example", JobTitle: "Marketing Manager", CompanySize: "51-200", Country: "DE",
			Consent: lead.Consent{MarketingOptIn: true}})
		l.Stage = lead.StageMQL
		l.Handoff = &lead.Handoff{State: state, Since: now.Add(-90 * 24 * time.Hour)}
		l.AddSignal(lead.Signal{Kind: "form:demo_request", At: now.Add(-90 * 24 * time.Hour)})
		c.Qualify(&l, now)
		if l.Qualification.Temperature == Hot || l.Stage != lead.StageMQL {
			t.Fatalf("handoff %s: %s, stage %s; want cooled but still mql", state, l.Qualification.Temperature, l.Stage)
		}
	}
}

// TestLeadThatLeftComesBackWithAForm: a lead whose deal was lost, or
// that opted out of marketing email, and that posts a form which makes
// it hot is a new request for contact: an MQL with a new alert owed.
// Engagement alone, what it did before it left, a form that is not hot
// and the stages sales holds or closed as won or rejected change nothing.
func TestLeadThatLeftComesBackWithAForm(t *testing.T) {
	c := Default()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	left := now.Add(-60 * 24 * time.Hour)
	demo := lead.Signal{Kind: FormSignal("demo_request"), At: now}
	tests := []struct {
		name     string
		stage    lead.Stage
		signals  []lead.Signal
		message  string
		want     lead.Stage
		counter  string    // the MQL counter when it comes back
		left     time.Time // when it left, if not 60 days ago
		recorded time.Time // when the loss was recorded (zero: at its close date)
		noClose  bool      // a deal lost before close dates were kept
		sentBack bool      // sales sent it back once, before the deal it lost
	}{
		{name: "lost deal, demo request", stage: lead.StageLost, signals: []lead.Signal{demo}, want: lead.StageMQL, counter: "mql"},
		{name: "opted out, demo request", stage: lead.StageUnsubscribed, signals: []lead.Signal{demo}, want: lead.StageMQL, counter: "mql"},
		// A new round: its MQL counts, as its SAL will (not mql_again).
		{name: "sent back once, then lost, demo request", stage: lead.StageLost, sentBack: true, signals: []lead.Signal{demo}, want: lead.StageMQL, counter: "mql"},
		// Hot on engagement (a fresh lead would be an MQL), but no form.
		{name: "lost deal, pricing pages and a reply only", stage: lead.StageLost, want: lead.StageLost, signals: []lead.Signal{
			{Kind: SignalPricingPageView, At: now}, {Kind: SignalPricingPageView, At: now.Add(-26 * time.Hour)},
			{Kind: SignalPricingPageView, At: now.Add(-52 * time.Hour)}, {Kind: SignalPricingPageView, At: now.Add(-78 * time.Hour)},
			{Kind: SignalReply, At: now.Add(-2 * time.Hour)}}},
		// A form since that was not hot (a newsletter), then pricing pages:
		// the page view that makes it hot is engagement, not the lead
		// asking.
		{name: "lost deal, a newsletter form, then pricing pages", stage: lead.StageLost, want: lead.StageLost, signals: []lead.Signal{
			{Kind: FormSignal("newsletter"), At: now.Add(-100 * time.Hour)},
			{Kind: SignalPricingPageView, At: now.Add(-78 * time.Hour)}, {Kind: SignalPricingPageView, At: now.Add(-52 * time.Hour)},
			{Kind: SignalPricingPageView, At: now.Add(-26 * time.Hour)}, {Kind: SignalReply, At: now.Add(-2 * time.Hour)},
			{Kind: SignalPricingPageView, At: now}}},
		{name: "opted out, a newsletter form, then pricing pages", stage: lead.StageUnsubscribed, want: lead.StageUnsubscribed, signals: []lead.Signal{
			{Kind: FormSignal("newsletter"), At: now.Add(-100 * time.Hour)},
			{Kind: SignalPricingPageView, At: now.Add(-78 * time.Hour)}, {Kind: SignalPricingPageView, At: now.Add(-52 * time.Hour)},
			{Kind: SignalPricingPageView, At: now.Add(-26 * time.Hour)}, {Kind: SignalReply, At: now.Add(-2 * time.Hour)},
			{Kind: SignalPricingPageView, At: now}}},
		// The same pages, then the newsletter form: the form the lead
		// posts now makes it hot with what it did since it left.
		{name: "lost deal, pricing pages, then a newsletter form", stage: lead.StageLost, want: lead.StageMQL, counter: "mql", signals: []lead.Signal{
			{Kind: SignalPricingPageView, At: now.Add(-78 * time.Hour)}, {Kind: SignalPricingPageView, At: now.Add(-52 * time.Hour)},
			{Kind: SignalPricingPageView, At: now.Add(-26 * time.Hour)}, {Kind: SignalReply, At: now.Add(-2 * time.Hour)},
			{Kind: SignalPricingPageView, At: now.Add(-time.Hour)}, {Kind: FormSignal("newsletter"), At: now}}},
		// A page view written while the form's write was on its way (its
		// time is later than the form's): the form still brings it back.
		{name: "lost deal, demo request, a page view stamped after it", stage: lead.StageLost, want: lead.StageMQL, counter: "mql",
			signals: []lead.Signal{demo, {Kind: SignalPricingPageView, At: now.Add(time.Second)}}},
		{name: "lost deal, its demo request before the loss", stage: lead.StageLost, want: lead.StageLost,
			signals: []lead.Signal{{Kind: FormSignal("demo_request"), At: left.Add(-time.Hour)}}},
		// Lost yesterday after a demo request the day before: only the
		// newsletter form since counts, and it is not hot.
		{name: "lost yesterday, demo request before, newsletter form now", stage: lead.StageLost, want: lead.StageLost,
			left: now.Add(-24 * time.Hour), signals: []lead.Signal{{Kind: FormSignal("demo_request"), At: now.Add(-48 * time.Hour)}, {Kind: FormSignal("newsletter"), At: now}}},
		{name: "opted out, newsletter form", stage: lead.StageUnsubscribed, want: lead.StageUnsubscribed,
			signals: []lead.Signal{{Kind: FormSignal("newsletter"), At: now}}},
		{name: "lost deal, a job seeker's form", stage: lead.StageLost, signals: []lead.Signal{demo}, want: lead.StageLost,
			message: "Do you have any vacancy? My CV is attached."},
		// The CRM recorded the loss an hour ago, dated two months back:
		// the demo request two days ago was sales' to answer, not a return.
		{name: "lost, backdated, the form before the loss was recorded", stage: lead.StageLost, want: lead.StageLost,
			recorded: now.Add(-time.Hour), signals: []lead.Signal{{Kind: FormSignal("demo_request"), At: now.Add(-48 * time.Hour)}, {Kind: SignalPricingPageView, At: now}}},
		{name: "lost, backdated, a form after the loss was recorded", stage: lead.StageLost, want: lead.StageMQL, counter: "mql",
			recorded: now.Add(-time.Hour), signals: []lead.Signal{demo}},
		{name: "lost without a close date", stage: lead.StageLost, noClose: true, signals: []lead.Signal{demo}, want: lead.StageLost},
		{name: "won", stage: lead.StageWon, signals: []lead.Signal{demo}, want: lead.StageWon},
		{name: "rejected by sales", stage: lead.StageRejected, signals: []lead.Signal{demo}, want: lead.StageRejected},
		{name: "accepted", stage: lead.StageSAL, signals: []lead.Signal{demo}, want: lead.StageSAL},
		{name: "opportunity", stage: lead.StageSQL, signals: []lead.Signal{demo}, want: lead.StageSQL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			left := left
			if !tt.left.IsZero() {
				left = tt.left
			}
			l := lead.New("L1", lead.Submission{Email: "a@b.example", JobTitle: "Marketing Manager", CompanySize: "51-200", Country: "DE",
				Message: tt.message})
			l.Stage = tt.stage
			answered := &lead.Handoff{State: lead.HandoffAnswered, Since: left.Add(-30 * 24 * time.Hour), AnsweredBy: "sam@example.com"}
			switch tt.stage {
			case lead.StageLost, lead.StageWon, lead.StageSAL, lead.StageSQL, lead.StageRejected:
				l.Handoff = answered
				l.Deal = &lead.Deal{AcceptedAt: answered.Since, Rep: "sam@example.com", ClosedAt: left, ClosedRecordedAt: tt.recorded,
					LostReason: "chose a competitor", Applied: []string{"crm-1"}}
				if tt.noClose {
					l.Deal.ClosedAt = time.Time{}
				}
			case lead.StageUnsubscribed:
				l.Consent = lead.Consent{At: left}
				l.Suppressed = "unsubscribe"
			}
			if tt.sentBack {
				l.SentBack = &lead.SentBack{At: left.Add(-40 * 24 * time.Hour), Reason: "no_budget", Times: 1}
			}
			for _, s := range tt.signals {
				l.AddSignal(s)
			}
			ch := c.Qualify(&l, now)
			if l.Stage != tt.want {
				t.Fatalf("stage %s (%s, %v), want %s", l.Stage, l.Qualification.Temperature, l.Qualification.Reasons, tt.want)
			}
			if tt.want != lead.StageMQL {
				if l.Returned != nil || (l.Handoff != nil && l.Handoff.State != lead.HandoffAnswered) {
					t.Fatalf("came back though it stays %s: returned %+v, handoff %+v", tt.want, l.Returned, l.Handoff)
				}
				return
			}
			if !tt.recorded.IsZero() {
				left = tt.recorded
			}
			if l.Returned == nil || l.Returned.From != tt.stage || !l.Returned.Left.Equal(left) || !l.Returned.At.Equal(now) || l.Returned.Times != 1 {
				t.Fatalf("returned %+v, want from %s, left %s, at %s, once", l.Returned, tt.stage, left, now)
			}
			if l.Handoff == nil || l.Handoff.State != lead.HandoffPending {
				t.Fatalf("handoff %+v, want a new pending one", l.Handoff)
			}
			counters := map[string]bool{}
			for _, k := range ch.Counters {
				counters[k.Name] = true
			}
			if !counters[tt.counter] || len(ch.Counters) != 1 {
				t.Fatalf("counters %+v, want only %s", ch.Counters, tt.counter)
			}
			if reasons := strings.Join(l.Qualification.Reasons, "; "); !strings.Contains(reasons, "came back with a new form after") {
				t.Fatalf("reasons %q do not say it came back", reasons)
			}
			switch tt.stage {
			case lead.StageLost:
				if l.Deal == nil || !l.Deal.AcceptedAt.IsZero() || l.Deal.Rep != "" || len(l.Deal.Applied) != 1 {
					t.Fatalf("deal %+v: want the lost one's record gone, its applied CRM event ids kept", l.Deal)
				}
			case lead.StageUnsubscribed:
				if l.Suppressed != "unsubscribe" || l.Consent.MarketingOptIn {
					t.Fatalf("suppressed %q, consent %+v: a request for contact is no consent to marketing email", l.Suppressed, l.Consent)
				}
			}
		})
	}
}

// TestLostWithoutACloseDateDoesNotComeBack: a lead lost with no close
// date on record (no deal kept: lost before deals were; or a zero date)
// has no time it left (lead.Left): what it did before sales had it (its
// first demo request) must not make a newsletter form bring it back.
func TestLostWithoutACloseDateDoesNotComeBack(t *testing.T) {
	c := Default()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	answered := now.Add(-36 * time.Hour)
	for name, deal := range map[string]*lead.Deal{
		"no deal":       nil,
		"no close date": {AcceptedAt: answered, Rep: "sam@example.com"},
	} {
		t.Run(name, func(t *testing.T) {
			l := lead.New("L1", lead.Submission{Email: "a@b.example", JobTitle: "Marketing Manager", CompanySize: "51-200", Country: "DE"})
			l.Stage = lead.StageLost
			l.Handoff = &lead.Handoff{State: lead.HandoffAnswered, Since: now.Add(-47 * time.Hour), AnsweredAt: answered, AnsweredBy: "sam@example.com"}
			l.Deal = deal
			l.AddSignal(lead.Signal{Kind: FormSignal("demo_request"), At: now.Add(-48 * time.Hour)})
			l.AddSignal(lead.Signal{Kind: FormSignal("newsletter"), At: now})
			c.Qualify(&l, now)
			if l.Stage != lead.StageLost || l.Returned != nil {
				t.Fatalf("stage %s, returned %+v (%v): its demo request from before sales had it brought it back",
					l.Stage, l.Returned, l.Qualification.Reasons)
			}
		})
	}
}
