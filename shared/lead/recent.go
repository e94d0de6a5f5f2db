package lead

import (
	"slices"
	"time"
)

// Recent asks a store for a lead's newest events, a bounded read: anyone
// can grow a lead's timeline by posting its address, so an email about
// the lead must not read (or list) all of it.
type Recent struct {
	// From is the oldest time wanted; zero: from the first event.
	From time.Time
	// Max is how many events to return at most (the newest that Keep
	// accepts).
	Max int
	// Keep picks the events wanted; nil: all.
	Keep func(Event) bool
}

// RecentBudget is how many of a lead's events a store examines at most,
// newest first, to answer a Recent: past it the read stops and reports
// that there may be more (a timeline grown by bare re-posts, which Keep
// may turn down, costs at most this much).
const RecentBudget = 2000

// Wants reports whether e is one of the events r asks for.
func (r Recent) Wants(e Event) bool {
	return !e.At.Before(r.From) && (r.Keep == nil || r.Keep(e))
}

// Newest is the answer to r from events a store found: sorted by cmp
// (the store's order, oldest first), those r wants, at most the newest
// r.Max; more reports that others were left out (or, with budgetSpent,
// may exist unread).
func (r Recent) Newest(found []Event, cmp func(a, b Event) int, budgetSpent bool) (events []Event, more bool) {
	events = slices.DeleteFunc(slices.Clone(found), func(e Event) bool { return !r.Wants(e) })
	slices.SortStableFunc(events, cmp)
	if n := len(events); n > r.Max {
		events, more = events[n-r.Max:], true
	}
	return events, more || budgetSpent
}
