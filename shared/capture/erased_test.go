package capture_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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
