package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/shared/ids"
)

var rateRe = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// ParseRate turns an EventBridge rate expression into its interval (a
// cron expression is ParseCron's).
func ParseRate(expr string) (time.Duration, error) {
	m := rateRe.FindStringSubmatch(expr)
	if m == nil {
		return 0, fmt.Errorf("schedule %q: the local scheduler supports rate(N minutes|hours|days) and cron(…)", expr)
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour, "hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}[m[2]]
	if n <= 0 {
		return 0, fmt.Errorf("schedule %q: rate must be positive", expr)
	}
	return time.Duration(n) * unit, nil
}

// parseSchedule reads a rate(…) or cron(…) expression: a rate's
// interval, or a cron's interval between its next two firings after now
// and its Next.
func parseSchedule(expr string, now time.Time) (time.Duration, func(time.Time) time.Time, error) {
	if !strings.HasPrefix(expr, "cron(") {
		every, err := ParseRate(expr)
		return every, nil, err
	}
	c, err := ParseCron(expr)
	if err != nil {
		return 0, nil, err
	}
	first := c.Next(now)
	if first.IsZero() {
		return 0, nil, fmt.Errorf("schedule %q never fires after %s", expr, now.UTC().Format(time.RFC3339))
	}
	every := time.Duration(0)
	if second := c.Next(first); !second.IsZero() {
		every = second.Sub(first)
	}
	return every, c.Next, nil
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

// RunSchedules fires each rate schedule every Every/speed of wall time,
// and each cron schedule when the product clock reaches its next firing,
// until ctx ends (never more often than every 100 ms of wall time). A
// tick that is still running when the next is due is skipped, as
// overlapping Lambda invocations are not what a schedule promises locally
// (the handlers are safe under overlap anyway).
func (g *Gateway) RunSchedules(ctx context.Context, speed float64, log *slog.Logger) {
	if speed <= 0 {
		speed = 1
	}
	wall := func(d time.Duration) time.Duration { return max(time.Duration(float64(d)/speed), 100*time.Millisecond) }
	for _, s := range g.schedules {
		s := s
		fire := func() {
			start := time.Now()
			err := s.Fire(ctx)
			attrs := []any{"function", s.Function, "schedule", s.Expression, "ms", time.Since(start).Milliseconds()}
			if err != nil {
				log.Error("schedule fired", append(attrs, "error", err.Error())...)
			} else {
				log.Debug("schedule fired", attrs...)
			}
		}
		if s.Next != nil {
			// The first firing is the one after the clock at this call, and
			// a firing once chosen is kept until it fires: a goroutine that
			// starts late, or wakes late from its timer, never looks for
			// the next firing from a clock already past it (at a fast
			// speed, a scheduling delay of 0.1 s is minutes of product
			// time, and the weekly report would have waited a week).
			next := s.Next(g.opts.Clock())
			go func() {
				for !next.IsZero() && ctx.Err() == nil {
					now := g.opts.Clock()
					if now.Before(next) {
						t := time.NewTimer(min(wall(next.Sub(now)), time.Minute)) // and look again: a long sleep can overshoot
						select {
						case <-ctx.Done():
							t.Stop()
							return
						case <-t.C:
						}
						continue // the wall may have waited less than the product clock needs
					}
					fire()
					// Once per firing, however far the clock ran past it.
					next = s.Next(maxTime(g.opts.Clock(), next))
				}
			}()
			continue
		}
		go func() {
			t := time.NewTicker(wall(s.Every))
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					fire()
				}
			}
		}()
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
