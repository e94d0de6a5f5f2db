package main

import (
	"context"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// slowMachine is the functions' timeout in the tests: what the leads
// promise does not depend on how long a request takes, and under -race
// on a loaded CI machine 40 captures at once took longer than capture's
// 10 s (a capture cut off at its deadline answers 5xx: these tests then
// failed for the machine, not the product).
const slowMachine = 10 * time.Minute

// TestLoadWithInjectedFaults is `make load FAULTS=0.1` in small: clients
// retry the 5xx answers with the same idempotency key, and every lead
// acknowledged is stored exactly once; every 5xx is an injected fault.
func TestLoadWithInjectedFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("load")
	}
	// Bounded by count, not time: 16 clients × 10 leads, however slow the
	// machine is.
	const clients, each = 16, 10
	r, err := run(context.Background(), testenv.AWS(t), options{clients: clients, perClient: each, faults: 0.1, retries: 8, functionTimeout: slowMachine})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	if err := r.check(); err != nil {
		t.Fatal(err)
	}
	if r.acked != clients*each || r.injected == 0 || r.serverErrors == 0 {
		t.Fatalf("the run proves nothing: %s", r)
	}
	if r.gaveUp > 0 {
		t.Fatalf("%d leads still failing after 8 retries at a 10%% fault rate: %s", r.gaveUp, r)
	}
}

// TestLoadWithTransactionConflicts is `make load CONFLICTS=1` in small:
// DynamoDB Local refuses overlapping transactions as DynamoDB does, every
// client posts to one campaign, and still no request is answered 5xx and
// the campaign's counter counts every stored lead once.
func TestLoadWithTransactionConflicts(t *testing.T) {
	if testing.Short() {
		t.Skip("load")
	}
	// No answer timeout (options.answerTimeout 0): on a loaded machine
	// an answer may take longer than the command's 30 s, and a late
	// answer is not a lost one; nor is capture cut off at its 10 s.
	const clients, each = 40, 5
	r, err := run(context.Background(), testenv.AWS(t), options{clients: clients, perClient: each, conflicts: true, retries: 0, functionTimeout: slowMachine})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	if err := r.check(); err != nil {
		t.Fatal(err)
	}
	if r.acked != clients*each || r.serverErrors != 0 {
		t.Fatalf("want every lead acknowledged at the first try: %s", r)
	}
}
