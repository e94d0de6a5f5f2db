package campaign

import (
	"strings"
	"testing"
)

func TestLabel(t *testing.T) {
	c := mustParse(t, full)
	tests := []struct {
		c           *Campaign
		field, want string
	}{
		{c, "email", "Work email"},
		{c, "message", "What should the demo cover?"}, // the campaign's own label
		{c, "country", "Country code (e.g. DE)"},
		{c, "company_size", "Company size"},           // a question filling a standard field
		{c, "timeline", "When do you want to start?"}, // likewise, with its own label
		{c, "answers.crm", "Which CRM do you use?"},   // a custom question
		{c, "answers.company_size", "Company size"},   // not a question of the form: humanised
		{c, "answers.role_focus", "Role focus"},       // an answer this form does not ask
		{c, "phone", "Phone"},                         // a standard field the form does not ask
		{nil, "email", "Work email"},                  // no campaign: standard labels
		{nil, "country", "Country"},
		{nil, "company_size", "Company size"},
		{nil, "answers.crm", "Crm"},
		{nil, "utm_source", "Campaign source (utm_source)"},
		{nil, "idempotency_key", "Idempotency key"},
		{nil, "answers.", "answers."},
	}
	for _, tt := range tests {
		if got := tt.c.Label(tt.field); got != tt.want {
			t.Errorf("Label(%q) with campaign %v = %q, want %q", tt.field, tt.c != nil, got, tt.want)
		}
	}
}

func TestEmbedFrame(t *testing.T) {
	c := mustParse(t, strings.Replace(full, "{id: b, weight: 50", "{id: b, weight: 25", 1))
	snip := c.EmbedFrame("https://api.example.com/")
	for _, want := range []string{
		"<!-- leadflow form: campaign q4-demo, A/B split a 67% / b 33%.",
		"The frame shows each visitor one variant, picked by weight",
		"AllowedOrigins",
		"https://api.example.com/c/q4-demo/embed?variant=a gives the form\n     as static HTML, which pins that one variant for every visitor (no A/B split). -->\n",
		`<iframe src="https://api.example.com/c/q4-demo/form" title="Form" loading="lazy" style="display:block;width:100%;max-width:46rem;height:`,
	} {
		if !strings.Contains(snip, want) {
			t.Errorf("embed snippet lacks %q:\n%s", want, snip)
		}
	}
	if strings.Count(snip, "-->") != 1 || strings.Index(snip, "-->") > strings.Index(snip, "<iframe") {
		t.Errorf("the comment ends early or late:\n%s", snip)
	}
	one := mustParse(t, strings.Replace(full, "  - {id: b, weight: 50, headline: \"Answer every hot lead in 5 minutes\", offer: \"Free routing audit\", cta: \"Get my audit\"}\n", "", 1))
	snip = one.EmbedFrame("https://api.example.com")
	if strings.Contains(snip, "split") || !strings.Contains(snip, `title="Form: Book my demo"`) {
		t.Errorf("single-variant embed:\n%s", snip)
	}
}

// The framed page picks a variant like the hosted page and posts to the
// top window, so the thank-you page is not squeezed into the frame.
func TestRenderPageFramed(t *testing.T) {
	c := mustParse(t, full)
	doc := render(t, c, PageData{Action: "https://api.example.com/leads", Idem: "x", Framed: true})
	if !strings.Contains(doc, `action="https://api.example.com/leads" target="_top"`) || !strings.Contains(doc, `<main class="lf-page lf-framed">`) {
		t.Errorf("framed page:\n%s", doc)
	}
	doc = render(t, c, PageData{Action: "https://api.example.com/leads", Idem: "x"})
	if strings.Contains(doc, `target="_top"`) || strings.Contains(doc, `class="lf-page lf-framed"`) {
		t.Errorf("hosted page with a target or framed:\n%s", doc)
	}
}

// TestFrameHeightFollowsTheText: the frame's height is estimated at phone
// width from the text it shows (the browser walk measures it at 360 px),
// so a longer headline, offer, consent text or choices that wrap onto
// more rows make the frame taller; the shortest form still gets room.
func TestFrameHeightFollowsTheText(t *testing.T) {
	base := mustParse(t, full)
	h := base.frameHeight()
	longer := func(what, from, to string) {
		t.Helper()
		c := mustParse(t, strings.Replace(full, from, to, 1))
		if got := c.frameHeight(); got <= h {
			t.Errorf("%s: frame height %d, not more than %d", what, got, h)
		}
	}
	longer("headline", `headline: "See leadflow on your own funnel"`, `headline: "See leadflow on your own funnel, with your own data, in thirty minutes flat"`)
	longer("consent", `consent_text: "`, `consent_text: "Yes, please also send me the monthly digest of what we learned from three hundred teams. `)
	longer("choices", `choices: [Salesforce, HubSpot, Pipedrive, Other]`, `choices: [Salesforce Sales Cloud, HubSpot Sales Hub, Pipedrive CRM, Something else]`)
	if h < 1000 {
		t.Errorf("frame height %d: too short for a form of %d fields and %d questions on a phone", h, len(base.Form.Fields), len(base.Form.Questions))
	}
}
