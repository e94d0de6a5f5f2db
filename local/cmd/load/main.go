// Command load puts the capture API under load on loopback, against the
// real emulators (run it with `make load`): N concurrent clients post
// leads for a bounded time through the local gateway, then the table is
// counted — every acknowledged lead must be stored, and none twice.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/leadflow/leadflow/local/ddbconflict"
	"github.com/leadflow/leadflow/local/faults"
	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/streams"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/all"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/store"
)

func main() {
	var o options
	flag.IntVar(&o.clients, "clients", 200, "concurrent clients")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "how long to post")
	flag.Float64Var(&o.faults, "faults", 0, "fraction of capture's DynamoDB writes to fail (injected 503 / throttling / timeout)")
	flag.IntVar(&o.retries, "retries", 5, "times a client retries a 5xx with the same idempotency key")
	flag.DurationVar(&o.answerTimeout, "timeout", 30*time.Second, "how long a client waits for an answer before counting the request as unanswered (0: no limit)")
	flag.BoolVar(&o.conflicts, "conflicts", ddbconflict.Enabled(), "refuse overlapping writes to one item as DynamoDB does (TransactionConflict; DynamoDB Local alone never does); default from "+ddbconflict.EnvVar)
	flag.Parse()
	endpoints := config.AWS{Region: "us-east-1", DynamoDBEndpoint: os.Getenv("DYNAMODB_ENDPOINT"), SESEndpoint: os.Getenv("SES_ENDPOINT")}
	if endpoints.DynamoDBEndpoint == "" {
		fmt.Fprintln(os.Stderr, "load: DYNAMODB_ENDPOINT is not set: run `make load`")
		os.Exit(1)
	}
	fmt.Printf("load: %d clients posting leads for %s on loopback", o.clients, o.duration)
	if o.faults > 0 {
		fmt.Printf(", %.0f%% of capture's writes failing", o.faults*100)
	}
	if o.conflicts {
		fmt.Print(", overlapping transactions refused as in DynamoDB")
	}
	fmt.Println(" …")
	r, err := run(context.Background(), endpoints, o)
	if err == nil {
		err = r.check()
	}
	fmt.Println(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	clients int
	// perClient, when set, bounds the run by count instead of time: each
	// client posts that many leads (the test's mode; no wall clock).
	perClient int
	duration  time.Duration
	faults    float64
	retries   int
	// conflicts makes DynamoDB Local refuse overlapping writes to one
	// item as DynamoDB does (ddbconflict); every client posts to the one
	// campaign, so its counters are the hot item of a launch.
	conflicts bool
	// answerTimeout is how long a client waits for an answer (the
	// command's -timeout); 0 is no limit: the test's mode, where a slow
	// machine must not turn a late answer into "no answer" — a request
	// that never ends is caught by go test's -timeout instead.
	answerTimeout time.Duration
	// functionTimeout, when set, replaces every function's Timeout from
	// the template (the deadline the local gateway gives each
	// invocation): the test's mode, for the same reason. On a loaded
	// machine under -race, 40 captures at once took over capture's 10 s,
	// and one cut off by its deadline answers 5xx, a lead stored or not.
	functionTimeout time.Duration
}

// result is what a run saw: per idempotency key, a lead is acknowledged
// at most once, whatever the retries.
type result struct {
	acked, stored, rejected, gaveUp int64
	serverErrors, transport         int64 // 5xx answers; requests that got no answer
	injected                        int   // faults injected into capture's writes
	// counted is the campaign's leads counter once the stream has run;
	// refused the transactions refused for overlapping (conflicts mode).
	counted, refused int64
	p50, p99         time.Duration
	duration         time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("acknowledged %d (%.0f/s), stored %d, lost %d, counted %d; 5xx %d (injected faults %d), no answer %d, gave up after retries %d, 4xx %d; transactions refused for conflicts %d\np50 %s  p99 %s",
		r.acked, float64(r.acked)/r.duration.Seconds(), r.stored, r.acked-r.stored, r.counted, r.serverErrors, r.injected, r.transport, r.gaveUp, r.rejected,
		r.refused, r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond))
}

// check holds the promises: every acknowledged lead stored exactly once
// and counted exactly once, and no 5xx that an injected fault does not
// explain (transaction conflicts explain none).
func (r result) check() error {
	switch {
	case r.stored != r.acked:
		return fmt.Errorf("%d leads acknowledged but %d stored", r.acked, r.stored)
	case r.counted != r.stored:
		return fmt.Errorf("%d leads stored but the campaign's counter says %d", r.stored, r.counted)
	case r.serverErrors > int64(r.injected):
		return fmt.Errorf("%d 5xx answers but only %d injected faults", r.serverErrors, r.injected)
	case r.transport > 0:
		return fmt.Errorf("%d requests got no answer", r.transport)
	}
	return nil
}

// injectedErrors are what a failing DynamoDB write looks like to capture.
var injectedErrors = []error{
	&smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "injected 503"},
	&smithy.GenericAPIError{Code: "ThrottlingException", Message: "injected throttling"},
	context.DeadlineExceeded,
}

