package memstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/feedback"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/privacy"
	"github.com/leadflow/leadflow/shared/publish"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/schedule"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/sesevents"
	"github.com/leadflow/leadflow/shared/store/memstore"
	"github.com/leadflow/leadflow/shared/track"
	"github.com/leadflow/leadflow/shared/unsubscribe"
)

// Every store interface a domain package declares. (The package itself
// checks those it imports; importing the others there would stop their
// own tests from using it.) shared/store/contract_test.go holds memstore
// to the DynamoDB adapter's semantics for each operation.
var (
	_ capture.Store     = (*memstore.Store)(nil)
	_ lead.Store        = (*memstore.Store)(nil)
	_ sendonce.Store    = (*memstore.Store)(nil)
	_ handoff.Store     = (*memstore.Store)(nil)
	_ unsubscribe.Store = (*memstore.Store)(nil)
	_ sesevents.Store   = (*memstore.Store)(nil)
	_ track.Store       = (*memstore.Store)(nil)
	_ track.RateLimiter = (*memstore.Store)(nil)
	_ feedback.Store    = (*memstore.Store)(nil)
	_ privacy.Store     = (*memstore.Store)(nil)
	_ report.Store      = (*memstore.Store)(nil)
	_ schedule.DueStore = (*memstore.Store)(nil)
	_ publish.Store     = (*memstore.Store)(nil)
)

// Concurrent read-modify-writes of one lead lose nothing: each either
// wins the version check or re-reads and re-applies (run with -race).
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	st := memstore.New()
	ctx := context.Background()
	at := time.Date(2031, 3, 10, 12, 0, 0, 0, time.UTC)
	l := lead.New("L1", lead.Submission{Email: "ann@acme.example", Source: lead.Attribution{Campaign: "c", At: at}})
	if err := st.CreateLead(ctx, l, lead.Change{At: at}, nil); err != nil {
		t.Fatal(err)
	}
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := lead.Update(ctx, st, "L1", func(l *lead.Lead) (lead.Change, error) {
				l.AddSignal(lead.Signal{Kind: fmt.Sprint("s", i), At: at})
				return lead.Change{At: at, Events: []lead.Event{{At: at, Kind: "signal", ID: fmt.Sprint(i)}},
					Counters: []lead.Counter{{Campaign: "c", Name: "signals"}}}, nil
			})
			errs <- err
		}()
		wg.Add(1)
		go func() { // readers, copying while writers write
			defer wg.Done()
			if r, err := st.Lead(ctx, "L1"); err == nil {
				r.Signals = append(r.Signals, lead.Signal{Kind: "reader"})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			// The retry budget can run out under heavy contention; then the
			// lost write must not be half applied (checked below).
			t.Logf("update: %v", err)
		}
	}
	got, err := st.Lead(ctx, "L1")
	if err != nil {
		t.Fatal(err)
	}
	tl, _ := st.Timeline(ctx, "L1")
	stats, _ := st.CampaignStats(ctx, "c", at)
	if len(got.Signals) != got.Version-1 || len(tl) != got.Version-1 || stats["signals"] != int64(got.Version-1) {
		t.Fatalf("version %d, signals %d, events %d, counter %d: every write must be whole", got.Version, len(got.Signals), len(tl), stats["signals"])
	}
	if got.Version < n/2 {
		t.Fatalf("only %d of %d updates landed", got.Version-1, n)
	}
	for _, s := range got.Signals {
		if s.Kind == "reader" {
			t.Fatal("a reader's change reached the stored lead")
		}
	}
}
