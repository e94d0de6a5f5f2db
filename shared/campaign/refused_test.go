package campaign

import (
	"net/url"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
)

// TestRefusedPageSaysEachProblemNextToItsField: a post of the hosted
// page that the API refused comes back as the same page, the answers as
// they were typed, each problem said next to its field — the field marked
// invalid and described by it, so a screen reader reads the reason with
// the field — and listed, in the form's order, in a summary at the top
// that is announced and focused as the page opens and links to each field.
func TestRefusedPageSaysEachProblemNextToItsField(t *testing.T) {
	c := mustParse(t, full)
	post := url.Values{"email": {"ada at bigcorp"}, "name": {"Ada <Lovelace>"}, "company": {""}, "timeline": {"this year"},
		"answers[crm]": {"HubSpot"}, "message": {"Two\nlines"}, "consent": {"true"}}
	doc := render(t, c, PageData{Action: "/leads", Idem: "x", Variant: Variant{ID: "b"}, Refused: &Refused{Values: post, Problems: []FieldProblem{
		{"company", "is required"}, {"email", "is not a valid email address"}, {"utm_source", "is too long"},
	}}})
	for _, want := range []string{
		`<title>Error: Answer every hot lead in 5 minutes</title>`,
		// the summary: announced, focused, in the form's order, linking each field
		`role="alert"`, `tabindex="-1" autofocus`,
		`href="#lf-q4-demo-email">Work email: is not a valid email address</a>`,
		`href="#lf-q4-demo-company">Company: is required</a>`,
		`<li>Campaign source (utm_source): is too long</li>`,
		// next to each field, tied to it
		`<p class="lf-error" id="lf-q4-demo-email-error">is not a valid email address</p>`,
		`id="lf-q4-demo-email" name="email" maxlength="254" autocomplete="email" aria-invalid="true" aria-describedby="lf-q4-demo-email-error" required value="ada at bigcorp"`,
		`id="lf-q4-demo-company" name="company" maxlength="200" autocomplete="organization" aria-invalid="true" aria-describedby="lf-q4-demo-company-error" required value=""`,
		// what was typed is kept, escaped
		`value="Ada &lt;Lovelace&gt;"`, ">Two\nlines</textarea>",
		`value="this year" checked>`, `value="HubSpot" checked>`,
		`name="consent" value="true" checked>`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the refused page lacks %s", want)
		}
	}
	if strings.Index(doc, "#lf-q4-demo-email") > strings.Index(doc, "#lf-q4-demo-company") {
		t.Error("the summary does not list the problems in the form's order (Work email comes first)")
	}
	if strings.Count(doc, `aria-invalid="true"`) != 2 {
		t.Errorf("%d fields marked invalid, want 2 (email, company)", strings.Count(doc, `aria-invalid="true"`))
	}
	if p := httpapitest.AccessibilityProblems(doc); len(p) > 0 {
		t.Errorf("accessibility: %v", p)
	}
	// Not refused: no summary, no marks, nothing filled in.
	plain := render(t, c, PageData{Action: "/leads", Idem: "x", Variant: Variant{ID: "b"}})
	plain = plain[strings.Index(plain, "</style>"):]
	for _, not := range []string{"aria-invalid", "lf-error", "role=\"alert\"", " checked", " selected", "Error:"} {
		if strings.Contains(plain, not) {
			t.Errorf("the page as first shown holds %s", not)
		}
	}
}
