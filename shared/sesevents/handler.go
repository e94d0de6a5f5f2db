package sesevents

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/metrics"
	"github.com/leadflow/leadflow/shared/sendonce"
)

// SoftBounceLimit is how many distinct soft bounces in a row (no email
// delivered to the address in between) suppress an address.
const SoftBounceLimit = 3

// complaintsKept is how many complaints' message ids a lead keeps to
// count each once: a suppressed address gets no more marketing email, so
// later complaints are about the few sent before.
const complaintsKept = 20

// TagLead is the message tag carrying the lead id on emails to leads.
const TagLead = sendonce.TagLead

// Store is what handling SES events needs.
type Store interface {
	Lead(ctx context.Context, id string) (lead.Lead, error)
	LeadByEmail(ctx context.Context, emailHash string) (lead.Lead, error)
	Save(ctx context.Context, l lead.Lead, ch lead.Change) error
	// Put is the single-item versioned write (see sendonce.Store).
	Put(ctx context.Context, l lead.Lead, ch lead.Change) error
	Suppress(ctx context.Context, l lead.Lead, ch lead.Change, reason string) error
	Count(ctx context.Context, campaign string, at time.Time, counters ...string) error
}

// Handler is the Lambda handler for SES events from EventBridge.
type Handler struct {
	Store Store
	Clock func() time.Time
	NewID func(time.Time) string
	Log   *slog.Logger
	// Metrics is the CloudWatch namespace of the Bounces and Complaints
	// metrics written into each recipient's log line.
	Metrics string
}

// Handle processes one event. A malformed event is logged and dropped
// (returning an error would only make EventBridge retry it); storage
// errors are returned so EventBridge retries, which is safe: every write
// here is idempotent.
func (h *Handler) Handle(ctx context.Context, e events.EventBridgeEvent) error {
	ev, err := Parse(e.Detail)
	if err != nil {
		h.Log.Error("ses event", "event", e.ID, "detailType", e.DetailType, "error", err.Error())
		return nil
	}
	if ev.EventType == TypeSend {
		out, err := h.sent(ctx, ev)
		attrs := []any{"event", e.ID, "type", ev.EventType, "messageId", ev.Mail.MessageID, "outcome", out}
		if err != nil {
			h.Log.Error("ses event", append(attrs, "error", err.Error())...)
			return err
		}
		// One per email sent, which the send's own line says already; a
		// confirmation that settles a dead sender's claim is news.
		level := slog.LevelDebug
		if out == "confirmed" {
			level = slog.LevelInfo
		}
		h.Log.Log(ctx, level, "ses event", attrs...)
		return nil
	}
	for _, addr := range ev.Recipients() {
		out, leadID, err := h.one(ctx, ev, addr)
		// The lead by its id, never the address nor a hash of it (which
		// anyone could check a guessed address against).
		attrs := []any{"event", e.ID, "type", ev.EventType, "messageId", ev.Mail.MessageID, "leadId", leadID, "outcome", out}
		if err != nil {
			h.Log.Error("ses event", append(attrs, "error", err.Error())...)
			return err
		}
		level := slog.LevelInfo
		if out == "sales_alert_bounced" {
			level = slog.LevelError // a rep's address is broken: alerts are not arriving
		}
		// Counted once handled: an error above makes EventBridge retry.
		mctx := metrics.Start(ctx, h.Metrics)
		switch ev.EventType {
		case TypeBounce:
			metrics.Count(mctx, metrics.Bounces, 1)
		case TypeComplaint:
			metrics.Count(mctx, metrics.Complaints, 1)
		}
		h.Log.Log(ctx, level, "ses event", append(attrs, metrics.Attrs(mctx, h.Clock())...)...)
	}
	return nil
}

// sent confirms, from SES's own record, the claim an email was sent
// under (package sendonce): a worker that died before recording its send
// leaves the claim, and the next run records it instead of sending again.
// An email recorded already, or one sent without a claim (a digest),
// changes nothing.
func (h *Handler) sent(ctx context.Context, ev Event) (string, error) {
	id, claim := ev.Mail.Tag(sendonce.TagLead), ev.Mail.Tag(sendonce.TagClaim)
	if id == "" || claim == "" {
		return "untracked", nil
	}
	now := h.Clock()
	out := "recorded_already"
	_, err := lead.UpdateWith(ctx, h.Store.Lead, h.Store.Put, id, func(l *lead.Lead) (lead.Change, error) {
		for job, c := range l.Claims {
			if c.ID == claim && c.Confirmed == "" {
				c.Confirmed, c.ConfirmedAt = ev.Mail.MessageID, now
				l.Claims = maps.Clone(l.Claims)
				l.Claims[job] = c
				out = "confirmed"
				return lead.Change{}, nil
			}
		}
		out = "recorded_already"
		return lead.Change{}, lead.ErrUnchanged
	})
	if errors.Is(err, lead.ErrNotFound) {
		return "unknown_lead", nil
	}
	return out, err
}

// one handles the event for one recipient; it returns what it did and
// the id of the recipient's lead ("" when no lead has the address).
func (h *Handler) one(ctx context.Context, ev Event, addr string) (string, string, error) {
	now := h.Clock()
	var out, id string
	err := lead.Retries.Do(ctx, func() error {
		l, err := h.find(ctx, ev, addr)
		if errors.Is(err, lead.ErrNotFound) {
			out = "unknown_recipient"
			if strings.HasPrefix(ev.Mail.Tag("kind"), "sales_") && ev.EventType == TypeBounce {
				out = "sales_alert_bounced"
			}
			return nil
		}
		if err != nil {
			return err
		}
		id = l.ID
		out, err = h.apply(ctx, l, ev, now)
		return err
	})
	if err != nil {
		return "", "", err
	}
	return out, id, nil
}

