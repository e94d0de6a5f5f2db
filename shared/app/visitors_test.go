package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/httpapi"
)

// TestLandingVisitorKeepsItsOfferAndCountsOnceADay: a visitor — the
// same address and browser — who reloads an A/B campaign's page sees the
// same offer every time and counts one view that day, not one per load;
// the next day's visit is a new visitor's (a new draw) and counts again;
// an ad's pinned link to the other
// offer counts a view of that offer. Other visitors still split between
// the offers by weight, one view each.
func TestLandingVisitorKeepsItsOfferAndCountsOnceADay(t *testing.T) {
	camp, env := abCampaign(t, "vis", "Visitors")
	clock := &clockAt{t: time.Date(2031, 7, 15, 10, 0, 0, 0, time.UTC)}
	capture, table, _ := buildAt(t, "capture", env, clock.now, "")
	reports, _, _ := buildAt(t, "reports", env, clock.now, table)
	ctx := context.Background()
	const browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	shownRe := regexp.MustCompile(`<input type="hidden" name="variant" value="([^"]*)"`)

	load := func(ip, pin string) string {
		t.Helper()
		req := httpapi.Request{RouteKey: "GET /c/{campaign}", RawPath: "/c/" + camp, PathParameters: map[string]string{"campaign": camp},
			Headers: map[string]string{"user-agent": browser}}
		if pin != "" {
			req.RawQueryString, req.QueryStringParameters = "variant="+pin, map[string]string{"variant": pin}
		}
		req.RequestContext.HTTP.Method = http.MethodGet
		req.RequestContext.HTTP.SourceIP = ip
		req.RequestContext.DomainName = "abc123.execute-api.eu-west-1.amazonaws.com"
		r, err := capture.HTTP(ctx, req)
		if err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("GET /c/%s from %s: %d %v", camp, ip, r.StatusCode, err)
		}
		m := shownRe.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no variant on the page:\n%s", r.Body)
		}
		return m[1]
	}
	views := func() map[string]int64 {
		t.Helper()
		req := httpapi.Request{RouteKey: "GET /reports", QueryStringParameters: map[string]string{"from": "2031-07", "to": "2031-07"}}
		req.RequestContext.HTTP.Method = http.MethodGet
		r, err := reports.HTTP(ctx, req)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("report: %d %v %s", r.StatusCode, err, r.Body)
		}
		var rep struct {
			Campaigns []struct {
				Total struct {
					Campaign string `json:"campaign"`
				} `json:"total"`
				Variants []struct {
					Variant string `json:"variant"`
					Views   int64  `json:"views"`
				} `json:"variants"`
			} `json:"campaigns"`
		}
		if err := json.Unmarshal([]byte(r.Body), &rep); err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, c := range rep.Campaigns {
			if c.Total.Campaign == camp {
				for _, v := range c.Variants {
					out[v.Variant] = v.Views
				}
			}
		}
		return out
	}

	// One visitor, ten loads: one offer, one view.
	first := load("203.0.113.7", "")
	for i := 0; i < 9; i++ {
		if got := load("203.0.113.7", ""); got != first {
			t.Fatalf("load %d of the same visitor shows %q, the first showed %q", i+2, got, first)
		}
	}
	other := map[string]string{"original": "bundle", "bundle": "original"}[first]
	if got := views(); got[first] != 1 || got[other] != 0 {
		t.Fatalf("ten loads of one visitor count %v views; want 1 of %s", got, first)
	}
	// The ad's link to the other offer: a view of it, once.
	for i := 0; i < 3; i++ {
		if got := load("203.0.113.7", other); got != other {
			t.Fatalf("pinned %s shows %s", other, got)
		}
	}
	if got := views(); got[first] != 1 || got[other] != 1 {
		t.Fatalf("after the pinned link: %v views; want 1 of each", got)
	}
	// The next day the visitor is new: a new draw, a view again.
	clock.add(24 * time.Hour)
	next := load("203.0.113.7", "")
	if got := views(); got[next] != 2 || got[first]+got[other] != 3 {
		t.Fatalf("the next day's visit shows %s: %v views; want 2 of it, 3 in all", next, got)
	}
	// Forty other visitors, two loads each: forty views, both offers shown.
	shown := map[string]int{}
	for i := 1; i <= 40; i++ {
		ip := fmt.Sprintf("198.51.100.%d", i)
		v := load(ip, "")
		if again := load(ip, ""); again != v {
			t.Fatalf("visitor %s saw %s, then %s", ip, v, again)
		}
		shown[v]++
	}
	if shown["original"] < 8 || shown["bundle"] < 8 {
		t.Fatalf("forty visitors at 50/50 saw %v", shown)
	}
	got := views()
	if got[first]+got[other] != 2+1+40 {
		t.Fatalf("views %v; want 43 in all (the visitor's 2 days and pinned link, 40 visitors)", got)
	}
}
