package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	"sync"
)

// OpenLeads is a rep's weekly list of the leads they accepted that have
// no final outcome yet, each with signed links that record one.
type OpenLeads struct {
	RepName string
	Week    string // "2027-W03"
	Leads   []OpenLead
	More    int // open leads beyond the list
	// StandIn marks the list of leads whose reps left (the routing config
	// no longer lists them) to their team lead: each lead names its
	// Holder.
	StandIn bool
	// SalesAddress marks a StandIn list to the sales address: the
	// leads' teams have no team lead.
	SalesAddress bool
}

// OpenLead is one line of the list.
type OpenLead struct {
	Name, Email, JobTitle, Company string
	Stage                          string // "accepted" or "SQL"
	AcceptedOn                     string
	Days                           int
	SQLURL, WonURL, LostURL        string // SQLURL "" once SQL
	Until                          string // when the links stop working; the list says so under each lead
	Holder                         string // who accepted it, on a stand-in's list
}

var openLeadsHTML = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("open").Parse(emailHead("Open leads") + `<body style="font-family:system-ui,sans-serif;color:#1d2433;background:#ffffff;line-height:1.5;max-width:40rem;overflow-wrap:anywhere">
<p>Hi {{if .RepName}}{{.RepName}}{{else}}there{{end}},</p>
<p>{{.Intro}}</p>
<table style="border-collapse:collapse;width:100%">
{{range .Leads}}<tr style="border-top:1px solid #e3e7ef"><td style="padding:.5rem 0"><strong>{{.Who}}</strong>{{if .Role}}<br><span style="color:#5b6475">{{.Role}}</span>{{end}}<br>
<span style="color:#5b6475;font-size:.9rem">{{.Stage}} since {{.AcceptedOn}} ({{.Age}}){{if .Holder}}, held by {{.Holder}}{{end}}{{if .Until}}<br>Links work until {{.Until}}.{{end}}</span><br>
{{if .SQLURL}}<a href="{{.SQLURL}}" style="` + outcomeButton + `">Qualified opportunity (SQL)</a>{{end}}<a href="{{.WonURL}}" style="` + outcomeButton + `">Won</a><a href="{{.LostURL}}" style="` + outcomeButton + `">Lost</a></td></tr>
{{end}}</table>
{{if .More}}<p>… and {{.More}} more.</p>{{end}}
<p style="color:#5b6475;font-size:.9rem">{{.Footer}}</p>
</body></html>`))
})

// outcomeButton styles each outcome link as a tap target apart from the
// next (a rep reads the list on a phone), as the alert's reject links.
const outcomeButton = "display:inline-block;margin:4px;padding:8px 14px;border:1px solid #c7d2fe;border-radius:6px;color:#1d4ed8;text-decoration:none"

type openLeadView struct {
	OpenLead
	Who, Role string
}

