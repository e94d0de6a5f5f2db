package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// campaigns loads the repository's campaigns plus extra files.
func campaigns(t *testing.T, extra map[string]string) *campaign.Set {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob("../../config/campaigns/*.yaml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		extra[filepath.Base(f)] = string(b)
	}
	for name, src := range extra {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := campaign.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// ab is a campaign with an 80/20 split and its own thank-you address.
const ab = `version: 1
id: ab
name: AB
hypothesis: Short forms convert
variants:
  - {id: long, weight: 80, headline: Long, cta: Go}
  - {id: short, weight: 20, headline: Short, cta: Go}
form: {form_type: newsletter, consent_text: News please, consent_version: v1, fields: [name]}
thank_you_url: https://www.example.com/ab-thanks
`

// abEnded is ab after its test: variant short is retired.
var abEnded = strings.NewReplacer("id: ab\n", "id: ab-ended\n", "{id: short, weight: 20,", "{id: short, retired: true,").Replace(ab)

// TestFormPostLandsOnAThankYouPage: a campaign's posts land on its hosted
// thank-you page unless its file names another; posts of no known
// campaign on THANK_YOU_URL, else the API's own generic page.
func TestFormPostLandsOnAThankYouPage(t *testing.T) {
	set := campaigns(t, map[string]string{"ab.yaml": ab})
	tests := []struct {
		name, body, base, thankYou, want string
	}{
		{"campaign's hosted page", "campaign=q4-demo&variant=b&company=Acme&company_size=51-200", "https://leads.example.com", "", "https://leads.example.com/c/q4-demo/thanks"},
		{"campaign's hosted page, API's own address", "campaign=webinar-nov", "", "https://www.example.com/thanks",
			"https://abc123.execute-api.eu-west-1.amazonaws.com/c/webinar-nov/thanks"},
		{"campaign's own thank_you_url", "campaign=ab", "https://leads.example.com", "", "https://www.example.com/ab-thanks"},
		{"unknown campaign, THANK_YOU_URL", "campaign=nope", "https://leads.example.com", "https://www.example.com/thanks", "https://www.example.com/thanks"},
		{"no campaign, no THANK_YOU_URL", "", "https://leads.example.com", "", "https://leads.example.com/thanks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(memstore.New(), &bytes.Buffer{})
			h.Campaigns, h.BaseURL, h.ThankYouURL = set, tt.base, tt.thankYou
			req := post("application/x-www-form-urlencoded", "email=ann%40acme.example&"+tt.body)
			req.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
			resp, _ := h.Handle(context.Background(), req)
			if resp.StatusCode != 303 || resp.Headers["Location"] != tt.want {
				t.Fatalf("%d to %q, want 303 to %q (%s)", resp.StatusCode, resp.Headers["Location"], tt.want, resp.Body)
			}
			// and the page the form was on allows that redirect
			if campaignID := strings.TrimPrefix(strings.SplitN(tt.body, "&", 2)[0], "campaign="); campaignID != "" {
				if _, ok := set.Get(campaignID); ok {
					page, _ := h.Handle(context.Background(), campaignGet("GET /c/{campaign}", campaignID))
					if o := httpapi.Origin(tt.want); !strings.Contains(page.Headers["Content-Security-Policy"], "form-action "+o) &&
						!strings.Contains(page.Headers["Content-Security-Policy"], " "+o) {
						t.Errorf("the campaign page's CSP does not allow the redirect to %s: %s", o, page.Headers["Content-Security-Policy"])
					}
				}
			}
		})
	}
}

// A honeypot hit on a campaign form lands where a person's post does: the
// redirect cannot tell a bot it was caught.
func TestHoneypotLandsOnTheSameThankYouPage(t *testing.T) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns, h.BaseURL = campaigns(t, map[string]string{}), "https://leads.example.com"
	person, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=ann%40acme.example&campaign=q4-demo&company=Acme&company_size=51-200"))
	bot, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=bot%40spam.example&campaign=q4-demo&company=X&company_size=1-10&fax=555"))
	if person.StatusCode != 303 || bot.StatusCode != 303 || bot.Headers["Location"] != person.Headers["Location"] {
		t.Fatalf("person %d to %q, bot %d to %q", person.StatusCode, person.Headers["Location"], bot.StatusCode, bot.Headers["Location"])
	}
}

