package sesmail_test

import (
	"context"
	"errors"
	"net/mail"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	leadmail "github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
)

// fakeSES records requests and answers with err, or a message id.
type fakeSES struct {
	calls []*sesv2.SendEmailInput
	err   error
}

func (f *fakeSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	return &sesv2.SendEmailOutput{MessageId: aws.String("msg-1")}, nil
}

func validMessage() leadmail.Message {
	return leadmail.Message{
		From:    "Leadflow <alerts@leadflow.example>",
		To:      "rep@sales.example",
		ReplyTo: "ann@acme.example",
		Subject: "🔥 Hot lead (A): Acme GmbH — CMO",
		HTML:    "<p>Hi</p>",
		Text:    "Hi",
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://app.example/unsubscribe/t>, <mailto:unsub@app.example>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
		Tags:             map[string]string{"kind": "sales_alert", "campaign": "search-q4"},
		ConfigurationSet: "leadflow-events",
	}
}

func TestSendBuildsSimpleContent(t *testing.T) {
	f := &fakeSES{}
	id, err := sesmail.New(f).Send(context.Background(), validMessage())
	if err != nil || id != "msg-1" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	in := f.calls[0]
	s := in.Content.Simple
	from, err := mail.ParseAddress(aws.ToString(in.FromEmailAddress))
	switch {
	case err != nil || from.Name != "Leadflow" || from.Address != "alerts@leadflow.example":
		t.Errorf("from = %q", aws.ToString(in.FromEmailAddress))
	case len(in.Destination.ToAddresses) != 1 || in.Destination.ToAddresses[0] != "rep@sales.example":
		t.Errorf("to = %v", in.Destination.ToAddresses)
	case len(in.ReplyToAddresses) != 1 || in.ReplyToAddresses[0] != "ann@acme.example":
		t.Errorf("reply-to = %v", in.ReplyToAddresses)
	case aws.ToString(s.Subject.Data) != validMessage().Subject || aws.ToString(s.Subject.Charset) != "UTF-8":
		t.Errorf("subject = %+v", s.Subject)
	case aws.ToString(s.Body.Html.Data) != "<p>Hi</p>" || aws.ToString(s.Body.Text.Data) != "Hi":
		t.Errorf("body = %+v", s.Body)
	case len(s.Headers) != 2 || aws.ToString(s.Headers[0].Name) != "List-Unsubscribe" || aws.ToString(s.Headers[1].Value) != "List-Unsubscribe=One-Click":
		t.Errorf("headers = %+v", s.Headers)
	case len(in.EmailTags) != 2 || aws.ToString(in.EmailTags[0].Name) != "campaign" || aws.ToString(in.EmailTags[1].Value) != "sales_alert":
		t.Errorf("tags = %+v", in.EmailTags)
	case aws.ToString(in.ConfigurationSetName) != "leadflow-events":
		t.Errorf("configuration set = %v", aws.ToString(in.ConfigurationSetName))
	}
}

