package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// Policy is what an HTML page may load and do, sent as its
// Content-Security-Policy and the headers that go with it. The zero Policy
// is the strictest: nothing loads (no script, style, image, font or
// frame), no form posts, no site may frame the page.
type Policy struct {
	// Styles are the exact texts of the page's inline <style> elements;
	// each is allowed by its hash, nothing else is (no style= attributes).
	Styles []string
	// FormAction are where the page's forms may post — and be redirected
	// to after posting, which browsers hold to form-action too: "'self'"
	// or origins (Origin makes one from a URL). None: no form may post.
	FormAction []string
	// Frameable lets any site frame the page (the embeddable form);
	// otherwise no site may (frame-ancestors 'none', X-Frame-Options).
	Frameable bool
	// FrameAncestors are the origins that may frame the page (a page
	// meant for an iframe on the sites in ALLOWED_ORIGINS); "*" is any
	// site. Empty and not Frameable: no site may.
	FrameAncestors []string
	// Referrer is the Referrer-Policy; "" is strict-origin-when-cross-origin.
	// Pages whose URL carries a signed token use NoReferrer.
	Referrer string
}

// NoReferrer is the Referrer-Policy of pages whose URL is a secret.
const NoReferrer = "no-referrer"

// Headers are the policy's response headers: Content-Security-Policy,
// X-Content-Type-Options, Referrer-Policy, X-Robots-Tag for a page whose
// URL is a secret and, unless the page is frameable, X-Frame-Options for
// browsers without frame-ancestors.
func (p Policy) Headers() map[string]string {
	csp := []string{"default-src 'none'", "base-uri 'none'"}
	if len(p.Styles) > 0 {
		srcs := make([]string, len(p.Styles))
		for i, css := range p.Styles {
			srcs[i] = StyleHash(css)
		}
		csp = append(csp, "style-src "+strings.Join(srcs, " "))
	}
	if len(p.FormAction) > 0 {
		csp = append(csp, "form-action "+strings.Join(p.FormAction, " "))
	} else {
		csp = append(csp, "form-action 'none'")
	}
	h := map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": p.Referrer}
	switch p.Referrer {
	case "":
		h["Referrer-Policy"] = "strict-origin-when-cross-origin"
	case NoReferrer:
		// The URL is a secret: a crawler that finds it (a forwarded
		// email, a link pasted in a ticket) must not index the page.
		h["X-Robots-Tag"] = "noindex, nofollow"
	}
	switch {
	case p.Frameable:
	case len(p.FrameAncestors) > 0:
		// X-Frame-Options cannot name several origins; browsers that
		// know frame-ancestors ignore it, so it is left out.
		csp = append(csp, "frame-ancestors "+strings.Join(p.FrameAncestors, " "))
	default:
		csp = append(csp, "frame-ancestors 'none'")
		h["X-Frame-Options"] = "DENY"
	}
	h["Content-Security-Policy"] = strings.Join(csp, "; ")
	return h
}

// StyleHash is the CSP source that allows an inline <style> element whose
// text is exactly css.
func StyleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Styles are the texts of the <style> elements in a page template's
// source, for Policy.Styles. It panics on a style with a template action:
// a hash allows one fixed text only.
func Styles(source string) []string {
	var out []string
	for rest := source; ; {
		_, after, ok := strings.Cut(rest, "<style>")
		if !ok {
			return out
		}
		css, tail, ok := strings.Cut(after, "</style>")
		if !ok || strings.Contains(css, "{{") {
			panic(fmt.Sprintf("httpapi: a <style> in a page template is unclosed or not fixed text: %.60q", after))
		}
		out, rest = append(out, css), tail
	}
}

// OwnOrigin reports whether origin (scheme://host[:port]) is the API's
// own: publicBase's (PUBLIC_BASE_URL, "" when unset) or, over https, the
// domain a request came to (API Gateway's domain name, "" unknown) — its
// hosted pages, whatever ALLOWED_ORIGINS lists.
func OwnOrigin(origin, publicBase, domain string) bool {
	if origin == "" {
		return false
	}
	if o := Origin(publicBase); o != "" && strings.EqualFold(o, origin) {
		return true
	}
	return domain != "" && strings.EqualFold(origin, "https://"+domain)
}

// Origin is the scheme://host[:port] of an absolute http(s) URL, for
// Policy.FormAction; "" for anything else.
func Origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
