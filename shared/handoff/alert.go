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
	to := l.Handoff.Rep
	if job == jobEscalation {
		to = l.Handoff.EscalatedTo
	}
	return s.alert(ctx, l, job, to, false, now)
}

// alertTo is the alert again, with fresh links, for rep: the escalation
// when rep is who it went to, else the first alert.
func (s *Service) alertTo(ctx context.Context, l lead.Lead, rep string, now time.Time) (mail.Message, error) {
	job := jobHandoff
	if h := l.Handoff; h.EscalatedTo == rep && h.Rep != rep {
		job = jobEscalation
	}
	return s.alert(ctx, l, job, rep, true, now)
}

// alert builds the alert or escalation of l to `to`; fresh marks a resend
// whose earlier links expired.
func (s *Service) alert(ctx context.Context, l lead.Lead, job, to string, fresh bool, now time.Time) (mail.Message, error) {
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
		Answers: Answers(&l, s.Labels), Changed: changed(&l), Source: source(&l), Reasons: reasons(&l), Pages: pages(tl),
		Timeline: timeline(tl), RepName: h.RepName, DueBy: now.Add(s.Rules.SLA()), FreshLinks: fresh,
	}
	if fresh {
		// The deadline the first alert quoted, while it is ahead.
		a.DueBy = time.Time{}
		if h.DueBy.After(now) {
			a.DueBy = h.DueBy
		}
	}
	if job == jobEscalation {
		// To the team lead (or the next rep), about the rep who missed
		// the deadline the first alert quoted.
		a.Escalation, a.DueBy = true, h.DueBy
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
	a.What = what(&l)
	exp := now.Add(s.LinkTTL)
	a.LinksUntil, a.Zone = exp, s.Rules.Zone(to)
	// A configured public URL wins; else the API address capture saw.
	base := s.BaseURL
	if base == "" {
		base = l.LinkBase
	}
	a.AcceptURL = links.Feedback(s.Keys, base, l.ID, links.ActionAccept, to, exp)
	for _, r := range s.Rules.RejectReasons() {
		a.RejectURLs = append(a.RejectURLs, mail.RejectLink{Label: r.Label,
			URL: links.Reject(s.Keys, base, l.ID, r.Code, to, exp)})
	}
	subject, html, text, err := mail.RenderAlert(a)
	if err != nil {
		return mail.Message{}, fmt.Errorf("handoff: render alert: %w", err)
	}
	kind := "sales_" + job
	if fresh {
		kind = "sales_fresh_links"
	}
	return mail.Message{From: s.From, To: to, ReplyTo: l.Email, Subject: subject, HTML: html, Text: text,
		Tags: map[string]string{"kind": kind}, ConfigurationSet: s.ConfigurationSet}, nil
}

// AnswerLabels names a campaign's questions: the label its form showed
// for an answer key (campaign.Set implements it).
type AnswerLabels interface {
	AnswerLabel(campaign, key string) (string, bool)
}

// answerLabel is the label of answer key for l: its campaign's question
// (the last touch's campaign first), else the key humanised.
func answerLabel(l *lead.Lead, labels AnswerLabels, key, fallback string) string {
	if labels != nil {
		for _, c := range []string{l.LastTouch.Campaign, l.FirstTouch.Campaign} {
			if c == "" {
				continue
			}
			if label, ok := labels.AnswerLabel(c, key); ok {
				return label
			}
		}
	}
	if fallback != "" {
		return fallback
	}
	return lead.Humanise(key)
}

// Answers lists every field the lead gave, then its custom answers, each
// under the label the lead saw (campaign questions) or a readable name,
// never a code: what alerts and the feedback page show.
func Answers(l *lead.Lead, labels AnswerLabels) []mail.KV {
	var out []mail.KV
	add := func(k, v string) {
		if v != "" {
			out = append(out, mail.KV{Key: k, Value: v})
		}
	}
	add(answerLabel(l, labels, "company_size", "Company size"), l.CompanySize)
	add(answerLabel(l, labels, "industry", "Industry"), l.Industry)
	add("Country", l.Country)
	add(answerLabel(l, labels, "budget", "Budget"), l.Budget)
	add(answerLabel(l, labels, "timeline", "Timeline"), l.Timeline)
	if l.FormType != "" {
		add("Form", lead.FormLabel(l.FormType))
	}
	add("Message", l.Message)
	keys := make([]string, 0, len(l.Answers))
	for k := range l.Answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(answerLabel(l, labels, k, ""), l.Answers[k])
	}
	add("Time zone", l.TimeZone)
	if l.Consent.MarketingOptIn {
		add("Marketing consent", strings.TrimSuffix("yes ("+l.Consent.TextVersion+")", " ()"))
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

// whyHot is the one-line reason in the body: score and what the lead
// did (the grade has its own badge beside it).
func whyHot(l *lead.Lead) string {
	q := l.Qualification
	parts := []string{fmt.Sprintf("score %.0f", q.Score)}
	if w := what(l); w != "" {
		parts = append(parts, w)
	}
	return strings.Join(parts, ", ")
}

// what is the strongest engagement in words, for the subject: the form
// ("demo request") and whether the lead viewed pricing.
func what(l *lead.Lead) string {
	var parts []string
	if l.FormType != "" {
		parts = append(parts, strings.ToLower(lead.FormLabel(l.FormType)))
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
			what += " (" + strings.ToLower(lead.FormLabel(ft)) + ")"
		}
		if src, ok := e.Data["source"].(map[string]any); ok {
			if c, _ := src["campaign"].(string); c != "" {
				what += ", campaign " + c
			}
		}
		return what
	case "qualified":
		return fmt.Sprintf("qualified: %s → %s", lead.Stage(str("from")).Label(), lead.Stage(str("to")).Label())
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
	r := mail.Reminder{Lead: openLead(s.Keys, cmp.Or(s.BaseURL, l.LinkBase), l, to, s.Rules.Zone(to), s.Rules.Outcomes().Horizon, now)}
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
