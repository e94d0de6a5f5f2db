package feedback

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/token"
)

// view is what the feedback page shows.
type view struct {
	Title, Message string
	// Head and More are Message split for an answered page (Done): its
	// first sentence heads the page, the rest is said below it.
	Head, More    string
	Lead          *lead.Lead
	Action        string
	ReasonLabel   string
	Done          bool
	Outcomes      []link // SQL / won / lost, once accepted; the other outcome of a closed deal
	OutcomesIntro string // what the outcome links are for ("" : record how it went)
	Currency      string // the default deal currency
	Today         string
	// Answers are the lead's message, form and answers, labelled as in
	// the alert.
	Answers []mail.KV
	// Source is where the lead came from, labelled as in the alert.
	Source []mail.KV
	// Changed is what later forms changed of the first form's profile
	// (name, company, phone, …), as the alert shows it: anyone who knows
	// the address can post it with other values after the alert went.
	Changed []mail.KV
	// Grade is "Grade A · Hot"; Reasons the score reasons, labelled.
	Grade   string
	Reasons []string
	// Times are when the alert went and was answered, in the rep's zone;
	// Due is its deadline ("" once sales answered), which the summary at
	// the top shows.
	Times []mail.KV
	Due   string
	// DueLabel says what Due is: "Respond by", or once the deadline
	// passed "Overdue since" (Due then also says whether the escalation
	// went).
	DueLabel string
	// Headline is the summary's second line: "Grade A · Hot · Demo request".
	Headline string
	// Steps say what to do next on a page that cannot help here (a
	// damaged link): each one a list item.
	Steps []string
	// Expired: the link expired (nothing of the lead shows); FreshButton
	// offers fresh links by email.
	Expired, FreshButton bool
	FreshField           string
	// Held lists the leads a "release all" link releases; NotListed how
	// many more the window held than it kept the names of.
	Held      []heldRow
	NotListed int
	// Posted are the form's values when the page shows a refused answer
	// again, so what the rep typed is not lost.
	Posted map[string]string
	// Invalid is the id of the answer form's field a refused answer is
	// about ("" none): marked invalid, described by the message, focused.
	Invalid string
}

type link struct{ Label, URL string }

// dealAmount is a won deal's amount as the page says it, " (12,500.00
// EUR)", or "" without one.
func dealAmount(d *lead.Deal) string {
	if d == nil || d.Currency == "" {
		return ""
	}
	return " (" + grouped(d.Amount) + " " + d.Currency + ")"
}

