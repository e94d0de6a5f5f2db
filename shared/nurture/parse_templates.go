package nurture

import (
	htmltemplate "html/template"
	"io"
	"regexp"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/token"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

func (p *parser) templates(c *Config, k, n *yaml.Node) {
	count := 0
	p.Pairs(n, "templates", func(tk, tv *yaml.Node) {
		count++
		id := tk.Value
		if !idRe.MatchString(id) || len(id) > 64 {
			p.Errf(tk, "templates: template id %s must be lowercase letters, digits, - or _ (like case_study)", yamlconf.Quote(id))
			return
		}
		p.templateIDs[id] = true
		if t, ok := p.template(tk, tv, "templates."+id); ok {
			c.templates[id] = t
		}
	})
	if r := yamlconf.Resolve(n); count == 0 && (yamlconf.IsNull(r) || r.Kind == yaml.MappingNode) {
		p.Errf(k, "templates: no templates")
	}
}

// sampleData is what templates are tried with at Parse, so a misspelt
// field fails the config rather than a send; emptyData is a lead that gave
// only an email address.
var (
	sampleData = TemplateData{FirstName: "Dana", Name: "Dana Whitfield", Company: "Northwind Analytics",
		JobTitle: "VP Marketing", Industry: "Software", Country: "US", UnsubscribeURL: "https://example.com/unsubscribe/t"}
	emptyData = TemplateData{FirstName: "there", UnsubscribeURL: "https://example.com/unsubscribe/t"}
)

func (p *parser) template(k, n *yaml.Node, where string) (*emailTemplate, bool) {
	var subj, html, text *yaml.Node
	t := &emailTemplate{}
	before := p.Count()
	if !p.Object(k, n, where,
		yamlconf.Required("subject", func(_, v *yaml.Node) { subj = v }),
		yamlconf.Required("html", func(_, v *yaml.Node) { html = v }),
		yamlconf.Required("text", func(_, v *yaml.Node) { text = v }),
		yamlconf.Optional("reply_to", func(_, v *yaml.Node) { t.replyTo = p.replyTo(v, where+".reply_to") }),
		yamlconf.Optional("lang", func(_, v *yaml.Node) { t.lang, t.langNode = p.lang(v, where+".lang"), v }),
	) || subj == nil || html == nil || text == nil {
		return nil, false
	}
	if src, ok := p.templateSource(subj, where+".subject"); ok {
		if strings.ContainsAny(src, "\r\n") {
			p.Errf(subj, "%s.subject: must be one line", where)
		} else if tt, err := texttemplate.New("subject").Parse(src); err != nil {
			p.templateError(subj, where+".subject", err)
		} else {
			t.subject = tt
		}
	}
	if src, ok := p.templateSource(html, where+".html"); ok {
		if ht, err := htmltemplate.New("html").Parse(src); err != nil {
			p.templateError(html, where+".html", err)
		} else {
			t.html = ht
		}
	}
	if src, ok := p.templateSource(text, where+".text"); ok {
		if tt, err := texttemplate.New("text").Parse(src); err != nil {
			p.templateError(text, where+".text", err)
		} else {
			t.text = tt
		}
	}
	if p.Count() != before {
		return nil, false
	}
	// Execute once: field typos and HTML contexts html/template cannot
	// escape safely only show when a template runs.
	for _, part := range []struct {
		node *yaml.Node
		name string
		exec func(io.Writer, any) error
	}{
		{subj, ".subject", t.subject.Execute}, {html, ".html", t.html.Execute}, {text, ".text", t.text.Execute},
	} {
		if err := part.exec(io.Discard, sampleData); err != nil {
			p.templateError(part.node, where+part.name, err)
		}
	}
	if p.Count() != before {
		return nil, false
	}
	var b strings.Builder
	if err := t.subject.Execute(&b, emptyData); err == nil && mail.OneLine(b.String()) == "" {
		p.Errf(subj, "%s.subject: empty for a lead that gave only an email address (add text outside {{…}}, or an {{else}})", where)
		return nil, false
	}
	if n, err := t.largestHTML(); err == nil && n > mail.MaxHTMLSize {
		p.Errf(html, "%s.html: an email of this template can be %d KB as sent (with the longest names a lead can give, "+
			"its links tracked, the open pixel and the footer), and Gmail clips an email over 102 KB, hiding its end: "+
			"the unsubscribe link and the postal address. Keep it under %d KB (less inline style, no embedded images, fewer links)",
			where, (n+1023)>>10, mail.MaxHTMLSize>>10)
		return nil, false
	}
	return t, true
}

// largestData is a lead whose every field is as long as a template may
// show it, in characters that take the most bytes as sent.
var largestData = func() TemplateData {
	long := func(n int) string { return strings.Repeat("漢", n) }
	return TemplateData{FirstName: long(40), Name: long(100), Company: long(100), JobTitle: long(100), Industry: long(100), Country: long(100),
		UnsubscribeURL: "https://" + strings.Repeat("a", 72) + "/unsubscribe/" + strings.Repeat("t", 160)}
}()

// Click tracking as largestHTML counts it: a long API address, a lead id.
var (
	sizeKeys, _ = token.ParseKeys("k1:0123456789abcdef0123")
	sizeBase    = "https://" + strings.Repeat("a", 72)
)

// openPixelSize bounds the open-tracking pixel's tag (Runner.TrackOpens).
const openPixelSize = 400

// largestHTML is how large (mail.EncodedSize) the HTML part of this
// template's email can be: for largestData, the longest postal address,
// every link replaced by its click-tracking redirect, and the open pixel.
func (t *emailTemplate) largestHTML() (int, error) {
	e, err := t.render(largestData, strings.Repeat("漢", MaxPostalAddress))
	if err != nil {
		return 0, err
	}
	n := mail.EncodedSize(e.HTML) + openPixelSize
	for _, link := range e.Links {
		if click := links.Click(sizeKeys, sizeBase, "01JZZZZZZZZZZZZZZZZZZZZZZZ", link, time.Unix(0, 0)); click != "" {
			n += strings.Count(e.HTML, htmlAttr(link)) * max(0, len(click)-len(htmlAttr(link)))
		}
	}
	return n, nil
}

// replyTo reads a template's reply_to: sales, or an address SES takes.
func (p *parser) replyTo(n *yaml.Node, where string) string {
	v := yamlconf.Resolve(n)
	if v != nil && v.Kind == yaml.ScalarNode {
		s := strings.TrimSpace(v.Value)
		if s == ReplyToSales || (s != "" && mail.ReplyTo(s) == s) {
			return s
		}
	}
	p.Errf(n, "%s: expected sales (the sales address) or an email address, got %s", where, yamlconf.What(n))
	return ""
}

// langTag is a language tag as an email's lang declares it: a language
// (two or three letters), then optional subtags (region, script).
var langTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// lang reads a template's language, the tag its email declares ("de").
func (p *parser) lang(n *yaml.Node, where string) string {
	if v := yamlconf.Resolve(n); v != nil && v.Kind == yaml.ScalarNode && langTag.MatchString(strings.TrimSpace(v.Value)) {
		return strings.TrimSpace(v.Value)
	}
	p.Errf(n, "%s: expected a language tag such as de, en-GB or pt-BR, got %s", where, yamlconf.What(n))
	return ""
}

// templateSource reads a template's text, which must not be empty.
func (p *parser) templateSource(n *yaml.Node, where string) (string, bool) {
	if _, ok := p.Str(n, where); !ok {
		return "", false
	}
	src := yamlconf.Resolve(n).Value
	if strings.TrimSpace(src) == "" {
		p.Errf(n, "%s: empty", where)
		return "", false
	}
	return src, true
}

var (
	templateErrRe = regexp.MustCompile(`^(?:html/)?template: ?[^:]*:(\d+):(?:\d+:)? ?(.*)$`)
	executingRe   = regexp.MustCompile(`^executing "[^"]*" at <([^>]*)>: (.*)$`)
	fieldRe       = regexp.MustCompile(`^can't evaluate field (\S+) in type`)
)

var templateFields = []string{"FirstName", "Name", "Company", "JobTitle", "Industry", "Country", "UnsubscribeURL"}

// templateError reports a template's parse or execution error at the
// line of the file it is on, in words a template author knows.
func (p *parser) templateError(n *yaml.Node, where string, err error) {
	msg, line := err.Error(), n.Line
	if m := templateErrRe.FindStringSubmatch(msg); m != nil {
		tl, _ := strconv.Atoi(m[1])
		msg = m[2]
		line += tl - 1
		if r := yamlconf.Resolve(n); r.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			line++ // a block scalar starts on the line after its "|"
		}
	}
	if m := executingRe.FindStringSubmatch(msg); m != nil {
		msg = m[2]
		if f := fieldRe.FindStringSubmatch(m[2]); f != nil {
			hint := "fields: " + strings.Join(templateFields, ", ")
			lower := make([]string, len(templateFields))
			for i, tf := range templateFields {
				lower[i] = strings.ToLower(tf)
			}
			if s := yamlconf.Suggest(f[1], lower); s != "" {
				for _, tf := range templateFields {
					if strings.ToLower(tf) == s {
						hint = "did you mean {{." + tf + "}}?"
					}
				}
			}
			msg = "unknown field {{" + m[1] + "}} (" + hint + ")"
		}
	}
	p.Errf(&yaml.Node{Line: line}, "%s: %s", where, msg)
}
