package track

// Engagement: a signal (click, open, page view) re-grades the lead and,
// when it made the lead hot, alerts sales.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// Store is what recording engagement needs.
type Store = lead.Store

// Qualifier re-grades a lead after a signal of kind and decides what the
// signal means for its nurturing (nurture.Enroller: a triggered sequence).
type Qualifier interface {
	QualifySignal(l *lead.Lead, kind string, now time.Time) lead.Change
}

// Service records signals.
type Service struct {
	Store Store
	Rules Qualifier
	// HandOff sends the sales alert for a lead that turned hot.
	HandOff lead.HandOff
	Clock   func() time.Time
}

// Result says what a signal did.
type Result struct {
	Lead    lead.Lead
	Handoff lead.Outcome // outcome of the alert, "" when none was due
	// Repeat is a signal the lead already had (its Key): only its
	// timeline event was recorded.
	Repeat bool
	// Erased: the lead's personal data was erased on request; nothing
	// was recorded.
	Erased bool
	// Scanner is why a click was a mail scanner's (lead.ScannerTooSoon,
	// lead.ScannerBurst), "" for a person's: it added no signal, only a
	// scanner_click timeline fact; TakenBack is how many clicks of its
	// burst that had counted it took back.
	Scanner   string
	TakenBack int
}

// ScanWindow is how soon after an email's send a click on one of its
// links is taken for mail security's (Microsoft Safe Links, Mimecast,
// Proofpoint open every link of an email as it arrives): a person takes
// longer to get to the email, read it and click.
const ScanWindow = time.Minute

// BurstGap is how close together clicks on different links of one
// email are taken for a machine walking its links (a scan after the
// window: mail held in quarantine, a queue): a person reads one link's
// page before the next.
const BurstGap = 2 * time.Second

// Signal adds one signal (and its timeline event) to a lead, re-grades it
// with decay, saves — retrying on concurrent changes — and alerts sales
// if it became hot. A repeat (a signal with the Key of one the lead has:
// the same page or link again that day) is kept as a timeline fact only,
// marked "repeat": no points, no counter, no re-grading. The first one
// past the day's cap of its kind is marked so too: its re-grade drops it,
// so it adds no points, and it adds no counter. An error from
// the alert is returned with the saved lead: the lead stays due and the
// schedule retries the alert.
func (s *Service) Signal(ctx context.Context, leadID string, sig lead.Signal, ev lead.Event, owner, base string) (Result, error) {
	return s.record(ctx, leadID, sig, ev, nil, owner, base)
}

// Click is Signal for a click on a link of an email (seen: the email's
// send time, the link's hash and the click's time), unless it is a mail
// scanner's (lead.SeeClick: within ScanWindow of the send, or within
// BurstGap of a click on another link of the email). A scanner's click
// adds no signal, counter or points; it is kept as a scanner_click fact
// (with how many clicks of its burst it took back: their signals leave
// the lead, their counter is taken back and the lead is re-graded).
func (s *Service) Click(ctx context.Context, leadID string, sig lead.Signal, ev lead.Event, seen lead.ClickSeen, owner, base string) (Result, error) {
	return s.record(ctx, leadID, sig, ev, &seen, owner, base)
}

func (s *Service) record(ctx context.Context, leadID string, sig lead.Signal, ev lead.Event, seen *lead.ClickSeen, owner, base string) (Result, error) {
	now := s.Clock()
	var repeat, erased bool
	var scanner string
	var takenBack int
	l, err := lead.Update(ctx, s.Store, leadID, func(l *lead.Lead) (lead.Change, error) {
		repeat, scanner, takenBack = false, "", 0
		if erased = l.Erased; erased {
			// Someone who asked to be forgotten is not tracked: an old
			// email's link or a visitor token still in a browser adds
			// nothing (no signal, event, counter or re-grade).
			return lead.Change{}, lead.ErrUnchanged
		}
		if seen != nil {
			if scanner, takenBack = l.SeeClick(sig.Kind, *seen, ScanWindow, BurstGap); scanner != "" {
				ch := lead.Change{At: now, Events: []lead.Event{scanned(ev, scanner, takenBack)}}
				if takenBack > 0 {
					ch.Counters = []lead.Counter{{Campaign: l.Campaign(), Name: sig.Kind, By: -int64(takenBack)}}
					ch.Add(s.Rules.QualifySignal(l, "", now))
				}
				return ch, nil
			}
		}
		if repeat = !l.AddSignal(sig); repeat {
			return lead.Change{At: now, Events: []lead.Event{repeated(ev)}}, nil
		}
		regrade := s.Rules.QualifySignal(l, sig.Kind, now)
		ch := lead.Change{At: now, Events: []lead.Event{ev}, Counters: []lead.Counter{{Campaign: l.Campaign(), Name: sig.Kind}}}
		if sig.Key != "" && !slices.ContainsFunc(l.Signals, func(k lead.Signal) bool { return k.Key == sig.Key }) {
			// The first page (or link) past the day's cap of its kind:
			// the re-grade dropped it and recorded the cap, which turns
			// the ones after it into repeats; it counts no more than they.
			repeat = true
			ch = lead.Change{At: now, Events: []lead.Event{repeated(ev)}}
		}
		ch.Add(regrade)
		return ch, nil
	})
	if err != nil {
		return Result{}, err
	}
	res := Result{Lead: l, Repeat: repeat, Erased: erased, Scanner: scanner, TakenBack: takenBack}
	if erased {
		return res, nil
	}
	if res.Handoff, err = lead.FollowUp(ctx, l, s.HandOff, owner, base); err != nil {
		return res, fmt.Errorf("track: alert: %w", err)
	}
	return res, nil
}

// repeated is ev marked as a repeat, on a copy of its data.
func repeated(ev lead.Event) lead.Event {
	data := make(map[string]any, len(ev.Data)+1)
	for k, v := range ev.Data {
		data[k] = v
	}
	data["repeat"] = true
	ev.Data = data
	return ev
}

// EventScannerClick is the timeline fact of a click taken for a mail
// scanner's: its link (as stored for clicks), why (reason) and, when it
// showed a burst, how many clicks that had counted it took back.
const EventScannerClick = "scanner_click"

// scanned is a click's event as a scanner_click fact, on a copy of its
// data.
func scanned(ev lead.Event, reason string, takenBack int) lead.Event {
	data := make(map[string]any, len(ev.Data)+2)
	for k, v := range ev.Data {
		data[k] = v
	}
	data["reason"] = reason
	if takenBack > 0 {
		data["taken_back"] = takenBack
	}
	ev.Kind, ev.Data = EventScannerClick, data
	return ev
}