// find is the lead the email went to: by the lead tag when its address
// matches (an alert to a rep carries no lead tag), else by address.
func (h *Handler) find(ctx context.Context, ev Event, addr string) (lead.Lead, error) {
	hash := lead.HashEmail(addr)
	if id := ev.Mail.Tag(TagLead); id != "" {
		l, err := h.Store.Lead(ctx, id)
		if err == nil && l.EmailHash == hash {
			return l, nil
		}
		if err != nil && !errors.Is(err, lead.ErrNotFound) {
			return l, err
		}
	}
	return h.Store.LeadByEmail(ctx, hash)
}

func (h *Handler) apply(ctx context.Context, l lead.Lead, ev Event, now time.Time) (string, error) {
	campaign := l.Campaign()
	event := func(kind string, data map[string]any) lead.Event {
		data["message_id"] = ev.Mail.MessageID
		return lead.Event{At: now, Kind: kind, ID: h.NewID(now), Data: data}
	}
	suppress := func(reason, counter string, e lead.Event) (string, error) {
		l.ExitNurture(reason)
		if l.Suppressed == "" {
			l.Suppressed = reason // the lead's copy of the list entry Suppress writes
		}
		_, err := lead.Write(ctx, func(ctx context.Context, l lead.Lead, ch lead.Change) error {
			return h.Store.Suppress(ctx, l, ch, reason)
		}, l, lead.Change{At: now, Events: []lead.Event{e}, Counters: []lead.Counter{{Campaign: campaign, Name: counter}}})
		if errors.Is(err, lead.ErrAlreadySuppressed) {
			return "already_suppressed", nil
		}
		if err != nil {
			return "", err
		}
		return "suppressed_" + reason, nil
	}
	switch ev.EventType {
	case TypeBounce:
		b := ev.Bounce
		if b.BounceType == "Permanent" {
			return suppress("bounce", "bounces", event("bounced", map[string]any{"type": b.BounceType, "subtype": b.BounceSubType}))
		}
		// Soft bounce: count distinct messages; suppress after a few in a row.
		if slices.Contains(l.SoftBounces, ev.Mail.MessageID) {
			return "duplicate", nil
		}
		l.SoftBounces = append(l.SoftBounces, ev.Mail.MessageID)
		if ev.Mail.Timestamp.After(l.SoftBouncedAt) {
			l.SoftBouncedAt = ev.Mail.Timestamp
		}
		e := event("soft_bounce", map[string]any{"type": b.BounceType, "subtype": b.BounceSubType, "count": len(l.SoftBounces)})
		if len(l.SoftBounces) >= SoftBounceLimit {
			return suppress("bounce", "bounces", e)
		}
		if _, err := lead.Write(ctx, h.Store.Save, l, lead.Change{At: now, Events: []lead.Event{e}, Counters: []lead.Counter{{Campaign: campaign, Name: "soft_bounces"}}}); err != nil {
			return "", err
		}
		return "soft_bounce", nil
	case TypeComplaint:
		// A complaint is the strongest opt-out there is, and each one
		// counts in the campaign's complaint rate once (SES may deliver
		// its event twice), whatever the address's state: a person who
		// unsubscribed and then reported an earlier email as spam
		// complained all the same.
		if slices.Contains(l.Complaints, ev.Mail.MessageID) {
			return "duplicate", nil
		}
		l.Complaints = lead.AppendKeepLast(l.Complaints, complaintsKept, ev.Mail.MessageID)
		e := event("complained", map[string]any{"feedback": ev.Complaint.ComplaintFeedbackType})
		withdraw := l.HasConsentToWithdraw()
		if l.Suppressed == "" {
			l.WithdrawConsent(lead.Consent{MarketingOptIn: false, TextVersion: "complaint", Method: "complaint", At: now})
			return suppress("complaint", "complaints", e)
		}
		out := "complaint_recorded" // unsubscribed before: nothing more to withdraw
		if withdraw {
			// The address is suppressed already (it bounced), but the
			// person's opt-out is still recorded: the consent and its
			// history, stage unsubscribed, what the CRM's copy says.
			l.WithdrawConsent(lead.Consent{MarketingOptIn: false, TextVersion: "complaint", Method: "complaint", At: now})
			l.ExitNurture("complaint")
			e.Data["reason"] = "complaint" // the stage change's, beside the bounce's opt-out
			out = "suppressed_complaint"
		}
		if _, err := lead.Write(ctx, h.Store.Save, l, lead.Change{At: now, Events: []lead.Event{e},
			Counters: []lead.Counter{{Campaign: campaign, Name: "complaints"}}}); err != nil {
			return "", err
		}
		return out, nil
	case TypeDelivery:
		if len(l.SoftBounces) > 0 && l.Suppressed == "" && ev.Mail.Timestamp.After(l.SoftBouncedAt) &&
			!slices.Contains(l.SoftBounces, ev.Mail.MessageID) {
			// An email sent after the last soft bounce reached the address:
			// the mailbox works again, and soft bounces count afresh (only
			// SoftBounceLimit in a row suppress it). A delivery of an older
			// message, arriving late, says nothing of the later ones.
			l.SoftBounces, l.SoftBouncedAt = nil, time.Time{}
			if _, err := lead.Write(ctx, h.Store.Save, l, lead.Change{At: now, Counters: []lead.Counter{{Campaign: campaign, Name: "delivered"}}}); err != nil {
				return "", err
			}
			return "delivered", nil
		}
		return "delivered", h.Store.Count(ctx, campaign, now, "delivered")
	case TypeReject:
		return "rejected", h.Store.Count(ctx, campaign, now, "ses_rejects")
	}
	return "ignored", nil
}
