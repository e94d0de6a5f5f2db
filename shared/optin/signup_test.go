package optin_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/optin"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// TestSignUpPageIsOnlyASiteOfOurs: the landing page a lead record holds
// came from an anonymous form post (any URL a poster typed), so the
// expired link's page links back to it only when its origin is one the
// deployment names in ALLOWED_ORIGINS, or, with ALLOWED_ORIGINS "*", an
// https origin the lead's campaign file names. The link is the page
// itself: no query (it can carry an address, or an open redirect of the
// site's own), no fragment, no credentials.
func TestSignUpPageIsOnlyASiteOfOurs(t *testing.T) {
	named := func(id string) []string {
		if id == "spring" {
			return []string{"https://www.acme.example", "https://go.acme.example"}
		}
		return nil
	}
	for _, tc := range []struct {
		name, allowed, landing, campaign, want string
	}{
		{"listed origin", "https://www.acme.example, https://shop.acme.example", "https://www.acme.example/spring?utm_source=ads&email=ann%40acme.example#form", "", "https://www.acme.example/spring"},
		{"listed origin, other case", "https://WWW.Acme.example", "https://www.acme.example/spring", "", "https://www.acme.example/spring"},
		{"listed http origin (local stack)", "http://localhost:3000", "http://localhost:3000/", "", "http://localhost:3000/"},
		{"origin not listed", "https://www.acme.example", "https://evil.example/acme-login", "spring", ""},
		{"a listed host on another scheme", "https://www.acme.example", "http://www.acme.example/spring", "", ""},
		{"a listed host on another port", "https://www.acme.example", "https://www.acme.example:8443/spring", "", ""},
		{"look-alike host", "https://www.acme.example", "https://www.acme.example.evil.example/spring", "", ""},
		{"credentials in the URL", "https://www.acme.example", "https://www.acme.example@evil.example/", "", ""},
		{"javascript", "https://www.acme.example", "javascript:alert(1)//https://www.acme.example", "", ""},
		{"no landing page", "https://www.acme.example", "", "", ""},
		{"any origin, the campaign names it", "*", "https://go.acme.example/offer?x=1", "spring", "https://go.acme.example/offer"},
		{"any origin, the campaign does not name it", "*", "https://evil.example/offer", "spring", ""},
		{"any origin, not https", "*", "http://go.acme.example/offer", "spring", ""},
		{"any origin, no campaign", "*", "https://go.acme.example/offer", "", ""},
		{"any origin, another campaign", "*", "https://go.acme.example/offer", "autumn", ""},
		{"nothing allowed (zero config)", "", "https://www.acme.example/spring", "spring", ""},
		// The API's own pages (/c/<id>), at PUBLIC_BASE_URL or the
		// domain the request came to, whatever ALLOWED_ORIGINS lists.
		{"hosted at the public base", "https://www.acme.example", "https://leads.acme.example/c/spring?variant=b", "", "https://leads.acme.example/c/spring"},
		{"hosted at the request's domain", "", "https://abc123.execute-api.eu-west-1.amazonaws.com/c/spring", "", "https://abc123.execute-api.eu-west-1.amazonaws.com/c/spring"},
		{"another API's domain", "", "https://evil.execute-api.eu-west-1.amazonaws.com/c/spring", "", ""},
		{"the public base's host over http", "", "http://leads.acme.example/c/spring", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := optin.SignUpPages{Origins: httpapi.NewCORS(tc.allowed), CampaignOrigins: named, PublicBase: "https://leads.acme.example/path"}
			if got := p.Page(tc.landing, tc.campaign, "abc123.execute-api.eu-west-1.amazonaws.com"); got != tc.want {
				t.Errorf("Page(%q, %q) with ALLOWED_ORIGINS %q = %q, want %q", tc.landing, tc.campaign, tc.allowed, got, tc.want)
			}
		})
	}
}

// TestAnExpiredConfirmationLinkLinksBackToTheSignUpPage: the expired
// link's page said "Sign up again on our site" without saying where; it
// links to the page the lead signed up on when that is a site of ours,
// and shows no link for one that is not.
func TestAnExpiredConfirmationLinkLinksBackToTheSignUpPage(t *testing.T) {
	k := keys(t)
	u := links.Confirm(k, "https://x.example", "L1", "r1", t0.Add(48*time.Hour))
	tok := u[strings.LastIndex(u, "/")+1:]
	for _, tc := range []struct{ landing, want string }{
		{"https://www.acme.example/news?utm_source=ads", `href="https://www.acme.example/news">Sign up again</a>`},
		{"https://evil.example/news", ""},
	} {
		st := memstore.New()
		asked := lead.Consent{MarketingOptIn: true, TextVersion: "v3", At: t0, Method: lead.ConsentByForm}
		l := lead.New("L1", lead.Submission{Email: "ann@acme.example", Consent: asked,
			Source: lead.Attribution{Campaign: "news", LandingPage: tc.landing, At: t0}})
		l.AskConsent(asked, lead.ConsentDouble, true, "r1", t0)
		if err := st.CreateLead(context.Background(), l, lead.Change{At: t0}, nil); err != nil {
			t.Fatal(err)
		}
		h := &optin.Handler{Store: st, Keys: k, Clock: func() time.Time { return t0.Add(72 * time.Hour) }, NewID: ids.New,
			SignUp: optin.SignUpPages{Origins: httpapi.NewCORS("https://www.acme.example")},
			Log:    slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))}
		r := confirmLink(t, h, http.MethodGet, tok)
		if r.StatusCode != http.StatusGone || !strings.Contains(r.Body, "Sign up again") {
			t.Fatalf("%s: %d\n%s", tc.landing, r.StatusCode, r.Body)
		}
		if tc.want != "" && !strings.Contains(r.Body, tc.want) {
			t.Errorf("landing page %s: want %s in\n%s", tc.landing, tc.want, r.Body)
		}
		if tc.want == "" && (strings.Contains(r.Body, "<a ") || strings.Contains(r.Body, "evil")) {
			t.Errorf("landing page %s is not a site of ours, but the page links it:\n%s", tc.landing, r.Body)
		}
	}
}
