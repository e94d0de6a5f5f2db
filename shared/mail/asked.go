package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// AskedAgain tells the rep who holds a lead's deal (accepted, SQL) or won
// it that the lead sent forms again: what it asked, and where its deal
// stands. Such a form moves no stage and alerts no one else.
type AskedAgain struct {
	RepName string
	// Lead is the lead as the weekly list shows it; its SQL, won and lost
	// links are set while its deal is open and the links work.
	Lead  OpenLead
	Phone string
	// Status says where the deal stands, a sentence: "You accepted it on
	// 3 Nov 2026, 31 days ago." or "Its deal was won on 9 Oct 2026."
	Status string
	Won    bool // a customer: the subject and greeting say so
	// Holder names who holds (or won) the deal when the reader stands in
	// for them (the team lead, for a rep away or no longer in the routing
	// config); StandIn then says why the reader gets it, a sentence.
	Holder, StandIn string
	Forms           []AskedForm
	// Earlier counts forms sent before Forms that the notice does not
	// list (it lists the newest few in full).
	Earlier int
	// Changed lists profile fields later forms changed since the first
	// ("Company": "Acme → Evil Corp"): anyone who knows an address can
	// post it.
	Changed []KV
	Zone    *time.Location // the reader's; nil is UTC
}

// AskedForm is one form the lead sent: when, which form and campaign
// (in words), and what it said.
type AskedForm struct {
	At             time.Time
	Form, Campaign string
	Fields         []KV
}

var askedHTML = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("asked").Funcs(funcs).Parse(emailHead("Asked again") + `<body style="font-family:system-ui,sans-serif;color:#1d2433;background:#ffffff;line-height:1.5;max-width:38rem;overflow-wrap:anywhere">
<p>Hi {{if .RepName}}{{line .RepName}}{{else}}there{{end}},</p>
<p>{{if .Holder}}{{.Holder}}'s {{else}}Your {{end}}{{if .Won}}customer {{else}}lead {{end}}<strong>{{.Who}}</strong>{{if .Role}} ({{.Role}}){{end}} sent {{.Count}} again. {{.Status}}</p>
{{if .Earlier}}<p style="color:#5b6475">{{.EarlierNote}}</p>
{{end}}{{if .CutNote}}<p style="color:#5b6475">{{.CutNote}}</p>
{{end}}{{range .Forms}}<div style="border-left:3px solid #2957d8;padding:.2rem .8rem;margin:.8rem 0">
<p style="margin:0"><strong>{{line .Form}}</strong><br><span style="color:#5b6475;font-size:.9rem">{{call $.When .At}}{{if .Campaign}} · campaign {{line .Campaign}}{{end}}</span></p>
{{if .Fields}}<table style="border-collapse:collapse;margin-top:.3rem">{{range .Fields}}<tr><td style="color:#5b6475;padding:.1rem 1rem .1rem 0;vertical-align:top;white-space:nowrap">{{line .Key}}</td><td style="white-space:pre-wrap">{{.Value}}</td></tr>{{end}}</table>{{end}}
</div>
{{end}}{{if .Changed}}<p style="margin-bottom:.2rem">Changed since its first form (anyone who knows an address can post a form):</p>
<ul style="margin-top:0">{{range .Changed}}<li>{{line .Key}}: {{line .Value}}</li>{{end}}</ul>
{{end}}<p>Contact: {{with mailto .Lead.Email}}<a href="{{.}}">{{$.Lead.Email}}</a>{{else}}{{line .Lead.Email}}{{end}}{{if .Phone}} · {{line .Phone}}{{end}}. {{.ReplyNote}}</p>
{{if .Lead.WonURL}}<p>Record where the deal stands:<br>{{if .Lead.SQLURL}}<a href="{{.Lead.SQLURL}}" style="display:inline-block;margin:.2rem .4rem .2rem 0;padding:.5rem .9rem;border-radius:6px;background:#2957d8;color:#fff;text-decoration:none">Qualified opportunity (SQL)</a>
{{end}}<a href="{{.Lead.WonURL}}" style="display:inline-block;margin:.2rem .4rem .2rem 0;padding:.5rem .9rem;border-radius:6px;background:#1a7f46;color:#fff;text-decoration:none">Won</a>
<a href="{{.Lead.LostURL}}" style="display:inline-block;margin:.2rem .4rem .2rem 0;padding:.5rem .9rem;border-radius:6px;background:#b42318;color:#fff;text-decoration:none">Lost</a><br>
<span style="color:#5b6475;font-size:.9rem">The links work until {{.Lead.Until}}.</span></p>
{{end}}<p style="color:#5b6475;font-size:.9rem">{{if .StandIn}}{{.StandIn}}{{else}}You get this because you {{if .Won}}won{{else}}hold{{end}} this lead's deal{{end}}: its forms no longer go to marketing or to other reps. At most one such email a day for a lead; forms sent meanwhile come together in the next.</p>
</body></html>`))
})

