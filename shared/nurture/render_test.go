package nurture

import (
	"errors"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/lead"
)

const unsubscribeURL = "https://leads.example.com/unsubscribe/tok.en_123?k=1&x=2"

func TestRenderEscapesTheLead(t *testing.T) {
	c := Default()
	l := newLead("cold", "A")
	l.Name = `<script>alert("name")</script> Evil`
	l.Company = `Acme <img src=x onerror=alert(1)> & "Sons"`
	for _, id := range c.Templates() {
		t.Run(id, func(t *testing.T) {
			e, err := c.Render(id, l, unsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(e.HTML, "<script") || strings.Contains(e.HTML, "<img") {
				t.Errorf("HTML carries the lead's markup:\n%s", e.HTML)
			}
			if strings.Contains(e.Subject, "\n") || strings.Contains(e.Subject, "\r") {
				t.Errorf("subject has a line break: %q", e.Subject)
			}
		})
	}
	e, err := c.Render("cold_playbook", l, unsubscribeURL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.HTML, "&lt;script&gt;") || !strings.Contains(e.HTML, "Acme &lt;img src=x onerror=alert(1)&gt; &amp; &#34;Sons&#34;") {
		t.Errorf("escaped name and company missing from HTML:\n%s", e.HTML)
	}
	if !strings.HasPrefix(e.Subject, `<script>alert("name")</script>, three ways`) {
		t.Errorf("subject = %q", e.Subject) // plain text: shown as typed, never interpreted
	}
}

func TestRenderAlwaysHasTheUnsubscribeLink(t *testing.T) {
	c := mustParse(t, full)
	for _, id := range append(c.Templates(), "document") {
		cfg := c
		if id == "document" {
			cfg = mustParse(t, replaceOnce(t, full, `<p>Bye {{.Name}}</p>`, `"<!DOCTYPE html><html><body><p>Bye {{.Name}}</p></BODY></html>"`))
			id = "last_chance"
		}
		t.Run(id, func(t *testing.T) {
			e, err := cfg.Render(id, newLead("cold", "A"), unsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(e.Text, "Unsubscribe with one click: "+unsubscribeURL+"\n") {
				t.Errorf("text part lacks the unsubscribe link:\n%s", e.Text)
			}
			if !strings.Contains(e.HTML, `<a href="https://leads.example.com/unsubscribe/tok.en_123?k=1&amp;x=2"`) {
				t.Errorf("HTML part lacks the unsubscribe link:\n%s", e.HTML)
			}
			if strings.Count(strings.ToLower(e.HTML), "</body>") != 1 || strings.Index(e.HTML, "Unsubscribe") > strings.Index(strings.ToLower(e.HTML), "</body>") {
				t.Errorf("footer not inside the body:\n%s", e.HTML)
			}
			for _, link := range e.Links {
				if link == unsubscribeURL {
					t.Error("the unsubscribe link is listed for click tracking")
				}
			}
		})
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	c := mustParse(t, full)
	l := newLead("cold", "A")
	l.Name = "Dana\r\nBcc: victim@example.com"
	l.Company = "Acme\u2028Corp\u202e\x00 " + strings.Repeat("very long ", 30)
	for _, id := range []string{"welcome", "case_study"} {
		e, err := c.Render(id, l, unsubscribeURL)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(e.Subject, "\r\n\u2028\u202e\x00") || len([]rune(e.Subject)) > maxSubject {
			t.Errorf("%s: subject %q", id, e.Subject)
		}
	}
	e, _ := c.Render("welcome", l, unsubscribeURL)
	if e.Subject != "Dana, three ways teams cut lead response time" {
		t.Errorf("subject = %q", e.Subject)
	}
}

func TestRenderData(t *testing.T) {
	c := mustParse(t, full)
	tests := []struct {
		name, leadName, subject string
	}{
		{"first word", "Dana Whitfield", "Dana, three ways teams cut lead response time"},
		{"no name", "", "there, three ways teams cut lead response time"},
		{"honorific skipped", "Dr. Ada Lovelace", "Ada, three ways teams cut lead response time"},
		{"only an honorific", "Dr.", "Dr., three ways teams cut lead response time"},
		{"spaces", "  Jo   Smith ", "Jo, three ways teams cut lead response time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLead("cold", "A")
			l.Name = tt.leadName
			e, err := c.Render("welcome", l, unsubscribeURL)
			if err != nil || e.Subject != tt.subject {
				t.Errorf("subject %q, %v; want %q", e.Subject, err, tt.subject)
			}
		})
	}
	l := newLead("cold", "A")
	l.Company = ""
	e, _ := c.Render("case_study", l, unsubscribeURL)
	if e.Subject != "How teams could answer in minutes" {
		t.Errorf("subject without company = %q", e.Subject)
	}
	e, _ = c.Render("welcome", l, unsubscribeURL)
	if strings.Join(e.Links, ",") != "https://example.com/guide" {
		t.Errorf("links = %q", e.Links)
	}
	if !strings.HasPrefix(e.Text, "Hi Dana, read https://example.com/guide\n\n-- \n") {
		t.Errorf("text = %q", e.Text)
	}
	if !strings.Contains(e.HTML, "<title>Dana, three ways teams cut lead response time</title>") {
		t.Errorf("document title missing:\n%s", e.HTML)
	}
}

func TestRenderErrors(t *testing.T) {
	c := mustParse(t, full)
	l := newLead("cold", "A")
	if _, err := c.Render("nope", l, unsubscribeURL); !errors.Is(err, ErrUnknownTemplate) {
		t.Errorf("unknown template: %v", err)
	}
	for _, u := range []string{"", "/unsubscribe/x", "javascript:alert(1)", "https://x.example/u/\"><script>", "https://x.example/u\r\nBcc: a@b", "mailto:u@x.example"} {
		if _, err := c.Render("welcome", l, u); !errors.Is(err, ErrRender) {
			t.Errorf("unsubscribe URL %q: %v", u, err)
		}
	}
}

func TestLinks(t *testing.T) {
	h := `<a href="https://a.example/x?y=1&amp;z=2">a</a> <a HREF='http://b.example'>b</a> <a href=https://c.example/>c</a>
<a href="mailto:x@y">m</a> <a href="https://a.example/x?y=1&amp;z=2">again</a> <a href="https://skip.example/u">u</a> <a href="#top">t</a>`
	got := hrefs(h, "https://skip.example/u")
	want := "https://a.example/x?y=1&z=2 http://b.example https://c.example/"
	if strings.Join(got, " ") != want {
		t.Errorf("links = %q", got)
	}
}

func TestFirstNameOfAStoredLead(t *testing.T) {
	d := newTemplateData(lead.Lead{Submission: lead.Submission{Name: "Ms Jane\tDoe", Company: "A\nB"}}, unsubscribeURL)
	if d.FirstName != "Jane" || d.Company != "A B" {
		t.Errorf("data = %+v", d)
	}
}
