package optin

import (
	"net/url"
	"slices"
	"strings"

	"github.com/leadflow/leadflow/shared/httpapi"
)

// SignUpPages picks the page an expired confirmation link's page offers
// to sign up again on: the landing page the lead's form was on. That URL
// came with an anonymous form post — a poster may have typed any — so a
// link to it would be an open redirect with our name on it. The page is
// linked only when its origin is a site of ours:
//
//   - one ALLOWED_ORIGINS names (the sites whose forms post leads),
//   - with ALLOWED_ORIGINS "*" (any site may post), an https origin the
//     lead's campaign file names (CampaignOrigins), or
//   - the API's own: a campaign page it hosts (/c/<id>) at PublicBase or
//     at the domain the request came to (domain, https).
//
// The zero SignUpPages links nothing but the API's own pages.
type SignUpPages struct {
	Origins httpapi.CORS
	// CampaignOrigins are the origins a campaign's file names (its
	// thank_you_url, privacy_url and next steps); nil names none.
	CampaignOrigins func(campaign string) []string
	// PublicBase is PUBLIC_BASE_URL ("" when the API's own address is).
	PublicBase string
}

// Page is landing as the link shows it — origin and path: no query (it
// can carry an address, or a redirect of the site's own), no fragment —
// when its origin is a site of ours, else "". domain is the host the
// request came to (API Gateway's domain name; "" unknown).
func (p SignUpPages) Page(landing, campaign, domain string) string {
	u, err := url.Parse(landing)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	allowed := p.Origins.Origins()
	ok := slices.Contains(allowed, origin) || httpapi.OwnOrigin(origin, p.PublicBase, domain)
	if !ok && slices.Contains(allowed, "*") && u.Scheme == "https" && p.CampaignOrigins != nil && campaign != "" {
		ok = slices.ContainsFunc(p.CampaignOrigins(campaign), func(o string) bool { return strings.EqualFold(o, origin) })
	}
	if !ok {
		return ""
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return origin + path
}
