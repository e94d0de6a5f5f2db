// Command publisher reads the lead table's stream and publishes lead
// events (lead.captured, lead.hot, lead.accepted, lead.rejected,
// lead.won, lead.unsubscribed) to the product's EventBridge bus.
package main

import (
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/publish/eventbus"
)

func main() { app.Start(app.PublisherFunction(), eventbus.Service) }
