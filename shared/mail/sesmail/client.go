package sesmail

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/leadflow/leadflow/shared/awsclients"
)

// NewClient is the SES v2 client, at the emulator when SES_ENDPOINT is set.
//
// Its retryer tries a request again only when SES answered (throttling,
// a 5xx) or no connection was made: the SDK's default also retries a
// request whose answer was lost (connection reset, EOF, a response
// timeout), and SES may have accepted that one, so a retry would send
// the email twice behind the sendonce protocol's back. Such an error is
// returned instead, as unknown, and SES's Send event settles it.
func NewClient(b awsclients.Base) *sesv2.Client {
	return sesv2.NewFromConfig(b.Config, func(o *sesv2.Options) {
		if b.Endpoints.SESEndpoint != "" {
			o.BaseEndpoint = aws.String(b.Endpoints.SESEndpoint)
		}
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Retryables = []retry.IsErrorRetryable{
				retry.NoRetryCanceledError{},
				notSent{},
				retry.RetryableHTTPStatusCode{Codes: retry.DefaultRetryableHTTPStatusCodes},
				retry.RetryableErrorCode{Codes: retry.DefaultRetryableErrorCodes},
				retry.RetryableErrorCode{Codes: retry.DefaultThrottleErrorCodes},
			}
		})
	})
}

// notSent retries a request that never reached SES (the dial failed);
// any other transport error is left unknown and not retried.
type notSent struct{}

func (notSent) IsErrorRetryable(err error) aws.Ternary {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return aws.TrueTernary
	}
	var conn interface{ ConnectionError() bool }
	if errors.As(err, &conn) && conn.ConnectionError() {
		return aws.FalseTernary // sent, or partly: SES may have the message
	}
	return aws.UnknownTernary
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
