// Package testenv gives integration tests the real emulators and a fresh
// table (and bucket) each. `make test` starts the emulators once and passes
// their endpoints in DYNAMODB_ENDPOINT / SES_ENDPOINT / S3_ENDPOINT; a
// plain `go test` without them starts a private set for the package (or skips with a hint when
// Java or Node is missing).
package testenv

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/leadflow/leadflow/local/emulators"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/streams"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/chain"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesmail"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/s3store"
	"github.com/leadflow/leadflow/shared/store"
)

// Endpoints of the emulators.
type Endpoints struct{ DynamoDB, SES, S3 string }

var (
	once     sync.Once
	started  *emulators.Stack
	eps      Endpoints
	skipWhy  string
	tmplOnce sync.Once
	tmpl     *sam.Template
	tmplErr  error
	root     string
	tables   atomic.Int64
	buckets  atomic.Int64
)

// Main runs a package's tests and stops emulators the package started.
// Use it as: func TestMain(m *testing.M) { testenv.Main(m) }
//
// after runs once the tests ended, passed or not (e.g. a check over
// everything they logged); one returning non-zero fails the run.
func Main(m *testing.M, after ...func() int) {
	code := m.Run()
	for _, f := range after {
		if c := f(); code == 0 {
			code = c
		}
	}
	if started != nil {
		started.Stop()
	}
	os.Exit(code)
}

// Get returns the emulator endpoints, starting them on first use when the
// environment does not provide them.
func Get(t testing.TB) Endpoints {
	t.Helper()
	if k, n := Shard(); n > 1 && ShardOf(topLevel(t.Name()), n) != k {
		t.Skipf("in shard %d of %d (LEADFLOW_SHARD=%d/%d runs this process's share)", ShardOf(topLevel(t.Name()), n), n, k, n)
	}
	starts.LoadOrStore(topLevel(t.Name()), time.Now())
	once.Do(func() {
		for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_EC2_METADATA_DISABLED": "true"} {
			if os.Getenv(k) == "" {
				os.Setenv(k, v)
			}
		}
		eps = Endpoints{DynamoDB: os.Getenv("DYNAMODB_ENDPOINT"), SES: os.Getenv("SES_ENDPOINT"), S3: os.Getenv("S3_ENDPOINT")}
		if eps.DynamoDB != "" && eps.SES != "" && eps.S3 != "" {
			return
		}
		r, err := sam.Root()
		if err != nil {
			skipWhy = err.Error()
			return
		}
		if err := emulators.Preflight(r); err != nil {
			skipWhy = err.Error() + " (or run `make test`)"
			return
		}
		s, err := emulators.Start(context.Background(), emulators.Options{Root: r})
		if err != nil {
			skipWhy = "emulators did not start: " + err.Error()
			return
		}
		started = s
		eps = Endpoints{DynamoDB: s.DynamoDB, SES: s.SES, S3: s.S3}
	})
	if skipWhy != "" {
		Unavailable(t, "integration test needs the emulators: "+skipWhy)
	}
	return eps
}

// Shard is this process's share of a package's integration tests:
// LEADFLOW_SHARD=k/n (make test runs shared/app's tests as n processes
// side by side, each with emulators of its own); 1, 1 without it. A
// malformed value is a shard of one, so every test runs.
func Shard() (k, n int) {
	v := os.Getenv("LEADFLOW_SHARD")
	if _, err := fmt.Sscanf(v, "%d/%d", &k, &n); err != nil || n < 1 || k < 1 || k > n || fmt.Sprintf("%d/%d", k, n) != v {
		return 1, 1
	}
	return k, n
}

// ShardOf is the shard (1..n) that runs the top-level test name: by a
// hash of the name, so every process of a run agrees whatever the order
// its tests reach the emulators in.
func ShardOf(name string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32()%uint32(n)) + 1
}

// starts holds when each top-level test first reached the emulators
// (Get): nothing it did can have been stored before.
var starts sync.Map

func topLevel(name string) string {
	top, _, _ := strings.Cut(name, "/")
	return top
}

// Mail returns the emails the SES emulator stored since the running test
// (its top-level test) first reached the emulators, oldest first:
// everything the test can have sent, not the whole suite's — the emulator
// keeps every email of the run, and reading them all at each poll had
// the last tests of a package spend seconds a poll on it.
func Mail(t testing.TB) []sesstore.Email {
	t.Helper()
	endpoint := Get(t).SES
	since, _ := starts.Load(topLevel(t.Name()))
	// A second earlier: the emulator stamps whole seconds of its own clock.
	all, err := sesstore.FetchSince(context.Background(), endpoint, since.(time.Time).Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// Unavailable ends a test whose real part (an emulator, a tool) is
// missing: skipped on a developer's machine, failed in CI (CI=true),
// where a skipped check would pass unseen.
func Unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why + " (CI=true: required)")
	}
	t.Skip(why)
}

// AWS is the shared AWS config pointing at the emulators.
func AWS(t testing.TB) config.AWS {
	e := Get(t)
	return config.AWS{Region: "us-east-1", DynamoDBEndpoint: e.DynamoDB, SESEndpoint: e.SES, S3Endpoint: e.S3}
}

