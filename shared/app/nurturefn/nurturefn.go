// Package nurturefn wires the scheduled function: alerts still owed to
// sales, first-response SLA escalations and nurture steps, from the due
// index.
package nurturefn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/sales"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/metrics"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/schedule"
	"github.com/leadflow/leadflow/shared/store"
)

// Function is nurture for the registry: a func, not a var, so a Lambda
// binary that never calls it does not link it (nor, through it, every
// client of awsclients.Clients).
func Function() app.Function {
	return app.Declare("nurture", nil, func(ctx context.Context, cfg config.Nurture, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		tick, err := New(ctx, cfg, c.DynamoDB, c.Mail, c.SendRate, c.Parameter, env)
		return app.Handlers{Event: tick}, err
	})
}

// New builds the tick; its AWS clients are its parameters (rate: the SES
// account's send rate, asked when SES_MAX_SEND_RATE is unset).
func New(ctx context.Context, cfg config.Nurture, db *dynamodb.Client, m mail.Sender, rate awsclients.SendRate, params awsclients.Params,
	env app.Env) (func(context.Context, events.EventBridgeEvent) error, error) {
	log := logx.New(env.Logs, "nurture", cfg.LogLevel)
	s, err := sales.New(ctx, cfg.Sales, db, m, params, log, env.Clock)
	if err != nil {
		return nil, err
	}
	perSecond, err := sendRate(ctx, cfg.SESMaxSendRate, rate)
	if err != nil {
		return nil, err
	}
	s.Send.Mail = mail.Limit(s.Send.Mail, perSecond)
	s.Runner.Mailbox = cfg.UnsubscribeMailbox
	if err := nurture.CheckPostalAddress(cfg.SenderPostalAddress); err != nil {
		return nil, fmt.Errorf("config: SENDER_POSTAL_ADDRESS (template parameter SenderPostalAddress) %w", err)
	}
	s.Runner.PostalAddress = cfg.SenderPostalAddress
	switch cfg.TrackOpens {
	case "", "false":
	case "true":
		s.Runner.TrackOpens = true
	default:
		return nil, fmt.Errorf("config: TRACK_OPENS=%q: want true or false", cfg.TrackOpens)
	}
	t := &schedule.Tick{
		Store: s.Store, Shards: store.DueShards, Concurrency: Workers(perSecond), PerShard: 200, Margin: 2 * time.Second,
		// Throttled, or the account cannot send at all: the rest waits.
		Stop:  func(err error) bool { return errors.Is(err, mail.ErrThrottled) || errors.Is(err, mail.ErrAccount) },
		Clock: env.Clock, Log: log,
		Work: func(ctx context.Context, l lead.Lead, owner string) (lead.Outcome, error) {
			// Sales first: an alert owed or an SLA escalation.
			out, err := s.Handoff.RunLead(ctx, l, owner, "")
			if err != nil || out != handoff.NothingDue && out != handoff.Deferred {
				return out, err
			}
			// An email to sales waiting out a refusal's back-off holds up
			// only emails to sales: the lead's own are still sent.
			salesDeferred := out == handoff.Deferred
			// Then a confirmation email capture did not get out.
			if out, err := s.OptIn.RunLead(ctx, l, owner, ""); err != nil || out != lead.Idle {
				return out, err
			}
			if out, err := s.Runner.Run(ctx, l, owner); err != nil || out != lead.Idle {
				return out, err
			}
			if salesDeferred {
				return handoff.Deferred, nil
			}
			return reindex(ctx, s.Store, l, owner, env.Clock())
		},
	}
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		start := time.Now()
		ctx = metrics.Start(ctx, cfg.MetricsNamespace)
		sum := t.Run(ctx, "tick-"+ev.ID)
		level := slog.LevelInfo
		if len(sum.Outcomes) == 0 && sum.Errors == 0 {
			level = slog.LevelDebug // an idle tick every minute is not news
		}
		if sum.Errors > 0 {
			metrics.Count(ctx, metrics.TickFailures, 1)
			level = slog.LevelError
		}
		attrs := []any{"event", ev.ID, "outcomes", sum.Outcomes, "errors", sum.Errors, "stopped", sum.Stopped, "cause", sum.Cause,
			"ms", time.Since(start).Milliseconds(), "maxSendRate", perSecond}
		log.Log(ctx, level, "tick", append(attrs, metrics.Attrs(ctx, env.Clock())...)...)
		return nil
	}, nil
}

// Workers is how many leads a tick works at once: enough to keep the SES
// rate busy while each email takes its claim, send and commit (~0.2 s on
// AWS at worst), at least 8, at most 100.
func Workers(perSecond float64) int {
	return min(100, max(8, int(math.Ceil(perSecond*0.2))))
}

// sendRate is the configured SES send rate, else the account's own.
func sendRate(ctx context.Context, configured string, rate awsclients.SendRate) (float64, error) {
	if configured != "" {
		r, err := strconv.ParseFloat(configured, 64)
		if err != nil || r <= 0 {
			return 0, fmt.Errorf("config: SES_MAX_SEND_RATE=%q is not a positive number", configured)
		}
		return r, nil
	}
	if rate == nil {
		return 0, errors.New("config: set SES_MAX_SEND_RATE, or give the function SES GetAccount")
	}
	return rate(ctx)
}

// Reindexed: the due index listed a lead with nothing due (an entry
// written under an older rule of what is due, such as an erasure that
// left a held alert open); the lead was written again to fix it.
const Reindexed lead.Outcome = "reindexed"

// reindex writes a lead the due index gave but that has nothing due now,
// so its entry moves to its true due time or out of the index instead of
// coming back every tick (ahead of due leads in its shard). A copy the
// index had not caught up with yet loses the version check: left alone.
func reindex(ctx context.Context, st *store.Store, l lead.Lead, owner string, now time.Time) (lead.Outcome, error) {
	if due := l.NextDue(); !due.IsZero() && !due.After(now) {
		return lead.Idle, nil // due, yet nobody had work: nothing a write would change
	}
	if l.Held(owner, now) || len(l.Claims) > 0 {
		return lead.Idle, nil // someone is at work on it; their write moves the entry
	}
	switch _, err := lead.Write(ctx, st.Put, l, lead.Change{At: now}); {
	case errors.Is(err, lead.ErrVersionConflict):
		return lead.Idle, nil
	case err != nil:
		return "", fmt.Errorf("reindex: %w", err)
	}
	return Reindexed, nil
}