// reader is who the link was sent to ("" when it does not say): the
// page's times are in their zone, else in the alerted rep's.
func (h *Handler) view(l lead.Lead, c token.Claims, action, reader string, now time.Time, tok string) view {
	rep := reader
	if rep == "" && l.Handoff != nil {
		rep = l.Handoff.Rep
	}
	zone := h.Rules.Zone(rep)
	v := view{Lead: &l, Action: action, Currency: h.Rules.Outcomes().Currency, Today: now.In(zone).Format("2006-01-02"),
		Answers: handoff.Answers(&l, h.Labels, zone), Source: handoff.Source(&l, h.Labels), Reasons: handoff.Reasons(&l, h.Labels),
		Changed: handoff.Changed(&l)}
	if q := l.Qualification; q != nil {
		var parts []string
		if q.Grade != "" {
			parts = append(parts, "Grade "+q.Grade)
		}
		if q.Temperature != "" {
			parts = append(parts, lead.Humanise(q.Temperature))
		}
		v.Grade = strings.Join(parts, " · ")
	}
	var headline []string
	if v.Grade != "" {
		headline = append(headline, v.Grade)
	}
	if l.FormType != "" {
		headline = append(headline, lead.FormLabel(l.FormType))
	}
	v.Headline = strings.Join(headline, " · ")
	if hd := l.Handoff; hd != nil {
		if !hd.SentAt.IsZero() {
			v.Times = append(v.Times, mail.KV{Key: "Alert sent", Value: mail.When(hd.SentAt, zone)})
		}
		if !hd.DueBy.IsZero() && !l.Stage.SalesSet() {
			due := mail.When(hd.DueBy, zone)
			if _, team := h.Rules.TeamOf(l); team.Hours != nil {
				// As the alert says it: the deadline counts working hours.
				due += " (the response time counts working hours only: " + team.Hours.String() + ")"
			}
			v.Due, v.DueLabel = due, "Respond by"
			if !now.Before(hd.DueBy) {
				v.DueLabel = "Overdue since"
				if hd.State == lead.HandoffEscalated {
					v.Due += "; the escalation has gone out"
				}
			}
		}
		if !hd.AnsweredAt.IsZero() {
			v.Times = append(v.Times, mail.KV{Key: "Answered", Value: mail.When(hd.AnsweredAt, zone)})
		}
	}
	switch action {
	case links.ActionAccept:
		v.Title = "Accept this lead?"
	case links.ActionReject:
		v.Title = "Reject this lead?"
		v.ReasonLabel = c.Extra
		if r, ok := h.Rules.RejectReason(c.Extra); ok {
			v.ReasonLabel = r.Label
		}
	case links.ActionRelease:
		v.Title = "Release this lead's alert to sales?"
	case links.ActionSQL:
		v.Title = "Mark this lead a sales qualified opportunity (SQL)?"
	case links.ActionWon:
		v.Title = "Mark this deal won?"
		if Reversible(&l, lead.StageWon) {
			v.Title = "This deal is recorded as lost. Mark it won instead?"
			v.Message = "Marking it won takes the loss out of the reports and counts the win (with its amount) instead. The timeline keeps both."
		}
	case links.ActionLost:
		v.Title = "Mark this deal lost?"
		if Reversible(&l, lead.StageLost) {
			v.Title = "This deal is recorded as won" + dealAmount(l.Deal) + ". Mark it lost instead?"
			v.Message = "Marking it lost takes the win and its revenue out of the reports (out of the month it was counted in) and counts the loss instead. The timeline keeps both."
		}
	default:
		v.Title = "Mark this lead " + lead.Stage(action).Label() + "?"
	}
	if target := outcomeStages[action]; target != "" && Owes(&l, target) {
		// Reversed here by an answer whose write where the deal counts
		// failed: the button finishes it there.
		v.Title = "Finish recording this deal " + string(target) + "?"
		v.Message = "This contact is recorded " + string(target) + " instead of " + string(l.Deal.Owed.From) + ", but the deal counts on another contact of CRM deal " +
			l.Deal.ID + ", where it is not changed yet (that write failed). Press the button to change it there too, once."
	}
	if other := map[lead.Stage]string{lead.StageWon: links.ActionLost, lead.StageLost: links.ActionWon}[l.Stage]; other != "" &&
		outcomeStages[action] != "" && other != action && Reversible(&l, lead.Stage(other)) && l.OutcomesUntil(h.Rules.Outcomes().Horizon, now).After(now) {
		// A closed deal's outcome can be reversed within the horizon (a
		// mis-click, a deal that changed): its outcome pages offer the
		// other outcome's link, for the rep the link names.
		rep := c.Extra
		label := map[string]string{links.ActionLost: "Lost instead", links.ActionWon: "Won instead"}[other]
		t := links.FeedbackToken(h.Keys, l.ID, other, rep, now, l.OutcomesUntil(h.Rules.Outcomes().Horizon, now))
		v.Outcomes, v.OutcomesIntro = append(v.Outcomes, link{label, t}), "Recorded by mistake, or the deal changed since? Change it:"
	}
	if l.Stage == lead.StageSAL || l.Stage == lead.StageSQL {
		// Signed for the rep the link names; a reject link (opened after
		// accepting) names a reason instead: for the rep who holds the deal.
		rep := c.Extra
		if action == links.ActionReject && l.Deal != nil {
			rep = l.Deal.Rep
		}
		for _, a := range []struct{ action, label string }{{links.ActionSQL, "Qualified opportunity (SQL)"}, {links.ActionWon, "Won"}, {links.ActionLost, "Lost"}} {
			if lead.Stage(a.action) == l.Stage || a.action == action {
				continue // the stage it has, or the form this page is
			}
			// Outcome links live as long as the outcome horizon, not the
			// alert's accept link.
			t := links.FeedbackToken(h.Keys, l.ID, a.action, rep, now, l.OutcomesUntil(h.Rules.Outcomes().Horizon, now))
			v.Outcomes = append(v.Outcomes, link{a.label, t})
		}
	}
	return v
}

