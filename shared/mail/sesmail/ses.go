// Package sesmail is the SES v2 adapter behind mail.Sender: it sends
// validated messages with SendEmail and maps SES errors to the mail
// package's sentinels.
package sesmail

import (
	"context"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"sort"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/leadflow/leadflow/shared/mail"
)

// SendEmailAPI is the one SES v2 call the adapter needs; *sesv2.Client
// satisfies it, and tests pass a fake.
type SendEmailAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SES sends messages with SES v2 SendEmail (simple content: subject, HTML
// and text bodies, custom headers).
type SES struct {
	client SendEmailAPI
}

var _ mail.Sender = (*SES)(nil)

// New returns a Sender over client (usually a *sesv2.Client).
func New(client SendEmailAPI) *SES { return &SES{client: client} }

// Send validates m and sends it. Invalid messages are refused before any
// call to SES; SES errors are mapped to ErrThrottled and ErrRejected where
// they mean that, and always keep the SDK error in the chain.
func (s *SES) Send(ctx context.Context, m mail.Message) (string, error) {
	m, err := m.Canonical()
	if err != nil {
		return "", err
	}
	in := sendEmailInput(m)
	out, err := s.client.SendEmail(ctx, in)
	if err != nil {
		return "", classify(err, m)
	}
	return aws.ToString(out.MessageId), nil
}

// sendEmailInput builds the request for a validated message.
func sendEmailInput(m mail.Message) *sesv2.SendEmailInput {
	charset := aws.String("UTF-8")
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.From),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(m.Subject), Charset: charset},
			Body: &types.Body{
				Html: &types.Content{Data: aws.String(m.HTML), Charset: charset},
				Text: &types.Content{Data: aws.String(m.Text), Charset: charset},
			},
		}},
	}
	if m.ReplyTo != "" {
		in.ReplyToAddresses = []string{m.ReplyTo}
	}
	for _, name := range sortedKeys(m.Headers) {
		in.Content.Simple.Headers = append(in.Content.Simple.Headers, types.MessageHeader{Name: aws.String(name), Value: aws.String(m.Headers[name])})
	}
	for _, name := range sortedKeys(m.Tags) {
		in.EmailTags = append(in.EmailTags, types.MessageTag{Name: aws.String(name), Value: aws.String(m.Tags[name])})
	}
	if m.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(m.ConfigurationSet)
	}
	return in
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// classify maps an SES error to the package's sentinels by error code, so
// it works for the modelled exceptions and for generic smithy errors alike
// (and through the SDK's retry wrapper).
func classify(err error, m mail.Message) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDeniedException", "AccessDenied":
			if deniedRecipient(api.ErrorMessage(), m) {
				// The SES sandbox checks the role against the recipient's
				// identity too: this recipient cannot be mailed.
				return fmt.Errorf("ses send: %w: %w", mail.ErrRejected, err)
			}
			// The role may not send for the From identity or through the
			// configuration set (SenderIdentity not the identity
			// SenderAddress is in, an SCP, a permissions boundary): no
			// email goes until someone fixes that, so it stops a tick as
			// a suspended account does, instead of being tried for every
			// due lead every minute as if SES were down.
			return fmt.Errorf("ses send: %w: %w: %w", mail.ErrRejected, mail.ErrAccount, err)
		case "TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException":
			return fmt.Errorf("ses send: %w: %w", mail.ErrThrottled, err)
		case "MessageRejected":
			return fmt.Errorf("ses send: %w: %w", mail.ErrRejected, err)
		case "MailFromDomainNotVerifiedException", "AccountSuspendedException", "SendingPausedException", "NotFoundException":
			// NotFound: the configuration set (or the From identity's) does not exist.
			return fmt.Errorf("ses send: %w: %w: %w", mail.ErrRejected, mail.ErrAccount, err)
		case "BadRequestException":
			// SES refuses this message's input (an address, a size): the same
			// message would be refused again.
			return fmt.Errorf("ses send: %w: %w", mail.ErrInvalid, err)
		}
		// SES answered with an error: it did not take the message.
		return fmt.Errorf("ses send: %w: %w", mail.ErrUnavailable, err)
	}
	// No connection was made: nothing reached SES.
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("ses send: %w: %w", mail.ErrUnavailable, err)
	}
	// Anything else (a timeout, a connection lost mid-request) leaves it
	// unknown whether SES took the message.
	return fmt.Errorf("ses send: %w", err)
}

// deniedRecipient reports whether an AccessDenied message names the
// recipient's identity (its address or domain) as the resource refused,
// and not the sender's: SES words it "… on resource:
// arn:aws:ses:<region>:<account>:identity/<identity>".
func deniedRecipient(msg string, m mail.Message) bool {
	_, rest, ok := strings.Cut(msg, ":identity/")
	if !ok {
		return false
	}
	if end := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("'`\"", r) }); end >= 0 {
		rest = rest[:end]
	}
	identity := strings.ToLower(strings.TrimRight(rest, ".,;"))
	if identity == "" {
		return false
	}
	names := func(addr string) bool {
		a, err := netmail.ParseAddress(addr)
		if err != nil {
			return false
		}
		address := strings.ToLower(a.Address)
		return identity == address || identity == address[strings.LastIndexByte(address, '@')+1:]
	}
	return names(m.To) && !names(m.From)
}
