package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/privacy"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

// erasingStore is memstore whose LeadByEmail, once armed, has the
// address erased between reading its email claim and reading the lead
// it names — as the DynamoDB store's two reads see an erasure that
// commits between them (the claim deleted and the profile anonymised in
// one transaction): the profile it returns is the erased one.
type erasingStore struct {
	*memstore.Store
	armed bool
}

func (s *erasingStore) LeadByEmail(ctx context.Context, hash string) (lead.Lead, error) {
	l, err := s.Store.LeadByEmail(ctx, hash)
	if err != nil || !s.armed {
		return l, err
	}
	s.armed = false
	ps := &privacy.Service{Store: s.Store, Clock: func() time.Time { return now }}
	if _, err := ps.Erase(ctx, l.Email); err != nil {
		return lead.Lead{}, err
	}
	return s.Store.Lead(ctx, l.ID)
}

// TestFormRacingAnErasureIsNotMergedIntoTheErasedLead: a form for an
// address being erased must not write what it says into the erased,
// anonymised profile — no claim leads there any more, so no export would
// find it and no erasure could remove it. It becomes a new lead, found
// by its address.
func TestFormRacingAnErasureIsNotMergedIntoTheErasedLead(t *testing.T) {
	st := &erasingStore{Store: memstore.New()}
	h := newHandler(st, &bytes.Buffer{})
	body := `{"email":"clara@bigcorp.example","name":"Clara Racing","phone":"+49 30 555","message":"call me"}`
	if resp, _ := h.Handle(context.Background(), post("application/json", body)); resp.StatusCode != 202 {
		t.Fatalf("first post: %d %s", resp.StatusCode, resp.Body)
	}
	first, err := st.Store.LeadByEmail(context.Background(), lead.HashEmail("clara@bigcorp.example"))
	if err != nil {
		t.Fatal(err)
	}
	st.armed = true
	if resp, _ := h.Handle(context.Background(), post("application/json", body)); resp.StatusCode != 202 {
		t.Fatalf("post racing the erasure: %d %s", resp.StatusCode, resp.Body)
	}
	erased, err := st.Store.Lead(context.Background(), first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !erased.Erased || erased.Name != "" || erased.Email != "" || erased.Phone != "" || erased.Message != "" {
		t.Fatalf("the erased lead was given the form: %+v", erased)
	}
	for _, e := range timeline(t, st.Store, first.ID) {
		if s := fmt.Sprint(e.Data); strings.Contains(s, "Clara") || strings.Contains(s, "call me") || strings.Contains(s, "555") {
			t.Fatalf("the erased lead's timeline was given the form: %+v", e)
		}
	}
	again, err := st.Store.LeadByEmail(context.Background(), lead.HashEmail("clara@bigcorp.example"))
	if err != nil || again.ID == first.ID || again.Name != "Clara Racing" {
		t.Fatalf("the form is not a new lead: %+v, %v", again, err)
	}
}

// erasedBeforeDepositStore is memstore whose lead writes keep losing
// (a burst for one address) until, once armed, the address is erased
// just before the submission is kept in its lead's inbox — the erasure
// committing between capture finding the lead and keeping the touch.
type erasedBeforeDepositStore struct {
	*memstore.Store
	armed bool
}

func (s *erasedBeforeDepositStore) SaveLead(ctx context.Context, l lead.Lead, ch lead.Change, idem *capture.Idempotency) error {
	if s.armed {
		return lead.ErrVersionConflict
	}
	return s.Store.SaveLead(ctx, l, ch, idem)
}

func (s *erasedBeforeDepositStore) Deposit(ctx context.Context, leadID string, t lead.Touch, idem *capture.Idempotency) error {
	if s.armed {
		s.armed = false
		ps := &privacy.Service{Store: s.Store, Clock: func() time.Time { return now }}
		if _, err := ps.Erase(ctx, t.Submission.Email); err != nil {
			return err
		}
	}
	return s.Store.Deposit(ctx, leadID, t, idem)
}

// TestFormKeptForAnErasedLeadIsNotLeftInItsInbox: a form kept in the
// inbox of a lead erased a moment before (a burst for the address racing
// its erasure) is not left there — where no export would list it and no
// erasure remove it, the person's words kept for good — nor lost: it
// leaves the erased lead's inbox and becomes a new lead, found by its
// address.
func TestFormKeptForAnErasedLeadIsNotLeftInItsInbox(t *testing.T) {
	st := &erasedBeforeDepositStore{Store: memstore.New()}
	h := newHandler(st, &bytes.Buffer{})
	const email = "dora@bigcorp.example"
	if resp, _ := h.Handle(context.Background(), post("application/json", `{"email":"`+email+`","name":"Dora"}`)); resp.StatusCode != 202 {
		t.Fatalf("first post: %d %s", resp.StatusCode, resp.Body)
	}
	first, err := st.Store.LeadByEmail(context.Background(), lead.HashEmail(email))
	if err != nil {
		t.Fatal(err)
	}
	st.armed = true
	body := `{"email":"` + email + `","name":"Dora Racing","phone":"+49 30 777","message":"call me back"}`
	if resp, _ := h.Handle(context.Background(), post("application/json", body)); resp.StatusCode != 202 {
		t.Fatalf("post racing the erasure: %d %s", resp.StatusCode, resp.Body)
	}
	if st.armed {
		t.Fatal("fixture: the post was never kept in the inbox")
	}
	erased, err := st.Store.Lead(context.Background(), first.ID)
	if err != nil || !erased.Erased {
		t.Fatalf("fixture: lead not erased: %+v, %v", erased, err)
	}
	inbox, err := st.Store.Inbox(context.Background(), first.ID, 100)
	if err != nil || len(inbox) != 0 {
		t.Fatalf("the erased lead's inbox keeps %d submissions (%v): %+v", len(inbox), err, inbox)
	}
	again, err := st.Store.LeadByEmail(context.Background(), lead.HashEmail(email))
	if err != nil || again.ID == first.ID || again.Name != "Dora Racing" || again.Message != "call me back" {
		t.Fatalf("the form is not a new lead: %+v, %v", again, err)
	}
}
