package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/leadflow/leadflow/local/eventbus"
	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/sam"
)

func init() { register("cold start", benchColdStart) }

// coldEvents is the invocation each function answers first, one it can
// answer without heavy work, as the floor answers at once: with no AWS call
// where the function has such an answer (a CORS preflight, a page for a bad
// token, a request it refuses as invalid, the tracking snippet, an empty
// stream batch, the Send event of a digest, which has no claim to
// confirm), else the cheapest (a tick on an empty table: one query per
// due shard).
// A file is read from events/ and the top-level fields in patch replace
// its own; no file: patch is the whole payload.
var coldEvents = map[string]struct {
	file  string
	patch map[string]any
}{
	"capture":     {file: "capture-preflight.json"},
	"feedback":    {file: "feedback-page.json"},
	"nurture":     {file: "nurture-schedule.json"},
	"privacy":     {file: "privacy-export.json", patch: map[string]any{"body": "{}"}},
	"publisher":   {patch: map[string]any{"Records": []any{}}},
	"reports":     {file: "reports-dashboard.json", patch: map[string]any{"rawQueryString": "format=pdf", "queryStringParameters": map[string]string{"format": "pdf"}}},
	"segments":    {file: "segments-download.json", patch: map[string]any{"pathParameters": map[string]string{"segment": "no-such-segment"}}},
	"sesevents":   {file: "ses-send-digest.json"},
	"track":       {file: "track-snippet.json"},
	"unsubscribe": {file: "unsubscribe-page.json"},
}

// coldEvent is the payload of coldEvents[name].
func coldEvent(root, name string) []byte {
	ev, ok := coldEvents[name]
	if !ok {
		must(fmt.Errorf("cold start: no event for %s in coldEvents (bench/coldstart.go)", name))
	}
	payload := map[string]any{}
	if ev.file != "" {
		b, err := os.ReadFile(filepath.Join(root, "events", ev.file))
		must(err)
		must(json.Unmarshal(b, &payload))
	}
	for k, v := range ev.patch {
		payload[k] = v
	}
	b, err := json.Marshal(payload)
	must(err)
	return b
}

