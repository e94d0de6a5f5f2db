// Package awsclients builds the AWS SDK clients once per process, pointing
// them at local emulators when the endpoint overrides are set.
package awsclients

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/leadflow/leadflow/shared/config"
)

// Clients are the SDK clients a function may use.
type Clients struct {
	DynamoDB *dynamodb.Client
	SES      *sesv2.Client
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
	}, nil
}

// MustLoad is Load for main: one readable line and exit on failure.
func MustLoad(c config.AWS) Clients {
	cl, err := Load(context.Background(), c)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return cl
}
