package capture

import (
	"bytes"
	"html/template"
	"net/url"

	"github.com/leadflow/leadflow/shared/httpapi"
)

// errorTmpl is shown to a person whose plain HTML form post was refused:
// it names every problem and links back to the form.
const errorSource = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Please check the form</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}li{margin:.25rem 0}</style>
</head><body>
<h1>Please check the form</h1>
{{if .Fields}}<p>Some answers need another look:</p>
<ul>{{range .Fields}}<li><strong>{{.Field}}</strong>: {{.Reason}}</li>{{end}}</ul>
{{else}}<p>{{.Error}}</p>{{end}}
{{if .Back}}<p><a href="{{.Back}}">Back to the form</a></p>{{else}}<p>Use your browser's Back button to return to the form; your answers are still there.</p>{{end}}
<p><small>Reference: {{.RequestID}}</small></p>
</body></html>`

var errorTmpl = template.Must(template.New("error").Parse(errorSource))

// errorPolicy lets the error page use its own <style> and nothing else;
// its only way out is a link.
var errorPolicy = httpapi.Policy{Styles: httpapi.Styles(errorSource)}

func errorPage(p problem, back string) string {
	var b bytes.Buffer
	data := struct {
		problem
		Back string
	}{p, back}
	if err := errorTmpl.Execute(&b, data); err != nil {
		return "Please check the form and try again."
	}
	return b.String()
}

// backLink is the page the form was on when the browser says so and it is a
// web address; otherwise none, and the page points at the Back button.
func backLink(req httpapi.Request) string {
	if ref := httpapi.Header(req, "referer"); ref != "" {
		if u, err := url.Parse(ref); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			return u.String()
		}
	}
	return ""
}
