// Command unsubscribe is the Lambda behind /unsubscribe/{token}: one-click
// (RFC 8058) and confirm-page opt-outs that put the address on the
// suppression list.
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
	var cfg config.Unsubscribe
	config.MustLoad(&cfg)
	clients := awsclients.MustLoad(cfg.AWS)
	h, err := app.Unsubscribe(context.Background(), cfg, clients, os.Stdout, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "unsubscribe:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
