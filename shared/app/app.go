// Package app is what every function's wiring shares: reading its config,
// the AWS base its clients are made from, the Lambda entry point (Start)
// and the dispatch of payloads to handlers. Each function's wiring lives
// in a package of its own (shared/app/<name>fn), whose constructor takes
// the AWS clients the function uses as typed parameters; its main imports
// only that package and those adapters, so its binary links only what it
// uses. shared/app/registry lists every function for the local gateway
// and the tests, which build any of them.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/logx"
)

// Handlers are a function's triggers.
type Handlers struct {
	HTTP func(context.Context, httpapi.Request) (httpapi.Response, error)
	// Event handles EventBridge events: schedules and rules.
	Event func(context.Context, events.EventBridgeEvent) error
	// Stream handles batches of the table's stream.
	Stream func(context.Context, events.DynamoDBEvent) error
}

// Env is what a function is built from besides its AWS clients: its
// environment variables, where it logs, and its clock.
type Env struct {
	Getenv func(string) string
	Logs   io.Writer
	Clock  func() time.Time
}

// Function is one Lambda as the registry knows it: its folder under
// functions/, the HTTP routes it serves (the template test checks
// template.yaml routes exactly these to it), and how it is built from an
// environment with the given clients.
type Function struct {
	Name   string
	Routes []string
	Build  func(ctx context.Context, env Env, c awsclients.Clients) (Handlers, error)
}

// Declare makes a registry entry for a function whose config struct is C:
// the registry reads C from the environment, then build wires it with the
// clients it is given.
func Declare[C any](name string, routes []string, build func(ctx context.Context, cfg C, env Env, c awsclients.Clients) (Handlers, error)) Function {
	return Function{Name: name, Routes: routes, Build: func(ctx context.Context, env Env, c awsclients.Clients) (Handlers, error) {
		cfg, err := Config[C](env)
		if err != nil {
			return Handlers{}, err
		}
		return build(ctx, cfg, env, c)
	}}
}

// Main is a Lambda's main for a function whose config struct is C: read
// C and the AWS base from the process's environment, let build make the
// clients the function takes and wire it, then run the Lambda runtime.
func Main[C interface{ Endpoints() config.AWS }](name string, build func(ctx context.Context, cfg C, aws awsclients.Base, env Env) (Handlers, error)) {
	Start(name, func(ctx context.Context, env Env) (Handlers, error) {
		cfg, b, err := Load[C](env)
		if err != nil {
			return Handlers{}, err
		}
		return build(ctx, cfg, b, env)
	})
}

// Load reads a function's config struct from env (every variable its
// struct in shared/config declares) and the AWS base its clients are made
// from (a Lambda's: awsclients.FromEnvironment). Errors are the readable
// lines main prints.
func Load[C interface{ Endpoints() config.AWS }](env Env) (C, awsclients.Base, error) {
	cfg, err := Config[C](env)
	if err != nil {
		return cfg, awsclients.Base{}, err
	}
	b, err := awsclients.FromEnvironment(env.Getenv, cfg.Endpoints())
	return cfg, b, err
}

// Config reads a function's config struct from env. A function that
// writes or reads the monthly counters (its config embeds config.Months)
// sets the process's month zone from it here, at init, so every counter
// it writes and every month it reports is cut in that zone.
func Config[C any](env Env) (C, error) {
	var cfg C
	err := config.Load(&cfg, env.Getenv)
	if m, ok := any(cfg).(interface{ MonthZone() *time.Location }); ok && err == nil {
		lead.SetMonthZone(m.MonthZone())
	}
	return cfg, err
}

// Start is a function's main: build, at init, with the process's
// environment, then run the Lambda runtime. A bad config or a missing
// time zone database ends the process at init with one readable line,
// never a request.
func Start(name string, build func(context.Context, Env) (Handlers, error)) {
	err := zoneDatabase(time.LoadLocation, os.Getenv("ZONEINFO"))
	var h Handlers
	if err == nil {
		h, err = build(context.Background(), Env{Getenv: os.Getenv, Logs: os.Stdout, Clock: time.Now})
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	lambda.Start(Dispatch(h))
}

// HTTP wraps a handler whose only trigger is HTTP.
func HTTP[H interface {
	Handle(context.Context, httpapi.Request) (httpapi.Response, error)
}](h H, err error) (Handlers, error) {
	if err != nil {
		return Handlers{}, err
	}
	return Handlers{HTTP: h.Handle}, nil
}

// Dispatch is the Lambda entry point of a function, whatever triggers it:
// an HTTP API v2 payload has a routeKey, a DynamoDB stream batch has
// Records, anything else is an EventBridge event (schedule or rule).
func Dispatch(h Handlers) func(ctx context.Context, payload json.RawMessage) (any, error) {
	return func(ctx context.Context, payload json.RawMessage) (any, error) {
		var probe struct {
			RouteKey string            `json:"routeKey"`
			Records  []json.RawMessage `json:"Records"`
		}
		if err := json.Unmarshal(payload, &probe); err != nil {
			return nil, fmt.Errorf("app: payload is not JSON: %w", err)
		}
		if probe.Records != nil && h.Stream != nil {
			var ev events.DynamoDBEvent
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, err
			}
			return nil, scrubbed(h.Stream(ctx, ev))
		}
		if probe.RouteKey != "" && h.HTTP != nil {
			var req httpapi.Request
			if err := json.Unmarshal(payload, &req); err != nil {
				return nil, err
			}
			return h.HTTP(ctx, req)
		}
		if h.Event == nil {
			return nil, errors.New("app: this function takes no events")
		}
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		return nil, scrubbed(h.Event(ctx, ev))
	}
}

// scrubbed is err with the addresses in its text replaced (logx.Scrub):
// the Lambda runtime writes a returned error to the function's log as it
// is, past logx, and Lambda puts it in the dead-letter message; an AWS
// service's message may name an address (SES, the identity or recipient
// it refused). It still wraps err for errors.Is and errors.As.
func scrubbed(err error) error {
	if err == nil || !strings.Contains(err.Error(), "@") {
		return err
	}
	return &scrubbedError{msg: logx.Scrub(err.Error()), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