// A form naming its campaign twice is read as the decoder reads it (the
// last value wins) whether or not the honeypot is filled: a bot must not
// learn the trap from which thank-you page it lands on.
func TestHoneypotWithARepeatedCampaignLandsWhereAPersonDoes(t *testing.T) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns, h.BaseURL = campaigns(t, map[string]string{}), "https://leads.example.com"
	form := "campaign=q4-demo&campaign=webinar-nov&company=Acme&company_size=51-200"
	person, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=ann%40acme.example&"+form))
	bot, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=bot%40spam.example&"+form+"&fax=555"))
	if person.StatusCode != 303 || bot.StatusCode != 303 || bot.Headers["Location"] != person.Headers["Location"] {
		t.Fatalf("person %d to %q, bot %d to %q", person.StatusCode, person.Headers["Location"], bot.StatusCode, bot.Headers["Location"])
	}
}

// The hosted pages post from the API's own origin: allowed even when
// ALLOWED_ORIGINS lists only the marketing site.
func TestOwnOriginMayPost(t *testing.T) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.BaseURL = "https://leads.example.com"
	for origin, want := range map[string]int{"https://leads.example.com": 303, "https://www.example.com": 303, "https://evil.example": 403} {
		resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", "email=ann%40acme.example", "origin", origin))
		if resp.StatusCode != want {
			t.Errorf("origin %s: %d, want %d", origin, resp.StatusCode, want)
		}
	}
}

var variantRe = regexp.MustCompile(`name="variant" value="([^"]*)"`)

// TestFramedFormServesTheSplit: the embed's frame draws each page view's
// variant by weight from its token, like the hosted page. The tokens are
// injected, so the counts are the same on every run.
func TestFramedFormServesTheSplit(t *testing.T) {
	set := campaigns(t, map[string]string{"ab.yaml": ab})
	for _, tt := range []struct {
		id      string
		weights map[string]int
	}{
		{"q4-demo", map[string]int{"a": 50, "b": 50}},
		{"ab", map[string]int{"long": 80, "short": 20}},
	} {
		t.Run(tt.id, func(t *testing.T) {
			h := newHandler(memstore.New(), &bytes.Buffer{})
			h.Campaigns = set
			n := 0
			h.PageToken = func() string { n++; return fmt.Sprintf("token-%d", n) }
			const views = 2000
			counts := map[string]int{}
			for range views {
				resp, _ := h.Handle(context.Background(), campaignGet("GET /c/{campaign}/form", tt.id))
				m := variantRe.FindStringSubmatch(resp.Body)
				if resp.StatusCode != 200 || m == nil || !strings.Contains(resp.Body, `target="_top"`) {
					t.Fatalf("%d\n%s", resp.StatusCode, resp.Body)
				}
				counts[m[1]]++
			}
			for v, w := range tt.weights {
				want := views * w / 100
				if got := counts[v]; got < want-views/20 || got > want+views/20 {
					t.Errorf("variant %s: %d of %d views, want %d ± %d (weights %v)", v, got, views, want, views/20, tt.weights)
				}
			}
			if len(counts) != len(tt.weights) {
				t.Errorf("variants served: %v", counts)
			}
		})
	}
}

