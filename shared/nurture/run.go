package nurture

// Runner runs the sequences for due leads: it re-grades the lead
// (engagement decays), asks the engine (Plan) what is due, and sends the
// step's email exactly once (package sendonce) with one-click unsubscribe
// headers and tracked links, or records a wait, an exit or a handoff to
// sales. Enroller puts a freshly qualified lead into its sequence.

import (
	"context"
	"errors"
	"fmt"
	stdhtml "html"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/metrics"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/token"
)

// Qualifier re-grades a lead (qualify.Config).
type Qualifier interface {
	Qualify(l *lead.Lead, now time.Time) lead.Change
}

// Runner sends nurture steps.
type Runner struct {
	Sequences *Config
	Rules     Qualifier
	// Store saves what a tick decides besides a send (waits, exits).
	Store lead.Store
	Send  *sendonce.Sender
	Keys  token.Keys
	// From sends the emails. Mailbox, when set, is offered as a mailto:
	// unsubscribe too; it must be a mailbox someone processes, so none is
	// offered by default (the one-click link is processed automatically).
	From, Mailbox string
	// Sales is the sales address, where replies to a template with
	// reply_to: sales go ("": to the sender).
	Sales string
	// TrackOpens adds an open-tracking pixel to every email (off by
	// default: image proxies and privacy features make opens unreliable).
	TrackOpens bool
	// PostalAddress is the sender's postal address every email's footer
	// carries; the runner sends nothing without it.
	PostalAddress    string
	BaseURL          string
	ConfigurationSet string
	// HandOff alerts sales about a lead that turned hot or reached a
	// handoff step.
	HandOff lead.HandOff
	// Campaigns maps a campaign to the sequence its leads try first, as
	// Enroller's does: a lead whose sequence ends tries it first too.
	Campaigns map[string]string
	Clock     func() time.Time
	NewID     func(time.Time) string
}

// Due reports whether the lead has a nurture step due.
func Due(l *lead.Lead, now time.Time) bool {
	return l.Nurture != nil && !l.Nurture.NextAt.IsZero() && !now.Before(l.Nurture.NextAt)
}

// Outcomes of Run besides lead.Idle, lead.Busy, sendonce.Sent,
// sendonce.Recovered and sendonce.Suppressed.
const (
	Waiting   lead.Outcome = "waiting"    // the next step is later
	Exited    lead.Outcome = "exited"     // the lead left its sequence
	HandedOff lead.Outcome = "handed_off" // sales took over
)

// Run does the lead's due nurture step and says what it did.
func (r *Runner) Run(ctx context.Context, l lead.Lead, owner string) (lead.Outcome, error) {
	now := r.Clock()
	if !Due(&l, now) {
		return lead.Idle, nil
	}
	regrade := r.regrade(&l, now)
	if l.OwedToSales() {
		// Engagement (or rules) made it hot: sales takes over.
		Exit(&l, ExitHandedOff)
		return r.saveAndHandOff(ctx, l, regrade, owner, HandedOff)
	}
	p := r.Sequences.Plan(l, now)
	switch p.Kind {
	case KindSend:
		return r.send(ctx, l, p, regrade, owner)
	case KindHandoff:
		r.Sequences.Apply(&l, p, now, "")
		if l.Handoff == nil {
			l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: now}
			regrade.Counters = append(regrade.Counters, lead.Counter{Campaign: l.Campaign(), Name: l.MQLCounter()})
			if !l.Stage.SalesSet() {
				l.Stage = lead.StageMQL
			}
		}
		regrade.Events = append(regrade.Events, r.event(now, "nurture_handoff", p, nil))
		return r.saveAndHandOff(ctx, l, regrade, owner, HandedOff)
	case KindExit:
		r.Sequences.Apply(&l, p, now, "")
		regrade.Events = append(regrade.Events, r.event(now, "nurture_exit", p, map[string]any{"reason": p.ExitReason}))
		if l.Stage == lead.StageNurturing {
			// The next sequence it qualifies for, or why there is none.
			if seq := r.Sequences.Place(&l, now, r.Campaigns[l.Campaign()]); seq != "" {
				regrade.Add(enrolled(&l, now, seq, r.NewID, nil))
			}
		}
		return r.save(ctx, l, regrade, Exited)
	default: // later
		r.Sequences.Apply(&l, p, now, "")
		return r.save(ctx, l, regrade, Waiting)
	}
}

// regrade applies decay and keeps the timeline quiet unless something a
// person cares about changed (grade, temperature, stage).
func (r *Runner) regrade(l *lead.Lead, now time.Time) lead.Change {
	before := *l
	ch := r.Rules.Qualify(l, now)
	if q0, q1 := before.Qualification, l.Qualification; q0 != nil && q1 != nil &&
		q0.Grade == q1.Grade && q0.Temperature == q1.Temperature && before.Stage == l.Stage {
		ch.Events = nil
	}
	return ch
}

