package capture_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// FuzzHandle feeds the capture handler arbitrary JSON and form bodies. It
// never fails with a 5xx, never panics, answers every refusal with a
// reason, stores a lead only with a valid address, and never lets a
// submitted value into the HTML error page as markup.
func FuzzHandle(f *testing.F) {
	for _, s := range []struct {
		form bool
		body string
	}{
		{false, `{"email":"a@b.example","name":"Ann","answers":{"crm":"HubSpot"}}`},
		{false, `{"email":"a@b.example","consent":true,"company_size":"51-200","utm_source":"x"}`},
		{false, `{"email":"<script>@x","answers":{"q":["x"]}}`},
		{false, `[1]`},
		{false, `{"email":`},
		{false, `{"email":"a\ud800@b.example","answers":{"q\udc00":"x"}}`},
		{false, "{\"name\":\"Ann\xff\",\"email\":\"ann@b\u00fccher.example\"}"},
		{false, `{"email":"ann@p\u0430ypal.example","name":"\ud83d\ude00"}`},
		{true, "email=a%40b.example&consent=on&answers[crm]=HubSpot"},
		{true, "email=nope&name=%3Cb%3E"},
		{true, "fax=bot&email=a%40b.example"},
		{true, "email=a%40b.example&_idem=k1&_idem=k2"},
		{true, "%zz"},
	} {
		f.Add(s.form, s.body)
	}
	f.Fuzz(func(t *testing.T, form bool, body string) {
		st := memstore.New()
		var logs bytes.Buffer
		h := newHandler(st, &logs)
		ct := "application/json"
		if form {
			ct = "application/x-www-form-urlencoded"
		}
		resp, err := h.Handle(context.Background(), post(ct, body, "referer", "https://www.example.com/demo"))
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		switch resp.StatusCode {
		case 202, 303:
			if n := len(st.Leads()); n > 1 {
				t.Fatalf("one request stored %d leads", n)
			}
			for _, l := range st.Leads() {
				at := strings.LastIndexByte(l.Email, '@')
				if at < 1 || strings.ContainsRune(l.Email, utf8.RuneError) {
					t.Fatalf("stored a lead with email %q", l.Email)
				}
				for _, r := range l.Email[at:] {
					if r >= utf8.RuneSelf || unicode.IsUpper(r) {
						t.Fatalf("stored a domain not in lower-case ASCII (punycode) form: %q", l.Email)
					}
				}
			}
		case 400, 409, 413:
			if len(st.Leads()) != 0 {
				t.Fatalf("%d answer but a lead was stored", resp.StatusCode)
			}
			if form {
				if !strings.Contains(resp.Body, "<") {
					t.Fatalf("form refusal is not a page: %q", resp.Body)
				}
				assertOnlyPageTags(t, resp.Body)
				break
			}
			var p struct {
				Error  string            `json:"error"`
				Fields []lead.FieldError `json:"fields"`
			}
			if json.Unmarshal([]byte(resp.Body), &p) != nil || p.Error == "" {
				t.Fatalf("refusal without a reason: %d %q", resp.StatusCode, resp.Body)
			}
		default:
			t.Fatalf("status %d for %q: %s", resp.StatusCode, body, resp.Body)
		}
	})
}

// pageTags are the elements the error page's template writes; any other
// tag in a refusal page came from the submission unescaped.
var pageTags = map[string]bool{"!doctype": true, "html": true, "head": true, "meta": true, "title": true, "style": true,
	"body": true, "main": true, "h1": true, "p": true, "ul": true, "li": true, "strong": true, "a": true, "small": true}

var tagRe = regexp.MustCompile(`<(/?)([a-zA-Z!][a-zA-Z0-9]*)`)

// assertOnlyPageTags fails when the page holds a tag its template does
// not write.
func assertOnlyPageTags(t *testing.T, page string) {
	t.Helper()
	for _, m := range tagRe.FindAllStringSubmatch(page, -1) {
		if !pageTags[strings.ToLower(m[2])] {
			t.Fatalf("page holds a <%s%s> its template does not write:\n%s", m[1], m[2], page)
		}
	}
}