// SDK are raw SDK clients at the emulators: tests seed and read with them,
// and wrap them with faults before handing them to a function's wiring.
type SDK struct {
	DynamoDB *dynamodb.Client
	SES      *sesv2.Client
	S3       *s3.Client
}

// NewSDK builds the clients for the endpoints in ep.
func NewSDK(ctx context.Context, ep config.AWS) (SDK, error) {
	b, err := chain.Load(ctx, ep)
	if err != nil {
		return SDK{}, err
	}
	return SDK{DynamoDB: awsclients.NewDynamoDB(b), SES: sesmail.NewClient(b), S3: s3store.NewClient(b)}, nil
}

// App are the clients a function's wiring takes, over db and ses (nil: the
// plain ones), e.g. clients wrapped with injected faults.
func (s SDK) App(db *dynamodb.Client, ses *sesv2.Client) awsclients.Clients {
	if db == nil {
		db = s.DynamoDB
	}
	if ses == nil {
		ses = s.SES
	}
	c := awsclients.Clients{DynamoDB: db}
	sesmail.Attach(&c, ses)
	if s.S3 != nil {
		s3store.Attach(&c, s.S3)
	}
	return c
}

// Clients are SDK clients for the emulators.
func Clients(t testing.TB) SDK {
	t.Helper()
	c, err := NewSDK(context.Background(), AWS(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Template is template.yaml, parsed once.
func Template(t testing.TB) *sam.Template {
	t.Helper()
	tmplOnce.Do(func() {
		root, tmplErr = sam.Root()
		if tmplErr == nil {
			tmpl, tmplErr = sam.Load(root + "/template.yaml")
		}
	})
	if tmplErr != nil {
		t.Fatal(tmplErr)
	}
	return tmpl
}

// StreamFilter is the FilterCriteria of the named function's stream
// events in template.yaml, which Lambda applies before the function sees
// a record: a poller standing in for the event source mapping takes it
// (streams.Poller.Filter).
func StreamFilter(t testing.TB, function string) *streams.Filter {
	t.Helper()
	f, ok := Template(t).Function(function)
	if !ok {
		t.Fatalf("template.yaml has no function %s", function)
	}
	filter, err := streams.ParseFilter(f.StreamFilters)
	if err != nil {
		t.Fatal(err)
	}
	return filter
}

// Root is the repository root.
func Root(t testing.TB) string {
	Template(t)
	return root
}

// NewTable creates a fresh table from the template's own definition
// (keys, GSI, TTL) and deletes it when the test ends.
func NewTable(t testing.TB) string {
	t.Helper()
	db := Clients(t).DynamoDB
	name := fmt.Sprintf("t%d-%d-%s", os.Getpid(), tables.Add(1), sanitize(t.Name()))
	if err := CreateTable(context.Background(), db, Template(t), name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

// CreateTable creates a table named name from the template and enables
// its TTL attribute.
func CreateTable(ctx context.Context, db *dynamodb.Client, tm *sam.Template, name string) error {
	in, err := tm.CreateTableInput(name)
	if err != nil {
		return err
	}
	if _, err := db.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 50 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		return err
	}
	if attr := tm.TTLAttribute(); attr != "" {
		_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("enable TTL on %s: %w", name, err)
		}
	}
	return nil
}

// NewBucket creates a fresh bucket in the S3 emulator and removes it,
// with what it holds, when the test ends.
func NewBucket(t testing.TB) string {
	t.Helper()
	c := Clients(t).S3
	name := fmt.Sprintf("t%d-%d", os.Getpid(), buckets.Add(1))
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(name)})
		if err == nil {
			for _, o := range out.Contents {
				_, _ = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: o.Key})
			}
		}
		_, _ = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
	})
	return name
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 150 {
		out = out[:150]
	}
	return out
}

var (
	settleMu sync.Mutex
	settlers = map[string]*streams.Poller{}
)

// Settle does what the table's stream does in AWS before a test looks:
// the publisher's first step, recording the events and counters that
// single-item writes (store.Put) carry. Each call continues where the
// last one for the table stopped.
func Settle(t testing.TB, table string) {
	t.Helper()
	settleMu.Lock()
	p, ok := settlers[table]
	if !ok {
		c := Clients(t)
		sc, err := streams.NewClient(context.Background(), Get(t).DynamoDB)
		if err != nil {
			settleMu.Unlock()
			t.Fatal(err)
		}
		st := store.New(c.DynamoDB, table)
		p = &streams.Poller{DB: c.DynamoDB, Streams: sc, Table: table, Log: slog.New(slog.DiscardHandler), Filter: StreamFilter(t, "publisher"),
			Handler: func(ctx context.Context, ev events.DynamoDBEvent) error { return st.Materialize(ctx, ev.Records) }}
		settlers[table] = p
	}
	settleMu.Unlock()
	if err := p.Drain(context.Background()); err != nil {
		t.Fatalf("settle %s: %v", table, err)
	}
}
