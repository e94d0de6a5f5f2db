package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/local/emulators"
	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app/nurturefn"
	"github.com/leadflow/leadflow/shared/app/registry"
	"github.com/leadflow/leadflow/shared/awsclients/all"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
)

func init() { register("nurture throughput at the SES rate", benchThroughput) }

// benchThroughput: BENCH_LEADS (default 2,000) leads due at once, one
// nurture tick per configured SES rate (SES_MAX_SEND_RATE, default
// BENCH_RATES=14,100,500 emails/s), wired as Lambda wires it
// (registry.Build with the template's environment) and with the template's
// timeout as its deadline, each on emulators started for it. Emails are
// counted in the SES emulator by a
// recipient domain unique to the run, not by the product's counters:
// achieved rate = emails / tick time against the configured rate (target
// ≥ 0.9×), duplicates (target 0) and the tick's errors, throttling
// included (target 0).
//
// A tick reads the due shards again while they return full pages, so
// one tick can send all 2,000 before its deadline. Rows without target
// say what limits the highest rates: the tick's rate against the
// emulators' ceiling for the same emails (sendFloor right after it, same
// workers); where the CPU went during each tick; two ticks overlapping
// at the highest rate (twice the workers; also 0 duplicates); and the SES
// emulator's capacity.
func benchThroughput(e *env) []Row {
	root, err := sam.Root()
	must(err)
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("BENCH_LEADS")); err == nil && v > 0 {
		n = v
	}
	rates := []float64{14, 100, 500}
	if v := os.Getenv("BENCH_RATES"); v != "" {
		rates = nil
		for _, s := range strings.Split(v, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			must(err)
			rates = append(rates, r)
		}
	}
	var rows []Row
	run := func(rate float64, ticks int) {
		// Each run on emulators of its own: DynamoDB Local's transactions
		// slow down as its database grows, so after the other benches (or
		// the previous rate) it would measure the emulator's history.
		st, err := emulators.Start(e.ctx, emulators.Options{Root: root})
		must(err)
		defer st.Stop()
		ep := config.AWS{Region: "us-east-1", DynamoDBEndpoint: st.DynamoDB, SESEndpoint: st.SES}
		sdk, err := testenv.NewSDK(e.ctx, ep)
		must(err)
		rows = append(rows, throughputAt(e, root, ep, sdk, rate, n, ticks)...)
	}
	for _, rate := range rates {
		run(rate, 1)
	}
	// Would more workers send faster here? The tick's 8 are fixed in its
	// wiring, but ticks may overlap (leases keep each email single): two
	// at once are 16 workers on the same due leads.
	run(rates[len(rates)-1], 2)
	st, err := emulators.Start(e.ctx, emulators.Options{Root: root})
	must(err)
	defer st.Stop()
	sdk, err := testenv.NewSDK(e.ctx, config.AWS{Region: "us-east-1", DynamoDBEndpoint: st.DynamoDB, SESEndpoint: st.SES})
	must(err)
	return append(rows, emulatorCapacity(e, sdk, min(n, 500))...)
}

