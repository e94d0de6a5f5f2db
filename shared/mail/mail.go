// Package mail sends email through Amazon SES v2 and renders the emails the
// product sends (html/template for the HTML part, text/template for the
// plain-text part; every email carries both). Messages are validated before
// they reach SES: no control characters in any header field, addresses that
// parse, header names and tags SES will take. SES failures are mapped once,
// to ErrThrottled (slow down, try later), ErrRejected (this message or
// account will not be sent; ErrAccount too when it is the account),
// ErrInvalid (SES refused the message's input) and ErrUnavailable (SES not
// reached or failing: nothing sent), with the SDK error kept in the chain.
// Any other error leaves it unknown whether SES took the message.
package mail

import (
	"context"
	"errors"
)

// Sentinel errors. Returned errors wrap one of them; SES errors also keep
// the original SDK error in the chain for errors.As.
var (
	// ErrInvalid: the message or template data is incomplete or something
	// SES would refuse (bad address, missing body, bad tag or header name).
	ErrInvalid = errors.New("invalid email")
	// ErrHeaderInjection: a header field (subject, address, header name or
	// value, tag, configuration set) holds CR, LF or another control
	// character. Nothing was sent.
	ErrHeaderInjection = errors.New("control character in email header field")
	// ErrThrottled: SES is rate limiting or the sending quota is used up.
	// Stop sending for now and leave the rest for a later run.
	ErrThrottled = errors.New("throttled by SES")
	// ErrRejected: SES refused the message or the account cannot send
	// (message rejected, MAIL FROM domain not verified, account suspended,
	// sending paused). Retrying the same message will not help.
	ErrRejected = errors.New("rejected by SES")
	// ErrAccount: SES refused because the account cannot send at all now
	// (suspended, sending paused, MAIL FROM domain not verified, the
	// configuration set missing, IAM not allowing the function's role to
	// send for the From identity); wrapped with ErrRejected. Nothing
	// sends until someone fixes the account: stop sending.
	ErrAccount = errors.New("the SES account cannot send")
	// ErrUnavailable: SES could not be reached, or answered with another
	// error; it did not take the message. Try again later.
	ErrUnavailable = errors.New("SES unavailable")
)

// Message is one email to one recipient. From, To, Subject, HTML and Text
// are required; From, To and ReplyTo are single addresses, optionally with
// a display name ("Leadflow <alerts@example.com>").
type Message struct {
	From, To, ReplyTo string
	Subject           string
	HTML, Text        string
	// Headers are extra header fields, e.g. List-Unsubscribe. Values must
	// be printable ASCII (SES's rule); names set by the fields above or by
	// SES itself (From, To, Subject, Date, Message-ID, Content-Type, …) are
	// refused.
	Headers map[string]string
	// Tags are SES message tags (they come back on bounce, complaint and
	// delivery events): names and values of letters, digits, '_' and '-'.
	Tags map[string]string
	// ConfigurationSet names the SES configuration set, "" for none.
	ConfigurationSet string
}

// Sender sends one message and returns the provider's message id.
type Sender interface {
	Send(ctx context.Context, m Message) (messageID string, err error)
}

// NoAutoReplies are the header fields of an email a program sends a
// person with someone else as its Reply-To (a sales email's is the lead):
// many out-of-office responders answer the Reply-To, and would tell the
// lead that a rep it never wrote to is away. Responders do not answer a
// message marked automated (RFC 3834's Auto-Submitted; Exchange and
// Outlook read X-Auto-Response-Suppress, here for out-of-office and
// auto-replies only: bounces still come back).
func NoAutoReplies() map[string]string {
	return map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "OOF, AutoReply"}
}
