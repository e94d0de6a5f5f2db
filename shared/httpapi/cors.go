package httpapi

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// CORS is an origin allowlist. Browsers send Origin on cross-site fetches
// and on plain cross-site form posts, so a request from an origin not on the
// list is refused outright, not just left unreadable. Requests without
// Origin (server to server) are allowed.
type CORS struct {
	origins map[string]bool
	any     bool
}

// ParseCORS builds an allowlist from configuration, refusing a list that
// names no origin (which would refuse every browser) and entries that are
// not origins (scheme://host[:port], no path).
func ParseCORS(list string) (CORS, error) {
	var n int
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		n++
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return CORS{}, fmt.Errorf("%q is not an origin like https://www.example.com", o)
		}
	}
	if n == 0 {
		return CORS{}, fmt.Errorf("no origin given: name your landing pages' origins (https://www.example.com) or \"*\" for any site")
	}
	return NewCORS(list), nil
}

// NewCORS builds an allowlist from a comma-separated list; "*" allows any.
func NewCORS(list string) CORS {
	c := CORS{origins: map[string]bool{}}
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		switch o {
		case "":
		case "*":
			c.any = true
		default:
			c.origins[strings.ToLower(o)] = true
		}
	}
	return c
}

// Origins are the allowed origins, sorted, as a CSP source list (for
// frame-ancestors): ["*"] when any site is allowed.
func (c CORS) Origins() []string {
	if c.any {
		return []string{"*"}
	}
	out := make([]string, 0, len(c.origins))
	for o := range c.origins {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

// Allowed reports whether a request with this Origin header may proceed.
func (c CORS) Allowed(origin string) bool {
	return origin == "" || c.any || c.origins[strings.ToLower(origin)]
}

// Headers are the response headers for an allowed origin.
func (c CORS) Headers(origin string) map[string]string {
	if origin == "" || !c.Allowed(origin) {
		return nil
	}
	return map[string]string{
		"Access-Control-Allow-Origin":  origin,
		"Access-Control-Allow-Methods": "POST, OPTIONS",
		"Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
		"Access-Control-Max-Age":       "600",
		"Vary":                         "Origin",
	}
}
