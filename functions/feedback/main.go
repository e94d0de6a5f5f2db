// Command feedback is the Lambda behind /feedback/{token}: sales accept or
// reject a lead (with a reason) from the alert's signed links, and later
// mark it SQL, won or lost, or ask for fresh links when theirs expired; a CRM reports outcomes as leadflow.outcome
// events on the bus or through POST /admin/outcomes (IAM).
package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/feedbackfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() {
	app.Main("feedback", func(ctx context.Context, cfg config.Feedback, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		mail := sesmail.New(sendEmail(sesmail.NewClient(aws).SendEmail))
		return feedbackfn.Handlers(feedbackfn.New(ctx, cfg, awsclients.NewDynamoDB(aws), mail, paramstore.New(aws), env))
	})
}

// sendEmail is SES's one operation this function calls (see the capture
// function's main for why a func value, not the client).
type sendEmail func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

func (f sendEmail) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, o ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f(ctx, in, o...)
}
