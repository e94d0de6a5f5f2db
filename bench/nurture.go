package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
	"github.com/leadflow/leadflow/shared/app/nurturefn"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
	"github.com/leadflow/leadflow/shared/store"
)

func init() {
	register("nurture send vs SendEmail + 2 conditional writes", benchNurture)
	register("tick cost with not-due leads", benchTickFlat)
}

// monday 10:00 UTC is inside the default send window.
var benchMonday = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func nurtureConfig(e *env, table string) (config.Capture, config.Nurture) {
	sales := config.Sales{Table: table, Sender: "news@example.com", SalesAddress: "sales@example.com",
		PublicBaseURL: "https://leads.example.com", Signing: config.Signing{SigningKeys: "b1:bench-signing-key-0123456789"},
		Qualifying: config.Qualifying{CampaignsDir: benchCampaigns()}}
	return config.Capture{AWS: e.aws, Sales: sales, AllowedOrigins: "*", ThankYouURL: "https://x.example/t", PrivacyNoticeURL: "https://www.example.com/privacy"},
		config.Nurture{AWS: e.aws, Sales: sales, SESMaxSendRate: "100000", SenderPostalAddress: "leadflow bench, 1 Bench St, Berlin"}
}

// benchCampaigns is the folder of the bench's campaign (bench.yaml,
// single opt-in): its leads are nurtured at once.
func benchCampaigns() string {
	root, err := sam.Root()
	must(err)
	return filepath.Join(root, "bench", "campaigns")
}

func coldLead(email string) string {
	return `{"email":"` + email + `","name":"Nina Cole","company":"SmallCo","job_title":"Marketing Manager","company_size":"51-200",` +
		`"country":"DE","time_zone":"Europe/Berlin","form_type":"newsletter","consent":true,"campaign":"bench"}`
}

// benchNurture: one tick sends the first step to N enrolled leads; each
// send is compared with the least any send must do — one SendEmail of
// the same size and two conditional single-item writes of a lead-sized
// item (the claim and the commit) — measured right after, at the same
// parallelism. Once on a fresh emulator, once after filling the table.
func benchNurture(e *env) []Row {
	// Warm up the emulators' JIT and this process's template caches on
	// both paths first; that round is not reported.
	nurtureRound(e, e.table("nurwarm"), "warm", 100)
	table := e.table("nurture")
	fresh, freshFloor, requests := nurtureRound(e, table, "fresh", 300)
	fill := 20000
	if v, err := strconv.Atoi(os.Getenv("BENCH_FILL")); err == nil && v >= 0 {
		fill = v
	}
	seedNotDue(e, table, fill)
	filled, filledFloor, _ := nurtureRound(e, table, "filled", 300)
	return []Row{
		ratioRow("nurture per email vs SendEmail + 2 conditional PutItem (fresh)", ms(fresh), ms(freshFloor), "ms", 1.3),
		ratioRow(fmt.Sprintf("nurture per email vs the same floor (table filled, +%dk items)", fill/1000), ms(filled), ms(filledFloor), "ms", 1.3),
		limitRow("DynamoDB requests per nurture email (claim + commit)", requests, "requests", 2),
	}
}

// nurtureRound captures n cold leads, runs one tick that sends each its
// first step, and measures the floor right after. It returns the time
// per email, the floor's, and the tick's DynamoDB requests per email.
func nurtureRound(e *env, table, name string, n int) (perEmail, floorPer time.Duration, requests float64) {
	clock := func() time.Time { return benchMonday }
	capCfg, nurCfg := nurtureConfig(e, table)
	c := e.clients.App(nil, nil)
	capture, err := capturefn.New(e.ctx, capCfg, c.DynamoDB, c.Mail, c.Parameter, app.Env{Logs: io.Discard, Clock: clock})
	must(err)
	domain := name + ".nurture.bench.example"
	for i := 0; i < n; i++ {
		r, err := capture.Handle(e.ctx, request(coldLead(fmt.Sprintf("n%d@%s", i, domain))))
		if err != nil || r.StatusCode != http.StatusAccepted {
			must(fmt.Errorf("capture: %d %v", r.StatusCode, err))
		}
	}
	db := e.countedDynamoDB()
	// The tick works nurturefn.Workers(rate) leads at a time; the floor
	// below runs as many workers, so both are time per email at the same
	// parallelism.
	clients := e.clients.App(db, nil)
	tick, err := nurturefn.New(e.ctx, nurCfg, clients.DynamoDB, clients.Mail, clients.SendRate, clients.Parameter, app.Env{Logs: io.Discard, Clock: clock})
	must(err)
	e.calls.Store(0)
	t0 := time.Now()
	must(tick(e.ctx, events.EventBridgeEvent{ID: "bench-" + name}))
	total := time.Since(t0)
	calls := e.calls.Load()
	all, err := sesstore.Fetch(e.ctx, e.aws.SESEndpoint)
	must(err)
	sent := 0
	for _, m := range all {
		if len(m.To) == 1 && strings.HasSuffix(m.To[0], "@"+domain) {
			sent++
		}
	}
	if sent != n {
		must(fmt.Errorf("the tick sent %d of %d", sent, n))
	}
	// The tick's requests besides its due-index queries, per email.
	requests = float64(calls-store.DueShards) / float64(n)

	// Floor: SendEmail + a conditional PutItem before and after it, of a
	// lead-sized item, as many workers as the tick, same count.
	rate, err := strconv.ParseFloat(nurCfg.SESMaxSendRate, 64)
	must(err)
	floor := sendFloor(e.ctx, e.clients, table, floorItem(e.ctx, e.clients.DynamoDB, table, domain), name, nurturefn.Workers(rate), n)
	return total / time.Duration(n), floor / time.Duration(n), requests
}

