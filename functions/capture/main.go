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
	app.Main("capture", func(ctx context.Context, cfg config.Capture, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		return app.HTTP(capturefn.New(ctx, cfg, awsclients.NewDynamoDB(aws), sesmail.New(sesmail.NewClient(aws)), paramstore.New(aws), env))
	})
}