// throughputAt captures n cold leads and runs nurture ticks at rate: one,
// or several at once.
func throughputAt(e *env, root string, ep config.AWS, sdk testenv.SDK, rate float64, n, ticks int) []Row {
	nurture, ok := e.tmpl.Function("nurture")
	if !ok {
		must(fmt.Errorf("no nurture function in template.yaml"))
	}
	capture, ok := e.tmpl.Function("capture")
	if !ok {
		must(fmt.Errorf("no capture function in template.yaml"))
	}
	clock := func() time.Time { return benchMonday }
	label := fmt.Sprintf("nurture tick at %g/s", rate)
	if ticks > 1 {
		label = fmt.Sprintf("%d overlapping nurture ticks at %g/s", ticks, rate)
	}
	table := fmt.Sprintf("bench-tput-%d", time.Now().UnixNano())
	must(testenv.CreateTable(e.ctx, sdk.DynamoDB, e.tmpl, table))
	domain := fmt.Sprintf("r%g-%d.tput.bench.example", rate, time.Now().UnixNano())
	extra := map[string]string{
		"DYNAMODB_ENDPOINT": ep.DynamoDBEndpoint, "SES_ENDPOINT": ep.SESEndpoint, "AWS_REGION": "us-east-1",
		"SIGNING_KEYS": "b1:bench-signing-key-0123456789", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": "*", "PUBLIC_BASE_URL": "https://leads.example.com",
		"CAMPAIGNS_DIR": filepath.Join(root, "bench", "campaigns"), "SEGMENTS_DIR": filepath.Join(root, "config", "segments"), "SES_MAX_SEND_RATE": strconv.FormatFloat(rate, 'g', -1, 64)}
	maps.Copy(extra, gateway.LocalAddresses) // no default in the template
	refs := map[string]string{e.tmpl.TableID: table}

	// n cold leads through capture: each is enrolled with its first
	// nurture step due now.
	t0 := time.Now()
	c, err := registry.Build(e.ctx, "capture", all.Services, lookup(gateway.FunctionEnv(capture, refs, extra)), io.Discard, clock)
	must(err)
	parallel(n, 8, func(i int) {
		r, err := c.HTTP(e.ctx, request(coldLead(fmt.Sprintf("lead%d@%s", i, domain))))
		if err != nil || r.StatusCode != http.StatusAccepted {
			must(fmt.Errorf("capture: %d %s %v", r.StatusCode, r.Body, err))
		}
	})
	fmt.Fprintf(os.Stderr, "bench: %s: %d leads captured in %v\n", label, n, time.Since(t0).Round(time.Millisecond))
	before := len(emailsTo(e, ep, domain))

	// Each tick as its own Lambda invocation would be: its own wiring
	// (and limiter), its own event id.
	logs := make([]lockedBuffer, ticks)
	var hs []func(context.Context, events.EventBridgeEvent) error
	for i := range ticks {
		h, err := registry.Build(e.ctx, "nurture", all.Services, lookup(gateway.FunctionEnv(nurture, refs, extra)), &logs[i], clock)
		must(err)
		hs = append(hs, h.Event)
	}
	ctx, cancel := context.WithTimeout(e.ctx, time.Duration(max(nurture.Timeout, 3))*time.Second)
	cpu0 := readCPU()
	t0 = time.Now()
	parallel(ticks, ticks, func(i int) { must(hs[i](ctx, events.EventBridgeEvent{ID: fmt.Sprintf("tput-%g-%d", rate, i)})) })
	took := time.Since(t0)
	cpu := readCPU().since(cpu0)
	cancel()

	emails := emailsTo(e, ep, domain)[before:]
	seen, dups := map[string]bool{}, 0
	for _, m := range emails {
		for _, to := range m.To {
			if seen[strings.ToLower(to)] {
				dups++
			}
			seen[strings.ToLower(to)] = true
		}
	}
	var sum tickLine
	for i := range logs {
		t := tickSummary(logs[i].String())
		sum.Errors += t.Errors
		sum.Stopped = sum.Stopped || t.Stopped
		sum.Cause = strings.TrimSpace(sum.Cause + " " + t.Cause)
		if sum.First == "" {
			sum.First = t.First
		}
	}
	if sum.Errors > 0 {
		fmt.Fprintf(os.Stderr, "bench: %s: first error: %s\n", label, sum.First)
	}
	achieved := float64(len(emails)) / took.Seconds()
	fmt.Fprintf(os.Stderr, "bench: %s: %d emails to %d leads in %v (%.1f/s); tick errors %d, stopped %v %s\n",
		label, len(emails), n, took.Round(time.Millisecond), achieved, sum.Errors, sum.Stopped, sum.Cause)
	rows := []Row{
		ratioRowAtLeast(label+": emails/s achieved vs configured", achieved, rate, "emails/s", 0.9),
		{Name: label + ": emails sent by the tick", Value: float64(len(emails)), Unit: fmt.Sprintf("of %d due", n)},
		limitRow(label+": duplicate emails", float64(dups), "emails", 0),
		limitRow(label+": tick errors (throttling included)", float64(sum.Errors), "errors", 0),
	}
	if ticks == 1 {
		// What the emulators can do at most for these emails, on this
		// machine, now: the floor of each (claim put of one of these
		// leads, SendEmail, commit put) on as many workers as the tick,
		// as many as it sent, right after it on the same emulators.
		workers, m := nurturefn.Workers(rate), max(len(emails), 1)
		took := sendFloor(e.ctx, sdk, table, floorItem(e.ctx, sdk.DynamoDB, table, domain), label, workers, m)
		ceiling := float64(m) / took.Seconds()
		fmt.Fprintf(os.Stderr, "bench: %s: the emulators' ceiling for its emails: %.1f/s (%d workers)\n", label, ceiling, workers)
		rows = append(rows, ratioRow(fmt.Sprintf("%s: emails/s achieved vs the emulators' ceiling (claim put + SendEmail + commit put, %d workers)", label, workers),
			achieved, ceiling, "emails/s", 0))
	}
	if ticks > 1 { // a diagnosis, not the figure: each tick has its own limiter
		rows[0] = Row{Name: label + ": emails/s together", Value: achieved, Unit: "emails/s"}
		rows[1].Name = label + ": emails sent by the ticks"
	}
	if cpu.ok {
		// The tick's process and its emulators near all the cores: the
		// machine is the limit, not the tick's workers. Busy beyond them
		// is other work on the machine during the run.
		unit := fmt.Sprintf("%% of %d cores", runtime.NumCPU())
		rows = append(rows, Row{Name: label + ": CPU, the tick's process (product + SDK)", Value: cpu.self * 100, Unit: unit},
			Row{Name: label + ": CPU, its emulators (DynamoDB Local, SES)", Value: cpu.children * 100, Unit: unit},
			Row{Name: label + ": CPU, the whole machine", Value: cpu.busy * 100, Unit: unit})
	}
	return rows
}