// Age is how long ago the lead was accepted, in words: "today", "1 day",
// "9 days".
func (v openLeadView) Age() string {
	switch v.Days {
	case 0:
		return "today"
	case 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", v.Days)
}

// RenderOpenLeads renders the weekly list: subject, HTML and text. A
// list whose HTML would be clipped (MaxHTMLSize) cuts the leads' names,
// titles and companies shorter, then lists fewer leads (counting the
// rest as More), until it fits.
func RenderOpenLeads(o OpenLeads) (subject, html, text string, err error) {
	subject, html, text, err = renderOpenLeads(o)
	if err != nil || EncodedSize(html) <= MaxHTMLSize {
		return subject, html, text, err
	}
	for _, c := range alertCuts[1:] {
		o.Leads = slices.Clone(o.Leads)
		for i, l := range o.Leads {
			l.Name, l.JobTitle, l.Company = Truncate(l.Name, c.context), Truncate(l.JobTitle, c.context), Truncate(l.Company, c.context)
			o.Leads[i] = l
		}
		if subject, html, text, err = renderOpenLeads(o); err != nil || EncodedSize(html) <= MaxHTMLSize {
			return subject, html, text, err
		}
	}
	for len(o.Leads) > 1 && EncodedSize(html) > MaxHTMLSize {
		o.Leads, o.More = o.Leads[:len(o.Leads)-1], o.More+1
		subject, html, text, err = renderOpenLeads(o)
	}
	return subject, html, text, err
}

func renderOpenLeads(o OpenLeads) (subject, html, text string, err error) {
	n := len(o.Leads) + o.More
	subject = fmt.Sprintf("Your open leads (%d): record how they went", n)
	if n == 1 {
		subject = "Your open lead: record how it went"
	}
	intro := "These leads you accepted have no outcome recorded yet. One click records it."
	footer := "You get this list each week while you have open leads."
	if o.StandIn {
		subject = fmt.Sprintf("Open leads of reps who left (%d): record how they went", n)
		if n == 1 {
			subject = "An open lead of a rep who left: record how it went"
		}
		intro = "These leads were accepted by reps the routing config no longer lists, and have no outcome recorded yet. " +
			"They come to you as the team lead: one click records how they went."
		footer = "You get this list each week while reps who left have open leads on your team."
		if o.SalesAddress {
			intro = "These leads were accepted by reps the routing config no longer lists, and have no outcome recorded yet. " +
				"Their teams have no team lead, so they come to the sales address: one click records how they went."
			footer = "You get this list each week while reps who left have open leads on teams with no team lead."
		}
	}
	if n == 1 { // the subject says one lead: so does the list
		intro = "This lead you accepted has no outcome recorded yet. One click records it."
		if o.StandIn {
			intro = "This lead was accepted by a rep the routing config no longer lists, and has no outcome recorded yet. " +
				"It comes to you as the team lead: one click records how it went."
			if o.SalesAddress {
				intro = "This lead was accepted by a rep the routing config no longer lists, and has no outcome recorded yet. " +
					"Its team has no team lead, so it comes to the sales address: one click records how it went."
			}
		}
	}
	views := make([]openLeadView, len(o.Leads))
	// Leads of one name read as one lead twice: each of those shows its
	// address too (the rep holds them; a name alone shows none).
	names := map[string]int{}
	for _, l := range o.Leads {
		names[strings.ToLower(OneLine(l.Name))]++
	}
	var tb strings.Builder
	fmt.Fprintf(&tb, "Hi %s,\n\n%s\n", firstNonEmpty(OneLine(o.RepName), "there"), intro)
	for i, l := range o.Leads {
		for name, u := range map[string]string{"won link": l.WonURL, "lost link": l.LostURL} {
			if err := checkURL(name, u); err != nil {
				return "", "", "", err
			}
		}
		v := openLeadView{OpenLead: l, Who: firstNonEmpty(OneLine(l.Name), OneLine(l.Email), "a lead"), Role: role(l.JobTitle, l.Company)}
		if name := OneLine(l.Name); name != "" && names[strings.ToLower(name)] > 1 && l.Email != "" {
			v.Who = name + ", " + OneLine(l.Email)
		}
		views[i] = v
		fmt.Fprintf(&tb, "\n%s", leftToRight(v.Who))
		if v.Role != "" {
			fmt.Fprintf(&tb, " (%s)", v.Role)
		}
		fmt.Fprintf(&tb, ", %s since %s (%s)", l.Stage, l.AcceptedOn, v.Age())
		if h := OneLine(l.Holder); h != "" {
			fmt.Fprintf(&tb, ", held by %s", h)
		}
		tb.WriteString("\n")
		if l.SQLURL != "" {
			fmt.Fprintf(&tb, "  Qualified opportunity (SQL): %s\n", l.SQLURL)
		}
		fmt.Fprintf(&tb, "  Won: %s\n  Lost: %s\n", l.WonURL, l.LostURL)
		if u := OneLine(l.Until); u != "" {
			fmt.Fprintf(&tb, "  Links work until %s.\n", u)
		}
	}
	if o.More > 0 {
		fmt.Fprintf(&tb, "\n… and %d more.\n", o.More)
	}
	tb.WriteString("\n" + footer + "\n")
	var hb bytes.Buffer
	if err := openLeadsHTML().Execute(&hb, struct {
		OpenLeads
		Leads         []openLeadView
		Intro, Footer string
	}{o, views, intro, footer}); err != nil {
		return "", "", "", fmt.Errorf("render open leads: %w", err)
	}
	return subject, hb.String(), tb.String(), nil
}
