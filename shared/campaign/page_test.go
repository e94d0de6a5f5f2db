package campaign

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func render(t *testing.T, c *Campaign, p PageData) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.RenderPage(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func hiddenValue(t *testing.T, doc, name string) (string, bool) {
	t.Helper()
	for _, c := range scanForm(t, doc).controls {
		if c.typ == "hidden" && c.name == name {
			return c.value, true
		}
	}
	return "", false
}

func TestRenderPageShowsTheVariant(t *testing.T) {
	c := mustParse(t, full)
	doc := render(t, c, PageData{Action: "/leads", Idem: "x", Variant: Variant{ID: "b"}})
	for _, want := range []string{
		"<title>Answer every hot lead in 5 minutes</title>",
		"<h1>Answer every hot lead in 5 minutes</h1>",
		`<p class="lf-offer">Free routing audit</p>`,
		`type="submit">Get my audit</button>`,
		`<label class="lf-label" for="lf-q4-demo-message">What should the demo cover?</label>`,
		`<legend class="lf-legend">Company size</legend>`,
		`<html lang="en">`, `<meta name="viewport"`, `<meta charset="utf-8">`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if v, _ := hiddenValue(t, doc, "variant"); v != "b" {
		t.Errorf("variant field = %q", v)
	}
	// the zero Variant: the token decides, the same way every time
	for _, idem := range []string{"t1", "t2", "t3", "t4", "t5", "t6"} {
		doc := render(t, c, PageData{Action: "/leads", Idem: idem})
		want := c.PickVariant(idem)
		if v, _ := hiddenValue(t, doc, "variant"); v != want.ID || !strings.Contains(doc, "<h1>"+want.Headline+"</h1>") {
			t.Errorf("idem %s: variant %q, want %q", idem, v, want.ID)
		}
	}
}

func TestRenderPageHiddenFields(t *testing.T) {
	c := mustParse(t, full)
	doc := render(t, c, PageData{
		Action:      "https://api.example.com/leads",
		LandingPage: "https://go.example.com/q4?utm_source=x&a=1",
		Referrer:    "android-app://com.linkedin.android/", // the API takes http(s) only: left out
		UTM: map[string]string{
			"utm_source": " linkedin ", "utm_medium": "paid\nsocial", "utm_term": strings.Repeat("t", 201),
			"utm_content": "carousel", "utm_id": "not a field", "gclid": "x",
		},
		Idem:    "tok-1",
		Variant: Variant{ID: "a"},
	})
	want := map[string]string{
		"campaign": "q4-demo", "variant": "a", "form_type": "demo_request", "consent_text_version": "2026-09",
		"_idem": "tok-1", "landing_page": "https://go.example.com/q4?utm_source=x&a=1",
		"utm_source": "linkedin", "utm_content": "carousel",
	}
	got := map[string]string{}
	for _, c := range scanForm(t, doc).controls {
		if c.typ == "hidden" {
			got[c.name] = c.value
		}
	}
	if len(got) != len(want) {
		t.Errorf("hidden fields = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("hidden %s = %q, want %q", k, got[k], v)
		}
	}
	// without a token there is no _idem field (an empty key is no key)
	doc = render(t, c, PageData{Action: "/leads"})
	if _, ok := hiddenValue(t, doc, "_idem"); ok {
		t.Error("empty _idem field rendered")
	}
}

func TestRenderPageEscapesEverything(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	src := strings.NewReplacer(
		`headline: "Answer every hot lead in 5 minutes"`, `headline: "`+evil+`"`,
		`offer: "Free routing audit"`, `offer: "</p>`+evil+`"`,
		`cta: "Get my audit"`, `cta: "</button>`+evil+`"`,
		`label: "Which CRM do you use?"`, `label: "`+evil+`"`,
		`label: "What should the demo cover?"`, `label: "</label>`+evil+`"`,
		`[Salesforce, HubSpot,`, `["\"><script>x()</script>", HubSpot,`,
		`consent_text: "Send me`, `consent_text: "<script>y()</script> Send me`,
	).Replace(full)
	c := mustParse(t, src)
	doc := render(t, c, PageData{
		Action:      `/leads"><script>z()</script>`,
		LandingPage: `https://x.example/"><script>lp()</script>`,
		Referrer:    `https://r.example/?q=<script>`,
		UTM:         map[string]string{"utm_source": `"><script>utm()</script>`, "utm_campaign": "</title><script>u()</script>"},
		Idem:        `"><script>idem()</script>`,
		Variant:     Variant{ID: "b"},
	})
	if m := regexp.MustCompile(`(?i)<script`).FindAllStringIndex(doc, -1); len(m) > 0 {
		t.Errorf("%d unescaped <script in the page:\n%s", len(m), doc)
	}
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", `value="&#34;&gt;&lt;script&gt;utm()&lt;/script&gt;"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("page lacks the escaped %s", want)
		}
	}
	// and the form still posts exactly what was given
	if v, _ := hiddenValue(t, doc, "utm_source"); v != `"><script>utm()</script>` {
		t.Errorf("utm_source = %q", v)
	}
	snip := c.Snippet("https://api.example.com")
	if strings.Contains(strings.ToLower(snip), "<script") {
		t.Errorf("unescaped <script in the snippet:\n%s", snip)
	}
}

