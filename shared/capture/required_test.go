package capture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// paused is a campaign marketing paused, whose form asks a company.
const paused = `version: 1
id: old-offer
name: Old offer
hypothesis: People still post old forms
status: paused
variants: [{id: a, headline: Old, cta: Go}]
form: {form_type: newsletter, consent_text: News please, consent_version: v1, fields: [email, company], required: [email, company]}
`

// TestCampaignRequiredFields: a post naming a known, live campaign must
// fill that campaign's form.required, whatever client sent it: JSON names
// each missing field by its API name, a form post's error page by the
// label the person saw. A honeypot hit answers as the same post without
// it would (a 202 where a person gets 400 would show a bot which field is
// the trap), and posts of no
// known campaign or a paused one need only an email.
func TestCampaignRequiredFields(t *testing.T) {
	set := campaigns(t, map[string]string{"old-offer.yaml": paused})
	const full = `"email":"ann@acme.example","company":"Acme","company_size":"51-200"`
	tests := []struct {
		name, contentType, body string
		status                  int
		missing                 []string // JSON: the fields named "is required"
		page                    []string // form: what the error page says
	}{
		{"JSON, only the email", "application/json", `{"email":"ann@acme.example","campaign":"q4-demo"}`, 400,
			[]string{"company", "company_size"}, nil},
		{"JSON, blank company", "application/json", `{"email":"ann@acme.example","company":"  ","company_size":"1-10","campaign":" q4-demo "}`, 400,
			[]string{"company"}, nil},
		{"JSON, another field wrong too", "application/json", `{"email":"nope","country":"Germany","campaign":"q4-demo"}`, 400,
			[]string{"company", "company_size"}, nil},
		{"JSON, all there", "application/json", `{` + full + `,"campaign":"q4-demo"}`, 202, nil, nil},
		{"JSON, other campaign's rules", "application/json", `{"email":"ann@acme.example","campaign":"webinar-nov"}`, 202, nil, nil},
		{"JSON, no campaign", "application/json", `{"email":"ann@acme.example"}`, 202, nil, nil},
		{"JSON, unknown campaign", "application/json", `{"email":"ann@acme.example","campaign":"q4-demo-push"}`, 202, nil, nil},
		{"JSON, paused campaign", "application/json", `{"email":"ann@acme.example","campaign":"old-offer"}`, 202, nil, nil},
		{"JSON, honeypot, all there", "application/json", `{"email":"bot@spam.example","company":"X","company_size":"1-10","campaign":"q4-demo","fax":"555"}`, 202, nil, nil},
		{"JSON, honeypot, only the email", "application/json", `{"email":"bot@spam.example","campaign":"q4-demo","fax":"555"}`, 400,
			[]string{"company", "company_size"}, nil},
		{"form, only the email", "application/x-www-form-urlencoded", "email=ann%40acme.example&company_size=&campaign=q4-demo", 400, nil,
			[]string{"<strong>Company</strong>: is required", "<strong>Company size</strong>: is required", `href="https://leads.example.com/c/q4-demo">Back to the form`}},
		{"form, honeypot, all there", "application/x-www-form-urlencoded", "email=bot%40spam.example&company=X&company_size=1-10&campaign=q4-demo&fax=555", 303, nil, nil},
		{"form, honeypot, only the email", "application/x-www-form-urlencoded", "email=bot%40spam.example&campaign=q4-demo&fax=555", 400, nil,
			[]string{"<strong>Company</strong>: is required", "<strong>Company size</strong>: is required"}},
		{"form, all there", "application/x-www-form-urlencoded", "email=ann%40acme.example&company=Acme&company_size=51-200&campaign=q4-demo", 303, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := memstore.New()
			h := newHandler(st, &bytes.Buffer{})
			h.Campaigns, h.BaseURL = set, "https://leads.example.com"
			resp, _ := h.Handle(context.Background(), post(tt.contentType, tt.body))
			if resp.StatusCode != tt.status {
				t.Fatalf("%d, want %d: %s", resp.StatusCode, tt.status, resp.Body)
			}
			if tt.status != 400 {
				return
			}
			if tt.contentType == "application/json" {
				var p struct{ Fields []lead.FieldError }
				if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range p.Fields {
					if f.Reason == "is required" {
						got = append(got, f.Field)
					}
				}
				if strings.Join(got, ",") != strings.Join(tt.missing, ",") {
					t.Errorf("required fields named: %v, want %v (%s)", got, tt.missing, resp.Body)
				}
			}
			for _, want := range tt.page {
				if !strings.Contains(resp.Body, want) {
					t.Errorf("error page lacks %s:\n%s", want, resp.Body)
				}
			}
			if n := len(st.Leads()); n != 0 {
				t.Errorf("%d leads stored from a refused post", n)
			}
		})
	}
}

// TestRequiredFieldAnOlderFormLacks: marketing made company_size required
// after a site pasted the campaign's static form (/c/<id>/embed?variant=a),
// which has no such field. A person posting it is refused (the API's rule
// holds for every client), and "Back to the form" leads to the same old
// copy on the site, so the page also links the campaign's own page, whose
// form is the current one. A post from that page (or its frame) gets no
// such link: reopened, it is the current form.
func TestRequiredFieldAnOlderFormLacks(t *testing.T) {
	set := campaigns(t, map[string]string{})
	const body = "email=ann%40acme.example&company=Acme&campaign=q4-demo&variant=a"
	const hosted = `<a href="https://leads.example.com/c/q4-demo">`
	for _, tc := range []struct {
		referer string
		link    bool
	}{
		{"https://www.example.com/demo", true},
		{"", false}, // no referer: the way back is the campaign's page already
		{"https://leads.example.com/c/q4-demo?utm_source=ad", false},
		{"https://leads.example.com/c/q4-demo/form", false},
	} {
		t.Run(tc.referer, func(t *testing.T) {
			h := newHandler(memstore.New(), &bytes.Buffer{})
			h.Campaigns, h.BaseURL = set, "https://leads.example.com"
			resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", body, "referer", tc.referer))
			// the error page, or (a post from the campaign's own page) that
			// page again with the problem next to the field
			if resp.StatusCode != 400 || (!strings.Contains(resp.Body, "<strong>Company size</strong>: is required") &&
				!strings.Contains(resp.Body, `href="#lf-q4-demo-q-company_size-0">Company size: is required</a>`)) {
				t.Fatalf("%d: %s", resp.StatusCode, resp.Body)
			}
			if got := strings.Contains(resp.Body, "If the form you used has no place for an answer above (it may be an older copy), fill in the form on our own page instead: "+hosted); got != tc.link {
				t.Fatalf("link to the campaign's own page: %v, want %v:\n%s", got, tc.link, resp.Body)
			}
		})
	}
	// Every copy of the form asks the email: an empty one is no older copy.
	h := newHandler(memstore.New(), &bytes.Buffer{})
	h.Campaigns, h.BaseURL = set, "https://leads.example.com"
	resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded",
		"email=&company=Acme&company_size=1-10&campaign=q4-demo", "referer", "https://www.example.com/demo"))
	if resp.StatusCode != 400 || strings.Contains(resp.Body, hosted) {
		t.Fatalf("empty email: %d\n%s", resp.StatusCode, resp.Body)
	}
}
