// Package awsclients builds the AWS SDK clients once per process, pointing
// them at local emulators when the endpoint overrides are set.
package awsclients

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/leadflow/leadflow/shared/config"
)

// Clients are the SDK clients a function may use.
type Clients struct {
	DynamoDB    *dynamodb.Client
	SES         *sesv2.Client
	SSM         *ssm.Client
	EventBridge *eventbridge.Client
}

// Load builds the clients from the default credential chain.
func Load(ctx context.Context, c config.AWS) (Clients, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return Clients{}, fmt.Errorf("aws config: %w", err)
	}
	if c.Region != "" {
		cfg.Region = c.Region
	}
	return Clients{
		DynamoDB: dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
			if c.DynamoDBEndpoint != "" {
				o.BaseEndpoint = aws.String(c.DynamoDBEndpoint)
				// DynamoDB Local's CRC32 response header does not always
				// match its body; AWS's does, so validation stays on there.
				o.DisableValidateResponseChecksum = true
			}
		}),
		SES: sesv2.NewFromConfig(cfg, func(o *sesv2.Options) {
			if c.SESEndpoint != "" {
				o.BaseEndpoint = aws.String(c.SESEndpoint)
			}
		}),
		SSM: ssm.NewFromConfig(cfg),
		EventBridge: eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) {
			if c.EventBridgeEndpoint != "" {
				o.BaseEndpoint = aws.String(c.EventBridgeEndpoint)
			}
		}),
	}, nil
}

// SigningKeys returns the link signing keys: given directly (local stack),
// or read once at init from an SSM SecureString parameter (AWS).
func (c Clients) SigningKeys(ctx context.Context, direct, param string) (string, error) {
	if direct != "" {
		return direct, nil
	}
	if param == "" {
		return "", fmt.Errorf("config: set SIGNING_KEYS_PARAM (SSM parameter name) or SIGNING_KEYS")
	}
	out, err := c.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(param), WithDecryption: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("read signing keys from SSM parameter %s: %w", param, err)
	}
	return aws.ToString(out.Parameter.Value), nil
}

// MaxSendRate is the account's SES sending rate (emails per second).
func (c Clients) MaxSendRate(ctx context.Context) (float64, error) {
	out, err := c.SES.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil {
		return 0, fmt.Errorf("ses GetAccount: %w", err)
	}
	if out.SendQuota == nil || out.SendQuota.MaxSendRate <= 0 {
		return 0, fmt.Errorf("ses GetAccount: no send quota in the answer")
	}
	return out.SendQuota.MaxSendRate, nil
}
