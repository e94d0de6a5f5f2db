package capture

import (
	"bytes"
	"cmp"
	"html/template"
	"math"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
)

// errorSource is shown to a person whose plain HTML form post was
// refused: it names every problem by the label the person saw on the
// form and links back to it.
const errorSource = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Heading}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1d2433}li{margin:.25rem 0}a{color:#2957d8}</style>
</head><body><main>
<h1>{{.Heading}}</h1>
{{if .Fields}}<p>Some answers need another look:</p>
<ul>{{range .Fields}}<li><strong>{{.Label}}</strong>: {{.Reason}}</li>{{end}}</ul>
{{else}}<p>{{.Error}}</p>{{end}}
{{if .Refused}}{{else if .Back}}<p>Your browser's Back button returns to the form with your answers still in it. This link opens it afresh: <a href="{{.Back}}">Back to the form</a></p>{{else}}<p>Use your browser's Back button to return to the form; your answers are still there.</p>{{end}}
{{if .Current}}<p>If the form you used has no place for an answer above (it may be an older copy), fill in the form on our own page instead: <a href="{{.Current}}">{{.Current}}</a></p>{{end}}
<p><small>Reference: {{.RequestID}}</small></p>
</main></body></html>`

var errorTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("error").Parse(errorSource))
})

// errorPolicy lets the error page use its own <style> and nothing else;
// its only way out is a link.
var errorPolicy = httpapi.Policy{Styles: httpapi.Styles(errorSource)}

type labelled struct{ Label, Reason string }

// Headings of the error page: answers to fix, or a form that was not
// sent at all (from a site not allowed to post, or while the database is
// down), where there is nothing to fix.
const (
	checkTheForm = "Please check the form"
	notSent      = "Your form was not sent"
)

// errorPage is the refusal page of a form post: each problem under the
// label of the field the person saw (the campaign form's own, when the
// post names a known campaign), and a link back to the form.
func (h *Handler) errorPage(p problem, req httpapi.Request) string {
	return h.page(p, req, checkTheForm, false)
}

// notSentPage is the page of a form post that was not stored: p.Error
// says why and what to do. refused: sending it again cannot help (the
// site may not post here), so the page offers no way back to the form.
func (h *Handler) notSentPage(p problem, req httpapi.Request, refused bool) string {
	return h.page(p, req, notSent, refused)
}

func (h *Handler) page(p problem, req httpapi.Request, heading string, refused bool) string {
	form := postedForm(req)
	var c *campaign.Campaign
	if h.Campaigns != nil {
		c, _ = h.Campaigns.Get(form.Get("campaign"))
	}
	data := struct {
		problem
		Fields        []labelled
		Heading, Back string
		Refused       bool
		// Current is the campaign's own page, when a required answer was
		// missing and the way back leads elsewhere: a copy of its form
		// pasted into a site before marketing required that answer has
		// no place for it, while the campaign's page has its form as it
		// is now.
		Current string
	}{problem: p, Heading: heading, Back: h.backLink(req, form, c), Refused: refused}
	// In the form's order, as the person met the fields (the API sorts
	// them by name); what the form does not ask after them. Without a
	// campaign file to say it (a site's own form), or among the fields
	// it does not ask, the order the browser posted them in, which is
	// the page's.
	fields := slices.Clone(p.Fields)
	posted := postedOrder(req)
	at := func(f lead.FieldError) int {
		if i := c.Position(f.Field); i >= 0 {
			return i
		}
		return math.MaxInt
	}
	in := func(f lead.FieldError) int {
		if i, ok := posted[f.Field]; ok {
			return i
		}
		return math.MaxInt
	}
	slices.SortStableFunc(fields, func(a, b lead.FieldError) int { return cmp.Or(cmp.Compare(at(a), at(b)), cmp.Compare(in(a), in(b))) })
	for _, f := range fields {
		data.Fields = append(data.Fields, labelled{c.Label(f.Field), f.Reason})
		if f.Reason == reasonRequired && f.Field != "email" && c != nil && c.Status == campaign.Live && !refused { // every copy of the form asks the email
			data.Current = h.baseURL(req) + "/c/" + url.PathEscape(c.ID)
		}
	}
	if !web(data.Current) || sameOrUnder(data.Back, data.Current) {
		data.Current = "" // reopened, the way back is that page, or its frame
	}
	var b bytes.Buffer
	if err := errorTmpl().Execute(&b, data); err != nil {
		return "Please check the form and try again."
	}
	return b.String()
}

// refusedPage is the campaign's hosted page shown again for a post of its
// form the API refused (answers to fix): the answers as typed, each
// problem next to its field and in a summary at the top (campaign
// RenderPage with Refused). Only for a post from that page, or its
// frame, as the browser names it in the Referer: a form elsewhere (a
// site's own, the demo landing page) gets the error page, which links
// back to it. ok is false when it does not apply.
func (h *Handler) refusedPage(p problem, req httpapi.Request) (page string, policy httpapi.Policy, ok bool) {
	if len(p.Fields) == 0 || h.Campaigns == nil {
		return "", httpapi.Policy{}, false
	}
	form := postedForm(req)
	c, found := h.Campaigns.Get(form.Get("campaign"))
	if !found || c.Status != campaign.Live {
		return "", httpapi.Policy{}, false
	}
	own := h.baseURL(req) + "/c/" + url.PathEscape(c.ID)
	if referer := httpapi.Header(req, "referer"); !web(own) || !web(referer) || !sameOrUnder(referer, own) {
		return "", httpapi.Policy{}, false
	}
	utm := map[string]string{}
	for _, k := range campaign.UTMFields {
		utm[k] = form.Get(k)
	}
	v, _ := c.Variant(form.Get("variant")) // a variant retired since: drawn again
	refused := &campaign.Refused{Values: form}
	for _, f := range p.Fields {
		refused.Problems = append(refused.Problems, campaign.FieldProblem{Field: f.Field, Reason: f.Reason})
	}
	var b bytes.Buffer
	// The post's own page context (landing page, referrer, UTM, its page
	// view's token: the corrected answers are another body, so another
	// submission); RenderPage leaves out what it would refuse again.
	err := c.RenderPage(&b, campaign.PageData{Action: h.baseURL(req) + "/leads", LandingPage: form.Get("landing_page"),
		Referrer: form.Get("referrer"), UTM: utm, Idem: form.Get("_idem"), Variant: v, Refused: refused})
	if err != nil {
		return "", httpapi.Policy{}, false
	}
	return b.String(), h.pagePolicy(req, c.ID), true
}

// postedForm is what a form post carried, as far as it parses (the
// campaign and landing page name the way back), each field with the one
// value decodeForm reads: the last. Get would otherwise answer the first,
// and a form naming a field twice would be read one way for the lead and
// another for its pages (a honeypot hit would land elsewhere than a
// person's post, telling the bot it was caught).
func postedForm(req httpapi.Request) url.Values {
	body, err := httpapi.Body(req, MaxBody)
	if err != nil {
		return url.Values{}
	}
	v, _ := url.ParseQuery(string(body)) // keeps what parsed
	for k, vs := range v {
		v[k] = vs[len(vs)-1:]
	}
	return v
}

// postedOrder is where each field first comes in the posted form body
// (browsers send them in the page's order), by the API's field names:
// answers[crm] is answers.crm.
func postedOrder(req httpapi.Request) map[string]int {
	body, err := httpapi.Body(req, MaxBody)
	if err != nil {
		return nil
	}
	order := map[string]int{}
	for i, pair := range strings.Split(string(body), "&") {
		k, _, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		if key, ok := strings.CutPrefix(name, "answers["); ok && strings.HasSuffix(key, "]") {
			name = "answers." + strings.TrimSuffix(key, "]")
		}
		if _, seen := order[name]; !seen {
			order[name] = i
		}
	}
	return order
}

// backLink is the way back to the form: the page the browser says the
// post came from, else the landing page the form names, else the
// campaign's hosted page. Those are web addresses; without any the page
// points at the Back button (the API's "/" may serve nothing at all). A
// Referer of an origin alone — what browsers send by default when the
// form is on another site than the API — names the site's home page, not
// the form's: it is the last resort.
func (h *Handler) backLink(req httpapi.Request, form url.Values, c *campaign.Campaign) string {
	referer := httpapi.Header(req, "referer")
	if web(referer) && !originOnly(referer) {
		return referer
	}
	if lp := form.Get("landing_page"); web(lp) {
		return lp
	}
	if c != nil {
		return h.baseURL(req) + "/c/" + url.PathEscape(c.ID)
	}
	if web(referer) {
		return referer
	}
	return ""
}

// sameOrUnder is whether web address s is page, or a path under it,
// whatever its query: /c/q4-demo?utm_source=ad and /c/q4-demo/form are
// under /c/q4-demo.
func sameOrUnder(s, page string) bool {
	u, err := url.Parse(s)
	p, err2 := url.Parse(page)
	return err == nil && err2 == nil && strings.EqualFold(u.Host, p.Host) &&
		(u.Path == p.Path || strings.HasPrefix(u.Path, p.Path+"/"))
}

// originOnly is whether a web address names a site's origin and nothing
// more: no path past "/", no query.
func originOnly(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Path == "" || u.Path == "/") && u.RawQuery == "" && !u.ForceQuery
}

// web is whether s is an absolute http(s) address.
func web(s string) bool {
	u, err := url.Parse(s)
	return s != "" && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