func run(ctx context.Context, endpoints config.AWS, o options) (result, error) {
	root, err := sam.Root()
	if err != nil {
		return result{}, err
	}
	tm, err := sam.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		return result{}, err
	}
	if o.functionTimeout > 0 {
		for i := range tm.Functions {
			tm.Functions[i].Timeout = int(o.functionTimeout / time.Second)
		}
	}
	c, err := testenv.NewSDK(ctx, endpoints)
	if err != nil {
		return result{}, err
	}
	table := fmt.Sprintf("load-%d", time.Now().UnixNano())
	if err := testenv.CreateTable(ctx, c.DynamoDB, tm, table); err != nil {
		return result{}, err
	}
	// Faults go into capture's lead transaction, before the SDK's own
	// retries (as an error that outlasted them would).
	rule := &faults.Rule{Operation: "TransactWriteItems", Count: -1, Errs: injectedErrors, When: func() bool { return rand.Float64() < o.faults }}
	inj := faults.New(rule)
	detector := ddbconflict.New()
	services := append(slices.Clone(all.Services), func(_ awsclients.Base, cl *awsclients.Clients) {
		if o.faults > 0 {
			cl.DynamoDB = dynamodb.New(cl.DynamoDB.Options(), func(opt *dynamodb.Options) {
				opt.APIOptions = append(opt.APIOptions, inj.Middleware)
			})
		}
		if o.conflicts {
			cl.DynamoDB = ddbconflict.Wrap(cl.DynamoDB, detector)
		}
	})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := map[string]string{"DYNAMODB_ENDPOINT": endpoints.DynamoDBEndpoint, "SES_ENDPOINT": endpoints.SESEndpoint, "AWS_REGION": "us-east-1",
		"PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": "*", "THANK_YOU_URL": "https://x.example/t", "SIGNING_KEYS": "l1:load-signing-key-0123456789",
		"SES_MAX_SEND_RATE": "1000", "PUBLIC_BASE_URL": "https://leads.example.com", "LOG_LEVEL": "error",
		"CAMPAIGNS_DIR": filepath.Join(root, "config", "campaigns"), "SEGMENTS_DIR": filepath.Join(root, "config", "segments")}
	maps.Copy(env, gateway.LocalAddresses) // no default in the template
	gw, err := gateway.New(ctx, gateway.Options{Template: tm, Refs: map[string]string{tm.TableID: table}, Services: services,
		Env: env, Clock: time.Now, Logs: io.Discard, Log: quiet})
	if err != nil {
		return result{}, err
	}
	srv := httptest.NewServer(gw) // loopback only
	defer srv.Close()
	client := &http.Client{Timeout: o.answerTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: o.clients}}

	var acked, rejected, gaveUp, serverErrors, transport atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	stop := start.Add(o.duration)
	more := func(i int, stop time.Time) bool {
		if o.perClient > 0 {
			return i < o.perClient
		}
		return time.Now().Before(stop)
	}
	var wg sync.WaitGroup
	for w := 0; w < o.clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; more(i, stop); i++ {
				body := fmt.Sprintf(`{"email":"c%d.%d@load.example","name":"Load","job_title":"Marketing Manager","company_size":"51-200","campaign":"load"}`, w, i)
				key := fmt.Sprintf("k-%d-%d", w, i)
				for attempt := 0; ; attempt++ {
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/leads", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", key)
					t0 := time.Now()
					resp, err := client.Do(req)
					el := time.Since(t0)
					if err != nil {
						transport.Add(1)
						break
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode >= 500 {
						serverErrors.Add(1)
						if attempt < o.retries {
							continue // same body, same key: at most one lead
						}
						gaveUp.Add(1)
						break
					}
					if resp.StatusCode == http.StatusAccepted {
						acked.Add(1)
						mu.Lock()
						lat = append(lat, el)
						mu.Unlock()
					} else {
						rejected.Add(1)
					}
					break
				}
			}
		}(w)
	}
	wg.Wait()
	r := result{acked: acked.Load(), rejected: rejected.Load(), gaveUp: gaveUp.Load(), serverErrors: serverErrors.Load(),
		transport: transport.Load(), duration: time.Since(start)}
	_, r.injected = inj.Counts("TransactWriteItems")
	r.refused, _ = detector.Counts()
	if r.stored, err = countLeads(ctx, c.DynamoDB, table); err != nil {
		return r, err
	}
	// The stream's work (the publisher's first step): counts that
	// conflicts deferred to COUNT# items are added to the counters.
	st := store.New(c.DynamoDB, table)
	sc, err := streams.NewClient(ctx, endpoints.DynamoDBEndpoint)
	if err != nil {
		return r, err
	}
	p := &streams.Poller{DB: c.DynamoDB, Streams: sc, Table: table, Log: quiet,
		Handler: func(ctx context.Context, ev events.DynamoDBEvent) error { return st.Materialize(ctx, ev.Records) }}
	if err := p.Drain(ctx); err != nil {
		return r, err
	}
	stats, err := st.CampaignStats(ctx, "load", start)
	if err != nil {
		return r, err
	}
	r.counted = stats["leads"]
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*p)]
	}
	r.p50, r.p99 = pct(.5), pct(.99)
	return r, nil
}

// countLeads counts stored profiles: a load-test check, which scans.
func countLeads(ctx context.Context, db *dynamodb.Client, table string) (int64, error) {
	var n int64
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), Select: types.SelectCount,
		FilterExpression:          aws.String("SK = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "PROFILE"}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		n += int64(page.Count)
	}
	return n, nil
}
