// Command track is the Lambda behind engagement tracking: email link
// clicks (GET /t/c/{token}), site page views (POST /events) and the site
// snippet (GET /t/s.js). Engagement re-grades the lead and alerts sales
// when it turns hot.
package main

import (
	"context"
	_ "time/tzdata" // lead time zones must resolve without the OS database

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/trackfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() {
	app.Main("track", func(ctx context.Context, cfg config.Track, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		return app.HTTP(trackfn.New(ctx, cfg, awsclients.NewDynamoDB(aws), sesmail.New(sesmail.NewClient(aws)), paramstore.New(aws), env))
	})
}
