package nurture

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	htmltemplate "html/template"
	"net/url"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
)

// Email is a rendered marketing email.
type Email struct {
	Subject string // one line, at most 150 characters
	HTML    string // a complete HTML document, unsubscribe footer included
	Text    string // the plain-text part, unsubscribe footer included
	// Links are the http(s) links of the HTML part in order, without
	// duplicates and without the unsubscribe link, rendered as the template
	// gives them: what click tracking may later wrap and redirect to.
	Links []string
	// LinkLabels are the Links' labels: the text of each one's first
	// <a>, tags taken out, on one line ("" for an image alone).
	LinkLabels map[string]string
	// ReplyTo is the template's reply_to: "" (replies go to the
	// sender), ReplyToSales, or an address.
	ReplyTo string
}

// TemplateData is what a template sees. Every value comes from the lead
// (who typed it into a form) and is flattened to one line; the HTML part
// escapes it.
type TemplateData struct {
	FirstName string // first word of the name (skipping Dr., Ms., …), else "there"
	Name      string
	Company   string
	JobTitle  string
	Industry  string
	Country   string
	// UnsubscribeURL is the lead's one-click unsubscribe link. Templates
	// need not use it: every email gets a footer with it.
	UnsubscribeURL string
}

// emailTemplate is one parsed template of a config.
type emailTemplate struct {
	subject *texttemplate.Template
	html    *htmltemplate.Template
	text    *texttemplate.Template
	// replyTo is where replies go: "" the sender, ReplyToSales the sales
	// address, else an address (the template's reply_to).
	replyTo string
	// lang is the language its email declares (lang: de); "" is "en",
	// or none for a right-to-left template. langNode is where (Parse's
	// messages).
	lang     string
	langNode *yaml.Node
	// footer is the footer in its language (nil: English, as while
	// Parse measures the template before the footers are read).
	footer *footer
}

// ReplyToSales is the reply_to of a template whose replies go to the
// sales address (Runner.Sales).
const ReplyToSales = "sales"

// maxSubject caps the subject in characters: long subjects are cut by
// every client anyway, and a cap bounds what a lead's input can put there.
const maxSubject = 150

// Render renders a template for a lead with the footer's unsubscribe
// link only (previews; the runner sends with RenderWith and the sender's
// postal address).
func (c *Config) Render(template string, l lead.Lead, unsubscribeURL string) (Email, error) {
	return c.RenderWith(template, l, Footer{UnsubscribeURL: unsubscribeURL})
}

// Footer is what every marketing email ends with, in both parts, added
// here so no template can forget it.
type Footer struct {
	// UnsubscribeURL is the lead's one-click unsubscribe link; it must be
	// an absolute http(s) URL.
	UnsubscribeURL string
	// PostalAddress is the sender's postal address, which marketing
	// email must carry (CAN-SPAM and most EU national laws): one line,
	// e.g. "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany".
	PostalAddress string
}

// MaxPostalAddress bounds the sender's postal address.
const MaxPostalAddress = 300

// CheckPostalAddress accepts a postal address fit for the footer: not
// empty, one line of at most MaxPostalAddress characters.
func CheckPostalAddress(a string) error {
	switch {
	case strings.TrimSpace(a) == "":
		return errors.New("is empty")
	case utf8.RuneCountInString(a) > MaxPostalAddress:
		return fmt.Errorf("is longer than %d characters", MaxPostalAddress)
	case strings.IndexFunc(a, unicode.IsControl) >= 0:
		return errors.New("must be one line (separate its parts with commas)")
	}
	return nil
}

