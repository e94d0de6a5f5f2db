package httpapitest

import (
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/httpapi"
)

func TestPageProblems(t *testing.T) {
	policy := httpapi.Policy{Styles: []string{"p{}"}, FormAction: []string{"https://api.example.com"}}
	tests := []struct {
		name, page string
		policy     httpapi.Policy
		problem    string // "" for none
	}{
		{"fine", `<style>p{}</style><form method="post" action="https://api.example.com/leads"><input name="x"></form>`, policy, ""},
		{"a style it does not allow", `<style>p{color:red}</style>`, policy, "a <style> style-src does not allow"},
		{"a style attribute", `<p style="color:red">x</p>`, policy, "an inline style or event handler"},
		{"an event handler", `<button onclick="go()">x</button>`, policy, "an inline style or event handler"},
		{"a script", `<script>alert(1)</script>`, policy, "an element that loads"},
		{"an image", `<img src="https://x.example/a.png">`, policy, "an element that loads"},
		{"a form to another origin", `<form action="https://evil.example/x">`, policy, "a form posting to https://evil.example"},
		{"a form to itself without 'self'", `<form method="post">`, policy, "a form posting to 'self'"},
		{"no form-action at all", `<form method="post">`, httpapi.Policy{}, "a form posting to 'self'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(PageProblems(httpapi.Page(200, tt.page, tt.policy, nil)), "\n")
			if (tt.problem == "") != (got == "") || !strings.Contains(got, tt.problem) {
				t.Fatalf("problems %q, want %q", got, tt.problem)
			}
		})
	}
	if got := PageProblems(httpapi.Response{StatusCode: 200, Body: "<p>x</p>", Headers: map[string]string{"Content-Type": "text/html"}}); len(got) != 3 {
		t.Fatalf("a page without the headers: %q, want CSP, nosniff and Referrer-Policy missing", got)
	}
}

func TestFraming(t *testing.T) {
	if Framing(httpapi.HTML(200, "", nil)) || !Framing(httpapi.Page(200, "", httpapi.Policy{Frameable: true}, nil)) {
		t.Fatal("Framing misreads the headers")
	}
}

func TestAccessibilityProblems(t *testing.T) {
	const head = `<!doctype html><html lang="en"><head><title>T</title></head><body>`
	tests := []struct {
		name, page string
		problem    string // "" for none
	}{
		{"fine", head + `<main><h1>A</h1><h2>B</h2><h3>C</h3><h2>D</h2><form><label for="c">Comment</label><textarea id="c" name="c"></textarea>` +
			`<label><input type="checkbox" name="x"> Yes</label><input name="cur" aria-label="Currency"><input type="hidden" name="h"><button>Send</button></form><a href="/">Home</a></main></body></html>`, ""},
		{"no lang", `<!doctype html><html><head><title>T</title></head><body><main><h1>A</h1></main></body></html>`, "no lang attribute"},
		{"no title", `<!doctype html><html lang="en"><body><main><h1>A</h1></main></body></html>`, "no <title>"},
		{"no main", head + `<h1>A</h1></body></html>`, "0 <main> landmarks"},
		{"two mains", head + `<main><h1>A</h1></main><main></main></body></html>`, "2 <main> landmarks"},
		{"no h1", head + `<main><h2>A</h2></main></body></html>`, "not the page's h1"},
		{"two h1s", head + `<main><h1>A</h1><h1>B</h1></main></body></html>`, "2 <h1> headings"},
		{"a skipped level", head + `<main><h1>A</h1><h3>B</h3></main></body></html>`, "skips a level: h3"},
		{"an unlabelled field", head + `<main><h1>A</h1><form><input name="amount"></form></main></body></html>`, `without a label: <input name="amount">`},
		{"a label for another field", head + `<main><h1>A</h1><form><label for="x">X</label><textarea id="y" name="y"></textarea></form></main></body></html>`, "without a label: <textarea"},
		{"an empty button", head + `<main><h1>A</h1><form><button></button></form></main></body></html>`, "a <button> with no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(AccessibilityProblems(tt.page), "\n")
			if (tt.problem == "") != (got == "") || !strings.Contains(got, tt.problem) {
				t.Fatalf("problems %q, want %q", got, tt.problem)
			}
		})
	}
}
