// Command unsubscribe is the Lambda behind /unsubscribe/{token}: one-click
// (RFC 8058) and confirm-page opt-outs that put the address on the
// suppression list.
package main

import (
	"context"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/unsubscribefn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() {
	app.Main("unsubscribe", func(ctx context.Context, cfg config.Unsubscribe, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		return app.HTTP(unsubscribefn.New(ctx, cfg, awsclients.NewDynamoDB(aws), paramstore.New(aws), env))
	})
}