// RenderWith renders a template for a lead. Every email ends in a visible
// footer in both parts with the unsubscribe link and, when given, the
// sender's postal address. Errors wrap ErrUnknownTemplate or ErrRender.
func (c *Config) RenderWith(template string, l lead.Lead, f Footer) (Email, error) {
	t, ok := c.templates[template]
	if !ok {
		return Email{}, fmt.Errorf("%w %q", ErrUnknownTemplate, template)
	}
	if err := checkURL(f.UnsubscribeURL); err != nil {
		return Email{}, err
	}
	if f.PostalAddress != "" {
		if err := CheckPostalAddress(f.PostalAddress); err != nil {
			return Email{}, fmt.Errorf("%w: the sender's postal address %v", ErrRender, err)
		}
	}
	return t.render(newTemplateData(l, f.UnsubscribeURL), strings.TrimSpace(f.PostalAddress))
}

func (t *emailTemplate) render(d TemplateData, postal string) (Email, error) {
	var sb, hb, tb bytes.Buffer
	if err := t.subject.Execute(&sb, d); err != nil {
		return Email{}, fmt.Errorf("%w: subject: %v", ErrRender, err)
	}
	if err := t.html.Execute(&hb, d); err != nil {
		return Email{}, fmt.Errorf("%w: html: %v", ErrRender, err)
	}
	if err := t.text.Execute(&tb, d); err != nil {
		return Email{}, fmt.Errorf("%w: text: %v", ErrRender, err)
	}
	e := Email{Subject: mail.Truncate(mail.OneLine(sb.String()), maxSubject)}
	if e.Subject == "" {
		return Email{}, fmt.Errorf("%w: the subject is empty for this lead", ErrRender)
	}
	var own bytes.Buffer
	if err := t.subject.Execute(&own, d.placeholders()); err == nil {
		// A subject whose first letter is the lead's ("محمد, three ways…")
		// begins with its template's direction mark, so a client lays it
		// out as the template reads, not as the name does.
		if dir := mail.FirstStrong(own.String()); dir != mail.NoDirection && mail.FirstStrong(e.Subject) != dir {
			mark := mail.DirectionMark(dir)
			e.Subject = mark + mail.Truncate(mail.OneLine(sb.String()), maxSubject-1)
		}
	}
	e.Links = hrefs(hb.String(), d.UnsubscribeURL)
	e.LinkLabels = anchorLabels(hb.String())
	e.ReplyTo = t.replyTo

	body := hb.String()
	isDoc := isDocument(body)
	// The template's own text sets the layout's direction, as it does
	// the subject's: an Arabic template reads right to left whoever it
	// greets first.
	rtl := false
	own.Reset()
	if err := t.html.Execute(&own, d.placeholders()); err == nil {
		rtl = mail.FirstStrong(html.UnescapeString(tagRe.ReplaceAllString(own.String(), " "))) == mail.RightToLeft
	}
	lang := emailLang(t.lang, rtl)
	f := english
	if t.footer != nil {
		f = *t.footer
	}
	footerLang := ""
	if f.lang == "en" && !strings.EqualFold(lang, "en") && !strings.HasPrefix(strings.ToLower(lang), "en-") {
		footerLang = "en" // the English footer of a right-to-left template that declares no language
	}
	var out bytes.Buffer
	if err := layout().Execute(&out, layoutData{
		Subject: e.Subject, Body: htmltemplate.HTML(body), UnsubscribeURL: d.UnsubscribeURL, Document: isDoc, PostalAddress: postal, RTL: rtl,
		Lang: lang, FooterLang: footerLang, FooterLTR: rtl && !f.rtl(), Why: f.why, Before: f.before, Link: f.link, After: f.after,
	}); err != nil {
		return Email{}, fmt.Errorf("%w: layout: %v", ErrRender, err)
	}
	if e.HTML = out.String(); isDoc {
		e.HTML = withFooter(body, out.String())
	}
	text := mail.NormaliseNewlines(tb.String())
	own.Reset()
	if err := t.text.Execute(&own, d.placeholders()); err == nil {
		text = withDirectionMarks(text, mail.NormaliseNewlines(own.String()))
	}
	e.Text = strings.TrimRight(text, "\n ") + "\n\n" +
		"-- \n" + f.why + "\n" + f.textLabel() + ": " + d.UnsubscribeURL + "\n"
	if postal != "" {
		e.Text += postal + "\n"
	}
	return e, nil
}

