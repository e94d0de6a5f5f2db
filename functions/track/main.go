// Command track is the Lambda behind engagement tracking: email link
// clicks (GET /t/c/{token}), site page views (POST /events) and the site
// snippet (GET /t/s.js). Engagement re-grades the lead and alerts sales
// when it turns hot.
package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/trackfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() {
	app.Main("track", func(ctx context.Context, cfg config.Track, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		mail := sesmail.New(sendEmail(sesmail.NewClient(aws).SendEmail))
		return app.HTTP(trackfn.New(ctx, cfg, awsclients.NewDynamoDB(aws), mail, paramstore.New(aws), env))
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
