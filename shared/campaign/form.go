package campaign

import (
	"html/template"
	"strconv"
	"sync"
)

// formView is a campaign's form ready for the template; the hosted page and
// the snippet render the same one.
type formView struct {
	Inline   bool // styles inline (snippet) rather than as classes (page)
	Action   string
	Target   string // the form's target ("_top" in a frame); "" for none
	Prefix   string // element ids start with it: lf-<campaign>
	Controls []control
	Required bool // some control is required: explain the *
	Consent  string
	Privacy  string // the privacy notice linked next to the consent box
	Hidden   []hiddenField
	CTA      string
	// Refused: the form shown again after the API refused its post:
	// Problems, in the form's order, for the summary above it; each
	// control's Value, Error and choices' Checked from the post.
	Problems []problemView
	Checked  bool // the consent box, as posted
}

// problemView is one line of a refused form's summary: Href links the
// field it is about ("" for none of the form's: a hidden field).
type problemView struct{ Text, Href string }

type control struct {
	Kind         string // "input", "textarea", "radio" or "select"
	ID, Name     string
	Label        string
	Type         string
	Autocomplete string
	Pattern      string
	Title        string
	Max          string // maxlength
	Required     bool
	Wide         bool // spans the whole row
	Choices      []choice
	Value        string // as posted, when the form is shown again
	Error        string // why the API refused it ("" : it did not)
}

type choice struct {
	ID, Value string
	Checked   bool
}

type hiddenField struct{ Name, Value string }

// form builds the view of c's form as it shows variant v.
func (c *Campaign) form(inline bool, action string, v Variant, hidden []hiddenField) formView {
	f := formView{Inline: inline, Action: action, Prefix: "lf-" + c.ID, Consent: c.Form.ConsentText, Privacy: c.PrivacyURL, CTA: v.CTA}
	for _, fd := range c.Form.Fields {
		in := inputs[fd.Name]
		ct := control{Kind: "input", ID: f.Prefix + "-" + fd.Name, Name: fd.Name, Label: fd.Label, Type: in.typ,
			Autocomplete: in.autocomplete, Pattern: in.pattern, Title: in.title, Max: strconv.Itoa(in.max), Required: fd.Required}
		if in.typ == "" {
			ct.Kind, ct.Wide = "textarea", true
		}
		f.Controls = append(f.Controls, ct)
	}
	for _, q := range c.Form.Questions {
		ct := control{Kind: "radio", ID: f.Prefix + "-q-" + q.ID, Name: q.InputName(), Label: q.Label, Required: q.Required, Wide: true}
		if len(q.Choices) > radioLimit {
			ct.Kind, ct.Wide = "select", false
		}
		for i, ch := range q.Choices {
			ct.Choices = append(ct.Choices, choice{ID: ct.ID + "-" + strconv.Itoa(i), Value: ch})
		}
		f.Controls = append(f.Controls, ct)
	}
	for _, ct := range f.Controls {
		f.Required = f.Required || ct.Required
	}
	f.Hidden = append([]hiddenField{
		{"campaign", c.ID},
		{"variant", v.ID},
		{"form_type", c.Form.FormType},
		{"consent_text_version", c.Form.ConsentVersion},
	}, hidden...)
	return f
}

