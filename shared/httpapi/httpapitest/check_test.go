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