// withDirectionMarks is text with the direction mark of each line's own
// text (the template's, rendered from placeholders: own) before each line
// whose first letter is the lead's and of the other direction, so a
// plain-text viewer lays it out as the template reads: "محمد, here is
// the guide" left to right. Both have one line per line of the template
// (every value is one line); if they do not, text is as rendered.
func withDirectionMarks(text, own string) string {
	lines, owns := strings.Split(text, "\n"), strings.Split(own, "\n")
	if len(lines) != len(owns) {
		return text
	}
	for i, line := range lines {
		if dir := mail.FirstStrong(owns[i]); dir != mail.NoDirection && mail.FirstStrong(line) != dir && mail.FirstStrong(line) != mail.NoDirection {
			lines[i] = mail.DirectionMark(dir) + line
		}
	}
	return strings.Join(lines, "\n")
}

// placeholders is d with every value the lead gave (and the "there" of
// no name) replaced by "…", which has no direction: the template's own
// text, taking the same {{if}} branches as d.
func (d TemplateData) placeholders() TemplateData {
	p := func(v string) string {
		if v == "" {
			return ""
		}
		return "…"
	}
	return TemplateData{FirstName: p(d.FirstName), Name: p(d.Name), Company: p(d.Company), JobTitle: p(d.JobTitle),
		Industry: p(d.Industry), Country: p(d.Country), UnsubscribeURL: d.UnsubscribeURL}
}

// emailLang is the language an email declares: its template's, else
// English for a left-to-right one; a right-to-left template is not
// English, and declares none rather than a wrong one.
func emailLang(lang string, rtl bool) string {
	switch {
	case lang != "":
		return lang
	case rtl:
		return ""
	}
	return "en"
}

// layout wraps a template's HTML fragment in a complete document with the
// footer; for a template that is a complete document itself, it renders
// the footer alone, which withFooter puts before </body>.
var layout = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("layout").Parse(`
{{- define "footer" -}}
<p {{with .FooterLang}}lang="{{.}}" {{end}}{{if .FooterLTR}}dir="ltr" {{end}}style="margin:32px 0 0;padding-top:16px;border-top:1px solid #ddd;font-size:12px;line-height:1.5;color:#666">
{{.Why}}
{{.Before}}<a href="{{.UnsubscribeURL}}" style="color:#666">{{.Link}}</a>{{.After}}
{{- if .PostalAddress}}<br>{{.PostalAddress}}{{end}}</p>
{{- end -}}
{{- if .Document}}{{template "footer" .}}{{else -}}
<!DOCTYPE html>
<html{{with .Lang}} lang="{{.}}"{{end}}{{if .RTL}} dir="rtl"{{end}}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background:#ffffff">
<div {{if .RTL}}dir="rtl" {{end}}style="max-width:600px;margin:0 auto;padding:24px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.55;color:#1f2328;overflow-wrap:anywhere">
{{.Body}}
{{template "footer" .}}
</div>
</body>
</html>
{{end}}`))
})

type layoutData struct {
	Subject        string
	Body           htmltemplate.HTML // the output of an html/template: already escaped
	UnsubscribeURL string
	Document       bool
	PostalAddress  string
	// RTL lays the email out right to left (the template's text is);
	// FooterLTR lays its footer out left to right (a left-to-right
	// footer: the English one of a template that declares no language).
	RTL, FooterLTR bool
	// Lang is the email's language ("" none declared); FooterLang the
	// footer's where it differs (the English footer of an email that
	// declares none), else "".
	Lang, FooterLang string
	// Why, and Before, Link and After around the unsubscribe link, are
	// the footer's text in the email's language.
	Why, Before, Link, After string
}

