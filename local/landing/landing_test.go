package landing

import (
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/lead"
)

func TestConsentCheckboxLinksThePrivacyNotice(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler("/leads", "https://corp.example/privacy?x=1&y=2", nil).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	consent := strings.Index(body, `name="consent"`)
	link := strings.Index(body, `<a href="https://corp.example/privacy?x=1&amp;y=2" target="_blank" rel="noopener">Privacy notice</a>`)
	if consent < 0 || link < consent || strings.Contains(body[consent:link], "<input") {
		t.Fatalf("no privacy link right after the consent checkbox:\n%s", body)
	}
}

// TestFormOffersTheREADMEPaths: "What would you like?" is a radio group
// in a fieldset with a legend, posting form_type demo_request (checked
// first), newsletter or content_download, and every control a person
// sees has a label.
func TestFormOffersTheREADMEPaths(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler("/leads", "https://corp.example/privacy", nil).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	fs := regexp.MustCompile(`(?s)<fieldset><legend>What would you like\?</legend>(.*?)</fieldset>`).FindStringSubmatch(body)
	if fs == nil {
		t.Fatalf("no fieldset with the legend:\n%s", body)
	}
	radios := regexp.MustCompile(`<label for="([^"]+)"><input type="radio" id="([^"]+)" name="form_type" value="([^"]+)"( checked)? required> ([^<]+)</label>`).FindAllStringSubmatch(fs[1], -1)
	var values []string
	for _, r := range radios {
		if r[1] != r[2] {
			t.Errorf("label for %q labels no radio (id %q)", r[1], r[2])
		}
		values = append(values, r[3])
		if (r[4] != "") != (r[3] == "demo_request") {
			t.Errorf("checked %q on %s", r[4], r[3])
		}
	}
	if strings.Join(values, " ") != "demo_request newsletter content_download" {
		t.Errorf("form_type choices %q\n%s", values, fs[1])
	}
	if strings.Count(body, `name="form_type"`) != 3 {
		t.Errorf("form_type posted by something else than the radios:\n%s", body)
	}
	// every visible control has a label
	labels := map[string]bool{}
	for _, m := range regexp.MustCompile(`<label[^>]* for="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		labels[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`<(input|select|textarea)\b([^>]*)>`).FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[2], `type="hidden"`) {
			continue
		}
		id := regexp.MustCompile(`\bid="([^"]+)"`).FindStringSubmatch(m[2])
		if id == nil || !labels[id[1]] {
			t.Errorf("control without a label: <%s%s>", m[1], m[2])
		}
	}
}

// TestCampaignLinkMarksRequiredFields: opened with ?campaign=<id>, the
// page marks what that campaign's form requires (the API refuses the post
// without it); without a campaign, or for one requiring nothing more,
// only the email is required.
func TestCampaignLinkMarksRequiredFields(t *testing.T) {
	required := func(c string) []string {
		if c == "q4-demo" {
			return []string{"email", "company", "company_size", "answers.crm"}
		}
		return nil
	}
	reqd := regexp.MustCompile(`<(?:input|select|textarea) id="([^"]+)"[^>]* required\b[^>]*>`)
	for query, want := range map[string]string{
		"/?campaign=q4-demo&variant=b": "email company company_size crm",
		"/?campaign=webinar-nov":       "email",
		"/":                            "email",
	} {
		rec := httptest.NewRecorder()
		Handler("/leads", "https://corp.example/privacy", required).ServeHTTP(rec, httptest.NewRequest("GET", query, nil))
		var got []string
		for _, m := range reqd.FindAllStringSubmatch(rec.Body.String(), -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: required %v, want %s", query, got, want)
		}
		// The * is for the eye (the page says what it means); a screen
		// reader announces "required" from the attribute, not "star".
		if want != "email" && !strings.Contains(rec.Body.String(), `<label for="company_size">Company size<span class="req" aria-hidden="true"> *</span></label>`) {
			t.Errorf("%s: the label of a required field has no * hidden from screen readers", query)
		}
		if !strings.Contains(rec.Body.String(), `<label for="email">Work email<span class="req" aria-hidden="true"> *</span></label>`) ||
			!strings.Contains(rec.Body.String(), `Fields marked * are required.`) {
			t.Errorf("%s: the email's * is read aloud, or the page does not say what * means", query)
		}
	}
}

// TestRequiredByFollowsTheCampaignFiles: the landing page asks what the
// shipped campaign files require, as the API does.
func TestRequiredByFollowsTheCampaignFiles(t *testing.T) {
	set, err := campaign.LoadDir("../../config/campaigns")
	if err != nil {
		t.Fatal(err)
	}
	req := RequiredBy(set)
	for id, want := range map[string]string{"q4-demo": "email company company_size", "webinar-nov": "email", "nope": ""} {
		if got := strings.Join(req(id), " "); got != want {
			t.Errorf("%s requires %q, want %q", id, got, want)
		}
	}
}

// TestTextBoxesHoldNoMoreThanTheAPITakes: a person who types (or pastes)
// as much as each text box lets them, a 10,000-character message among
// them, posts what the API accepts; a box without a maxlength took it
// all and the post came back refused ("Message: longer than 5000
// characters"), the answers gone behind the error page's link.
func TestTextBoxesHoldNoMoreThanTheAPITakes(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler("/leads", "https://corp.example/privacy", nil).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	in := lead.Input{Fields: map[string]string{"email": "ann@acme.example"}, Answers: map[string]string{}}
	for _, m := range regexp.MustCompile(`<(input|textarea)\b([^>]*)>`).FindAllStringSubmatch(rec.Body.String(), -1) {
		attr := func(a string) string {
			v := regexp.MustCompile(`\b` + a + `="([^"]*)"`).FindStringSubmatch(m[2])
			if v == nil {
				return ""
			}
			return v[1]
		}
		name := attr("name")
		if typ := attr("type"); typ == "hidden" || typ == "radio" || typ == "checkbox" || name == "fax" || name == "email" {
			continue
		}
		n, err := strconv.Atoi(attr("maxlength"))
		if err != nil {
			t.Errorf("%s: no maxlength, a person can type more than the API takes", name)
			continue
		}
		v := strings.Repeat("x", n)
		if name == "country" {
			v = "DE"[:n]
		}
		if k, ok := strings.CutPrefix(name, "answers["); ok {
			in.Answers[strings.TrimSuffix(k, "]")] = v
		} else {
			in.Fields[name] = v
		}
	}
	if _, err := lead.Validate(in, lead.RequestMeta{At: time.Now()}); err != nil {
		t.Errorf("every text box filled to its maxlength: %v", err)
	}
}

// TestPageReadsWellWithAScreenReader: a language, one main landmark, one
// h1, headings in order, every field labelled.
func TestPageReadsWellWithAScreenReader(t *testing.T) {
	for _, path := range []string{"/", "/?campaign=q4-demo&utm_source=linkedin"} {
		rec := httptest.NewRecorder()
		Handler("/leads", "https://corp.example/privacy", nil).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if p := httpapitest.AccessibilityProblems(rec.Body.String()); len(p) > 0 {
			t.Errorf("%s: %q", path, p)
		}
	}
}
