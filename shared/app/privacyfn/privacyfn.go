// Package privacyfn wires the privacy function: IAM-authorised export and
// erasure of a person's data, and the scheduled retention sweep that
// erases, the same way, the leads without activity for LEAD_RETENTION_DAYS.
package privacyfn

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/privacy"
	"github.com/leadflow/leadflow/shared/retention"
	"github.com/leadflow/leadflow/shared/store"
)

// Function is privacy for the registry: a func, not a var, so a Lambda
// binary that never calls it does not link it (nor, through it, every
// client of awsclients.Clients).
func Function() app.Function {
	return app.Declare("privacy", privacy.Routes, func(ctx context.Context, cfg config.Privacy, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		if c.Buckets == nil {
			return app.Handlers{}, fmt.Errorf("privacy: no S3 client")
		}
		return Handlers(cfg, c.DynamoDB, c.Buckets(cfg.Bucket), env)
	})
}

// Handlers are the function's triggers: the HTTP routes answer export
// and erasure requests (New); the schedule runs the retention sweep,
// which erases through the same service.
func Handlers(cfg config.Privacy, db *dynamodb.Client, bucket privacy.Bucket, env app.Env) (app.Handlers, error) {
	policy, err := retention.ParseDays(cfg.RetentionDays)
	if err != nil {
		return app.Handlers{}, fmt.Errorf("config: LEAD_RETENTION_DAYS %v (template parameter LeadRetentionDays)", err)
	}
	h := New(cfg, db, bucket, env)
	sweep := &retention.Sweep{Policy: policy, Store: store.New(db, cfg.Table), Eraser: h.Service, Clock: env.Clock, Log: h.Log}
	return app.Handlers{HTTP: h.Handle, Event: func(ctx context.Context, _ events.EventBridgeEvent) error {
		_, err := sweep.Run(ctx)
		return err
	}}, nil
}

// New builds the HTTP handler; its AWS clients are DynamoDB and the
// export bucket (an erasure takes the address out of the segment
// exports' files; an export too large to answer is stored there).
func New(cfg config.Privacy, db *dynamodb.Client, bucket privacy.Bucket, env app.Env) *privacy.Handler {
	return &privacy.Handler{Service: &privacy.Service{Store: store.New(db, cfg.Table), Exports: bucket, Copies: bucket,
		Bucket: cfg.Bucket, InlineLimit: cfg.InlineLimit, Clock: env.Clock},
		Log: logx.New(env.Logs, "privacy", cfg.LogLevel)}
}
