// Command privacy is the IAM-authorised admin Lambda for data-subject
// requests — export everything held about an address, or erase it — and
// the scheduled retention sweep, which erases idle leads the same way.
package main

import (
	"context"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/privacyfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/s3store"
)

func main() {
	app.Main("privacy", func(ctx context.Context, cfg config.Privacy, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		return privacyfn.Handlers(cfg, awsclients.NewDynamoDB(aws), s3store.Open(s3store.NewClient(aws), cfg.Bucket), env)
	})
}
