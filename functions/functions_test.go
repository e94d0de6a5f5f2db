// Package functions_test boots every function's real main, built as Lambda
// builds it, against a fake Lambda Runtime API and the emulators, and
// invokes it with its sample events from events/. It proves each main
// wires the AWS services its function needs (they are named per main, so a
// binary links only those) and that the samples are payloads the
// functions accept.
package functions_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/local/eventbus"
	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// samples maps each function to its sample events: files named
// <function>-*.json, and ses-*.json for sesevents.
func samples(t *testing.T, root string) map[string][]string {
	files, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasPrefix(name, "sample-lead") {
			continue // submissions for make check-config, not Lambda payloads
		}
		fn, _, _ := strings.Cut(name, "-")
		if fn == "ses" {
			fn = "sesevents"
		}
		out[fn] = append(out[fn], f)
	}
	return out
}

func TestEveryMainBootsAndServesItsSampleEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function")
	}
	root := testenv.Root(t)
	tm := testenv.Template(t)
	e := testenv.Get(t)
	bin := t.TempDir()
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin+string(os.PathSeparator), "./functions/...")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./functions/...: %v\n%s", err, out)
	}
	byFunction := samples(t, root)
	for fn := range byFunction {
		if _, ok := tm.Function(fn); !ok {
			t.Errorf("events/%s-*.json: no function %q in template.yaml", fn, fn)
		}
	}
	bus := eventbus.New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	busSrv := httptest.NewServer(bus)
	defer busSrv.Close()
	table := testenv.NewTable(t)
	refs := map[string]string{tm.TableID: table}
	for id, typ := range tm.Types {
		if typ == "AWS::S3::Bucket" {
			refs[id] = testenv.NewBucket(t)
		}
	}

	for _, f := range tm.Functions {
		t.Run(f.Name, func(t *testing.T) {
			files := byFunction[f.Name]
			if len(files) == 0 {
				t.Fatalf("no sample event in events/ for %s (name it %s-<what>.json)", f.Name, f.Name)
			}
			rt := newRuntime(t, files)
			extra := map[string]string{
				"DYNAMODB_ENDPOINT": e.DynamoDB, "SES_ENDPOINT": e.SES, "S3_ENDPOINT": e.S3, "EVENTBRIDGE_ENDPOINT": busSrv.URL, "AWS_REGION": "us-east-1",
				"SIGNING_KEYS": "m1:mains-test-signing-key-0123456789", "SES_MAX_SEND_RATE": "10", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": "*", "LOG_LEVEL": "debug",
			}
			maps.Copy(extra, gateway.LocalAddresses) // no default in the template
			env := gateway.FunctionEnv(f, refs, extra)
			cmd := exec.Command(filepath.Join(bin, f.Name))
			cmd.Env = append(os.Environ(), "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(rt.srv.URL, "http://"),
				"LAMBDA_TASK_ROOT="+root, "AWS_LAMBDA_FUNCTION_NAME="+f.Name)
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-rt.done:
			case err := <-exited:
				t.Fatalf("%s exited before serving its events (%v):\n%s", f.Name, err, stderr.String())
			case <-nearTestDeadline(t):
				t.Fatalf("%s served %d of %d events before the test's -timeout:\n%s", f.Name, len(rt.answers()), len(files), stderr.String())
			}
			_ = cmd.Process.Kill()
			<-exited
			for i, res := range rt.answers() {
				name := filepath.Base(files[i])
				if res.kind != "response" {
					t.Errorf("%s: the runtime got an %s: %s", name, res.kind, res.body)
					continue
				}
				var resp struct {
					StatusCode int `json:"statusCode"`
				}
				if json.Unmarshal(res.body, &resp) == nil && resp.StatusCode >= 500 {
					t.Errorf("%s: answered %s", name, res.body)
				}
				if name == "capture-json.json" && resp.StatusCode != 202 {
					t.Errorf("%s: answered %s, want 202 (lead stored, receipt given)", name, res.body)
				}
			}
			if !strings.Contains(stdout.String(), `"function":"`+f.Name+`"`) {
				t.Errorf("no structured log line from %s on stdout:\n%s", f.Name, stdout.String())
			}
			if f.Name == "publisher" && len(bus.Events()) != 1 {
				t.Errorf("publisher put %d events on the bus, want 1 (lead.captured)", len(bus.Events()))
			}
		})
	}
}

// fakeRuntime is the part of the Lambda Runtime API a Go function uses: it
// hands out the sample events one by one and records each answer.
type fakeRuntime struct {
	srv     *httptest.Server
	mu      sync.Mutex
	events  []string
	next    int
	results []result
	done    chan struct{}
}

// answers are the results recorded so far.
func (rt *fakeRuntime) answers() []result {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]result(nil), rt.results...)
}

type result struct {
	kind string // response or error
	body []byte
}

func newRuntime(t *testing.T, files []string) *fakeRuntime {
	rt := &fakeRuntime{events: files, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		rt.mu.Lock()
		i := rt.next
		rt.next++
		rt.mu.Unlock()
		if i >= len(rt.events) {
			<-r.Context().Done() // no more events: the function waits, as in Lambda
			return
		}
		b, err := os.ReadFile(rt.events[i])
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", fmt.Sprint("req-", i))
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(30*time.Second).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test")
		_, _ = w.Write(b)
	})
	answer := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			rt.mu.Lock()
			rt.results = append(rt.results, result{kind: kind, body: b})
			if len(rt.results) == len(rt.events) {
				close(rt.done)
			}
			rt.mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", answer("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", answer("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		t.Errorf("init error: %s", b)
		w.WriteHeader(http.StatusAccepted)
	})
	rt.srv = httptest.NewServer(mux)
	t.Cleanup(rt.srv.Close)
	return rt
}

// nearTestDeadline fires shortly before go test's -timeout would end the
// run (never without one): a function that does not serve its events
// fails with its output, however long a loaded machine makes it take,
// instead of failing a fixed wall-clock limit.
func nearTestDeadline(t *testing.T) <-chan time.Time {
	dl, ok := t.Deadline()
	if !ok {
		return nil
	}
	return time.After(time.Until(dl) - 30*time.Second)
}
