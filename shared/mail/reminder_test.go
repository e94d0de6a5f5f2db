package mail_test

import (
	"strings"
	"testing"

	leadmail "github.com/leadflow/leadflow/shared/mail"
)

// TestReminderSaysAReplyReachesTheLead: the outcome reminder asks the
// rep "How did it go?" and its Reply-To is the lead, so a rep who
// answered by replying ("lost, no budget") wrote to the lead — with the
// reminder quoted, its outcome links too — and nothing said so. It says
// where a reply goes, as the asked-again notice does; for an address SES
// cannot take as Reply-To (no Reply-To then), that a reply does not
// reach the lead.
func TestReminderSaysAReplyReachesTheLead(t *testing.T) {
	for _, c := range []struct{ email, want string }{
		{"clara@bigcorp.example", "Replying to this email writes to Clara Moss"},
		{"josé@bigcorp.example", "Write to Clara Moss from your own mail client: replying to this email does not reach this address"},
	} {
		ol := leadmail.OpenLead{Name: "Clara Moss", Email: c.email, Company: "BigCorp", AcceptedOn: "1 Dec 2026", Days: 14,
			SQLURL: "https://x.example/s", WonURL: "https://x.example/w", LostURL: "https://x.example/l", Until: "1 Jun 2027"}
		_, html, text, err := leadmail.RenderReminder(leadmail.Reminder{RepName: "Ana", Lead: ol})
		if err != nil {
			t.Fatal(err)
		}
		for part, body := range map[string]string{"html": html, "text": text} {
			if !strings.Contains(body, c.want) || !strings.Contains(body, c.email) {
				t.Errorf("%s: the %s part does not say where a reply goes (%q, %s):\n%s", c.email, part, c.want, c.email, body)
			}
		}
	}
}
