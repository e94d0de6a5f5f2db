package nurture

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/lead"
)

const unsubscribeURL = "https://leads.example.com/unsubscribe/tok.en_123?k=1&x=2"

// htmlURL is unsubscribeURL as the HTML part writes it.
const htmlURL = "https://leads.example.com/unsubscribe/tok.en_123?k=1&amp;x=2"

func TestRenderEscapesTheLead(t *testing.T) {
	c := Default()
	l := newLead("cold", "A")
	l.Name = `<script>alert("name")</script> Evil`
	l.Company = `Acme <img src=x onerror=alert(1)> & "Sons"`
	for _, id := range c.Templates() {
		t.Run(id, func(t *testing.T) {
			e, err := c.Render(id, l, unsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(e.HTML, "<script") || strings.Contains(e.HTML, "<img") {
				t.Errorf("HTML carries the lead's markup:\n%s", e.HTML)
			}
			if strings.Contains(e.Subject, "\n") || strings.Contains(e.Subject, "\r") {
				t.Errorf("subject has a line break: %q", e.Subject)
			}
		})
	}
	// Markup is no name or company: left out, not even escaped.
	e, err := c.Render("cold_playbook", l, unsubscribeURL)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.HTML, "script") || strings.Contains(e.HTML, "onerror") || strings.Contains(e.Text, "onerror") || !strings.HasPrefix(e.Subject, "Three ways") {
		t.Errorf("markup repeated: subject %q\n%s", e.Subject, e.HTML)
	}
	// A company's own ampersand and apostrophe are escaped in the HTML part and
	// shown as typed in the subject and the text.
	l.Name, l.Company = "Ana", "Procter & Gamble's Labs"
	if e, err = c.Render("cold_playbook", l, unsubscribeURL); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.HTML, "at Procter &amp; Gamble&#39;s Labs") || !strings.Contains(e.Text, "at Procter & Gamble's Labs") {
		t.Errorf("company not escaped in HTML / as typed in text:\n%s\n%s", e.HTML, e.Text)
	}
}

