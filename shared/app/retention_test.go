package app_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/privacy"
	"github.com/leadflow/leadflow/shared/retention"
	"github.com/leadflow/leadflow/shared/store"
)

// TestRetentionSweepErasesIdleLeadsOnly: leads captured 800 days ago with
// nothing since, a recent one, and two old ones sales holds — a customer
// and an open deal. The privacy function's schedule (the retention
// sweep, LEAD_RETENTION_DAYS at its default 730) erases the idle ones by
// the erasure path (profile anonymised, claim gone, address suppressed,
// erased event with reason retention), leaves the others as they were and
// every counter the reports read unchanged; the next run within the day
// reads nothing, and the next pass a day later erases nothing more.
func TestRetentionSweepErasesIdleLeadsOnly(t *testing.T) {
	ctx := context.Background()
	now := testenv.Now(t).UTC()
	old, recent := now.Add(-800*retention.Day), now.Add(-10*retention.Day)
	capOld, table, _ := buildAt(t, "capture", nil, func() time.Time { return old }, "")
	capRecent, _, _ := buildAt(t, "capture", nil, func() time.Time { return recent }, table)
	st := store.New(testenv.Clients(t).DynamoDB, table)
	stamp := now.UnixNano()
	addr := func(name string) string { return fmt.Sprintf("%s.%d@retention.example", name, stamp) }
	ids := map[string]string{}
	for _, name := range []string{"idle1", "idle2", "customer", "dealing"} {
		accepted(t)(capOld.HTTP(ctx, jsonLead(coldBody(addr(name)))))
		ids[name] = capturedID(t, table, addr(name))
	}
	accepted(t)(capRecent.HTTP(ctx, jsonLead(coldBody(addr("recent")))))
	ids["recent"] = capturedID(t, table, addr("recent"))
	// Sales' answers, as feedback leaves them: a deal won, a deal open.
	for name, stage := range map[string]lead.Stage{"customer": lead.StageWon, "dealing": lead.StageSQL} {
		if _, err := lead.Update(ctx, st, ids[name], func(l *lead.Lead) (lead.Change, error) {
			l.Stage, l.Deal = stage, &lead.Deal{AcceptedAt: old.Add(time.Hour)}
			return lead.Change{At: old.Add(time.Hour)}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	counters := func() map[string]int64 {
		t.Helper()
		out := map[string]int64{}
		for _, at := range []time.Time{old, recent} {
			stats, err := st.CampaignStats(ctx, "newsletter-q4", at)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range stats {
				out[at.Format("2006-01")+" "+k] = v
			}
		}
		return out
	}
	before := counters()
	if before[old.Format("2006-01")+" leads"] != 4 {
		t.Fatalf("counters before the sweep: %v", before)
	}
	kept := map[string]lead.Lead{}
	for _, name := range []string{"customer", "dealing", "recent"} {
		kept[name], _ = st.Lead(ctx, ids[name])
	}

	sweepAt := func(clock func() time.Time) *strings.Builder {
		t.Helper()
		admin, _, logs := buildAt(t, "privacy", nil, clock, table)
		run, cancel := context.WithTimeout(ctx, 29*time.Second)
		defer cancel()
		if err := admin.Event(run, tickEvent("retention")); err != nil {
			t.Fatalf("retention run: %v\n%s", err, logs)
		}
		var b strings.Builder
		b.WriteString(logs.String())
		return &b
	}
	logs := sweepAt(testenv.Clock(t))

	for _, name := range []string{"idle1", "idle2"} {
		l, err := st.Lead(ctx, ids[name])
		if err != nil || !l.Erased || l.Email != "" || l.Name != "" || l.Company != "" || l.EmailHash != "" {
			t.Fatalf("%s after the sweep: %+v, %v", name, l, err)
		}
		if _, err := st.LeadByEmail(ctx, lead.HashEmail(addr(name))); !errors.Is(err, lead.ErrNotFound) {
			t.Fatalf("%s's address still leads to a lead: %v", name, err)
		}
		// Nobody asked not to be mailed: unlike a request's erasure,
		// retention leaves the address off the suppression list.
		if ok, err := st.Suppressed(ctx, lead.HashEmail(addr(name))); ok || err != nil {
			t.Fatalf("%s's address after its retention erasure: suppressed %v, %v", name, ok, err)
		}
		tl, _ := st.Timeline(ctx, ids[name])
		reason := any(nil)
		for _, e := range tl {
			if e.Kind == lead.EventErased {
				reason = e.Data["reason"]
			}
		}
		if reason != privacy.ReasonRetention {
			t.Fatalf("%s's erased event: reason %v, want %q", name, reason, privacy.ReasonRetention)
		}
		if !strings.Contains(logs.String(), `"leadId":"`+ids[name]+`"`) {
			t.Errorf("no audit line names %s's erasure:\n%s", name, logs)
		}
	}
	untouched := func(when string) {
		t.Helper()
		for name, was := range kept {
			l, err := st.Lead(ctx, ids[name])
			if err != nil || l.Erased || l.Email != addr(name) || l.Name != "Nina Cole" || l.Version != was.Version {
				t.Fatalf("%s %s: %+v, %v", name, when, l, err)
			}
		}
		if after := counters(); !maps.Equal(after, before) {
			t.Fatalf("counters %s: %v, before %v", when, after, before)
		}
	}
	untouched("after the sweep")
	if !strings.Contains(logs.String(), `"reason":"retention"`) || !strings.Contains(logs.String(), `"kept_customer":1`) ||
		!strings.Contains(logs.String(), `"kept_open_deal":1`) || !strings.Contains(logs.String(), `"kept_active":1`) {
		t.Errorf("the run's log does not say what it erased and kept:\n%s", logs)
	}

	// Within the day: the pass is done, nothing is read.
	if again := sweepAt(testenv.Clock(t)); !strings.Contains(again.String(), `"waiting":true`) || strings.Contains(again.String(), `"erased":true`) {
		t.Fatalf("a second run within the day:\n%s", again)
	}
	// A day later, a new pass: it reads every lead and erases nothing.
	next := sweepAt(func() time.Time { return testenv.Now(t).Add(retention.PassInterval + time.Minute) })
	if strings.Contains(next.String(), `"erased":true`) || !strings.Contains(next.String(), `"finished":true`) || !strings.Contains(next.String(), `"kept_erased":2`) {
		t.Fatalf("the next pass:\n%s", next)
	}
	untouched("after the next pass")

	// Years later the person comes back and fills in a form: a new lead,
	// which marketing may mail (the address is not suppressed).
	capNow, _, _ := buildAt(t, "capture", nil, testenv.Clock(t), table)
	accepted(t)(capNow.HTTP(ctx, jsonLead(coldBody(addr("idle1")))))
	back, err := st.LeadByEmail(ctx, lead.HashEmail(addr("idle1")))
	if err != nil || back.ID == ids["idle1"] || back.Erased || back.Suppressed != "" {
		t.Fatalf("the person back after the retention erasure: %+v, %v", back, err)
	}
}
