// Package landing serves the local stack's demo landing page: a plain HTML
// lead form (no JavaScript needed) that posts straight to POST /leads, with
// the page's UTM parameters, landing page, referrer and an idempotency
// token carried in hidden fields, and a honeypot hidden from people.
package landing

import (
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"

	"github.com/leadflow/leadflow/shared/campaign"
)

var page = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>leadflow — demo landing page</title>
<style>
body{font-family:system-ui,sans-serif;background:#f5f7fb;margin:0;color:#1d2433}
main{max-width:40rem;margin:2rem auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0001}
h1{margin-top:0}label{display:block;font-weight:600;margin:.9rem 0 .25rem}
input,select,textarea{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #7d8797;border-radius:6px;font:inherit}
.row{display:grid;grid-template-columns:1fr 1fr;gap:0 1rem}.consent{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}
.consent input{width:auto;margin-top:.3rem}button{margin-top:1.2rem;background:#2957d8;color:#fff;border:0;padding:.8rem 1.4rem;border-radius:6px;font-size:1rem;cursor:pointer}
fieldset{border:0;margin:0;padding:0}legend{font-weight:600;padding:0;margin:.9rem 0 .35rem}
.choices{display:flex;flex-wrap:wrap;gap:.5rem}.choices label{display:inline-flex;gap:.45rem;align-items:center;margin:0;padding:.45rem .85rem;border:1px solid #7d8797;border-radius:999px;font-weight:400;cursor:pointer}
.choices input{width:auto;margin:0}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}small{color:#5a6472}
.req{color:#b42318}.note{margin:.9rem 0 0}
</style></head><body><main>
<h1>See leadflow on your own funnel</h1>
<p>Tell us a little about your team: book a demo, get our newsletter, or download the speed-to-lead benchmark.</p>
<form method="post" action="{{.Action}}">
<fieldset><legend>What would you like?</legend><div class="choices">
{{range .Choices}}<label for="form_type_{{.Value}}"><input type="radio" id="form_type_{{.Value}}" name="form_type" value="{{.Value}}"{{if .Checked}} checked{{end}} required> {{.Label}}</label>
{{end}}</div></fieldset>
<p class="note"><small>Fields marked * are required.</small></p>
<label for="email">Work email<span class="req" aria-hidden="true"> *</span></label><input id="email" name="email" type="email" maxlength="254" required autocomplete="email">
<div class="row"><div><label for="name">Name{{template "star" .Req.name}}</label><input id="name" name="name" maxlength="200" autocomplete="name"{{template "req" .Req.name}}></div>
<div><label for="company">Company{{template "star" .Req.company}}</label><input id="company" name="company" maxlength="200" autocomplete="organization"{{template "req" .Req.company}}></div></div>
<div class="row"><div><label for="job_title">Job title{{template "star" .Req.job_title}}</label><input id="job_title" name="job_title" maxlength="200" autocomplete="organization-title"{{template "req" .Req.job_title}}></div>
<div><label for="country">Country (2 letters){{template "star" .Req.country}}</label><input id="country" name="country" maxlength="2" placeholder="DE"{{template "req" .Req.country}}></div></div>
<div class="row"><div><label for="company_size">Company size{{template "star" .Req.company_size}}</label><select id="company_size" name="company_size"{{template "req" .Req.company_size}}>
<option value="">Select…</option><option>1-10</option><option>11-50</option><option>51-200</option><option>201-1000</option><option>1000+</option></select></div>
<div><label for="budget">Budget{{template "star" .Req.budget}}</label><select id="budget" name="budget"{{template "req" .Req.budget}}><option value="">Select…</option>
<option>under $5k</option><option>$5k-$20k</option><option>$20k-$100k</option><option>$100k+</option></select></div></div>
<label for="timeline">When do you want to start?{{template "star" .Req.timeline}}</label><select id="timeline" name="timeline"{{template "req" .Req.timeline}}><option value="">Select…</option>
<option>this quarter</option><option>next quarter</option><option>this year</option><option>just researching</option></select>
<label for="crm">Which CRM do you use?{{template "star" (index .Req "answers.crm")}}</label><input id="crm" name="answers[crm]" maxlength="1000"{{template "req" (index .Req "answers.crm")}}>
<label for="message">Anything we should know? (e.g. what a demo should cover){{template "star" .Req.message}}</label><textarea id="message" name="message" rows="3" maxlength="5000"{{template "req" .Req.message}}></textarea>
<label class="consent" for="consent"><input type="checkbox" id="consent" name="consent" value="true"> <span>Send me occasional product news. I can unsubscribe at any time.</span></label>
<p class="privacy"><a href="{{.Privacy}}" target="_blank" rel="noopener">Privacy notice</a></p>
<div class="hp" aria-hidden="true"><label for="fax">Leave this empty</label><input id="fax" name="fax" tabindex="-1" autocomplete="off"></div>
<input type="hidden" name="consent_text_version" value="2026-09">
<input type="hidden" name="_idem" value="{{.Idem}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button type="submit">Send</button>
<p><small>Demo page of the local stack. Try <a href="?utm_source=linkedin&amp;utm_medium=paid_social&amp;utm_campaign=q4-demo&amp;campaign=q4-demo&amp;variant=b">a campaign link</a>.</small></p>
</form></main>
<script src="/t/s.js" async></script></body></html>
{{define "star"}}{{if .}}<span class="req" aria-hidden="true"> *</span>{{end}}{{end}}{{define "req"}}{{if .}} required{{end}}{{end}}`))

// Choice is one answer to "What would you like?": the form_type it posts
// (a qualification signal, form:<type>, in shared/qualify/default.yaml).
type Choice struct {
	Value, Label string
	Checked      bool
}

// Choices are the paths the README walks through: a demo request (40
// engagement points: hot for a good fit), the newsletter (3) and a content
// download (8), which leave even a good fit cold, for nurturing.
var Choices = []Choice{
	{"demo_request", "Book a demo", true},
	{"newsletter", "Subscribe to the newsletter", false},
	{"content_download", "Download the speed-to-lead benchmark", false},
}

// Handler serves the landing page at "/"; action is where the form posts
// (the API's /leads, which redirects to the API's thank-you pages).
//
// privacyURL is the privacy notice linked beside the consent checkbox
// (the stack's PRIVACY_NOTICE_URL). required, when not nil, names the
// fields a campaign's form requires (as the capture API names them:
// company, company_size, answers.crm): a page opened with ?campaign=<id>
// marks those required, as the API refuses the post without them.
func Handler(action, privacyURL string, required func(campaign string) []string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		hidden := map[string]string{}
		q := r.URL.Query()
		for _, k := range []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "campaign", "variant"} {
			if v := q.Get(k); v != "" {
				hidden[k] = v
			}
		}
		hidden["landing_page"] = absolute(r).String()
		if ref := r.Referer(); ref != "" {
			hidden["referrer"] = ref
		}
		req := map[string]bool{}
		if c := q.Get("campaign"); c != "" && required != nil {
			for _, f := range required(c) {
				req[f] = true
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"Action": action, "Idem": token(), "Hidden": hidden, "Privacy": privacyURL, "Choices": Choices, "Req": req})
	})
	return mux
}

// RequiredBy is what each live campaign of set requires, for Handler: the
// rule the capture API applies to posts naming the campaign.
func RequiredBy(set *campaign.Set) func(string) []string {
	return func(id string) []string {
		c, ok := set.Get(id)
		if !ok || c.Status != campaign.Live {
			return nil
		}
		return c.Missing(nil, nil) // with nothing filled in, every required field
	}
}

func absolute(r *http.Request) *url.URL {
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	return &u
}

// token is a fresh idempotency key per page view: a double-clicked submit
// or a browser re-post of the same page stores the lead once.
func token() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
