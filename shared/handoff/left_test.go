package handoff

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/mail"
)

// TestOwedAlertOfARepWhoLeftGoesToSomeoneWhoIsThere: a hot lead's alert
// was addressed to ana, but SES did not take it (throttled, sending
// paused, a refusal's back-off), so it is still owed when a deploy
// removes ana from the routing config, or marks her away. The next try
// routes the lead again instead of mailing someone who left (or is off)
// with a first-response deadline nobody there will meet; an alert
// addressed to a rep still routed keeps its rep. The same for an
// escalation addressed to a team lead since replaced.
func TestOwedAlertOfARepWhoLeftGoesToSomeoneWhoIsThere(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, from, to, want string }{
		{"rep removed", "        - {name: Ana, email: ana@example.com}\n", "", "cy@example.com"},
		{"rep marked away", "{name: Ana, email: ana@example.com}", "{name: Ana, email: ana@example.com, away: true}", "cy@example.com"},
		{"rep still routed", "{name: Cy, email: cy@example.com}", "{name: Cy, email: cy@example.com, away: true}", "ana@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			id := f.hotLead(t, "owed@bigcorp.example")
			f.out.Fail = mail.ErrThrottled
			if _, err := f.svc.Run(ctx, id, "w1", ""); !errors.Is(err, mail.ErrThrottled) {
				t.Fatalf("err = %v, want ErrThrottled", err)
			}
			if l := stored(t, f.store, id); l.Handoff.Rep != "ana@example.com" {
				t.Fatalf("fixture: the owed alert is addressed to %q, want ana", l.Handoff.Rep)
			}
			edited := strings.Replace(teamYAML, tc.from, tc.to, 1)
			if edited == teamYAML {
				t.Fatal("teamYAML changed; update this test")
			}
			f.svc.Rules = rules(t, edited)
			f.out.Fail = nil
			f.now = f.now.Add(time.Minute)
			if out, err := f.svc.Run(ctx, id, "w2", ""); err != nil || out != Sent {
				t.Fatalf("Run = %s, %v", out, err)
			}
			sent := f.out.Sent()
			if len(sent) != 1 || sent[0].To != tc.want {
				t.Fatalf("alerts to %v, want one to %s", recipients(sent), tc.want)
			}
			if l := stored(t, f.store, id); l.Handoff.Rep != tc.want || !strings.Contains(sent[0].Text, "Hi "+l.Handoff.RepName) {
				t.Fatalf("hand-off %+v; alert:\n%s", l.Handoff, sent[0].Text)
			}
		})
	}
	t.Run("escalation to a team lead replaced", func(t *testing.T) {
		f := newFixture(t)
		id := f.hotLead(t, "esc@bigcorp.example")
		if out, err := f.svc.Run(ctx, id, "w1", ""); err != nil || out != Sent {
			t.Fatalf("alert: %s, %v", out, err)
		}
		f.now = f.now.Add(6 * time.Minute)
		f.out.Fail = mail.ErrThrottled
		if _, err := f.svc.Run(ctx, id, "w2", ""); !errors.Is(err, mail.ErrThrottled) {
			t.Fatalf("err = %v, want ErrThrottled", err)
		}
		if l := stored(t, f.store, id); l.Handoff.EscalatedTo != "lea@example.com" {
			t.Fatalf("fixture: the owed escalation is addressed to %q, want lea", l.Handoff.EscalatedTo)
		}
		f.svc.Rules = rules(t, strings.Replace(teamYAML, "{name: Lea, email: lea@example.com}", "{name: Lou, email: lou@example.com}", 1))
		f.out.Fail = nil
		f.now = f.now.Add(time.Minute)
		if out, err := f.svc.Run(ctx, id, "w3", ""); err != nil || out != Escalated {
			t.Fatalf("Run = %s, %v", out, err)
		}
		if sent := f.out.Sent(); len(sent) != 2 || sent[1].To != "lou@example.com" || !strings.Contains(sent[1].Text, "Hi Lou") {
			t.Fatalf("emails to %v, want the escalation to lou", recipients(f.out.Sent()))
		}
	})
}

func recipients(ms []mail.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.To)
	}
	return out
}
