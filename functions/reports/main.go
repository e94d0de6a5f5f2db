// Command reports is the Lambda behind GET /reports (IAM-authorised: JSON,
// CSV and the HTML dashboard per campaign and variant) and the weekly
// digest email to marketing (EventBridge schedule).
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
)

func main() {
	var cfg config.Reports
	config.MustLoad(&cfg)
	clients := awsclients.MustLoad(cfg.AWS)
	h, err := app.Reports(cfg, clients, os.Stdout, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reports:", err)
		os.Exit(1)
	}
	lambda.Start(app.Dispatch(app.ReportHandlers(h)))
}
