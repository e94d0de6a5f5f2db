// Package publisherfn wires the publisher: from the table's stream it
// records the events and counters of single-item lead writes, and sends
// lead events to the EventBridge bus.
package publisherfn

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/publish"
	"github.com/leadflow/leadflow/shared/store"
)

// Function is the publisher for the registry.
func Function() app.Function {
	return app.Declare("publisher", nil, func(ctx context.Context, cfg config.Publisher, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		return app.Handlers{Stream: New(cfg, c.DynamoDB, c.Bus, env)}, nil
	})
}

// New builds the stream handler; its AWS clients are its parameters.
func New(cfg config.Publisher, db *dynamodb.Client, buses awsclients.Buses, env app.Env) func(context.Context, events.DynamoDBEvent) error {
	st := store.New(db, cfg.Table)
	p := &publish.Publisher{Store: st, Bus: buses(cfg.EventBusName),
		Log: logx.New(env.Logs, "publisher", cfg.LogLevel)}
	return func(ctx context.Context, ev events.DynamoDBEvent) error {
		// First what single-item writes left pending (their events and
		// counters); the events come back through the stream as new
		// items and are published then. A failure retries the batch,
		// which records nothing twice.
		if err := st.Materialize(ctx, ev.Records); err != nil {
			return err
		}
		records, err := store.StreamEvents(ev.Records)
		if err != nil {
			return err
		}
		return p.Handle(ctx, records)
	}
}
