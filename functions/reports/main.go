// Command reports is the Lambda behind GET /reports (IAM-authorised: JSON,
// CSV and the HTML dashboard per campaign and variant) and the weekly
// digest email to marketing (EventBridge schedule).
package main

import (
	"context"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/reportsfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
)

func main() {
	app.Main("reports", func(ctx context.Context, cfg config.Reports, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		h, err := reportsfn.New(cfg, awsclients.NewDynamoDB(aws), sesmail.New(sesmail.NewClient(aws)), env)
		if err != nil {
			return app.Handlers{}, err
		}
		return reportsfn.Handlers(h), nil
	})
}