// TestLinkPinsTheVariant: a link naming a variant of the campaign
// (?variant=b, as an ad for that offer does) serves that variant on the
// hosted page and in the frame, whatever the draw; an unknown one is
// ignored and the variant is drawn by weight, as without it.
func TestLinkPinsTheVariant(t *testing.T) {
	set := campaigns(t, map[string]string{"ab.yaml": ab, "ab-ended.yaml": abEnded})
	for _, route := range []string{"GET /c/{campaign}", "GET /c/{campaign}/form"} {
		for _, tt := range []struct {
			id, query string
			want      map[string]bool // the variants served over many views
		}{
			{"q4-demo", "b", map[string]bool{"b": true}},
			{"q4-demo", "a", map[string]bool{"a": true}},
			{"ab", "short", map[string]bool{"short": true}},
			{"ab-ended", "short", map[string]bool{"long": true}}, // retired: an old ad's link shows what is shown now
			{"ab-ended", "", map[string]bool{"long": true}},
			{"q4-demo", "zz", map[string]bool{"a": true, "b": true}},
			{"q4-demo", "B", map[string]bool{"a": true, "b": true}},
			{"q4-demo", "", map[string]bool{"a": true, "b": true}},
		} {
			t.Run(route+" "+tt.id+"?variant="+tt.query, func(t *testing.T) {
				h := newHandler(memstore.New(), &bytes.Buffer{})
				h.Campaigns = set
				n := 0
				h.PageToken = func() string { n++; return fmt.Sprintf("token-%d", n) }
				served := map[string]bool{}
				for range 40 {
					req := campaignGet(route, tt.id)
					req.QueryStringParameters = map[string]string{"variant": tt.query, "utm_source": "linkedin"}
					req.RawQueryString = "variant=" + url.QueryEscape(tt.query) + "&utm_source=linkedin"
					resp, _ := h.Handle(context.Background(), req)
					m := variantRe.FindStringSubmatch(resp.Body)
					if resp.StatusCode != 200 || m == nil {
						t.Fatalf("%d\n%s", resp.StatusCode, resp.Body)
					}
					served[m[1]] = true
				}
				if fmt.Sprint(served) != fmt.Sprint(tt.want) {
					t.Errorf("variants served: %v, want %v", served, tt.want)
				}
			})
		}
	}
}

func TestEmbedUnknownVariant(t *testing.T) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns = campaigns(t, map[string]string{})
	req := campaignGet("GET /c/{campaign}/embed", "q4-demo")
	req.QueryStringParameters = map[string]string{"variant": "zz"}
	resp, _ := h.Handle(context.Background(), req)
	if resp.StatusCode != 404 || !strings.Contains(resp.Body, "Its variants: a, b") || resp.Headers["Content-Type"] != "text/plain; charset=utf-8" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}
	// A retired variant's static form is not handed out for new pages.
	h.Campaigns = campaigns(t, map[string]string{"ab-ended.yaml": abEnded})
	req = campaignGet("GET /c/{campaign}/embed", "ab-ended")
	req.QueryStringParameters = map[string]string{"variant": "short"}
	resp, _ = h.Handle(context.Background(), req)
	if want := "Variant short of this campaign is retired: it is no longer shown. Its variants: long (…/embed?variant=long).\n"; resp.StatusCode != 404 || resp.Body != want {
		t.Fatalf("%d %q, want 404 %q", resp.StatusCode, resp.Body, want)
	}
}

func TestThankYouPages(t *testing.T) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns, h.BaseURL = campaigns(t, map[string]string{}), "https://leads.example.com"
	resp, _ := h.Handle(context.Background(), campaignGet("GET /c/{campaign}/thanks", "q4-demo"))
	for _, want := range []string{"<h1>Thank you — your demo request is in</h1>", `href="https://leads.example.com/c/webinar-nov"`,
		`href="https://leads.example.com/c/q4-demo">Back to the campaign page`, "confirmation email is on its way"} {
		if resp.StatusCode != 200 || !strings.Contains(resp.Body, want) {
			t.Errorf("q4-demo thank-you page lacks %s: %d\n%s", want, resp.StatusCode, resp.Body)
		}
	}
	resp, _ = h.Handle(context.Background(), campaignGet("GET /thanks", ""))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, "<h1>Thank you!</h1>") {
		t.Errorf("generic thank-you page: %d\n%s", resp.StatusCode, resp.Body)
	}
}

