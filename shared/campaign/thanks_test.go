package campaign

import (
	"reflect"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/yamlconf/yamltest"
)

// withThanks is full with a thank_you section instead of thank_you_url.
var withThanks = strings.Replace(full, "thank_you_url: https://www.example.com/thanks\n", `thank_you:
  headline: "Thanks — talk soon"
  message: "We will call you within one working day."
  next_steps:
    - {label: "Pick a time now", url: "https://cal.example.com/leadflow/demo"}
    - {label: "Watch the webinar", url: /c/webinar-nov}
`, 1)

func TestThankYouParses(t *testing.T) {
	c := mustParse(t, withThanks)
	want := ThankYou{Headline: "Thanks — talk soon", Message: "We will call you within one working day.", NextSteps: []Link{
		{"Pick a time now", "https://cal.example.com/leadflow/demo"}, {"Watch the webinar", "/c/webinar-nov"}}}
	if !reflect.DeepEqual(c.ThankYou, want) || c.ThankYouURL != "" {
		t.Fatalf("thank_you = %+v, url %q", c.ThankYou, c.ThankYouURL)
	}
	// every part is optional
	c = mustParse(t, strings.Replace(full, "thank_you_url: https://www.example.com/thanks\n", "thank_you: {}\n", 1))
	if !reflect.DeepEqual(c.ThankYou, ThankYou{}) {
		t.Fatalf("empty thank_you = %+v", c.ThankYou)
	}
}

func TestThankYouValidationLines(t *testing.T) {
	tests := []struct{ Name, Old, New, Marker, Want string }{
		{"unknown key", "  headline: \"Thanks", "  headlin: \"Thanks", "headlin:",
			`unknown field "headlin" in thank_you (did you mean "headline"?)`},
		{"unknown step key", `{label: "Pick a time now", url:`, `{label: "Pick a time now", urll:`, "urll:",
			`unknown field "urll" in thank_you.next_steps[0] (did you mean "url"?)`},
		{"step without url", `{label: "Pick a time now", url: "https://cal.example.com/leadflow/demo"}`, `{label: "Pick a time now"}`, "Pick a time",
			`thank_you.next_steps[0]: missing url`},
		{"step url not a URL", `url: "https://cal.example.com/leadflow/demo"`, `url: "cal.example.com/demo"`, "cal.example.com/demo",
			`thank_you.next_steps[0].url: must be an absolute http(s) URL such as https://www.example.com/book, or a path on this API such as /c/webinar-nov, got "cal.example.com/demo"`},
		{"step url another host by //", "url: /c/webinar-nov", "url: //evil.example/x", "//evil.example",
			`thank_you.next_steps[1].url: must be an absolute http(s) URL`},
		{"javascript step", "url: /c/webinar-nov", "url: javascript:alert(1)", "javascript",
			`thank_you.next_steps[1].url: must be an absolute http(s) URL`},
		{"empty label", `{label: "Watch the webinar"`, `{label: ""`, `{label: ""`,
			`thank_you.next_steps[1].label: empty`},
		{"headline on two lines", `headline: "Thanks — talk soon"`, `headline: "Thanks\n talk soon"`, `headline: "Thanks`,
			`thank_you.headline: must be one line without control characters`},
		{"next_steps not a list", "  next_steps:\n", "  next_steps: soon\n  x:\n", "next_steps: soon",
			`thank_you.next_steps: expected a list (lines starting with -), got "soon"`},
		{"thank_you not a mapping", "thank_you:\n  headline", "thank_you: yes\nx:\n  headline", "thank_you: yes",
			`thank_you: expected a mapping`},
		{"both thank_you and thank_you_url", "thank_you:\n", "thank_you_url: https://www.example.com/thanks\nthank_you:\n", "thank_you:\n",
			`thank_you: the campaign also sets thank_you_url (line 20), which sends visitors elsewhere, so this page would never show; keep one`},
		{"too many steps", "    - {label: \"Watch the webinar\", url: /c/webinar-nov}\n", strings.Repeat("    - {label: \"Watch the webinar\", url: /c/webinar-nov}\n", 5), "  next_steps:",
			`thank_you.next_steps: at most 5 links, got 6`},
	}
	yamltest.CheckEdits(t, withThanks, "q4-demo.yaml", ErrInvalid, func(b []byte, file string) error {
		_, err := Parse(b, file)
		return err
	}, tests)
}

