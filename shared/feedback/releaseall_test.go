package feedback

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/privacy"
)

// The summary's "release all" link: GET lists the window's leads still
// held and changes nothing; POST releases each (as its own release link
// would), leaving alone one released meanwhile and one erased; opening it
// again finds nothing left. A tampered link changes nothing.
func TestReleaseAllReleasesTheWindowsHeldLeads(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const window = "a1b2c3d4e5f60708#20310310T0800Z"
	holdIn := func(id, name, current string) {
		t.Helper()
		l := lead.New(id, lead.Submission{Email: strings.ToLower(id) + "@launch.example", Name: name, Company: "Launch Co",
			Source: lead.Attribution{Campaign: "q4", At: t0.Add(-time.Hour)}})
		l.Stage = lead.StageMQL
		l.Handoff = &lead.Handoff{State: lead.HandoffHeld, Since: t0.Add(-time.Hour),
			Held: &lead.Held{Reason: lead.HeldSourceLimit, Source: current, At: t0.Add(-time.Hour), SummaryAt: t0.Add(-3 * time.Minute), Summarised: true}}
		l.Record(&lead.Change{})
		if err := f.st.CreateLead(ctx, l, lead.Change{At: l.CreatedAt}, nil); err != nil {
			t.Fatal(err)
		}
		if err := f.st.HoldAlert(ctx, window, id, t0.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	hold := func(id, name string) { holdIn(id, name, window) }
	// H5 was held in this window, then alerted, sent back and held again
	// by a later one: that hold is the later window's to release.
	holdIn("H5", "Hedda", "a1b2c3d4e5f60708#20310310T0900Z")
	hold("H1", "Hanna")
	hold("H2", "Hugo")
	hold("H3", "Heidi")
	hold("H4", "Hasso")
	// H3 was released by its own link meanwhile; H4 was erased.
	if r := f.do(t, http.MethodPost, links.FeedbackToken(f.keys, "H3", links.ActionRelease, "", time.Time{}, t0.Add(time.Hour)), ""); r.StatusCode != http.StatusOK {
		t.Fatalf("release H3: %d %s", r.StatusCode, r.Body)
	}
	erased, err := f.st.Lead(ctx, "H4")
	if err != nil {
		t.Fatal(err)
	}
	anon := privacy.Anonymise(erased, t0)
	anon.Version++
	if err := f.st.Put(ctx, anon, lead.Change{At: t0}); err != nil {
		t.Fatal(err)
	}
	url := links.ReleaseAll(f.keys, "https://api.example.com", window, t0.Add(time.Hour))
	tok := url[strings.LastIndex(url, "/")+1:]

	page := f.do(t, http.MethodGet, tok, "")
	for _, want := range []string{"2 held alerts", "Hanna, Launch Co", "Hugo, Launch Co", ">Release all 2 to sales</button>"} {
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, want) {
			t.Fatalf("GET: %d, page lacks %q:\n%s", page.StatusCode, want, page.Body)
		}
	}
	if strings.Contains(page.Body, "Heidi") || strings.Contains(page.Body, "Hedda") || f.held(t, "H1") != lead.HandoffHeld {
		t.Fatalf("GET lists a released lead or changed one:\n%s", page.Body)
	}
	if r := f.do(t, http.MethodPost, tok[:len(tok)-2]+"xx", ""); r.StatusCode != http.StatusForbidden || f.held(t, "H1") != lead.HandoffHeld {
		t.Fatalf("tampered link: %d, H1 %s", r.StatusCode, f.held(t, "H1"))
	}

	done := f.do(t, http.MethodPost, tok, "")
	if done.StatusCode != http.StatusOK || !strings.Contains(done.Body, "Recorded: 2 alerts go to sales now.") {
		t.Fatalf("POST: %d %s", done.StatusCode, done.Body)
	}
	for _, id := range []string{"H1", "H2", "H3"} {
		if got := f.held(t, id); got != lead.HandoffPending {
			t.Fatalf("%s handoff %s, want pending (released)", id, got)
		}
	}
	if got := f.held(t, "H5"); got != lead.HandoffHeld {
		t.Fatalf("H5 (held by a later window) handoff %s, want held", got)
	}
	if c := f.countersOf(t, "q4"); c["alerts_released"] != 3 {
		t.Fatalf("alerts_released = %d, want 3 (one by its own link, two by the window's)", c["alerts_released"])
	}
	if !strings.Contains(f.logs.String(), `"action":"release_all","released":2,"failed":0`) || strings.Contains(f.logs.String(), "launch.example") {
		t.Fatalf("logs:\n%s", f.logs)
	}
	again := f.do(t, http.MethodPost, tok, "")
	if again.StatusCode != http.StatusOK || !strings.Contains(again.Body, "No alert of this window is held any more") {
		t.Fatalf("again: %d %s", again.StatusCode, again.Body)
	}
}

func (f *fixture) held(t *testing.T, id string) string {
	t.Helper()
	l, err := f.st.Lead(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l.Handoff.State
}

func (f *fixture) countersOf(t *testing.T, campaign string) map[string]int64 {
	t.Helper()
	c, err := f.st.CampaignStats(context.Background(), campaign, t0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A lead erased before erasure closed held hand-offs is still "held": its
// release link changes nothing (nothing goes to sales about it).
func TestReleaseOfAnErasedLeadChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	l := lead.New("E1", lead.Submission{Source: lead.Attribution{Campaign: "q4", At: t0.Add(-time.Hour)}})
	l.Stage, l.Erased, l.Suppressed = lead.StageMQL, true, "erasure"
	l.Handoff = &lead.Handoff{State: lead.HandoffHeld, Held: &lead.Held{Reason: lead.HeldSourceLimit, SummaryAt: t0.Add(-time.Minute), Summarised: true}}
	l.Record(&lead.Change{})
	if err := f.st.CreateLead(ctx, l, lead.Change{At: l.CreatedAt}, nil); err != nil {
		t.Fatal(err)
	}
	r := f.do(t, http.MethodPost, links.FeedbackToken(f.keys, "E1", links.ActionRelease, "", time.Time{}, t0.Add(time.Hour)), "")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "nothing changed") || f.held(t, "E1") != lead.HandoffHeld {
		t.Fatalf("release of an erased lead: %d, handoff %s\n%s", r.StatusCode, f.held(t, "E1"), r.Body)
	}
}

// An expired "release all" link says how long such a link lasts: as long
// as the window's list of held leads is kept (handoff.WindowKept, a
// week), not the day it once was.
func TestExpiredReleaseAllSaysHowLongItLasts(t *testing.T) {
	f := newFixture(t)
	url := links.ReleaseAll(f.keys, "https://api.example.com", "a1b2c3d4e5f60708#20310310T0800Z", t0.Add(-time.Minute))
	r := f.do(t, http.MethodGet, url[strings.LastIndex(url, "/")+1:], "")
	if r.StatusCode != http.StatusForbidden || !strings.Contains(r.Body, "it lasts 7 days after its window") {
		t.Fatalf("%d, want 403 saying the link lasts 7 days:\n%s", r.StatusCode, r.Body)
	}
}
