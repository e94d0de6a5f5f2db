package capture

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// memStore is an in-memory Store with the same conditional semantics as
// the DynamoDB adapter, for fast handler tests.
type memStore struct {
	mu      sync.Mutex
	byEmail map[string]string
	leads   map[string]lead.Lead
	events  map[string][]lead.Event
	idem    map[string]Idempotency
	bots    int
	failAll error
}

func newMemStore() *memStore {
	return &memStore{byEmail: map[string]string{}, leads: map[string]lead.Lead{}, events: map[string][]lead.Event{}, idem: map[string]Idempotency{}}
}

func (m *memStore) CreateLead(_ context.Context, l lead.Lead, ch lead.Change, idem *Idempotency) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failAll != nil {
		return m.failAll
	}
	if idem != nil {
		if _, ok := m.idem[idem.Key]; ok {
			return ErrDuplicateRequest
		}
	}
	if _, ok := m.byEmail[l.EmailHash]; ok {
		return ErrEmailTaken
	}
	m.byEmail[l.EmailHash] = l.ID
	m.leads[l.ID] = clone(l)
	m.events[l.ID] = append(m.events[l.ID], ch.Events...)
	if idem != nil {
		m.idem[idem.Key] = *idem
	}
	return nil
}

func (m *memStore) LeadByEmail(_ context.Context, h string) (lead.Lead, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.byEmail[h]
	if !ok {
		return lead.Lead{}, ErrNotFound
	}
	return clone(m.leads[id]), nil
}

// clone is a deep copy, as a database round trip makes one: a caller that
// appends to a slice of the lead it read must not change the stored one.
func clone(l lead.Lead) lead.Lead {
	b, err := json.Marshal(l)
	if err != nil {
		panic(err)
	}
	var out lead.Lead
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func (m *memStore) SaveLead(_ context.Context, l lead.Lead, ch lead.Change, idem *Idempotency) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if idem != nil {
		if _, ok := m.idem[idem.Key]; ok {
			return ErrDuplicateRequest
		}
	}
	if m.leads[l.ID].Version != l.Version-1 {
		return ErrVersionConflict
	}
	m.leads[l.ID] = clone(l)
	m.events[l.ID] = append(m.events[l.ID], ch.Events...)
	if idem != nil {
		m.idem[idem.Key] = *idem
	}
	return nil
}

func (m *memStore) Idempotent(_ context.Context, k string) (Idempotency, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.idem[k]
	if !ok {
		return Idempotency{}, ErrNotFound
	}
	return r, nil
}

func (m *memStore) CountBot(context.Context, string, time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bots++
	return nil
}
