package nurture

import (
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

// footer is the text every marketing email ends with, in one language:
// why the reader gets it, and a sentence around the unsubscribe link.
type footer struct {
	lang string // the tag it is written in ("en", "de", "pt-BR")
	why  string
	// before, link and after are the sentence around the unsubscribe
	// link: link is the link's words, and the text part's label for
	// the URL ("Unsubscribe: https://…").
	before, link, after string
}

// builtinFooters are the footers leadflow ships, by lowercase language;
// the config's footers: section adds languages and overrides these.
var builtinFooters = map[string]footer{
	"en": {lang: "en", why: "You are getting this email because you asked us to keep in touch.", link: "Unsubscribe", after: " at any time."},
	"de": {lang: "de", why: "Sie erhalten diese E-Mail, weil Sie uns gebeten haben, mit Ihnen in Kontakt zu bleiben.", link: "Abmelden", after: " ist jederzeit möglich."},
	"es": {lang: "es", why: "Recibe este correo electrónico porque nos pidió que nos mantuviéramos en contacto.", link: "Darse de baja", after: " en cualquier momento."},
	"fr": {lang: "fr", why: "Vous recevez cet e-mail parce que vous nous avez demandé de rester en contact.", link: "Se désabonner", after: " à tout moment."},
	"it": {lang: "it", why: "Ricevi questa email perché ci hai chiesto di restare in contatto.", link: "Annulla l'iscrizione", after: " in qualsiasi momento."},
	"nl": {lang: "nl", why: "U ontvangt deze e-mail omdat u ons heeft gevraagd contact met u te houden.", link: "Afmelden", after: " kan altijd."},
}

// english is the footer of a template that declares no language.
var english = builtinFooters["en"]

// textLabel is the footer's label for the URL in the text part: its
// link's words, capitalised ("Hier abmelden: https://…").
func (f footer) textLabel() string {
	r, n := utf8.DecodeRuneInString(f.link)
	return string(unicode.ToUpper(r)) + f.link[n:]
}

// rtl says the footer reads right to left (an Arabic or Hebrew one).
func (f footer) rtl() bool { return mail.FirstStrong(f.why) == mail.RightToLeft }

// footerFor is the footer of a template in lang ("" none declared:
// English): the config's footers: entry for the tag, else for its
// language ("de" for "de-AT"), else a built-in one the same way.
func (c *Config) footerFor(lang string) (footer, bool) {
	if lang == "" {
		lang = "en"
	}
	tag := strings.ToLower(lang)
	primary, _, _ := strings.Cut(tag, "-")
	for _, set := range []map[string]footer{c.footers, builtinFooters} {
		for _, k := range []string{tag, primary} {
			if f, ok := set[k]; ok {
				return f, true
			}
		}
	}
	return footer{}, false
}

// maxFooterText bounds each footer string (one line each).
const maxFooterText = 300

// footers reads the config's footers: section, language tag → why and
// unsubscribe ("Sie können sich jederzeit [abmelden].").
func (p *parser) footers(c *Config, n *yaml.Node) {
	p.Pairs(n, "footers", func(k, v *yaml.Node) {
		if !langTag.MatchString(k.Value) {
			p.Errf(k, "footers: expected a language tag such as de, en-GB or pt-BR, got %s", yamlconf.Quote(k.Value))
			return
		}
		where := "footers." + k.Value
		f := footer{lang: k.Value}
		var sentence string
		var sentenceNode *yaml.Node
		if !p.Object(k, v, where,
			yamlconf.Required("why", func(_, v *yaml.Node) { f.why, _ = p.footerLine(v, where+".why") }),
			yamlconf.Required("unsubscribe", func(_, v *yaml.Node) { sentence, _ = p.footerLine(v, where+".unsubscribe"); sentenceNode = v }),
		) || f.why == "" || sentence == "" {
			return
		}
		open, close := strings.Index(sentence, "["), strings.LastIndex(sentence, "]")
		if open < 0 || close < open+2 || strings.Count(sentence, "[") != 1 || strings.Count(sentence, "]") != 1 {
			p.Errf(sentenceNode, `%s.unsubscribe: mark the unsubscribe link's words with [ and ], e.g. "[Unsubscribe] at any time."`, where)
			return
		}
		f.before, f.link, f.after = sentence[:open], strings.TrimSpace(sentence[open+1:close]), sentence[close+1:]
		key := strings.ToLower(k.Value)
		if _, dup := c.footers[key]; dup {
			p.Errf(k, "%s: a second footer for this language", where)
			return
		}
		c.footers[key] = f
	})
}

// footerLine reads one footer string: one line, not empty, at most
// maxFooterText characters.
func (p *parser) footerLine(n *yaml.Node, where string) (string, bool) {
	s, ok := p.Str(n, where)
	switch s = strings.TrimSpace(s); {
	case !ok:
		return "", false
	case s == "":
		p.Errf(n, "%s: empty", where)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		p.Errf(n, "%s: must be one line", where)
	case utf8.RuneCountInString(s) > maxFooterText:
		p.Errf(n, "%s: longer than %d characters", where, maxFooterText)
	default:
		return s, true
	}
	return "", false
}

// templateFooters gives every template the footer in its language, or,
// for one that declares a language with none, says so at its lang: line.
func (p *parser) templateFooters(c *Config) {
	ids := make([]string, 0, len(c.templates))
	for id := range c.templates {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		t := c.templates[id]
		f, ok := c.footerFor(t.lang)
		if !ok {
			p.Errf(t.langNode, `templates.%s.lang: no footer in %s (built in: %s); add one under footers: %s: {why: "…", unsubscribe: "… [link text] …"}`,
				id, t.lang, strings.Join(slices.Sorted(maps.Keys(builtinFooters)), ", "), t.lang)
			continue
		}
		t.footer = &f
	}
}