func TestSendRefusesBadMessages(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *leadmail.Message)
		want   error
	}{
		{"CRLF in subject", func(m *leadmail.Message) { m.Subject = "Hi\r\nBcc: victim@example.com" }, leadmail.ErrHeaderInjection},
		{"LF in subject", func(m *leadmail.Message) { m.Subject = "Hi\nthere" }, leadmail.ErrHeaderInjection},
		{"NUL in subject", func(m *leadmail.Message) { m.Subject = "Hi\x00" }, leadmail.ErrHeaderInjection},
		{"line separator in subject", func(m *leadmail.Message) { m.Subject = "Hi\u2028there" }, leadmail.ErrHeaderInjection},
		{"CRLF in to", func(m *leadmail.Message) { m.To = "rep@sales.example\r\nBcc: victim@example.com" }, leadmail.ErrHeaderInjection},
		{"CRLF in from", func(m *leadmail.Message) { m.From = "Leadflow\r\n <a@leadflow.example>" }, leadmail.ErrHeaderInjection},
		{"CRLF in reply-to", func(m *leadmail.Message) { m.ReplyTo = "ann@acme.example\nBcc: x@y.example" }, leadmail.ErrHeaderInjection},
		{"encoded CRLF in display name", func(m *leadmail.Message) {
			m.ReplyTo = "=?utf-8?b?QW5uDQpCY2M6IHhAeQ==?= <ann@acme.example>" /* "Ann\r\nBcc: x@y" */
		}, leadmail.ErrHeaderInjection},
		{"CRLF in header value", func(m *leadmail.Message) {
			m.Headers["List-Unsubscribe"] = "<https://a.example>\r\nBcc: victim@example.com"
		}, leadmail.ErrHeaderInjection},
		{"CRLF in header name", func(m *leadmail.Message) { m.Headers["X-A\r\nBcc"] = "victim@example.com" }, leadmail.ErrHeaderInjection},
		{"tab in header value", func(m *leadmail.Message) { m.Headers["X-A"] = "a\tb" }, leadmail.ErrHeaderInjection},
		{"LF in tag", func(m *leadmail.Message) { m.Tags["kind"] = "a\nb" }, leadmail.ErrHeaderInjection},
		{"LF in configuration set", func(m *leadmail.Message) { m.ConfigurationSet = "a\nb" }, leadmail.ErrHeaderInjection},

		{"no to", func(m *leadmail.Message) { m.To = "" }, leadmail.ErrInvalid},
		{"two recipients", func(m *leadmail.Message) { m.To = "a@b.example, c@d.example" }, leadmail.ErrInvalid},
		{"bad address", func(m *leadmail.Message) { m.To = "not an address" }, leadmail.ErrInvalid},
		{"bad reply-to", func(m *leadmail.Message) { m.ReplyTo = "ann@" }, leadmail.ErrInvalid},
		{"no from", func(m *leadmail.Message) { m.From = "" }, leadmail.ErrInvalid},
		{"empty subject", func(m *leadmail.Message) { m.Subject = " " }, leadmail.ErrInvalid},
		{"invalid UTF-8 subject", func(m *leadmail.Message) { m.Subject = "Hi \xff" }, leadmail.ErrInvalid},
		{"no text part", func(m *leadmail.Message) { m.Text = "" }, leadmail.ErrInvalid},
		{"no html part", func(m *leadmail.Message) { m.HTML = "" }, leadmail.ErrInvalid},
		{"reserved header", func(m *leadmail.Message) { m.Headers["Bcc"] = "victim@example.com" }, leadmail.ErrInvalid},
		{"reserved header any case", func(m *leadmail.Message) { m.Headers["reply-TO"] = "x@y.example" }, leadmail.ErrInvalid},
		{"colon in header name", func(m *leadmail.Message) { m.Headers["X-A:B"] = "v" }, leadmail.ErrInvalid},
		{"space in header name", func(m *leadmail.Message) { m.Headers["X A"] = "v" }, leadmail.ErrInvalid},
		{"duplicate header", func(m *leadmail.Message) { m.Headers["list-unsubscribe"] = "<https://b.example>" }, leadmail.ErrInvalid},
		{"non-ASCII header value", func(m *leadmail.Message) { m.Headers["X-Name"] = "Jörg" }, leadmail.ErrInvalid},
		{"empty header value", func(m *leadmail.Message) { m.Headers["X-Empty"] = "" }, leadmail.ErrInvalid},
		{"tag with space", func(m *leadmail.Message) { m.Tags["kind"] = "sales alert" }, leadmail.ErrInvalid},
		{"bad configuration set", func(m *leadmail.Message) { m.ConfigurationSet = "a.b" }, leadmail.ErrInvalid},
		// SES has no SMTPUTF8: the part before the @ must be 7-bit ASCII
		// in every address it takes.
		{"non-ASCII local part in to", func(m *leadmail.Message) { m.To = "josé@acme.example" }, leadmail.ErrInvalid},
		{"non-ASCII local part in from", func(m *leadmail.Message) { m.From = "Leadflow <alertes-équipe@leadflow.example>" }, leadmail.ErrInvalid},
		{"non-ASCII local part in reply-to", func(m *leadmail.Message) { m.ReplyTo = "Jörg <jörg@acme.example>" }, leadmail.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validMessage()
			tt.change(&m)
			f := &fakeSES{}
			_, err := sesmail.New(f).Send(context.Background(), m)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(f.calls) != 0 {
				t.Fatalf("SES was called %d times for a refused message", len(f.calls))
			}
		})
	}
}

