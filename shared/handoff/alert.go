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
	"github.com/leadflow/leadflow/shared/qualify"
)

// message builds the alert (or escalation) for the lead's rep.
func (s *Service) message(ctx context.Context, l lead.Lead, job string, now time.Time) (mail.Message, error) {
	if job == jobReminder {
		return s.reminder(l, now)
	}
	if job == jobAsked {
		return s.askedAgain(ctx, l, now)
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

// maxAlertEvents is how many of the lead's newest events an alert's
// timeline shows: the story a rep reads before the call, in an email
// whose size no stranger sets.
const maxAlertEvents = 40

// alert builds the alert or escalation of l to `to`; fresh marks a resend
// whose earlier links expired.
func (s *Service) alert(ctx context.Context, l lead.Lead, job, to string, fresh bool, now time.Time) (mail.Message, error) {
	tl, earlier := l.History, false
	if tl == nil {
		// The newest events only: anyone can grow the timeline by
		// posting the lead's address.
		var err error
		if tl, earlier, err = s.Store.RecentEvents(ctx, l.ID, lead.Recent{Max: maxAlertEvents}); err != nil {
			return mail.Message{}, fmt.Errorf("handoff: timeline: %w", err)
		}
	}
	h := l.Handoff
	a := mail.Alert{
		Company: l.Company, Name: l.Name, JobTitle: l.JobTitle, Email: l.Email, Phone: l.Phone,
		Changed: Changed(&l), Source: Source(&l, s.Labels), Reasons: Reasons(&l, s.Labels), Pages: pages(tl),
		Timeline: Timeline(tl, s.Labels, s.Rules.Zone(to)), EarlierEvents: earlier, RepName: h.RepName,
		FreshLinks: fresh,
	}
	// The deadline the alert's commit stores (record), counted in the
	// working hours of the team it goes to, which the email then names.
	_, alerted := s.Rules.TeamOf(l)
	a.DueBy = s.Rules.DueBy(alerted, now)
	if alerted.Hours != nil {
		a.SLAHours = alerted.Hours.String()
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
		team := alerted
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
	// The links work LinkTTL from now, and never stop before the reader
	// could act: working hours with a long holiday can put the deadline
	// after that, and the rep back on its morning gets the same week from
	// it as anyone else (the hand-off's return is at least that late:
	// qualify.Config.ReturnBy).
	exp := now.Add(s.LinkTTL)
	if after := a.DueBy.Add(s.LinkTTL); !a.DueBy.IsZero() && after.After(exp) {
		exp = after
	}
	a.LinksUntil, a.Zone = exp, s.Rules.Zone(to)
	if l.CameBackThisRound() {
		// Not a hand-off after a send-back since it came back: that one
		// turned hot on its own, after this comeback's round ended.
		a.CameBack = cameBack(*l.Returned, a.Zone)
	}
	a.Answers = Answers(&l, s.Labels, a.Zone)
	// A configured public URL wins; else the API address capture saw.
	base := s.BaseURL
	if base == "" {
		base = l.LinkBase
	}
	a.AcceptURL = links.Feedback(s.Keys, base, l.ID, links.ActionAccept, to, now, exp)
	for _, r := range s.Rules.RejectReasons() {
		a.RejectURLs = append(a.RejectURLs, mail.RejectLink{Label: r.Label,
			URL: links.Reject(s.Keys, base, l.ID, r.Code, to, now, exp)})
	}
	subject, html, text, err := mail.RenderAlert(a)
	if err != nil {
		return mail.Message{}, fmt.Errorf("handoff: render alert: %w", err)
	}
	kind := "sales_" + job
	if fresh {
		kind = "sales_fresh_links"
	}
	return mail.Message{From: s.From, To: to, ReplyTo: mail.ReplyTo(l.Email), Subject: subject, HTML: html, Text: text, Headers: mail.NoAutoReplies(),
		Tags: map[string]string{"kind": kind}, ConfigurationSet: s.ConfigurationSet}, nil
}

// Labels names what a lead's campaign showed: its questions' labels, the
// campaign's name and its variants' headlines (campaign.Set implements
// it). Without it, alerts and pages show keys in words and ids.
type Labels interface {
	// AnswerLabel is the label campaign's form showed for an answer key;
	// campaign "" is a lead of no campaign (the site's own form, the
	// landing page), labelled as the campaign files ask that question.
	AnswerLabel(campaign, key string) (string, bool)
	// CampaignName is the campaign as people know it ("Q4 demo push (q4-demo)").
	CampaignName(campaign string) (string, bool)
	// VariantHeadline is the headline a campaign's variant showed.
	VariantHeadline(campaign, variant string) (string, bool)
}

// campaignAnswerLabel is the label l's campaign (the last touch's first)
// gave answer key; a lead of no campaign gets the label the campaign
// files give it.
func campaignAnswerLabel(l *lead.Lead, labels Labels, key string) (string, bool) {
	if labels == nil {
		return "", false
	}
	named := false
	for _, c := range []string{l.LastTouch.Campaign, l.FirstTouch.Campaign} {
		if c == "" {
			continue
		}
		named = true
		if label, ok := labels.AnswerLabel(c, key); ok {
			return label, true
		}
	}
	if !named {
		return labels.AnswerLabel("", key)
	}
	return "", false
}

// answerLabel is the label of answer key for l: its campaign's question,
// else fallback, else the key humanised.
func answerLabel(l *lead.Lead, labels Labels, key, fallback string) string {
	if label, ok := campaignAnswerLabel(l, labels, key); ok {
		return label
	}
	if fallback != "" {
		return fallback
	}
	return lead.Humanise(key)
}

// campaignName is campaign id as people know it, else the id.
func campaignName(labels Labels, id string) string {
	if labels != nil && id != "" {
		if name, ok := labels.CampaignName(id); ok {
			return name
		}
	}
	return id
}

// Answers lists every field the lead gave, then its custom answers, each
// under the label the lead saw (campaign questions) or a readable name,
// never a code: what alerts and the feedback page show. Times show in
// zone (the reader's; nil is UTC).
func Answers(l *lead.Lead, labels Labels, zone *time.Location) []mail.KV {
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
	add("Marketing consent", ConsentText(l, zone))
	return out
}

// suppressedWords says why an address may not be emailed, by the
// suppression reason.
var suppressedWords = map[string]string{
	"unsubscribe": "unsubscribed",
	"bounce":      "the address bounced",
	"complaint":   "marked an email as spam",
	"erasure":     "data erased on request",
}

// ConsentText is the lead's marketing consent in words: given (how, and
// when it was confirmed, in zone), asked and not confirmed yet, or not
// given (and why the address may not be emailed, if it may not).
func ConsentText(l *lead.Lead, zone *time.Location) string {
	c := l.Consent
	switch {
	case c.MarketingOptIn && c.Method == lead.ConsentByConfirmation && !c.ConfirmedAt.IsZero():
		return "Yes (confirmed " + mail.When(c.ConfirmedAt, zone) + ")"
	case c.MarketingOptIn && c.Method == lead.ConsentBySingleOptIn:
		return "Yes (single opt-in)"
	case c.MarketingOptIn:
		return "Yes"
	case l.Suppressed != "":
		return "No (" + cmp.Or(suppressedWords[l.Suppressed], lead.Humanise(l.Suppressed)) + ")"
	case l.OptIn != nil:
		return "Asked — waiting for the person to confirm by email"
	}
	return "No"
}

// Changed lists what later forms changed of the first touch's profile
// ("Clara → Mallory"): anyone who knows the address may have posted them,
// so every page and email that shows sales the lead shows this too.
func Changed(l *lead.Lead) []mail.KV {
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

// Source is where the lead came from, labelled: first touch, and last if
// different. The campaign shows by name, the variant by its headline.
func Source(l *lead.Lead, labels Labels) []mail.KV {
	var out []mail.KV
	touch := func(suffix string, a lead.Attribution) {
		variant := a.Variant
		if variant != "" && labels != nil {
			if h, ok := labels.VariantHeadline(a.Campaign, a.Variant); ok {
				variant = "“" + h + "” (" + a.Variant + ")"
			}
		}
		for _, kv := range [][2]string{{"Campaign", campaignName(labels, a.Campaign)}, {"Offer variant", variant},
			{"UTM source", a.UTMSource}, {"UTM medium", a.UTMMedium}, {"UTM campaign", a.UTMCampaign},
			{"UTM term", a.UTMTerm}, {"UTM content", a.UTMContent}, {"Landing page", a.LandingPage}, {"Referrer", a.Referrer}} {
			if kv[1] != "" {
				out = append(out, mail.KV{Key: kv[0] + suffix, Value: kv[1]})
			}
		}
	}
	if l.Touches > 1 && l.LastTouch != l.FirstTouch {
		touch(" (first touch)", l.FirstTouch)
		touch(" (last touch)", l.LastTouch)
		return out
	}
	touch("", l.FirstTouch)
	return out
}

// Reasons are the lead's score reasons as a person reads them: a reason
// about a custom answer names the question the campaign asked ("Which
// CRM do you use?") instead of its key, and the campaign whose rules
// applied shows by name. Only reasons qualify located are changed.
func Reasons(l *lead.Lead, labels Labels) []string {
	q := l.Qualification
	if q == nil {
		return nil
	}
	out := append([]string(nil), q.Reasons...)
	for _, a := range q.AnswerReasons {
		if a.Reason < 0 || a.Reason >= len(out) || out[a.Reason] != a.Head+"answer "+a.Answer+a.Tail {
			continue // not the reason it was recorded for
		}
		if label, ok := campaignAnswerLabel(l, labels, a.Answer); ok {
			out[a.Reason] = a.Head + "“" + label + "”" + a.Tail
		}
	}
	if q.Campaign != "" {
		// Evaluate's reason for the campaign's rules, as it writes it.
		raw := "using the rules of campaign " + q.Campaign
		if name := campaignName(labels, q.Campaign); name != q.Campaign {
			for i, r := range out {
				if r == raw {
					out[i] = "using the rules of campaign " + name
				}
			}
		}
	}
	return out
}

// whyHot is the one-line reason in the body: score and what the lead
// did (the grade has its own badge beside it).
func whyHot(l *lead.Lead) string {
	q := l.Qualification
	parts := []string{fmt.Sprintf("score %.0f", q.Score)}
	if n := l.Nurture; q.Temperature != "hot" && n != nil && n.ExitReason == lead.ExitHandedOff && n.Sequence != "" {
		// Not hot: a nurture sequence's handoff step sent it (a click in
		// its emails, a visit it watches for).
		parts = append([]string{"the nurture sequence " + n.Sequence + " sent it to sales"}, parts...)
	}
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

// readerName is what emails about l call their reader `to`: the name the
// alert gave the rep, else the routing config's ("" when it has none).
func (s *Service) readerName(l *lead.Lead, to string) string {
	if h := l.Handoff; h != nil && h.Rep == to && h.RepName != "" {
		return h.RepName
	}
	if name := s.Rules.RepName(to); name != to {
		return name
	}
	return ""
}

// dealTo is who gets an email about a lead's deal (its outcome
// reminder; the notice that the lead asked again, notice true): the rep
// who holds it (accepted it) while the routing config lists them; else —
// the rep left, or, for a notice, is marked away: the lead is waiting now,
// while an outcome can wait for the rep — the team lead of the team
// whose alert the holder answered (qualify.Config.TeamOf), else the
// fallback address. holder is then the holder's name, and
// why says why the reader gets it ("" when the holder does).
func (s *Service) dealTo(l *lead.Lead, notice bool) (to, holder, why string) {
	rep := l.DealOwner()
	listed, away := holds(s.Rules, s.Fallback, rep)
	switch {
	case rep == "":
		return s.Fallback, "", ""
	case listed && !(notice && away):
		return rep, "", ""
	}
	holder = holderName(s.Rules, l, rep)
	why = holder + ", who holds its deal, is no longer in the routing config"
	if listed {
		why = holder + ", who holds its deal, is marked away"
	}
	_, team := s.Rules.TeamOf(*l) // the team whose alert the holder answered
	if team.Lead.Email != "" && !strings.EqualFold(team.Lead.Email, rep) {
		return team.Lead.Email, holder, why + ", so it comes to you as the team lead"
	}
	return s.Fallback, holder, why + ", so it comes to the sales address"
}

// holderName is how emails to a stand-in name rep, who holds l's deal:
// the routing config's name for them, else — they left, and the config
// no longer has it — the name the lead's alert gave them when it went to
// them, so the team lead reads "Ben Wu", not an address; else the
// address.
func holderName(rules *qualify.Config, l *lead.Lead, rep string) string {
	if name := rules.RepName(rep); name != rep {
		return name
	}
	if h := l.Handoff; h != nil && h.RepName != "" && strings.EqualFold(h.Rep, rep) {
		return h.RepName
	}
	return rep
}

// dealRecipient is who got the deal's email (dealTo), for its timeline event.
func (s *Service) dealRecipient(l *lead.Lead, notice bool) string {
	to, _, _ := s.dealTo(l, notice)
	return to
}

// reminder asks the rep who accepted the lead for its outcome, with
// links that work until the outcome horizon ends.
func (s *Service) reminder(l lead.Lead, now time.Time) (mail.Message, error) {
	to, holder, why := s.dealTo(&l, false)
	r := mail.Reminder{Lead: openLead(s.Keys, cmp.Or(s.BaseURL, l.LinkBase), l, to, s.Rules.Zone(to), s.Rules.Outcomes().Horizon, now),
		RepName: s.readerName(&l, to), Holder: holder}
	if why != "" {
		r.StandIn = why + "."
	}
	subject, html, text, err := mail.RenderReminder(r)
	if err != nil {
		return mail.Message{}, fmt.Errorf("handoff: render reminder: %w", err)
	}
	return mail.Message{From: s.From, To: to, ReplyTo: mail.ReplyTo(l.Email), Subject: subject, HTML: html, Text: text, Headers: mail.NoAutoReplies(),
		Tags: map[string]string{"kind": "sales_" + jobReminder}, ConfigurationSet: s.ConfigurationSet}, nil
}

// cameBack says, for the alert, that the lead had left and came back with
// a new form, and since when.
func cameBack(r lead.Return, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	day := r.Left.In(zone).Format("Mon 2 Jan 2006")
	if r.From == lead.StageLost {
		return "its deal was lost on " + day + "; this new form asks for contact again"
	}
	return "it unsubscribed from marketing email on " + day + " and still gets none; this new form asks for contact"
}
