package handoff

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/sendonce"
)

// FreshLinksWindow is how long after fresh alert links went to a rep for
// a lead that rep gets no others for it, however often the expired page's
// button is pressed.
const FreshLinksWindow = 24 * time.Hour

// Outcomes of SendFreshLinks besides Sent, Busy and Unconfirmed.
const (
	// AlreadySent: fresh links went to this rep within FreshLinksWindow.
	AlreadySent Outcome = "already_sent"
	// NotWaiting: the lead waits for no answer from this rep (answered,
	// sent back, or the rep is not the one the alert went to).
	NotWaiting Outcome = "not_waiting"
	// NotRouted: the rep is no longer in the routing config (they left):
	// the lead's details and links that work on go to sales only.
	NotRouted Outcome = "not_routed"
)

// Routed reports whether rep is in the routing config now, as a rep or a
// team lead of any team, or is the fallback sales address: whom fresh
// links may go to.
func (s *Service) Routed(rep string) bool {
	listed, _ := holds(s.Rules, s.Fallback, rep)
	return listed
}

// jobFreshLinks names the fresh-links email of one rep (by reference).
func jobFreshLinks(rep string) string { return "fresh_links:" + links.RepRef(rep) }

// WaitingFor reports whether l still waits for rep's answer to its alert:
// the alert (or its escalation) went to rep and nobody answered it.
func WaitingFor(l *lead.Lead, rep string) bool {
	h := l.Handoff
	if rep == "" || !h.Unanswered() || l.Stage.SalesSet() || l.Erased {
		// An erased person owes sales nothing (erasures before they
		// closed escalated hand-offs left some unanswered).
		return false
	}
	return rep == h.Rep || rep == h.EscalatedTo
}

// freshLinksDue reports whether rep is owed fresh links at now.
func freshLinksDue(l *lead.Lead, rep string, now time.Time) bool {
	if !WaitingFor(l, rep) {
		return false
	}
	at, ok := l.Handoff.FreshLinks[links.RepRef(rep)]
	return !ok || !now.Before(at.Add(FreshLinksWindow))
}

// SendFreshLinks re-sends the alert of a lead, with links that work for
// another LinkTTL, to rep, the rep an expired link of it was sent to
// (the caller takes rep from that signed link, never from the request).
// It sends at most once per rep and FreshLinksWindow (package sendonce),
// only while the lead waits for that rep's answer, and only while the
// routing config still lists the rep.
func (s *Service) SendFreshLinks(ctx context.Context, leadID, rep, owner string) (Outcome, error) {
	l, err := s.Store.Lead(ctx, leadID)
	if err != nil {
		return "", err
	}
	now := s.Clock()
	if !WaitingFor(&l, rep) {
		return NotWaiting, nil
	}
	if !s.Routed(rep) {
		return NotRouted, nil
	}
	if !freshLinksDue(&l, rep, now) {
		return AlreadySent, nil
	}
	name := jobFreshLinks(rep)
	out, err := s.Send.Do(ctx, l, sendonce.Job{
		Name: name,
		Message: func(ctx context.Context, l lead.Lead) (mail.Message, error) {
			return s.alertTo(ctx, l, rep, now)
		},
		Due: func(l *lead.Lead) bool { return freshLinksDue(l, rep, now) },
		Commit: func(l *lead.Lead, messageID string) lead.Change {
			l.Handoff.FreshLinks = maps.Clone(l.Handoff.FreshLinks)
			if l.Handoff.FreshLinks == nil {
				l.Handoff.FreshLinks = map[string]time.Time{}
			}
			l.Handoff.FreshLinks[links.RepRef(rep)] = now
			// The hand-off stays with sales while the fresh links work.
			if until := now.Add(s.LinkTTL); l.Handoff.ReturnAt.Before(until) {
				l.Handoff.ReturnAt = until
			}
			return lead.Change{At: now, Events: []lead.Event{{At: now, Kind: "fresh_links", ID: s.NewID(now),
				Data: map[string]any{"rep": rep, "message_id": messageID}}}}
		},
	}, owner)
	switch {
	case err != nil:
		return "", errors.Join(errors.New("handoff: fresh links"), err)
	case out == sendonce.NotDue:
		return AlreadySent, nil
	}
	return out, nil
}
