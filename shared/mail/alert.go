package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"
)

// Alert is what a sales rep needs to act on a hot lead: who it is, why it
// is hot, everything they told us, where they came from, and one-click
// accept/reject links. Every string may be user-supplied and is escaped
// (HTML) or flattened (subject, text part) when rendered.
type Alert struct {
	Grade, Temperature, Company, Name, JobTitle, Email, Phone string

	WhyHot string // one-line summary, e.g. "score 87, demo request, viewed pricing"
	// CameBack says the lead had left and came back with a new form: its
	// deal lost, or it unsubscribed from marketing email ("" otherwise).
	CameBack string
	// What is what the lead did, for the subject: "demo request, viewed
	// pricing" (no grade: the body shows it).
	What    string
	Answers []KV // every answer and form field, in display order
	// Changed lists the profile fields a later form changed since the
	// lead's first touch ("Company": "Acme → Evil Corp"): anyone who
	// knows an address can post it, so the rep sees what was rewritten.
	Changed  []KV
	Source   []KV            // "Campaign", "Offer variant", "UTM source", …, "Landing page", "Referrer"
	Reasons  []string        // score reasons, e.g. "+20 role in [CMO]"
	Pages    []string        // pages visited; may be empty
	Timeline []TimelineEntry // what happened so far, oldest first
	// EarlierEvents says the timeline shows only the newest events.
	EarlierEvents bool
	AcceptURL     string       // required, http(s)
	RejectURLs    []RejectLink // one per configured reject reason
	RepName       string       // the reader's name: the rep, or for an escalation its recipient
	DueBy         time.Time    // first-response deadline; zero hides it
	// SLAHours are the working hours DueBy counts in ("Mon–Fri
	// 08:00–18:00 Europe/Berlin"); empty when the SLA runs around the
	// clock.
	SLAHours   string
	Escalation bool // the SLA escalation email: subject starts "[SLA breach]"
	// MissedBy names the rep who did not answer in time (escalations).
	MissedBy string
	// TeamLead says the escalation goes to the team lead (else to the
	// next rep of the rotation), so the footer can say why they get it.
	TeamLead bool
	// FreshLinks marks the alert sent again because the reader's links
	// had expired: the subject says so and the top says until when the
	// new ones work (LinksUntil).
	FreshLinks bool
	LinksUntil time.Time
	// Zone is the reader's time zone: every time shows in it, with its
	// abbreviation; nil is UTC.
	Zone *time.Location
}

// KV is one labelled value.
type KV struct{ Key, Value string }

// TimelineEntry is one event in a lead's history.
type TimelineEntry struct {
	At   time.Time
	What string
}

// RejectLink is a one-click reject link for one reason.
type RejectLink struct{ Label, URL string }

// maxSubject caps the subject, in characters: long subjects are cut by
// every client anyway, and a cap bounds what a lead's input can put there.
const maxSubject = 150

//go:embed templates
var templateFS embed.FS

// TimeLayout is how emails and pages show a time to a person: in the
// reader's zone, with the zone's abbreviation ("Tue 3 Dec 2026, 14:05 CET").
const TimeLayout = "Mon 2 Jan 2006, 15:04 MST"

// When is t in zone (nil: UTC) as TimeLayout shows it, the zone named
// as ZoneName names it.
func When(t time.Time, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	t = t.In(zone)
	return t.Format(strings.TrimSuffix(TimeLayout, "MST")) + ZoneName(t)
}

// ZoneName names t's zone for a reader: its abbreviation ("CET", "EST"),
// or, for the many zones the time zone database has none for (most of
// South America, Africa and Asia: "+04", "-03"), the offset from UTC
// ("UTC+4", "UTC+5:45", "UTC-3"), which a bare "18:41 -03" does not read as.
func ZoneName(t time.Time) string {
	name, offset := t.Zone()
	if name != "" && name[0] != '+' && name[0] != '-' {
		return name
	}
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	s := fmt.Sprintf("UTC%s%d", sign, offset/3600)
	if m := offset % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

// indent is a multi-line value for the text part: each line after the
// first indented.
func indent(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(NormaliseNewlines(s)), "\n", "\n      ")
}

