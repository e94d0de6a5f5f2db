package campaign

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/yamlconf"
)

func (p *parser) form(c *Campaign, k, n *yaml.Node) {
	f := &c.Form
	var fieldsKey, fieldsNode, questionsKey, questionsNode, requiredNode *yaml.Node
	p.Object(k, n, "form",
		yamlconf.Required("form_type", func(_, v *yaml.Node) { f.FormType, _ = p.slug(v, "form.form_type", "form type", "demo_request") }),
		yamlconf.Required("consent_text", func(_, v *yaml.Node) {
			f.ConsentText, _ = p.text(v, "form.consent_text", maxConsentText, false)
		}),
		yamlconf.Required("consent_version", func(_, v *yaml.Node) {
			f.ConsentVersion, _ = p.text(v, "form.consent_version", maxConsentVer, false)
		}),
		yamlconf.Required("fields", func(k, v *yaml.Node) { fieldsKey, fieldsNode = k, v }),
		yamlconf.Optional("required", func(_, v *yaml.Node) { requiredNode = v }),
		yamlconf.Optional("questions", func(k, v *yaml.Node) { questionsKey, questionsNode = k, v }),
	)
	// asked holds every field and question id the file names, valid or
	// not, so a broken one is not reported again by required.
	asked := map[string]bool{}
	fieldLines := map[string]int{}
	if fieldsKey != nil {
		p.fields(f, fieldsNode, fieldLines, asked)
	}
	p.questions(f, questionsNode, fieldLines, asked)
	p.required(f, requiredNode, asked)
	if size := choicesSize(f); size > maxChoicesSize {
		p.Errf(questionsKey, "form.questions: the longest choices add %d bytes to every post, at most %d (the API takes %d KiB per lead, and people need room to type)",
			size, maxChoicesSize, maxBody>>10)
	}
}

// fields reads the standard fields: names, or {field: name, label: text}.
// Email is always asked, first, and always required.
func (p *parser) fields(f *Form, n *yaml.Node, lines map[string]int, asked map[string]bool) {
	var fields []Field
	p.List(n, "form.fields", func(item *yaml.Node, path string) {
		fd := Field{}
		var nameNode *yaml.Node
		if item.Kind == yaml.MappingNode {
			p.Object(item, item, path,
				yamlconf.Required("field", func(_, v *yaml.Node) {
					var ok bool
					if fd.Name, ok = p.Str(v, path+".field"); ok {
						nameNode = v
					}
				}),
				yamlconf.Optional("label", func(_, v *yaml.Node) { fd.Label, _ = p.text(v, path+".label", maxLabel, false) }),
			)
		} else {
			var ok bool
			if fd.Name, ok = p.Str(item, path); ok {
				nameNode = item
			}
		}
		if nameNode == nil {
			return
		}
		asked[fd.Name] = true
		spec, ok := inputs[fd.Name]
		switch {
		case ok:
		case questionFields[fd.Name] || lead.IsField(fd.Name):
			p.Errf(nameNode, "form.fields: %s is not asked as a text field (%s)", yamlconf.Quote(fd.Name), notAsked(fd.Name))
			return
		default:
			hint := "fields: " + strings.Join(inputOrder, ", ") + "; ask anything else as a question"
			if s := yamlconf.Suggest(fd.Name, inputOrder); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			p.Errf(nameNode, "form.fields: unknown field %s (%s)", yamlconf.Quote(fd.Name), hint)
			return
		}
		if line, dup := lines[fd.Name]; dup {
			p.Errf(nameNode, "form.fields: %s is listed twice (first at line %d)", fd.Name, line)
			return
		}
		lines[fd.Name] = nameNode.Line
		if fd.Label == "" {
			fd.Label = spec.label
		}
		fields = append(fields, fd)
	})
	if _, ok := lines["email"]; !ok {
		fields = append([]Field{{Name: "email", Label: inputs["email"].label}}, fields...)
	}
	for i := range fields {
		if fields[i].Name == "email" {
			fields[i].Required = true
			fields = append(append([]Field{fields[i]}, fields[:i]...), fields[i+1:]...)
			break
		}
	}
	f.Fields = fields
}

// notAsked explains why a lead field cannot be a text field of the form.
func notAsked(name string) string {
	switch {
	case name == "consent" || name == "consent_text_version":
		return "the consent checkbox is always on the form; set its text with consent_text"
	case name == "form_type":
		return "set it with form.form_type"
	case name == "time_zone":
		return "it is derived from the country"
	}
	return "the page fills it in"
}

