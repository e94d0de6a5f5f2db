// Command feedback is the Lambda behind /feedback/{token}: sales accept or
// reject a lead (with a reason) from the alert's signed links, and later
// mark it SQL, won or lost.
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
	var cfg config.Feedback
	config.MustLoad(&cfg)
	clients := awsclients.MustLoad(cfg.AWS)
	h, err := app.Feedback(context.Background(), cfg, clients, os.Stdout, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "feedback:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
