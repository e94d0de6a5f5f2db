package handoff

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
)

// message builds the alert (or escalation) for the lead's rep.
func (s *Service) message(ctx context.Context, l lead.Lead, job string, now time.Time) (mail.Message, error) {
	if job == jobReminder {
		return s.reminder(l, now)
	}
	tl := l.History
	if tl == nil {
		var err error
		if tl, err = s.Store.Timeline(ctx, l.ID); err != nil {
			return mail.Message{}, fmt.Errorf("handoff: timeline: %w", err)
		}
	}
	h := l.Handoff
	a := mail.Alert{
		Company: l.Company, Name: l.Name, JobTitle: l.JobTitle, Email: l.Email, Phone: l.Phone,
		Answers: answers(&l), Changed: changed(&l), Source: source(&l), Reasons: reasons(&l), Pages: pages(tl),
		Timeline: timeline(tl), RepName: h.RepName, DueBy: now.Add(s.Rules.SLA()),
	}
	to := h.Rep
	if job == jobEscalation {
		// To the team lead (or the next rep), about the rep who missed
		// the deadline the first alert quoted.
		to, a.Escalation, a.DueBy = h.EscalatedTo, true, h.DueBy
		a.MissedBy = h.RepName
		if a.MissedBy == "" {
			a.MissedBy = h.Rep
		}
		a.RepName = ""
		_, team := s.Rules.Route(l)
		if team.Lead.Email == to {
			a.RepName, a.TeamLead = team.Lead.Name, true
		}
		for _, r := range team.Reps {
			if r.Email == to && !a.TeamLead {
				a.RepName = r.Name
			}
		}
	}
	if q := l.Qualification; q != nil {
		a.Grade, a.Temperature, a.WhyHot = q.Grade, q.Temperature, whyHot(&l)
	}
	exp := now.Add(s.LinkTTL)
	// A configured public URL wins; else the API address capture saw.
	base := s.BaseURL
	if base == "" {
		base = l.LinkBase
	}
	a.AcceptURL = links.Feedback(s.Keys, base, l.ID, links.ActionAccept, to, exp)
	for _, r := range s.Rules.RejectReasons() {
		a.RejectURLs = append(a.RejectURLs, mail.RejectLink{Label: r.Label,
			URL: links.Feedback(s.Keys, base, l.ID, links.ActionReject, r.Code, exp)})
	}
	subject, html, text, err := mail.RenderAlert(a)
	if err != nil {
		return mail.Message{}, fmt.Errorf("handoff: render alert: %w", err)
	}
	return mail.Message{From: s.From, To: to, ReplyTo: l.Email, Subject: subject, HTML: html, Text: text,
		Tags: map[string]string{"kind": "sales_" + job}, ConfigurationSet: s.ConfigurationSet}, nil
}

// answers lists every field the lead gave, then its custom answers.
func answers(l *lead.Lead) []mail.KV {
	var out []mail.KV
	add := func(k, v string) {
		if v != "" {
			out = append(out, mail.KV{Key: k, Value: v})
		}
	}
	add("Company size", l.CompanySize)
	add("Industry", l.Industry)
	add("Country", l.Country)
	add("Budget", l.Budget)
	add("Timeline", l.Timeline)
	add("Form", l.FormType)
	add("Message", l.Message)
	keys := make([]string, 0, len(l.Answers))
	for k := range l.Answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(strings.ReplaceAll(k, "_", " "), l.Answers[k])
	}
	add("Time zone", l.TimeZone)
	if l.Consent.MarketingOptIn {
		add("Marketing consent", "yes ("+l.Consent.TextVersion+")")
	} else {
		add("Marketing consent", "no")
	}
	return out
}

// changed lists what later forms changed of the first touch's profile.
func changed(l *lead.Lead) []mail.KV {
	var out []mail.KV
	for _, c := range l.ChangedSinceFirst() {
		first, now := c.First, c.Now
		if first == "" {
			first = "(not given)"
		}
		if now == "" {
			now = "(not given)"
		}
		out = append(out, mail.KV{Key: c.Label, Value: first + " → " + now})
	}
	return out
}

