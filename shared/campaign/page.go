package campaign

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"
)

// PageData is what one page view knows besides the campaign.
type PageData struct {
	Action      string // where the form posts: the API's /leads
	LandingPage string // this page's address, absolute http(s)
	Referrer    string // the page the visitor came from, absolute http(s)
	// UTM holds utm_source, utm_medium, utm_campaign, utm_term and
	// utm_content from the page's query; other keys are ignored.
	UTM map[string]string
	// Idem is this page view's idempotency token (at most 255 bytes): a
	// double-clicked submit or a re-post stores the lead once. It also
	// seeds the variant when Variant is the zero value.
	Idem string
	// Variant selects the offer shown, by its ID (e.g. from a link's
	// ?variant=b); the zero Variant means PickVariant(Idem).
	Variant Variant
	// Framed renders the page to be shown in another site's iframe (the
	// embed snippet): compact, and the form posts with target="_top" so
	// the thank-you page (or the refusal page) fills the window, not the
	// frame.
	Framed bool
	// Refused shows the page again after the API refused a post of its
	// form (nil: the page as first shown): the answers as posted and
	// each problem next to its field, in a summary at the top too.
	Refused *Refused
}

// Refused is a refused post of a campaign's form: what it carried and
// why the API refused it.
type Refused struct {
	Values   url.Values // the post; the last value of a name counts
	Problems []FieldProblem
}

// FieldProblem is one reason the API refused a post: Field as the API names
// it (email, company_size, answers.crm).
type FieldProblem struct{ Field, Reason string }

// UTMFields are the UTM parameters a page carries into the form.
var UTMFields = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}

// maxIdem is the capture API's limit on an idempotency key.
const maxIdem = 255

// RenderPage writes the campaign's hosted landing page: a complete HTML5
// page with the variant's headline, offer and call to action and the form
// posting to p.Action, without JavaScript or anything loaded from
// elsewhere. A paused campaign gets a short "this offer has ended" page and
// no form. Page context the API would refuse (a referrer that is not an
// http(s) address, an over-long UTM value) is left out rather than sent,
// so it cannot cost the lead.
func (c *Campaign) RenderPage(w io.Writer, p PageData) error {
	if c.Status == Paused {
		return pageTemplate().ExecuteTemplate(w, "ended", pageView{CSS: pageCSS, Headline: "This offer has ended"})
	}
	if p.Action == "" {
		return errors.New("campaign: PageData.Action is empty (the API's /leads address)")
	}
	if len(p.Idem) > maxIdem {
		return fmt.Errorf("campaign: idempotency token is %d bytes, the API accepts at most %d", len(p.Idem), maxIdem)
	}
	v := c.PickVariant(p.Idem)
	if p.Variant.ID != "" {
		var ok bool
		if v, ok = c.Variant(p.Variant.ID); !ok {
			return fmt.Errorf("%w %q in campaign %s", ErrUnknownVariant, p.Variant.ID, c.ID)
		}
	}
	var hidden []hiddenField
	add := func(name, value string, ok bool) {
		if ok && value != "" {
			hidden = append(hidden, hiddenField{name, value})
		}
	}
	add("_idem", p.Idem, true)
	add("landing_page", p.LandingPage, absoluteURL(p.LandingPage))
	add("referrer", p.Referrer, absoluteURL(p.Referrer))
	for _, k := range UTMFields {
		val := strings.TrimSpace(p.UTM[k])
		add(k, val, utf8.ValidString(val) && !hasControl(val, false) && utf8.RuneCountInString(val) <= 200)
	}
	f := c.form(false, p.Action, v, hidden)
	headline := v.Headline
	if p.Refused != nil {
		c.refuse(&f, *p.Refused)
		headline = "Error: " + headline // what a tab and a screen reader say first
	}
	if p.Framed {
		f.Target = "_top"
	}
	return pageTemplate().ExecuteTemplate(w, "page", pageView{
		CSS:      pageCSS,
		Title:    headline,
		Headline: v.Headline,
		Offer:    v.Offer,
		Framed:   p.Framed,
		Form:     f,
	})
}