func (r *Runner) send(ctx context.Context, l lead.Lead, p Plan, regrade lead.Change, owner string) (lead.Outcome, error) {
	now := r.Clock()
	// Where the plan started: the step the lead is stored at, which is
	// not the step sent when the plan walked past a finished wait or a
	// branch. The commit records the send only on a lead still there.
	from := l.Nurture.Step
	job := sendonce.Job{
		Name:   r.Sequences.claimName(&l, p),
		ToLead: true,
		Message: func(ctx context.Context, l lead.Lead) (mail.Message, error) {
			return r.message(l, p, now)
		},
		Due: func(l *lead.Lead) bool {
			return Due(l, now) && r.Sequences.sameSequence(l.Nurture.Sequence, p.Sequence) && l.Nurture.Step == from
		},
		// A claim of the step made before the lead entered the sequence
		// this time is an earlier round's (a worker died, and the lead
		// left before a run recovered it; sales sent it back, and the
		// sequence starts afresh): not this round's email.
		Since: func(l *lead.Lead) time.Time { return l.Nurture.EnrolledAt },
		Commit: func(l *lead.Lead, messageID string) lead.Change {
			r.Sequences.Apply(l, p, now, messageID)
			ch := regrade
			ch.Events = append(append([]lead.Event(nil), regrade.Events...), r.event(now, "nurture_email", p, map[string]any{"template": p.Template, "message_id": messageID}))
			ch.Counters = append(append([]lead.Counter(nil), regrade.Counters...), lead.Counter{Campaign: l.Campaign(), Name: "nurture_sends"})
			return ch
		},
	}
	out, err := r.Send.Do(ctx, l, job, owner)
	if err != nil {
		metrics.Count(ctx, metrics.NurtureFailed, 1)
		if errors.Is(err, mail.ErrThrottled) {
			metrics.Count(ctx, metrics.NurtureThrottled, 1)
		}
		return "", err
	}
	if out == sendonce.Sent {
		metrics.Count(ctx, metrics.NurtureSent, 1)
	}
	if out == sendonce.Suppressed {
		// Unsubscribed, bounced or complained: leave the sequence for good.
		_, err := lead.Update(ctx, r.Store, l.ID, func(l *lead.Lead) (lead.Change, error) {
			Exit(l, "suppressed")
			return lead.Change{At: now, Events: []lead.Event{r.event(now, "nurture_exit", p, map[string]any{"reason": "suppressed"})}}, nil
		})
		if err != nil {
			return "", err
		}
		return sendonce.Suppressed, nil
	}
	return out, nil
}

// claimName is the send claim's job name for a send plan:
// "nurture:<sequence>:<step>" — or, when the lead carries a claim of the
// step under an id the sequence replaces (a worker that died while the
// sequence had its earlier id), that claim's name, so what SES says of
// that email settles it and the step is not sent again under the new id.
func (c *Config) claimName(l *lead.Lead, p Plan) string {
	name := "nurture:" + p.Sequence + ":" + p.Step
	if _, ok := l.Claims[name]; ok {
		return name
	}
	if s := c.byID[p.Sequence]; s != nil {
		for _, old := range s.replaces {
			n := "nurture:" + old + ":" + p.Step
			if _, ok := l.Claims[n]; ok {
				return n
			}
		}
	}
	return name
}