const pageSource = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{{if .Done}}{{.Head}}{{else}}{{if .Invalid}}Error: {{end}}{{.Title}}{{end}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:1.5rem auto;padding:0 1rem;line-height:1.5;color:#1d2433}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .8rem}
.card{background:#f5f7fb;border-radius:10px;padding:1rem 1.2rem;margin:1rem 0;overflow-wrap:anywhere}dt{font-weight:600}dd{margin:0 0 .4rem}
.summary p{margin:0}.summary .who{font-size:1.1rem}.summary p.note{margin-top:.5rem}
h2{font-size:1.05rem;margin:0 0 .5rem}dd.answer{white-space:pre-wrap;overflow-wrap:anywhere}
button{border:0;padding:.8rem 1.4rem;border-radius:6px;font-size:1rem;cursor:pointer;color:#fff;background:#1a7f46}
button.reject{background:#b42318}textarea{width:100%;box-sizing:border-box;font:inherit}.msg{font-weight:600}
input{font:inherit;padding:.4rem .6rem;border:1px solid #7d8797;border-radius:6px}textarea{padding:.4rem .6rem;border:1px solid #7d8797;border-radius:6px}
.msg.bad{color:#b42318;background:#fdecea;border-radius:6px;padding:.6rem .8rem}
.details{margin-top:2rem}
a.btn{display:inline-block;margin:.2rem .4rem .2rem 0;padding:.5rem .9rem;border-radius:6px;background:#2957d8;color:#fff;text-decoration:none}</style>
</head><body><main>
<h1>{{if .Done}}{{.Head}}{{else}}{{.Title}}{{end}}</h1>
{{if and .Done .More}}<p class="msg">{{.More}}</p>{{end}}
{{if and .Message (not .Done) (not .Posted)}}<p class="msg">{{.Message}}</p>{{end}}
{{if .Steps}}<h2>What you can do</h2><ul>{{range .Steps}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .Lead}}<div class="card summary"><p><strong class="who">{{if .Name}}{{.Name}}{{else}}{{.Email}}{{end}}</strong>
{{if or .JobTitle .Company}}<br>{{.JobTitle}}{{if and .JobTitle .Company}} at {{end}}{{.Company}}{{end}}
{{if $.Headline}}<br>{{$.Headline}}{{end}}{{if $.Due}}<br>{{$.DueLabel}} {{$.Due}}{{end}}</p>
{{if $.Changed}}<p class="note">Later forms for this address changed some details: see <a href="#changed">Changed since the first form</a> below.</p>{{end}}
</div>{{end}}
{{if eq .Action "release_all"}}{{if .Held}}<div class="card"><h2>{{len .Held}} held {{if eq (len .Held) 1}}alert{{else}}alerts{{end}}</h2><p>Flood control held these hot leads' alerts. Release them if they are real (a launch, not a script): each goes to a rep as usual, with its deadline.</p><ul>
{{range .Held}}<li>{{or .Name "(no name)"}}{{if .Company}}, {{.Company}}{{end}}</li>{{end}}</ul></div>{{end}}
{{if .NotListed}}<p>{{.NotListed}} more were held beyond what the window lists; they cannot be released from here.</p>{{end}}
{{if and .Held (not .Done)}}<form method="post"><p><button type="submit">Release all {{len .Held}} to sales</button></p></form>{{end}}{{end}}
{{if .FreshButton}}<form method="post"><input type="hidden" name="{{.FreshField}}" value="1">
<p><button type="submit">Send me a fresh link</button></p></form>{{end}}
{{if and .Lead (not .Done)}}<form method="post">
{{if .Posted}}<p class="msg bad" id="problem">{{.Message}}</p>
{{end}}{{if eq .Action "reject"}}<p>Reason: <strong>{{.ReasonLabel}}</strong></p>
<label for="comment">Comment for marketing (optional)</label><textarea id="comment" name="comment" rows="3" maxlength="1000"{{if eq $.Invalid "comment"}} aria-invalid="true" aria-describedby="problem" autofocus{{end}}>{{index .Posted "comment"}}</textarea>
<p><button class="reject" type="submit">Reject</button></p>
{{else if eq .Action "won"}}<p><label for="amount">Deal amount (optional)</label><br>
<input id="amount" name="amount" inputmode="decimal" placeholder="12500" value="{{index .Posted "amount"}}"{{if eq $.Invalid "amount"}} aria-invalid="true" aria-describedby="problem" autofocus{{end}}> <input id="currency" name="currency" value="{{or (index .Posted "currency") .Currency}}" size="4" maxlength="3" aria-label="Currency"{{if eq $.Invalid "currency"}} aria-invalid="true" aria-describedby="problem" autofocus{{end}}></p>
<p><label for="closed_at">Closed on</label><br><input id="closed_at" name="closed_at" type="date" value="{{or (index .Posted "closed_at") .Today}}"{{if eq $.Invalid "closed_at"}} aria-invalid="true" aria-describedby="problem" autofocus{{end}}></p>
<label for="comment">Comment (optional)</label><textarea id="comment" name="comment" rows="2" maxlength="1000"{{if eq $.Invalid "comment"}} aria-invalid="true" aria-describedby="problem" autofocus{{end}}>{{index .Posted "comment"}}</textarea>
<p><button type="submit">Mark won</button></p>
{{else if eq .Action "lost"}}<label for="comment">Why was it lost? (optional)</label><textarea id="comment" name="comment" rows="2" maxlength="1000"{{if eq $.Invalid "comment"}} aria-invalid="true" aria-describedby="problem" autofocus{{end}}>{{index .Posted "comment"}}</textarea>
<p><button type="submit">Mark lost</button></p>
{{else}}<p><button type="submit">{{if eq .Action "accept"}}Accept{{else if eq .Action "release"}}Release to sales{{else if eq .Action "sql"}}Mark as SQL{{else}}Confirm{{end}}</button></p>{{end}}
</form>{{end}}
{{if .Outcomes}}<p>{{or .OutcomesIntro "Later, record how it went:"}}</p><p>{{range .Outcomes}}<a class="btn" href="{{.URL}}">{{.Label}}</a>{{end}}</p>{{end}}
{{with .Lead}}<div class="details">
<div class="card"><h2>Contact, score and stage</h2><dl>
<dt>Email</dt><dd>{{.Email}}{{if .Phone}} · {{.Phone}}{{end}}</dd>
{{if or $.Grade $.Reasons}}<dt>{{or $.Grade "Score"}}</dt><dd>{{range $.Reasons}}{{.}}<br>{{end}}</dd>{{end}}
<dt>Stage</dt><dd>{{.Stage.Label}}</dd>
{{if $.Due}}<dt>{{$.DueLabel}}</dt><dd>{{$.Due}}</dd>{{end}}
{{range $.Times}}<dt>{{.Key}}</dt><dd>{{.Value}}</dd>{{end}}
</dl></div>
{{if $.Changed}}<div class="card" id="changed"><h2>Changed since the first form</h2><p>Later forms for this address said otherwise; anyone who knows an address can send one.</p><dl>
{{range $.Changed}}<dt>{{.Key}}</dt><dd class="answer">{{.Value}}</dd>{{end}}
</dl></div>{{end}}
{{if $.Answers}}<div class="card"><h2>What they told us</h2><dl>
{{range $.Answers}}<dt>{{.Key}}</dt><dd class="answer">{{.Value}}</dd>{{end}}
</dl></div>{{end}}
{{if $.Source}}<div class="card"><h2>Where they came from</h2><dl>
{{range $.Source}}<dt>{{.Key}}</dt><dd class="answer">{{.Value}}</dd>{{end}}
</dl></div>{{end}}
</div>{{end}}
</main></body></html>`

var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("feedback").Parse(pageSource))
})

// policy lets the page use its <style> and post its form back to its own
// URL; the URL is a signed token, so it goes to no one as a referrer.
var policy = httpapi.Policy{Styles: httpapi.Styles(pageSource), FormAction: []string{"'self'"}, Referrer: httpapi.NoReferrer}

func render(status int, v view) httpapi.Response {
	v.Head, v.More = headline(v.Message)
	var b bytes.Buffer
	if err := page().Execute(&b, v); err != nil {
		return httpapi.Page(http.StatusInternalServerError, "internal error", httpapi.Policy{Referrer: httpapi.NoReferrer}, nil)
	}
	return httpapi.Page(status, b.String(), policy, nil)
}

// headline splits an answered page's message into its first sentence,
// the page's heading and title, and the rest, said below it. A sentence
// ends at ". " outside parentheses, after more than one letter (an
// initial such as "Ana B. Smith" does not end one).
func headline(msg string) (head, rest string) {
	depth := 0
	for i, r := range msg {
		switch r {
		case '(':
			depth++
		case ')':
			depth = max(depth-1, 0)
		case '.':
			if depth > 0 || !strings.HasPrefix(msg[i:], ". ") {
				continue
			}
			word := msg[strings.LastIndexAny(msg[:i], " (")+1 : i]
			if utf8.RuneCountInString(word) > 1 {
				return msg[:i+1], strings.TrimSpace(msg[i+2:])
			}
		}
	}
	return msg, ""
}
