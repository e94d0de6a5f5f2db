package track

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/engage"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/token"
)

type oneLead struct{ l lead.Lead }

func (s *oneLead) Lead(_ context.Context, id string) (lead.Lead, error) {
	if id != s.l.ID {
		return lead.Lead{}, lead.ErrNotFound
	}
	return s.l, nil
}

func (s *oneLead) Save(_ context.Context, l lead.Lead, _ lead.Change) error { s.l = l; return nil }

type noRules struct{}

func (noRules) Qualify(*lead.Lead, time.Time) lead.Change { return lead.Change{} }

type allow struct{}

func (allow) Allow(context.Context, string, int, time.Duration, time.Time) (bool, error) {
	return true, nil
}

func handler(t testing.TB) (*Handler, token.Keys) {
	keys, err := token.ParseKeys("k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
	return &Handler{
		Engage: &engage.Service{Store: &oneLead{l: lead.Lead{ID: "L1"}}, Rules: noRules{}, Clock: now},
		Limits: allow{}, Keys: keys, CORS: httpapi.NewCORS("*"), Pages: []Page{{"/pricing", "pricing_page_view"}},
		PerLeadPerHour: 60, BaseURL: "https://leads.example.com", Clock: now, NewID: func(time.Time) string { return "e" },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, keys
}

// FuzzPageView: no payload makes the handler panic or answer 5xx; only a
// valid visitor token with an http(s) URL is recorded.
func FuzzPageView(f *testing.F) {
	h, keys := handler(f)
	visitor := keys.Sign(token.Claims{Action: ActionVisit, Subject: "L1", Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)})
	for _, seed := range []string{
		`{"t":"` + visitor + `","url":"https://www.example.com/pricing","referrer":"https://www.google.com/"}`,
		`{"t":"` + visitor + `","url":"javascript:alert(1)"}`,
		`{"t":"x.y.z","url":"https://a.example/"}`, `{}`, `[]`, `null`, `{"t":1}`, strings.Repeat("[", 5000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httpapi.Request{RouteKey: "POST /events", Body: body, Headers: map[string]string{"content-type": "text/plain"}}
		req.RequestContext.HTTP.Method = http.MethodPost
		resp, err := h.Handle(context.Background(), req)
		if err != nil || resp.StatusCode >= 500 {
			t.Fatalf("%q → %d %v", body, resp.StatusCode, err)
		}
		if resp.StatusCode == http.StatusNoContent && !strings.Contains(body, visitor) {
			t.Fatalf("recorded a page view without the visitor token: %q", body)
		}
	})
}
