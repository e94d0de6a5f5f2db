package campaign

import (
	"fmt"
	"html"
	"strconv"
	"strings"
)

// Snippet is the campaign's form as static HTML to paste into an existing
// site: the hosted page's form markup with inline styles and no script,
// posting to apiBase+"/leads", for the campaign's first variant. Static
// HTML pins one variant for every visitor, so it serves no A/B split (the
// comment it starts with says so; EmbedFrame is the snippet that does).
// It carries the campaign, variant, form_type and consent_text_version,
// but no _idem: a token pasted once would be shared by every visitor, and
// the API would answer all of them with the first one's lead. The site's
// origin must be in the API's ALLOWED_ORIGINS.
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
	base := strings.TrimRight(apiBase, "/")
	var b strings.Builder
	if slugRe.MatchString(c.ID) && slugRe.MatchString(v.ID) { // nothing in a slug can end the comment
		b.WriteString("<!-- leadflow form: campaign " + c.ID + ", variant " + v.ID)
		if len(c.Variants) > 1 {
			b.WriteString(".\n     Static HTML pins variant " + v.ID + " for every visitor: no A/B split. For the split, paste the frame from " +
				base + "/c/" + c.ID + "/embed instead; for another variant, " + base + "/c/" + c.ID + "/embed?variant=" + c.otherVariant(v.ID) + ".")
		}
		b.WriteString(" -->\n")
	}
	if err := formTemplate().ExecuteTemplate(&b, "form", c.form(true, base+"/leads", v, nil)); err != nil {
		return ""
	}
	return b.String()
}

// otherVariant is a variant id other than id, for the snippet's hint.
func (c *Campaign) otherVariant(id string) string {
	for _, v := range c.Variants {
		if v.ID != id {
			return v.ID
		}
	}
	return id
}

// EmbedFrame is the snippet that serves the campaign's A/B split on
// another site: an <iframe> of apiBase+"/c/<id>/form", which picks a
// variant per visitor by weight (as the hosted page does) and stores it
// with the lead; the form posts to the top window, so the thank-you page
// replaces the site's page. A comment above it explains the split, the
// AllowedOrigins the site needs, and the static alternative
// (/c/<id>/embed?variant=<id>) that pins one variant.
func (c *Campaign) EmbedFrame(apiBase string) string {
	base := strings.TrimRight(apiBase, "/")
	var b strings.Builder
	if slugRe.MatchString(c.ID) { // nothing in a slug can end the comment
		var split []string
		for _, v := range c.Variants {
			if slugRe.MatchString(v.ID) {
				split = append(split, v.ID+" "+strconv.Itoa(c.share(v))+"%")
			}
		}
		b.WriteString("<!-- leadflow form: campaign " + c.ID)
		if len(c.Variants) > 1 {
			b.WriteString(", A/B split " + strings.Join(split, " / ") + `.
     The frame shows each visitor one variant, picked by weight, and stores it with the lead.`)
		}
		b.WriteString(`
     Your site's origin must be in the API's AllowedOrigins: only those sites may show the frame.
     Adjust the height to your layout. Without a frame: ` + base + "/c/" + c.ID + "/embed?variant=" + c.firstVariant() + ` gives the form
     as static HTML, which pins that one variant for every visitor`)
		if len(c.Variants) > 1 {
			b.WriteString(" (no A/B split)")
		}
		b.WriteString(". -->\n")
	}
	fmt.Fprintf(&b, `<iframe src="%s" title="%s" loading="lazy" style="display:block;width:100%%;max-width:46rem;height:%dpx;border:0"></iframe>`+"\n",
		html.EscapeString(base+"/c/"+c.ID+"/form"), html.EscapeString(c.frameTitle()), c.frameHeight())
	return b.String()
}

func (c *Campaign) firstVariant() string {
	if len(c.Variants) > 0 {
		return c.Variants[0].ID
	}
	return ""
}

// share is a variant's percentage of visitors, rounded.
func (c *Campaign) share(v Variant) int {
	total := 0
	for _, x := range c.Variants {
		total += x.Weight
	}
	if total <= 0 {
		return 0
	}
	return (v.Weight*100 + total/2) / total
}

// frameTitle names the frame for screen readers: the form's call to
// action when every variant has the same one, else a generic name.
func (c *Campaign) frameTitle() string {
	if len(c.Variants) == 0 {
		return "Form"
	}
	for _, v := range c.Variants[1:] {
		if v.CTA != c.Variants[0].CTA {
			return "Form"
		}
	}
	return "Form: " + c.Variants[0].CTA
}

// frameHeight estimates the framed page's height in pixels on a narrow
// (one-column) layout, so the usual form needs no scrolling; a frame
// cannot size itself without script.
func (c *Campaign) frameHeight() int {
	h := 260 // headline, offer, card padding, note
	for _, fd := range c.Form.Fields {
		if inputs[fd.Name].typ == "" {
			h += 170
		} else {
			h += 82
		}
	}
	for _, q := range c.Form.Questions {
		if len(q.Choices) > radioLimit {
			h += 82
		} else {
			h += 60 + 48*((len(q.Choices)+2)/3)
		}
	}
	return h + 150 // consent and button
}