// RenderAskedAgain renders the notice that a lead asked again: subject,
// HTML and text. A notice whose HTML would be clipped (MaxHTMLSize) cuts
// its long values step by step, and then lists fewer of the oldest forms
// (counting them as Earlier), until it fits: its outcome links come last.
func RenderAskedAgain(a AskedAgain) (subject, html, text string, err error) {
	subject, html, text, err = renderAskedAgain(a, false)
	if err != nil || EncodedSize(html) <= MaxHTMLSize {
		return subject, html, text, err
	}
	var b AskedAgain
	for _, c := range alertCuts[1:] {
		b = cutAsked(a, c.answers, c.context)
		if subject, html, text, err = renderAskedAgain(b, true); err != nil || EncodedSize(html) <= MaxHTMLSize {
			return subject, html, text, err
		}
	}
	for len(b.Forms) > 1 && EncodedSize(html) > MaxHTMLSize {
		b.Forms, b.Earlier = b.Forms[1:], max(b.Earlier, 0)+1
		subject, html, text, err = renderAskedAgain(b, true)
	}
	return subject, html, text, err
}

// cutAsked is a with its values cut: each form's fields to answers
// characters, every other value the lead gave to context.
func cutAsked(a AskedAgain, answers, context int) AskedAgain {
	a.Lead.Name, a.Lead.JobTitle, a.Lead.Company = Truncate(a.Lead.Name, context), Truncate(a.Lead.JobTitle, context), Truncate(a.Lead.Company, context)
	a.Forms = slices.Clone(a.Forms)
	for i, f := range a.Forms {
		f.Form, f.Campaign = Truncate(f.Form, context), Truncate(f.Campaign, context)
		f.Fields = slices.Clone(f.Fields)
		for j, kv := range f.Fields {
			f.Fields[j] = KV{Key: Truncate(kv.Key, context), Value: Truncate(kv.Value, answers)}
		}
		a.Forms[i] = f
	}
	a.Changed = slices.Clone(a.Changed)
	for i, kv := range a.Changed {
		a.Changed[i] = KV{Key: Truncate(kv.Key, context), Value: Truncate(kv.Value, context)}
	}
	return a
}

// cutNote says a notice's values were cut.
const cutNote = "Long messages and answers are cut short here (…) so that mail apps show this email whole; leadflow keeps each form in full."

