package campaign

import (
	"html/template"
	"io"
	"net/url"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// ThankYou is what a campaign's hosted thank-you page (GET /c/<id>/thanks)
// says after a form post. Every part is optional: an empty Headline or
// Message takes the default, and without NextSteps the page offers only
// the way back to the campaign page.
type ThankYou struct {
	Headline  string
	Message   string // may hold several lines
	NextSteps []Link // e.g. a booking link, a recording
}

// Link is one next step offered on a thank-you page.
type Link struct {
	Label string
	// URL is absolute http(s), or a path on the API (starting with one
	// /, like /c/webinar-nov) that the page prefixes with the API's base.
	URL string
}

// maxNextSteps bounds a thank-you page's links: a page of links is not a
// next step.
const maxNextSteps = 5

func (p *parser) thankYou(c *Campaign, k, n *yaml.Node) {
	var t ThankYou
	p.Object(k, n, "thank_you",
		yamlconf.Optional("headline", func(_, v *yaml.Node) { t.Headline, _ = p.text(v, "thank_you.headline", maxHeadline, false) }),
		yamlconf.Optional("message", func(_, v *yaml.Node) { t.Message, _ = p.text(v, "thank_you.message", maxOffer, true) }),
		yamlconf.Optional("next_steps", func(k, v *yaml.Node) {
			if list := yamlconf.Resolve(v); list != nil && list.Kind == yaml.SequenceNode && len(list.Content) > maxNextSteps {
				p.Errf(k, "thank_you.next_steps: at most %d links, got %d", maxNextSteps, len(list.Content))
				return
			}
			p.List(v, "thank_you.next_steps", func(item *yaml.Node, path string) {
				var l Link
				labelOK, urlOK, urlLine := false, false, 0
				p.Object(item, item, path,
					yamlconf.Required("label", func(_, v *yaml.Node) { l.Label, labelOK = p.text(v, path+".label", maxCTA, false) }),
					yamlconf.Required("url", func(_, v *yaml.Node) { l.URL, urlOK = p.linkURL(v, path+".url"); urlLine = v.Line }),
				)
				if labelOK && urlOK {
					t.NextSteps = append(t.NextSteps, l)
					c.nextStepLines = append(c.nextStepLines, urlLine)
				}
			})
		}),
	)
	c.ThankYou = t
}

// linkURL reads a next step's address: absolute http(s), or a path on the
// API such as /c/webinar-nov.
func (p *parser) linkURL(n *yaml.Node, where string) (string, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return "", false
	}
	if !absoluteURL(s) && !apiPath(s) {
		p.Errf(n, "%s: must be an absolute http(s) URL such as https://www.example.com/book, or a path on this API such as /c/webinar-nov, got %s",
			where, yamlconf.Quote(s))
		return "", false
	}
	return s, true
}

// apiPath is a path on the API: one leading slash (// would be another
// host), no scheme, spaces or control characters.
func apiPath(s string) bool {
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && len(s) <= maxURL && !strings.Contains(s, `\`) &&
		!hasControl(s, false) && !strings.ContainsAny(s, " \t")
}

// ThanksData is what one thank-you page view knows besides the campaign.
type ThanksData struct {
	// Base is the API's public base URL ("" for the page's own origin):
	// the page links back to Base+"/c/<id>" and prefixes next steps given
	// as paths with it.
	Base string
	// Home is the site the visitor came from, absolute http(s) (e.g.
	// https://www.example.com/): the generic page (nil campaign) links
	// back to it; "" offers no link. The caller vouches for it.
	Home string
}

// RenderThanks writes the hosted thank-you page of a campaign, or with a
// nil c the API's generic one (GET /thanks, for posts of no known
// campaign): the campaign file's thank_you text, else a default that
// thanks the visitor, says what happens next and, for a ticked consent
// box, that a confirmation email is on its way (double opt-in; with
// single opt-in, for an address given before) — true whether or not the
// address was known, which the page never tells; nothing the visitor
// typed is shown. It looks like the campaign page and uses
// only its stylesheet (PageStyles).
func RenderThanks(w io.Writer, c *Campaign, d ThanksData) error {
	base := strings.TrimRight(d.Base, "/")
	v := thanksView{CSS: pageCSS, Headline: "Thank you!",
		Message: "We have received your details. If you asked us to get in touch, someone from our team will reply shortly."}
	mode := lead.ConsentDouble
	if c != nil {
		if c.ConsentMode != "" {
			mode = c.ConsentMode
		}
		if c.ThankYou.Headline != "" {
			v.Headline = c.ThankYou.Headline
		}
		if c.ThankYou.Message != "" {
			v.Message = c.ThankYou.Message
		}
		for _, l := range c.ThankYou.NextSteps {
			u := l.URL
			if apiPath(u) {
				u = base + u
			}
			v.Steps = append(v.Steps, Link{Label: l.Label, URL: u})
		}
		if c.Status == Live {
			v.Back = base + "/c/" + c.ID
		}
	} else if u, err := url.Parse(d.Home); err == nil && absoluteURL(d.Home) {
		v.Home, v.HomeName = d.Home, u.Host
	}
	if mode == lead.ConsentSingle {
		v.Consent = "If you ticked the box to hear from us, our emails will follow. Each one has a link to unsubscribe. If you gave us this address before, a confirmation email comes first: use the link in it."
	} else {
		v.Consent = "If you ticked the box to hear from us and are not subscribed yet, a confirmation email is on its way: our emails start once you use the link in it."
	}
	return thanksTemplate().ExecuteTemplate(w, "thanks", v)
}

type thanksView struct {
	CSS      template.CSS
	Title    string // "" : the Headline (the head template shared with the campaign page)
	Headline string
	Message  string
	Consent  string
	Steps    []Link
	Back     string
	Home     string
	HomeName string // Home's host, as the link says it
}

const thanksTmpl = `{{define "thanks"}}{{template "head" .}}<body>
<main class="lf-page">
<h1>{{.Headline}}</h1>
<p class="lf-offer">{{.Message}}</p>
<div class="lf-card">
<p class="lf-thanks">{{.Consent}}</p>
{{if .Steps}}<h2 class="lf-next">What you can do next</h2>
<ul class="lf-steps">
{{range .Steps}}<li><a class="lf-step" href="{{.URL}}">{{.Label}}</a></li>
{{end}}</ul>
{{end}}{{if .Back}}<p class="lf-thanks"><a class="lf-back" href="{{.Back}}">Back to the campaign page</a></p>
{{end}}{{if .Home}}<p class="lf-thanks"><a class="lf-back" href="{{.Home}}">Back to {{.HomeName}}</a></p>
{{end}}</div>
</main>
</body>
</html>
{{end}}`

// thanksTemplate shares the campaign page's head (its stylesheet, title
// and robots tag).
var thanksTemplate = sync.OnceValue(func() *template.Template { return template.Must(newPageTemplate().Parse(thanksTmpl)) })