// sendFloor is the least n emails need from the emulators, on the given
// number of workers: each a conditional PutItem of item (the claim),
// SendEmail of a nurture-sized message, and a conditional PutItem of it
// again (the commit). It returns the time all n took.
func sendFloor(ctx context.Context, sdk testenv.SDK, table string, item map[string]types.AttributeValue, name string, workers, n int) time.Duration {
	msg := sendInput()
	t0 := time.Now()
	parallel(n, workers, func(i int) {
		put := func(version int) {
			it := maps.Clone(item)
			it["PK"] = &types.AttributeValueMemberS{Value: fmt.Sprint("FLOOR#", name, i)}
			it["version"] = &types.AttributeValueMemberN{Value: strconv.Itoa(version)}
			_, err := sdk.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it,
				ConditionExpression:       aws.String("attribute_not_exists(PK) OR version = :prev"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":prev": &types.AttributeValueMemberN{Value: strconv.Itoa(version - 1)}}})
			must(err)
		}
		put(1)
		_, err := sdk.SES.SendEmail(ctx, msg)
		must(err)
		put(2)
	})
	return time.Since(t0)
}

// floorItem is one of the round's stored lead profiles, as the floor's
// lead-sized item (its due-index keys dropped).
func floorItem(ctx context.Context, db *dynamodb.Client, table, domain string) map[string]types.AttributeValue {
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table),
		FilterExpression:          aws.String("SK = :p AND contains(email, :d)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "PROFILE"}, ":d": &types.AttributeValueMemberS{Value: domain}}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(err)
		for _, it := range out.Items {
			delete(it, "GSI1PK")
			delete(it, "GSI1SK")
			return it
		}
	}
	must(fmt.Errorf("no lead profile of %s to size the floor by", domain))
	return nil
}

// benchTickFlat: a tick over an index with 0 vs 100,000 enrolled leads
// that are not due yet costs the same: due leads are a key range of a
// sparse index, never a scan.
func benchTickFlat(e *env) []Row {
	table := e.table("flat")
	_, nurCfg := nurtureConfig(e, table)
	clock := func() time.Time { return benchMonday }
	db := e.countedDynamoDB()
	c := e.clients.App(db, nil)
	tick, err := nurturefn.New(e.ctx, nurCfg, c.DynamoDB, c.Mail, c.SendRate, c.Parameter, app.Env{Logs: io.Discard, Clock: clock})
	must(err)
	measure := func() (time.Duration, int64) {
		var best time.Duration
		e.calls.Store(0)
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			must(tick(e.ctx, events.EventBridgeEvent{ID: fmt.Sprint("flat", i)}))
			if d := time.Since(t0); best == 0 || d < best {
				best = d
			}
		}
		return best, e.calls.Load() / 5
	}
	empty, emptyReq := measure()
	// DynamoDB Local writes on one core (SQLite): 100,000 seeded leads
	// take many minutes (its writes slow down as a table grows), so the default
	// is 5,000; BENCH_NOT_DUE=100000
	// runs the full figure.
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("BENCH_NOT_DUE")); err == nil && v > 0 {
		n = v
	}
	seedNotDue(e, table, n)
	full, fullReq := measure()
	return []Row{
		ratioRow(fmt.Sprintf("tick, %dk not-due leads vs empty index", n/1000), ms(full), ms(empty), "ms", 1.5),
		{Name: "DynamoDB requests per tick (not due / empty)", Value: float64(fullReq), Floor: float64(emptyReq), Ratio: float64(fullReq) / float64(max(emptyReq, 1)), Unit: "requests"},
	}
}

// seedNotDue writes n enrolled profiles whose next step is a week away.
func seedNotDue(e *env, table string, n int) {
	due := benchMonday.Add(7 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000000000Z")
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for start := 0; start < n; start += 25 {
		wg.Add(1)
		sem <- struct{}{}
		go func(start int) {
			defer func() { <-sem; wg.Done() }()
			var reqs []types.WriteRequest
			for i := start; i < min(start+25, n); i++ {
				id := fmt.Sprintf("SEED%08d", i)
				s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
					"PK": s("LEAD#" + id), "SK": s("PROFILE"), "id": s(id), "stage": s("nurturing"), "version": &types.AttributeValueMemberN{Value: "1"},
					"GSI1PK": s(fmt.Sprint("DUE#", i%store.DueShards)), "GSI1SK": s(due + "#" + id),
				}}})
			}
			for len(reqs) > 0 {
				out, err := e.clients.DynamoDB.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
				must(err)
				reqs = out.UnprocessedItems[table]
			}
		}(start)
	}
	wg.Wait()
}

func sendInput() *sesv2.SendEmailInput {
	body := "Hi Nina, three ways teams cut lead response time. " + fmt.Sprintf("%0900d", 0)
	return &sesv2.SendEmailInput{FromEmailAddress: aws.String("news@example.com"),
		Destination: &sestypes.Destination{ToAddresses: []string{"floor@bench.example"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("Nina, three ways")},
			Body: &sestypes.Body{Html: &sestypes.Content{Data: aws.String("<p>" + body + "</p>")}, Text: &sestypes.Content{Data: aws.String(body)}}}}}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