// A Unicode domain goes to SES in its punycode form, which is the only
// form SES takes; a Unicode display name stays (net/mail encodes it).
func TestSendPunycodesUnicodeDomains(t *testing.T) {
	m := validMessage()
	m.From, m.To, m.ReplyTo = "Jörg Team <alerts@bücher.example>", "Ana <ana@bücher.example>", "ann@straße.example"
	f := &fakeSES{}
	if _, err := sesmail.New(f).Send(context.Background(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	in := f.calls[0]
	from, err := mail.ParseAddress(aws.ToString(in.FromEmailAddress))
	if err != nil || from.Name != "Jörg Team" || from.Address != "alerts@xn--bcher-kva.example" {
		t.Errorf("from = %q", aws.ToString(in.FromEmailAddress))
	}
	to, err := mail.ParseAddress(in.Destination.ToAddresses[0])
	if err != nil || to.Address != "ana@xn--bcher-kva.example" {
		t.Errorf("to = %v", in.Destination.ToAddresses)
	}
	if in.ReplyToAddresses[0] != "ann@xn--strae-oqa.example" {
		t.Errorf("reply-to = %v", in.ReplyToAddresses)
	}
}

// accessDenied is SES v2's answer when IAM does not allow the caller to
// send for resource (as SES words it).
func accessDenied(resource string) error {
	return &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/leadflow-NurtureFunctionRole/leadflow-NurtureFunction " +
		"is not authorized to perform: ses:SendEmail on resource: arn:aws:ses:eu-west-1:123456789012:" + resource}
}

func TestSendMapsSESErrors(t *testing.T) {
	// As the SDK returns them: inside an OperationError, sometimes inside
	// the retryer's MaxAttemptsError.
	op := func(err error) error {
		return &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: err}
	}
	tests := []struct {
		name string
		err  error
		want error // nil: neither sentinel
	}{
		{"too many requests", op(&types.TooManyRequestsException{Message: aws.String("Maximum sending rate exceeded.")}), leadmail.ErrThrottled},
		{"limit exceeded", op(&types.LimitExceededException{}), leadmail.ErrThrottled},
		{"generic Throttling", op(&smithy.GenericAPIError{Code: "Throttling"}), leadmail.ErrThrottled},
		{"generic ThrottlingException", op(&smithy.GenericAPIError{Code: "ThrottlingException"}), leadmail.ErrThrottled},
		{"after retries", op(&retry.MaxAttemptsError{Attempt: 3, Err: &types.TooManyRequestsException{}}), leadmail.ErrThrottled},
		{"message rejected", op(&types.MessageRejected{Message: aws.String("Email address is not verified.")}), leadmail.ErrRejected},
		{"mail-from not verified", op(&types.MailFromDomainNotVerifiedException{}), leadmail.ErrRejected},
		{"account suspended", op(&types.AccountSuspendedException{}), leadmail.ErrRejected},
		{"sending paused", op(&types.SendingPausedException{}), leadmail.ErrRejected},
		{"bad request", op(&types.BadRequestException{}), leadmail.ErrInvalid},
		{"configuration set missing", op(&types.NotFoundException{}), leadmail.ErrRejected},
		// IAM refuses the function's role: for the From identity (the
		// SenderIdentity parameter is not the identity SenderAddress is
		// in, an SCP or a permissions boundary) no email can go until an
		// operator fixes it; for the recipient's identity (the SES
		// sandbox checks the role against verified recipients) only this
		// recipient is refused.
		{"access denied for the sender", op(accessDenied("identity/leadflow.example")), leadmail.ErrRejected},
		{"access denied for the configuration set", op(accessDenied("configuration-set/leadflow-events")), leadmail.ErrRejected},
		{"access denied, no resource named", op(&smithy.GenericAPIError{Code: "AccessDeniedException"}), leadmail.ErrRejected},
		{"access denied for the recipient", op(accessDenied("identity/rep@sales.example")), leadmail.ErrRejected},
		{"access denied for the recipient's domain", op(accessDenied("identity/Sales.example")), leadmail.ErrRejected},
		{"deadline", context.DeadlineExceeded, nil},
	}
	accountWide := map[string]bool{"mail-from not verified": true, "account suspended": true, "sending paused": true, "configuration set missing": true,
		"access denied for the sender": true, "access denied for the configuration set": true, "access denied, no resource named": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sesmail.New(&fakeSES{err: tt.err}).Send(context.Background(), validMessage())
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range []error{leadmail.ErrThrottled, leadmail.ErrRejected, leadmail.ErrInvalid} {
				if errors.Is(err, s) != (s == tt.want) {
					t.Fatalf("err = %v; errors.Is(%v) = %v", err, s, errors.Is(err, s))
				}
			}
			// The account-wide refusals stop a tick; a rejected message does not.
			if account := accountWide[tt.name]; errors.Is(err, leadmail.ErrAccount) != account {
				t.Fatalf("err = %v; errors.Is(ErrAccount) = %v, want %v", err, errors.Is(err, leadmail.ErrAccount), account)
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v lost the original error", err)
			}
		})
	}
	var tooMany *types.TooManyRequestsException
	_, err := sesmail.New(&fakeSES{err: op(&types.TooManyRequestsException{})}).Send(context.Background(), validMessage())
	if !errors.As(err, &tooMany) {
		t.Fatalf("errors.As cannot reach the SES exception in %v", err)
	}
}
