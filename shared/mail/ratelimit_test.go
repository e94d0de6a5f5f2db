package mail_test

import (
	"context"
	"errors"
	"testing"
	"time"

	leadmail "github.com/leadflow/leadflow/shared/mail"
)

type countSender struct{ n int }

func (c *countSender) Send(context.Context, leadmail.Message) (string, error) {
	c.n++
	return "id", nil
}

func TestLimitedStopsWithTheContext(t *testing.T) {
	inner := &countSender{}
	l := leadmail.Limit(inner, 2) // 2 per second, burst 2
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = l.Send(ctx, leadmail.Message{})
	}
	// Within 0.7 s at 2/s with a burst of 2, at most 3 sends can happen.
	if inner.n < 2 || inner.n > 3 {
		t.Fatalf("sent %d, want 2 or 3", inner.n)
	}
	if !errors.Is(err, leadmail.ErrNoSlot) || errors.Is(err, leadmail.ErrThrottled) {
		t.Fatalf("err = %v, want ErrNoSlot (the deadline came first; SES did not throttle)", err)
	}
}
