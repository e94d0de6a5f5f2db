// Package awsclients builds the AWS clients once per process, pointing
// them at local emulators when the endpoint overrides are set.
//
// Only DynamoDB, which every function uses, is built here. SES, SSM,
// EventBridge and S3 come from their adapters (mail/sesmail, paramstore,
// publish/eventbus, s3store): a Go binary links every package it imports (an SDK
// service package is 1–3 MB), so a function's main imports only the
// adapters whose clients its constructor takes.
package awsclients

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/publish"
)

// SendRate is the SES account's maximum send rate, emails per second.
type SendRate func(context.Context) (float64, error)

// Params reads a SecureString from SSM Parameter Store.
type Params func(ctx context.Context, name string) (string, error)

// Buses opens a named EventBridge bus.
type Buses func(name string) publish.Bus

// Bucket stores files in one S3 bucket, lists them and reads them back,
// deletes them and links them for download.
type Bucket interface {
	Put(ctx context.Context, key, contentType string, body io.ReadSeeker, size int64) error
	Keys(ctx context.Context, prefix string) ([]string, error)
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
	URL(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// Buckets opens a named S3 bucket (s3store.Service).
type Buckets func(name string) Bucket

// Clients carry every AWS client, for the local gateway and the tests,
// which build any function (shared/app/registry). A Lambda's main builds
// only the clients its function's constructor takes, as typed parameters.
type Clients struct {
	DynamoDB *dynamodb.Client
	// Mail sends through SES v2 (sesmail.Service).
	Mail mail.Sender
	// SendRate is the SES account's maximum send rate (sesmail.Service).
	SendRate SendRate
	// Parameter reads SSM parameters (paramstore.Service).
	Parameter Params
	// Bus is the named EventBridge bus (eventbus.Service).
	Bus Buses
	// Buckets are S3 buckets (s3store.Service).
	Buckets Buckets
}

// Base is the shared SDK config (credentials, region) and the
// endpoint overrides every client is built from.
type Base struct {
	Config    aws.Config
	Endpoints config.AWS
}

// A Service sets the clients of one AWS service from the base.
type Service func(Base, *Clients)

// FromEnvironment is a Lambda's base: the execution role's credentials
// and the region, which the Lambda runtime puts in the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_REGION, valid for the execution environment's life). The default
// credential chain (awsclients/chain) would find the same variables first; not
// linking it keeps SSO, STS, the instance metadata client and the shared
// config file parser out of every function's binary (~1 MB) and off its
// cold start. Outside Lambda, use chain.Load.
func FromEnvironment(getenv func(string) string, ep config.AWS) (Base, error) {
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return Base{}, fmt.Errorf("aws config: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function's execution role)")
	}
	region := ep.Region
	if region == "" {
		region = getenv("AWS_REGION")
	}
	if region == "" {
		return Base{}, fmt.Errorf("aws config: AWS_REGION is not set (Lambda sets it)")
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN")),
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

// NewDynamoDB is the DynamoDB client.
func NewDynamoDB(b Base) *dynamodb.Client {
	return dynamodb.NewFromConfig(b.Config, func(o *dynamodb.Options) {
		if b.Endpoints.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(b.Endpoints.DynamoDBEndpoint)
			// DynamoDB Local's CRC32 response header does not always
			// match its body; AWS's does, so validation stays on there.
			o.DisableValidateResponseChecksum = true
			// Under load DynamoDB Local answers 500 "timed out waiting
			// for a lock" where DynamoDB would serve the request; the
			// SDK retries those, but its client-side retry quota (meant
			// to stop retry storms against AWS) runs dry when a burst of
			// 200 requests all wait at once. Against the emulator only,
			// retry without the quota and a few more times.
			o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
				so.RateLimiter = ratelimit.None
				so.MaxAttempts = 6
			})
		}
	})
}
