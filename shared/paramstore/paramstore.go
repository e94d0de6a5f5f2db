// Package paramstore is the SSM Parameter Store adapter: it reads the link
// signing keys, a SecureString, once at init.
package paramstore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/leadflow/leadflow/shared/awsclients"
)

// New reads SecureStrings through an SSM client made from b.
func New(b awsclients.Base) awsclients.Params {
	client := ssm.NewFromConfig(b.Config)
	return func(ctx context.Context, name string) (string, error) {
		out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
		if err != nil {
			return "", fmt.Errorf("read SSM parameter %s: %w", name, err)
		}
		return aws.ToString(out.Parameter.Value), nil
	}
}

// Service sets c.Parameter, for the gateway and the tests.
func Service(b awsclients.Base, c *awsclients.Clients) { c.Parameter = New(b) }
