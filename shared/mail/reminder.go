package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"
)

// Reminder asks the rep who accepted a lead how it went, with signed
// links that record the outcome (valid until the outcome horizon ends).
type Reminder struct {
	RepName string
	Lead    OpenLead // as the weekly list shows it
	// Holder names who accepted the lead when the reader stands in for
	// them (the team lead, for a rep no longer in the routing config);
	// StandIn then says why the reader gets it, a sentence.
	Holder, StandIn string
}

var reminderHTML = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("reminder").Funcs(funcs).Parse(emailHead("How did it go?") + `<body style="font-family:system-ui,sans-serif;color:#1d2433;background:#ffffff;line-height:1.5;max-width:36rem;overflow-wrap:anywhere">
<p>Hi {{if .RepName}}{{.RepName}}{{else}}there{{end}},</p>
<p>{{if .Holder}}{{.Holder}} accepted{{else}}You accepted{{end}} <strong>{{.Who}}</strong>{{if .Role}} ({{.Role}}){{end}} on {{.AcceptedOn}}, {{.Days}} days ago, and no outcome has been recorded yet. How did it go?</p>
<p><a href="{{.SQLURL}}" style="display:inline-block;margin:.2rem .4rem .2rem 0;padding:.5rem .9rem;border-radius:6px;background:#2957d8;color:#fff;text-decoration:none">Qualified opportunity (SQL)</a>
<a href="{{.WonURL}}" style="display:inline-block;margin:.2rem .4rem .2rem 0;padding:.5rem .9rem;border-radius:6px;background:#1a7f46;color:#fff;text-decoration:none">Won</a>
<a href="{{.LostURL}}" style="display:inline-block;margin:.2rem .4rem .2rem 0;padding:.5rem .9rem;border-radius:6px;background:#b42318;color:#fff;text-decoration:none">Lost</a></p>
{{if .Lead.Email}}<p>Contact: {{with mailto .Lead.Email}}<a href="{{.}}">{{$.Lead.Email}}</a>{{else}}{{line .Lead.Email}}{{end}}. {{.ReplyNote}}</p>
{{end}}<p style="color:#5b6475;font-size:.9rem">The links work until {{.Until}}; you can also record the outcome in your CRM if it reports outcomes to leadflow. This is the only reminder for this lead. {{if .StandIn}}{{.StandIn}}{{else}}You get it because you accepted the lead.{{end}}</p>
</body></html>`))
})

// RenderReminder renders the outcome reminder: subject, HTML and text.
func RenderReminder(r Reminder) (subject, html, text string, err error) {
	l := r.Lead
	for name, u := range map[string]string{"SQL link": l.SQLURL, "won link": l.WonURL, "lost link": l.LostURL} {
		if err := checkURL(name, u); err != nil {
			return "", "", "", err
		}
	}
	who := firstNonEmpty(OneLine(l.Name), OneLine(l.Email), "your lead")
	position := role(l.JobTitle, l.Company)
	subject = cutBefore("How did it go with "+firstNonEmpty(OneLine(l.Company), who), "? Record the outcome")
	var hb bytes.Buffer
	holder, standIn := OneLine(r.Holder), OneLine(r.StandIn)
	if holder == "" {
		standIn = ""
	}
	// Its Reply-To is the lead (when SES takes the address): a rep
	// answering "How did it go?" by replying would write to the lead.
	reply := replyNote(l.Email, l.Name)
	v := struct {
		OpenLead
		Lead                                           OpenLead
		RepName, Who, Role, Holder, StandIn, ReplyNote string
	}{l, l, r.RepName, who, position, holder, standIn, reply}
	if err := reminderHTML().Execute(&hb, v); err != nil {
		return "", "", "", fmt.Errorf("render reminder: %w", err)
	}
	greeting := firstNonEmpty(OneLine(r.RepName), "there")
	about := who
	if position != "" {
		about += " (" + position + ")"
	}
	accepted, why := "You accepted", "You get it because you accepted the lead."
	if holder != "" {
		accepted, why = holder+" accepted", standIn
	}
	text = fmt.Sprintf("Hi %s,\n\n%s %s on %s, %d days ago, and no outcome has been recorded yet. How did it go?\n\n"+
		"Qualified opportunity (SQL): %s\nWon: %s\nLost: %s\n\nThe links work until %s; you can also record the outcome in your CRM if it reports outcomes to leadflow. "+
		"This is the only reminder for this lead. %s\n",
		greeting, accepted, about, l.AcceptedOn, l.Days, l.SQLURL, l.WonURL, l.LostURL, l.Until, why)
	if contact := OneLine(l.Email); contact != "" {
		text = strings.Replace(text, "\n\nThe links work until", "\n\nContact: "+contact+". "+reply+"\n\nThe links work until", 1)
	}
	return subject, hb.String(), text, nil
}
