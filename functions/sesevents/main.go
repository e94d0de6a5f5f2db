// Command sesevents handles SES sending events (bounce, complaint,
// delivery, reject) from the configuration set's EventBridge destination:
// hard bounces and complaints suppress the address for good.
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
	var cfg config.SESEvents
	config.MustLoad(&cfg)
	clients := awsclients.MustLoad(cfg.AWS)
	lambda.Start(app.SESEvents(cfg, clients, os.Stdout, time.Now).Handle)
}
