package track

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/token"
)

type noRules struct{}

func (noRules) QualifySignal(*lead.Lead, string, time.Time) lead.Change { return lead.Change{} }

// handler serves the tracking routes over memstore (the DynamoDB
// adapter's semantics: shared/store/contract_test.go), which stores one
// lead, L1, and is the rate limiter too.
func handler(t testing.TB) (*Handler, token.Keys) {
	keys, err := token.ParseKeys("k1:0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
	// Event ids must differ: the store, like DynamoDB, refuses a second
	// event with the same key (time, kind, id).
	var ids atomic.Int64
	st := memstore.New()
	if err := st.CreateLead(context.Background(), lead.Lead{ID: "L1", Version: 1}, lead.Change{At: now()}, nil); err != nil {
		t.Fatal(err)
	}
	return &Handler{
		Engage: &Service{Store: st, Rules: noRules{}, Clock: now},
		Limits: st, Keys: keys, CORS: httpapi.NewCORS("*"), Pages: []Page{{"/pricing", "pricing_page_view"}},
		PerLeadPerHour: 60, BaseURL: "https://leads.example.com", Clock: now, NewID: func(time.Time) string { return fmt.Sprint("e", ids.Add(1)) },
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

func TestOpenPixel(t *testing.T) {
	h, keys := handler(t) // its limiter counts each email's first open once (limit 1)
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
