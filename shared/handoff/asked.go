package handoff

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/mail"
)

// askedAgain tells the rep who holds the lead's deal (or won it) what the
// lead asked with the forms it sent since the rep was last told (those
// lead.Asked fixed with the claim), with the outcome links while the deal
// is open.
func (s *Service) askedAgain(ctx context.Context, l lead.Lead, now time.Time) (mail.Message, error) {
	since, upto := l.AskedUntold()
	// The newest of the forms the claim fixed, read in a bounded query:
	// anyone can post the address, as often as they like. A post of the
	// address alone between two forms is no form the lead asked with:
	// listed, bare re-posts could push its real forms out.
	forms, _, err := s.Store.RecentEvents(ctx, l.ID, lead.Recent{From: since, Max: maxAskedForms, Keep: func(e lead.Event) bool {
		return e.Kind == lead.EventResubmitted && e.Data[lead.DataTouchOnly] != true && !e.At.After(upto)
	}})
	if err != nil {
		return mail.Message{}, fmt.Errorf("handoff: timeline: %w", err)
	}
	to, holder, why := s.dealTo(&l, true)
	zone := s.Rules.Zone(to)
	horizon := s.Rules.Outcomes().Horizon
	open := openLead(s.Keys, cmp.Or(s.BaseURL, l.LinkBase), l, to, zone, horizon, now)
	a := mail.AskedAgain{Lead: open, Phone: l.Phone, Won: l.Stage == lead.StageWon, Changed: Changed(&l), Zone: zone,
		Status: dealStatus(&l, cmp.Or(holder, "You"), zone, now), RepName: s.readerName(&l, to), Holder: holder, StandIn: why}
	if l.Stage == lead.StageWon || !l.OutcomesUntil(horizon, now).After(now) {
		// Won, or past the horizon: no outcome link would work.
		a.Lead.SQLURL, a.Lead.WonURL, a.Lead.LostURL = "", "", ""
	}
	for _, e := range forms {
		a.Forms = append(a.Forms, s.askedForm(e))
	}
	if len(a.Forms) == 0 {
		// Its timeline lost the events (never so far): say when, at least.
		a.Forms = []mail.AskedForm{{At: upto, Form: "A form"}}
	}
	// The rest counted, so the email stays one SES takes.
	a.Earlier = l.AskedCount() - len(a.Forms)
	subject, html, text, err := mail.RenderAskedAgain(a)
	if err != nil {
		return mail.Message{}, fmt.Errorf("handoff: render asked-again notice: %w", err)
	}
	return mail.Message{From: s.From, To: to, ReplyTo: mail.ReplyTo(l.Email), Subject: subject, HTML: html, Text: text, Headers: mail.NoAutoReplies(),
		Tags: map[string]string{"kind": "sales_" + jobAsked}, ConfigurationSet: s.ConfigurationSet}, nil
}

// dealStatus says where the lead's deal stands, in a sentence for the
// rep: "today", "yesterday" and "n days ago" count the rep's calendar
// days, not spans of 24 hours.
func dealStatus(l *lead.Lead, who string, zone *time.Location, now time.Time) string {
	if l.Stage == lead.StageWon {
		if d := l.Deal; d != nil && !d.ClosedAt.IsZero() {
			return "Its deal was won on " + dayOf(d.ClosedAt, zone).Format("2 Jan 2006") + "."
		}
		return "Its deal is won."
	}
	accepted := l.AcceptedAt().In(zone)
	on := accepted.Format("2 Jan 2006")
	var s string
	switch days := calendarDays(accepted, now.In(zone)); days {
	case 0:
		s = who + " accepted it today"
	case 1:
		s = who + " accepted it yesterday, on " + on
	default:
		s = fmt.Sprintf("%s accepted it on %s, %d days ago", who, on, days)
	}
	if l.Stage == lead.StageSQL {
		s += ", and it is a qualified opportunity (SQL)"
	}
	return s + "."
}

// dayOf is t in zone for showing its date; a close date given as a date
// (midnight UTC: the outcome page's and the CRM's YYYY-MM-DD) is that
// date in any zone, not the evening before west of UTC.
func dayOf(t time.Time, zone *time.Location) time.Time {
	if u := t.UTC(); u.Equal(u.Truncate(24 * time.Hour)) {
		return u
	}
	return t.In(zone)
}

// calendarDays is how many calendar days lie between from and to, both
// in the zone they carry (0 on the same day).
func calendarDays(from, to time.Time) int {
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	return max(0, int(day(to).Sub(day(from)).Hours()/24))
}

// askedForm is one resubmission event as the notice shows it: the form
// and campaign, then its message, answers and the fields it stated.
func (s *Service) askedForm(e lead.Event) mail.AskedForm {
	f := facts(e.Data)
	out := mail.AskedForm{At: e.At, Form: "A form"}
	if ft := f.str("form_type"); ft != "" {
		out.Form = lead.FormLabel(ft)
	}
	campaign := f.campaign()
	if campaign != "" {
		out.Campaign = campaignName(s.Labels, campaign)
	}
	add := func(k, v string) {
		if v != "" {
			out.Fields = append(out.Fields, mail.KV{Key: k, Value: v})
		}
	}
	add("Message", f.str("message"))
	answers := strMap(e.Data["answers"])
	for _, k := range slices.Sorted(maps.Keys(answers)) {
		label := lead.Humanise(k)
		if s.Labels != nil {
			if got, ok := s.Labels.AnswerLabel(campaign, k); ok {
				label = got
			}
		}
		add(label, answers[k])
	}
	fields := strMap(e.Data["fields"])
	for _, k := range lead.ProfileOrder() { // as the form reads, not alphabetically
		add(lead.ProfileLabel(k), fields[k])
	}
	if src := strMap(e.Data["source"]); src["landing_page"] != "" {
		add("Landing page", src["landing_page"])
	}
	return out
}

// strMap reads a map of strings an event holds: as written (a map of
// strings, an Attribution) or as read back from the store (JSON values).
func strMap(v any) map[string]string {
	switch m := v.(type) {
	case map[string]string:
		return m
	case lead.Attribution:
		return map[string]string{"landing_page": m.LandingPage, "campaign": m.Campaign}
	case map[string]any:
		out := make(map[string]string, len(m))
		for k, x := range m {
			if s, ok := x.(string); ok {
				out[k] = s
			}
		}
		return out
	}
	return nil
}

// maxAskedForms is how many forms one notice lists in full, the newest;
// it counts the earlier ones (a form's message and answers may be ~35 kB).
const maxAskedForms = 10
