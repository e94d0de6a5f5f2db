// Command capture is the Lambda behind POST /leads: it stores landing-page
// submissions (HTML form or JSON) as leads in DynamoDB, qualifies them and
// alerts sales about hot ones at once.
package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() {
	app.Main("capture", func(ctx context.Context, cfg config.Capture, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		mail := sesmail.New(sendEmail(sesmail.NewClient(aws).SendEmail))
		return app.HTTP(capturefn.New(ctx, cfg, awsclients.NewDynamoDB(aws), mail, paramstore.New(aws), env))
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
