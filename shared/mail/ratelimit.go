package mail

import (
	"context"

	"golang.org/x/time/rate"
)

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
		return "", err
	}
	return l.next.Send(ctx, m)
}