var funcs = map[string]any{
	"when": func(t time.Time) string { return When(t, time.UTC) },
	"line": OneLine,
	// indent keeps a multi-line value visibly inside its field in the
	// text part, so a lead cannot fake top-level lines such as "ACCEPT:".
	"indent": indent,
	// ltr starts a text line that begins with the lead's value with a
	// left-to-right mark when that value starts right to left.
	"ltr": leftToRight,
	// mailto links a plain address only; anything else (a display name,
	// '?', '&', '%' that could add headers to the draft) shows as text.
	"mailto": func(s string) htmltemplate.URL {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Name != "" || strings.ContainsAny(a.Address, "?&#%/\\ \"<>") {
			return ""
		}
		return htmltemplate.URL("mailto:" + a.Address)
	},
	// tel is a tel: URL from digits and a leading '+' only, so it is safe
	// to mark as a URL (html/template only trusts http, https and mailto);
	// "" when there are too few digits to be a phone number.
	"tel": func(phone string) htmltemplate.URL {
		var b strings.Builder
		digits := 0
		for i, r := range strings.TrimSpace(phone) {
			switch {
			case r >= '0' && r <= '9':
				b.WriteRune(r)
				digits++
			case r == '+' && i == 0:
				b.WriteRune(r)
			}
		}
		if digits < 5 {
			return ""
		}
		return htmltemplate.URL("tel:" + b.String())
	},
}

// The email templates are parsed on first use, not at init: most
// functions import this package for a few of its emails (sesevents and
// privacy send none), and a cold start should not parse the others.
var (
	alertHTML = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.New("alert.html.tmpl").Funcs(funcs).ParseFS(templateFS, "templates/alert.html.tmpl"))
	})
	alertText = sync.OnceValue(func() *texttemplate.Template {
		return texttemplate.Must(texttemplate.New("alert.txt.tmpl").Funcs(funcs).ParseFS(templateFS, "templates/alert.txt.tmpl"))
	})
)

// alertView is what the templates see: the alert plus derived labels.
type alertView struct {
	Alert
	Subject   string
	Who       string // name, else email
	Role      string // "CMO at Acme GmbH"
	TempLabel string // "Hot"
	// CutShort says long values were cut (ending in "…") so that mail
	// apps show the alert whole.
	CutShort bool
	// ReplyNote says where a reply goes (the lead is the Reply-To).
	ReplyNote string
}

// When is t in the reader's zone.
func (v alertView) When(t time.Time) string { return When(t, v.Zone) }

// RenderAlert renders the sales alert: a single-line subject, the HTML
// part and the plain-text part. It fails (ErrInvalid) when the accept link
// or a reject link is missing or not an http(s) URL.
func RenderAlert(a Alert) (subject, html, text string, err error) {
	if err := checkURL("accept URL", a.AcceptURL); err != nil {
		return "", "", "", err
	}
	for i, r := range a.RejectURLs {
		if err := checkURL(fmt.Sprintf("reject link %d", i+1), r.URL); err != nil {
			return "", "", "", err
		}
		if strings.TrimSpace(r.Label) == "" {
			return "", "", "", fmt.Errorf("%w: reject link %d has no label", ErrInvalid, i+1)
		}
	}
	a.Answers, a.Changed, a.Source = filled(a.Answers), filled(a.Changed), filled(a.Source)
	a.Timeline = slicesDeleteFunc(a.Timeline, func(e TimelineEntry) bool { return strings.TrimSpace(e.What) == "" })
	// The whole alert, unless its HTML would be clipped: then values cut
	// shorter and shorter, the context (source, pages, timeline) before
	// the answers, until it fits.
	for _, c := range alertCuts {
		v := alertView{
			Alert:     a,
			Subject:   alertSubject(a),
			Who:       firstNonEmpty(OneLine(a.Name), OneLine(a.Email), "Unnamed lead"),
			TempLabel: capitalize(firstNonEmpty(strings.ToLower(OneLine(a.Temperature)), "new")),
			Role:      role(a.JobTitle, a.Company),
		}
		if c.answers > 0 {
			v.Alert, v.CutShort = cutAlert(a, c.answers, c.context)
			v.Who, v.Role = Truncate(v.Who, c.context), Truncate(v.Role, c.context)
		}
		if a.Email != "" {
			v.ReplyNote = replyNote(a.Email, v.Name)
		}
		var hb, tb bytes.Buffer
		if err := alertHTML().Execute(&hb, v); err != nil {
			return "", "", "", fmt.Errorf("render alert html: %w", err)
		}
		if err := alertText().Execute(&tb, v); err != nil {
			return "", "", "", fmt.Errorf("render alert text: %w", err)
		}
		subject, html, text = v.Subject, hb.String(), tb.String()
		if EncodedSize(html) <= MaxHTMLSize {
			break
		}
	}
	return subject, html, text, nil
}

