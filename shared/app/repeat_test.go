package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// TestSameFormTwiceIsOneEngagement: a grade A lead registers for a
// webinar (warm: 10 points, hot from 20) on a form without a page token
// (the static snippet on the company's site), double-clicks the button,
// then reloads the page and sends the form once more: the capture
// function stores the three touches, but the score stays, the lead is
// not handed to sales and no alert goes out. Two hours later the same
// person asks sales for a call — another form: it counts, the lead turns
// hot and sales gets exactly one alert, which its own double click does
// not repeat.
func TestSameFormTwiceIsOneEngagement(t *testing.T) {
	clock := &clockAt{t: testenv.Now(t).UTC()}
	h, table, _ := buildAt(t, "capture", nil, clock.now, "")
	st := store.New(testenv.Clients(t).DynamoDB, table)
	ctx := context.Background()
	email := fmt.Sprintf("dana.%d@northwind.example", time.Now().UnixNano())
	webinar := url.Values{"email": {email}, "name": {"Dana Whitfield"}, "company": {"Northwind"}, "job_title": {"VP Marketing"},
		"company_size": {"201-500"}, "country": {"US"}, "industry": {"SaaS"}, "form_type": {"webinar"},
		"campaign": {"spring-webinar"}, "landing_page": {"https://www.example.com/webinar?utm_source=linkedin"}}
	send := func(form url.Values) {
		t.Helper()
		req := httpapi.Request{RouteKey: "POST /leads", Body: form.Encode(), Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}
		req.RequestContext.HTTP.Method = http.MethodPost
		req.RequestContext.RequestID = fmt.Sprintf("req-%d", time.Now().UnixNano())
		req.RequestContext.DomainName, req.RequestContext.Stage = "abc123.execute-api.eu-west-1.amazonaws.com", "$default"
		if resp, err := h.HTTP(ctx, req); err != nil || resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("form post: %d %s %v", resp.StatusCode, resp.Body, err)
		}
	}
	load := func() lead.Lead {
		t.Helper()
		l, err := st.Lead(ctx, capturedID(t, table, email))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	send(webinar)
	first := load()
	if first.Qualification == nil || first.Qualification.Temperature != "warm" || first.Handoff != nil {
		t.Fatalf("fixture: the webinar form alone must leave the lead warm, not with sales: %+v", first.Qualification)
	}
	clock.add(2 * time.Second) // the double click
	send(webinar)
	clock.add(time.Minute) // reloaded, sent again
	send(webinar)
	l := load()
	if l.Touches != 3 || l.Qualification.Score != first.Qualification.Score || l.Stage != first.Stage || l.Handoff != nil {
		t.Fatalf("the same form three times: %d touches, score %.1f → %.1f, stage %s, alert owed %v; want 3 touches and nothing else changed\n%v",
			l.Touches, first.Qualification.Score, l.Qualification.Score, l.Stage, l.Handoff != nil, l.Qualification.Reasons)
	}
	if got := mailFor(t, email, 1); len(got) != 0 {
		t.Fatalf("%d alerts for a lead that sent one form three times, want none: %q", len(got), got[0].Subject)
	}

	clock.add(2 * time.Hour)
	call := url.Values{}
	for k, v := range webinar {
		call[k] = v
	}
	call.Set("form_type", "contact_sales")
	call.Set("landing_page", "https://www.example.com/contact")
	send(call)
	clock.add(time.Second) // its double click
	send(call)
	l = load()
	if l.Qualification.Score <= first.Qualification.Score || l.Stage != lead.StageMQL {
		t.Fatalf("another form: score %.1f → %.1f, stage %s; want more and mql\n%v", first.Qualification.Score, l.Qualification.Score, l.Stage, l.Qualification.Reasons)
	}
	if got := mailFor(t, email, 2); len(got) != 1 || !strings.Contains(got[0].Subject, "Hot lead") {
		t.Fatalf("%d alerts, want exactly 1 (the contact form's, not repeated by its double click)", len(got))
	}
}
