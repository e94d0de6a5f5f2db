package httpapi

import (
	"strings"
	"testing"
)

func TestPolicyHeaders(t *testing.T) {
	css := "body{margin:0}"
	tests := []struct {
		name string
		p    Policy
		csp  string
		xfo  string
		ref  string
	}{
		{"zero policy is the strictest", Policy{},
			"default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", "DENY", "strict-origin-when-cross-origin"},
		{"styles by hash", Policy{Styles: []string{css, "p{}"}},
			"default-src 'none'; base-uri 'none'; style-src 'sha256-" + "IAdwN3biDCQ3brrgp1m8kBEsPQYyqfREKOEfeoREopc=" + "' " + StyleHash("p{}") + "; form-action 'none'; frame-ancestors 'none'", "DENY", "strict-origin-when-cross-origin"},
		{"form posting to the API and redirected to the site", Policy{FormAction: []string{"https://api.example.com", "https://www.example.com"}},
			"default-src 'none'; base-uri 'none'; form-action https://api.example.com https://www.example.com; frame-ancestors 'none'", "DENY", "strict-origin-when-cross-origin"},
		{"a page with a token in its URL", Policy{FormAction: []string{"'self'"}, Referrer: NoReferrer},
			"default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'", "DENY", "no-referrer"},
		{"framed by the allowed sites", Policy{FrameAncestors: []string{"https://www.example.com", "https://lp.example.com"}},
			"default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors https://www.example.com https://lp.example.com", "", "strict-origin-when-cross-origin"},
		{"frameable", Policy{Frameable: true},
			"default-src 'none'; base-uri 'none'; form-action 'none'", "", "strict-origin-when-cross-origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.p.Headers()
			if h["Content-Security-Policy"] != tt.csp || h["X-Frame-Options"] != tt.xfo || h["Referrer-Policy"] != tt.ref || h["X-Content-Type-Options"] != "nosniff" {
				t.Fatalf("headers = %q\nwant CSP %q, X-Frame-Options %q, Referrer-Policy %q, nosniff", h, tt.csp, tt.xfo, tt.ref)
			}
		})
	}
}

// TestPagesWithATokenInTheirURLAreNotIndexed: a signed link that reaches
// a crawler (a forwarded email, a link pasted in a ticket) must not put
// its page in a search index; other pages (campaign pages) may be.
func TestPagesWithATokenInTheirURLAreNotIndexed(t *testing.T) {
	if h := (Policy{Referrer: NoReferrer}).Headers(); h["X-Robots-Tag"] != "noindex, nofollow" {
		t.Errorf("a page whose URL is a secret: %q", h)
	}
	if h := (Policy{}).Headers(); h["X-Robots-Tag"] != "" {
		t.Errorf("any page: %q", h)
	}
}

func TestResponsesCarryTheirPolicy(t *testing.T) {
	for name, r := range map[string]Response{
		"HTML": HTML(404, "<p>gone</p>", nil),
		"Page": Page(200, "<p>x</p>", Policy{FormAction: []string{"'self'"}}, nil),
		"Page under a caller's conflicting header": Page(200, "<p>x</p>", Policy{}, map[string]string{"X-Frame-Options": "ALLOWALL", "Vary": "Origin"}),
	} {
		if !strings.HasPrefix(r.Headers["Content-Security-Policy"], "default-src 'none'") || r.Headers["X-Content-Type-Options"] != "nosniff" ||
			r.Headers["X-Frame-Options"] != "DENY" || r.Headers["Content-Type"] != "text/html; charset=utf-8" {
			t.Errorf("%s: headers %q", name, r.Headers)
		}
	}
	if r := Page(200, "", Policy{}, map[string]string{"Vary": "Origin"}); r.Headers["Vary"] != "Origin" {
		t.Errorf("the caller's other headers are lost: %q", r.Headers)
	}
	if r := JSON(400, map[string]string{"error": "x"}, nil); r.Headers["X-Content-Type-Options"] != "nosniff" {
		t.Errorf("JSON without nosniff: %q", r.Headers)
	}
	if r := JSON(500, func() {}, nil); r.Headers["X-Content-Type-Options"] != "nosniff" {
		t.Errorf("JSON's own 500 without nosniff: %q", r.Headers)
	}
}

func TestStylesOfATemplate(t *testing.T) {
	src := "<head><style>body{margin:0}\n</style></head><body>{{.X}}<style>p{}</style>"
	if got := Styles(src); len(got) != 2 || got[0] != "body{margin:0}\n" || got[1] != "p{}" {
		t.Fatalf("Styles = %q", got)
	}
	for _, bad := range []string{"<style>{{.CSS}}</style>", "<style>p{}"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Styles(%q) did not panic", bad)
				}
			}()
			Styles(bad)
		}()
	}
}

func TestOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.example.com/prod/leads": "https://api.example.com",
		"http://127.0.0.1:8080":              "http://127.0.0.1:8080",
		"/leads":                             "",
		"javascript:alert(1)":                "",
		"":                                   "",
	} {
		if got := Origin(in); got != want {
			t.Errorf("Origin(%q) = %q, want %q", in, got, want)
		}
	}
}
