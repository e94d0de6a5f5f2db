package capture_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// The handler tests run over memstore, which has the DynamoDB adapter's
// semantics (shared/store/contract_test.go holds it to them).

// failingStore is memstore whose writes of new leads fail, as a store
// does when DynamoDB is unavailable.
type failingStore struct {
	*memstore.Store
	err error
}

func (s failingStore) CreateLead(context.Context, lead.Lead, lead.Change, *capture.Idempotency) error {
	return s.err
}

// losingStore is memstore whose creations of a lead lose to a racing
// write (a version conflict) the first `lose` times, as when every request
// of a burst for one address keeps losing the creation to the others.
type losingStore struct {
	*memstore.Store
	lose *int
}

func (s losingStore) CreateLead(ctx context.Context, l lead.Lead, ch lead.Change, idem *capture.Idempotency) error {
	if *s.lose > 0 {
		*s.lose--
		return lead.ErrVersionConflict
	}
	return s.Store.CreateLead(ctx, l, ch, idem)
}

// contendedStore is memstore whose lead writes, once contended is set,
// all lose to a racing write, as under a burst for one address on a
// database too slow for the loops to win; saves counts them.
type contendedStore struct {
	*memstore.Store
	contended bool
	saves     int
}

func (s *contendedStore) SaveLead(ctx context.Context, l lead.Lead, ch lead.Change, idem *capture.Idempotency) error {
	if s.contended {
		s.saves++
		return lead.ErrVersionConflict
	}
	return s.Store.SaveLead(ctx, l, ch, idem)
}

// timeline is a lead's stored events.
func timeline(t testing.TB, st *memstore.Store, id string) []lead.Event {
	t.Helper()
	tl, err := st.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

// bots is the honeypot hits counted in the month of at, over all
// campaigns.
func bots(t testing.TB, st *memstore.Store, at time.Time) int64 {
	t.Helper()
	rows, err := st.MonthSources(context.Background(), at.UTC().Format("2006-01"))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, r := range rows {
		n += r.Counters["bots"]
	}
	return n
}

// deadlineOnly is a context with a deadline (a Lambda's, which a handler
// watches with lead.NearDeadline) that never ends: how near the deadline
// is does not depend on how fast the machine runs the test.
type deadlineOnly struct {
	context.Context
	at time.Time
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.at, true }
