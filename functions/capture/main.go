// Command capture is the Lambda behind POST /leads: it stores landing-page
// submissions (HTML form or JSON) as leads in DynamoDB.
package main

import (
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
	h := app.Capture(cfg, clients, os.Stdout, time.Now)
	lambda.Start(h.Handle)
}
