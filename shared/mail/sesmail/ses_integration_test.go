package sesmail_test

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	leadmail "github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
)

func emulatorClient(endpoint string) *sesv2.Client {
	return sesv2.New(sesv2.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	})
}

// uniqueRep is a recipient no other test (or package sharing the
// emulator) uses, so the test can find its own mail without clearing.
func uniqueRep() string {
	return fmt.Sprintf("rep-%d@sales.example", time.Now().UnixNano())
}

func TestSESSendsAlertThroughEmulator(t *testing.T) {
	endpoint := sesEndpoint(t)
	ctx := context.Background()
	rep := uniqueRep()

	subject, html, text, err := leadmail.RenderAlert(hotAlert())
	if err != nil {
		t.Fatal(err)
	}
	msg := leadmail.Message{
		From:    "Leadflow Alerts <alerts@leadflow.example>",
		To:      rep,
		ReplyTo: "ann@acme.example",
		Subject: subject, HTML: html, Text: text,
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://app.example/unsubscribe/k1.abc.def>, <mailto:unsubscribe@leadflow.example?subject=unsubscribe>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
		Tags: map[string]string{"kind": "sales_alert"},
	}
	id, err := sesmail.New(emulatorClient(endpoint)).Send(ctx, msg)
	if err != nil {
		t.Fatal(err)
	}

	all, err := sesstore.Fetch(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	got := sesstore.To(all, rep)
	if len(got) != 1 {
		t.Fatalf("%d emails to %s in the emulator, want 1", len(got), rep)
	}
	e := got[0]
	from, _ := mail.ParseAddress(e.From)
	switch {
	case id == "" || e.MessageID != id:
		t.Errorf("message id = %q, Send returned %q", e.MessageID, id)
	case e.Subject != "🔥 Hot lead: Ann Example, Acme GmbH — demo request":
		t.Errorf("subject = %q", e.Subject)
	case from == nil || from.Address != "alerts@leadflow.example" || from.Name != "Leadflow Alerts":
		t.Errorf("from = %q", e.From)
	case len(e.To) != 1 || e.To[0] != rep:
		t.Errorf("to = %v", e.To)
	case len(e.ReplyTo) != 1 || e.ReplyTo[0] != "ann@acme.example":
		t.Errorf("reply-to = %v", e.ReplyTo)
	case e.HTML != html || e.Text != text:
		t.Errorf("bodies changed on the way")
	case !strings.Contains(e.HTML, hotAlert().AcceptURL) || !strings.Contains(e.Text, hotAlert().AcceptURL):
		t.Errorf("accept link missing")
	case e.Header("list-unsubscribe") != msg.Headers["List-Unsubscribe"]:
		t.Errorf("List-Unsubscribe = %q", e.Header("List-Unsubscribe"))
	case e.Header("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click":
		t.Errorf("List-Unsubscribe-Post = %q", e.Header("List-Unsubscribe-Post"))
	case e.At.IsZero() || time.Since(e.At) > time.Minute:
		t.Errorf("at = %v", e.At)
	}
}

func TestSESStoreClear(t *testing.T) {
	// Clearing a store shared with other packages (SES_ENDPOINT under
	// `make test`) would break their tests: this one gets its own.
	endpoint := privateSES(t)
	ctx := context.Background()
	rep := uniqueRep()
	m := validMessage()
	m.To = rep
	if _, err := sesmail.New(emulatorClient(endpoint)).Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	if all, err := sesstore.Fetch(ctx, endpoint); err != nil || len(sesstore.To(all, rep)) != 1 {
		t.Fatalf("before clear: %d emails, %v", len(all), err)
	}
	if err := sesstore.Clear(ctx, endpoint); err != nil {
		t.Fatal(err)
	}
	if all, err := sesstore.Fetch(ctx, endpoint); err != nil || len(all) != 0 {
		t.Fatalf("after clear: %d emails, %v", len(all), err)
	}
}

// hotAlert is a realistic alert to send through the emulator.
func hotAlert() leadmail.Alert {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	return leadmail.Alert{
		Grade: "A", Temperature: "hot", Company: "Acme GmbH", Name: "Ann Example",
		JobTitle: "CMO", Email: "ann@acme.example", WhyHot: "demo request", What: "demo request",
		Answers:   []leadmail.KV{{Key: "Company size", Value: "200-500"}},
		Source:    []leadmail.KV{{Key: "utm_source", Value: "google"}},
		Reasons:   []string{"+20 role in [Head of Marketing, CMO]"},
		Timeline:  []leadmail.TimelineEntry{{At: at, What: "submitted demo form"}},
		AcceptURL: "https://app.example/feedback/k1.accept-token.sig",
		RejectURLs: []leadmail.RejectLink{
			{Label: "No budget", URL: "https://app.example/feedback/k1.reject-budget.sig"},
		},
		RepName: "Rita",
		DueBy:   at.Add(2 * time.Hour),
	}
}
