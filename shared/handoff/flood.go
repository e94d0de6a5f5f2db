package handoff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/sendonce"
)

// FloodStore is what alert flood control keeps: per window, the leads
// alerted (atomic, bounded) and held, and the once-only marker of each
// window's summary.
type FloodStore interface {
	// AlertSlot places the lead, in one atomic step, in each of the
	// key's window's named sets while each holds fewer than its limit ids
	// (a set that has the lead already counts as placed); it answers ""
	// when placed, else the set that was full.
	AlertSlot(ctx context.Context, key, leadID string, limits map[string]int, expires time.Time) (string, error)
	HoldAlert(ctx context.Context, key, leadID string, expires time.Time) error
	// HeldAlerts lists held leads of the key's window, and how many more.
	HeldAlerts(ctx context.Context, key string) ([]string, int, error)
	Once(ctx context.Context, key string, at time.Time) (bool, error)
	Forget(ctx context.Context, key string) error
}

// Flood limits hot-lead alerts, so a script posting hot-looking leads
// cannot flood the reps (and then the team lead with escalations):
//
//   - per source (the campaign and utm_source of the touch that made the
//     lead hot), at most PerSource alerts per Window (fixed windows, e.g.
//     the clock hour); further hot leads of that source and window are held;
//   - per campaign, all its sources together, at most PerCampaign alerts
//     per Window: utm_source is whatever the poster sends, so without it
//     every invented source would bring PerSource more (both limits are
//     one conditional update of the campaign's window item);
//   - per lead, no second alert within Dedup of the last one (a lead sales
//     sent back that turns hot again at once; the lead is unique per
//     address, so this is per address too).
//
// Campaigns the config does not list (Known) count as one campaign: the
// name is the poster's to choose as well.
//
// A held lead stays an MQL with its handoff "held": no alert, no SLA, no
// escalation. When its window ends, its team lead gets one summary of
// the window's held leads (exactly once per source, or campaign, and
// window), with a link per lead that releases its alert.
type Flood struct {
	Store       FloodStore
	PerSource   int           // alerts per source and window; 0: no limit
	PerCampaign int           // alerts per campaign (all sources) and window; 0: no limit
	Window      time.Duration // the window of both (one hour by default)
	Dedup       time.Duration // no second alert about a lead within it; 0: none
	// Known says whether a campaign id is one the config lists; nil
	// takes every campaign as listed.
	Known func(campaign string) bool
}

// ParseCount reads a limit that is a count, such as "20"; "", "0" and
// "off" are no limit.
func ParseCount(s string) (int, error) {
	if s == "" || s == "0" || s == "off" {
		return 0, nil
	}
	n, ok := wholeCount(s)
	if !ok {
		return 0, fmt.Errorf("%q: want a whole number of alerts, like 20 (or off)", s)
	}
	return n, atMost(s, n)
}

// MaxLimit bounds an alert limit: a window's item lists the lead ids it
// counts, and a DynamoDB item holds at most 400 KB.
const MaxLimit = 1000

// ParseLimit reads an alert limit such as "5/1h"; "", "0" and "off" are
// no limit.
func ParseLimit(s string) (int, time.Duration, error) {
	if s == "" || s == "0" || s == "off" {
		return 0, 0, nil
	}
	n, per, ok := strings.Cut(s, "/")
	count, whole := wholeCount(n)
	if !ok || !whole {
		return 0, 0, fmt.Errorf("%q: want alerts per window, like 5/1h (or off)", s)
	}
	if err := atMost(s, count); err != nil {
		return 0, 0, err
	}
	w, err := time.ParseDuration(per)
	if err != nil || w < time.Minute || w > 7*24*time.Hour {
		return 0, 0, fmt.Errorf("%q: the window must be a duration from 1m to 168h, like 1h", s)
	}
	return count, w, nil
}

// wholeCount reads a positive count written plainly ("5", not "05" or "+5").
func wholeCount(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && strconv.Itoa(n) == s
}

// atMost refuses a limit (as written, s) above MaxLimit.
func atMost(s string, n int) error {
	if n > MaxLimit {
		return fmt.Errorf("%q: at most %d alerts per window", s, MaxLimit)
	}
	return nil
}

