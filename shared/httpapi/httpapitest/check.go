// Package httpapitest checks HTML responses against their own
// Content-Security-Policy, for the tests of every package that serves a
// page: what the policy would block, the page must not hold.
package httpapitest

import (
	"html"
	"regexp"
	"slices"
	"strings"

	"github.com/leadflow/leadflow/shared/httpapi"
)

var (
	styleRe     = regexp.MustCompile(`(?s)<style[^>]*>(.*?)</style>`)
	tagRe       = regexp.MustCompile(`(?s)<[a-zA-Z][^>]*>`)
	inlineAttr  = regexp.MustCompile(`(?i)\s(style|on[a-z]+)\s*=`)
	loadingTag  = regexp.MustCompile(`(?i)<(script|link|img|iframe|frame|object|embed|audio|video|source|base)[\s>/]`)
	formRe      = regexp.MustCompile(`(?i)<form[^>]*>`)
	actionRe    = regexp.MustCompile(`(?i)\saction="([^"]*)"`)
	directiveRe = regexp.MustCompile(`\s*;\s*`)
)

// Directives splits a Content-Security-Policy into its directives.
func Directives(csp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range directiveRe.Split(strings.TrimSpace(csp), -1) {
		if f := strings.Fields(d); len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// PageProblems lists why an HTML response would not render as written
// under its own policy, or lacks the policy: no CSP starting from
// default-src 'none', no nosniff or Referrer-Policy, a <style> whose hash
// style-src does not allow, a style= attribute or inline event handler,
// an element that loads something (script, image, frame, …), a form
// posting where form-action does not allow. Empty when all is well.
func PageProblems(r httpapi.Response) []string {
	var out []string
	h := r.Headers
	csp := h["Content-Security-Policy"]
	d := Directives(csp)
	if !slices.Equal(d["default-src"], []string{"'none'"}) {
		out = append(out, "no Content-Security-Policy with default-src 'none': "+csp)
	}
	if h["X-Content-Type-Options"] != "nosniff" {
		out = append(out, "no X-Content-Type-Options: nosniff")
	}
	if h["Referrer-Policy"] == "" {
		out = append(out, "no Referrer-Policy")
	}
	if !strings.HasPrefix(h["Content-Type"], "text/html") {
		out = append(out, "Content-Type is "+h["Content-Type"])
	}
	for _, m := range styleRe.FindAllStringSubmatch(r.Body, -1) {
		if !slices.Contains(d["style-src"], httpapi.StyleHash(m[1])) && !slices.Contains(d["style-src"], "'unsafe-inline'") {
			out = append(out, "a <style> style-src does not allow: "+abbrev(m[1]))
		}
	}
	for _, tag := range tagRe.FindAllString(r.Body, -1) {
		if inlineAttr.MatchString(tag) {
			out = append(out, "an inline style or event handler the policy blocks: "+abbrev(tag))
		}
	}
	if m := loadingTag.FindString(r.Body); m != "" {
		out = append(out, "an element that loads what default-src 'none' blocks: "+m)
	}
	for _, form := range formRe.FindAllString(r.Body, -1) {
		action := "'self'" // no action: the page's own URL
		if m := actionRe.FindStringSubmatch(form); m != nil {
			if o := httpapi.Origin(html.UnescapeString(m[1])); o != "" {
				action = o
			}
		}
		if !slices.Contains(d["form-action"], action) {
			out = append(out, "a form posting to "+action+", which form-action does not allow: "+strings.Join(d["form-action"], " "))
		}
	}
	return out
}

// Framing is whether a response lets other sites frame it: no
// frame-ancestors 'none' and no X-Frame-Options.
func Framing(r httpapi.Response) bool {
	d := Directives(r.Headers["Content-Security-Policy"])
	return !slices.Equal(d["frame-ancestors"], []string{"'none'"}) && r.Headers["X-Frame-Options"] == ""
}

func abbrev(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
