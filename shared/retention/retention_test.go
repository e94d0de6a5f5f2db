package retention

import (
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

func TestCheck(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	p := Days(730)
	period := 730 * day
	old := now.Add(-period - day) // a day past the period
	edge := now.Add(-period)      // exactly the period: kept
	justPast := edge.Add(-time.Second)
	recent := now.Add(-10 * day)
	// idle is a lead captured at t whose only activity is that capture.
	idle := func(stage lead.Stage, t time.Time) lead.Lead {
		return lead.Lead{ID: "L1", Stage: stage, CreatedAt: t, UpdatedAt: t,
			FirstTouch: lead.Attribution{At: t}, LastTouch: lead.Attribution{At: t},
			Submission: lead.Submission{Consent: lead.Consent{At: t}}, Consents: []lead.Consent{{At: t}}}
	}
	with := func(l lead.Lead, f func(*lead.Lead)) lead.Lead { f(&l); return l }
	tests := []struct {
		name   string
		policy Policy
		lead   lead.Lead
		due    bool
		why    string
	}{
		{"captured long ago, nothing since", p, idle(lead.StageNurturing, old), true, ""},
		{"exactly the period ago is kept", p, idle(lead.StageNurturing, edge), false, KeptActive},
		{"a second past the period is due", p, idle(lead.StageNew, justPast), true, ""},
		{"captured recently", p, idle(lead.StageNurturing, recent), false, KeptActive},
		{"disqualified long ago", p, idle(lead.StageDisqualified, old), true, ""},
		{"rejected by sales long ago", p, with(idle(lead.StageRejected, old), func(l *lead.Lead) {
			l.Handoff = &lead.Handoff{State: lead.HandoffAnswered, AnsweredAt: old.Add(time.Hour)}
		}), true, ""},
		{"disabled (0 days) keeps everything", Days(0), idle(lead.StageNurturing, old.Add(-10*period)), false, KeptDisabled},
		{"already erased", p, with(idle(lead.StageNurturing, old), func(l *lead.Lead) { l.Erased = true }), false, KeptErased},
		{"a customer (won) is kept", p, with(idle(lead.StageWon, old), func(l *lead.Lead) {
			l.Deal = &lead.Deal{AcceptedAt: old, ClosedAt: old}
		}), false, KeptCustomer},
		{"an open deal (SAL) is kept", p, idle(lead.StageSAL, old), false, KeptOpenDeal},
		{"an open deal (SQL) is kept", p, idle(lead.StageSQL, old), false, KeptOpenDeal},
		{"a hot lead sales has not answered is kept", p, with(idle(lead.StageMQL, old), func(l *lead.Lead) {
			l.Handoff = &lead.Handoff{State: lead.HandoffEscalated}
		}), false, KeptWithSales},
		{"a deal lost long ago is due", p, with(idle(lead.StageLost, old), func(l *lead.Lead) {
			l.Deal = &lead.Deal{AcceptedAt: old, ClosedAt: old, ClosedRecordedAt: old}
		}), true, ""},
		{"a deal lost recently is kept", p, with(idle(lead.StageLost, old), func(l *lead.Lead) {
			l.Deal = &lead.Deal{AcceptedAt: old, ClosedAt: recent, ClosedRecordedAt: recent}
		}), false, KeptActive},
		{"a later form (last touch) is activity", p, with(idle(lead.StageNurturing, old), func(l *lead.Lead) {
			l.LastTouch.At = recent
		}), false, KeptActive},
		{"an email click (signal) is activity", p, with(idle(lead.StageNurturing, old), func(l *lead.Lead) {
			l.Signals = []lead.Signal{{Kind: "email_click", At: recent}}
		}), false, KeptActive},
		{"a consent confirmed is activity", p, with(idle(lead.StageNurturing, old), func(l *lead.Lead) {
			l.Consent.ConfirmedAt = recent
		}), false, KeptActive},
		{"an unsubscribe (consent withdrawn) is activity", p, with(idle(lead.StageUnsubscribed, old), func(l *lead.Lead) {
			l.Consents = append(l.Consents, lead.Consent{At: recent})
		}), false, KeptActive},
		{"an unsubscribe long ago is due", p, with(idle(lead.StageUnsubscribed, old), func(l *lead.Lead) {
			l.Consents = append(l.Consents, lead.Consent{At: old.Add(time.Hour)})
			l.Suppressed = "unsubscribe"
		}), true, ""},
		{"a confirmation asked for recently is activity", p, with(idle(lead.StageNew, old), func(l *lead.Lead) {
			l.OptIn = &lead.ConsentRequest{RequestedAt: recent}
		}), false, KeptActive},
		{"a rep's answer is a sales touch", p, with(idle(lead.StageNurturing, old), func(l *lead.Lead) {
			l.Handoff = &lead.Handoff{State: lead.HandoffAnswered, AnsweredAt: recent}
		}), false, KeptActive},
		{"sent back by sales recently", p, with(idle(lead.StageNurturing, old), func(l *lead.Lead) {
			l.SentBack = &lead.SentBack{At: recent}
		}), false, KeptActive},
		{"a CRM correction of a lost deal is activity", p, with(idle(lead.StageLost, old), func(l *lead.Lead) {
			l.Deal = &lead.Deal{AcceptedAt: old, ClosedAt: old, AmountSentAt: recent}
		}), false, KeptActive},
		{"came back recently", p, with(idle(lead.StageNurturing, old), func(l *lead.Lead) {
			l.Returned = &lead.Return{At: recent}
		}), false, KeptActive},
		// What the product does to the lead is no activity of the lead's:
		// nurture emails, alerts, reminders move UpdatedAt, not this.
		{"emails sent to it are not activity", p, with(idle(lead.StageNurturing, old), func(l *lead.Lead) {
			l.UpdatedAt = recent
			l.Nurture = &lead.Nurture{EnrolledAt: old, Sends: []lead.Send{{At: recent}}}
			l.AlertedAt = recent
		}), true, ""},
		{"no time at all is kept (nothing to measure from)", p, lead.Lead{ID: "L0", Stage: lead.StageNew}, false, KeptNoTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.policy.Check(tt.lead, now)
			if v.Due != tt.due || v.Kept != tt.why {
				t.Fatalf("Check = %+v, want due=%v kept=%q", v, tt.due, tt.why)
			}
		})
	}
}

func TestParseDays(t *testing.T) {
	tests := []struct {
		in   int
		off  bool
		fail bool
	}{{0, true, false}, {730, false, false}, {30, false, false}, {29, false, true}, {1, false, true}, {-1, false, true}, {36500, false, false}, {36501, false, true}}
	for _, tt := range tests {
		p, err := ParseDays(tt.in)
		if (err != nil) != tt.fail {
			t.Errorf("ParseDays(%d) error = %v, want failure %v", tt.in, err, tt.fail)
			continue
		}
		if err == nil && p.Off() != tt.off {
			t.Errorf("ParseDays(%d).Off() = %v", tt.in, p.Off())
		}
	}
}