// unlisted stands for every campaign the config does not list.
const unlisted = "\x00unlisted"

// origin is the campaign and utm_source flood control counts the lead
// under: the touch that made it hot (else its first), the campaign as
// listed or unlisted, the source as compared (trimmed, lower case).
func (f *Flood) origin(l *lead.Lead) (campaign, source string) {
	t := l.LastTouch
	if t.Campaign == "" && t.UTMSource == "" {
		t = l.FirstTouch
	}
	campaign = t.Campaign
	if f.Known != nil && !f.Known(campaign) {
		campaign = unlisted
	}
	return campaign, strings.ToLower(strings.TrimSpace(t.UTMSource))
}

// key is the flood-control key of a source (campaignWide: of its
// campaign, all sources), as origin gives them, in now's window, and when
// that window ends. The campaign and source are hashed: a key is no place
// for text a visitor typed.
func (f *Flood) key(campaign, source string, now time.Time, campaignWide bool) (string, time.Time) {
	what := "source\x00" + campaign + "\x00" + source
	if campaignWide {
		what = "campaign\x00" + campaign
	}
	w := f.Window
	if w <= 0 {
		w = time.Hour
	}
	start := now.UTC().Truncate(w)
	return hashed(what) + "#" + start.Format("20060102T1504Z"), start.Add(w)
}

func hashed(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// The sets of a window's item that AlertSlot fills.
const (
	setSource = "alerted" // a source's window item: its alerted leads
	setAll    = "all"     // a campaign's window item: all its alerted leads
)

// Flood control decides whether a lead's first alert may go now (check,
// then take when check cannot answer alone): nil, or why it is held.
// Allowing takes a slot of its source's window and one of its campaign's,
// in one update of the campaign's window item (of the source's when there
// is no campaign limit). Service.admit runs the two.

// slotAsk is the slot take asks the store for: the window item and its
// sets' limits, and the hold it answers with when refused.
type slotAsk struct {
	key, campaignKey string
	limits           map[string]int
	expires          time.Time
	held             lead.Held
}

// check is the part of flood control that needs no request: it answers (a hold,
// or nil to let the alert go) when the lead is released, recently
// alerted or nothing is limited; otherwise it says what to ask for.
func (f *Flood) check(l *lead.Lead, now time.Time) (*lead.Held, *slotAsk) {
	if f == nil || l.Handoff == nil || l.Handoff.Released {
		return nil, nil
	}
	campaign, source := f.origin(l)
	key, ends := f.key(campaign, source, now, false)
	held := lead.Held{Source: key, At: now, SummaryAt: ends}
	if f.Dedup > 0 && !l.AlertedAt.IsZero() && now.Sub(l.AlertedAt) < f.Dedup {
		held.Reason, held.RetryAt = lead.HeldRecentlyAlerted, l.AlertedAt.Add(f.Dedup)
		return &held, nil
	}
	if f.PerSource <= 0 && f.PerCampaign <= 0 {
		return nil, nil
	}
	ask := &slotAsk{key: key, limits: map[string]int{setSource: f.PerSource}, expires: ends.Add(WindowKept), held: held}
	ask.campaignKey, _ = f.key(campaign, source, now, true)
	if f.PerCampaign > 0 {
		// The campaign's item holds its sources' sets too (at most
		// PerCampaign of them fill, so it stays small).
		ask.key, ask.limits = ask.campaignKey, map[string]int{setAll: f.PerCampaign}
		if f.PerSource > 0 {
			ask.limits["src_"+hashed(source)] = f.PerSource
		}
	}
	return nil, ask
}

// take asks the store for the slot: nil when placed, else the hold and
// the set that was full.
func (f *Flood) take(ctx context.Context, leadID string, ask *slotAsk) (*lead.Held, string, error) {
	full, err := f.Store.AlertSlot(ctx, ask.key, leadID, ask.limits, ask.expires)
	held := ask.held
	switch {
	case err != nil:
		return nil, "", err
	case full == "":
		return nil, "", nil
	case full == setAll:
		held.Reason, held.Source = lead.HeldCampaignLimit, ask.campaignKey
	default:
		held.Reason = lead.HeldSourceLimit
	}
	return &held, full, nil
}

// refusals remembers, in this process, the sets of window items that
// refused a slot in the current window: a lead whose slot would go into a
// set already full asks for its slot before its rep's turn rather than at
// the same time, so a flood's held leads do not each use up a turn (with
// two reps and held leads between real ones, every real lead would reach
// the same rep). The first refusal of a set in each process still costs
// one; other sources of a campaign whose source set is full still ask at
// once.
type refusals struct {
	mu     sync.Mutex
	window string // the window the keys are of (the keys' suffix)
	keys   map[string]bool
}

func (r *refusals) add(key, set string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w := windowOf(key); r.keys == nil || w != r.window {
		r.window, r.keys = w, map[string]bool{}
	}
	r.keys[key+"|"+set] = true
}

// has reports whether one of the sets the lead's slot goes into was full.
func (r *refusals) has(ask *slotAsk) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.window != windowOf(ask.key) {
		return false
	}
	for set := range ask.limits {
		if r.keys[ask.key+"|"+set] {
			return true
		}
	}
	return false
}

