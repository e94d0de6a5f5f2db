// Package awsclients builds the AWS clients once per process, pointing
// them at local emulators when the endpoint overrides are set.
//
// Only DynamoDB, which every function uses, is built here. SES, SSM and
// EventBridge come from their adapters' Service functions, which a
// function's main names: a Go binary links every package it imports (an
// SDK service package is 1–3 MB), so a function links only the services
// its main names.
package awsclients

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/publish"
)

// Clients are what a function's wiring uses to reach AWS. DynamoDB is
// always there; the others are set by the Service of their adapter.
type Clients struct {
	DynamoDB *dynamodb.Client
	// Mail sends through SES v2 (sesmail.Service).
	Mail mail.Sender
	// SendRate is the SES account's maximum send rate (sesmail.Service).
	SendRate func(context.Context) (float64, error)
	// Parameter reads a SecureString from SSM Parameter Store
	// (paramstore.Service).
	Parameter func(ctx context.Context, name string) (string, error)
	// Bus is the named EventBridge bus (eventbus.Service).
	Bus func(name string) publish.Bus
}

// Base is the shared SDK config (default credential chain, region) and the
// endpoint overrides every client is built from.
type Base struct {
	Config    aws.Config
	Endpoints config.AWS
}

// A Service sets the clients of one AWS service from the base.
type Service func(Base, *Clients)

// LoadBase reads the default credential chain and region once.
func LoadBase(ctx context.Context, ep config.AWS) (Base, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return Base{}, fmt.Errorf("aws config: %w", err)
	}
	if ep.Region != "" {
		cfg.Region = ep.Region
	}
	return Base{Config: cfg, Endpoints: ep}, nil
}

// Use builds the DynamoDB client and those of the given services.
func Use(b Base, services ...Service) Clients {
	c := Clients{DynamoDB: NewDynamoDB(b)}
	for _, s := range services {
		s(b, &c)
	}
	return c
}

// Missing names the clients among needs ("ses", "ssm", "eventbridge")
// that c lacks, or is empty.
func (c Clients) Missing(needs ...string) string {
	var out []string
	for _, n := range needs {
		have := map[string]bool{"ses": c.Mail != nil && c.SendRate != nil, "ssm": c.Parameter != nil, "eventbridge": c.Bus != nil}[n]
		if !have {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// NewDynamoDB is the DynamoDB client.
func NewDynamoDB(b Base) *dynamodb.Client {
	return dynamodb.NewFromConfig(b.Config, func(o *dynamodb.Options) {
		if b.Endpoints.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(b.Endpoints.DynamoDBEndpoint)
			// DynamoDB Local's CRC32 response header does not always
			// match its body; AWS's does, so validation stays on there.
			o.DisableValidateResponseChecksum = true
		}
	})
}
