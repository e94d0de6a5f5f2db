// Command sesevents handles SES sending events (bounce, complaint,
// delivery, reject) from the configuration set's EventBridge destination:
// hard bounces and complaints suppress the address for good.
package main

import (
	"github.com/leadflow/leadflow/shared/app"
)

func main() { app.Start(app.SESEventsFunction()) }