// windowOf is the window part of a flood-control key (see Flood.key).
func windowOf(key string) string {
	_, w, _ := strings.Cut(key, "#")
	return w
}

// WindowKept is how long after its window a window's item — its alert
// slots and its list of held leads — is kept (the summary's "release all"
// link lasts as long): as long as the summary's links for each lead, so a
// summary that comes on a Friday evening still releases them all on
// Monday (a day was gone by Saturday evening).
const WindowKept = links.AlertTTL

// Outcomes of flood control.
const (
	Held       Outcome = "held"       // the alert is held (source limit or recent alert)
	Summarised Outcome = "summarised" // the held lead's window summary went (or had gone) to the team lead
)

// hold records the lead's alert as held.
func (s *Service) hold(ctx context.Context, l lead.Lead, held *lead.Held, now time.Time) (Outcome, error) {
	if err := s.Flood.Store.HoldAlert(ctx, held.Source, l.ID, held.SummaryAt.Add(WindowKept)); err != nil {
		return "", fmt.Errorf("handoff: hold: %w", err)
	}
	l.Handoff.State, l.Handoff.Held = lead.HandoffHeld, held
	// Not released by then, it goes back to marketing (held for a recent
	// alert, it is asked for again first: Held.RetryAt).
	l.Handoff.ReturnAt = now.Add(s.Rules.ReturnUnanswered())
	data := map[string]any{"reason": held.Reason, "summary_at": held.SummaryAt}
	if !held.RetryAt.IsZero() {
		data["retry_at"] = held.RetryAt
	}
	ch := lead.Change{At: now, Events: []lead.Event{{At: now, Kind: "alert_held", ID: s.NewID(now), Data: data}},
		Counters: []lead.Counter{{Campaign: l.Campaign(), Name: "alerts_held"}}}
	if _, err := lead.Write(ctx, s.Store.Put, l, ch); errors.Is(err, lead.ErrVersionConflict) {
		return Busy, nil // changed meanwhile: the next run decides again
	} else if err != nil {
		return "", fmt.Errorf("handoff: hold: %w", err)
	}
	return Held, nil
}

// summarise sends the team lead the summary of the held lead's window
// (once per source and window, whichever of its held leads comes first),
// then marks this lead as summarised so it leaves the due index.
func (s *Service) summarise(ctx context.Context, l lead.Lead, now time.Time) (Outcome, error) {
	h := l.Handoff.Held
	key := "ALERTSUMMARY#" + h.Source
	first, err := s.Flood.Store.Once(ctx, key, now)
	if err != nil {
		return "", fmt.Errorf("handoff: summary: %w", err)
	}
	if first {
		if err := s.sendSummary(ctx, l, now); err != nil {
			err = errors.Join(fmt.Errorf("handoff: summary: %w", err), s.Flood.Store.Forget(ctx, key))
			// Refused outright (the team lead's address, say): this lead
			// waits out a back-off instead of asking again every tick.
			if ch := sendonce.Refuse(&l, jobSummary, false, err, now, s.NewID); ch.Events != nil {
				if _, werr := lead.Write(ctx, s.Store.Put, l, ch); werr != nil && !errors.Is(werr, lead.ErrVersionConflict) {
					err = errors.Join(err, werr)
				}
			}
			return "", err
		}
	}
	h.Summarised = true
	if first {
		l.Delivered(false) // an email to sales about it went out
	}
	if _, err := lead.Write(ctx, s.Store.Put, l, lead.Change{At: now}); errors.Is(err, lead.ErrVersionConflict) {
		return Busy, nil
	} else if err != nil {
		return "", fmt.Errorf("handoff: summary: %w", err)
	}
	return Summarised, nil
}

