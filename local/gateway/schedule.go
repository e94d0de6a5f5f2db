package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/shared/ids"
)

var rateRe = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// ParseRate turns an EventBridge rate expression into its interval. Cron
// expressions are refused with a clear error: the local ticker runs rates.
func ParseRate(expr string) (time.Duration, error) {
	m := rateRe.FindStringSubmatch(expr)
	if m == nil {
		return 0, fmt.Errorf("schedule %q: the local scheduler supports rate(N minutes|hours|days) only", expr)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour, "hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}[m[2]]
	if n <= 0 {
		return 0, fmt.Errorf("schedule %q: rate must be positive", expr)
	}
	return time.Duration(n) * unit, nil
}

// ScheduledEvent is the event EventBridge sends for a schedule.
func ScheduledEvent(rule string, at time.Time) events.EventBridgeEvent {
	return events.EventBridgeEvent{
		Version: "0", ID: ids.New(at), DetailType: "Scheduled Event", Source: "aws.events",
		AccountID: "123456789012", Time: at.UTC(), Region: "us-east-1",
		Resources: []string{"arn:aws:events:us-east-1:123456789012:rule/" + rule},
		Detail:    []byte("{}"),
	}
}

// RunSchedules fires each schedule every Every/speed of wall time until
// ctx ends. A tick that is still running when the next is due is skipped,
// as overlapping Lambda invocations are not what a rate schedule promises
// locally (the handlers are safe under overlap anyway).
func (g *Gateway) RunSchedules(ctx context.Context, speed float64, log *slog.Logger) {
	if speed <= 0 {
		speed = 1
	}
	for _, s := range g.schedules {
		s := s
		every := time.Duration(float64(s.Every) / speed)
		if every < 100*time.Millisecond {
			every = 100 * time.Millisecond
		}
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					start := time.Now()
					err := s.Fire(ctx)
					attrs := []any{"function", s.Function, "schedule", s.Expression, "ms", time.Since(start).Milliseconds()}
					if err != nil {
						log.Error("schedule fired", append(attrs, "error", err.Error())...)
					} else {
						log.Debug("schedule fired", attrs...)
					}
				}
			}
		}()
	}
}
