// Command publisher reads the lead table's stream and publishes lead
// events (lead.captured, lead.hot, lead.accepted, lead.rejected,
// lead.won, lead.unsubscribed) to the product's EventBridge bus.
package main

import (
	"github.com/leadflow/leadflow/shared/app"
)

func main() { app.Start("publisher") }