// MaxSummaryListed bounds the release links of one summary.
const MaxSummaryListed = 50

func (s *Service) sendSummary(ctx context.Context, l lead.Lead, now time.Time) error {
	ids, more, err := s.Flood.Store.HeldAlerts(ctx, l.Handoff.Held.Source)
	if err != nil {
		return err
	}
	// The store keeps them as a set, in no promised order: the summary
	// lists the first held (ids sort by time) and counts the rest.
	slices.Sort(ids)
	if len(ids) > MaxSummaryListed {
		more, ids = more+len(ids)-MaxSummaryListed, ids[:MaxSummaryListed]
	}
	_, team := s.Rules.Route(l)
	to, name := team.Lead.Email, team.Lead.Name
	if to == "" {
		to, name = s.Fallback, "Sales"
	}
	base := s.BaseURL
	if base == "" {
		base = l.LinkBase
	}
	t := l.LastTouch
	if t.Campaign == "" && t.UTMSource == "" {
		t = l.FirstTouch
	}
	campaign, _ := s.Flood.origin(&l)
	isUnlisted := campaign == unlisted
	if isUnlisted {
		campaign = "campaigns not in the config"
	} else {
		campaign = orNone(campaignName(s.Labels, campaign))
	}
	source, limit, w := orNone(t.UTMSource), s.Flood.PerSource, s.Flood.Window
	campaignWide := l.Handoff.Held.Reason == lead.HeldCampaignLimit
	if campaignWide {
		source, limit = "all sources", s.Flood.PerCampaign
	}
	if w <= 0 {
		w = time.Hour
	}
	d := summaryData{Name: name, Campaign: campaign, Unlisted: isUnlisted, UTMSource: source, Limit: limit, CampaignWide: campaignWide,
		Total: len(ids) + more, More: more}
	d.From, d.To = windowSpan(l.Handoff.Held.SummaryAt.Add(-w), l.Handoff.Held.SummaryAt, s.Rules.Zone(to))
	if !campaignWide && s.Flood.Dedup > 0 {
		d.Retry = Hours(s.Flood.Dedup)
	}
	for _, id := range ids {
		d.Leads = append(d.Leads, summaryLead{ID: id, ReleaseURL: links.Release(s.Keys, base, id, now, now.Add(s.LinkTTL))})
	}
	if d.Total > 1 {
		// One link for the lot, while the window's list of them is kept.
		until := now.Add(s.LinkTTL)
		if kept := l.Handoff.Held.SummaryAt.Add(WindowKept); kept.Before(until) {
			until = kept
		}
		d.ReleaseAllURL = links.ReleaseAll(s.Keys, base, l.Handoff.Held.Source, until)
	}
	var html, text strings.Builder
	if err := summaryHTML().Execute(&html, d); err != nil {
		return err
	}
	if err := summaryText().Execute(&text, d); err != nil {
		return err
	}
	subject := summarySubject(d)
	_, err = s.Send.Mail.Send(ctx, mail.Message{From: s.From, To: to, Subject: mail.Truncate(mail.OneLine(subject), 150),
		HTML: html.String(), Text: text.String(), Tags: map[string]string{"kind": "sales_alert_summary"}, ConfigurationSet: s.ConfigurationSet})
	return err
}

// windowSpan is a window's start and end as the summary's "between
// from and to" says them, in the reader's zone: the end's date when it
// is another day there (a window of a day, or one ending at midnight),
// the start's zone abbreviation when the clocks changed in between.
func windowSpan(start, end time.Time, zone *time.Location) (from, to string) {
	start, end = start.In(zone), end.In(zone)
	from, to = start.Format("2 Jan 2006 15:04"), end.Format("15:04 ")+mail.ZoneName(end)
	if mail.ZoneName(start) != mail.ZoneName(end) {
		from += " " + mail.ZoneName(start)
	}
	if y, m, d := start.Date(); end.Day() != d || end.Month() != m || end.Year() != y {
		to = end.Format("2 Jan 2006 15:04 ") + mail.ZoneName(end)
	}
	return from, to
}