// message renders the step's email with its unsubscribe link and
// headers (RFC 8058 one-click) and tracked links.
func (r *Runner) message(l lead.Lead, p Plan, now time.Time) (mail.Message, error) {
	base := r.base(l)
	if base == "" {
		return mail.Message{}, errors.New("nurture: no public base URL for links (set PUBLIC_BASE_URL)")
	}
	unsub := links.Unsubscribe(r.Keys, base, l.ID, now)
	if r.PostalAddress == "" {
		return mail.Message{}, errors.New("nurture: no sender postal address for the footer (set SENDER_POSTAL_ADDRESS)")
	}
	e, err := r.Sequences.RenderWith(p.Template, l, Footer{UnsubscribeURL: unsub, PostalAddress: r.PostalAddress})
	if err != nil {
		// The lead's data does not render: a refusal (mail.ErrInvalid), so
		// it is not tried again every tick.
		return mail.Message{}, fmt.Errorf("nurture: render %s: %w: %w", p.Template, mail.ErrInvalid, err)
	}
	// Longest links first: one link may be a prefix of another. In the
	// HTML a link may be written escaped (&amp;) or as typed (&).
	// A link too long for a click token (links.Click is "") stays as
	// written, untracked.
	sorted := append([]string(nil), e.Links...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	var htmlPairs []string
	var textLinks []textLink
	for _, link := range sorted {
		click := links.Click(r.Keys, base, l.ID, link, now)
		if click == "" {
			continue
		}
		textLinks = append(textLinks, textLink{target: link, tracked: click, label: e.LinkLabels[link], place: place(link)})
		to := `href="` + htmlAttr(click) + `"`
		htmlPairs = append(htmlPairs, `href="`+htmlAttr(link)+`"`, to, `href="`+link+`"`, to)
	}
	html := strings.NewReplacer(htmlPairs...).Replace(e.HTML)
	text := replaceURLs(e.Text, textLinks)
	if r.TrackOpens {
		src := links.OpenPixel(r.Keys, base, l.ID, p.Sequence+":"+p.Step, now)
		html = withPixel(html, `<img src="`+stdhtml.EscapeString(src)+`" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0">`)
	}
	listUnsub := "<" + unsub + ">"
	if r.Mailbox != "" {
		listUnsub += ", <mailto:" + r.Mailbox + "?subject=unsubscribe>"
	}
	replyTo := e.ReplyTo
	if replyTo == ReplyToSales {
		replyTo = r.Sales
	}
	return mail.Message{From: r.From, To: l.Email, ReplyTo: replyTo, Subject: e.Subject, HTML: html, Text: text,
		Headers: map[string]string{
			"List-Unsubscribe":      listUnsub,
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
		Tags:             map[string]string{"kind": "nurture", "lead": l.ID},
		ConfigurationSet: r.ConfigurationSet}, nil
}

// textLink is a link of the plain-text part and what replaces it.
type textLink struct {
	target  string // the link as the template wrote it
	tracked string // its click-tracking redirect
	// label is the link's text in the HTML part, and place its
	// destination's host and page: what a reader of the plain text is
	// told, since the redirect says nothing of where it goes ("" for
	// neither).
	label, place string
}

// replaceURLs replaces each whole URL of the plain text that is one of
// links' targets (longest first) with its tracked link, followed by
// where it goes: "(www.example.com/guides/x)", or "(Read the guide —
// www.example.com/guides/x)" when the text before it, since the line's
// start or the last link, does not already say the label. A URL in
// brackets ("<https://…>") keeps them, the note after them.
//
// A target is only replaced where the URL ends with it — not where it
// begins a longer one: a template linking "https://example.com" must not
// turn the footer's "https://example.com/unsubscribe/…" into the click
// redirect with the unsubscribe path glued on.
func replaceURLs(text string, links []textLink) string {
	var b strings.Builder
	from := 0 // where the text about the next link starts
	for i := 0; i < len(text); {
		if text[i] == '\n' {
			from = i + 1
		}
		done := false
		for _, link := range links {
			if link.target == "" || !strings.HasPrefix(text[i:], link.target) || !urlEnds(text, i+len(link.target)) {
				continue
			}
			b.WriteString(link.tracked)
			end := i + len(link.target)
			if i > 0 && end < len(text) && closing[text[i-1]] != 0 && text[end] == closing[text[i-1]] {
				b.WriteByte(text[end])
				end++
			}
			b.WriteString(link.about(text[from:i]))
			i, from, done = end, end, true
			break
		}
		if !done {
			b.WriteByte(text[i])
			i++
		}
	}
	return b.String()
}

// closing is the bracket that closes each opening one a URL is written in.
var closing = [256]byte{'<': '>', '(': ')', '[': ']'}

// about is the note after a tracked link: " (label — place)", without
// the label when before (the text leading up to the link) says it, or
// when it is itself an address (linkish: "www.example.com/guide"), which
// a mail app would link, untracked.
func (t textLink) about(before string) string {
	label := t.label
	if label != "" && (linkish.MatchString(label) || strings.Contains(strings.ToLower(mail.OneLine(before)), strings.ToLower(label))) {
		label = ""
	}
	switch {
	case label != "" && t.place != "":
		return " (" + label + " — " + t.place + ")"
	case label+t.place != "":
		return " (" + label + t.place + ")"
	}
	return ""
}

// maxPlace caps a destination's host and page as the plain text shows it.
const maxPlace = 60

// place is where link goes as a person reads it: host and path, without
// the scheme, query and fragment (tracking parameters, tokens), cut to
// maxPlace characters.
func place(link string) string {
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return ""
	}
	return mail.Truncate(mail.OneLine(strings.ToLower(u.Host)+strings.TrimRight(u.Path, "/")), maxPlace)
}

// urlEnds reports whether a URL written in plain text ends before s[i]:
// the end of the text, white space, a closing bracket or quote, or
// punctuation that itself ends a sentence ("see https://x.example/a."),
// or a character beyond ASCII (text in a script without spaces: a URL
// in plain text is written in ASCII).
func urlEnds(s string, i int) bool {
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || strings.IndexByte(")]}>\"'", c) >= 0:
			return true
		case strings.IndexByte(".,;:!?", c) < 0:
			return false
		}
	}
	return true
}