func TestRenderPagePaused(t *testing.T) {
	c := mustParse(t, strings.Replace(full, "status: live", "status: paused", 1))
	doc := render(t, c, PageData{Action: "/leads", Idem: "x"})
	if !strings.Contains(doc, "<h1>This offer has ended</h1>") {
		t.Errorf("paused page lacks its heading:\n%s", doc)
	}
	for _, no := range []string{"<form", "<input", "<button", "See leadflow", "Answer every"} {
		if strings.Contains(doc, no) {
			t.Errorf("paused page contains %s", no)
		}
	}
	// a paused campaign renders even without an action or with any variant
	if err := c.RenderPage(&bytes.Buffer{}, PageData{Variant: Variant{ID: "gone"}}); err != nil {
		t.Errorf("paused: %v", err)
	}
}

func TestRenderPageNeedsNothingFromElsewhere(t *testing.T) {
	set, err := LoadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	paused := *set.All()[0]
	paused.Status = Paused
	docs := []string{render(t, &paused, PageData{})}
	for _, c := range set.All() {
		docs = append(docs, render(t, c, samplePageData(Variant{})), c.Snippet("https://api.example.com"))
	}
	external := regexp.MustCompile(`(?i)<script|<link|<img|<iframe|<object|<embed|\ssrc=|\shref=|@import|url\(|\son[a-z]+=`)
	// The privacy notice beside the consent box is the one link: a page the
	// visitor may open, nothing this page loads.
	privacy := regexp.MustCompile(`<a (class|style)="[^"]*" href="https://[^"]+" target="_blank" rel="noopener">Privacy notice</a>`)
	for _, doc := range docs {
		if m := external.FindString(privacy.ReplaceAllString(doc, "")); m != "" {
			t.Errorf("%q in\n%s", m, doc)
		}
	}
}

func TestRenderPageErrors(t *testing.T) {
	c := mustParse(t, full)
	tests := []struct {
		name string
		p    PageData
		is   error
		msg  string
	}{
		{"unknown variant", PageData{Action: "/leads", Variant: Variant{ID: "z"}}, ErrUnknownVariant, `unknown campaign variant "z" in campaign q4-demo`},
		{"no action", PageData{}, nil, "PageData.Action is empty"},
		{"token too long", PageData{Action: "/leads", Idem: strings.Repeat("k", 256)}, nil, "idempotency token is 256 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := c.RenderPage(&b, tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.msg) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("err = %v, want %q", err, tt.msg)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %d bytes before failing", b.Len())
			}
		})
	}
	if err := c.RenderPage(&bytes.Buffer{}, PageData{Action: "/leads", Idem: strings.Repeat("k", 255)}); err != nil {
		t.Errorf("255-byte token: %v", err)
	}
}

