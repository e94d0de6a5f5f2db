package httpapi

import "strings"

// CORS is an origin allowlist. Browsers send Origin on cross-site fetches
// and on plain cross-site form posts, so a request from an origin not on the
// list is refused outright, not just left unreadable. Requests without
// Origin (server to server) are allowed.
type CORS struct {
	origins map[string]bool
	any     bool
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
