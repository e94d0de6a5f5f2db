// Package faults injects failures into AWS SDK clients for tests, as SDK
// middleware (no forks, no mocks): throttling, 5xx, timeouts or any error
// for chosen operations, on a schedule the test sets.
package faults

import (
	"context"
	"sync"

	"github.com/aws/smithy-go/middleware"
)

// Rule fails calls of one operation: it lets Skip calls through, fails the
// next Count (Count < 0: all of them), then lets calls through again.
// When is an optional extra condition, e.g. "only after an email was sent".
type Rule struct {
	Operation string // e.g. "SendEmail", "TransactWriteItems"
	Skip      int
	Count     int
	Err       error
	// Errs, when set, are injected in turn instead of Err.
	Errs []error
	When func() bool
	// Match, when set, limits the rule to calls whose input it accepts
	// (e.g. one recipient's *sesv2.SendEmailInput).
	Match func(input any) bool
}

// Injector applies rules and counts what it did.
type Injector struct {
	mu     sync.Mutex
	rules  []*Rule
	seen   map[*Rule]int
	Failed map[string]int
	Calls  map[string]int
}

// New returns an injector with rules.
func New(rules ...*Rule) *Injector {
	return &Injector{rules: rules, seen: map[*Rule]int{}, Failed: map[string]int{}, Calls: map[string]int{}}
}

// Counts returns how many calls of op were made and how many failed.
func (in *Injector) Counts(op string) (calls, failed int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.Calls[op], in.Failed[op]
}

// Middleware is the client option: append it to the client's APIOptions.
func (in *Injector) Middleware(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("faults", func(ctx context.Context, input middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		op := middleware.GetOperationName(ctx)
		if err := in.decide(op, input.Parameters); err != nil {
			return middleware.InitializeOutput{}, middleware.Metadata{}, err
		}
		return next.HandleInitialize(ctx, input)
	}), middleware.Before)
}

func (in *Injector) decide(op string, input any) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.Calls[op]++
	for _, r := range in.rules {
		if r.Operation != op || (r.When != nil && !r.When()) || (r.Match != nil && !r.Match(input)) {
			continue
		}
		n := in.seen[r]
		in.seen[r] = n + 1
		if n >= r.Skip && (r.Count < 0 || n < r.Skip+r.Count) {
			in.Failed[op]++
			if len(r.Errs) > 0 {
				return r.Errs[(in.Failed[op]-1)%len(r.Errs)]
			}
			return r.Err
		}
	}
	return nil
}