func (p *parser) questions(f *Form, n *yaml.Node, fieldLines map[string]int, asked map[string]bool) {
	if list := yamlconf.Resolve(n); list != nil && list.Kind == yaml.SequenceNode && len(list.Content) > maxQuestions {
		p.Errf(list, "form.questions: at most %d questions, got %d", maxQuestions, len(list.Content))
		return
	}
	first := map[string]int{}
	p.List(n, "form.questions", func(item *yaml.Node, path string) {
		q := Question{}
		var idNode *yaml.Node
		idOK, labelOK, choicesOK := false, false, false
		p.Object(item, item, path,
			yamlconf.Required("id", func(_, v *yaml.Node) {
				idNode = v
				if s, ok := p.Str(v, path+".id"); ok {
					asked[s] = true
					q.ID, idOK = p.questionID(v, path+".id", s)
				}
			}),
			yamlconf.Required("label", func(_, v *yaml.Node) { q.Label, labelOK = p.text(v, path+".label", maxLabel, false) }),
			yamlconf.Required("choices", func(k, v *yaml.Node) { q.Choices, choicesOK = p.choices(k, v, path+".choices") }),
		)
		if !idOK {
			return
		}
		if line, dup := fieldLines[q.ID]; dup {
			p.Errf(idNode, "%s: %s is also in form.fields (line %d); ask it once", path, q.ID, line)
			return
		}
		if line, dup := first[q.ID]; dup {
			p.Errf(idNode, "%s: duplicate question id %s (first at line %d)", path, yamlconf.Quote(q.ID), line)
			return
		}
		first[q.ID] = idNode.Line
		if choicesOK && idOK {
			limit := lead.MaxAnswerLength
			if questionFields[q.ID] {
				limit = inputs[q.ID].max
			}
			for _, ch := range q.Choices {
				if utf8.RuneCountInString(ch) > limit {
					p.Errf(idNode, "%s: choice %s is longer than %d characters, the most %s accepts", path, yamlconf.Quote(ch), limit, q.InputName())
					choicesOK = false
				}
			}
		}
		if labelOK && choicesOK {
			f.Questions = append(f.Questions, q)
		}
	})
}

// questionID reads an answer key, or a standard field a question may fill.
func (p *parser) questionID(n *yaml.Node, where, s string) (string, bool) {
	switch {
	case questionFields[s]:
		return s, true
	case lead.IsField(s):
		p.Errf(n, "%s: %s is a standard field that cannot be a multiple-choice question (questions may fill company_size, budget, timeline or industry, or any answer key of their own)",
			where, yamlconf.Quote(s))
	case s == "" || len(s) > lead.MaxAnswerKey || !answerKeyRe.MatchString(s):
		p.Errf(n, "%s: question id %s must be 1-%d lowercase letters, digits or _, starting with a letter or digit (it is sent as answers[%s]), like crm",
			where, yamlconf.Quote(s), lead.MaxAnswerKey, s)
	default:
		return s, true
	}
	return "", false
}

func (p *parser) choices(k, n *yaml.Node, where string) ([]string, bool) {
	vals, nodes := p.Strs(n, where)
	ok := true
	first := map[string]int{}
	for i, v := range vals {
		if !p.checkText(nodes[i], where, v, lead.MaxAnswerLength, false) {
			ok = false
			continue
		}
		if line, dup := first[v]; dup {
			p.Errf(nodes[i], "%s: %s is listed twice (first at line %d)", where, yamlconf.Quote(v), line)
			ok = false
			continue
		}
		first[v] = nodes[i].Line
	}
	switch {
	case len(vals) > maxChoices:
		p.Errf(k, "%s: at most %d choices, got %d", where, maxChoices, len(vals))
		ok = false
	case len(vals) < 2 && ok:
		p.Errf(k, "%s: give at least two choices", where)
		ok = false
	}
	return vals, ok
}

// required marks fields and questions as required; each must be asked.
func (p *parser) required(f *Form, n *yaml.Node, mentioned map[string]bool) {
	vals, nodes := p.Strs(n, "form.required")
	first := map[string]int{}
	for i, name := range vals {
		if line, dup := first[name]; dup {
			p.Errf(nodes[i], "form.required: %s is listed twice (first at line %d)", name, line)
			continue
		}
		first[name] = nodes[i].Line
		found := false
		for j := range f.Fields {
			if f.Fields[j].Name == name {
				f.Fields[j].Required, found = true, true
			}
		}
		for j := range f.Questions {
			if f.Questions[j].ID == name {
				f.Questions[j].Required, found = true, true
			}
		}
		if !found && !mentioned[name] && name != "email" {
			asked := make([]string, 0, len(f.Fields)+len(f.Questions))
			for _, fd := range f.Fields {
				asked = append(asked, fd.Name)
			}
			for _, q := range f.Questions {
				asked = append(asked, q.ID)
			}
			hint := "the form asks " + strings.Join(asked, ", ")
			if s := yamlconf.Suggest(name, asked); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			p.Errf(nodes[i], "form.required: %s is not in form.fields or form.questions (%s)", yamlconf.Quote(name), hint)
		}
	}
}

// choicesSize is the most a form's choices can add to a post: for each
// question, its name and its longest choice, URL-encoded.
func choicesSize(f *Form) int {
	size := 0
	for _, q := range f.Questions {
		longest := 0
		for _, ch := range q.Choices {
			longest = max(longest, len(url.QueryEscape(ch)))
		}
		size += len(url.QueryEscape(q.InputName())) + 2 + longest
	}
	return size
}