func isDocument(h string) bool { return bodyCloseRe.MatchString(h) }

var bodyCloseRe = regexp.MustCompile(`(?i)</body\s*>`)

// withFooter puts the footer before the document's last </body>.
func withFooter(doc, footer string) string {
	all := bodyCloseRe.FindAllStringIndex(doc, -1)
	at := all[len(all)-1][0]
	return doc[:at] + footer + "\n" + doc[at:]
}

var hrefRe = regexp.MustCompile(`(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)

// links are the distinct http(s) hrefs of an HTML part, but skip.
func hrefs(h, skip string) []string {
	var out []string
	seen := map[string]bool{skip: true}
	for _, m := range hrefRe.FindAllStringSubmatch(h, -1) {
		u := html.UnescapeString(m[1] + m[2] + m[3])
		lower := strings.ToLower(u)
		if seen[u] || !(strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://")) {
			continue
		}
		seen[u] = true
		out = append(out, u)
	}
	return out
}

var (
	anchorRe = regexp.MustCompile(`(?is)<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))[^>]*>(.*?)</a\s*>`)
	tagRe    = regexp.MustCompile(`(?s)<[^>]*>`)
	// inlineTagRe matches the tags of text-level formatting, which sit
	// inside a word as well as between words.
	inlineTagRe = regexp.MustCompile(`(?i)^</?(?:b|i|em|strong|span|u|s|small|big|sub|sup|font|mark|code)\b`)
)

// maxLinkLabel caps a link's label where the plain-text part repeats it.
const maxLinkLabel = 80

// anchorLabels maps each link of an HTML part to the text of its first
// <a>, as a reader sees it: tags out, entities decoded, one line.
func anchorLabels(h string) map[string]string {
	out := map[string]string{}
	for _, m := range anchorRe.FindAllStringSubmatch(h, -1) {
		u := html.UnescapeString(m[1] + m[2] + m[3])
		if _, ok := out[u]; ok {
			continue
		}
		text := tagRe.ReplaceAllStringFunc(m[4], func(tag string) string {
			if inlineTagRe.MatchString(tag) {
				return "" // "re<b>ply</b>" reads as "reply"
			}
			return " " // "Read<br>more" as "Read more"
		})
		out[u] = mail.Truncate(mail.OneLine(html.UnescapeString(text)), maxLinkLabel)
	}
	return out
}

func newTemplateData(l lead.Lead, unsubscribeURL string) TemplateData {
	field := func(s string, allowed func(rune) bool) string {
		s = withoutEmoji(mail.OneLine(s))
		if !plausible(s, allowed) {
			return ""
		}
		return mail.Truncate(s, 100) // after the check: its "…" is no name's
	}
	d := TemplateData{
		Name:           nameCase(field(l.Name, nameRune)),
		Company:        field(l.Company, orgRune),
		JobTitle:       field(l.JobTitle, orgRune),
		Industry:       field(l.Industry, orgRune),
		Country:        field(l.Country, nameRune),
		UnsubscribeURL: unsubscribeURL,
	}
	d.FirstName = firstName(d.Name)
	return d
}

// nameCase is a name typed all in lower case ("john smith"), or all in
// capitals ("JOHN SMITH"; three capitals or more, so an initialism such
// as "JJ" stays), as a name is written: each part starting with a capital
// (after a space, a hyphen, an apostrophe, …), the rest lower case. A
// name in mixed case is as its owner wrote it (McDonald, DeAndre), and so
// is one in a script without case.
func nameCase(s string) string {
	lower, upper := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			lower++
		case unicode.IsUpper(r):
			upper++
		}
	}
	if !(lower > 0 && upper == 0 || upper >= 3 && lower == 0) {
		return s
	}
	var b strings.Builder
	start := true
	for _, r := range s {
		if start {
			b.WriteRune(unicode.ToTitle(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = !unicode.IsLetter(r) && !unicode.Is(unicode.M, r)
	}
	return b.String()
}

// withoutEmoji is s without its emoji — pictographs, flags, skin tones,
// the variation selector and the joiner that build them — and the spaces
// they leave: "José 🎉" is José, where the emoji alone would make the
// whole name implausible ("Hi there,"). Nothing an emoji stands for is
// a name's, a company's or a title's.
func withoutEmoji(s string) string {
	if !strings.ContainsFunc(s, isEmojiRune) {
		return s
	}
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if isEmojiRune(r) {
			return ' '
		}
		return r
	}, s)), " ")
}

// isEmojiRune: other symbols (pictographs, dingbats), regional
// indicators (flags), skin-tone modifiers, and the variation selector
// and zero-width joiner of emoji sequences.
func isEmojiRune(r rune) bool {
	return unicode.Is(unicode.So, r) || r >= 0x1F1E6 && r <= 0x1F1FF || r >= 0x1F3FB && r <= 0x1F3FF || r == 0xFE0F || r == 0x200D
}

// plausible reports whether s reads as what its field holds (a name, a
// company, a title) and not as something to follow: no link, domain or
// address (email clients turn "evil.example" into a link by themselves),
// no characters beyond allowed. Anyone who knows an address can post a
// form with it, and marketing email goes out from the sender's own
// domain: a value that fails is left out ("Hi there,"), not repeated. So
// is one without a letter or digit ("-", "." typed into a field the
// person did not want to fill): it names nobody.
func plausible(s string, allowed func(rune) bool) bool {
	if linkish.MatchString(s) || strings.IndexFunc(s, isLetterOrDigit) < 0 {
		return false
	}
	for _, r := range s {
		if !allowed(r) {
			return false
		}
	}
	return true
}

// linkish matches a URL scheme, a www. host, an address, a domain name
// (a dot between letters or digits and two or more letters) or an IPv4
// address (a link's host as much as a domain).
var linkish = regexp.MustCompile(`(?i)://|\bwww\.|@|[\p{L}\p{N}-]\.\p{L}{2,}|\d{1,3}(\.\d{1,3}){3}`)