// TestGenericThanksLinksHome: the generic thank-you page links back to the
// home page of the site the form was on (the Referer of the redirect)
// only when ALLOWED_ORIGINS names that site; nothing the request says
// otherwise becomes a link.
func TestGenericThanksLinksHome(t *testing.T) {
	tests := []struct {
		name, origins, referer, want string // want "": no link
	}{
		{"allowed site, full address", "https://www.example.com,http://127.0.0.1:8080", "http://127.0.0.1:8080/?utm_source=linkedin&campaign=x",
			`<a class="lf-back" href="http://127.0.0.1:8080/">Back to 127.0.0.1:8080</a>`},
		{"allowed site, origin only", "https://www.example.com", "https://WWW.example.com/", `<a class="lf-back" href="https://www.example.com/">Back to www.example.com</a>`},
		{"a site not listed", "https://www.example.com", "https://evil.example/page", ""},
		{"any site may post", "*", "https://www.example.com/", ""},
		{"not a web address", "https://www.example.com", "javascript:alert(1)//https://www.example.com", ""},
		{"no referer", "https://www.example.com", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(memstore.New(), &bytes.Buffer{})
			h.CORS, h.BaseURL = httpapi.NewCORS(tt.origins), "https://leads.example.com"
			req := campaignGet("GET /thanks", "")
			if tt.referer != "" {
				req.Headers = map[string]string{"referer": tt.referer}
			}
			resp, _ := h.Handle(context.Background(), req)
			if resp.StatusCode != 200 || !strings.Contains(resp.Body, "<h1>Thank you!</h1>") {
				t.Fatalf("%d\n%s", resp.StatusCode, resp.Body)
			}
			if tt.want == "" && strings.Contains(resp.Body, "<a ") {
				t.Errorf("a link on the page:\n%s", resp.Body)
			}
			if tt.want != "" && !strings.Contains(resp.Body, tt.want) {
				t.Errorf("page lacks %s:\n%s", tt.want, resp.Body)
			}
		})
	}
	// A campaign's page keeps its own way back, not the referer's.
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns = campaigns(t, map[string]string{})
	req := campaignGet("GET /c/{campaign}/thanks", "q4-demo")
	req.Headers = map[string]string{"referer": "https://www.example.com/"}
	if resp, _ := h.Handle(context.Background(), req); strings.Contains(resp.Body, "Back to www.example.com") {
		t.Errorf("campaign thank-you page links the referer:\n%s", resp.Body)
	}
}

// TestFormErrorPage: a refused form names each problem by the label the
// person saw and always offers a way back; JSON keeps the field names.
func TestFormErrorPage(t *testing.T) {
	set := campaigns(t, map[string]string{})
	form := func(body string, headers ...string) httpapi.Request {
		return post("application/x-www-form-urlencoded", body, headers...)
	}
	bad := "email=nope&country=Germany&answers%5Bcrm%5D=" + strings.Repeat("x", 1001)
	tests := []struct {
		name string
		req  httpapi.Request
		want []string
	}{
		{"campaign labels, back by referer", form(bad+"&campaign=q4-demo", "referer", "https://www.example.com/demo?x=1"),
			[]string{"<strong>Work email</strong>:", "<strong>Country code (e.g. DE)</strong>:", "<strong>Which CRM do you use?</strong>:",
				`<a href="https://www.example.com/demo?x=1">Back to the form</a>`}},
		{"standard labels, back to the landing page", form(bad + "&landing_page=" + url.QueryEscape("https://lp.example.com/q4?utm_source=x")),
			[]string{"<strong>Work email</strong>:", "<strong>Country</strong>:", "<strong>Crm</strong>:",
				`<a href="https://lp.example.com/q4?utm_source=x">Back to the form</a>`}},
		{"not a web referer, back to the campaign page", form(bad+"&campaign=webinar-nov&landing_page=javascript:x", "referer", "android-app://x"),
			[]string{`<a href="https://leads.example.com/c/webinar-nov">Back to the form</a>`}},
		{"nothing to go back to", form(bad),
			[]string{"Use your browser's Back button"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(memstore.New(), &bytes.Buffer{})
			h.Campaigns, h.BaseURL = set, "https://leads.example.com"
			resp, _ := h.Handle(context.Background(), tt.req)
			if resp.StatusCode != 400 {
				t.Fatalf("%d %s", resp.StatusCode, resp.Body)
			}
			for _, want := range tt.want {
				if !strings.Contains(resp.Body, want) {
					t.Errorf("page lacks %s:\n%s", want, resp.Body)
				}
			}
			for _, raw := range []string{"<strong>email</strong>", "<strong>country</strong>", "<strong>answers.crm</strong>"} {
				if strings.Contains(resp.Body, raw) {
					t.Errorf("page shows the raw name %s", raw)
				}
			}
		})
	}
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns = set
	resp, _ := h.Handle(context.Background(), post("application/json", `{"email":"nope","campaign":"q4-demo"}`))
	if resp.StatusCode != 400 || !strings.Contains(resp.Body, `"field":"email"`) || strings.Contains(resp.Body, "Work email") {
		t.Errorf("JSON answer: %d %s", resp.StatusCode, resp.Body)
	}
}

