// Package unsubscribefn wires the subscription function: unsubscribing
// (one-click and the confirm page) and confirming a subscription (double
// opt-in).
package unsubscribefn

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/linkpage"
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
	// Confirm is built on its first request: a confirmation grades and
	// enrols the lead, so it needs the qualifying config (rules,
	// sequences, campaigns); an unsubscribe must not. With a broken file
	// opt-outs keep working, and a cold start that answers one does not
	// parse the config.
	Confirm func() (*optin.Handler, error)
	Log     *slog.Logger
}

// Handle serves one request.
func (h *Handler) Handle(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	if !strings.HasSuffix(req.RouteKey, " /confirm/{token}") {
		return h.Unsubscribe.Handle(ctx, req)
	}
	confirm, err := h.Confirm()
	if err != nil {
		// The link stays valid for its week: once the config is fixed,
		// the same click confirms.
		h.Log.Error("optin", "requestId", req.RequestContext.RequestID, "route", req.RouteKey,
			"status", http.StatusInternalServerError, "error", err.Error())
		return linkpage.Respond(http.StatusInternalServerError, linkpage.Page{Title: "Something went wrong",
			Body: "We could not record your confirmation. Please try again later; the link stays valid."}), nil
	}
	return confirm.Handle(ctx, req)
}

// New builds the handler; its AWS clients are its parameters.
func New(ctx context.Context, cfg config.Unsubscribe, db *dynamodb.Client, params awsclients.Params, env app.Env) (*Handler, error) {
	keys, err := token.LoadKeys(ctx, cfg.SigningKeys, cfg.SigningKeysParam, params)
	if err != nil {
		return nil, err
	}
	st, evidence := store.New(db, cfg.Table), enrol.Evidence(keys)
	optinLog := logx.New(env.Logs, "optin", cfg.LogLevel)
	return &Handler{
		Unsubscribe: &unsubscribe.Handler{Store: st, Keys: keys, Evidence: evidence, Clock: env.Clock, NewID: ids.New,
			Log: logx.New(env.Logs, "unsubscribe", cfg.LogLevel)},
		// The files are in the deployment package: an error now is an
		// error for the process's life, kept rather than re-read.
		Confirm: sync.OnceValues(func() (*optin.Handler, error) {
			enrolment, campaigns, err := enrol.Load(cfg.Qualifying)
			if err != nil {
				return nil, err
			}
			// Capture refuses a malformed list at init; here a name that
			// is no origin only never matches a landing page.
			signUp := optin.SignUpPages{Origins: httpapi.NewCORS(cfg.AllowedOrigins), CampaignOrigins: campaigns.Origins, PublicBase: cfg.PublicBaseURL}
			return &optin.Handler{Store: st, Keys: keys, Enrol: enrolment, Evidence: evidence, SignUp: signUp,
				Clock: env.Clock, NewID: ids.New, Log: optinLog}, nil
		}),
		Log: optinLog,
	}, nil
}
