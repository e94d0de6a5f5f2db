package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/local/emulators"
	"github.com/leadflow/leadflow/local/eventbus"
	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/landing"
	"github.com/leadflow/leadflow/local/runlog"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/sesproxy"
	"github.com/leadflow/leadflow/local/streams"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/publish"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/store"
)

const localTable = "leadflow-local"

// localBucket stands in for the template's export bucket.
const localBucket = "leadflow-local-segments"

func startEmulators(ctx context.Context, dataDir string, verbose bool, buckets ...string) (*emulators.Stack, string, error) {
	root, err := sam.Root()
	if err != nil {
		return nil, "", err
	}
	var logs io.Writer
	if verbose {
		logs = os.Stderr
	}
	s3Dir := ""
	if dataDir != "" {
		s3Dir = filepath.Join(filepath.Dir(dataDir), "s3")
	}
	st, err := emulators.Start(ctx, emulators.Options{Root: root, DataDir: dataDir, S3Dir: s3Dir, Buckets: buckets, Logs: logs})
	return st, root, err
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "where the gateway and landing page listen (port 0: one the system chooses, see -addr-file)")
	addrFile := fs.String("addr-file", "", "write the address the stack listens on (host:port) to this `file` once it listens, before the emulators start: with -addr 127.0.0.1:0, how a test learns the port without choosing one that another process may take first")
	speed := fs.Float64("speed", 1, "clock speed-up: schedules fire this many times faster and handlers see time pass this much faster (e.g. 60: a 5-minute schedule fires every 5 s)")
	persist := fs.Bool("persist", false, "keep DynamoDB data between runs in .local-data/ (gitignored)")
	verbose := fs.Bool("v", false, "show the raw JSON log on the terminal instead of one line per business event")
	emulatorLogs := fs.Bool("emulator-logs", false, "show the emulators' own output")
	origins := fs.String("origins", "", "more origins allowed to post forms (CORS), comma-separated, e.g. http://localhost:3000 for a site pasting the embed snippet")
	qualifyPath := fs.String("config", "", "qualification config `file` the functions run (default: the embedded shared/qualify/default.yaml), as QualifyConfig does in AWS")
	sequencesPath := fs.String("sequences", "", "nurture sequences `file` the functions run (default: the embedded shared/nurture/default.yaml), as NurtureConfig does in AWS")
	reportZone := fs.String("report-time-zone", "", "the business time zone months are counted in (IANA, e.g. America/New_York), as the ReportTimeZone parameter does in AWS (default: its default, UTC)")
	_ = fs.Parse(args)
	if *reportZone != "" {
		if _, err := config.LoadZone(*reportZone); err != nil {
			return fmt.Errorf("REPORT_TIME_ZONE=%q: want an IANA time zone like America/New_York or UTC", *reportZone)
		}
	}
	if !(*speed > 0) || math.IsInf(*speed, 0) {
		// 0 would stop the product's clock (and every schedule); a
		// negative one would run it backwards.
		return fmt.Errorf("SPEED=%v: want a number above 0 (1 is real time, 60 runs an hour in a minute, 3600 a day in 24 s)", *speed)
	}
	// Marketing's own copies of the rules and sequences, checked before
	// anything starts: a typo is its file:line, not a stack half up.
	configEnv, rules, err := localConfigs(*qualifyPath, *sequencesPath)
	if err != nil {
		return err
	}

	ln, err := listen(*addr, *addrFile)
	if err != nil {
		return err
	}
	defer ln.Close() // when run returns early; srv.Shutdown closes it otherwise
	root, err := sam.Root()
	if err != nil {
		return err
	}
	dataDir := ""
	if *persist {
		dataDir = filepath.Join(root, ".local-data", "dynamodb")
	}
	fmt.Println("starting emulators (DynamoDB Local, aws-ses-v2-local, s3rver)…")
	st, _, err := startEmulators(ctx, dataDir, *emulatorLogs, localBucket)
	if err != nil {
		return err
	}
	defer st.Stop()
	for k, v := range st.Env() {
		os.Setenv(k, v)
	}

	tmpl, err := sam.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		return err
	}
	clients, err := testenv.NewSDK(ctx, config.AWS{Region: "us-east-1", DynamoDBEndpoint: st.DynamoDB, SESEndpoint: st.SES, S3Endpoint: st.S3})
	if err != nil {
		return err
	}
	if err := ensureTable(ctx, clients.DynamoDB, tmpl); err != nil {
		return err
	}

	base := "http://" + ln.Addr().String()
	startWall, startClock := time.Now(), time.Now()
	resumed := false
	if dataDir != "" {
		// The kept data is dated by the last run's clock, which SPEED may
		// have run days ahead of the wall: go on from there.
		startClock, resumed = resumeClock(clockFile(dataDir), startWall)
	}
	clock := func() time.Time { return startClock.Add(time.Duration(float64(time.Since(startWall)) * *speed)) }
	if dataDir != "" {
		saved := make(chan struct{})
		kctx, stopKeeping := context.WithCancel(context.Background())
		go func() { defer close(saved); keepClock(kctx, clockFile(dataDir), clock, 250*time.Millisecond) }()
		defer func() { stopKeeping(); <-saved }()
	}
	// The whole JSON log goes to a file; the terminal gets one human line
	// per business event (or the raw log with -v).
	// The first stack of a checkout owns run.log and run.url (make leads
	// finds it there); another one running beside it (a browser test, a
	// second make run) logs to run-<port>.log and leaves run.url alone.
	urlFile := runURLFile(root)
	other := runningStack(urlFile)
	logPath := filepath.Join(root, ".local-data", "run.log")
	if other != "" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		logPath = filepath.Join(root, ".local-data", "run-"+port+".log")
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	logs := runlog.New(logFile, os.Stdout, *verbose, store.New(clients.DynamoDB, localTable))
	runlog.UseRules(rules)
	if *speed != 1 || resumed {
		// The emails and make leads show the product's clock: so does
		// each line, beside the wall time.
		logs.ProductClock(func(wall time.Time) time.Time {
			return startClock.Add(time.Duration(float64(wall.Sub(startWall)) * *speed))
		})
	}
	defer logs.Close()
	log := logx.New(logs, "local", "info")
	env := st.Env()
	env["ALLOWED_ORIGINS"] = base
	if *origins != "" {
		env["ALLOWED_ORIGINS"] += "," + *origins
	}
	// make demo posts 15 hot leads of one campaign within seconds; the
	// deployed defaults are 5/1h per source and 20 per campaign.
	env["ALERT_LIMIT"] = "50/1h"
	env["ALERT_CAMPAIGN_LIMIT"] = "200"
	env["PRIVACY_NOTICE_URL"] = "https://www.example.com/privacy"
	env["SENDER_POSTAL_ADDRESS"] = "leadflow demo, 1 Example Street, 10115 Berlin, Germany"
	env["PUBLIC_BASE_URL"] = base
	// Local-only signing key; in AWS the key comes from SSM.
	env["SIGNING_KEYS"] = "local:" + strings.Repeat("l0cal-dev-key-", 3)
	// The SES emulator cannot answer GetAccount; AWS's default is 1/s in
	// the sandbox, 14/s and up in production.
	env["SES_MAX_SEND_RATE"] = "50"
	// The sender, sales and marketing addresses have no default in the
	// template (a deploy names its own); locally, the emulator's.
	maps.Copy(env, gateway.LocalAddresses)
	// In AWS the namespace is leadflow/<stack name>.
	env["METRICS_NAMESPACE"] = "leadflow/local"
	env["CAMPAIGNS_DIR"] = filepath.Join(root, "config", "campaigns")
	env["SEGMENTS_DIR"] = filepath.Join(root, "config", "segments")
	// EXPORT_INLINE_LIMIT=2000 make run: an export over 2 KB is stored in
	// the bucket and answered with its download link, as one over 5 MB
	// is in AWS.
	if v := os.Getenv("EXPORT_INLINE_LIMIT"); v != "" {
		env["EXPORT_INLINE_LIMIT"] = v
	}
	maps.Copy(env, configEnv)
	if *reportZone != "" {
		env["REPORT_TIME_ZONE"] = *reportZone
	}
	// Lead events go to the local stand-in bus, which logs them.
	bus := eventbus.New(log)
	env["EVENTBRIDGE_ENDPOINT"] = base + "/_local/eventbridge"
	var ready atomic.Pointer[gateway.Gateway] // set once the functions are built
	// A CRM's leadflow.outcome put on the local bus reaches the function
	// whose rule takes it, as on the product's bus in AWS.
	bus.Deliver = func(ctx context.Context, ev events.EventBridgeEvent) (bool, error) {
		gw := ready.Load()
		if gw == nil {
			return false, nil
		}
		fns := gw.ListenersFor(ev.DetailType)
		for _, fn := range fns {
			if err := gw.Inject(ctx, fn, ev); err != nil {
				return true, err
			}
		}
		return len(fns) > 0, nil
	}
	// The functions send through the SES proxy, which publishes the Send
	// event of every accepted message to the SES-event listeners, as the
	// configuration set does in AWS (the emulator publishes none).
	sesLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// Send events come half a second of product time after the send, as
	// from SES: at SPEED=3600 a wall-clock half second would be 30
	// minutes, past the exactly-once protocol's wait for SES's record,
	// and an alert whose sender's short lease ran out meanwhile would go
	// twice.
	proxy := &sesproxy.Proxy{Target: st.SES, Clock: clock, Log: log.With("component", "ses-proxy"), Delay: time.Duration(float64(500*time.Millisecond) / *speed),
		Deliver: func(ctx context.Context, ev events.EventBridgeEvent) error {
			gw := ready.Load()
			if gw == nil {
				return errors.New("functions not built yet")
			}
			for _, fn := range gw.ListenersFor(ev.DetailType) {
				if err := gw.Inject(ctx, fn, ev); err != nil {
					return err
				}
			}
			return nil
		}}
	go func() { _ = http.Serve(sesLn, proxy) }()
	env["SES_ENDPOINT"] = "http://" + sesLn.Addr().String()
	refs := map[string]string{tmpl.TableID: localTable}
	for id, typ := range tmpl.Types {
		if typ == "AWS::S3::Bucket" {
			refs[id] = localBucket // the segment exports
		}
	}
	gw, err := gateway.New(ctx, gateway.Options{
		Template: tmpl, Refs: refs, Env: env,
		Clock: clock, Logs: logs, Log: log,
	})
	if err != nil {
		return err
	}
	ready.Store(gw)
	gw.RunSchedules(ctx, *speed, log)

	sc, err := streams.NewClient(ctx, st.DynamoDB)
	if err != nil {
		return err
	}
	for name, h := range gw.Streams() {
		p := &streams.Poller{DB: clients.DynamoDB, Streams: sc, Table: localTable, Handler: h, Filter: gw.StreamFilter(name), Log: log.With("function", name)}
		go func() {
			if err := p.Run(ctx); err != nil {
				log.Error("stream poller stopped", "function", name, "error", err.Error())
			}
		}()
	}

	mux := http.NewServeMux()
	mux.Handle("/", gw)
	campaigns, err := campaign.LoadDir(env["CAMPAIGNS_DIR"]) // the gateway loaded them too: they are valid
	if err != nil {
		return err
	}
	site := landing.Handler("/leads", env["PRIVACY_NOTICE_URL"], landing.RequiredBy(campaigns))
	mux.Handle("GET /{$}", site)
	mux.HandleFunc("GET /_local/leads", func(w http.ResponseWriter, r *http.Request) { listLeads(w, r, clients.DynamoDB, clock, *speed) })
	mux.HandleFunc("GET /_local/info", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"SES": st.SES, "DynamoDB": st.DynamoDB, "Table": localTable, "S3": st.S3, "Bucket": localBucket,
			"Speed": strconv.FormatFloat(*speed, 'g', -1, 64)})
	})
	// POST /_local/schedule/{function} fires a function's schedules now,
	// as EventBridge does at their next run (make demo: the weekly
	// digests without waiting a week; each goes once per week anyway).
	mux.HandleFunc("POST /_local/schedule/{function}", func(w http.ResponseWriter, r *http.Request) {
		fired := 0
		for _, s := range gw.Schedules() {
			if s.Function != r.PathValue("function") {
				continue
			}
			if err := s.Fire(r.Context()); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			fired++
		}
		if fired == 0 {
			http.Error(w, "no schedule of function "+r.PathValue("function"), http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	mux.Handle("POST /_local/eventbridge", bus)
	mux.HandleFunc("GET /_local/events-out", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(bus.Events())
	})
	db := store.New(clients.DynamoDB, localTable)
	mux.HandleFunc("POST /_local/ses/{kind}", func(w http.ResponseWriter, r *http.Request) { simulateSES(w, r, gw, db, root, clock) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()

	// make leads, demo, bounce … find this stack without URL=.
	urlNote := "make leads/demo/bounce use it; removed at stop"
	if other == "" {
		if err := os.WriteFile(urlFile, []byte(base+"\n"), 0o644); err != nil {
			return err
		}
		defer removeIfOurs(urlFile, base)
	} else {
		urlNote = "names the stack at " + other + ", which was running first: make leads URL=" + base + " reaches this one"
	}

	rel := func(p string) string {
		if r, err := filepath.Rel(root, p); err == nil {
			return r
		}
		return p
	}
	fmt.Printf(`
leadflow local stack is running
  Landing page  %s/   (campaign pages from config/campaigns: %s/c/q4-demo, %s/c/webinar-nov)
  API           %s   (routes from template.yaml below)
  Leads         make leads   (a table; FORMAT=json or %s/_local/leads for the raw view)
  Mailbox UI    %s/   (every email the functions sent: alerts, confirmations, nurture)
  DynamoDB      %s   (table %s%s)
  S3            %s/%s   (segment exports: POST /reports/segments/export writes them now)
  Clock speed   %s
  SES events    Send events for every email (from the SES proxy); make bounce EMAIL=… | make complaint EMAIL=… | make soft-bounce EMAIL=…
  Events out    %s/_local/events-out   (lead.captured, lead.hot, … as published)
  Config        %s   (read at start: restart after an edit)
  Log           %s   (%s)
  This URL      %s   (%s)
`, base, base, base, base, base, st.SES, st.DynamoDB, localTable, map[bool]string{true: ", kept in .local-data/", false: ", in memory"}[*persist],
		st.S3, localBucket,
		speedMeaning(*speed)+resumedNote(resumed, startClock), base, configLine(rel, *qualifyPath, *sequencesPath), rel(logPath), map[bool]string{true: "the whole JSON log, also shown below (V=1)", false: "the whole JSON log; below, one line per business event; make run V=1 shows the raw log instead"}[*verbose], rel(urlFile), urlNote)
	for _, r := range gw.Routes() {
		fmt.Println("    " + r)
	}
	for _, s := range gw.Schedules() {
		if s.Next != nil {
			fmt.Printf("    schedule %-18s → %s (next %s in product time, then every %s of wall time)\n", s.Expression, s.Function,
				s.Next(clock()).Format("Mon 2 Jan 15:04 UTC"), wall(s.Every, *speed))
			continue
		}
		every := wall(s.Every, *speed)
		if float64(s.Every) / *speed < float64(100*time.Millisecond) {
			every = "100ms (the floor: " + shortDur(time.Duration(float64(100*time.Millisecond)**speed)) + " of product time)"
		}
		fmt.Printf("    schedule %-18s → %s (every %s of wall time)\n", s.Expression, s.Function, every)
	}
	fmt.Println(map[bool]string{true: "Ctrl-C stops everything. The log:", false: "Ctrl-C stops everything. Business events:"}[*verbose])
	<-ctx.Done()
	fmt.Println("\nstopping…")
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// listen listens on addr and, when addrFile is set, writes the address it
// got there (whole: a reader polling for the file never sees half of it).
func listen(addr, addrFile string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (%v): pass -addr 127.0.0.1:PORT or ADDR=... to make run", addr, err)
	}
	if addrFile == "" {
		return ln, nil
	}
	tmp := addrFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
		ln.Close()
		return nil, fmt.Errorf("-addr-file: %v", err)
	}
	if err := os.Rename(tmp, addrFile); err != nil {
		ln.Close()
		return nil, fmt.Errorf("-addr-file: %v", err)
	}
	return ln, nil
}

// localConfigs checks the qualification config and the nurture sequences
// a developer asked the stack to run (make run CONFIG=… SEQUENCES=…;
// empty: the embedded defaults) and says what the functions get: the
// variables the template fills from QualifyConfig and NurtureConfig, as
// absolute paths, and the rules, for the terminal's rep and reason names.
// Every problem of both files comes back at once, as file:line: message.
func localConfigs(qualifyPath, sequencesPath string) (map[string]string, *qualify.Config, error) {
	env := map[string]string{}
	var problems []string
	rules := qualify.Default()
	if qualifyPath != "" {
		var err error
		if rules, err = qualify.Load(qualifyPath); err != nil {
			problems = append(problems, err.Error())
		}
		env["QUALIFY_CONFIG"], _ = filepath.Abs(qualifyPath)
	}
	if sequencesPath != "" {
		if _, err := nurture.Load(sequencesPath); err != nil {
			problems = append(problems, err.Error())
		}
		env["NURTURE_CONFIG"], _ = filepath.Abs(sequencesPath)
	}
	if len(problems) > 0 {
		return nil, nil, configProblems(strings.TrimRight(strings.Join(problems, "\n"), "\n"))
	}
	return env, rules, nil
}

// configProblems are the file:line: message lines of the configs make run
// was given, the whole story of why it did not start.
type configProblems string

func (p configProblems) Error() string { return string(p) }

// configLine says which marketing config the functions run, for the
// banner.
func configLine(rel func(string) string, qualifyPath, sequencesPath string) string {
	name := func(p, variable string) string {
		if p == "" {
			return "embedded default (" + variable + "=your copy)"
		}
		abs, _ := filepath.Abs(p)
		return rel(abs)
	}
	return "rules " + name(qualifyPath, "CONFIG") + ", sequences " + name(sequencesPath, "SEQUENCES") + ", config/campaigns, config/segments"
}

// wall is how much wall time a span of product time takes at a speed, as
// a person reads it (2h48m, 24m, 1s, 100ms).
func wall(d time.Duration, speed float64) string {
	if speed <= 0 {
		speed = 1
	}
	w := time.Duration(float64(d) / speed)
	if w < time.Second {
		return w.Round(time.Millisecond).String()
	}
	return shortDur(w)
}

// speedMeaning says what a clock speed-up means in wall time.
func speedMeaning(speed float64) string {
	if speed == 1 {
		return "x1 (real time: a 5-minute SLA takes 5 minutes)"
	}
	return fmt.Sprintf("x%g: 1 wall second is %s of product time; an hour passes in %s, a day in %s, a week in %s (SLAs, link lifetimes, nurture waits and digests run that fast)",
		speed, shortDur(time.Duration(float64(time.Second)*speed)), wall(time.Hour, speed), wall(24*time.Hour, speed), wall(7*24*time.Hour, speed))
}

// resumedNote says, for the banner's clock line, that a persistent
// stack's product time goes on from the last run's.
func resumedNote(resumed bool, at time.Time) string {
	if !resumed {
		return ""
	}
	return "; product time goes on from " + at.Local().Format("Mon 2 Jan 15:04 MST") + ", where the last PERSIST=1 run's clock stopped (rm -r .local-data/dynamodb starts afresh)"
}

// runningStack is the URL recorded in the URL file when a stack answers
// there; "" when none does (no file, or one left by a stack that died).
func runningStack(urlFile string) string {
	b, err := os.ReadFile(urlFile)
	if err != nil {
		return ""
	}
	u := strings.TrimSpace(string(b))
	c := &http.Client{Timeout: time.Second}
	resp, err := c.Get(u + "/_local/info")
	if err != nil {
		return ""
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return u
}

// removeIfOurs removes the URL file unless another stack wrote its own
// since.
func removeIfOurs(path, base string) {
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == base {
		_ = os.Remove(path)
	}
}

func ensureTable(ctx context.Context, db *dynamodb.Client, tmpl *sam.Template) error {
	_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(localTable)})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return testenv.CreateTable(ctx, db, tmpl, localTable)
	}
	return err
}

// listLeads is a development view of stored leads, newest first, with
// the stack's clock ("now": product time, which SPEED runs fast). It
// scans the table, which the product itself never does; it exists only
// in the local stack. Zero times are left out.
func listLeads(w http.ResponseWriter, r *http.Request, db *dynamodb.Client, clock func() time.Time, speed float64) {
	var leads []lead.Lead
	err := store.New(db, localTable).ScanLeads(r.Context(), func(l lead.Lead) error {
		leads = append(leads, l)
		return nil
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sort.Slice(leads, func(i, j int) bool { return leads[i].ID > leads[j].ID })
	if leads == nil {
		leads = []lead.Lead{}
	}
	b, err := json.Marshal(leadList{Now: clock(), Speed: speed, Count: len(leads), Leads: leads})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var v any
	_ = json.Unmarshal(b, &v)
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(publish.DropZeroTimes(v))
}

// simulateSES feeds a sample SES event (events/ses-<kind>.json) for one
// address to the function the template subscribes to SES events, as
// EventBridge would in AWS, and answers what changed: the address's lead
// and suppression entry are read before and after.
func simulateSES(w http.ResponseWriter, r *http.Request, gw *gateway.Gateway, db *store.Store, root string, clock func() time.Time) {
	kind, raw := r.PathValue("kind"), r.URL.Query().Get("email")
	files := map[string]string{"bounce": "ses-bounce-permanent.json", "soft-bounce": "ses-bounce-transient.json",
		"complaint": "ses-complaint.json", "delivery": "ses-delivery.json"}
	if files[kind] == "" || strings.TrimSpace(raw) == "" {
		http.Error(w, "use POST /_local/ses/{bounce|soft-bounce|complaint|delivery}?email=ADDRESS", http.StatusBadRequest)
		return
	}
	// As the lead was stored and mailed (SES reports the address it sent
	// to): Ann@Bücher.example is ann@xn--bcher-kva.example.
	email, problem := lead.NormaliseEmail(raw)
	if problem != "" {
		http.Error(w, "email "+problem, http.StatusBadRequest)
		return
	}
	b, err := os.ReadFile(filepath.Join(root, "events", files[kind]))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var detail map[string]any
	_ = json.Unmarshal(ev.Detail, &detail)
	mail := detail["mail"].(map[string]any)
	mail["destination"] = []string{email}
	mail["messageId"] = fmt.Sprintf("local-%d", clock().UnixNano())
	delete(mail["tags"].(map[string]any), "lead") // found by address
	for _, k := range []string{"bounce", "complaint"} {
		if sub, ok := detail[k].(map[string]any); ok {
			for _, list := range []string{"bouncedRecipients", "complainedRecipients"} {
				if rs, ok := sub[list].([]any); ok && len(rs) > 0 {
					rs[0].(map[string]any)["emailAddress"] = email
				}
			}
		}
	}
	ev.Detail, _ = json.Marshal(detail)
	ev.Time = clock()

	hash := lead.HashEmail(email)
	before, err := addressState(r.Context(), db, hash)
	if err != nil {
		http.Error(w, "reading the lead before: "+err.Error(), http.StatusInternalServerError)
		return
	}
	fns := gw.ListenersFor(ev.DetailType)
	if len(fns) == 0 {
		http.Error(w, "no function in template.yaml takes "+ev.DetailType+" events", http.StatusInternalServerError)
		return
	}
	for _, fn := range fns {
		if err := gw.Inject(r.Context(), fn, ev); err != nil {
			http.Error(w, fn+": "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	after, err := addressState(r.Context(), db, hash)
	if err != nil {
		http.Error(w, "reading the lead after: "+err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, describeSES(kind, email, before, after))
}

// addressState reads an address's lead (nil: none) and whether the
// address is on the suppression list.
func addressState(ctx context.Context, db *store.Store, hash string) (state, error) {
	var s state
	l, err := db.LeadByEmail(ctx, hash)
	switch {
	case err == nil:
		s.Lead = &l
	case !errors.Is(err, lead.ErrNotFound):
		return s, err
	}
	s.Suppressed, err = db.Suppressed(ctx, hash)
	return s, err
}
