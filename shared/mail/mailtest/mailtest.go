// Package mailtest is a mail.Sender for unit tests: it checks each message
// as SES would refuse it and records what it sent.
package mailtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/leadflow/leadflow/shared/mail"
)

// Outbox records the messages it sends; their ids are "msg-1", "msg-2", …
type Outbox struct {
	// Fail, when set, makes every send fail with it.
	Fail error
	// During runs while a message is being sent: the window between a
	// claim and its commit.
	During func()

	mu   sync.Mutex
	sent []mail.Message
}

// Send records m. Like a real client it gives up on a cancelled context,
// and it refuses a message mail.Message.Validate refuses.
func (o *Outbox) Send(ctx context.Context, m mail.Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if o.During != nil {
		o.During()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.Fail != nil {
		return "", o.Fail
	}
	if err := m.Validate(); err != nil {
		return "", err
	}
	o.sent = append(o.sent, m)
	return fmt.Sprint("msg-", len(o.sent)), nil
}

// Sent is what was sent so far, oldest first.
func (o *Outbox) Sent() []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]mail.Message(nil), o.sent...)
}