// cpuTimes are the machine's busy and total CPU time (/proc/stat), this
// process's own (getrusage) and its children's so far (/proc/<pid>/stat of
// the processes it started: the emulators).
type cpuTimes struct {
	busy, total    uint64 // clock ticks
	self, children time.Duration
	at             time.Time
	ok             bool
}

// clockTick is USER_HZ, the unit of /proc's CPU times (100 on Linux).
const clockTick = 10 * time.Millisecond

func readCPU() cpuTimes {
	t := cpuTimes{at: time.Now()}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		t.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return t
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		return t
	}
	for i, v := range f[1:9] {
		n, _ := strconv.ParseUint(v, 10, 64)
		t.total += n
		if i != 3 && i != 4 { // idle, iowait
			t.busy += n
		}
	}
	procs, _ := os.ReadDir("/proc")
	self := strconv.Itoa(os.Getpid())
	for _, p := range procs {
		b, err := os.ReadFile(filepath.Join("/proc", p.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid … utime stime: fields 14 and 15.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 || f[1] != self {
			continue
		}
		u, _ := strconv.ParseUint(f[11], 10, 64)
		s, _ := strconv.ParseUint(f[12], 10, 64)
		t.children += time.Duration(u+s) * clockTick
	}
	t.ok = true
	return t
}

// cpuShare is the share of all cores that was busy between two readings,
// and that this process and its children used.
type cpuShare struct {
	busy, self, children float64
	ok                   bool
}

func (t cpuTimes) since(then cpuTimes) cpuShare {
	if !t.ok || !then.ok || t.total == then.total {
		return cpuShare{}
	}
	wall := t.at.Sub(then.at).Seconds() * float64(runtime.NumCPU())
	return cpuShare{busy: float64(t.busy-then.busy) / float64(t.total-then.total),
		self: (t.self - then.self).Seconds() / wall, children: (t.children - then.children).Seconds() / wall, ok: true}
}

// emulatorCapacity is how many SendEmail calls per second the SES
// emulator takes from 32 workers (on emulators of their own): far above
// every rate, so the DynamoDB side is what bounds the ceiling rows.
func emulatorCapacity(e *env, sdk testenv.SDK, m int) []Row {
	msg := sendInput()
	t0 := time.Now()
	parallel(m, 32, func(int) {
		_, err := sdk.SES.SendEmail(e.ctx, msg)
		must(err)
	})
	return []Row{{Name: "emulator capacity: SES SendEmail, 32 workers", Value: float64(m) / time.Since(t0).Seconds(), Unit: "per s"}}
}

// parallel runs fn(0…n-1) on the given number of workers.
func parallel(n, workers int, fn func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
}

// emailsTo are the emails in the SES emulator to an address at domain,
// oldest first.
func emailsTo(e *env, ep config.AWS, domain string) []sesstore.Email {
	all, err := sesstore.Fetch(e.ctx, ep.SESEndpoint)
	must(err)
	var out []sesstore.Email
	for _, m := range all {
		for _, to := range m.To {
			if strings.HasSuffix(strings.ToLower(strings.TrimRight(to, ">")), "@"+domain) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// tickSummary reads the tick's own log line (msg "tick").
type tickLine struct {
	Errors  int    `json:"errors"`
	Stopped bool   `json:"stopped"`
	Cause   string `json:"cause"`
	First   string `json:"-"` // the first error line
}

func tickSummary(logs string) tickLine {
	var t tickLine
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l struct {
			Msg string `json:"msg"`
			tickLine
		}
		var lvl struct{ Level string }
		if t.First == "" && json.Unmarshal(sc.Bytes(), &lvl) == nil && lvl.Level == "ERROR" {
			t.First = sc.Text()
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "tick" {
			l.First = t.First
			t = l.tickLine
		}
	}
	return t
}

func lookup(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// lockedBuffer is a log writer safe for the tick's workers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
