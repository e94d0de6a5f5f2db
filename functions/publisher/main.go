// Command publisher reads the lead table's stream and publishes lead
// events (lead.captured, lead.hot, lead.accepted, lead.rejected,
// lead.won, lead.unsubscribed) to the product's EventBridge bus.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
)

func main() {
	var cfg config.Publisher
	config.MustLoad(&cfg)
	clients := awsclients.MustLoad(cfg.AWS)
	lambda.Start(app.Publisher(cfg, clients, os.Stdout))
}
