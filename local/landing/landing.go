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
)

var page = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Book a demo — leadflow demo</title>
<style>
body{font-family:system-ui,sans-serif;background:#f5f7fb;margin:0;color:#1d2433}
main{max-width:40rem;margin:2rem auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0001}
h1{margin-top:0}label{display:block;font-weight:600;margin:.9rem 0 .25rem}
input,select,textarea{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #b8c0cc;border-radius:6px;font:inherit}
.row{display:grid;grid-template-columns:1fr 1fr;gap:0 1rem}.consent{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}
.consent input{width:auto;margin-top:.3rem}button{margin-top:1.2rem;background:#2957d8;color:#fff;border:0;padding:.8rem 1.4rem;border-radius:6px;font-size:1rem;cursor:pointer}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}small{color:#5a6472}
</style></head><body><main>
<h1>See leadflow on your own funnel</h1>
<p>Tell us a little about your team and we will show you how fast your sales team can answer the right leads.</p>
<form method="post" action="{{.Action}}">
<label for="email">Work email *</label><input id="email" name="email" type="email" required autocomplete="email">
<div class="row"><div><label for="name">Name</label><input id="name" name="name" autocomplete="name"></div>
<div><label for="company">Company</label><input id="company" name="company" autocomplete="organization"></div></div>
<div class="row"><div><label for="job_title">Job title</label><input id="job_title" name="job_title" autocomplete="organization-title"></div>
<div><label for="country">Country (2 letters)</label><input id="country" name="country" maxlength="2" placeholder="DE"></div></div>
<div class="row"><div><label for="company_size">Company size</label><select id="company_size" name="company_size">
<option value="">Select…</option><option>1-10</option><option>11-50</option><option>51-200</option><option>201-1000</option><option>1000+</option></select></div>
<div><label for="budget">Budget</label><select id="budget" name="budget"><option value="">Select…</option>
<option>under $5k</option><option>$5k-$20k</option><option>$20k-$100k</option><option>$100k+</option></select></div></div>
<label for="timeline">When do you want to start?</label><select id="timeline" name="timeline"><option value="">Select…</option>
<option>this quarter</option><option>next quarter</option><option>this year</option><option>just researching</option></select>
<label for="crm">Which CRM do you use?</label><input id="crm" name="answers[crm]">
<label for="message">What should the demo cover?</label><textarea id="message" name="message" rows="3"></textarea>
<label class="consent"><input type="checkbox" name="consent" value="true"> <span>Send me occasional product news. I can unsubscribe at any time.</span></label>
<p class="privacy"><a href="{{.Privacy}}" target="_blank" rel="noopener">Privacy notice</a></p>
<div class="hp" aria-hidden="true"><label for="fax">Leave this empty</label><input id="fax" name="fax" tabindex="-1" autocomplete="off"></div>
<input type="hidden" name="consent_text_version" value="2026-09">
<input type="hidden" name="form_type" value="demo_request">
<input type="hidden" name="_idem" value="{{.Idem}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<button type="submit">Book my demo</button>
<p><small>Demo page of the local stack. Try <a href="?utm_source=linkedin&amp;utm_medium=paid_social&amp;utm_campaign=q4-demo&amp;campaign=q4-demo&amp;variant=b">a campaign link</a>.</small></p>
</form></main>
<script src="/t/s.js" async></script></body></html>`))

var thanks = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Thank you</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}</style></head>
<body><h1>Thank you!</h1><p>We received your request and will be in touch shortly.</p><p>If you asked for our emails, check your inbox: we sent you a link to confirm. Nothing is sent until you use it.</p>
<p><a href="/">Back to the landing page</a> · <a href="/_local/leads">See stored leads</a></p></body></html>`

// Handler serves the landing page at "/" and the thank-you page at
// "/thanks"; action is where the form posts (the API's /leads).
//
// privacyURL is the privacy notice linked beside the consent checkbox
// (the stack's PRIVACY_NOTICE_URL).
func Handler(action, privacyURL string) http.Handler {
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
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"Action": action, "Idem": token(), "Hidden": hidden, "Privacy": privacyURL})
	})
	mux.HandleFunc("GET /thanks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(thanks))
	})
	return mux
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
