package mail

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/time/rate"
)

// ErrNoSlot: the context ended before the send rate allowed this email;
// nothing was sent.
var ErrNoSlot = errors.New("no send slot before the deadline")

// Limited is a Sender that sends at most a given number of emails per
// second — the account's SES MaxSendRate — waiting for its turn. Waiting
// ends with the context, so a tick near its deadline stops instead of
// queueing.
type Limited struct {
	next    Sender
	limiter *rate.Limiter
}

// Limit wraps s with a token bucket of perSecond (burst: one second's worth).
func Limit(s Sender, perSecond float64) *Limited {
	burst := int(perSecond)
	if burst < 1 {
		burst = 1
	}
	return &Limited{next: s, limiter: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// Send waits for a token, then sends.
func (l *Limited) Send(ctx context.Context, m Message) (string, error) {
	if err := l.limiter.Wait(ctx); err != nil {
		// Nothing was sent: the turn never came.
		return "", fmt.Errorf("%w: %w", ErrNoSlot, err)
	}
	return l.next.Send(ctx, m)
}
