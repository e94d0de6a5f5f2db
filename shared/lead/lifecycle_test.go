package lead

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRecord: each lifecycle change becomes one event in the same
// change; nothing changed, nothing recorded; recording twice adds
// nothing.
func TestRecord(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		before func(*Lead) // the stored state, recorded
		change func(*Lead)
		cause  Event
		want   string // kind(key=value…) of each event
	}{
		{"nothing changed", func(*Lead) {}, func(*Lead) {}, Event{Kind: "email_click"}, ""},
		{"created hot", nil, func(l *Lead) { l.Stage = StageMQL }, Event{Kind: EventCaptured, Data: map[string]any{"source": "x"}},
			"stage(by=captured from=new to=mql)"},
		{"sent back", func(l *Lead) { l.Stage = StageMQL }, func(l *Lead) { l.Stage = StageNurturing },
			Event{Kind: "rejected", Data: map[string]any{"reason": "no_budget", "then": "nurture", "private": "x"}},
			"stage(by=rejected from=mql reason=no_budget then=nurture to=nurturing)"},
		{"opted out with sales, then sent back: the rejection keeps its reason", func(l *Lead) {
			l.Stage, l.Suppressed, l.Consent.MarketingOptIn = StageMQL, "complaint", false
		}, func(l *Lead) { l.Stage = StageUnsubscribed },
			Event{Kind: "rejected", Data: map[string]any{"reason": "no_budget", "label": "No budget yet", "then": "nurture"}},
			"stage(by=rejected from=mql opt_out=complaint reason=no_budget then=nurture to=unsubscribed)"},
		{"won with a deal", func(l *Lead) { l.Stage = StageSQL }, func(l *Lead) { l.Stage = StageWon },
			Event{Kind: "won", Data: map[string]any{"amount": 9000.0, "currency": "EUR", "source": "crm"}},
			"stage(amount=9000 by=won currency=EUR from=sql source=crm to=won)"},
		{"unsubscribed: one opt-out, no stage event", func(l *Lead) { l.Stage = StageNurturing },
			func(l *Lead) {
				l.Stage, l.Suppressed, l.Consent.MarketingOptIn = StageUnsubscribed, "unsubscribe", false
			},
			Event{Kind: "unsubscribed"}, "opt_out(by=unsubscribed from=nurturing reason=unsubscribe to=unsubscribed)"},
		{"bounce: opt-out, stage kept", func(l *Lead) { l.Stage = StageNurturing }, func(l *Lead) { l.Suppressed = "bounce" },
			Event{Kind: "bounced"}, "opt_out(by=bounced from=nurturing reason=bounce to=nurturing)"},
		{"consent withdrawn while hot", func(l *Lead) { l.Stage = StageNurturing },
			func(l *Lead) { l.Stage, l.Consent.MarketingOptIn = StageMQL, false },
			Event{Kind: EventResubmitted}, "stage(by=resubmitted from=nurturing to=mql) opt_out(by=resubmitted from=nurturing reason=no_consent to=mql)"},
		{"consent given again", func(l *Lead) { l.Stage, l.Consent.MarketingOptIn = StageNurturing, false },
			func(l *Lead) { l.Consent.MarketingOptIn = true }, Event{Kind: EventResubmitted}, "opt_in(by=resubmitted)"},
		{"no consent, then bounced: the CRM learns it", func(l *Lead) { l.Stage, l.Consent.MarketingOptIn = StageNurturing, false },
			func(l *Lead) { l.Suppressed = "bounce" }, Event{Kind: "bounced"}, "opt_out(by=bounced from=nurturing reason=bounce to=nurturing)"},
		{"stored before lifecycles: adopted silently", func(l *Lead) { l.Recorded = nil },
			func(l *Lead) { l.Stage = StageMQL }, Event{Kind: "email_click"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New("L1", Submission{Email: "a@b.example", Consent: Consent{MarketingOptIn: true}})
			if tt.before != nil {
				tt.before(&l)
				if l.Recorded != nil {
					l.Record(&Change{})
				}
			}
			tt.change(&l)
			ch := Change{At: at, Events: []Event{tt.cause}}
			l.Record(&ch)
			var got []string
			for _, e := range ch.Events[1:] {
				var kv []string
				for _, k := range []string{"amount", "by", "currency", "from", "opt_out", "reason", "source", "then", "to", "private"} {
					if v, ok := e.Data[k]; ok {
						kv = append(kv, fmt.Sprint(k, "=", v))
					}
				}
				got = append(got, e.Kind+"("+strings.Join(kv, " ")+")")
				if !e.At.Equal(at) || e.ID == "" {
					t.Errorf("event %+v: want at the change's time, with an id", e)
				}
			}
			if strings.Join(got, " ") != tt.want {
				t.Fatalf("events %v\n  want %s", got, tt.want)
			}
			n := len(ch.Events)
			l.Record(&ch)
			if len(ch.Events) != n || l.Recorded == nil || *l.Recorded != l.CurrentLifecycle() {
				t.Fatalf("recording twice added %d events; recorded %+v", len(ch.Events)-n, l.Recorded)
			}
		})
	}
}
