// Package unsubscribefn wires the subscription function: unsubscribing
// (one-click and the confirm page) and confirming a subscription (double
// opt-in).
package unsubscribefn

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/optin"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
	"github.com/leadflow/leadflow/shared/unsubscribe"
)

// Routes are the function's routes: unsubscribing and confirming.
var Routes = append(append([]string(nil), unsubscribe.Routes...), optin.Routes...)

// Function is unsubscribe for the registry: a func, not a var, so a Lambda
// binary that never calls it does not link it (nor, through it, every
// client of awsclients.Clients).
func Function() app.Function {
	return app.Declare("unsubscribe", Routes, func(ctx context.Context, cfg config.Unsubscribe, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		return app.HTTP(New(ctx, cfg, c.DynamoDB, c.Parameter, env))
	})
}

// Handler sends each route to its handler.
type Handler struct {
	Unsubscribe *unsubscribe.Handler
	Confirm     *optin.Handler
}

// Handle serves one request.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	if strings.HasSuffix(req.RouteKey, " /confirm/{token}") {
		return h.Confirm.Handle(ctx, req)
	}
	return h.Unsubscribe.Handle(ctx, req)
}

// New builds the handler; its AWS clients are its parameters.
func New(ctx context.Context, cfg config.Unsubscribe, db *dynamodb.Client, params awsclients.Params, env app.Env) (*Handler, error) {
	keys, err := token.LoadKeys(ctx, cfg.SigningKeys, cfg.SigningKeysParam, params)
	if err != nil {
		return nil, err
	}
	enrolment, _, err := enrol.Load(cfg.Qualifying)
	if err != nil {
		return nil, err
	}
	st, evidence := store.New(db, cfg.Table), enrol.Evidence(keys)
	return &Handler{
		Unsubscribe: &unsubscribe.Handler{Store: st, Keys: keys, Evidence: evidence, Clock: env.Clock, NewID: ids.New,
			Log: logx.New(env.Logs, "unsubscribe", cfg.LogLevel)},
		Confirm: &optin.Handler{Store: st, Keys: keys, Enrol: enrolment, Evidence: evidence, Clock: env.Clock, NewID: ids.New,
			Log: logx.New(env.Logs, "optin", cfg.LogLevel)},
	}, nil
}
