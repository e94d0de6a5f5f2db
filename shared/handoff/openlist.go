package handoff

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/token"
)

// OpenStore is what the weekly open-leads list reads and records.
type OpenStore interface {
	// OpenLeads lists the leads open with a rep accepted at or after
	// since, oldest acceptance first.
	OpenLeads(ctx context.Context, rep string, since time.Time, limit int) ([]lead.Lead, error)
	// Once records key and reports true the first time only; Forget
	// removes it again (the email did not go out).
	Once(ctx context.Context, key string, at time.Time) (bool, error)
	Forget(ctx context.Context, key string) error
	// OpenSince lists when each lead open with a rep was accepted, at or
	// after since (keys only): how many a list leaves out.
	OpenSince(ctx context.Context, rep string, since time.Time) ([]time.Time, error)
	// RepsCounted lists the reps with counters in a month ("2006-01"):
	// every rep who was alerted, answered or recorded an outcome then.
	RepsCounted(ctx context.Context, month string) ([]string, error)
}

// OpenList sends each rep, once a week, the leads they accepted that
// have no won or lost yet, with signed SQL / won / lost links valid to
// the end of each lead's outcome horizon. A lead accepted longer ago than
// the horizon is not listed (no outcome can be recorded for it any more).
// No list goes to a rep with no open lead. The open leads of reps the
// routing config no longer lists (they left) go, in one list a week, to
// the team lead of the team whose alert each answered (else to Fallback): someone can still
// record how they went.
type OpenList struct {
	Store OpenStore
	Rules *qualify.Config
	Keys  token.Keys
	Mail  mail.Sender
	// From sends the lists; BaseURL is the public API address for links.
	From, BaseURL, ConfigurationSet string
	// Fallback gets the leads of reps who left whose team has no lead;
	// "": those are only logged.
	Fallback string
	Clock    func() time.Time
	Log      *slog.Logger
}

// MaxOpenListed bounds one list; the rest are counted.
const MaxOpenListed = 50

// maxLeftRead bounds the open leads read of one rep who left.
const maxLeftRead = 500

// Send sends this week's lists, each once however often it runs; it
// returns how many it sent. A failed list is tried again on the next run.
func (o *OpenList) Send(ctx context.Context) (int, error) {
	now := o.Clock().UTC()
	year, w := now.ISOWeek()
	week := fmt.Sprintf("%d-W%02d", year, w)
	sent := 0
	var errs []error
	reps := o.Rules.Reps()
	if listed, _ := o.Rules.Holds(o.Fallback); o.Fallback != "" && !listed {
		// The sales address holds the deals accepted from alerts no rep
		// could take (its reader accepted them): it gets their list too.
		reps = append(reps, qualify.Rep{Email: o.Fallback})
	}
	for _, rep := range reps {
		// A lead accepted longer ago than the outcome horizon can no
		// longer take an outcome (its links and the CRM's are refused):
		// it is not listed, so it never fills the list with dead links.
		open, err := o.Store.OpenLeads(ctx, rep.Email, now.Add(-o.Rules.Outcomes().Horizon), MaxOpenListed+1)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(open) == 0 {
			continue
		}
		key := fmt.Sprintf("OPENLIST#%s#%s", lead.HashEmail(rep.Email)[:16], week)
		ok, err := o.once(ctx, key, now, func() error {
			more := 0
			if len(open) > MaxOpenListed {
				// The list shows MaxOpenListed; the rest are counted from
				// the index's keys, not read.
				all, err := o.Store.OpenSince(ctx, rep.Email, now.Add(-o.Rules.Outcomes().Horizon))
				if err != nil {
					return err
				}
				more = max(len(all), len(open)) - MaxOpenListed
			}
			return o.send(ctx, rep, open, more, week, now)
		})
		if ok {
			sent++
		}
		errs = append(errs, err)
	}
	n, err := o.sendLeft(ctx, now, week)
	return sent + n, errors.Join(append(errs, err)...)
}

// once sends a week's list under its once-key: false when it went out
// before (or the key could not be recorded); a failed send forgets the
// key, so the next run tries again.
func (o *OpenList) once(ctx context.Context, key string, now time.Time, send func() error) (bool, error) {
	first, err := o.Store.Once(ctx, key, now)
	if err != nil || !first {
		return false, err
	}
	if err := send(); err != nil {
		return false, errors.Join(err, o.Store.Forget(ctx, key))
	}
	return true, nil
}

// heldBy is an open lead and the rep who holds it.
type heldBy struct {
	lead.Lead
	rep string
}

// sendLeft sends the week's lists of open leads whose reps left: the
// reps counted in the months the outcome horizon spans that the routing
// config no longer lists, their open leads grouped by who stands in.
func (o *OpenList) sendLeft(ctx context.Context, now time.Time, week string) (int, error) {
	horizon := o.Rules.Outcomes().Horizon
	left, err := o.repsLeft(ctx, now.Add(-horizon), now)
	if err != nil {
		return 0, err
	}
	var errs []error
	byTo := map[string][]heldBy{}
	asLead := map[string]bool{} // some of the list's leads come to its team lead
	unsent := 0
	for _, rep := range left {
		// All of them (up to maxLeftRead): each goes to its own team's
		// lead, which only the lead itself tells.
		open, err := o.Store.OpenLeads(ctx, rep, now.Add(-horizon), maxLeftRead)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, l := range open {
			_, team := o.Rules.TeamOf(l) // the team whose alert the rep answered
			to := cmp.Or(team.Lead.Email, o.Fallback)
			if to == "" {
				unsent++
				continue
			}
			byTo[to] = append(byTo[to], heldBy{l, rep})
			asLead[to] = asLead[to] || team.Lead.Email != ""
		}
	}
	if unsent > 0 {
		o.Log.Warn("open leads of reps who left have no team lead to go to", "leads", unsent)
	}
	sent := 0
	for _, to := range slices.Sorted(maps.Keys(byTo)) {
		held := byTo[to]
		slices.SortStableFunc(held, func(a, b heldBy) int { return a.AcceptedAt().Compare(b.AcceptedAt()) })
		key := fmt.Sprintf("OPENLIST#LEFT#%s#%s", lead.HashEmail(to)[:16], week)
		ok, err := o.once(ctx, key, now, func() error { return o.sendStandIn(ctx, to, !asLead[to], held, week, now) })
		if ok {
			sent++
		}
		errs = append(errs, err)
	}
	return sent, errors.Join(errs...)
}

