// Package linkpage renders the one-message pages behind the signed links
// people get by email (unsubscribe, confirm a subscription): a title, a
// paragraph and, on the page a GET shows, one button that posts back to
// the page's own URL, so that link scanners which prefetch URLs change
// nothing. The URL is a signed token: the page sends no referrer.
package linkpage

import (
	"bytes"
	"html/template"
	"net/http"
	"sync"

	"github.com/leadflow/leadflow/shared/httpapi"
)

// Page is one page: Button is the text of the button that posts back
// ("" shows none); Link, labelled LinkText, is a link under the text
// ("" shows none), an http(s) URL the caller vouches for.
type Page struct {
	Title, Body, Button string
	Link, LinkText      string
}

const source = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1d2433}
button{background:#2957d8;color:#fff;border:0;padding:.8rem 1.4rem;border-radius:6px;font-size:1rem;cursor:pointer}
a.go{display:inline-block;background:#2957d8;color:#fff;padding:.8rem 1.4rem;border-radius:6px;text-decoration:none}</style>
</head><body><main><h1>{{.Title}}</h1><p>{{.Body}}</p>
{{if .Button}}<form method="post"><button type="submit">{{.Button}}</button></form>{{end}}
{{if .Link}}<p><a class="go" href="{{.Link}}">{{.LinkText}}</a></p>{{end}}
</main></body></html>`

var tmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(source))
})

// policy lets the page use its <style> and post its button back to its
// own URL, and keeps the token in the URL from going out as a referrer.
var policy = httpapi.Policy{Styles: httpapi.Styles(source), FormAction: []string{"'self'"}, Referrer: httpapi.NoReferrer}

// Respond is the page as a response with its security headers.
func Respond(status int, p Page) httpapi.Response {
	var b bytes.Buffer
	if err := tmpl().Execute(&b, p); err != nil {
		return httpapi.Page(http.StatusInternalServerError, "internal error", httpapi.Policy{Referrer: httpapi.NoReferrer}, nil)
	}
	return httpapi.Page(status, b.String(), policy, nil)
}
