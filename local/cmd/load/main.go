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
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/config"
)

func main() {
	clients := flag.Int("clients", 200, "concurrent clients")
	duration := flag.Duration("duration", 30*time.Second, "how long to post")
	flag.Parse()
	if err := run(*clients, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(n int, d time.Duration) error {
	ctx := context.Background()
	root, err := sam.Root()
	if err != nil {
		return err
	}
	tm, err := sam.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		return err
	}
	awsCfg := config.AWS{Region: "us-east-1", DynamoDBEndpoint: os.Getenv("DYNAMODB_ENDPOINT"), SESEndpoint: os.Getenv("SES_ENDPOINT")}
	if awsCfg.DynamoDBEndpoint == "" {
		return fmt.Errorf("DYNAMODB_ENDPOINT is not set: run `make load`")
	}
	c, err := awsclients.Load(ctx, awsCfg)
	if err != nil {
		return err
	}
	table := fmt.Sprintf("load-%d", time.Now().UnixNano())
	if err := testenv.CreateTable(ctx, c.DynamoDB, tm, table); err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	gw, err := gateway.New(ctx, gateway.Options{Template: tm, Refs: map[string]string{tm.TableID: table},
		Env: map[string]string{"DYNAMODB_ENDPOINT": awsCfg.DynamoDBEndpoint, "SES_ENDPOINT": awsCfg.SESEndpoint, "AWS_REGION": "us-east-1",
			"ALLOWED_ORIGINS": "*", "THANK_YOU_URL": "https://x.example/t", "SIGNING_KEYS": "l1:load-signing-key-0123456789",
			"SES_MAX_SEND_RATE": "1000", "PUBLIC_BASE_URL": "https://leads.example.com", "LOG_LEVEL": "error",
			"CAMPAIGNS_DIR": filepath.Join(root, "config", "campaigns")},
		Clock: time.Now, Logs: io.Discard, Log: quiet})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(gw) // loopback only
	defer srv.Close()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}

	var acked, rejected, failed atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	fmt.Printf("load: %d clients posting leads for %s to %s/leads …\n", n, d, srv.URL)
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				body := fmt.Sprintf(`{"email":"c%d.%d@load.example","name":"Load","job_title":"Marketing Manager","company_size":"51-200","campaign":"load"}`, w, i)
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/leads", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("k-%d-%d", w, i))
				t0 := time.Now()
				resp, err := client.Do(req)
				el := time.Since(t0)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusCreated:
					acked.Add(1)
					mu.Lock()
					lat = append(lat, el)
					mu.Unlock()
				case resp.StatusCode >= 500:
					failed.Add(1)
				default:
					rejected.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()

	stored, err := countLeads(ctx, c.DynamoDB, table)
	if err != nil {
		return err
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*p)]
	}
	fmt.Printf("acknowledged %d (%.0f/s), stored %d, lost %d, 5xx/transport errors %d, 4xx %d\np50 %s  p99 %s\n",
		acked.Load(), float64(acked.Load())/d.Seconds(), stored, acked.Load()-stored, failed.Load(), rejected.Load(),
		pct(.5).Round(time.Millisecond), pct(.99).Round(time.Millisecond))
	if stored != acked.Load() {
		return fmt.Errorf("%d leads acknowledged but %d stored", acked.Load(), stored)
	}
	if failed.Load() > 0 {
		return fmt.Errorf("%d requests failed", failed.Load())
	}
	return nil
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
