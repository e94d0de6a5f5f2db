package handoff

import (
	"context"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store/memstore"
)

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		in     string
		n      int
		window time.Duration
		ok     bool
	}{
		{"", 0, 0, true}, {"off", 0, 0, true}, {"0", 0, 0, true},
		{"5/1h", 5, time.Hour, true}, {"20/15m", 20, 15 * time.Minute, true},
		{"5", 0, 0, false}, {"five/1h", 0, 0, false}, {"-1/1h", 0, 0, false}, {"5/1s", 0, 0, false},
		{"5/1x", 0, 0, false}, {"5/200h", 0, 0, false}, {"05/1h", 0, 0, false},
		{"1000/1h", 1000, time.Hour, true}, {"1001/1h", 0, 0, false},
	} {
		n, w, err := ParseLimit(tc.in)
		if (err == nil) != tc.ok || n != tc.n || w != tc.window {
			t.Errorf("ParseLimit(%q) = %d, %v, %v", tc.in, n, w, err)
		}
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int{"": 0, "off": 0, "0": 0, "20": 20, "1000": 1000, "1001": -1, "020": -1, "-3": -1, "twenty": -1, "2/1h": -1} {
		n, err := ParseCount(in)
		if (err == nil) != (want >= 0) || (want >= 0 && n != want) {
			t.Errorf("ParseCount(%q) = %d, %v; want %d", in, n, err, want)
		}
	}
}

func TestFloodGate(t *testing.T) {
	at := time.Date(2031, 3, 10, 9, 10, 0, 0, time.UTC)
	hot := func(id, email, campaign, utm string) *lead.Lead {
		l := lead.New(id, lead.Submission{Email: email, Source: lead.Attribution{Campaign: campaign, UTMSource: utm, At: at}})
		l.Handoff = &lead.Handoff{State: lead.HandoffPending, Since: at}
		return &l
	}
	type step struct {
		l      *lead.Lead
		at     time.Time
		alerts bool   // mark the lead alerted when allowed
		want   string // "" allowed, else the hold reason
	}
	a1, a2, a3 := hot("A1", "a1@x.example", "q4", "linkedin"), hot("A2", "a2@x.example", "q4", "linkedin"), hot("A3", "a3@x.example", "q4", "linkedin")
	other := hot("B1", "b1@x.example", "q4", "google")
	released := hot("A4", "a4@x.example", "q4", "linkedin")
	released.Handoff.Released = true
	again := hot("A5", "a5@x.example", "q4", "newsletter") // alerted, sent back, hot again
	for _, tc := range []struct {
		name  string
		flood Flood
		steps []step
	}{
		{"per source limit", Flood{PerSource: 2, Window: time.Hour}, []step{
			{a1, at, false, ""}, {a1, at, false, ""}, // asking again takes no second slot
			{a2, at, false, ""}, {a3, at, false, lead.HeldSourceLimit},
			{other, at, false, ""}, // another source has its own slots
			{released, at, false, ""},
			{a3, at.Add(time.Hour), false, ""}, // the next window
		}},
		// utm_source is the poster's: inventing sources passes the
		// per-source limit, not the campaign's.
		{"per campaign limit across sources", Flood{PerSource: 2, PerCampaign: 3, Window: time.Hour}, []step{
			{a1, at, false, ""}, {other, at, false, ""}, {a1, at, false, ""},
			{hot("C1", "c1@x.example", "q4", "made-up-1"), at, false, ""},
			{hot("C2", "c2@x.example", "q4", "made-up-2"), at, false, lead.HeldCampaignLimit},
			{hot("C3", "c3@x.example", "webinar", "made-up-3"), at, false, ""}, // another campaign
			{hot("C2", "c2@x.example", "q4", "made-up-2"), at.Add(time.Hour), false, ""},
		}},
		// Campaign names are the poster's too: the ones the config does
		// not list are one campaign; a source is compared as one spelling.
		{"unlisted campaigns and source spellings count as one", Flood{PerSource: 2, Window: time.Hour, Known: func(c string) bool { return c == "q4" }}, []step{
			{hot("U1", "u1@x.example", "invented-1", "ads"), at, false, ""},
			{hot("U2", "u2@x.example", "invented-2", " ADS"), at, false, ""},
			{hot("U3", "u3@x.example", "invented-3", "Ads "), at, false, lead.HeldSourceLimit},
			{hot("U4", "u4@x.example", "q4", "ads"), at, false, ""}, // a listed campaign has its own
		}},
		{"per lead de-duplication", Flood{Dedup: 24 * time.Hour}, []step{
			{again, at, true, ""}, {again, at.Add(23 * time.Hour), false, lead.HeldRecentlyAlerted},
			{again, at.Add(25 * time.Hour), false, ""},
			{a1, at.Add(time.Hour), false, ""}, // another lead
		}},
		{"per source limit without a campaign limit: the source's own item", Flood{PerSource: 1, Window: time.Hour}, []step{
			{hot("D1", "d1@x.example", "q4", "ads"), at, false, ""}, {hot("D2", "d2@x.example", "q4", "ads"), at, false, lead.HeldSourceLimit},
		}},
		{"off", Flood{}, []step{{a1, at, true, ""}, {a2, at, true, ""}, {a3, at, true, ""}, {a1, at, false, ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.flood
			f.Store = memstore.New()
			for i, s := range tc.steps {
				held, err := f.gate(context.Background(), s.l, s.at)
				if err != nil {
					t.Fatal(err)
				}
				got := ""
				if held != nil {
					got = held.Reason
					if held.Source == "" || !held.SummaryAt.After(s.at) {
						t.Errorf("step %d: held %+v", i, held)
					}
				}
				if got != s.want {
					t.Fatalf("step %d (%s at %s): held %q, want %q", i, s.l.ID, s.at.Format("15:04"), got, s.want)
				}
				if got == "" && s.alerts {
					s.l.AlertedAt = s.at // the alert's commit records it
				}
			}
		})
	}
}
