package app_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/leadflow/leadflow/local/ddbconflict"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
)

// conflictingCapture is the capture function over a DynamoDB client that
// refuses overlapping writes to one item as DynamoDB does (DynamoDB Local
// alone runs transactions one at a time and never refuses any).
var logsOut io.Writer = io.Discard

func conflictingCapture(t *testing.T, table string) (*capture.Handler, *ddbconflict.Detector) {
	t.Helper()
	d := ddbconflict.New()
	base := testenv.Clients(t)
	// Its calls count for the IAM checks: the inbox fold's deletes happen
	// only under contention.
	db := dynamodb.New(base.DynamoDB.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(slices.Clone(o.APIOptions), iamRecorder("capture"))
	})
	c := base.App(ddbconflict.Wrap(db, d), nil)
	h, err := capturefn.New(context.Background(), config.Capture{AWS: testenv.AWS(t), AllowedOrigins: "*", ThankYouURL: "https://x.example/t", PrivacyNoticeURL: "https://www.example.com/privacy",
		Sales: config.Sales{Table: table, Sender: "leads@example.com", SalesAddress: "sales@example.com", Signing: config.Signing{SigningKeys: testKeys}}},
		c.DynamoDB, c.Mail, c.Parameter, app.Env{Logs: logsOut, Clock: testenv.Clock(t)})
	if err != nil {
		t.Fatal(err)
	}
	return h, d
}

// post sends n requests at once and returns their status codes.
func postAll(h *capture.Handler, reqs []httpapi.Request) ([]int, []string) {
	codes, bodies := make([]int, len(reqs)), make([]string, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := h.Handle(context.Background(), req)
			codes[i], bodies[i] = resp.StatusCode, resp.Body
			if err != nil {
				codes[i], bodies[i] = 599, err.Error()
			}
		}()
	}
	close(start)
	wg.Wait()
	return codes, bodies
}

// requireAll2xx fails the test unless every answer was 2xx, saying how
// many were not.
func requireAll2xx(t *testing.T, codes []int, bodies []string) {
	t.Helper()
	bad, first := 0, -1
	for i, c := range codes {
		if c < 200 || c > 299 {
			bad++
			if first < 0 {
				first = i
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d submissions were not answered 2xx; the first: %d %s", bad, len(codes), codes[first], bodies[first])
	}
}

func plainBody(email, campaign string) string {
	return `{"email":"` + email + `","name":"Load","job_title":"Marketing Manager","company_size":"51-200","campaign":"` + campaign + `"}`
}

// TestParallelSubmissionsForOneAddressUnderConflicts: 100 submissions for
// one address at once, with DynamoDB's transaction conflicts emulated:
// none is answered 5xx and every one is kept — the lead's touches, its
// submission events and the campaign's counters all count 100. A lead
// takes one write at a time, so submissions that keep losing wait in the
// lead's inbox and one write folds many in.
func TestParallelSubmissionsForOneAddressUnderConflicts(t *testing.T) {
	table := testenv.NewTable(t)
	h, d := conflictingCapture(t, table)
	const n = 100
	email := fmt.Sprintf("burst.%d@acme.example", time.Now().UnixNano())
	reqs := make([]httpapi.Request, n)
	for i := range reqs {
		reqs[i] = jsonLead(plainBody(email, "burst-one"))
	}
	codes, bodies := postAll(h, reqs)
	requireAll2xx(t, codes, bodies)
	ok := n
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	testenv.Settle(t, table)
	l, err := st.LeadByEmail(ctx, lead.HashEmail(email))
	if err != nil {
		t.Fatal(err)
	}
	tl, err := st.Timeline(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	submissions := 0
	for _, ev := range tl {
		if ev.Kind == lead.EventCaptured || ev.Kind == lead.EventResubmitted {
			submissions++
		}
	}
	stats := counted(t, st, "burst-one")
	tx, w := d.Counts()
	t.Logf("refused: %d transactions, %d single writes", tx, w)
	if ok == 0 || l.Touches != ok || submissions != ok || stats["leads"] != 1 || stats["resubmissions"] != int64(ok-1) {
		t.Fatalf("touches %d, submission events %d, counted %v; want %d touches and events (the 2xx answers), 1 lead, %d resubmissions", l.Touches, submissions, stats, ok, ok-1)
	}
}

// TestCampaignBurstUnderConflicts: 200 clients post distinct addresses to
// one campaign at once, with DynamoDB's transaction conflicts emulated:
// no 5xx, and the campaign's counters count every lead exactly once.
func TestCampaignBurstUnderConflicts(t *testing.T) {
	table := testenv.NewTable(t)
	h, d := conflictingCapture(t, table)
	const n = 200
	stamp := time.Now().UnixNano()
	reqs := make([]httpapi.Request, n)
	for i := range reqs {
		reqs[i] = jsonLead(plainBody(fmt.Sprintf("launch%d.%d@acme.example", i, stamp), "launch"))
	}
	codes, bodies := postAll(h, reqs)
	requireAll2xx(t, codes, bodies)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	testenv.Settle(t, table)
	stats := counted(t, st, "launch")
	var listed int64 // the month's listing, the reports' read
	for _, m := range monthsSince(testenv.Began(t), testenv.Now(t)) {
		rows, err := st.MonthStats(ctx, lead.Month(m))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Campaign == "launch" && r.Variant == "" {
				listed += r.Counters["leads"]
			}
		}
	}
	tx, w := d.Counts()
	t.Logf("refused: %d transactions, %d single writes", tx, w)
	if stats["leads"] != n || listed != n || stats["resubmissions"] != 0 {
		t.Fatalf("counted %v, listed %d leads; want %d leads", stats, listed, n)
	}
	if tx == 0 {
		t.Fatalf("no transaction was refused: the burst proves nothing about conflicts")
	}
}
