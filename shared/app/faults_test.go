package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"github.com/leadflow/leadflow/local/faults"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// TestCaptureUnderDynamoDBFaults: with the write failing (a 5xx, a
// timeout, throttling), capture never acknowledges the lead, logs the
// failure once with the request id, and a client retry with the same
// Idempotency-Key stores it exactly once.
func TestCaptureUnderDynamoDBFaults(t *testing.T) {
	table := testenv.NewTable(t)
	cases := []struct {
		name string
		err  error
	}{
		{"service unavailable", &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "injected 503"}},
		{"timeout", context.DeadlineExceeded},
		{"throttling", &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "injected"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inj := faults.New(&faults.Rule{Operation: "TransactWriteItems", Count: 1, Err: tc.err})
			base := testenv.Clients(t)
			db := dynamodb.New(base.DynamoDB.Options(), func(o *dynamodb.Options) {
				o.APIOptions = append(o.APIOptions, inj.Middleware)
				o.RetryMaxAttempts = 1 // the SDK would retry some of these itself
			})
			var logs strings.Builder
			c := base.App(db, nil)
			h, err := capturefn.New(context.Background(), config.Capture{AWS: testenv.AWS(t), AllowedOrigins: "*", ThankYouURL: "https://x.example/t", PrivacyNoticeURL: "https://www.example.com/privacy",
				Sales: config.Sales{Table: table, Sender: "leads@example.com", SalesAddress: "sales@example.com", Signing: config.Signing{SigningKeys: testKeys}}},
				c.DynamoDB, c.Mail, c.Parameter, app.Env{Logs: logsTo(&logs), Clock: testenv.Clock(t)})
			if err != nil {
				t.Fatal(err)
			}
			email := fmt.Sprintf("fault%d.%d@acme.example", i, time.Now().UnixNano())
			req := jsonLead(`{"email":"` + email + `","company":"Acme"}`)
			req.Headers["idempotency-key"] = "retry-" + email
			first, _ := h.Handle(context.Background(), req)
			st := store.New(base.DynamoDB, table)
			if first.StatusCode < 500 || !strings.Contains(first.Body, req.RequestContext.RequestID) {
				t.Fatalf("failed write answered %d %s; want a 5xx with the request id", first.StatusCode, first.Body)
			}
			if _, err := st.LeadByEmail(context.Background(), lead.HashEmail(email)); !errors.Is(err, lead.ErrNotFound) {
				t.Fatalf("a lead exists after a failed write: %v", err)
			}
			if n := strings.Count(logs.String(), `"level":"ERROR"`); n != 1 || !strings.Contains(logs.String(), req.RequestContext.RequestID) {
				t.Fatalf("want one error line with the request id, got %d:\n%s", n, logs.String())
			}
			// The client retries with the same key: one lead.
			for r := 0; r < 2; r++ {
				again, _ := h.Handle(context.Background(), req)
				if again.StatusCode != http.StatusAccepted {
					t.Fatalf("retry %d: %d %s", r, again.StatusCode, again.Body)
				}
			}
			l, err := st.LeadByEmail(context.Background(), lead.HashEmail(email))
			if err != nil || l.Touches != 1 {
				t.Fatalf("after retries: %+v %v; want one lead with one touch", l.Touches, err)
			}
		})
	}
}
