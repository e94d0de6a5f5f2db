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

// Service gives a function SSM parameters.
func Service(b awsclients.Base, c *awsclients.Clients) {
	client := ssm.NewFromConfig(b.Config)
	c.Parameter = func(ctx context.Context, name string) (string, error) {
		out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
		if err != nil {
			return "", fmt.Errorf("read SSM parameter %s: %w", name, err)
		}
		return aws.ToString(out.Parameter.Value), nil
	}
}
