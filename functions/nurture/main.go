// Command nurture is the scheduled Lambda (EventBridge): each tick it
// works the leads due in the sparse due index — alerts still owed to
// sales and escalations of hot leads nobody answered within the SLA.
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
	var cfg config.Nurture
	config.MustLoad(&cfg)
	clients := awsclients.MustLoad(cfg.AWS)
	tick, err := app.Nurture(context.Background(), cfg, clients, os.Stdout, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nurture:", err)
		os.Exit(1)
	}
	lambda.Start(tick)
}
