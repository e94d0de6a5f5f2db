// Package unsubscribefn wires the unsubscribe function (one-click and the
// confirm page).
package unsubscribefn

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
	"github.com/leadflow/leadflow/shared/unsubscribe"
)

// Function is unsubscribe for the registry.
var Function = app.Declare("unsubscribe", unsubscribe.Routes, func(ctx context.Context, cfg config.Unsubscribe, env app.Env, c awsclients.Clients) (app.Handlers, error) {
	return app.HTTP(New(ctx, cfg, c.DynamoDB, c.Parameter, env))
})

// New builds the handler; its AWS clients are its parameters.
func New(ctx context.Context, cfg config.Unsubscribe, db *dynamodb.Client, params awsclients.Params, env app.Env) (*unsubscribe.Handler, error) {
	keys, err := token.LoadKeys(ctx, cfg.SigningKeys, cfg.SigningKeysParam, params)
	if err != nil {
		return nil, err
	}
	return &unsubscribe.Handler{Store: store.New(db, cfg.Table), Keys: keys, Clock: env.Clock, NewID: ids.New,
		Log: logx.New(env.Logs, "unsubscribe", cfg.LogLevel)}, nil
}
