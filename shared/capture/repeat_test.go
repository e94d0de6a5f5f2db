package capture_test

import (
	"bytes"
	"context"
	"math"
	"net/url"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// gradeA is a form from a grade A lead of the default rules (75 fit
// points; hot from 20) registering for a webinar (10 points): warm, not
// hot. One more engagement worth 10 makes it hot and alerts sales.
var gradeA = url.Values{
	"email": {"dana@northwind.example"}, "job_title": {"VP Marketing"}, "company_size": {"201-500"},
	"country": {"US"}, "industry": {"SaaS"}, "form_type": {"webinar"}, "campaign": {"webinar-nov"},
	"landing_page": {"https://www.example.com/webinar?utm_source=linkedin"},
}

// with is gradeA with some fields set (a value "" removes the field).
func with(kv ...string) string {
	v := url.Values{}
	for k, vs := range gradeA {
		v[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	return v.Encode()
}

// TestSameFormAgainIsOneEngagement: the same person sending the same
// form again within engagement.repeat_window (default 24h) — a double
// click on a form without a page token (the static snippet), the hosted
// page reloaded (a new token) and sent again, the Back button and a
// corrected answer, a JSON client re-posting without an Idempotency-Key —
// is one engagement: the touch is stored, the score does not move and
// sales is not alerted. Another form or offer (another form type,
// campaign or page), or the same form after the window, still counts.
func TestSameFormAgainIsOneEngagement(t *testing.T) {
	type sent struct {
		after time.Duration // since the first post
		body  string
	}
	first := sent{0, with()}
	tests := []struct {
		name      string
		posts     []sent
		wantScore float64
		wantHot   bool
		wantTouch []bool // per post after the first: stored as a touch only (no new interest)
	}{
		{"double click", []sent{first, {2 * time.Second, with()}}, 10, false, []bool{true}},
		{"hosted page reloaded, new page token", []sent{{0, with("_idem", "view-1")}, {time.Minute, with("_idem", "view-2")}}, 10, false, []bool{true}},
		{"back, an answer corrected, sent again", []sent{first, {3 * time.Minute, with("answers[crm]", "HubSpot")}}, 10, false, []bool{true}},
		{"three times within the day", []sent{first, {time.Minute, with()}, {20 * time.Hour, with()}}, 10 * math.Exp2(-20.0/336), false, []bool{true, true}},
		{"same page, query aside", []sent{first, {time.Minute, with("landing_page", "https://WWW.example.com/webinar/?utm_source=email")}}, 10, false, []bool{true}},
		{"another form", []sent{first, {10 * time.Minute, with("form_type", "content_download")}}, 28, true, []bool{false}},
		{"another campaign's webinar", []sent{first, {10 * time.Minute, with("campaign", "webinar-dec", "landing_page", "https://www.example.com/webinar-dec")}}, 20, true, []bool{false}},
		{"same form type on another page", []sent{first, {10 * time.Minute, with("landing_page", "https://www.example.com/webinar-replay")}}, 20, true, []bool{false}},
		{"same form after the window", []sent{first, {25 * time.Hour, with()}}, 10*math.Exp2(-25.0/336) + 10 + 10, true, []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := memstore.New()
			h := newHandler(st, &bytes.Buffer{})
			h.Service.Qualify = qualify.Default()
			at := now
			h.Clock = func() time.Time { return at }
			for i, p := range tt.posts {
				at = now.Add(p.after)
				resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", p.body))
				if resp.StatusCode != 303 {
					t.Fatalf("post %d: %d %s", i, resp.StatusCode, resp.Body)
				}
			}
			l := onlyLead(t, st)
			q := l.Qualification
			if math.Abs(q.Score-tt.wantScore) > 0.05 || (q.Temperature == "hot") != tt.wantHot || (l.Handoff != nil) != tt.wantHot {
				t.Errorf("score %.2f %s (alert owed: %v), want %.2f, hot %v\n%v", q.Score, q.Temperature, l.Handoff != nil, tt.wantScore, tt.wantHot, q.Reasons)
			}
			if l.Touches != len(tt.posts) {
				t.Errorf("%d touches, want %d: every post is stored", l.Touches, len(tt.posts))
			}
			var touch []bool
			for _, e := range timeline(t, st, l.ID) {
				if e.Kind == lead.EventResubmitted {
					touch = append(touch, e.Data[lead.DataTouchOnly] == true)
				}
			}
			if len(touch) != len(tt.wantTouch) {
				t.Fatalf("%d resubmission events, want %d", len(touch), len(tt.wantTouch))
			}
			for i := range touch {
				if touch[i] != tt.wantTouch[i] {
					t.Errorf("resubmission %d: touch only %v, want %v", i+1, touch[i], tt.wantTouch[i])
				}
			}
		})
	}
}

// TestSameFormAgainDoesNotTellTheRepTwice: a lead sales holds (accepted)
// that sends the same form twice in a row is one form its rep is told of.
func TestSameFormAgainDoesNotTellTheRepTwice(t *testing.T) {
	st := memstore.New()
	h := newHandler(st, &bytes.Buffer{})
	h.Service.Qualify = qualify.Default()
	at := now
	h.Clock = func() time.Time { return at }
	send := func(body string) {
		t.Helper()
		if resp, _ := h.Handle(context.Background(), post("application/x-www-form-urlencoded", body)); resp.StatusCode != 303 {
			t.Fatalf("%d %s", resp.StatusCode, resp.Body)
		}
	}
	send(with())
	l := onlyLead(t, st)
	l.Stage, l.Deal = lead.StageSAL, &lead.Deal{AcceptedAt: now, Rep: "ana@example.com"}
	l.Version++
	if err := st.SaveLead(context.Background(), l, lead.Change{At: now}, nil); err != nil {
		t.Fatal(err)
	}
	at = now.Add(48 * time.Hour)
	send(with("form_type", "contact_sales", "message", "Pricing for 300 seats?"))
	at = at.Add(time.Second)
	send(with("form_type", "contact_sales", "message", "Pricing for 300 seats?"))
	l = onlyLead(t, st)
	if l.Deal.Asked == nil || l.Deal.Asked.Untold != 1 {
		t.Fatalf("asked = %+v, want 1 untold form (the double post is one)", l.Deal.Asked)
	}
	score := l.Qualification.Score
	// Back, a new question in the message, the same form again: no more
	// interest than the form before, but words the rep has not read.
	at = at.Add(time.Minute)
	send(with("form_type", "contact_sales", "message", "Pricing for 300 seats? And does it do SSO?"))
	l = onlyLead(t, st)
	if l.Deal.Asked == nil || l.Deal.Asked.Untold != 2 {
		t.Fatalf("asked = %+v, want 2 untold forms (a repeat with a new message is news for the rep)", l.Deal.Asked)
	}
	if l.Qualification.Score != score {
		t.Fatalf("score %v → %v: a repeat with a new message added points", score, l.Qualification.Score)
	}
	// The same words again: nothing new.
	at = at.Add(time.Second)
	send(with("form_type", "contact_sales", "message", "Pricing for 300 seats?  and does it do SSO?"))
	if l = onlyLead(t, st); l.Deal.Asked.Untold != 2 {
		t.Fatalf("asked = %+v, want still 2 untold forms", l.Deal.Asked)
	}
}