// RenderNotFound writes the page of a campaign address that leads
// nowhere (an ended or mistyped campaign's link), styled as the campaign
// pages: it says so and, when home is not "", links back to that site
// (absolute http(s), which the caller vouches for), named by its host.
func RenderNotFound(w io.Writer, home string) error {
	v := missingView{CSS: pageCSS, Headline: "Page not found"}
	if u, err := url.Parse(home); err == nil && absoluteURL(home) {
		v.Home, v.HomeName = home, u.Host
	}
	return pageTemplate().ExecuteTemplate(w, "missing", v)
}

type missingView struct {
	CSS            template.CSS
	Title          string
	Headline       string
	Home, HomeName string
}

// PageStyles are the texts of the <style> elements RenderPage writes,
// for the page's Content-Security-Policy (httpapi.Policy.Styles): the
// page needs no other style, script, image or font.
func PageStyles() []string { return []string{string(pageCSS)} }

type pageView struct {
	CSS      template.CSS
	Title    string // the page's <title>: its Headline, unless it says more
	Headline string
	Offer    string
	Framed   bool
	Form     formView
}

const pageTmpl = `{{define "head"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex">
<title>{{or .Title .Headline}}</title>
<style>{{.CSS}}</style>
</head>
{{end}}
{{define "page"}}{{template "head" .}}<body>
<main class="lf-page{{if .Framed}} lf-framed{{end}}">
<h1>{{.Headline}}</h1>
{{if .Offer}}<p class="lf-offer">{{.Offer}}</p>
{{end}}<div class="lf-card">
{{template "form" .Form}}</div>
</main>
</body>
</html>
{{end}}
{{define "missing"}}{{template "head" .}}<body>
<main class="lf-page lf-ended">
<h1>Page not found</h1>
<p class="lf-offer">There is no such page. Check the link you followed: this campaign may have ended.</p>
{{if .Home}}<p class="lf-thanks"><a class="lf-back" href="{{.Home}}">Back to {{.HomeName}}</a></p>
{{end}}</main>
</body>
</html>
{{end}}
{{define "ended"}}{{template "head" .}}<body>
<main class="lf-page lf-ended">
<h1>This offer has ended</h1>
<p class="lf-offer">Thank you for your interest. This campaign is no longer running.</p>
</main>
</body>
</html>
{{end}}`

var pageTemplate = sync.OnceValue(newPageTemplate)

func newPageTemplate() *template.Template { return template.Must(newFormTemplate().Parse(pageTmpl)) }

// refuse fills f in as the post r carried it and marks each control the
// API refused, listing every problem in the form's order (problems with
// no control of the form, e.g. a hidden field's, last).
func (c *Campaign) refuse(f *formView, r Refused) {
	last := func(name string) string {
		vs := r.Values[name]
		if len(vs) == 0 {
			return ""
		}
		return vs[len(vs)-1]
	}
	// the field name the API uses for a control: answers[crm] → answers.crm
	apiName := func(input string) string {
		if k, ok := strings.CutPrefix(input, "answers["); ok {
			return "answers." + strings.TrimSuffix(k, "]")
		}
		return input
	}
	reasons := map[string]string{}
	for _, p := range r.Problems {
		if _, ok := reasons[p.Field]; !ok {
			reasons[p.Field] = p.Reason
		}
	}
	listed := map[string]bool{}
	for i := range f.Controls {
		ct := &f.Controls[i]
		ct.Value = last(ct.Name)
		for j := range ct.Choices {
			ct.Choices[j].Checked = ct.Value != "" && ct.Choices[j].Value == ct.Value
		}
		field := apiName(ct.Name)
		reason, ok := reasons[field]
		if !ok {
			continue
		}
		ct.Error, listed[field] = reason, true
		target := ct.ID
		if ct.Kind == "radio" && len(ct.Choices) > 0 {
			target = ct.Choices[0].ID
		}
		f.Problems = append(f.Problems, problemView{Text: ct.Label + ": " + reason, Href: "#" + target})
	}
	for _, p := range r.Problems {
		if !listed[p.Field] {
			listed[p.Field] = true
			f.Problems = append(f.Problems, problemView{Text: c.Label(p.Field) + ": " + p.Reason})
		}
	}
	f.Checked = last("consent") == "true"
}
