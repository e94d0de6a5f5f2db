// Package seseventsfn wires the function that handles SES bounce,
// complaint and delivery events.
package seseventsfn

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/sesevents"
	"github.com/leadflow/leadflow/shared/store"
)

// Function is sesevents for the registry: a func, not a var, so a Lambda
// binary that never calls it does not link it (nor, through it, every
// client of awsclients.Clients).
func Function() app.Function {
	return app.Declare("sesevents", nil, func(ctx context.Context, cfg config.SESEvents, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		return app.Handlers{Event: New(cfg, c.DynamoDB, env).Handle}, nil
	})
}

// New builds the handler; DynamoDB is its only AWS client.
func New(cfg config.SESEvents, db *dynamodb.Client, env app.Env) *sesevents.Handler {
	return &sesevents.Handler{Store: store.New(db, cfg.Table), Clock: env.Clock, NewID: ids.New,
		Log: logx.New(env.Logs, "sesevents", cfg.LogLevel), Metrics: cfg.MetricsNamespace}
}