// TestFormErrorPageBackPastACrossSiteReferer: a form on another site
// (the customer's page with the pasted snippet, or their own HTML form)
// posts with the Referer browsers send across sites by default: the
// origin alone. That names the site's home page, not the page with the
// form, so the link back prefers the landing page the form posted, then
// the campaign's hosted form, and the bare origin only when nothing else
// is known. A Referer naming a page still comes first.
func TestFormErrorPageBackPastACrossSiteReferer(t *testing.T) {
	set := campaigns(t, map[string]string{})
	bad := "email=nope"
	lp := "&landing_page=" + url.QueryEscape("https://www.example.com/pricing/demo?utm_source=x")
	for _, tt := range []struct{ name, body, referer, want string }{
		{"landing page", bad + lp, "https://www.example.com/", "https://www.example.com/pricing/demo?utm_source=x"},
		{"landing page, referer without a slash", bad + lp, "https://www.example.com", "https://www.example.com/pricing/demo?utm_source=x"},
		{"landing page of a campaign form", bad + lp + "&campaign=q4-demo", "https://www.example.com/", "https://www.example.com/pricing/demo?utm_source=x"},
		{"the campaign's form", bad + "&campaign=q4-demo", "https://www.example.com/", "https://leads.example.com/c/q4-demo"},
		{"only the origin is known", bad, "https://www.example.com/", "https://www.example.com/"},
		{"a referer naming the page", bad + lp, "https://www.example.com/other", "https://www.example.com/other"},
		{"a home page with a query", bad + lp, "https://www.example.com/?ref=ad", "https://www.example.com/?ref=ad"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(memstore.New(), &bytes.Buffer{})
			h.Campaigns, h.BaseURL = set, "https://leads.example.com"
			resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", tt.body, "referer", tt.referer))
			if want := `<a href="` + html.EscapeString(tt.want) + `">Back to the form</a>`; resp.StatusCode != 400 || !strings.Contains(resp.Body, want) {
				t.Errorf("%d, want %s:\n%s", resp.StatusCode, want, resp.Body)
			}
		})
	}
}

