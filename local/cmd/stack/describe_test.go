package main

import (
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// TestDescribeSES: make bounce / complaint / soft-bounce say what the
// event changed, from the address's state before and after.
func TestDescribeSES(t *testing.T) {
	nurtured := func() *lead.Lead {
		return &lead.Lead{ID: "01J", Stage: lead.StageNurturing, Submission: lead.Submission{Consent: lead.Consent{MarketingOptIn: true}},
			Nurture: &lead.Nurture{Sequence: "cold-education", Step: "checkin", NextAt: now.Add(time.Hour)}}
	}
	suppressed := func(reason string, stage lead.Stage) *lead.Lead {
		l := nurtured()
		l.Nurture.NextAt, l.Nurture.ExitReason = time.Time{}, reason
		l.Suppressed, l.Stage = reason, stage
		return l
	}
	complained := suppressed("complaint", lead.StageUnsubscribed)
	complained.Consent = lead.Consent{}
	soft1 := nurtured()
	soft1.SoftBounces = []string{"m1"}
	for _, c := range []struct {
		name, kind    string
		before, after state
		want          string
	}{
		{"hard bounce", "bounce", state{Lead: nurtured()}, state{Lead: suppressed("bounce", lead.StageNurturing), Suppressed: true},
			`ann@acme.example: hard bounce → lead 01J suppressed (bounce), nurture stopped (was: cold-education at step "checkin")`},
		{"complaint", "complaint", state{Lead: nurtured()}, state{Lead: complained, Suppressed: true},
			`ann@acme.example: complaint → lead 01J suppressed (complaint), nurture stopped (was: cold-education at step "checkin"), stage nurturing → unsubscribed, marketing consent withdrawn`},
		{"soft bounce", "soft-bounce", state{Lead: nurtured()}, state{Lead: soft1},
			`ann@acme.example: soft bounce → lead 01J soft bounce 1 of 3 recorded (suppressed at 3)`},
		{"bounce again", "bounce", state{Lead: suppressed("bounce", lead.StageNurturing), Suppressed: true}, state{Lead: suppressed("bounce", lead.StageNurturing), Suppressed: true},
			`ann@acme.example: hard bounce → lead 01J: already suppressed (bounce): nothing changed`},
		{"no lead", "bounce", state{}, state{},
			`ann@acme.example: hard bounce → no lead has this address: nothing changed (SES events act on leads' addresses only)`},
		{"no lead, now listed", "complaint", state{}, state{Suppressed: true},
			`ann@acme.example: complaint → no lead has this address: it is now on the suppression list (nothing else changed)`},
		{"delivery", "delivery", state{Lead: nurtured()}, state{Lead: nurtured()},
			`ann@acme.example: delivery → lead 01J: delivery counted for its campaign; the lead is unchanged`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := describeSES(c.kind, "ann@acme.example", c.before, c.after); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}
