// Package trackfn wires the track function: email clicks and opens, site
// page views and the snippet that reports them.
package trackfn

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/sales"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/track"
)

// Function is track for the registry: a func, not a var, so a Lambda
// binary that never calls it does not link it (nor, through it, every
// client of awsclients.Clients).
func Function() app.Function {
	return app.Declare("track", track.Routes, func(ctx context.Context, cfg config.Track, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		return app.HTTP(New(ctx, cfg, c.DynamoDB, c.Mail, c.Parameter, env))
	})
}

// New builds the handler; its AWS clients are its parameters (SES for the
// alerts a signal can trigger).
func New(ctx context.Context, cfg config.Track, db *dynamodb.Client, m mail.Sender, params awsclients.Params, env app.Env) (*track.Handler, error) {
	log := logx.New(env.Logs, "track", cfg.LogLevel)
	spec := cfg.TrackPages
	if spec == "" {
		spec = track.DefaultPages
	}
	pages, err := track.ParsePages(spec)
	if err != nil {
		return nil, fmt.Errorf("config: TRACK_PAGES: %w", err)
	}
	cors, err := sales.AllowedOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	s, err := sales.New(ctx, cfg.Sales, db, m, params, log, env.Clock)
	if err != nil {
		return nil, err
	}
	return &track.Handler{
		Engage: &track.Service{Store: s.Store, Rules: s.Qualify, Clock: env.Clock, HandOff: s.HandOff},
		Limits: s.Store, Keys: s.Keys, CORS: cors, Pages: pages,
		PerLeadPerHour: 60, BaseURL: cfg.PublicBaseURL, Clock: env.Clock, NewID: ids.New, Log: log, Metrics: cfg.MetricsNamespace,
	}, nil
}
