package mail_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	leadmail "github.com/leadflow/leadflow/shared/mail"
)

// TestSalesEmailsWrapLongValuesOnAPhone: an address, a company or a
// name is one unbreakable word to a mail client; on a 375 px phone a
// 100-character address widened the rep's weekly list to 860 px (the Won
// and Lost links off screen), the alert and the asked-again notice to
// 620–800 px, unless the email lets the client break such a word
// anywhere (overflow-wrap is inherited from the body).
func TestSalesEmailsWrapLongValuesOnAPhone(t *testing.T) {
	addr := "alexandra.konstantinopoulou-papadimitriou.procurement@internationalbusinessmachinesconsulting.example"
	company := "InternationalBusinessMachinesConsultingServicesGmbH"
	ol := leadmail.OpenLead{Name: "Alexandra", Email: addr, JobTitle: "CEO", Company: company, Stage: "accepted",
		AcceptedOn: "1 Dec 2026", Days: 4, SQLURL: "https://x.example/s", WonURL: "https://x.example/w", LostURL: "https://x.example/l", Until: "1 Jun 2027"}
	a := hotAlert()
	a.Email, a.Company = addr, company
	render := salesEmails(a, ol, company)
	body := regexp.MustCompile(`<body[^>]*\bstyle="[^"]*overflow-wrap:anywhere`)
	for name, r := range render {
		_, html, _, err := r()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !body.MatchString(html) {
			t.Errorf("%s: long words in the lead's values do not wrap: the body has no overflow-wrap:anywhere", name)
		}
	}
}

// TestEmailsSayTheirLanguageCharsetAndViewport: every HTML email states
// its language (screen readers), its charset (clients that guess garble
// "Müller") and a viewport (phones otherwise lay it out 980 px wide and
// shrink it), and has a title, as the alert and digests do.
func TestEmailsSayTheirLanguageCharsetAndViewport(t *testing.T) {
	ol := leadmail.OpenLead{Name: "Clara", Email: "clara@bigcorp.example", Company: "BigCorp", Stage: "accepted",
		AcceptedOn: "1 Dec 2026", Days: 4, SQLURL: "https://x.example/s", WonURL: "https://x.example/w", LostURL: "https://x.example/l", Until: "1 Jun 2027"}
	render := salesEmails(hotAlert(), ol, "Need routing before Q1")
	render["confirmation"] = func() (string, string, string, error) {
		return leadmail.RenderConfirmation(leadmail.Confirmation{Sender: "Acme", ConfirmURL: "https://x.example/c", Until: "Mon 7 Dec 2026, 09:00 CET"})
	}
	for name, r := range render {
		_, html, _, err := r()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, want := range []*regexp.Regexp{regexp.MustCompile(`<html lang="en">`), regexp.MustCompile(`(?i)<meta charset="utf-8">`),
			regexp.MustCompile(`<meta name="viewport" content="width=device-width,\s?initial-scale=1`), regexp.MustCompile(`<title>[^<]+</title>`)} {
			if !want.MatchString(html) {
				t.Errorf("%s: the HTML lacks %s", name, want)
			}
		}
	}
}

// TestReminderTextSaysWhatItsHTMLSays: a rep whose client shows the
// plain part reads the same email: the CRM way to record the outcome too.
func TestReminderTextSaysWhatItsHTMLSays(t *testing.T) {
	ol := leadmail.OpenLead{Name: "Clara", Email: "clara@bigcorp.example", Company: "BigCorp", AcceptedOn: "1 Dec 2026", Days: 14,
		SQLURL: "https://x.example/s", WonURL: "https://x.example/w", LostURL: "https://x.example/l", Until: "1 Jun 2027"}
	_, html, text, err := leadmail.RenderReminder(leadmail.Reminder{RepName: "Ana", Lead: ol})
	if err != nil {
		t.Fatal(err)
	}
	const crm = "you can also record the outcome in your CRM if it reports outcomes to leadflow"
	if !strings.Contains(html, crm) || !strings.Contains(text, crm) {
		t.Errorf("the CRM sentence: html %v, text %v\n%s", strings.Contains(html, crm), strings.Contains(text, crm), text)
	}
}

// salesEmails renders each email to a rep about a lead: the alert a, and
// the weekly list, the outcome reminder and the asked-again notice (with
// message as its form's) about ol.
func salesEmails(a leadmail.Alert, ol leadmail.OpenLead, message string) map[string]func() (string, string, string, error) {
	return map[string]func() (string, string, string, error){
		"alert": func() (string, string, string, error) { return leadmail.RenderAlert(a) },
		"open leads": func() (string, string, string, error) {
			return leadmail.RenderOpenLeads(leadmail.OpenLeads{RepName: "Ana", Leads: []leadmail.OpenLead{ol}})
		},
		"reminder": func() (string, string, string, error) {
			return leadmail.RenderReminder(leadmail.Reminder{RepName: "Ana", Lead: ol})
		},
		"asked again": func() (string, string, string, error) {
			return leadmail.RenderAskedAgain(leadmail.AskedAgain{RepName: "Ana", Lead: ol, Status: "You accepted it.",
				Forms: []leadmail.AskedForm{{At: at, Form: "Demo request", Fields: []leadmail.KV{{Key: "Message", Value: message}}}}, Zone: time.UTC})
		},
	}
}

// TestEmailsStayReadableInDarkMode: an email that colours its text dark
// but leaves the background to the client shows dark grey on black in a
// client's dark mode (Apple Mail, and others that darken an email whose
// background it does not set): the confirmation, the weekly list, the
// reminder and the asked-again notice did. Each email declares the light
// colour scheme it was designed in and sets the background its text
// colour was chosen for, as the alert and the digests do.
func TestEmailsStayReadableInDarkMode(t *testing.T) {
	ol := leadmail.OpenLead{Name: "Clara", Email: "clara@bigcorp.example", Company: "BigCorp", Stage: "accepted",
		AcceptedOn: "1 Dec 2026", Days: 4, SQLURL: "https://x.example/s", WonURL: "https://x.example/w", LostURL: "https://x.example/l", Until: "1 Jun 2027"}
	render := salesEmails(hotAlert(), ol, "Need routing before Q1")
	render["confirmation"] = func() (string, string, string, error) {
		return leadmail.RenderConfirmation(leadmail.Confirmation{Sender: "Acme", ConfirmURL: "https://x.example/c", Until: "Mon 7 Dec 2026, 09:00 CET"})
	}
	scheme := regexp.MustCompile(`<meta name="color-scheme" content="light">`)
	bodyStyle := regexp.MustCompile(`<body[^>]*\bstyle="([^"]*)"`)
	for name, r := range render {
		_, html, _, err := r()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !scheme.MatchString(html) {
			t.Errorf("%s: the HTML does not declare its colour scheme (light)", name)
		}
		m := bodyStyle.FindStringSubmatch(html)
		if m == nil {
			t.Errorf("%s: the body has no style", name)
			continue
		}
		if regexp.MustCompile(`(^|;)\s*color:`).MatchString(m[1]) && !regexp.MustCompile(`(^|;)\s*background(-color)?:\s*#`).MatchString(m[1]) {
			t.Errorf("%s: the body colours its text (%s) but sets no background for it", name, m[1])
		}
	}
}