// repsLeft lists the reps counted from since's month to now's (the
// counters' months, in the business time zone) that the routing config
// no longer lists (the sales address is none: it is counted for the
// alerts that went there).
func (o *OpenList) repsLeft(ctx context.Context, since, now time.Time) ([]string, error) {
	var left []string
	z := lead.MonthZone()
	since = since.In(z)
	for m := time.Date(since.Year(), since.Month(), 1, 0, 0, 0, 0, z); !m.After(now); m = m.AddDate(0, 1, 0) {
		reps, err := o.Store.RepsCounted(ctx, lead.MonthIn(m, z))
		if err != nil {
			return nil, err
		}
		for _, r := range reps {
			if listed, _ := holds(o.Rules, o.Fallback, r); !listed && !slices.Contains(left, r) {
				left = append(left, r)
			}
		}
	}
	slices.Sort(left)
	return left, nil
}

// holds reports whether email holds deals it is told about: a rep or team
// lead the routing config lists (away: marked away, Config.Holds), or the
// sales address (fallback), which holds the deals accepted from alerts no
// rep could take — never a rep who left.
func holds(rules *qualify.Config, fallback, email string) (listed, away bool) {
	if email != "" && strings.EqualFold(email, fallback) {
		return true, false
	}
	return rules.Holds(email)
}

// sendStandIn sends to the list of open leads whose reps left, each
// naming who accepted it, with outcome links signed for to; sales: to is
// the sales address (their teams have no team lead).
func (o *OpenList) sendStandIn(ctx context.Context, to string, sales bool, held []heldBy, week string, now time.Time) error {
	list := mail.OpenLeads{RepName: o.Rules.RepName(to), Week: week, StandIn: true, SalesAddress: sales}
	if list.RepName == to {
		list.RepName = ""
	}
	if len(held) > MaxOpenListed {
		list.More, held = len(held)-MaxOpenListed, held[:MaxOpenListed]
	}
	for _, h := range held {
		item := o.item(h.Lead, to, now)
		item.Holder = holderName(o.Rules, &h.Lead, h.rep)
		list.Leads = append(list.Leads, item)
	}
	return o.deliver(ctx, to, list)
}

func (o *OpenList) send(ctx context.Context, rep qualify.Rep, open []lead.Lead, more int, week string, now time.Time) error {
	list := mail.OpenLeads{RepName: rep.Name, Week: week, More: more}
	open = open[:min(len(open), MaxOpenListed)]
	for _, l := range open {
		list.Leads = append(list.Leads, o.item(l, rep.Email, now))
	}
	return o.deliver(ctx, rep.Email, list)
}

// item is a lead as a list to `to` shows it, with outcome links signed
// for to, in to's zone.
func (o *OpenList) item(l lead.Lead, to string, now time.Time) mail.OpenLead {
	return openLead(o.Keys, cmp.Or(o.BaseURL, l.LinkBase), l, to, o.Rules.Zone(to), o.Rules.Outcomes().Horizon, now)
}

// deliver renders a list and sends it to to.
func (o *OpenList) deliver(ctx context.Context, to string, list mail.OpenLeads) error {
	subject, html, text, err := mail.RenderOpenLeads(list)
	if err != nil {
		return fmt.Errorf("handoff: render open leads: %w", err)
	}
	_, err = o.Mail.Send(ctx, mail.Message{From: o.From, To: to, Subject: subject, HTML: html, Text: text,
		Tags: map[string]string{"kind": "sales_open_leads"}, ConfigurationSet: o.ConfigurationSet})
	return err
}

// openLead is an accepted lead as the outcome emails (the reminder, the
// weekly list) show it, with outcome links signed for rep until its
// outcome horizon ends: SQL while it is only accepted, won and lost.
// Dates are the rep's (zone), and so are the days since acceptance
// (calendar days, as the asked-again notice counts them).
func openLead(keys token.Keys, base string, l lead.Lead, rep string, zone *time.Location, horizon time.Duration, now time.Time) mail.OpenLead {
	accepted, until := l.AcceptedAt(), l.OutcomesUntil(horizon, now)
	link := func(action string) string { return links.Feedback(keys, base, l.ID, action, rep, now, until) }
	name, company := l.DealNames()
	item := mail.OpenLead{Name: name, Email: l.Email, JobTitle: l.JobTitle, Company: company, Stage: "SQL",
		AcceptedOn: accepted.In(zone).Format("2 Jan 2006"), Days: calendarDays(accepted.In(zone), now.In(zone)),
		WonURL: link(links.ActionWon), LostURL: link(links.ActionLost), Until: until.In(zone).Format("2 Jan 2006")}
	if l.Stage == lead.StageSAL {
		item.Stage, item.SQLURL = "accepted", link(links.ActionSQL)
	}
	return item
}
