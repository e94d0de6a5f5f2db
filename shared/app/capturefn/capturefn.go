// Package capturefn wires the capture function (POST /leads and the hosted
// campaign pages).
package capturefn

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/sales"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/mail"
)

// Function is capture for the registry: a func, not a var, so a Lambda
// binary that never calls it does not link it (nor, through it, every
// client of awsclients.Clients).
func Function() app.Function {
	return app.Declare("capture", capture.Routes, func(ctx context.Context, cfg config.Capture, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		return app.HTTP(New(ctx, cfg, c.DynamoDB, c.Mail, c.Parameter, env))
	})
}

// New builds the handler; its AWS clients are its parameters.
func New(ctx context.Context, cfg config.Capture, db *dynamodb.Client, m mail.Sender, params awsclients.Params, env app.Env) (*capture.Handler, error) {
	log := logx.New(env.Logs, "capture", cfg.LogLevel)
	cors, err := sales.AllowedOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	s, err := sales.New(ctx, cfg.Sales, db, m, params, log, env.Clock)
	if err != nil {
		return nil, err
	}
	if err := s.Campaigns.DefaultPrivacyURL(cfg.PrivacyNoticeURL); err != nil {
		return nil, fmt.Errorf("config: PRIVACY_NOTICE_URL (template parameter PrivacyNoticeURL): %w", err)
	}
	current, visitorKeys := s.Keys.Derive(capture.VisitorLabel)
	_, pageKeys := s.Keys.Derive(capture.PageTokenLabel)
	_, idemKeys := s.Keys.Derive(capture.IdempotencyLabel)
	return &capture.Handler{
		Campaigns: s.Campaigns,
		Service: &capture.Service{Store: s.Store, NewID: ids.New, Qualify: s.Qualify, HandOff: s.HandOff, Alerts: s.Handoff,
			ConsentMode: s.Campaigns.ConsentMode, Confirm: s.OptIn.RunLead, RepeatWindow: s.Rules.RepeatWindow,
			Idempotency: capture.NewIdempotencyKeys(current, idemKeys)},
		BaseURL:     cfg.PublicBaseURL,
		CORS:        cors,
		ThankYouURL: cfg.ThankYouURL,
		Evidence:    s.Evidence,
		Visitors:    capture.NewVisitors(visitorKeys[current]),
		PageTokens:  capture.NewPageTokens(current, pageKeys),
		Clock:       env.Clock,
		Log:         log,
		Metrics:     cfg.MetricsNamespace,
	}, nil
}
