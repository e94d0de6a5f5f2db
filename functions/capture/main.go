// Command capture is the Lambda behind POST /leads: it stores landing-page
// submissions (HTML form or JSON) as leads in DynamoDB, qualifies them and
// alerts sales about hot ones at once.
package main

import (
	"context"
	_ "time/tzdata" // lead time zones must resolve without the OS database

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() {
	app.Start("capture", func(ctx context.Context, env app.Env) (app.Handlers, error) {
		cfg, aws, err := app.Load[config.Capture](ctx, env)
		if err != nil {
			return app.Handlers{}, err
		}
		return app.HTTP(capturefn.New(ctx, cfg, awsclients.NewDynamoDB(aws), sesmail.New(sesmail.NewClient(aws)), paramstore.New(aws), env))
	})
}
