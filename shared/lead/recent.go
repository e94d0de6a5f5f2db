package lead

import (
	"slices"
	"strings"
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

// Newest is the answer to r from events a store found: in time order
// (ByTime), those r wants, at most the newest r.Max; more reports that
// others were left out (or, with budgetSpent, may exist unread).
func (r Recent) Newest(found []Event, budgetSpent bool) (events []Event, more bool) {
	events = slices.DeleteFunc(slices.Clone(found), func(e Event) bool { return !r.Wants(e) })
	slices.SortStableFunc(events, ByTime)
	if n := len(events); n > r.Max {
		events, more = events[n-r.Max:], true
	}
	return events, more || budgetSpent
}

// ByTime orders events oldest first; events of one instant by kind, then
// id. Not the order of the stores' event keys: RFC 3339 with nanoseconds
// drops a fraction's trailing zeros, so within one second those keys sort
// …:01.125Z, …:01.12Z, …:01.1Z, …:01Z.
func ByTime(a, b Event) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if c := strings.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// RecentScan is a store's pass for r over a lead's events in the
// descending order of its event keys (newest second first, but within a
// second not newest first: see ByTime). Take each event until it says
// stop, then Answer.
type RecentScan struct {
	R        Recent
	found    []Event
	examined int
	full     bool      // more than R.Max wanted: only the rest of this second may still be newer
	second   time.Time // the second it filled up in
	unread   bool      // stopped at the budget
}

// Take examines e, the next event in key order; false: stop, e not
// examined (the budget is spent, or e is of an earlier second than the
// one the scan filled up in, so nothing newer is left).
func (s *RecentScan) Take(e Event) bool {
	if s.examined == RecentBudget {
		s.unread = true
		return false
	}
	sec := e.At.UTC().Truncate(time.Second)
	if s.full && !sec.Equal(s.second) {
		return false
	}
	s.examined++
	if s.R.Wants(e) {
		s.found = append(s.found, e)
	}
	if !s.full && len(s.found) > s.R.Max {
		s.full, s.second = true, sec
	}
	return true
}

// Answer is Newest of what the scan found, with late events (the store's
// pending ones, not in its key order) added.
func (s *RecentScan) Answer(late ...Event) ([]Event, bool) {
	return s.R.Newest(append(s.found, late...), s.unread)
}
