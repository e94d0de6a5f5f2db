// Package feedbackfn wires the feedback function: sales' answers from the
// signed links in alerts, and outcomes from a CRM (bus events and the
// back-fill route).
package feedbackfn

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/sales"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/feedback"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/mail"
)

// Function is feedback for the registry: a func, not a var, so a Lambda
// binary that never calls it does not link it (nor, through it, every
// client of awsclients.Clients).
func Function() app.Function {
	return app.Declare("feedback", feedback.Routes, func(ctx context.Context, cfg config.Feedback, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		return Handlers(New(ctx, cfg, c.DynamoDB, c.Mail, c.Parameter, env))
	})
}

// Handlers are the function's triggers: its HTTP routes, and the outcome
// events a CRM puts on the bus (the template's rule takes only that
// detail-type).
func Handlers(h *feedback.Handler, err error) (app.Handlers, error) {
	if err != nil {
		return app.Handlers{}, err
	}
	event := func(ctx context.Context, ev events.EventBridgeEvent) error {
		if ev.DetailType != feedback.OutcomeDetailType {
			return fmt.Errorf("feedback: unexpected event %q", ev.DetailType)
		}
		return h.HandleOutcomeEvent(ctx, ev.Detail, ev.ID, ev.Time)
	}
	return app.Handlers{HTTP: h.Handle, Event: event}, nil
}

// New builds the handler; its AWS clients are its parameters. It sends
// email only to re-send an alert whose links expired, to the rep they
// named.
func New(ctx context.Context, cfg config.Feedback, db *dynamodb.Client, m mail.Sender, params awsclients.Params, env app.Env) (*feedback.Handler, error) {
	log := logx.New(env.Logs, "feedback", cfg.LogLevel)
	s, err := sales.New(ctx, cfg.Sales, db, m, params, log, env.Clock)
	if err != nil {
		return nil, err
	}
	return &feedback.Handler{Store: s.Store, Rules: s.Rules, Requalify: s.Qualify, Keys: s.Keys, LinkTTL: links.AlertTTL,
		FreshLinks: s.Handoff.SendFreshLinks, Routed: s.Handoff.Routed, Labels: s.Campaigns,
		Clock: env.Clock, NewID: ids.New, Log: log}, nil
}
