package eventbus

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/publish"
)

// NewClient is the EventBridge client, at EVENTBRIDGE_ENDPOINT when set.
func NewClient(b awsclients.Base) *eventbridge.Client {
	return eventbridge.NewFromConfig(b.Config, func(o *eventbridge.Options) {
		if b.Endpoints.EventBridgeEndpoint != "" {
			o.BaseEndpoint = aws.String(b.Endpoints.EventBridgeEndpoint)
		}
	})
}

// Buses opens buses through an EventBridge client made from b.
func Buses(b awsclients.Base) awsclients.Buses {
	client := NewClient(b)
	return func(name string) publish.Bus { return New(client, name) }
}

// Service sets c.Bus, for the gateway and the tests.
func Service(b awsclients.Base, c *awsclients.Clients) { c.Bus = Buses(b) }
