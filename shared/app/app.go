// Package app wires each function: config → clients → domain → handler.
// The Lambda mains and the local gateway both build handlers here, so the
// local stack runs exactly the code that runs in AWS.
package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/store"
)

// Capture builds the POST /leads handler.
func Capture(cfg config.Capture, c awsclients.Clients, logw io.Writer, clock func() time.Time) *capture.Handler {
	st := store.New(c.DynamoDB, cfg.Table)
	return &capture.Handler{
		Service:     &capture.Service{Store: st, NewID: ids.New},
		CORS:        httpapi.NewCORS(cfg.AllowedOrigins),
		ThankYouURL: cfg.ThankYouURL,
		Clock:       clock,
		Log:         logx.New(logw, "capture", cfg.LogLevel),
	}
}

// Handlers are what a function offers the local gateway and scheduler.
type Handlers struct {
	HTTP     func(context.Context, httpapi.Request) (httpapi.Response, error)
	Schedule func(context.Context, events.EventBridgeEvent) error
}

// Build wires a function by its folder name from an environment, as Lambda
// would at init. Errors are the readable config errors main would print.
func Build(ctx context.Context, function string, getenv func(string) string, logw io.Writer, clock func() time.Time) (Handlers, error) {
	switch function {
	case "capture":
		var cfg config.Capture
		if err := config.Load(&cfg, getenv); err != nil {
			return Handlers{}, err
		}
		c, err := awsclients.Load(ctx, cfg.AWS)
		if err != nil {
			return Handlers{}, err
		}
		return Handlers{HTTP: Capture(cfg, c, logw, clock).Handle}, nil
	}
	return Handlers{}, fmt.Errorf("app: no function %q", function)
}

// Routes lists, per function, the HTTP routes its handler serves; the
// template test checks template.yaml routes each function to exactly these.
var Routes = map[string][]string{
	"capture": capture.Routes,
}
