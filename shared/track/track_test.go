package track

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
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

func (noRules) QualifySignal(*lead.Lead, string, time.Time) lead.Change { return lead.Change{} }

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
		Engage: &Service{Store: &oneLead{l: lead.Lead{ID: "L1"}}, Rules: noRules{}, Clock: now},
		Limits: allow{}, Keys: keys, CORS: httpapi.NewCORS("*"), Pages: []Page{{"/pricing", "pricing_page_view"}},
		PerLeadPerHour: 60, BaseURL: "https://leads.example.com", Clock: now, NewID: func(time.Time) string { return "e" },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, keys
}

// FuzzPageView: no payload makes the handler panic or answer 5xx; only a
// valid visitor token with an http(s) URL is recorded.
func FuzzPageView(f *testing.F) {
	h, keys := handler(f)
	visitor := keys.Sign(token.Claims{Action: links.ActionVisit, Subject: "L1", Expires: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)})
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

// once allows each key once, as the DynamoDB limiter does with limit 1.
type once map[string]bool

func (o once) Allow(_ context.Context, key string, _ int, _ time.Duration, _ time.Time) (bool, error) {
	if o[key] {
		return false, nil
	}
	o[key] = true
	return true, nil
}

func TestOpenPixel(t *testing.T) {
	h, keys := handler(t)
	h.Limits = once{}
	var logs strings.Builder
	h.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	now := h.Clock()
	pixelFor := func(lead, email string) string {
		u := links.OpenPixel(keys, "https://leads.example.com", lead, email, now)
		return u[strings.LastIndex(u, "/")+1:]
	}
	opens := func() int {
		l, _ := h.Engage.Store.Lead(context.Background(), "L1")
		return len(l.Signals)
	}
	for _, tc := range []struct {
		name, token, outcome string
		opens                int
	}{
		{"first open", pixelFor("L1", "seq:welcome"), `"outcome":"recorded"`, 1},
		{"same email again", pixelFor("L1", "seq:welcome"), `"outcome":"repeat"`, 1},
		{"next email", pixelFor("L1", "seq:followup"), `"outcome":"recorded"`, 2},
		{"erased lead", pixelFor("L2", "seq:welcome"), `"outcome":"unknown_lead"`, 2},
		{"forged", pixelFor("L1", "seq:x")[:10] + "tampered", `"outcome":"bad_token"`, 2},
		{"a click token", keys.Sign(token.Claims{Action: links.ActionClick, Subject: "L1", Extra: "https://x.example/", Expires: now.Add(time.Hour)}), `"outcome":"bad_token"`, 2},
	} {
		logs.Reset()
		req := httpapi.Request{RouteKey: "GET /t/o/{token}", PathParameters: map[string]string{"token": tc.token}}
		r, err := h.Handle(context.Background(), req)
		if err != nil || r.StatusCode != 200 || r.Headers["Content-Type"] != "image/gif" || !r.IsBase64Encoded || r.Body == "" {
			t.Fatalf("%s: %d %v %v", tc.name, r.StatusCode, r.Headers, err)
		}
		if !strings.Contains(logs.String(), tc.outcome) || opens() != tc.opens {
			t.Fatalf("%s: %d signals, log %s; want %d and %s", tc.name, opens(), logs.String(), tc.opens, tc.outcome)
		}
	}
}
