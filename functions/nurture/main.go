// Command nurture is the scheduled Lambda (EventBridge): each tick it works
// the leads due in the sparse due index — alerts still owed to sales,
// escalations of hot leads nobody answered within the SLA, and the next
// step of each lead's nurture sequence.
package main

import (
	"context"
	_ "time/tzdata" // lead time zones must resolve without the OS database

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/nurturefn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() {
	app.Main("nurture", func(ctx context.Context, cfg config.Nurture, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		ses := sesmail.NewClient(aws)
		tick, err := nurturefn.New(ctx, cfg, awsclients.NewDynamoDB(aws), sesmail.New(ses), sesmail.RateOf(ses), paramstore.New(aws), env)
		return app.Handlers{Event: tick}, err
	})
}
