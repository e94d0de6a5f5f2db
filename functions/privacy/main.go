// Command privacy is the IAM-authorised admin Lambda for data-subject
// requests: export everything held about an address, or erase it.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
)

func main() {
	var cfg config.Privacy
	config.MustLoad(&cfg)
	clients := awsclients.MustLoad(cfg.AWS)
	lambda.Start(app.Privacy(cfg, clients, os.Stdout, time.Now).Handle)
}