func renderAskedAgain(a AskedAgain, cut bool) (subject, html, text string, err error) {
	l := a.Lead
	if a.Holder, a.StandIn = OneLine(a.Holder), OneLine(a.StandIn); a.Holder == "" {
		a.StandIn = ""
	}
	if len(a.Forms) == 0 {
		return "", "", "", fmt.Errorf("%w: a notice that a lead asked again needs its forms", ErrInvalid)
	}
	if l.WonURL != "" {
		for name, u := range map[string]string{"won link": l.WonURL, "lost link": l.LostURL} {
			if err := checkURL(name, u); err != nil {
				return "", "", "", err
			}
		}
		if l.SQLURL != "" {
			if err := checkURL("SQL link", l.SQLURL); err != nil {
				return "", "", "", err
			}
		}
	}
	who := firstNonEmpty(OneLine(l.Name), OneLine(l.Email), "your lead")
	position := role(l.JobTitle, l.Company)
	whoFull := who
	if c := OneLine(l.Company); c != "" && c != who {
		// Cut within its brackets when the subject has no room for all
		// of it ("Your customer " and the tail take up to 45 characters).
		room := maxSubject - 45 - utf8.RuneCountInString(who) - len(" ()")
		if room >= 10 {
			whoFull += " (" + Truncate(c, room) + ")"
		}
	}
	if a.Earlier < 0 {
		a.Earlier = 0
	}
	total := len(a.Forms) + a.Earlier
	forms := "a form"
	what := firstNonEmpty(OneLine(a.Forms[len(a.Forms)-1].Form), "a form")
	if total > 1 {
		forms = fmt.Sprintf("%d forms", total)
		what = forms
	}
	earlier := fmt.Sprintf("%d earlier forms are", a.Earlier)
	if a.Earlier == 1 {
		earlier = "1 earlier form is"
	}
	earlier += " not shown here; "
	if len(a.Forms) == 1 {
		earlier += "the newest follows."
	} else {
		earlier += fmt.Sprintf("the newest %d follow.", len(a.Forms))
	}
	subject = cutBefore(whoFull, " asked again — "+what)
	if startsRightToLeft(whoFull) {
		// The name comes first: without the mark the subject reads
		// right to left (the mark takes one of its characters).
		subject = DirectionMark(LeftToRight) + cutBeforeIn(whoFull, " asked again — "+what, maxSubject-1)
	}
	if a.Won {
		subject = cutBefore("Your customer "+whoFull, " asked again — "+what)
	}
	reply := replyNote(l.Email, l.Name)
	var hb bytes.Buffer
	v := struct {
		AskedAgain
		Who, Role, Count, EarlierNote, ReplyNote string
		When                                     func(time.Time) string
		CutNote                                  string
	}{a, who, position, forms, earlier, reply, func(t time.Time) string { return When(t, a.Zone) }, ""}
	if cut {
		v.CutNote = cutNote
	}
	if err := askedHTML().Execute(&hb, v); err != nil {
		return "", "", "", fmt.Errorf("render asked-again notice: %w", err)
	}

	var tb strings.Builder
	about := who
	if position != "" {
		about += " (" + position + ")"
	}
	kind := "Your "
	if a.Holder != "" {
		kind = a.Holder + "'s "
	}
	if a.Won {
		kind += "customer "
	} else {
		kind += "lead "
	}
	fmt.Fprintf(&tb, "Hi %s,\n\n%s%s sent %s again. %s\n", firstNonEmpty(OneLine(a.RepName), "there"), kind, about, forms, OneLine(a.Status))
	if a.Earlier > 0 {
		tb.WriteString("\n" + earlier + "\n")
	}
	if cut {
		tb.WriteString("\n" + cutNote + "\n")
	}
	for _, f := range a.Forms {
		fmt.Fprintf(&tb, "\n%s — %s", firstNonEmpty(OneLine(f.Form), "A form"), When(f.At, a.Zone))
		if c := OneLine(f.Campaign); c != "" {
			tb.WriteString(" · campaign " + c)
		}
		tb.WriteString("\n")
		for _, kv := range f.Fields {
			fmt.Fprintf(&tb, "  %s: %s\n", OneLine(kv.Key), indent(kv.Value))
		}
	}
	if len(a.Changed) > 0 {
		tb.WriteString("\nChanged since its first form (anyone who knows an address can post a form):\n")
		for _, kv := range a.Changed {
			fmt.Fprintf(&tb, "  %s: %s\n", OneLine(kv.Key), OneLine(kv.Value))
		}
	}
	contact := OneLine(l.Email)
	if p := OneLine(a.Phone); p != "" {
		contact += " · " + p
	}
	fmt.Fprintf(&tb, "\nContact: %s. %s\n", contact, reply)
	if l.WonURL != "" {
		tb.WriteString("\nRecord where the deal stands:\n")
		if l.SQLURL != "" {
			fmt.Fprintf(&tb, "Qualified opportunity (SQL): %s\n", l.SQLURL)
		}
		fmt.Fprintf(&tb, "Won: %s\nLost: %s\nThe links work until %s.\n", l.WonURL, l.LostURL, l.Until)
	}
	why := "You get this because you hold this lead's deal"
	if a.Won {
		why = "You get this because you won this lead's deal"
	}
	if a.StandIn != "" {
		why = a.StandIn
	}
	fmt.Fprintf(&tb, "\n%s: its forms no longer go to marketing or to other reps. "+
		"At most one such email a day for a lead; forms sent meanwhile come together in the next.\n", why)
	return subject, hb.String(), tb.String(), nil
}

// cutBefore is a subject of head and tail within maxSubject characters,
// cutting head (the lead's name, up to 400 characters a form takes) so
// that tail, which says what the email is, stays.
func cutBefore(head, tail string) string { return cutBeforeIn(head, tail, maxSubject) }

// cutBeforeIn is cutBefore within max characters.
func cutBeforeIn(head, tail string, max int) string {
	room := max - utf8.RuneCountInString(tail)
	if room < 20 {
		return Truncate(head+tail, max)
	}
	return Truncate(head, room) + tail
}
