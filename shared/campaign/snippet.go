package campaign

import (
	"fmt"
	"strings"
)

// Snippet is the campaign's form as HTML to paste into an existing site:
// the hosted page's form markup with inline styles and no script, posting
// to apiBase+"/leads", for the campaign's first variant. It carries the
// campaign, variant, form_type and consent_text_version, but no _idem: a
// token pasted once would be shared by every visitor, and the API would
// answer all of them with the first one's lead. The site's origin must be
// in the API's ALLOWED_ORIGINS.
func (c *Campaign) Snippet(apiBase string) string {
	var v Variant
	if len(c.Variants) > 0 {
		v = c.Variants[0]
	}
	return c.snippet(apiBase, v)
}

// VariantSnippet is Snippet for a given variant, for A/B tests run across
// pages or sites (a static snippet cannot pick a variant per visitor).
func (c *Campaign) VariantSnippet(apiBase, variantID string) (string, error) {
	v, ok := c.Variant(variantID)
	if !ok {
		return "", fmt.Errorf("%w %q in campaign %s", ErrUnknownVariant, variantID, c.ID)
	}
	return c.snippet(apiBase, v), nil
}

func (c *Campaign) snippet(apiBase string, v Variant) string {
	action := strings.TrimRight(apiBase, "/") + "/leads"
	var b strings.Builder
	if slugRe.MatchString(c.ID) && slugRe.MatchString(v.ID) { // nothing in a slug can end the comment
		b.WriteString("<!-- leadflow form: campaign " + c.ID + ", variant " + v.ID + " -->\n")
	}
	if err := formTemplate.ExecuteTemplate(&b, "form", c.form(true, action, v, nil)); err != nil {
		return ""
	}
	return b.String()
}
