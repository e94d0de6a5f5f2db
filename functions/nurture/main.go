// Command nurture is the scheduled Lambda (EventBridge): each tick it works
// the leads due in the sparse due index — alerts still owed to sales,
// escalations of hot leads nobody answered within the SLA, and the next
// step of each lead's nurture sequence.
package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

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
		tick, err := nurturefn.New(ctx, cfg, awsclients.NewDynamoDB(aws), sesmail.New(sendEmail(ses.SendEmail)), sesmail.RateOf(ses), paramstore.New(aws), env)
		return app.Handlers{Event: tick}, err
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
