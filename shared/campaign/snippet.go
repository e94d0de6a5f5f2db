package campaign

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"unicode/utf8"
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

// frameHeight estimates the framed page's height in pixels on a phone:
// a 360 px screen whose site keeps 16 px each side gives a 328 px frame,
// one column, 280 px inside the card (see pageCSS). A frame cannot size
// itself without script, and a frame too short hides the submit button
// behind a scroll inside the frame, so every text is wrapped at that
// width (its headline, offer, labels, choices and consent text: the
// longest variant's) with a twentieth to spare for wider fonts; a wider frame
// only gets room to spare below the button.
func (c *Campaign) frameHeight() int {
	const (
		inner  = 280.0 // the card's content box
		page   = 320.0 // the page's content box (h1 and offer)
		rowGap = 17.6  // the form grid's row gap (1.1rem)
		label  = 22.8  // a line of a label, legend, choice or consent (.95rem × 1.5)
	)
	h := 32.0 + 16 + 40 // page padding (top at phone width, bottom), card padding
	top, cta := 0.0, 1.0
	for _, v := range c.Variants {
		t := 12 + 29.5*wrapLines(v.Headline, 15.4, page) // h1: 1.6rem bold, line-height 1.15
		if v.Offer != "" {
			t += 20 + 25.2*wrapLines(v.Offer, 9.2, page) // .lf-offer: 1.05rem
		}
		top = max(top, t)
		cta = max(cta, wrapLines(v.CTA, 10.1, inner-51)) // 1.05rem bold, in the button's padding
	}
	h += top
	labelOf := func(text string, required bool) float64 {
		if required {
			text += " *"
		}
		return label * wrapLines(text, 9.3, inner) // .95rem bold
	}
	rows := 0
	add := func(px float64) { h += px; rows++ }
	required := false
	for _, fd := range c.Form.Fields {
		required = required || fd.Required
		if inputs[fd.Name].typ == "" {
			add(labelOf(fd.Label, fd.Required) + 5.6 + 111) // textarea, rows=4
		} else {
			add(labelOf(fd.Label, fd.Required) + 5.6 + 43.6)
		}
	}
	for _, q := range c.Form.Questions {
		required = required || q.Required
		if len(q.Choices) > radioLimit {
			add(labelOf(q.Label, q.Required) + 5.6 + 43.6) // a select
			continue
		}
		// Radio buttons as pills, wrapped in rows: padding, the button,
		// its gap and border beside the choice's text.
		lines, used := 1.0, 0.0
		for _, ch := range q.Choices {
			w := 49.4 + 8.6*float64(utf8.RuneCountInString(ch))
			if used > 0 && used+8+w > inner {
				lines, used = lines+1, 0
			}
			if used > 0 {
				used += 8
			}
			used += w
		}
		add(labelOf(q.Label, q.Required) + 8 + lines*39.2 + (lines-1)*8)
	}
	if required {
		add(21) // "Fields marked * are required."
	}
	text := inner - 27.2 // the checkbox and its gap
	if c.PrivacyURL != "" {
		text -= 128 // "Privacy notice", never wrapped
	}
	add(label * wrapLines(c.Form.ConsentText, 8.6, text))
	add(25.6 + 25.2*cta) // the button
	h += rowGap * float64(rows-1)
	return int(h*1.05 + 0.5)
}

// wrapLines is how many lines text takes in width px at perChar px a
// character, wrapped at spaces (a word longer than a line takes its own).
func wrapLines(text string, perChar, width float64) float64 {
	lines, used := 0.0, 0.0
	for _, word := range strings.Fields(text) {
		w := perChar * float64(utf8.RuneCountInString(word))
		switch {
		case used == 0:
			lines++
			used = w
		case used+perChar+w <= width:
			used += perChar + w
		default:
			lines++
			used = w
		}
		for used > width { // a word wider than the line
			lines++
			used -= width
		}
	}
	return max(lines, 1)
}
