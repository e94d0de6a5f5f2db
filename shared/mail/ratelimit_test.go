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
	// One email per 20 s, burst 1: the first goes at once; the second's
	// turn comes long after the context's deadline, so it is refused at
	// once instead of waiting (no wall-clock timing in the assertion).
	l := leadmail.Limit(inner, 0.05)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = l.Send(ctx, leadmail.Message{})
	}
	if inner.n != 1 {
		t.Fatalf("sent %d, want 1 (the burst) before the deadline", inner.n)
	}
	if !errors.Is(err, leadmail.ErrNoSlot) || errors.Is(err, leadmail.ErrThrottled) {
		t.Fatalf("err = %v, want ErrNoSlot (the deadline came first; SES did not throttle)", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the limiter waited for the deadline instead of refusing at once")
	}
}