// nameRune: letters, combining marks, spaces and the punctuation names
// carry (Jean-Luc, O'Neil, Dr. Smith, Smith, Jr.; the middle dots of
// 约翰·史密斯, ジョン・スミス and Gal·la).
func nameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.M, r) || r == ' ' || strings.ContainsRune("-'’.,·・", r)
}

// orgRune: a name's runes, digits and what company names and titles
// use (AT&T, 3M, R+D, Sales (EMEA), VP Sales/Marketing, Yahoo!,
// Director – Sales, 阿里巴巴（中国）有限公司).
func orgRune(r rune) bool {
	return nameRune(r) || unicode.IsDigit(r) || strings.ContainsRune("&+()/:#!–—（）", r)
}

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// honorifics are skipped when finding a first name: "Dr. Ada Lovelace" is Ada.
var honorifics = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true,
	"herr": true, "frau": true, "sir": true, "madam": true,
}

// firstName is the first word of a name that is not an honorific nor
// punctuation alone, or
// "there" ("Hi there,") when the lead gave no name.
func firstName(name string) string {
	words := strings.Fields(name)
	for i, w := range words {
		if i < len(words)-1 && honorifics[strings.ToLower(strings.TrimSuffix(w, "."))] || strings.IndexFunc(w, isLetterOrDigit) < 0 {
			continue
		}
		return mail.Truncate(strings.Trim(w, ",;"), 40)
	}
	return "there"
}

// checkURL accepts an absolute http(s) URL with nothing that could break
// out of a header, an attribute or a line.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: the unsubscribe URL must be an absolute http(s) URL", ErrRender)
	}
	if strings.ContainsAny(raw, " <>\"'\\`") || strings.IndexFunc(raw, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w: the unsubscribe URL contains characters a URL may not", ErrRender)
	}
	return nil
}
