package mail_test

import (
	"strings"
	"testing"

	leadmail "github.com/leadflow/leadflow/shared/mail"
)

// TestEmailsWithTheLeadAsReplyToWarnThatAReplyQuotesThem: the sales alert,
// the escalation, the asked-again notice and the outcome reminder go with
// the lead as Reply-To, so a rep can answer the lead with one tap. Mail
// clients quote the message in a reply: a rep who replied sent the lead
// the score reasons and the signed Accept / Reject (or SQL / Won / Lost)
// links, which work for whoever holds them, and nothing in the alert said
// a reply goes to the lead at all. Each says so, and that the reply quotes
// the email with its links; where SES takes no Reply-To for the address,
// that a reply does not reach the lead.
func TestEmailsWithTheLeadAsReplyToWarnThatAReplyQuotesThem(t *testing.T) {
	const quotes = "Replying to this email writes to Ann Example and quotes all of it, its links too: delete the quote, or start a new email."
	const unreachable = "Write to Ann Example from your own mail client: replying to this email does not reach this address."
	render := map[string]func(email string) (html, text string, err error){
		"alert": func(email string) (string, string, error) {
			a := hotAlert()
			a.Email = email
			_, h, x, err := leadmail.RenderAlert(a)
			return h, x, err
		},
		"escalation": func(email string) (string, string, error) {
			a := hotAlert()
			a.Email, a.Escalation, a.MissedBy = email, true, "Rita"
			_, h, x, err := leadmail.RenderAlert(a)
			return h, x, err
		},
		"reminder": func(email string) (string, string, error) {
			_, h, x, err := leadmail.RenderReminder(leadmail.Reminder{RepName: "Rita", Lead: leadmail.OpenLead{Name: "Ann Example", Email: email,
				AcceptedOn: "1 Dec 2026", Days: 14, SQLURL: "https://x.example/s", WonURL: "https://x.example/w", LostURL: "https://x.example/l", Until: "1 Jun 2027"}})
			return h, x, err
		},
	}
	for name, r := range render {
		for _, c := range []struct{ email, want, notWant string }{
			{"ann@acme.example", quotes, "does not reach"},
			{"anné@acme.example", unreachable, "quotes all of it"},
		} {
			html, text, err := r(c.email)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for part, body := range map[string]string{"html": html, "text": text} {
				if !strings.Contains(strings.Join(strings.Fields(body), " "), c.want) {
					t.Errorf("%s to %s: the %s part lacks %q:\n%s", name, c.email, part, c.want, body)
				}
				if strings.Contains(body, c.notWant) {
					t.Errorf("%s to %s: the %s part says %q:\n%s", name, c.email, part, c.notWant, body)
				}
			}
		}
	}
}

// TestAlertTextSignatureSeparator: the alert's text part sets its footer
// off with the standard signature separator, "-- " (with the space), which
// mail clients recognise (and leave out of a reply's quote); "--" alone
// is just a line.
func TestAlertTextSignatureSeparator(t *testing.T) {
	_, _, text, err := leadmail.RenderAlert(hotAlert())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "\n-- \nYou get this email because") {
		t.Errorf("the footer is not set off with \"-- \":\n%s", text)
	}
}
