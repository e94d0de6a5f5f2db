// Package chain builds the AWS base from the SDK's default credential
// chain (environment, shared config and SSO profiles, STS, instance
// metadata), for what runs outside Lambda: the local stack, the tests,
// the bench and the command-line tools.
//
// It is its own package so that no Lambda binary imports it: importing
// the SDK's config package links SSO, SSO OIDC, STS, sign-in, the
// instance-metadata client and the shared-config parser, and runs their
// package initialisers on every cold start, though a Lambda's main never
// calls it (it uses awsclients.FromEnvironment).
package chain

import (
	"context"
	"fmt"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
)

// Load reads the default credential chain and region once.
func Load(ctx context.Context, ep config.AWS) (awsclients.Base, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return awsclients.Base{}, fmt.Errorf("aws config: %w", err)
	}
	if ep.Region != "" {
		cfg.Region = ep.Region
	}
	return awsclients.Base{Config: cfg, Endpoints: ep}, nil
}
