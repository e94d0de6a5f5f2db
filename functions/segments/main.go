// Command segments is the Lambda behind the retargeting segments: a
// weekly EventBridge schedule writes each segment's customer list (hashed
// addresses of the consenting leads it matches) to the export bucket, and
// IAM-authorised routes list the segments' counts
// (GET /reports/segments), download one segment's list now
// (GET /reports/segments/{segment}/csv) and run the export now
// (POST /reports/segments/export).
package main

import (
	"context"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/segmentsfn"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/s3store"
)

func main() {
	app.Main("segments", func(ctx context.Context, cfg config.Segments, aws awsclients.Base, env app.Env) (app.Handlers, error) {
		h, err := segmentsfn.New(cfg, awsclients.NewDynamoDB(aws), s3store.Open(s3store.NewClient(aws), cfg.Bucket), env)
		if err != nil {
			return app.Handlers{}, err
		}
		return segmentsfn.Handlers(h), nil
	})
}
