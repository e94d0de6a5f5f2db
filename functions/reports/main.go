// Command reports is the Lambda behind GET /reports (IAM-authorised: JSON,
// CSV and the HTML dashboard per campaign and variant), GET
// /dashboard/{token} (the dashboard of a digest's signed link) and the weekly
// digest email to marketing and each rep's list of open leads
// (EventBridge schedule).
package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/reportsfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() {
	app.Main("reports", func(ctx context.Context, cfg config.Reports, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		db, m := awsclients.NewDynamoDB(aws), sesmail.New(sendEmail(sesmail.NewClient(aws).SendEmail))
		h, err := reportsfn.New(cfg, db, m, env)
		if err != nil {
			return app.Handlers{}, err
		}
		list, err := reportsfn.NewOpenList(ctx, cfg, db, m, paramstore.New(aws), env)
		if err != nil {
			return app.Handlers{}, err
		}
		return reportsfn.Handlers(h, list), nil
	})
}

// sendEmail is SES's one operation this function calls, as a func value
// for sesmail.New: passing the *sesv2.Client itself (an interface
// argument) would link all ~115 SES v2 operations (~1.5 MB), because a
// function that executes templates keeps every exported method of every
// type that reaches an interface; a func value hides the client from that.
type sendEmail func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

func (f sendEmail) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, o ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f(ctx, in, o...)
}
