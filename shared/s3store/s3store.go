// Package s3store is the S3 adapter: it stores the segment exports'
// customer-list files in their bucket, and the data-subject exports too
// large to answer, linked for download.
package s3store

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/leadflow/leadflow/shared/awsclients"
)

// NewClient is the S3 client. Against the emulator (S3_ENDPOINT) it
// addresses buckets by path, and sends no checksum the operation does not
// require (the emulator would store the chunk-encoded body); in AWS the
// SDK's defaults apply.
func NewClient(b awsclients.Base) *s3.Client {
	return s3.NewFromConfig(b.Config, func(o *s3.Options) {
		if b.Endpoints.S3Endpoint != "" {
			o.BaseEndpoint = aws.String(b.Endpoints.S3Endpoint)
			o.UsePathStyle = true
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
}

// Service gives a function S3 buckets.
func Service(b awsclients.Base, c *awsclients.Clients) { Attach(c, NewClient(b)) }

// Attach sets c's buckets from client.
func Attach(c *awsclients.Clients, client *s3.Client) {
	c.Buckets = func(name string) awsclients.Bucket { return Bucket{client: client, name: name} }
}

// Bucket is one bucket.
type Bucket struct {
	client *s3.Client
	name   string
}

// Open is the bucket name through client.
func Open(client *s3.Client, name string) Bucket { return Bucket{client: client, name: name} }

// Put stores a file; the bucket's default encryption applies (SSE-S3).
func (b Bucket) Put(ctx context.Context, key, contentType string, body io.ReadSeeker, size int64) error {
	_, err := b.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.name), Key: aws.String(key), Body: body,
		ContentLength: aws.Int64(size), ContentType: aws.String(contentType)})
	if err != nil {
		return fmt.Errorf("s3: put %s/%s: %w", b.name, key, err)
	}
	return nil
}

// Keys lists the keys of the bucket's objects under prefix.
func (b Bucket) Keys(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{Bucket: aws.String(b.name), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("s3: list %s/%s: %w", b.name, prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out, nil
}

// Get reads a file.
func (b Bucket) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("s3: get %s/%s: %w", b.name, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("s3: get %s/%s: %w", b.name, key, err)
	}
	return body, nil
}

// Delete removes an object; S3 answers a key that is not there as
// deleted.
func (b Bucket) Delete(ctx context.Context, key string) error {
	if _, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("s3: delete %s/%s: %w", b.name, key, err)
	}
	return nil
}

// URL is a presigned GET of an object, working for ttl: signed with the
// function's credentials, it needs no others, and is refused once it
// expires (or the credentials that signed it do, whichever is first).
func (b Bucket) URL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	req, err := s3.NewPresignClient(b.client).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("s3: presign %s/%s: %w", b.name, key, err)
	}
	return req.URL, nil
}
