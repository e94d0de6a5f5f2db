// Command feedback is the Lambda behind /feedback/{token}: sales accept or
// reject a lead (with a reason) from the alert's signed links, and later
// mark it SQL, won or lost; a CRM reports outcomes as leadflow.outcome
// events on the bus or through POST /admin/outcomes (IAM).
package main

import (
	"context"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/feedbackfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/paramstore"
)

func main() {
	app.Main("feedback", func(ctx context.Context, cfg config.Feedback, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		return feedbackfn.Handlers(feedbackfn.New(ctx, cfg, awsclients.NewDynamoDB(aws), paramstore.New(aws), env))
	})
}
