// Command capture is the Lambda behind POST /leads: it stores landing-page
// submissions (HTML form or JSON) as leads in DynamoDB, qualifies them and
// alerts sales about hot ones at once.
package main

import (
	"context"
	"fmt"
	"os"
	"time"
	_ "time/tzdata" // lead time zones must resolve without the OS database

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
)

func main() {
	var cfg config.Capture
	config.MustLoad(&cfg)
	clients := awsclients.MustLoad(cfg.AWS)
	h, err := app.Capture(context.Background(), cfg, clients, os.Stdout, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "capture:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