// alertCuts are the lengths, in characters, an alert too long to be shown
// whole cuts its values to, step by step: an answer to answers, any other
// value (a name, a URL, a timeline line) to context; 0 cuts nothing.
// The last fits every lead capture takes (TestAnAlertIsNeverClipped).
var alertCuts = []struct{ answers, context int }{
	{0, 0}, {2000, 200}, {1000, 150}, {500, 120}, {250, 100}, {120, 80}, {60, 60},
}

// cutAlert is a with its values cut to the lengths given, and whether
// any was.
func cutAlert(a Alert, answers, context int) (Alert, bool) {
	cut := false
	short := func(s string, n int) string {
		if t := Truncate(s, n); t != s {
			cut = true
			return t
		}
		return s
	}
	kvs := func(in []KV, n int) []KV {
		out := make([]KV, len(in))
		for i, kv := range in {
			out[i] = KV{Key: short(kv.Key, context), Value: short(kv.Value, n)}
		}
		return out
	}
	a.Name, a.Company, a.JobTitle = short(a.Name, context), short(a.Company, context), short(a.JobTitle, context)
	a.WhyHot, a.CameBack = short(a.WhyHot, max(context, 200)), short(a.CameBack, max(context, 200))
	a.Answers, a.Changed, a.Source = kvs(a.Answers, answers), kvs(a.Changed, context), kvs(a.Source, context)
	a.Reasons = slices.Clone(a.Reasons)
	for i := range a.Reasons {
		a.Reasons[i] = short(a.Reasons[i], context)
	}
	a.Pages = slices.Clone(a.Pages)
	for i := range a.Pages {
		a.Pages[i] = short(a.Pages[i], context)
	}
	a.Timeline = slices.Clone(a.Timeline)
	for i := range a.Timeline {
		a.Timeline[i].What = short(a.Timeline[i].What, context)
	}
	return a, cut
}

// filled is kvs without the rows that have no value (or no label): an
// alert shows no empty row.
func filled(kvs []KV) []KV {
	return slicesDeleteFunc(kvs, func(kv KV) bool { return strings.TrimSpace(kv.Key) == "" || strings.TrimSpace(kv.Value) == "" })
}

// slicesDeleteFunc is slices.DeleteFunc on a copy: the caller's slice
// stays as it was.
func slicesDeleteFunc[T any](s []T, del func(T) bool) []T {
	return slices.DeleteFunc(slices.Clone(s), del)
}

// role is "CMO at Acme GmbH", or whichever of the two the lead gave.
func role(jobTitle, company string) string {
	title, company := OneLine(jobTitle), OneLine(company)
	if title != "" && company != "" {
		return title + " at " + company
	}
	return title + company
}

// alertSubject says who and what once, e.g. "🔥 Hot lead: Dana
// Whitfield, Northwind Analytics — demo request"; the grade is in the
// body, not repeated here.
func alertSubject(a Alert) string {
	var b strings.Builder
	if a.FreshLinks {
		b.WriteString("Fresh links: ")
	}
	if a.Escalation {
		b.WriteString("[SLA breach] ")
	}
	temp := strings.ToLower(OneLine(a.Temperature))
	if temp == "hot" {
		b.WriteString("🔥 ")
	}
	b.WriteString(capitalize(firstNonEmpty(temp, "new")) + " lead")
	var who []string
	for _, s := range []string{OneLine(a.Name), OneLine(a.Company)} {
		if s != "" {
			who = append(who, s)
		}
	}
	if len(who) == 0 && OneLine(a.Email) != "" {
		who = append(who, OneLine(a.Email))
	}
	if len(who) > 0 {
		b.WriteString(": " + strings.Join(who, ", "))
	}
	if what := OneLine(a.What); what != "" {
		b.WriteString(" — " + what)
	}
	return Truncate(b.String(), maxSubject)
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func checkURL(what, raw string) error {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%w: %s must be an absolute http(s) URL", ErrInvalid, what)
	}
	if hasControl(raw) || strings.ContainsAny(raw, " <>\"") {
		return fmt.Errorf("%w: %s contains characters a URL may not", ErrInvalid, what)
	}
	return nil
}