// withPixel puts img at the end of the body (or of the document).
func withPixel(html, img string) string {
	if i := strings.LastIndex(strings.ToLower(html), "</body>"); i >= 0 {
		return html[:i] + img + html[i:]
	}
	return html + img
}

func (r *Runner) base(l lead.Lead) string {
	if r.BaseURL != "" {
		return r.BaseURL
	}
	return l.LinkBase
}

// htmlAttr is how html/template writes a URL in an attribute.
func htmlAttr(u string) string { return strings.ReplaceAll(u, "&", "&amp;") }

func (r *Runner) event(now time.Time, kind string, p Plan, data map[string]any) lead.Event {
	if data == nil {
		data = map[string]any{}
	}
	data["sequence"], data["step"] = p.Sequence, p.Step
	return lead.Event{At: now, Kind: kind, ID: r.NewID(now), Data: data}
}

func (r *Runner) save(ctx context.Context, l lead.Lead, ch lead.Change, out lead.Outcome) (lead.Outcome, error) {
	_, out, err := r.write(ctx, l, ch, out)
	return out, err
}

// write saves the lead as planned on the version read; when it changed
// meanwhile the lead is left for the next tick, which sees it fresh.
func (r *Runner) write(ctx context.Context, l lead.Lead, ch lead.Change, out lead.Outcome) (lead.Lead, lead.Outcome, error) {
	saved, err := lead.Write(ctx, r.Store.Save, l, ch)
	if errors.Is(err, lead.ErrVersionConflict) {
		return l, lead.Busy, nil
	}
	if err != nil {
		return l, "", err
	}
	return saved, out, nil
}

func (r *Runner) saveAndHandOff(ctx context.Context, l lead.Lead, ch lead.Change, owner string, out lead.Outcome) (lead.Outcome, error) {
	l, out, err := r.write(ctx, l, ch, out)
	if err != nil || out == lead.Busy {
		return out, err
	}
	if _, err := lead.FollowUp(ctx, l, r.HandOff, owner, ""); err != nil {
		return out, fmt.Errorf("nurture: alert: %w (the schedule retries)", err)
	}
	return out, nil
}

// Enroller re-grades a lead and enrols it in a nurture sequence when it
// belongs in one (stage nurturing, consent, a matching sequence it never
// did). It is what capture and engagement tracking call after each signal.
type Enroller struct {
	Rules     Qualifier
	Sequences *Config
	// Campaigns maps a campaign to the sequence its leads enter first.
	Campaigns map[string]string
	NewID     func(time.Time) string
}

// Qualify implements capture.Qualifier: it re-grades the lead and enrols
// it in a sequence when it is nurtured and in none. No signal comes with
// it, so no triggered sequence fires ("" is no signal kind).
func (e Enroller) Qualify(l *lead.Lead, now time.Time) lead.Change {
	return e.QualifySignal(l, "", now)
}

// QualifySignal implements track.Qualifier: it re-grades the lead after a
// signal of kind; a nurtured lead then moves to a sequence that signal
// triggers (leaving the one it was in), else it is enrolled as Qualify
// does.
func (e Enroller) QualifySignal(l *lead.Lead, kind string, now time.Time) lead.Change {
	ch := e.Rules.Qualify(l, now)
	if l.Stage != lead.StageNurturing {
		return ch
	}
	if l.SentBack != nil && l.SentBack.At.Equal(now) {
		// The send-back's own re-grade: this return starts afresh.
		e.Sequences.Reopen(l)
	}
	seq, left := e.Sequences.Trigger(l, kind, now)
	if seq == "" {
		seq = e.Sequences.Place(l, now, e.Campaigns[l.Campaign()])
		if seq != "" {
			ch.Add(enrolled(l, now, seq, e.NewID, nil))
		}
		return ch
	}
	if left != "" {
		ch.Events = append(ch.Events, lead.Event{At: now, Kind: "nurture_exit", ID: e.NewID(now),
			Data: map[string]any{"sequence": left, "reason": ExitTriggered, "next": seq}})
	}
	ch.Add(enrolled(l, now, seq, e.NewID, map[string]any{"trigger": kind}))
	return ch
}

// enrolled is the timeline event and counter of an enrolment.
func enrolled(l *lead.Lead, now time.Time, seq string, newID func(time.Time) string, data map[string]any) lead.Change {
	if data == nil {
		data = map[string]any{}
	}
	data["sequence"] = seq
	return lead.Change{Events: []lead.Event{{At: now, Kind: "enrolled", ID: newID(now), Data: data}},
		Counters: []lead.Counter{{Campaign: l.Campaign(), Name: "enrolled"}}}
}
