// Package segmentsfn wires the segments function: the weekly export of
// every retargeting segment's customer list to the export bucket
// (EventBridge schedule) and the IAM-authorised routes that list the
// segments' counts, download one segment's list and run the export now.
package segmentsfn

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/segment"
	"github.com/leadflow/leadflow/shared/store"
)

// Function is segments for the registry (a func, not a var: see
// capturefn.Function).
func Function() app.Function {
	return app.Declare("segments", segment.Routes, func(ctx context.Context, cfg config.Segments, env app.Env, c awsclients.Clients) (app.Handlers, error) {
		if c.Buckets == nil {
			return app.Handlers{}, fmt.Errorf("segments: no S3 client")
		}
		h, err := New(cfg, c.DynamoDB, c.Buckets(cfg.Bucket), env)
		if err != nil {
			return app.Handlers{}, err
		}
		return Handlers(h), nil
	})
}

// New builds the handler; its AWS clients are DynamoDB (the leads, the
// runs) and the export bucket. The segment files are checked against the
// campaign files and the qualification config: a segment naming a
// variant or a reason code the deployment does not have fails the start.
func New(cfg config.Segments, db *dynamodb.Client, bucket segment.Objects, env app.Env) (*segment.Handler, error) {
	segs, err := segment.LoadConfigured(cfg.SegmentsDir)
	if err != nil {
		return nil, err
	}
	rules, err := qualify.Load(config.InTask(cfg.QualifyConfig))
	if err != nil {
		return nil, err
	}
	campaigns, err := campaign.LoadConfigured(cfg.CampaignsDir)
	if err != nil {
		return nil, err
	}
	if campaigns != nil {
		if rules, err = campaigns.Qualify(rules); err != nil {
			return nil, err
		}
	}
	if err := segs.Check(segment.Deployment(campaigns, rules)); err != nil {
		return nil, err
	}
	st := store.New(db, cfg.Table)
	log := logx.New(env.Logs, "segments", cfg.LogLevel)
	return &segment.Handler{Bucket: cfg.Bucket, Log: log, Exporter: &segment.Exporter{
		Segments: segs, Leads: st, Objects: bucket, Runs: Runs{st}, Removals: st, Clock: env.Clock, Log: log,
	}}, nil
}

// Handlers are the function's two triggers: the routes, and the weekly
// schedule (the export; a retry writes files of its own).
func Handlers(h *segment.Handler) app.Handlers {
	return app.Handlers{HTTP: h.Handle, Event: func(ctx context.Context, ev events.EventBridgeEvent) error {
		runs, err := h.Exporter.Export(ctx)
		if err != nil {
			h.Log.Error("weekly segment export", "event", ev.ID, "exported", len(runs), "error", err.Error())
			return err
		}
		h.Log.Info("weekly segment export", "event", ev.ID, "exported", len(runs))
		return nil
	}}
}

// Runs adapts the store's segment runs to the exporter's.
type Runs struct{ *store.Store }

// SaveRun records a segment's export.
func (r Runs) SaveRun(ctx context.Context, run segment.Run) error {
	return r.SaveSegmentRun(ctx, store.SegmentRun(run))
}

// Runs lists the segments' last exports.
func (r Runs) Runs(ctx context.Context) ([]segment.Run, error) {
	rows, err := r.SegmentRuns(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]segment.Run, len(rows))
	for i, row := range rows {
		out[i] = segment.Run(row)
	}
	return out, nil
}
