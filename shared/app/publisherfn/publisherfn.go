// Package publisherfn wires the publisher: lead events from the table's
// stream to the EventBridge bus.
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
var Function = app.Declare("publisher", nil, func(ctx context.Context, cfg config.Publisher, env app.Env, c awsclients.Clients) (app.Handlers, error) {
	return app.Handlers{Stream: New(cfg, c.DynamoDB, c.Bus, env)}, nil
})

// New builds the stream handler; its AWS clients are its parameters.
func New(cfg config.Publisher, db *dynamodb.Client, buses awsclients.Buses, env app.Env) func(context.Context, events.DynamoDBEvent) error {
	p := &publish.Publisher{Store: store.New(db, cfg.Table), Bus: buses(cfg.EventBusName),
		Log: logx.New(env.Logs, "publisher", cfg.LogLevel)}
	return func(ctx context.Context, ev events.DynamoDBEvent) error {
		records, err := store.StreamEvents(ev.Records)
		if err != nil {
			return err
		}
		return p.Handle(ctx, records)
	}
}