func TestRenderThanks(t *testing.T) {
	render := func(c *Campaign, base string) string {
		t.Helper()
		var b strings.Builder
		if err := RenderThanks(&b, c, ThanksData{Base: base}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	c := mustParse(t, withThanks)
	page := render(c, "https://leads.example.com/")
	for _, want := range []string{
		"<title>Thanks — talk soon</title>", "<h1>Thanks — talk soon</h1>", "We will call you within one working day.",
		`<a class="lf-step" href="https://cal.example.com/leadflow/demo">Pick a time now</a>`,
		`<a class="lf-step" href="https://leads.example.com/c/webinar-nov">Watch the webinar</a>`,
		`<a class="lf-back" href="https://leads.example.com/c/q4-demo">Back to the campaign page</a>`,
		"and are not subscribed yet, a confirmation email is on its way: our emails start once you use the link in it.",
		"<style>" + PageStyles()[0] + "</style>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("campaign thank-you page lacks %s:\n%s", want, page)
		}
	}

	// Defaults: no thank_you section; single opt-in says so; paused: no link back to an ended offer.
	d := mustParse(t, full)
	d.ConsentMode, d.Status = "single", Paused
	page = render(d, "")
	for _, want := range []string{"<h1>Thank you!</h1>", "someone from our team will reply shortly", "our emails will follow"} {
		if !strings.Contains(page, want) {
			t.Errorf("default thank-you page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, `class="lf-back"`) || strings.Contains(page, "What you can do next") ||
		// Single opt-in: no confirmation email for a new address (one
		// for an address given before: TestThanksPromisesOnlyWhatHappens).
		strings.Contains(page, "confirmation email is on its way") {
		t.Errorf("default page of a paused single opt-in campaign:\n%s", page)
	}

	// The generic page, for posts of no known campaign.
	page = render(nil, "https://leads.example.com")
	if !strings.Contains(page, "<h1>Thank you!</h1>") || !strings.Contains(page, "confirmation email is on its way") || strings.Contains(page, "<a ") {
		t.Errorf("generic page:\n%s", page)
	}
}

// TestThanksPromisesOnlyWhatHappens: the page cannot tell a new address
// from a known one (that would tell anyone who types an address whether it
// is ours), so its word on the consent box must be true for both. It said
// "a confirmation email is on its way. Nothing else is sent to you until
// you use the link in it": no confirmation comes to an address subscribed
// already, which keeps getting its emails, and a demo request's team reply
// is something else sent. With consent_mode: single it said only "our
// emails will follow", while a known address's form is asked to confirm
// by email first (README, "Consent"): a person not told of that email
// overlooks it and gets none.
func TestThanksPromisesOnlyWhatHappens(t *testing.T) {
	for _, tc := range []struct {
		mode      string
		want, not []string
	}{
		{"double", []string{"confirmation email is on its way", "not subscribed yet", "use the link in it"}, []string{"Nothing else is sent"}},
		{"single", []string{"our emails will follow", "confirmation email", "use the link in it"}, nil},
	} {
		c := mustParse(t, full)
		c.ConsentMode = tc.mode
		for _, camp := range []*Campaign{c, nil} {
			if camp == nil && tc.mode == "single" {
				continue // the generic page: no campaign, double opt-in
			}
			var b strings.Builder
			if err := RenderThanks(&b, camp, ThanksData{Base: "https://leads.example.com"}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("%s opt-in (campaign %v): the page lacks %q:\n%s", tc.mode, camp != nil, w, b.String())
				}
			}
			for _, n := range tc.not {
				if strings.Contains(b.String(), n) {
					t.Errorf("%s opt-in (campaign %v): the page says %q:\n%s", tc.mode, camp != nil, n, b.String())
				}
			}
		}
	}
}
