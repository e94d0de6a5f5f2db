// Command publisher reads the lead table's stream and publishes lead
// events (lead.captured, lead.hot, lead.accepted, lead.rejected,
// lead.won, lead.unsubscribed) to the product's EventBridge bus.
package main

import (
	"context"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/publisherfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/publish/eventbus"
)

func main() {
	app.Main("publisher", func(ctx context.Context, cfg config.Publisher, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		return app.Handlers{Stream: publisherfn.New(cfg, awsclients.NewDynamoDB(aws), eventbus.Buses(aws), env)}, nil
	})
}