// The form: a label for every control, a fieldset and legend for every
// radio group, the marketing consent checkbox, the honeypot (fax) kept
// away from people and screen readers, and the hidden context fields.
// Required is the browser's own validation; the API checks again.
const formTmpl = `{{define "req"}}{{if .Required}}<span{{st .Inline "req"}} aria-hidden="true"> *</span>{{end}}{{end}}
{{define "error"}}{{if .Error}}<p class="lf-error" id="{{.ID}}-error">{{.Error}}</p>{{end}}{{end}}
{{define "invalid"}}{{if .Error}} aria-invalid="true" aria-describedby="{{.ID}}-error"{{end}}{{end}}
{{- define "form" -}}
<form{{st .Inline "form"}} method="post" action="{{.Action}}"{{if .Target}} target="{{.Target}}"{{end}} accept-charset="utf-8">
{{if .Problems}}<div{{st .Inline "problems"}} id="{{.Prefix}}-problems" role="alert" tabindex="-1" autofocus><p{{st .Inline "problemshead"}}>Please check the form</p><ul{{st .Inline "problemlist"}}>
{{range .Problems}}<li>{{if .Href}}<a{{st $.Inline "problemlink"}} href="{{.Href}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}</li>
{{end}}</ul></div>
{{end}}{{if .Required}}<p{{st .Inline "note"}}>Fields marked * are required.</p>
{{end}}
{{- range $c := .Controls}}
{{- if eq .Kind "radio"}}<fieldset{{st $.Inline "fieldset"}}{{if .Error}} aria-describedby="{{.ID}}-error"{{end}}><legend{{st $.Inline "legend"}}>{{.Label}}{{template "req" (req $.Inline .Required)}}</legend>{{template "error" .}}<div{{st $.Inline "choices"}}>
{{range .Choices}}<label{{st $.Inline "choice"}} for="{{.ID}}"><input{{st $.Inline "radio"}} type="radio" id="{{.ID}}" name="{{$c.Name}}" value="{{.Value}}"{{if $c.Error}} aria-invalid="true"{{end}}{{if $c.Required}} required{{end}}{{if .Checked}} checked{{end}}>{{.Value}}</label>
{{end}}</div></fieldset>
{{else}}<div{{if .Wide}}{{st $.Inline "wide"}}{{else}}{{st $.Inline "field"}}{{end}}><label{{st $.Inline "label"}} for="{{.ID}}">{{.Label}}{{template "req" (req $.Inline .Required)}}</label>{{template "error" .}}
{{- if eq .Kind "select"}}<select{{st $.Inline "input"}} id="{{.ID}}" name="{{.Name}}"{{template "invalid" .}}{{if .Required}} required{{end}}><option value="">Choose…</option>
{{- range .Choices}}<option value="{{.Value}}"{{if .Checked}} selected{{end}}>{{.Value}}</option>{{end}}</select>
{{- else if eq .Kind "textarea"}}<textarea{{st $.Inline "textarea"}} id="{{.ID}}" name="{{.Name}}" rows="4" maxlength="{{.Max}}"{{template "invalid" .}}{{if .Required}} required{{end}}>{{.Value}}</textarea>
{{- else}}<input{{st $.Inline "input"}} type="{{.Type}}" id="{{.ID}}" name="{{.Name}}" maxlength="{{.Max}}"
{{- if .Autocomplete}} autocomplete="{{.Autocomplete}}"{{end}}
{{- if .Pattern}} pattern="{{.Pattern}}" title="{{.Title}}"{{end}}{{template "invalid" .}}{{if .Required}} required{{end}}{{if $.Problems}} value="{{.Value}}"{{end}}>
{{- end}}</div>
{{end}}
{{- end}}<div{{st .Inline "consent"}}><input{{st .Inline "checkbox"}} type="checkbox" id="{{.Prefix}}-consent" name="consent" value="true"{{if .Checked}} checked{{end}}><label{{st .Inline "consenttext"}} for="{{.Prefix}}-consent">{{.Consent}}</label>
{{- if .Privacy}} <a{{st .Inline "privacy"}} href="{{.Privacy}}" target="_blank" rel="noopener">Privacy notice</a>{{end}}</div>
<div{{st .Inline "hp"}} aria-hidden="true"><label for="{{.Prefix}}-fax">Leave this field empty</label><input type="text" id="{{.Prefix}}-fax" name="fax" tabindex="-1" autocomplete="off"></div>
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<button{{st .Inline "button"}} type="submit">{{.CTA}}</button>
</form>
{{end}}`

var funcs = template.FuncMap{
	"st": styleAttr,
	"req": func(inline, required bool) map[string]bool {
		return map[string]bool{"Inline": inline, "Required": required}
	},
}

// The page templates are parsed on first use (a capture that only takes
// posts never parses them), each from its sources: html/template cannot
// clone a template once it has run.
var formTemplate = sync.OnceValue(newFormTemplate)

func newFormTemplate() *template.Template {
	return template.Must(template.New("form").Funcs(funcs).Parse(formTmpl))
}