// benchColdStart times, for each function, process start → its first
// answer (response or error) posted to a fake Lambda Runtime API, against
// its floor (bench/floor.go: a hello-world aws-lambda-go binary with the
// same SDK clients that answers at once). Both are built for this machine
// with SAM's flags and run with the environment the template gives the
// function, pointed at the emulators; each figure is the median of
// BENCH_COLD_RUNS (default 15) runs, function and floor alternating.
func benchColdStart(e *env) []Row {
	root, err := sam.Root()
	must(err)
	dir, err := os.MkdirTemp("", "bench-cold")
	must(err)
	defer os.RemoveAll(dir)
	floors, _, cleanup := e.floors(root)
	defer cleanup()
	runs := 15
	if v, err := strconv.Atoi(os.Getenv("BENCH_COLD_RUNS")); err == nil && v > 0 {
		runs = v
	}
	bus := httptest.NewServer(eventbus.New(slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer bus.Close()
	table := e.table("cold")

	var rows []Row
	for _, f := range e.tmpl.Functions {
		if only := os.Getenv("BENCH_COLD_ONLY"); only != "" && only != f.Name { // one function's figure
			continue
		}
		event := coldEvent(root, f.Name)
		bin, floorBin := filepath.Join(dir, f.Name), filepath.Join(dir, f.Name+"-floor")
		hostBuild(root, "./"+f.CodeUri, bin)
		hostBuild(root, floors[f.Name], floorBin)

		extra := map[string]string{
			"DYNAMODB_ENDPOINT": e.aws.DynamoDBEndpoint, "SES_ENDPOINT": e.aws.SESEndpoint, "EVENTBRIDGE_ENDPOINT": bus.URL,
			"SIGNING_KEYS": "b1:bench-signing-key-0123456789", "SES_MAX_SEND_RATE": "14", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": "*"}
		maps.Copy(extra, gateway.LocalAddresses) // no default in the template
		fenv := gateway.FunctionEnv(f, map[string]string{e.tmpl.TableID: table}, extra)
		// What Lambda sets for a provided.al2023 function, besides the
		// function's own variables; nothing else from the bench's process.
		procEnv := []string{"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
			"AWS_EC2_METADATA_DISABLED=true", "LAMBDA_TASK_ROOT=" + root, "AWS_LAMBDA_FUNCTION_NAME=" + f.Name,
			"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "_HANDLER=bootstrap", "TZ=:UTC"}
		for _, k := range sortedKeys(fenv) {
			procEnv = append(procEnv, k+"="+fenv[k])
		}

		// One untimed start of each first: the page cache, and the
		// emulator's first requests of this kind.
		fa := coldStart(root, bin, procEnv, event)
		coldStart(root, floorBin, procEnv, event)
		if fa.kind != "response" || statusCode(fa.body) >= 500 {
			fmt.Fprintf(os.Stderr, "bench: cold start: %s answered %s: %s\n", f.Name, fa.kind, fa.body)
		}
		var fn, fl, fnInit, flInit []time.Duration
		for i := 0; i < runs; i++ {
			function := func() {
				a := coldStart(root, bin, procEnv, event)
				fn, fnInit = append(fn, a.took), append(fnInit, a.init)
			}
			floor := func() {
				a := coldStart(root, floorBin, procEnv, event)
				fl, flInit = append(fl, a.took), append(flInit, a.init)
			}
			if i%2 == 0 {
				function()
				floor()
			} else {
				floor()
				function()
			}
		}
		if os.Getenv("BENCH_TRACE") != "" {
			fmt.Fprintf(os.Stderr, "bench: cold start: %s runs %v, floor runs %v\n", f.Name, fn, fl)
		}
		fmt.Fprintf(os.Stderr, "bench: cold start: %s %v (init %v), floor %v (init %v), medians of %d\n",
			f.Name, mid(fn).Round(10*time.Microsecond), mid(fnInit).Round(10*time.Microsecond), mid(fl).Round(10*time.Microsecond), mid(flInit).Round(10*time.Microsecond), runs)
		rows = append(rows, ratioRow("cold start: "+f.Name+" vs hello-world with its SDK clients", ms(mid(fn)), ms(mid(fl)), "ms", 1.3))
	}
	return rows
}

// answer is what a process posted to the Runtime API first.
type answer struct {
	kind string // response, error or init error
	body []byte
	at   time.Time     // when it arrived
	took time.Duration // from process start
	init time.Duration // from process start to asking for the event
}

// coldStart starts bin against a fresh fake Runtime API that hands it
// event, waits for its answer, then kills it.
func coldStart(root, bin string, env []string, event []byte) answer {
	rt := newFakeRuntime(event)
	defer rt.close()
	cmd := exec.Command(bin)
	cmd.Dir = root
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+rt.addr)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // stdout (the function's logs) goes to /dev/null
	t0 := time.Now()
	must(cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var a answer
	select {
	case a = <-rt.answers:
		a.took = a.at.Sub(t0)
		rt.mu.Lock()
		a.init = rt.asked.Sub(t0)
		rt.mu.Unlock()
	case err := <-exited:
		must(fmt.Errorf("cold start: %s exited before answering (%v):\n%s", filepath.Base(bin), err, stderr.String()))
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		must(fmt.Errorf("cold start: %s did not answer in 60 s:\n%s", filepath.Base(bin), stderr.String()))
	}
	_ = cmd.Process.Kill()
	<-exited
	return a
}

// fakeRuntime is the part of the Lambda Runtime API a Go function speaks:
// the first GET …/invocation/next gets the event, later ones wait (as in
// Lambda between invocations); the first answer posted is recorded.
type fakeRuntime struct {
	srv     *http.Server
	addr    string
	answers chan answer
	done    chan struct{}
	mu      sync.Mutex
	handed  bool
	asked   time.Time // the first GET …/next
}

func newFakeRuntime(event []byte) *fakeRuntime {
	rt := &fakeRuntime{answers: make(chan answer, 1), done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		rt.mu.Lock()
		first := !rt.handed
		if first {
			rt.handed, rt.asked = true, time.Now()
		}
		rt.mu.Unlock()
		if !first {
			select { // one invocation per process: wait until it is killed
			case <-r.Context().Done():
			case <-rt.done:
			}
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "bench-cold-1")
		w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
		w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		_, _ = w.Write(event)
	})
	record := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			at := time.Now() // the answer has arrived; reading its body is not the function's time
			b, _ := io.ReadAll(r.Body)
			select {
			case rt.answers <- answer{kind: kind, body: b, at: at}:
			default:
			}
			w.WriteHeader(http.StatusAccepted)
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", record("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", record("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", record("init error"))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	rt.addr = l.Addr().String()
	rt.srv = &http.Server{Handler: mux}
	go func() { _ = rt.srv.Serve(l) }()
	return rt
}

func (rt *fakeRuntime) close() {
	close(rt.done)
	_ = rt.srv.Close()
}

// statusCode of an API Gateway response payload (0 for other answers).
func statusCode(body []byte) int {
	var r struct {
		StatusCode int `json:"statusCode"`
	}
	_ = json.Unmarshal(body, &r)
	return r.StatusCode
}

// mid is the median.
func mid(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
