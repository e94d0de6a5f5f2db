// Command track is the Lambda behind engagement tracking: email link
// clicks (GET /t/c/{token}), site page views (POST /events) and the site
// snippet (GET /t/s.js). Engagement re-grades the lead and alerts sales
// when it turns hot.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
)

func main() {
	var cfg config.Track
	config.MustLoad(&cfg)
	clients := awsclients.MustLoad(cfg.AWS)
	h, err := app.Track(context.Background(), cfg, clients, os.Stdout, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "track:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