// TestUnknownCampaignPageLinksHome: a link to a campaign page that does
// not exist (ended, mistyped) says so and links back to the site the
// visitor came from when the deployment posts from it — never to an
// address a stranger picked.
func TestUnknownCampaignPageLinksHome(t *testing.T) {
	for _, tc := range []struct{ referer, want string }{
		{"https://www.example.com/spring", `href="https://www.example.com/">Back to www.example.com</a>`},
		{"https://evil.example/", ""},
		{"", ""},
	} {
		h := newHandler(memstore.New(), &bytes.Buffer{})
		h.CORS, h.Campaigns = httpapi.NewCORS("https://www.example.com"), campaigns(t, map[string]string{})
		req := campaignGet("GET /c/{campaign}", "spring-sale")
		if tc.referer != "" {
			req.Headers = map[string]string{"referer": tc.referer}
		}
		resp, _ := h.Handle(context.Background(), req)
		if resp.StatusCode != 404 || !strings.Contains(resp.Body, "There is no such page. Check the link you followed") ||
			(tc.want == "") == strings.Contains(resp.Body, "<a ") || tc.want != "" && !strings.Contains(resp.Body, tc.want) {
			t.Errorf("referer %q: %d\n%s", tc.referer, resp.StatusCode, resp.Body)
		}
		// A page like the others: its language, its characters, readable
		// on a phone.
		// It looks like the campaign pages (a visitor from an ad for an
		// offer that ended lands here): their stylesheet, which its policy
		// lets apply, and no unstyled browser-default page.
		for _, want := range []string{`<html lang="en">`, `<meta charset="utf-8">`, `<meta name="viewport" content="width=device-width,initial-scale=1">`,
			`<style>`, `<main class="lf-page lf-ended">`} {
			if !strings.Contains(resp.Body, want) {
				t.Errorf("referer %q: the 404 page lacks %s:\n%s", tc.referer, want, resp.Body)
			}
		}
		if csp := resp.Headers["Content-Security-Policy"]; !strings.Contains(csp, "style-src 'sha256-") {
			t.Errorf("referer %q: the 404 page's styles are not allowed: %q", tc.referer, csp)
		}
		if p := httpapitest.AccessibilityProblems(resp.Body); len(p) > 0 {
			t.Errorf("referer %q: accessibility: %v", tc.referer, p)
		}
	}
}

// TestUnknownCampaignPageLogsNotWhatWasTyped: the id of a campaign page
// that does not exist is whatever the visitor's URL held (an address, a
// name): the log names it by a hash, as refused field names are, never
// as typed; a known campaign is logged by its id.
func TestUnknownCampaignPageLogsNotWhatWasTyped(t *testing.T) {
	for _, route := range []string{"GET /c/{campaign}", "GET /c/{campaign}/thanks", "GET /c/{campaign}/embed", "GET /c/{campaign}/form"} {
		var logs bytes.Buffer
		h := newHandler(memstore.New(), &logs)
		h.Campaigns = campaigns(t, map[string]string{})
		resp, _ := h.Handle(context.Background(), campaignGet(route, "ann.secret@acme.example"))
		if resp.StatusCode != 404 {
			t.Fatalf("%s: %d", route, resp.StatusCode)
		}
		if strings.Contains(logs.String(), "ann.secret") || !strings.Contains(logs.String(), `"campaign":"unknown(`) {
			t.Errorf("%s: the log names the id as typed: %s", route, logs.String())
		}
	}
	var logs bytes.Buffer
	h := newHandler(memstore.New(), &logs)
	h.Campaigns = campaigns(t, map[string]string{})
	if resp, _ := h.Handle(context.Background(), campaignGet("GET /c/{campaign}", "q4-demo")); resp.StatusCode != 200 || !strings.Contains(logs.String(), `"campaign":"q4-demo"`) {
		t.Errorf("a known campaign: %d, log %s", resp.StatusCode, logs.String())
	}
}

