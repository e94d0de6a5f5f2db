package campaign

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// Parse reads and validates one campaign file. filename is used in
// messages and, when it ends in .yaml or .yml, must be the campaign's id
// (q4-demo.yaml holds id: q4-demo), so the file marketing edits is the
// campaign they think it is. On failure the error wraps ErrInvalid and is a
// *ConfigError listing every problem as "file:line: message". Parse never
// panics.
func Parse(data []byte, filename string) (*Campaign, error) {
	name := filename
	if name == "" {
		name = "campaign.yaml"
	}
	p := &parser{Parser: yamlconf.Parser{File: name}}
	root := p.Document(data, "empty campaign: expected version: 1, id, name, hypothesis, variants and form")
	if root == nil {
		return nil, p.Err(ErrInvalid)
	}
	c := p.campaign(root, filename)
	if err := p.Err(ErrInvalid); err != nil {
		return nil, err
	}
	return c, nil
}

type parser struct{ yamlconf.Parser }

var (
	slugRe      = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`) // lead's campaign, variant, form_type
	answerKeyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)  // lead's answer keys
	currencyRe  = regexp.MustCompile(`^[A-Z]{3}$`)
)

func (p *parser) campaign(root *yaml.Node, filename string) *Campaign {
	c := &Campaign{Status: Live}
	var idNode, thanksKey, thanksURLKey *yaml.Node
	p.Object(root, root, "",
		yamlconf.Required("version", func(_, v *yaml.Node) {
			if s, ok := p.Str(v, "version"); ok && s != "1" {
				p.Errf(v, "unsupported version %s (this build reads version 1)", yamlconf.Quote(s))
			}
		}),
		yamlconf.Required("id", func(_, v *yaml.Node) {
			if id, ok := p.slug(v, "id", "campaign id", "q4-demo"); ok {
				c.ID, idNode, c.idLine = id, v, v.Line
			}
		}),
		yamlconf.Required("name", func(_, v *yaml.Node) { c.Name, _ = p.text(v, "name", maxName, false) }),
		yamlconf.Required("hypothesis", func(_, v *yaml.Node) { c.Hypothesis, _ = p.text(v, "hypothesis", maxHypothesis, true) }),
		yamlconf.Optional("status", func(_, v *yaml.Node) { p.status(c, v) }),
		yamlconf.Optional("spend", func(k, v *yaml.Node) { p.spend(c, k, v) }),
		yamlconf.Required("variants", func(k, v *yaml.Node) { p.variants(c, k, v) }),
		yamlconf.Required("form", func(k, v *yaml.Node) { p.form(c, k, v) }),
		yamlconf.Optional("thank_you_url", func(k, v *yaml.Node) { thanksURLKey = k; c.ThankYouURL, _ = p.url(v, "thank_you_url") }),
		yamlconf.Optional("thank_you", func(k, v *yaml.Node) { thanksKey = k; p.thankYou(c, k, v) }),
		yamlconf.Optional("consent_mode", func(_, v *yaml.Node) {
			if m, ok := p.Str(v, "consent_mode"); ok {
				if m != lead.ConsentDouble && m != lead.ConsentSingle {
					p.Errf(v, "consent_mode %s: want double (a confirmation email, the default) or single (only where single opt-in is lawful)", yamlconf.Quote(m))
				}
				c.ConsentMode = m
			}
		}),
		yamlconf.Optional("privacy_url", func(_, v *yaml.Node) {
			if u, ok := p.url(v, "privacy_url"); ok {
				if !httpsURL(u) {
					p.Errf(v, "privacy_url: must be an https URL (a privacy notice is not served over plain http), got %s", yamlconf.Quote(u))
				} else {
					c.PrivacyURL = u
				}
			}
		}),
		yamlconf.Optional("qualify", func(k, v *yaml.Node) { c.qualifyKey, c.qualify = k, v }),
		yamlconf.Optional("sequence", func(_, v *yaml.Node) {
			if id, ok := p.slug(v, "sequence", "nurture sequence id", "cold-education"); ok {
				c.Sequence, c.SequenceLine = id, v.Line
			}
		}),
	)
	if thanksKey != nil && thanksURLKey != nil {
		p.Errf(thanksKey, "thank_you: the campaign also sets thank_you_url (line %d), which sends visitors elsewhere, so this page would never show; keep one",
			thanksURLKey.Line)
	}
	c.File = filename
	if idNode != nil {
		if stem, ok := yamlconf.FileStem(filename); ok && stem != c.ID {
			p.Errf(idNode, "id %s does not match the file name %s (name the file %s.yaml, or change the id)",
				yamlconf.Quote(c.ID), yamlconf.Quote(filepath.Base(filename)), c.ID)
		}
	}
	return c
}

// text reads a non-empty piece of text shown to people or kept for reports.
func (p *parser) text(n *yaml.Node, where string, max int, multiline bool) (string, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return "", false
	}
	if s == "" {
		p.Errf(n, "%s: empty (write the text, or leave the field out if it is optional)", where)
		return "", false
	}
	return s, p.checkText(n, where, s, max, multiline)
}

// checkText applies the capture API's rules for text: valid UTF-8, no
// control characters (newlines only where multiline), at most max runes.
func (p *parser) checkText(n *yaml.Node, where, s string, max int, multiline bool) bool {
	switch {
	case !utf8.ValidString(s):
		p.Errf(n, "%s: not valid UTF-8", where)
	case hasControl(s, multiline):
		if multiline {
			p.Errf(n, "%s: contains control characters", where)
		} else {
			p.Errf(n, "%s: must be one line without control characters", where)
		}
	case utf8.RuneCountInString(s) > max:
		p.Errf(n, "%s: longer than %d characters (%d)", where, max, utf8.RuneCountInString(s))
	default:
		return true
	}
	return false
}

// hasControl mirrors shared/lead: control characters and the Unicode line
// and paragraph separators.
func hasControl(s string, allowNewlines bool) bool {
	for _, r := range s {
		if allowNewlines && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// slug reads an id sent to the capture API as a slug field.
func (p *parser) slug(n *yaml.Node, where, what, example string) (string, bool) {
	s, ok := p.Str(n, where)
	switch {
	case !ok:
		return "", false
	case s == "":
		p.Errf(n, "%s: empty %s", where, what)
		return "", false
	case !slugRe.MatchString(s) || len(s) > maxSlug:
		p.Errf(n, "%s: %s %s must be 1-%d lowercase letters, digits, - or _, starting with a letter or digit (like %s)",
			where, what, yamlconf.Quote(s), maxSlug, example)
		return "", false
	}
	return s, true
}

func (p *parser) status(c *Campaign, n *yaml.Node) {
	s, ok := p.Str(n, "status")
	if !ok {
		return
	}
	switch Status(s) {
	case Live, Paused:
		c.Status = Status(s)
	default:
		hint := "use live or paused"
		if g := yamlconf.Suggest(s, []string{"live", "paused"}); g != "" {
			hint = fmt.Sprintf("did you mean %q?", g)
		}
		p.Errf(n, "status: unknown status %s (%s)", yamlconf.Quote(s), hint)
	}
}

// MaxSpend bounds a campaign's spend (a typo guard: reports divide and
// sum with it, and a figure beyond any budget only makes them Inf).
const MaxSpend = 1e12

func (p *parser) spend(c *Campaign, k, n *yaml.Node) {
	var s Spend
	okAmount, okCurrency := false, false
	ok := p.Object(k, n, "spend",
		yamlconf.Required("amount", func(_, v *yaml.Node) {
			a, ok := p.Number(v, "spend.amount")
			if ok && (a < 0 || a > MaxSpend) {
				p.Errf(v, "spend.amount: must be between 0 and %.0f, got %s", float64(MaxSpend), strconv.FormatFloat(a, 'f', -1, 64))
				return
			}
			s.Amount, okAmount = a, ok
		}),
		yamlconf.Required("currency", func(_, v *yaml.Node) {
			cur, ok := p.Str(v, "spend.currency")
			if ok && !currencyRe.MatchString(cur) {
				p.Errf(v, "spend.currency: %s must be a three-letter ISO 4217 code in capitals, like EUR or USD", yamlconf.Quote(cur))
				return
			}
			s.Currency, okCurrency = cur, ok
			c.currencyLine = v.Line
		}),
	)
	if ok && okAmount && okCurrency {
		c.Spend = &s
	}
}

// url reads an absolute http(s) address.
func (p *parser) url(n *yaml.Node, where string) (string, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return "", false
	}
	if !absoluteURL(s) {
		p.Errf(n, "%s: must be an absolute http(s) URL such as https://www.example.com/thanks, got %s", where, yamlconf.Quote(s))
		return "", false
	}
	return s, true
}

// httpsURL is absoluteURL with the https scheme.
func httpsURL(s string) bool { return absoluteURL(s) && strings.HasPrefix(s, "https://") }

// absoluteURL is the capture API's rule for URL fields, plus what a
// browser needs: no spaces and a bounded length.
func absoluteURL(s string) bool {
	if s == "" || len(s) > maxURL || !utf8.ValidString(s) || hasControl(s, false) || strings.ContainsAny(s, " \t") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// --- variants ----------------------------------------------------------

func (p *parser) variants(c *Campaign, k, n *yaml.Node) {
	list := yamlconf.Resolve(n)
	count := 0
	if list != nil && list.Kind == yaml.SequenceNode {
		count = len(list.Content)
	}
	if count > maxVariants {
		p.Errf(k, "variants: at most %d variants, got %d", maxVariants, count)
		return
	}
	first := map[string]int{}
	type entry struct {
		item *yaml.Node
		path string
	}
	var unweighed []entry // shown variants without a weight: fine when alone
	shown := 0
	p.List(n, "variants", func(item *yaml.Node, path string) {
		v := Variant{}
		var idNode *yaml.Node
		hasWeight, retired := false, false
		ok := p.Object(item, item, path,
			yamlconf.Required("id", func(_, n *yaml.Node) {
				if id, ok := p.slug(n, path+".id", "variant id", "a"); ok {
					v.ID, idNode = id, n
				}
			}),
			yamlconf.Optional("weight", func(_, n *yaml.Node) {
				hasWeight = true
				v.Weight, _ = p.weight(n, path+".weight")
			}),
			yamlconf.Optional("retired", func(_, n *yaml.Node) { retired, _ = p.Boolean(n, path+".retired") }),
			yamlconf.Required("headline", func(_, n *yaml.Node) { v.Headline, _ = p.text(n, path+".headline", maxHeadline, false) }),
			yamlconf.Optional("offer", func(_, n *yaml.Node) { v.Offer, _ = p.text(n, path+".offer", maxOffer, true) }),
			yamlconf.Required("cta", func(_, n *yaml.Node) { v.CTA, _ = p.text(n, path+".cta", maxCTA, false) }),
		)
		if !retired {
			shown++
		}
		if !hasWeight {
			if !retired && item.Kind == yaml.MappingNode {
				unweighed = append(unweighed, entry{item, path})
			}
			v.Weight = 1
		}
		if idNode != nil {
			if line, dup := first[v.ID]; dup {
				p.Errf(idNode, "%s: duplicate variant id %s (first at line %d)", path, yamlconf.Quote(v.ID), line)
				return
			}
			first[v.ID] = idNode.Line
		}
		switch {
		case !ok:
		case retired:
			c.Retired = append(c.Retired, v)
		default:
			c.Variants = append(c.Variants, v)
		}
	})
	// Only an A/B test of several shown variants needs their weights.
	if shown > 1 {
		for _, e := range unweighed {
			p.Errf(e.item, "%s: missing weight (every variant of an A/B test needs one, such as weight: 50)", e.path)
		}
	}
	switch {
	case count == 0 && (list == nil || yamlconf.IsNull(list) || list.Kind == yaml.SequenceNode):
		p.Errf(k, "variants: no variants (give at least one, with id, headline and cta)")
	case count > 0 && shown == 0:
		p.Errf(k, "variants: every variant is retired (leave at least one without retired: true, to show visitors)")
	}
}

func (p *parser) weight(n *yaml.Node, where string) (int, bool) {
	s, ok := p.Str(n, where)
	if !ok {
		return 0, false
	}
	w, err := strconv.Atoi(strings.TrimPrefix(s, "+"))
	switch {
	case err != nil && !numeric(s):
		p.Errf(n, "%s: expected a whole number, got %s", where, yamlconf.Quote(s))
	case err != nil || w < 1:
		p.Errf(n, "%s: must be a positive whole number, got %s", where, yamlconf.Quote(s))
	case w > maxWeight:
		p.Errf(n, "%s: at most %d, got %d", where, maxWeight, w)
	default:
		return w, true
	}
	return 0, false
}

func numeric(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