// source is where the lead came from: first touch, and last if different.
func source(l *lead.Lead) []mail.KV {
	var out []mail.KV
	touch := func(prefix string, a lead.Attribution) {
		for _, kv := range [][2]string{{"campaign", a.Campaign}, {"variant", a.Variant}, {"utm_source", a.UTMSource},
			{"utm_medium", a.UTMMedium}, {"utm_campaign", a.UTMCampaign}, {"utm_term", a.UTMTerm}, {"utm_content", a.UTMContent},
			{"landing page", a.LandingPage}, {"referrer", a.Referrer}} {
			if kv[1] != "" {
				out = append(out, mail.KV{Key: prefix + kv[0], Value: kv[1]})
			}
		}
	}
	touch("", l.FirstTouch)
	if l.Touches > 1 && l.LastTouch != l.FirstTouch {
		touch("last touch: ", l.LastTouch)
	}
	return out
}

// whyHot is the one-line reason in the subject: grade, score, and the
// strongest engagement.
func whyHot(l *lead.Lead) string {
	q := l.Qualification
	parts := []string{fmt.Sprintf("grade %s, score %.0f", q.Grade, q.Score)}
	if l.FormType != "" {
		parts = append(parts, strings.ReplaceAll(l.FormType, "_", " "))
	}
	for _, sg := range l.Signals {
		if sg.Kind == "pricing_page_view" {
			parts = append(parts, "viewed pricing")
			break
		}
	}
	return strings.Join(parts, ", ")
}

func timeline(events []lead.Event) []mail.TimelineEntry {
	out := make([]mail.TimelineEntry, 0, len(events))
	for _, e := range events {
		out = append(out, mail.TimelineEntry{At: e.At, What: describe(e)})
	}
	return out
}

// describe says what an event was in words.
func describe(e lead.Event) string {
	str := func(k string) string { s, _ := e.Data[k].(string); return s }
	switch e.Kind {
	case lead.EventCaptured, lead.EventResubmitted:
		what := "submitted a form"
		if e.Kind == lead.EventResubmitted {
			what = "submitted again"
		}
		if ft := str("form_type"); ft != "" {
			what += " (" + strings.ReplaceAll(ft, "_", " ") + ")"
		}
		if src, ok := e.Data["source"].(map[string]any); ok {
			if c, _ := src["campaign"].(string); c != "" {
				what += ", campaign " + c
			}
		}
		return what
	case "qualified":
		return fmt.Sprintf("qualified %s → %s", str("from"), str("to"))
	case "page_view":
		return "viewed " + str("url")
	}
	return strings.ReplaceAll(e.Kind, "_", " ")
}

func pages(events []lead.Event) []string {
	var out []string
	for _, e := range events {
		if e.Kind == "page_view" {
			if u, _ := e.Data["url"].(string); u != "" {
				out = append(out, u)
			}
		}
	}
	return out
}

// reminderTo is the rep who accepted the lead.
func reminderTo(l *lead.Lead) string {
	if l.Deal != nil && l.Deal.Rep != "" {
		return l.Deal.Rep
	}
	if l.Handoff != nil {
		return l.Handoff.Rep
	}
	return ""
}

// reminder asks the rep who accepted the lead for its outcome, with
// links that work until the outcome horizon ends.
func (s *Service) reminder(l lead.Lead, now time.Time) (mail.Message, error) {
	to := cmp.Or(reminderTo(&l), s.Fallback)
	r := mail.Reminder{Lead: openLead(s.Keys, cmp.Or(s.BaseURL, l.LinkBase), l, to, s.Rules.Outcomes().Horizon, now)}
	if h := l.Handoff; h != nil && h.Rep == to {
		r.RepName = h.RepName
	}
	subject, html, text, err := mail.RenderReminder(r)
	if err != nil {
		return mail.Message{}, fmt.Errorf("handoff: render reminder: %w", err)
	}
	return mail.Message{From: s.From, To: to, ReplyTo: l.Email, Subject: subject, HTML: html, Text: text,
		Tags: map[string]string{"kind": "sales_" + jobReminder}, ConfigurationSet: s.ConfigurationSet}, nil
}
