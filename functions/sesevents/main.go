// Command sesevents handles SES sending events (bounce, complaint,
// delivery, reject) from the configuration set's EventBridge destination:
// hard bounces and complaints suppress the address for good.
package main

import (
	"context"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/seseventsfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
)

func main() {
	app.Main("sesevents", func(ctx context.Context, cfg config.SESEvents, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		return app.Handlers{Event: seseventsfn.New(cfg, awsclients.NewDynamoDB(aws), env).Handle}, nil
	})
}