// TestRefusedPostOfTheHostedPageShowsItsFormAgain: a post from the
// campaign's own page (or its frame) that needs another look comes back
// as that page — 400, its form with the answers as typed, the problem
// next to its field and in a summary at the top, its page context kept —
// and may be sent again from there (its stylesheet and its form's target
// allowed). A post from anywhere else still gets the error page linking
// back to its form.
func TestRefusedPostOfTheHostedPageShowsItsFormAgain(t *testing.T) {
	set := campaigns(t, map[string]string{})
	body := "campaign=q4-demo&variant=b&_idem=view1&email=ada+at+bigcorp&company=BigCorp&utm_source=linkedin" +
		"&landing_page=" + url.QueryEscape("https://leads.example.com/c/q4-demo?utm_source=linkedin")
	for _, referer := range []string{"https://leads.example.com/c/q4-demo?utm_source=linkedin", "https://leads.example.com/c/q4-demo/form"} {
		h := newHandler(memstore.New(), &bytes.Buffer{})
		h.Campaigns, h.BaseURL = set, "https://leads.example.com"
		resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", body, "referer", referer))
		if resp.StatusCode != 400 {
			t.Fatalf("from %s: %d %s", referer, resp.StatusCode, resp.Body)
		}
		for _, want := range []string{
			`<title>Error: `, `role="alert"`, `href="#lf-q4-demo-email">Work email: is not a valid email address</a>`,
			`aria-invalid="true" aria-describedby="lf-q4-demo-email-error" required value="ada at bigcorp"`,
			`value="BigCorp"`, `name="_idem" value="view1"`, `name="utm_source" value="linkedin"`, `name="variant" value="b"`,
			`action="https://leads.example.com/leads"`,
		} {
			if !strings.Contains(resp.Body, want) {
				t.Errorf("from %s: the page lacks %s:\n%s", referer, want, resp.Body)
			}
		}
		if csp := resp.Headers["Content-Security-Policy"]; !strings.Contains(csp, "form-action https://leads.example.com") {
			t.Errorf("from %s: the page may not post its form again: %s", referer, csp)
		}
		if p := httpapitest.AccessibilityProblems(resp.Body); len(p) > 0 {
			t.Errorf("from %s: accessibility: %v", referer, p)
		}
	}
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns, h.BaseURL = set, "https://leads.example.com"
	resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", body, "referer", "https://www.example.com/demo"))
	if !strings.Contains(resp.Body, `<a href="https://www.example.com/demo">Back to the form</a>`) || strings.Contains(resp.Body, "<form") {
		t.Errorf("a post from another site's form: want the error page linking back to it:\n%s", resp.Body)
	}
}

// TestFormErrorPageListsProblemsInTheFormsOrder: the error page (a post
// from another site's copy of the form) lists the problems in the order
// the person met the fields, not by the API's field names: Work email
// first, as the form asks it first; fields the form does not ask last.
func TestFormErrorPageListsProblemsInTheFormsOrder(t *testing.T) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns, h.BaseURL = campaigns(t, map[string]string{}), "https://leads.example.com"
	resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded",
		"campaign=q4-demo&email=nope&utm_source="+strings.Repeat("x", 300), "referer", "https://www.example.com/demo"))
	var order []int
	for _, label := range []string{"<strong>Work email</strong>", "<strong>Company</strong>", "<strong>Company size</strong>", "<strong>Campaign source (utm_source)</strong>"} {
		order = append(order, strings.Index(resp.Body, label))
	}
	if resp.StatusCode != 400 || !slices.IsSorted(order) || order[0] < 0 {
		t.Errorf("want Work email, Company, Company size, then utm_source (positions %v):\n%s", order, resp.Body)
	}
}

// TestFormErrorPageOfNoCampaignListsProblemsInThePostsOrder: a site's own
// form of no campaign (the local demo landing page) has no campaign file
// to say its order, but the browser posts its fields in the order the
// page shows them: the problems follow it (Work email before Country),
// not the API's alphabetical field names.
func TestFormErrorPageOfNoCampaignListsProblemsInThePostsOrder(t *testing.T) {
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns, h.BaseURL = campaigns(t, map[string]string{}), "https://leads.example.com"
	resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded",
		"form_type=demo_request&email=nope&name=Ann&country=Germany&answers%5Bcrm%5D="+strings.Repeat("x", 1001)+"&consent_text_version=2026-09",
		"referer", "https://www.example.com/"))
	var order []int
	for _, label := range []string{"<strong>Work email</strong>", "<strong>Country</strong>", "<strong>Crm</strong>"} {
		order = append(order, strings.Index(resp.Body, label))
	}
	if resp.StatusCode != 400 || !slices.IsSorted(order) || order[0] < 0 {
		t.Errorf("want Work email, Country, then Crm (positions %v):\n%s", order, resp.Body)
	}
}