// Hours says a duration in whole hours when it is one ("24 hours",
// "1 hour"), else as Go writes it.
func Hours(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "1 hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// summarySubject is the held-alert summary's subject: "[Alerts held] 1
// hot lead from …", "3 hot leads from …".
func summarySubject(d summaryData) string {
	return fmt.Sprintf("[Alerts held] %s from %s / %s", d.HotLeads(), d.Campaign, d.UTMSource)
}

// HotLeads counts the held leads in words, "1 hot lead" or "3 hot leads".
func (d summaryData) HotLeads() string {
	if d.Total == 1 {
		return "1 hot lead"
	}
	return fmt.Sprintf("%d hot leads", d.Total)
}

type summaryData struct {
	Name, Campaign, UTMSource, From, To string
	// Retry is how long after its last alert a lead held for that alert
	// goes out by itself ("24 hours"); "" when no lead of the summary can be.
	Retry string
	// ReleaseAllURL releases every lead the window held (more than one).
	ReleaseAllURL      string
	Limit, Total, More int
	CampaignWide       bool // held by the campaign's limit, all sources together
	// Unlisted: the leads are of campaigns the config does not list,
	// whose alerts count in one window (Campaign then says so).
	Unlisted bool
	Leads    []summaryLead
}

type summaryLead struct{ ID, ReleaseURL string }

const summaryBody = `{{define "why"}}{{.HotLeads}} from {{if .Unlisted}}{{.Campaign}}{{else}}campaign {{.Campaign}}{{end}}, {{if .CampaignWide}}all sources{{else}}source {{.UTMSource}}{{end}}, between {{.From}} and {{.To}} {{if eq .Total 1}}was{{else}}were{{end}} not alerted to your reps: {{if .CampaignWide}}the campaign, all its sources together, passed its limit of {{.Limit}} alerts in that time{{else}}{{if .Limit}}the source passed its limit of {{.Limit}} alerts in that time, or {{end}}the lead had an alert shortly before{{end}}. A flood of hot leads from one {{if .CampaignWide}}campaign{{else}}source{{end}} is often a script; {{if eq .Total 1}}it is kept as an MQL with its alert held{{else}}they are kept as MQLs with their alert held{{end}}, and nobody was escalated.{{if .Retry}} A lead held only because it had an alert shortly before is asked for again by itself {{.Retry}} after that alert, if it is still an MQL (the alert limits apply then as now), unless you release it sooner.{{end}}{{end}}`

var summaryHTML = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("summary").Parse(summaryBody + `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light"><title>Alerts held</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2328;background:#ffffff">
<p>Hi {{.Name}},</p>
<p>{{template "why" .}}</p>
<p>Review each lead and release the ones that are real: its alert then goes to a rep as usual.</p>
<ul>{{range .Leads}}<li>Lead {{.ID}}: <a href="{{.ReleaseURL}}">review and release</a></li>{{end}}</ul>
{{if .More}}<p>… and {{.More}} more, not listed.</p>{{end}}
{{if .ReleaseAllURL}}<p>If they are real (a launch, not a script): <a href="{{.ReleaseAllURL}}">review and release all {{.HotLeads}}</a>.</p>{{end}}
</body></html>`))
})

var summaryText = sync.OnceValue(func() *texttemplate.Template {
	return texttemplate.Must(texttemplate.New("summary").Parse(summaryBody + `Hi {{.Name}},

{{template "why" .}}

Review each lead and release the ones that are real: its alert then goes to a rep as usual.
{{range .Leads}}
- Lead {{.ID}}: {{.ReleaseURL}}{{end}}
{{if .More}}
… and {{.More}} more, not listed.
{{end}}{{if .ReleaseAllURL}}
If they are real (a launch, not a script), review and release all {{.HotLeads}}: {{.ReleaseAllURL}}
{{end}}`))
})
