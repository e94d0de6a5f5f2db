package sesmail

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/leadflow/leadflow/shared/awsclients"
)

// NewClient is the SES v2 client, at the emulator when SES_ENDPOINT is set.
func NewClient(b awsclients.Base) *sesv2.Client {
	return sesv2.NewFromConfig(b.Config, func(o *sesv2.Options) {
		if b.Endpoints.SESEndpoint != "" {
			o.BaseEndpoint = aws.String(b.Endpoints.SESEndpoint)
		}
	})
}

// Service gives a function SES: mail and the account's send rate.
func Service(b awsclients.Base, c *awsclients.Clients) { Attach(c, NewClient(b)) }

// Attach sets c's SES clients from client (tests pass one with faults).
func Attach(c *awsclients.Clients, client *sesv2.Client) {
	c.Mail = New(client)
	c.SendRate = RateOf(client)
}

// RateOf reads the account's send rate through client.
func RateOf(client *sesv2.Client) awsclients.SendRate {
	return func(ctx context.Context) (float64, error) { return MaxSendRate(ctx, client) }
}

// MaxSendRate is the account's SES sending rate (emails per second).
func MaxSendRate(ctx context.Context, client *sesv2.Client) (float64, error) {
	out, err := client.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil {
		return 0, fmt.Errorf("ses GetAccount: %w", err)
	}
	if out.SendQuota == nil || out.SendQuota.MaxSendRate <= 0 {
		return 0, fmt.Errorf("ses GetAccount: no send quota in the answer")
	}
	return out.SendQuota.MaxSendRate, nil
}
