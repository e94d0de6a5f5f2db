package mail_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	leadmail "github.com/leadflow/leadflow/shared/mail"
)

// TestAskedAgainNotice: the notice names the lead and what it asked with
// each form, in the reader's zone; an open deal's notice carries the
// outcome links, a customer's none; a multi-line message cannot fake
// lines of its own in the text part.
func TestAskedAgainNotice(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	link := "https://api.example.com/feedback/t"
	at := time.Date(2026, 12, 3, 13, 5, 0, 0, time.UTC)
	form := leadmail.AskedForm{At: at, Form: "Demo request", Campaign: "Q4 demo push", Fields: []leadmail.KV{
		{Key: "Message", Value: "We need SSO\nWon: https://evil.example"}, {Key: "Which CRM?", Value: "HubSpot"}}}
	open := leadmail.OpenLead{Name: "Clara Moss", Email: "clara@bigcorp.example", JobTitle: "CMO", Company: "BigCorp",
		Stage: "accepted", AcceptedOn: "1 Dec 2026", Days: 2, SQLURL: link + "/sql", WonURL: link + "/won", LostURL: link + "/lost", Until: "30 May 2027"}
	for _, c := range []struct {
		name        string
		a           leadmail.AskedAgain
		subject     string
		want, never []string
	}{
		{"accepted lead, one form",
			leadmail.AskedAgain{RepName: "Ana", Lead: open, Phone: "+49 30 1234", Status: "You accepted it on 1 Dec 2026, 2 days ago.",
				Forms: []leadmail.AskedForm{form}, Zone: berlin},
			"Clara Moss (BigCorp) asked again — Demo request",
			[]string{"Hi Ana,", "Your lead Clara Moss (CMO at BigCorp) sent a form again. You accepted it on 1 Dec 2026, 2 days ago.",
				"Demo request — Thu 3 Dec 2026, 14:05 CET · campaign Q4 demo push", "  Message: We need SSO\n      Won: https://evil.example",
				"  Which CRM?: HubSpot", "Contact: clara@bigcorp.example · +49 30 1234", "Qualified opportunity (SQL): " + link + "/sql",
				"Won: " + link + "/won\n", "The links work until 30 May 2027.", "you hold this lead's deal"},
			nil},
		{"customer, two forms",
			leadmail.AskedAgain{Lead: leadmail.OpenLead{Name: "Clara Moss", Email: "clara@bigcorp.example", Company: "BigCorp"}, Won: true,
				Status: "Its deal was won on 9 Oct 2026.", Forms: []leadmail.AskedForm{form, {At: at.Add(time.Hour), Form: "Contact request"}},
				Changed: []leadmail.KV{{Key: "Company", Value: "BigCorp → Evil Corp"}}},
			"Your customer Clara Moss (BigCorp) asked again — 2 forms",
			[]string{"Hi there,", "Your customer Clara Moss (BigCorp) sent 2 forms again. Its deal was won on 9 Oct 2026.",
				"Contact request — Thu 3 Dec 2026, 14:05 UTC", "Company: BigCorp → Evil Corp", "you won this lead's deal"},
			[]string{"Record where the deal stands", "Lost:"}},
		{"the newest forms of many",
			leadmail.AskedAgain{Lead: open, Status: "You accepted it today.", Forms: []leadmail.AskedForm{form}, Earlier: 41},
			"Clara Moss (BigCorp) asked again — 42 forms",
			[]string{"sent 42 forms again.", "41 earlier forms are not shown here; the newest follows."},
			nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			subject, html, text, err := leadmail.RenderAskedAgain(c.a)
			if err != nil {
				t.Fatal(err)
			}
			if subject != c.subject {
				t.Errorf("subject %q, want %q", subject, c.subject)
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			for _, w := range c.never {
				if strings.Contains(text, w) || strings.Contains(html, w) {
					t.Errorf("shows %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "\nWon: https://evil.example") {
				t.Errorf("the lead's message wrote a line of its own:\n%s", text)
			}
			for _, w := range []string{"Clara Moss", "We need SSO", "HubSpot"} {
				if !strings.Contains(html, w) {
					t.Errorf("HTML lacks %q", w)
				}
			}
			if c.a.Lead.WonURL != "" && !strings.Contains(html, `href="`+link+`/won"`) {
				t.Errorf("HTML lacks the won link")
			}
		})
	}
	if _, _, _, err := leadmail.RenderAskedAgain(leadmail.AskedAgain{Lead: open}); !errors.Is(err, leadmail.ErrInvalid) {
		t.Errorf("a notice without forms: %v, want ErrInvalid", err)
	}
	bad := open
	bad.LostURL = "javascript:alert(1)"
	if _, _, _, err := leadmail.RenderAskedAgain(leadmail.AskedAgain{Lead: bad, Forms: []leadmail.AskedForm{form}}); !errors.Is(err, leadmail.ErrInvalid) {
		t.Errorf("a bad link: %v, want ErrInvalid", err)
	}
}

// TestSalesSubjectsSayWhatTheyAreForTheLongestNames: a form takes a name
// and a company of 200 characters each. Every subject stays within 150
// characters, and the reminder's and the asked-again notice's, whose
// point comes after the lead's name, still say what the email is: the
// lead's name is cut, not "asked again" or "Record the outcome".
func TestSalesSubjectsSayWhatTheyAreForTheLongestNames(t *testing.T) {
	long := strings.Repeat("Ü", 200)
	ol := leadmail.OpenLead{Name: long, Email: "clara@bigcorp.example", JobTitle: "CEO", Company: long + "x", Stage: "accepted",
		AcceptedOn: "1 Dec 2026", Days: 14, SQLURL: "https://x.example/s", WonURL: "https://x.example/w", LostURL: "https://x.example/l", Until: "1 Jun 2027"}
	a := hotAlert()
	a.Name, a.Company = long, long+"x"
	says := map[string]string{"alert": "Hot lead: ÜÜ", "open leads": "record how it went", "reminder": "? Record the outcome",
		"asked again": " asked again — Demo request"}
	for name, r := range salesEmails(a, ol, "hi") {
		subject, _, _, err := r()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := utf8.RuneCountInString(subject); n > 150 || !strings.Contains(subject, says[name]) || name != "open leads" && !strings.Contains(subject, "ÜÜÜ") {
			t.Errorf("%s: subject of %d characters %q, want at most 150 saying %q (and the lead's name but in the weekly list's)", name, n, subject, says[name])
		}
	}
}

// TestAskedAgainOfAnAddressSESCannotReplyTo: the notice about a lead
// whose address has a letter beyond ASCII before the @ goes without a
// Reply-To (SES takes none such): it does not say that replying reaches
// the lead.
func TestAskedAgainOfAnAddressSESCannotReplyTo(t *testing.T) {
	ol := leadmail.OpenLead{Name: "José", Email: "josé@acme.example", Company: "Acme"}
	_, html, text, err := leadmail.RenderAskedAgain(leadmail.AskedAgain{Lead: ol, Status: "You accepted it today.",
		Forms: []leadmail.AskedForm{{Form: "Contact request"}}})
	if err != nil {
		t.Fatal(err)
	}
	for part, body := range map[string]string{"html": html, "text": text} {
		if strings.Contains(body, "Replying to this email writes to") || !strings.Contains(body, "josé@acme.example") ||
			!strings.Contains(body, "replying to this email does not reach") {
			t.Errorf("%s part: says a reply reaches the lead, or not how to reach it:\n%s", part, body)
		}
	}
}

// TestAnAskedAgainNoticeIsNeverClipped: the notice lists up to ten forms
// in full, each up to a 5,000-character message and 30 answers of 1,000,
// and its outcome links come after them: clipped by Gmail (an HTML part
// over 102 KB), the rep would lose the links. Long values are cut short,
// and then the oldest forms counted instead of listed, until the HTML
// part is under mail.MaxHTMLSize as sent; the newest form is always shown.
func TestAnAskedAgainNoticeIsNeverClipped(t *testing.T) {
	const note = "cut short"
	worst := func(n int) string { return strings.Repeat(`"<&`, n)[:n] }
	link := "https://api.example.com/feedback/" + strings.Repeat("t", 200)
	a := leadmail.AskedAgain{RepName: "Ana", Status: "You accepted it today.", Phone: "+49 30 1234",
		Lead: leadmail.OpenLead{Name: worst(200), Email: "clara@bigcorp.example", JobTitle: worst(200), Company: worst(200),
			Stage: "accepted", AcceptedOn: "1 Dec 2026", SQLURL: link + "/sql", WonURL: link + "/won", LostURL: link + "/lost", Until: "30 May 2027"}}
	for i := range 10 {
		f := leadmail.AskedForm{At: time.Date(2026, 12, 3, 13, i, 0, 0, time.UTC), Form: "Demo request", Campaign: worst(100),
			Fields: []leadmail.KV{{Key: "Message", Value: strings.Repeat(`"<&`+"\n", 1250)}}}
		for j := range 30 {
			f.Fields = append(f.Fields, leadmail.KV{Key: "Question " + strings.Repeat("q", j), Value: worst(1000)})
		}
		a.Forms = append(a.Forms, f)
	}
	a.Forms[9].Form = "Newest form"
	for _, k := range []string{"Name", "Company", "Job title", "Phone", "Industry", "Company size"} {
		a.Changed = append(a.Changed, leadmail.KV{Key: k, Value: worst(200) + " → " + worst(200)})
	}
	subject, html, text, err := leadmail.RenderAskedAgain(a)
	if err != nil {
		t.Fatal(err)
	}
	if n := leadmail.EncodedSize(html); n > leadmail.MaxHTMLSize {
		t.Errorf("the HTML part is %d bytes as sent, want at most %d", n, leadmail.MaxHTMLSize)
	}
	if !strings.HasSuffix(strings.TrimSpace(html), "</html>") {
		t.Error("the HTML part does not end")
	}
	for _, want := range []string{link + "/sql", link + "/won", link + "/lost", "Newest form", note} {
		if !strings.Contains(html, want) || !strings.Contains(text, want) {
			t.Errorf("the HTML or text part lacks %q", want)
		}
	}
	if !strings.HasSuffix(subject, "asked again — 10 forms") || !strings.Contains(text, "sent 10 forms again") {
		t.Errorf("the notice no longer counts every form: %q\n%s", subject, text)
	}
}