func TestRenderAlwaysHasTheUnsubscribeLink(t *testing.T) {
	c := mustParse(t, full)
	for _, id := range append(c.Templates(), "document") {
		cfg := c
		if id == "document" {
			cfg = mustParse(t, replaceOnce(t, full, `<p>Bye {{.Name}}</p>`, `"<!DOCTYPE html><html><body><p>Bye {{.Name}}</p></BODY></html>"`))
			id = "last_chance"
		}
		t.Run(id, func(t *testing.T) {
			e, err := cfg.Render(id, newLead("cold", "A"), unsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(e.Text, "Unsubscribe: "+unsubscribeURL+"\n") {
				t.Errorf("text part lacks the unsubscribe link:\n%s", e.Text)
			}
			if !strings.Contains(e.HTML, `<a href="https://leads.example.com/unsubscribe/tok.en_123?k=1&amp;x=2"`) {
				t.Errorf("HTML part lacks the unsubscribe link:\n%s", e.HTML)
			}
			if strings.Count(strings.ToLower(e.HTML), "</body>") != 1 || strings.Index(e.HTML, "Unsubscribe") > strings.Index(strings.ToLower(e.HTML), "</body>") {
				t.Errorf("footer not inside the body:\n%s", e.HTML)
			}
			for _, link := range e.Links {
				if link == unsubscribeURL {
					t.Error("the unsubscribe link is listed for click tracking")
				}
			}
		})
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	c := mustParse(t, full)
	l := newLead("cold", "A")
	l.Name = "Dana\r\nSmith"
	l.Company = "Acme\u2028Corp\u202e\x00 " + strings.Repeat("very long ", 30)
	for _, id := range []string{"welcome", "case_study"} {
		e, err := c.Render(id, l, unsubscribeURL)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(e.Subject, "\r\n\u2028\u202e\x00") || len([]rune(e.Subject)) > maxSubject {
			t.Errorf("%s: subject %q", id, e.Subject)
		}
	}
	e, _ := c.Render("welcome", l, unsubscribeURL)
	if e.Subject != "Dana, three ways teams cut lead response time" {
		t.Errorf("subject = %q", e.Subject)
	}
}

func TestRenderData(t *testing.T) {
	c := mustParse(t, full)
	tests := []struct {
		name, leadName, subject string
	}{
		{"first word", "Dana Whitfield", "Dana, three ways teams cut lead response time"},
		{"no name", "", "there, three ways teams cut lead response time"},
		{"honorific skipped", "Dr. Ada Lovelace", "Ada, three ways teams cut lead response time"},
		{"only an honorific", "Dr.", "Dr., three ways teams cut lead response time"},
		{"spaces", "  Jo   Smith ", "Jo, three ways teams cut lead response time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLead("cold", "A")
			l.Name = tt.leadName
			e, err := c.Render("welcome", l, unsubscribeURL)
			if err != nil || e.Subject != tt.subject {
				t.Errorf("subject %q, %v; want %q", e.Subject, err, tt.subject)
			}
		})
	}
	l := newLead("cold", "A")
	l.Company = ""
	e, _ := c.Render("case_study", l, unsubscribeURL)
	if e.Subject != "How teams could answer in minutes" {
		t.Errorf("subject without company = %q", e.Subject)
	}
	e, _ = c.Render("welcome", l, unsubscribeURL)
	if strings.Join(e.Links, ",") != "https://example.com/guide" {
		t.Errorf("links = %q", e.Links)
	}
	if !strings.HasPrefix(e.Text, "Hi Dana, read https://example.com/guide\n\n-- \n") {
		t.Errorf("text = %q", e.Text)
	}
	if !strings.Contains(e.HTML, "<title>Dana, three ways teams cut lead response time</title>") {
		t.Errorf("document title missing:\n%s", e.HTML)
	}
}

func TestRenderErrors(t *testing.T) {
	c := mustParse(t, full)
	l := newLead("cold", "A")
	if _, err := c.Render("nope", l, unsubscribeURL); !errors.Is(err, ErrUnknownTemplate) {
		t.Errorf("unknown template: %v", err)
	}
	for _, u := range []string{"", "/unsubscribe/x", "javascript:alert(1)", "https://x.example/u/\"><script>", "https://x.example/u\r\nBcc: a@b", "mailto:u@x.example"} {
		if _, err := c.Render("welcome", l, u); !errors.Is(err, ErrRender) {
			t.Errorf("unsubscribe URL %q: %v", u, err)
		}
	}
}

func TestLinks(t *testing.T) {
	h := `<a href="https://a.example/x?y=1&amp;z=2">a</a> <a HREF='http://b.example'>b</a> <a href=https://c.example/>c</a>
<a href="mailto:x@y">m</a> <a href="https://a.example/x?y=1&amp;z=2">again</a> <a href="https://skip.example/u">u</a> <a href="#top">t</a>`
	got := hrefs(h, "https://skip.example/u")
	want := "https://a.example/x?y=1&z=2 http://b.example https://c.example/"
	if strings.Join(got, " ") != want {
		t.Errorf("links = %q", got)
	}
}

// Anyone who knows an address can post a form with it: what marketing
// email repeats of the lead must read as a name, a company, a title —
// never a link, a domain or an address, which would go out from the
// sender's own domain (and clients link a bare domain by themselves).
func TestTemplateDataRepeatsOnlyPlausibleValues(t *testing.T) {
	for _, tc := range []struct {
		name, company, title string
		first, wantCompany   string
		wantTitle            string
	}{
		{"Ana López", "AT&T (EMEA)", "VP Sales/Marketing", "Ana", "AT&T (EMEA)", "VP Sales/Marketing"},
		{"Jean-Luc O'Neil", "3M", "Head of R+D", "Jean-Luc", "3M", "Head of R+D"},
		{"Zoë Smith, Jr.", "Müller GmbH & Co. KG", "CMO", "Zoë", "Müller GmbH & Co. KG", "CMO"},
		{"https://evil.example/login?acct=1", "Acme", "CTO", "there", "Acme", "CTO"},
		{"Ana", "evil-login.example", "see www.evil.example", "Ana", "", ""},
		{"Ana", "Booking.com", "", "Ana", "", ""},
		{"write to x@evil.example", "Acme", "", "there", "Acme", ""},
		{"Ana 2", "Acme <b>", "CFO", "there", "", "CFO"},
		{"Ana", strings.Repeat("Acme ", 30), "CFO", "Ana", strings.TrimSpace(strings.Repeat("Acme ", 20)) + "…", "CFO"}, // long: cut, not left out
		// Names and companies as written in Chinese, Japanese and Catalan,
		// and a title with an en dash.
		{"约翰·史密斯", "阿里巴巴（中国）有限公司", "Director – Sales", "约翰·史密斯", "阿里巴巴（中国）有限公司", "Director – Sales"},
		{"ジョン・スミス", "（株）トヨタ", "営業部長", "ジョン・スミス", "（株）トヨタ", "営業部長"},
		{"Gal·la Puig", "Yahoo!", "", "Gal·la", "Yahoo!", ""},
		// An IP address is a link's host as much as a domain is.
		{"Ana", "192.168.1.1/login", "10.0.0.1:8080", "Ana", "", ""},
		// Emoji are left out, not the value they sit in: "Hi José,", not
		// "Hi there," (a flag, a skin tone and a joined family too).
		{"José 🎉", "Acme 🚀", "CMO ✨", "José", "Acme", "CMO"},
		{"👋🏽 Ana", "Acme 🇩🇪", "👨‍👩‍👧 Head of People", "Ana", "Acme", "Head of People"},
		{"🎉", "🚀", "", "there", "", ""},
	} {
		d := newTemplateData(lead.Lead{Submission: lead.Submission{Name: tc.name, Company: tc.company, JobTitle: tc.title}}, unsubscribeURL)
		if d.FirstName != tc.first || d.Company != tc.wantCompany || d.JobTitle != tc.wantTitle {
			t.Errorf("%q / %q / %q: first name %q, company %q, title %q; want %q, %q, %q",
				tc.name, tc.company, tc.title, d.FirstName, d.Company, d.JobTitle, tc.first, tc.wantCompany, tc.wantTitle)
		}
	}
}

func TestFirstNameOfAStoredLead(t *testing.T) {
	d := newTemplateData(lead.Lead{Submission: lead.Submission{Name: "Ms Jane\tDoe", Company: "A\nB"}}, unsubscribeURL)
	if d.FirstName != "Jane" || d.Company != "A B" {
		t.Errorf("data = %+v", d)
	}
}

// TestTemplateDataLeavesOutValuesWithoutALetter: people type "-" or "."
// into a name field they do not want to fill; the welcome email then
// read "Hi -," and "-, three ways teams cut …", and a company "&" made
// "at &". A value with no letter or digit is no name, company or title:
// it is left out, as an implausible one is ("Hi there,").
func TestTemplateDataLeavesOutValuesWithoutALetter(t *testing.T) {
	c := mustParse(t, full)
	for _, name := range []string{"-", ".", "'", ", ,", "- -", "·"} {
		l := newLead("cold", "A")
		l.Name, l.Company, l.JobTitle = name, name, name
		d := newTemplateData(l, unsubscribeURL)
		if d.FirstName != "there" || d.Name != "" || d.Company != "" || d.JobTitle != "" {
			t.Errorf("%q: first name %q, name %q, company %q, title %q; want there and nothing else", name, d.FirstName, d.Name, d.Company, d.JobTitle)
		}
		e, err := c.Render("welcome", l, unsubscribeURL)
		if err != nil || e.Subject != "there, three ways teams cut lead response time" {
			t.Errorf("%q: subject %q, %v", name, e.Subject, err)
		}
	}
	// A first word that is only punctuation is not the first name.
	if d := newTemplateData(lead.Lead{Submission: lead.Submission{Name: "- Ann Lee"}}, unsubscribeURL); d.FirstName != "Ann" {
		t.Errorf("%q: first name %q, want Ann", "- Ann Lee", d.FirstName)
	}
}

// TestRenderWrapsLongValuesOnAPhone: a company is one unbreakable word
// to a mail client ("InternationalBusinessMachinesConsultingServicesGmbH");
// on a 375 px phone it widened the last-call email to 408 px, its text
// past the screen's edge, unless the layout lets the client break such a
// word anywhere.
func TestRenderWrapsLongValuesOnAPhone(t *testing.T) {
	l := newLead("cold", "A")
	l.Company = "InternationalBusinessMachinesConsultingServicesGmbH"
	e, err := Default().RenderWith("cold_last_call", l, Footer{UnsubscribeURL: unsubscribeURL, PostalAddress: "Acme GmbH, Hauptstr. 1, 10115 Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`<div style="[^"]*overflow-wrap:anywhere[^"]*">\s*<p>Hi `).MatchString(e.HTML) {
		t.Errorf("the layout does not wrap long words:\n%s", e.HTML)
	}
}

// TestRenderSubjectKeepsItsTemplatesDirection: mail clients lay a subject
// out in the direction of its first strong letter (Apple Mail, and any
// client showing it with dir="auto"), so "{{.FirstName}}, three ways…"
// for محمد read "three ways teams cut lead response time ,محمد" — the
// English subject right to left, its comma on the wrong side. A subject
// whose first letter is the lead's and of the other direction than the
// template's own text starts with the invisible mark of the template's
// direction (U+200E, or U+200F for a right-to-left template); any other
// subject is as rendered.
func TestRenderSubjectKeepsItsTemplatesDirection(t *testing.T) {
	arabic := replaceOnce(t, full, `subject: "{{.FirstName}}, three ways teams cut lead response time"`, `subject: "{{.FirstName}}، ثلاث طرق لتسريع الرد"`)
	tests := []struct {
		name, config, leadName, template, want string
	}{
		{"Arabic name first, English template", full, "محمد أحمد", "welcome", "\u200eمحمد, three ways teams cut lead response time"},
		{"Hebrew name first, English template", full, "דוד לוי", "welcome", "\u200eדוד, three ways teams cut lead response time"},
		{"Latin name first, English template", full, "Dana Whitfield", "welcome", "Dana, three ways teams cut lead response time"},
		{"CJK name first, English template", full, "山田 太郎", "welcome", "山田, three ways teams cut lead response time"},
		{"no name, English template", full, "", "welcome", "there, three ways teams cut lead response time"},
		{"Arabic company inside an English subject", full, "", "case_study", "How شركة المثال could answer in minutes"},
		{"Latin name first, Arabic template", arabic, "Dana Whitfield", "welcome", "\u200fDana، ثلاث طرق لتسريع الرد"},
		{"Arabic name first, Arabic template", arabic, "محمد أحمد", "welcome", "محمد، ثلاث طرق لتسريع الرد"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLead("cold", "A")
			l.Name = tc.leadName
			if tc.template == "case_study" {
				l.Company = "شركة المثال"
			}
			e, err := mustParse(t, tc.config).Render(tc.template, l, unsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if e.Subject != tc.want {
				t.Errorf("subject = %q (%+q), want %q", e.Subject, e.Subject, tc.want)
			}
		})
	}
}

// TestTemplateDataCapitalisesANameTypedInOneCase: people type their name
// into a form all in lower case, or with caps lock on, and the email
// greeted them "Hi john," or "Hi JOHN,". A name in one case is written
// with a capital at the start of each part (after a space, a hyphen or
// an apostrophe); a name in mixed case is as its owner wrote it
// (McDonald, DeAndre, JJ Abrams), and so is a short all-capital one (JJ,
// an initialism) and a name in a script without case.
func TestTemplateDataCapitalisesANameTypedInOneCase(t *testing.T) {
	for _, tc := range []struct{ name, first, full string }{
		{"john smith", "John", "John Smith"},
		{"JOHN SMITH", "John", "John Smith"},
		{"jean-luc o'neil", "Jean-Luc", "Jean-Luc O'Neil"},
		{"ANN-MARIE O’BRIEN", "Ann-Marie", "Ann-Marie O’Brien"},
		{"élodie durand", "Élodie", "Élodie Durand"},
		{"dr. ada lovelace", "Ada", "Dr. Ada Lovelace"},
		{"Ronald McDonald", "Ronald", "Ronald McDonald"},
		{"DeAndre jordan", "DeAndre", "DeAndre jordan"},
		{"JJ Abrams", "JJ", "JJ Abrams"},
		{"JJ", "JJ", "JJ"},
		{"李小龙", "李小龙", "李小龙"},
		{"محمد علي", "محمد", "محمد علي"},
	} {
		d := newTemplateData(lead.Lead{Submission: lead.Submission{Name: tc.name}}, unsubscribeURL)
		if d.FirstName != tc.first || d.Name != tc.full {
			t.Errorf("%q: first name %q, name %q; want %q, %q", tc.name, d.FirstName, d.Name, tc.first, tc.full)
		}
	}
}

// TestRenderLaysOutARightToLeftTemplateRightToLeft: a template written in
// Arabic or Hebrew was wrapped in a left-to-right document, so its
// paragraphs stood on the left with their final punctuation on the wrong
// side. The layout takes the direction of the template's own text (not
// of the lead's name, which may come first), and the English footer stays
// left to right inside it.
func TestRenderLaysOutARightToLeftTemplateRightToLeft(t *testing.T) {
	arabic := replaceOnce(t, full, `html: "<p>Hi {{.FirstName}},</p><p>Read <a href=\"https://example.com/guide\">the guide</a>.</p>"`,
		`html: "<p>{{.FirstName}}، مرحبا.</p><p>اقرأ <a href=\"https://example.com/guide\">الدليل</a>.</p>"`)
	for _, tc := range []struct {
		name, config, leadName string
		rtl                    bool
	}{
		{"Arabic template", arabic, "محمد أحمد", true},
		{"Arabic template, Latin name first", arabic, "Dana Whitfield", true},
		{"English template, Arabic name", full, "محمد أحمد", false},
		{"English template", full, "Dana Whitfield", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLead("cold", "A")
			l.Name = tc.leadName
			e, err := mustParse(t, tc.config).Render("welcome", l, unsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(e.HTML, `dir="rtl"`); got != tc.rtl {
				t.Errorf("right to left = %v, want %v:\n%s", got, tc.rtl, e.HTML)
			}
			if tc.rtl && !strings.Contains(e.HTML, `dir="ltr" style="margin:32px`) {
				t.Errorf("the English footer is not left to right:\n%s", e.HTML)
			}
		})
	}
}

// TestRenderTextLinesKeepTheirTemplatesDirection: a plain-text viewer
// lays out each line in the direction of its first letter, so a line that
// starts with the lead's name in the other direction than the template's
// own text ("محمد, here is the guide") read backwards. Such a line starts
// with the template's direction mark, as the subject does; others are as
// rendered.
func TestRenderTextLinesKeepTheirTemplatesDirection(t *testing.T) {
	english := replaceOnce(t, full, `text: "Hi {{.FirstName}}, read https://example.com/guide"`,
		`text: "{{.FirstName}}, here is the guide:\nhttps://example.com/guide\n\n{{.Company}} teams read it first."`)
	arabic := replaceOnce(t, full, `text: "Hi {{.FirstName}}, read https://example.com/guide"`,
		`text: "{{.FirstName}}، هذا هو الدليل:\nhttps://example.com/guide"`)
	for _, tc := range []struct {
		name, config, leadName, company, want string
	}{
		{"Arabic name, English template", english, "محمد أحمد", "شركة", "\u200eمحمد, here is the guide:\nhttps://example.com/guide\n\n\u200eشركة teams read it first.\n"},
		{"Latin name, English template", english, "Dana Whitfield", "Acme", "Dana, here is the guide:\nhttps://example.com/guide\n\nAcme teams read it first.\n"},
		{"Latin name, Arabic template", arabic, "Dana Whitfield", "", "\u200fDana، هذا هو الدليل:\nhttps://example.com/guide\n"},
		{"Arabic name, Arabic template", arabic, "محمد أحمد", "", "محمد، هذا هو الدليل:\nhttps://example.com/guide\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLead("cold", "A")
			l.Name, l.Company = tc.leadName, tc.company
			e, err := mustParse(t, tc.config).Render("welcome", l, unsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			body, _, _ := strings.Cut(e.Text, "\n-- \n")
			if body = strings.TrimRight(body, "\n") + "\n"; body != tc.want {
				t.Errorf("text = %q, want %q", body, tc.want)
			}
		})
	}
}

// TestRenderDeclaresTheTemplatesLanguage: the layout declared every email
// English (<html lang="en">), so a screen reader read a German or an
// Arabic template with English pronunciation. A template may name its
// language (lang: de); without it an English-looking (left-to-right)
// template stays "en" and a right-to-left one declares none (the reader's
// own language then applies) rather than a wrong one. The footer is in
// the template's language (TestRenderFooterSpeaksTheTemplatesLanguage);
// the English one of a template that declares none says it is English.
func TestRenderDeclaresTheTemplatesLanguage(t *testing.T) {
	arabic := replaceOnce(t, full, `html: "<p>Hi {{.FirstName}},</p><p>Read <a href=\"https://example.com/guide\">the guide</a>.</p>"`,
		`html: "<p>{{.FirstName}}، مرحبا.</p><p>اقرأ <a href=\"https://example.com/guide\">الدليل</a>.</p>"`)
	withLang := func(config, lang string) string {
		return replaceOnce(t, config, "  welcome:\n", "  welcome:\n    lang: "+lang+"\n")
	}
	for _, tc := range []struct {
		name, config, html, footer string
	}{
		{"English, no lang", full, `<html lang="en">`, `<p style=`},
		{"German (a built-in footer, in German)", withLang(full, "de"), `<html lang="de">`, `<p style=`},
		{"Brazilian Portuguese (the config's footer)", withLang(full+ptFooter, "pt-BR"), `<html lang="pt-BR">`, `<p style=`},
		{"English, said so", withLang(full, "en-GB"), `<html lang="en-GB">`, `<p style=`},
		{"Arabic, no lang", arabic, `<html dir="rtl">`, `<p lang="en" dir="ltr" style=`},
		{"Arabic (the config's footer, in Arabic)", withLang(arabic+arFooter, "ar"), `<html lang="ar" dir="rtl">`, `<p style=`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := mustParse(t, tc.config).Render("welcome", newLead("cold", "A"), unsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(e.HTML, tc.html) || !strings.Contains(e.HTML, tc.footer+`"margin:32px`) {
				t.Errorf("want %s and the footer %s…:\n%s", tc.html, tc.footer, e.HTML)
			}
		})
	}
	for _, bad := range []string{"german", "d", "de_DE", "[de]"} {
		_, err := Parse([]byte(withLang(full, bad)), "sequences.yaml")
		if err == nil || !strings.Contains(err.Error(), "sequences.yaml:") || !strings.Contains(err.Error(), "templates.welcome.lang: expected a language tag such as de, en-GB or pt-BR") {
			t.Errorf("lang: %s: %v", bad, err)
		}
	}
}

// arFooter is a footers: section for Arabic.
const arFooter = `footers:
  ar:
    why: "تتلقى هذه الرسالة لأنك طلبت منا البقاء على تواصل."
    unsubscribe: "[إلغاء الاشتراك] في أي وقت."
`

// ptFooter is a footers: section for Brazilian Portuguese, which has no
// built-in footer.
const ptFooter = `footers:
  pt-BR:
    why: "Você recebe este e-mail porque pediu para mantermos contato."
    unsubscribe: "[Cancelar inscrição] a qualquer momento."
`

// TestRenderFooterSpeaksTheTemplatesLanguage: every email's footer (why
// you get it, the unsubscribe link) was English, in a German email too,
// so a German reader met the one sentence that matters legally in a
// language they may not read. A template that declares its language gets
// the footer in it: built in for de, es, fr, it and nl, or the config's
// footers: section (which also overrides a built-in one); the
// unsubscribe link is the same link.
func TestRenderFooterSpeaksTheTemplatesLanguage(t *testing.T) {
	withLang := func(config, lang string) string {
		return replaceOnce(t, config, "  welcome:\n", "  welcome:\n    lang: "+lang+"\n")
	}
	own := `footers:
  de:
    why: "Sie bekommen diese E-Mail, weil Sie sich angemeldet haben."
    unsubscribe: "Sie können sich [hier abmelden]."
`
	for _, tc := range []struct {
		name, config, html, text string
	}{
		{"English, no lang", full, "You are getting this email because you asked us to keep in touch.\n<a href=\"" + htmlURL + "\" style=\"color:#666\">Unsubscribe</a> at any time.",
			"-- \nYou are getting this email because you asked us to keep in touch.\nUnsubscribe: " + unsubscribeURL + "\n"},
		{"English variant", withLang(full, "en-GB"), ">Unsubscribe</a> at any time.", "\nUnsubscribe: " + unsubscribeURL},
		{"German, built in", withLang(full, "de"), "Sie erhalten diese E-Mail, weil Sie uns gebeten haben, mit Ihnen in Kontakt zu bleiben.\n<a href=\"" + htmlURL + "\" style=\"color:#666\">Abmelden</a> ist jederzeit möglich.",
			"-- \nSie erhalten diese E-Mail, weil Sie uns gebeten haben, mit Ihnen in Kontakt zu bleiben.\nAbmelden: " + unsubscribeURL + "\n"},
		{"Austrian German, the German one", withLang(full, "de-AT"), ">Abmelden</a> ist jederzeit möglich.", "\nAbmelden: " + unsubscribeURL},
		{"French, built in", withLang(full, "fr"), ">Se désabonner</a> à tout moment.", "\nSe désabonner: " + unsubscribeURL},
		{"German, the config's own", withLang(full+own, "de"), "Sie bekommen diese E-Mail, weil Sie sich angemeldet haben.\nSie können sich <a href=\"" + htmlURL + "\" style=\"color:#666\">hier abmelden</a>.",
			"-- \nSie bekommen diese E-Mail, weil Sie sich angemeldet haben.\nHier abmelden: " + unsubscribeURL + "\n"},
		{"Brazilian Portuguese, the config's", withLang(full+ptFooter, "pt-BR"), ">Cancelar inscrição</a> a qualquer momento.", "\nCancelar inscrição: " + unsubscribeURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := mustParse(t, tc.config).Render("welcome", newLead("cold", "A"), unsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(e.HTML, tc.html) {
				t.Errorf("want %q in the HTML part:\n%s", tc.html, e.HTML)
			}
			if !strings.Contains(e.Text, tc.text) {
				t.Errorf("want %q in the text part:\n%s", tc.text, e.Text)
			}
			if strings.Count(e.HTML, htmlURL) != 1 {
				t.Errorf("the unsubscribe link shows %d times in the HTML part, want once", strings.Count(e.HTML, htmlURL))
			}
		})
	}
	// Other templates keep theirs: only welcome is German.
	e, err := mustParse(t, withLang(full, "de")).Render("case_study", newLead("cold", "A"), unsubscribeURL)
	if err != nil || !strings.Contains(e.HTML, ">Unsubscribe</a> at any time.") {
		t.Errorf("an English template of a config with a German one: %v\n%s", err, e.HTML)
	}
}

// TestAFooterlessLanguageIsAConfigError: a template in a language with no
// footer (none built in, none in footers:) would end in an English
// footer nobody chose; the config says where, and how to add one. So
// does a footer that cannot be one.
func TestAFooterlessLanguageIsAConfigError(t *testing.T) {
	withLang := func(config, lang string) string {
		return replaceOnce(t, config, "  welcome:\n", "  welcome:\n    lang: "+lang+"\n")
	}
	for _, tc := range []struct{ name, config, want string }{
		{"no footer in the language", withLang(full, "ja"),
			`sequences.yaml:35: templates.welcome.lang: no footer in ja (built in: de, en, es, fr, it, nl); add one under footers: ja: {why: "…", unsubscribe: "… [link text] …"}`},
		{"a footer for another region only", withLang(full+strings.Replace(ptFooter, "pt-BR", "pt-PT", 1), "pt-BR"),
			`sequences.yaml:35: templates.welcome.lang: no footer in pt-BR`},
		{"no link in the sentence", withLang(full+strings.Replace(ptFooter, "[Cancelar inscrição]", "Cancelar inscrição", 1), "pt-BR"),
			`footers.pt-BR.unsubscribe: mark the unsubscribe link's words with [ and ], e.g. "[Unsubscribe] at any time."`},
		{"no why", withLang(full+strings.Replace(ptFooter, `    why: "Você recebe este e-mail porque pediu para mantermos contato."`+"\n", "", 1), "pt-BR"),
			`footers.pt-BR: missing why`},
		{"not a language", full + strings.Replace(ptFooter, "pt-BR", "portuguese", 1),
			`footers: expected a language tag such as de, en-GB or pt-BR, got "portuguese"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.config), "sequences.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant %q", err, tc.want)
			}
		})
	}
}

// TestRenderDeclaresALightColourScheme: the layout sets a white page and
// dark text; without saying so, a mail app in dark mode could darken the
// page but keep the template's own dark text (dark on black), as the
// sales emails and the confirmation, which declare it, are not.
func TestRenderDeclaresALightColourScheme(t *testing.T) {
	e, err := mustParse(t, full).Render("welcome", newLead("cold", "A"), unsubscribeURL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.HTML, `<meta name="color-scheme" content="light">`) {
		t.Errorf("no light colour scheme:\n%s", e.HTML)
	}
}