func TestSnippet(t *testing.T) {
	c := mustParse(t, full)
	snip := c.Snippet("https://abc.execute-api.eu-central-1.amazonaws.com/")
	if !strings.HasPrefix(snip, "<!-- leadflow form: campaign q4-demo, variant a.\n     Static HTML pins variant a for every visitor: no A/B split. "+
		"For the split, paste the frame from https://abc.execute-api.eu-central-1.amazonaws.com/c/q4-demo/embed instead; "+
		"for another variant, https://abc.execute-api.eu-central-1.amazonaws.com/c/q4-demo/embed?variant=b. -->\n<form") {
		t.Errorf("snippet starts %q", snip[:min(400, len(snip))])
	}
	f := scanForm(t, snip)
	if f.action != "https://abc.execute-api.eu-central-1.amazonaws.com/leads" {
		t.Errorf("action = %q", f.action)
	}
	for _, no := range []string{"<style", "class=", "<html", "<body", `name="_idem"`, `name="landing_page"`} {
		if strings.Contains(snip, no) {
			t.Errorf("snippet contains %s", no)
		}
	}
	if !strings.Contains(snip, `style="position:absolute;left:-10000px;`) {
		t.Error("snippet's honeypot is not hidden inline")
	}
	if v, _ := hiddenValue(t, snip, "campaign"); v != "q4-demo" {
		t.Errorf("campaign = %q", v)
	}
	b, err := c.VariantSnippet("https://api.example.com", "b")
	if err != nil || !strings.Contains(b, `name="variant" value="b"`) || !strings.Contains(b, ">Get my audit</button>") {
		t.Errorf("variant b snippet: %v\n%s", err, b)
	}
	if _, err := c.VariantSnippet("https://api.example.com", "zz"); !errors.Is(err, ErrUnknownVariant) {
		t.Errorf("unknown variant: %v", err)
	}
	// the same markup as the hosted page, styles aside
	page := render(t, c, PageData{Action: "https://api.example.com/leads", Variant: Variant{ID: "a"}})
	form := page[strings.Index(page, "<form"):strings.Index(page, "</form>")]
	styleAttr := regexp.MustCompile(` (class|style)="[^"]*"`)
	same := c.Snippet("https://api.example.com")
	same = same[strings.Index(same, "<form"):]
	if a, b := styleAttr.ReplaceAllString(form, ""), styleAttr.ReplaceAllString(same, ""); !strings.HasPrefix(b, a) {
		t.Errorf("snippet form differs from the page's:\n%s\n---\n%s", a, b)
	}
}

// Every role the form template uses has a style, and no style can break
// out of its attribute.
func TestStylesAreComplete(t *testing.T) {
	used := regexp.MustCompile(`st \$?\.?Inline "([a-z]+)"`).FindAllStringSubmatch(formTmpl, -1)
	if len(used) == 0 {
		t.Fatal("no roles found in the template")
	}
	for _, m := range used {
		if styles[m[1]] == "" {
			t.Errorf("role %s has no style", m[1])
		}
	}
	for role, css := range styles {
		if strings.ContainsAny(css, `"&<>`) {
			t.Errorf("style %s holds a character that needs escaping", role)
		}
	}
}

// Every consent checkbox links the privacy notice: the campaign's own, or
// the deployment's default for a campaign without one.
func TestConsentCheckboxLinksThePrivacyNotice(t *testing.T) {
	own := mustParse(t, full)
	bare := mustParse(t, strings.Replace(full, "privacy_url: https://www.example.com/privacy\n", "", 1))
	if bare.PrivacyURL != "" {
		t.Fatalf("privacy_url not removed from the fixture")
	}
	other := *bare
	other.ID = "other"
	set := newSet([]*Campaign{own, &other})
	if err := set.DefaultPrivacyURL("http://insecure.example/p"); err == nil {
		t.Fatal("a plain http default was accepted")
	}
	if err := set.DefaultPrivacyURL("https://corp.example/privacy"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    *Campaign
		want string
	}{{own, "https://www.example.com/privacy"}, {&other, "https://corp.example/privacy"}} {
		link := `href="` + tc.want + `" target="_blank" rel="noopener">Privacy notice</a>`
		consent := `for="lf-` + tc.c.ID + `-consent">`
		for name, doc := range map[string]string{"page": render(t, tc.c, samplePageData(Variant{})), "snippet": tc.c.Snippet("https://api.example.com")} {
			i := strings.Index(doc, consent)
			if i < 0 || !strings.Contains(doc[i:], link) || strings.Index(doc[i:], link) > strings.Index(doc[i:], "</div>") {
				t.Errorf("%s of %s: no privacy link beside the consent checkbox:\n%s", name, tc.c.ID, doc)
			}
		}
	}
	var none *Set
	if err := none.DefaultPrivacyURL("https://corp.example/privacy"); err != nil {
		t.Fatal(err)
	}
}
