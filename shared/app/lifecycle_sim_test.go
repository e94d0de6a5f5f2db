package app_test

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/local/eventbus"
	"github.com/leadflow/leadflow/local/sesproxy"
	"github.com/leadflow/leadflow/local/streams"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/publish"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestLifecycleSimulation runs at least 500 leads through 120 simulated
// days with the real handlers on the emulators: first and repeat
// submissions, clicks, sales answers with every reject reason (and none),
// outcomes weeks later by link and from a CRM, bounces, complaints,
// unsubscribes and erasures, with the nurture tick several times a day.
// After every day it checks the invariants a company relies on and fails
// naming the lead and the day; it prints one summary line per month.
// SIM_SEED picks another seeded run; SIM_DAYS=n (under 120) a shorter one,
// to try a change quickly (without the 500-lead minimum).
func TestLifecycleSimulation(t *testing.T) {
	if os.Getenv("LEADFLOW_SIM") == "apart" {
		t.Skip("make test runs the simulation on its own after the suite (make sim)")
	}
	seed := uint64(20261203)
	if s, err := strconv.ParseUint(os.Getenv("SIM_SEED"), 10, 64); err == nil {
		seed = s
	}
	days := simDays
	if n, err := strconv.Atoi(os.Getenv("SIM_DAYS")); err == nil && n > 0 && n < simDays {
		days = n
	}
	sim := newSim(t, seed)
	defer func() {
		if t.Failed() {
			for _, b := range sim.logs {
				for _, line := range strings.Split(b.String(), "\n") {
					if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"level":"WARN"`) || os.Getenv("SIM_DEBUG") != "" && strings.Contains(line, os.Getenv("SIM_DEBUG")) {
						t.Log(line)
					}
				}
			}
		}
	}()
	for day := 0; day < days; day++ {
		sim.plan(day)
		sim.runDay(day)
		sim.check(day)
		if (day+1)%30 == 0 || day == days-1 {
			sim.summary(day)
		}
	}
	t.Logf("wall time: ticks %s, stream to bus %s, daily checks %s", sim.timing["ticks"].Round(time.Millisecond),
		sim.timing["stream"].Round(time.Millisecond), sim.timing["checks"].Round(time.Millisecond))
	if n := len(sim.leads); n < 500 && days == simDays {
		t.Fatalf("only %d leads simulated, want at least 500", n)
	}
	sim.finalChecks()
}

const simDays = 120

// simStart is a Monday 07:00 UTC (08:00 in Berlin, the leads' zone).
var simStart = time.Date(2027, 1, 4, 7, 0, 0, 0, time.UTC)

type simLead struct {
	id, email string
	campaign  string
	// consentFrom is when the lead got marketing consent: its creating
	// form under single opt-in, or its confirmation link (zero: never).
	// A later form neither gives nor withdraws it.
	consentFrom time.Time
	confirms    []time.Time // confirmation emails received
	optedOut    time.Time   // when the simulation unsubscribed, bounced, complained or erased it
	erased      bool
	alerts      []time.Time // alert emails received
	answered    []bool      // per alert: sales answered it at all
	sentBack    time.Time   // last reject back to nurture
	nurture     []time.Time // nurture emails, in order
	asked       []time.Time // forms posted while sales held its deal or had won it
	notices     []time.Time // notices to its rep that it asked again
}

func (l *simLead) consentAt(at time.Time) bool {
	return !l.consentFrom.IsZero() && !at.Before(l.consentFrom)
}

// sent is one email SES accepted, from its Send event.
type sent struct {
	at                  time.Time
	to, lead, kind, job string
}

type action struct {
	at  time.Time
	seq int
	do  func()
}

type actions []action

func (a actions) Len() int { return len(a) }
func (a actions) Less(i, j int) bool {
	return a[i].at.Before(a[j].at) || a[i].at.Equal(a[j].at) && a[i].seq < a[j].seq
}
func (a actions) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a *actions) Push(x any)   { *a = append(*a, x.(action)) }
func (a *actions) Pop() any {
	old := *a
	x := old[len(old)-1]
	*a = old[:len(old)-1]
	return x
}

type sim struct {
	t     *testing.T
	ctx   context.Context
	rng   *rand.Rand
	clock *clockAt
	table string
	st    *store.Store
	keys  token.Keys
	h     map[string]app.Handlers

	proxy  *sesproxy.Proxy
	mu     sync.Mutex
	mails  []sent
	seen   int // mails already checked
	bus    *eventbus.Bus
	poller *streams.Poller
	// touched are the leads the table's stream showed changed today:
	// changedProfile, insertedEvents or both.
	touched map[string]int
	// sales are each lead's handoff and SLA-breach events.
	sales map[string][2]int

	queue   actions
	seq     int
	leads   []*simLead
	byID    map[string]*simLead
	tallies map[string]map[string]int64 // lead → "campaign|month|counter" → n
	reasons []string
	stats   map[string]int
	logs    []*bytes.Buffer
	// sentBy counts emails per lead and kind; steps the nurture steps
	// each lead got; published the bus events by id (all kept up to
	// date incrementally: the checks run every day).
	sentBy map[string]int
	steps  map[string]time.Time // lead + job → when it was sent
	// afresh are the jobs' prefixes of the sequences a send-back starts
	// afresh (entry sent_back: nurture.Config.Reopen): their steps come
	// once per send-back.
	afresh    []string
	published map[string]int
	cameBack  map[string]bool // stage events of leads that came back (lost or opted out → mql)
	busSeen   int
	timing    map[string]time.Duration
	records   int // stream records handled
	lastTick  time.Time
}

func newSim(t *testing.T, seed uint64) *sim {
	s := &sim{t: t, ctx: context.Background(), rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), clock: &clockAt{t: simStart},
		touched: map[string]int{}, sales: map[string][2]int{}, byID: map[string]*simLead{}, tallies: map[string]map[string]int64{}, stats: map[string]int{},
		sentBy: map[string]int{}, steps: map[string]time.Time{}, afresh: sentBackJobs(), published: map[string]int{}, cameBack: map[string]bool{}, timing: map[string]time.Duration{}}
	if len(s.afresh) == 0 {
		t.Fatal("no default sequence starts afresh on a send-back (entry sent_back): the step check below assumes not-now does")
	}
	s.table = testenv.NewTable(t)
	s.st = store.New(testenv.Clients(t).DynamoDB, s.table)
	s.keys, _ = token.ParseKeys(testKeys)
	for _, r := range qualify.Default().RejectReasons() {
		s.reasons = append(s.reasons, r.Code)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s.bus = eventbus.New(quiet)
	busSrv := httptest.NewServer(s.bus)
	t.Cleanup(busSrv.Close)

	// SES: the proxy records every accepted email and delivers its Send
	// event to sesevents, as in AWS.
	ses, _, sesLogs := buildAt(t, "sesevents", map[string]string{"LOG_LEVEL": "debug"}, s.clock.now, s.table)
	s.logs = append(s.logs, sesLogs)
	s.proxy = &sesproxy.Proxy{Target: testenv.Get(t).SES, Clock: s.clock.now, Log: logx.New(t.Output(), "ses-proxy", "error"),
		Deliver: func(ctx context.Context, ev events.EventBridgeEvent) error {
			s.record(ev)
			return ses.Event(ctx, ev)
		}}
	sesSrv := httptest.NewServer(s.proxy)
	t.Cleanup(func() { s.proxy.Wait(); sesSrv.Close() })
	env := map[string]string{"SES_ENDPOINT": sesSrv.URL, "PUBLIC_BASE_URL": "https://leads.example.com",
		"EVENTBRIDGE_ENDPOINT": busSrv.URL, "EVENT_BUS_NAME": "leads-sim"}
	s.h = map[string]app.Handlers{"sesevents": ses}
	for _, name := range []string{"capture", "nurture", "feedback", "track", "unsubscribe", "privacy", "publisher"} {
		h, _, logs := buildAt(t, name, env, s.clock.now, s.table)
		s.h[name] = h
		s.logs = append(s.logs, logs)
		if name == "publisher" {
			sc, err := streams.NewClient(s.ctx, testenv.Get(t).DynamoDB)
			if err != nil {
				t.Fatal(err)
			}
			stream := h.Stream
			s.poller = &streams.Poller{DB: testenv.Clients(t).DynamoDB, Streams: sc, Table: s.table, Log: quiet, Filter: testenv.StreamFilter(t, "publisher"),
				Handler: func(ctx context.Context, ev events.DynamoDBEvent) error {
					for _, r := range ev.Records {
						if pk := r.Change.Keys["PK"].String(); strings.HasPrefix(pk, "LEAD#") {
							what := changedProfile
							if _, pending := r.Change.NewImage["pending"]; pending {
								what |= insertedEvents // a write carrying its events
							}
							if strings.HasPrefix(r.Change.Keys["SK"].String(), "EVT#") {
								what = insertedEvents
							}
							s.touched[strings.TrimPrefix(pk, "LEAD#")] |= what
						}
					}
					s.records += len(ev.Records)
					return stream(ctx, ev)
				}}
		}
	}
	return s
}

// record keeps an accepted email (from its Send event).
func (s *sim) record(ev events.EventBridgeEvent) {
	var d struct {
		Mail struct {
			Timestamp   time.Time           `json:"timestamp"`
			Destination []string            `json:"destination"`
			Tags        map[string][]string `json:"tags"`
		} `json:"mail"`
	}
	_ = json.Unmarshal(ev.Detail, &d)
	tag := func(k string) string {
		if v := d.Mail.Tags[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	to := ""
	if len(d.Mail.Destination) > 0 {
		to = d.Mail.Destination[0]
	}
	s.mu.Lock()
	s.mails = append(s.mails, sent{at: d.Mail.Timestamp, to: to, lead: tag("lead"), kind: tag("kind"), job: tag("job")})
	s.mu.Unlock()
}

func (s *sim) at(at time.Time, do func()) {
	s.seq++
	heap.Push(&s.queue, action{at: at, seq: s.seq, do: do})
}

func (s *sim) dayStart(day int) time.Time { return simStart.Add(time.Duration(day) * 24 * time.Hour) }

func (s *sim) chance(p float64) bool { return s.rng.Float64() < p }

func (s *sim) minutes(from, to int) time.Duration {
	return time.Duration(from+s.rng.IntN(to-from+1)) * time.Minute
}

// plan queues a day's ticks, submissions and erasures.
func (s *sim) plan(day int) {
	start := s.dayStart(day)
	weekend := start.Weekday() == time.Saturday || start.Weekday() == time.Sunday
	// The tick runs twice a day on weekdays (09:30 and 15:30 in Berlin),
	// once at weekends: alerts go out with the capture itself, so the
	// tick only sends nurture steps, escalations and reminders.
	ticks := []time.Duration{90 * time.Minute, 450 * time.Minute}
	if weekend {
		ticks = []time.Duration{270 * time.Minute}
	}
	for i, d := range ticks {
		id := fmt.Sprintf("sim-%d-%d", day, i)
		s.at(start.Add(d), func() {
			defer s.took("ticks", time.Now())
			s.lastTick = s.clock.now()
			if err := s.h["nurture"].Event(s.ctx, tickEvent(id)); err != nil {
				s.t.Fatalf("day %d: tick: %v", day, err)
			}
			s.afterSends(day)
		})
	}
	n := 6
	if weekend {
		n = 3
	}
	for range n {
		s.at(start.Add(s.minutes(10, 600)), func() { s.submit(day) })
	}
	if day%9 == 4 && len(s.leads) > 0 {
		l := s.leads[s.rng.IntN(len(s.leads))]
		s.at(start.Add(s.minutes(60, 600)), func() { s.erase(day, l) })
	}
}

func (s *sim) runDay(day int) {
	end := s.dayStart(day + 1)
	for s.queue.Len() > 0 && s.queue[0].at.Before(end) {
		a := heap.Pop(&s.queue).(action)
		if d := a.at.Sub(s.clock.now()); d > 0 {
			s.clock.add(d)
		}
		a.do()
	}
	if d := end.Sub(s.clock.now()); d > 0 {
		s.clock.add(d)
	}
}

// submit posts a new lead (hot, warm/cold with or without consent, a job
// seeker) or a repeat submission of a known one.
func (s *sim) submit(day int) {
	var l *simLead
	repeat := len(s.leads) > 20 && s.chance(0.12)
	if repeat {
		l = s.leads[s.rng.IntN(len(s.leads))]
		if l.erased {
			return
		}
	} else {
		n := len(s.leads)
		l = &simLead{email: fmt.Sprintf("sim%d.%d@lead%d.example", n, s.rng.IntN(1e6), n%37)}
	}
	var body, campaign string
	consent := false
	switch r := s.rng.Float64(); {
	case r < 0.22:
		body, campaign = hotBody(l.email, []string{"51-200", "201-1000", "1000+"}[s.rng.IntN(3)]), "q4-demo"
	case r < 0.46:
		body, consent, campaign = coldBody(l.email), true, "newsletter-q4" // single opt-in
	case r < 0.70:
		// No campaign file: double opt-in, a confirmation email first.
		body, consent, campaign = strings.Replace(coldBody(l.email), "newsletter-q4", "newsletter-eu", 1), true, "newsletter-eu"
	case r < 0.90:
		body, campaign = strings.Replace(coldBody(l.email), `"consent":true`, `"consent":false`, 1), "newsletter-q4"
	default:
		body, campaign = `{"email":"`+l.email+`","company":"None","company_size":"1-10","message":"Do you have any vacancy? My CV is attached.","campaign":"q4-demo"}`, "q4-demo"
	}
	// A form the lead sent within the repeat window again is one
	// engagement with it: no notice to its rep.
	held := repeat && s.heldOrWon(l) && !s.repeatsForm(l, body)
	resp, err := s.h["capture"].HTTP(s.ctx, jsonLead(body))
	if err != nil || resp.StatusCode/100 != 2 {
		s.t.Fatalf("day %d: capture %s: %v %d %s", day, l.email, err, resp.StatusCode, resp.Body)
	}
	if held {
		l.asked = append(l.asked, s.clock.now())
		s.stats["asked"]++
	}
	if !repeat && consent && campaign == "newsletter-q4" {
		l.consentFrom = s.clock.now()
	}
	if !repeat {
		created := struct{ ID string }{capturedID(s.t, s.table, l.email)}
		l.id, l.campaign = created.ID, campaign
		s.leads = append(s.leads, l)
		s.byID[l.id] = l
		s.stats["leads"]++
	} else {
		s.stats["repeats"]++
	}
	s.afterSends(day)
}

// afterSends reacts to the emails sent since the last call: sales
// answers alerts, leads click, bounce, complain or unsubscribe.
func (s *sim) afterSends(day int) {
	s.proxy.Wait()
	s.mu.Lock()
	fresh := s.mails[s.seen:]
	s.seen = len(s.mails)
	s.mu.Unlock()
	for _, m := range fresh {
		s.sentBy[m.lead+" "+m.kind]++
		l := s.byID[m.lead]
		if m.kind == "nurture" {
			// Each nurture step reaches a lead at most once — once per
			// send-back for the sequences a send-back starts afresh.
			k := m.lead + " " + m.job
			if first, ok := s.steps[k]; ok && !(l != nil && l.sentBack.After(first) && s.startsAfresh(m.job)) {
				var back time.Time
				if l != nil {
					back = l.sentBack
				}
				s.t.Fatalf("lead %s got nurture step %s twice (at %s and %s; last sent back %s)", m.lead, m.job, first, m.at, back)
			}
			if _, again := s.steps[k]; again {
				s.stats["afresh"]++
			}
			s.steps[k] = m.at
		}
		if l == nil {
			continue
		}
		switch m.kind {
		case "sales_handoff":
			l.alerts = append(l.alerts, m.at)
			l.answered = append(l.answered, false)
			s.stats["alerts"]++
			s.answer(day, l, len(l.alerts)-1, m.at)
		case "sales_escalation":
			s.stats["escalations"]++
		case "sales_outcome_reminder":
			s.stats["reminders"]++
		case "sales_asked_again":
			// At most one a day per lead, and only after it asked.
			if n := len(l.notices); n > 0 && m.at.Sub(l.notices[n-1]) < lead.AskedNoticeGap {
				s.t.Fatalf("lead %s: two notices that it asked again within a day (%s, %s): %v", l.id, l.notices[n-1], m.at, s.jobsOf(l.id))
			}
			if len(l.asked) == 0 || m.at.Before(l.asked[0]) {
				s.t.Fatalf("lead %s: a notice that it asked again at %s, before any form it sent while held: %v", l.id, m.at, s.jobsOf(l.id))
			}
			l.notices = append(l.notices, m.at)
			s.stats["asked notices"]++
		case "nurture":
			l.nurture = append(l.nurture, m.at)
			s.stats["nurture"]++
			s.react(l, m.at)
		case "optin_confirmation":
			if n := len(l.confirms); n > 0 && m.at.Sub(l.confirms[n-1]) < lead.ConfirmationInterval {
				s.t.Fatalf("lead %s got two confirmation emails within a day (%s, %s)", l.id, l.confirms[n-1], m.at)
			}
			l.confirms = append(l.confirms, m.at)
			s.stats["confirmations"]++
			if s.chance(0.7) {
				s.at(m.at.Add(s.minutes(2, 600)), func() { s.confirm(l) })
			}
		}
	}
}

// confirm is the person using the link of their confirmation email.
func (s *sim) confirm(l *simLead) {
	cur, err := s.st.Lead(s.ctx, l.id)
	if err != nil || cur.OptIn == nil {
		return // unsubscribed, erased, or confirmed meanwhile
	}
	u := links.Confirm(s.keys, "https://leads.example.com", l.id, cur.OptIn.ID, s.clock.now().Add(lead.ConfirmationTTL))
	ev := sampleEvent(s.t, "unsubscribe-optin-confirm.json")
	ev.PathParameters = map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}
	r, err := s.h["unsubscribe"].HTTP(s.ctx, ev)
	if err != nil || r.StatusCode >= 500 {
		s.t.Fatalf("lead %s: confirm: %v %+v", l.id, err, r)
	}
	if strings.Contains(r.Body, "you are subscribed") {
		if l.consentFrom.IsZero() {
			l.consentFrom = s.clock.now()
		}
		s.stats["confirmed"]++
	}
}

// answer plans sales' answer to an alert: accept, reject with any of the
// configured reasons, or nothing (the SLA escalation follows).
func (s *sim) answer(day int, l *simLead, i int, at time.Time) {
	r := s.rng.Float64()
	if r < 0.2 {
		return // nobody answers
	}
	when := at.Add(s.minutes(1, 240))
	tokFor := func(action, extra string, now time.Time, ttl time.Duration) string {
		return links.FeedbackToken(s.keys, l.id, action, extra, time.Time{}, now.Add(ttl))
	}
	if r < 0.65 {
		s.at(when, func() {
			if s.post(day, l, tokFor(links.ActionAccept, "", s.clock.now(), links.AlertTTL)) {
				l.answered[i] = true
				s.stats["accepted"]++
				s.outcome(day, l)
				s.maybeAsk(day, l)
			}
		})
		return
	}
	reason := s.reasons[s.rng.IntN(len(s.reasons))]
	s.at(when, func() {
		if s.post(day, l, tokFor(links.ActionReject, reason, s.clock.now(), links.AlertTTL)) {
			l.answered[i] = true
			s.stats["rejected"]++
			if r, _ := qualify.Default().RejectReason(reason); r.Action == qualify.ActionNurture {
				l.sentBack = s.clock.now()
			}
		}
	})
}

// outcome plans what happens to an accepted lead weeks later.
func (s *sim) outcome(day int, l *simLead) {
	r := s.rng.Float64()
	if r < 0.2 {
		return // no outcome: the rep gets a reminder
	}
	stages := [][]string{{"sql", "won"}, {"won"}, {"lost"}, {"sql", "lost"}}[s.rng.IntN(4)]
	// A CRM names each event once: a deal of a lead that came back gets
	// events of its own (the ids of the lost deal's stay applied).
	round := len(l.alerts)
	at := s.clock.now()
	for _, stage := range stages {
		at = at.Add(time.Duration(3+s.rng.IntN(40)) * 24 * time.Hour).Add(s.minutes(0, 300))
		stage := stage
		s.at(at, func() {
			if s.rng.IntN(2) == 0 {
				ok := s.post(day, l, links.FeedbackToken(s.keys, l.id, stage, "", time.Time{}, s.clock.now().Add(time.Hour)))
				if ok {
					s.stats[stage]++
					s.maybeComeBack(day, l, stage == "lost")
				}
				return
			}
			detail := fmt.Sprintf(`{"lead_id":%q,"stage":%q,"event_id":"crm-%s-%s-%d"}`, l.id, stage, l.id, stage, round)
			if stage == "won" {
				detail = fmt.Sprintf(`{"email":%q,"stage":"won","amount":%d,"currency":"EUR","event_id":"crm-%s-won-%d"}`, l.email, 1000*(1+s.rng.IntN(50)), l.id, round)
			}
			ev := events.EventBridgeEvent{ID: fmt.Sprintf("crm-ev-%d", s.seq), DetailType: "leadflow.outcome", Source: "crm.sim", Detail: json.RawMessage(detail)}
			for range 1 + s.rng.IntN(2) { // delivered once or twice
				if err := s.h["feedback"].Event(s.ctx, ev); err != nil {
					s.t.Fatalf("lead %s: CRM outcome: %v", l.id, err)
				}
			}
			s.stats[stage]++
			s.maybeComeBack(day, l, stage == "lost")
		})
	}
}

// maybeAsk: a third of the accepted leads write again, one to thirty
// days later, some twice within a few hours: their rep is told.
func (s *sim) maybeAsk(day int, l *simLead) {
	if !s.chance(0.33) {
		return
	}
	first := s.clock.now().Add(time.Duration(1+s.rng.IntN(30)) * 24 * time.Hour).Add(s.minutes(0, 480))
	times := []time.Time{first}
	if s.chance(0.4) {
		times = append(times, first.Add(s.minutes(10, 600)))
	}
	for _, at := range times {
		s.at(at, func() {
			if l.erased || !s.heldOrWon(l) {
				return // its deal was lost meanwhile: a form is then qualification's
			}
			body := strings.Replace(hotBody(l.email, "201-1000"), `"form_type":"demo_request"`, `"form_type":"contact"`, 1)
			again := s.repeatsForm(l, body) // the same words hours later: one engagement, no notice
			if resp, err := s.h["capture"].HTTP(s.ctx, jsonLead(body)); err != nil || resp.StatusCode/100 != 2 {
				s.t.Fatalf("day %d: capture %s asking again: %v %d %s", day, l.id, err, resp.StatusCode, resp.Body)
			}
			if again {
				s.stats["asked again, repeated"]++
				return
			}
			l.asked = append(l.asked, s.clock.now())
			s.stats["repeats"]++
			s.stats["asked"]++
			s.afterSends(-1)
		})
	}
}

// heldOrWon reports whether sales holds the lead's deal (SAL, SQL) or won it.
// repeatsForm says whether posting body now sends a form the lead sent
// within the repeat window again (lead.RepeatsForm on the lead as
// stored; the sim's bodies of one form type and campaign say the same
// words, so no repeat carries a new message).
func (s *sim) repeatsForm(l *simLead, body string) bool {
	cur, err := s.st.Lead(s.ctx, l.id)
	if err != nil {
		s.t.Fatalf("lead %s: %v", l.id, err)
	}
	var form struct {
		FormType string `json:"form_type"`
		Campaign string `json:"campaign"`
	}
	if err := json.Unmarshal([]byte(body), &form); err != nil {
		s.t.Fatal(err)
	}
	sub := lead.Submission{FormType: form.FormType, Source: lead.Attribution{Campaign: form.Campaign, At: s.clock.now()}}
	return cur.RepeatsForm(sub, qualify.DefaultRepeatWindow)
}

func (s *sim) heldOrWon(l *simLead) bool {
	cur, err := s.st.Lead(s.ctx, l.id)
	if err != nil {
		s.t.Fatalf("lead %s: %v", l.id, err)
	}
	return cur.Deal != nil && (cur.Stage == lead.StageSAL || cur.Stage == lead.StageSQL || cur.Stage == lead.StageWon)
}

// maybeComeBack: half the leads that left (a deal lost, an unsubscribe)
// ask for a demo again two to six weeks later.
func (s *sim) maybeComeBack(day int, l *simLead, left bool) {
	if !left || s.rng.IntN(2) == 0 {
		return
	}
	s.at(s.clock.now().Add(time.Duration(14+s.rng.IntN(29))*24*time.Hour).Add(s.minutes(0, 300)), func() {
		if l.erased {
			return
		}
		// It may have come back meanwhile, and sales hold it again: this
		// form is then one its rep is told of.
		held := s.heldOrWon(l) && !s.repeatsForm(l, hotBody(l.email, "201-1000"))
		if resp, err := s.h["capture"].HTTP(s.ctx, jsonLead(hotBody(l.email, "201-1000"))); err != nil || resp.StatusCode/100 != 2 {
			s.t.Fatalf("day %d: capture %s coming back: %v %d %s", day, l.id, err, resp.StatusCode, resp.Body)
		}
		if held {
			l.asked = append(l.asked, s.clock.now())
			s.stats["asked"]++
		}
		s.stats["repeats"]++
		s.afterSends(-1)
	})
}

// post submits a signed answer link; false when the lead moved on (an
// erased lead, an answer that came too late).
func (s *sim) post(day int, l *simLead, tok string) bool {
	ev := sampleEvent(s.t, "feedback-answer.json")
	ev.PathParameters = map[string]string{"token": tok}
	r, err := s.h["feedback"].HTTP(s.ctx, ev)
	if err != nil || r.StatusCode >= 500 {
		s.t.Fatalf("day %d: lead %s: feedback: %v %d %s", day, l.id, err, r.StatusCode, r.Body)
	}
	return r.StatusCode == 200 && strings.Contains(r.Body, "Recorded")
}

// react: a lead that got a nurture email may click, unsubscribe, bounce
// or complain.
func (s *sim) react(l *simLead, at time.Time) {
	switch r := s.rng.Float64(); {
	case r < 0.12:
		s.at(at.Add(s.minutes(5, 600)), func() {
			u := links.Click(s.keys, "https://leads.example.com", l.id, "https://www.example.com/demo", at) // the email's link
			tok := u[strings.LastIndex(u, "/")+1:]
			if r, err := s.h["track"].HTTP(s.ctx, trackRequest("GET /t/c/{token}", tok, "", nil)); err != nil || r.StatusCode >= 500 {
				s.t.Fatalf("lead %s: click: %v %+v", l.id, err, r)
			}
			s.stats["clicks"]++
			s.afterSends(-1)
		})
	case r < 0.14:
		s.at(at.Add(s.minutes(5, 600)), func() {
			ev := sampleEvent(s.t, "unsubscribe-oneclick.json")
			u := links.Unsubscribe(s.keys, "https://leads.example.com", l.id, s.clock.now())
			ev.PathParameters = map[string]string{"token": u[strings.LastIndex(u, "/")+1:]}
			if r, err := s.h["unsubscribe"].HTTP(s.ctx, ev); err != nil || r.StatusCode >= 500 {
				s.t.Fatalf("lead %s: unsubscribe: %v %+v", l.id, err, r)
			}
			s.optOut(l, "unsubscribes")
			s.maybeComeBack(-1, l, true)
		})
	case r < 0.155:
		file, what := "ses-bounce-permanent.json", "bounces"
		if r >= 0.15 {
			file, what = "ses-complaint.json", "complaints"
		}
		s.at(at.Add(s.minutes(1, 60)), func() {
			if err := s.h["sesevents"].Event(s.ctx, sesEvent(s.t, file, l.email, l.id, fmt.Sprintf("sim-%d", s.seq))); err != nil {
				s.t.Fatalf("lead %s: %s: %v", l.id, what, err)
			}
			s.optOut(l, what)
		})
	}
}

func (s *sim) optOut(l *simLead, what string) {
	if l.optedOut.IsZero() {
		l.optedOut = s.clock.now()
	}
	s.stats[what]++
}

func (s *sim) erase(day int, l *simLead) {
	if l.erased {
		return
	}
	r, err := s.h["privacy"].HTTP(s.ctx, adminRequest("POST /admin/erase", `{"email":"`+l.email+`"}`))
	if err != nil || r.StatusCode != 200 {
		s.t.Fatalf("day %d: lead %s: erase: %v %+v", day, l.id, err, r)
	}
	l.erased = true
	s.optOut(l, "erasures")
}

// check runs the invariants at the end of a day.
func (s *sim) check(day int) {
	t := s.t
	t.Helper()
	s.afterSends(day)
	s.touched = map[string]int{}
	s.drain(day)
	defer s.took("checks", time.Now())
	// Every email: none to an opted-out, unconsented or handed-off lead;
	// each nurture step once; the frequency cap held.
	for _, l := range s.leads {
		for i, at := range l.nurture {
			switch {
			case !l.optedOut.IsZero() && at.After(l.optedOut):
				t.Fatalf("day %d: lead %s got a nurture email at %s after opting out at %s", day, l.id, at, l.optedOut)
			case !l.consentAt(at):
				t.Fatalf("day %d: lead %s got a nurture email at %s without marketing consent", day, l.id, at)
			}
			for _, a := range l.alerts {
				if a.Before(at) && !l.sentBack.After(a) {
					t.Fatalf("day %d: lead %s got a nurture email at %s after its hand-off at %s: %v", day, l.id, at, a, s.jobsOf(l.id))
				}
			}
			if i >= 2 && at.Sub(l.nurture[i-2]) < 7*24*time.Hour {
				t.Fatalf("day %d: lead %s got 3 nurture emails within 7 days (%s, %s, %s): %v", day, l.id, l.nurture[i-2], l.nurture[i-1], at, s.jobsOf(l.id))
			}
		}
	}
	// What the table's stream carries (events on the bus, counters the
	// publisher records) arrives a moment after the writes: checked
	// again, after draining again, before a difference counts.
	var err error
	for try := 0; try < 50; try++ {
		if try > 0 {
			time.Sleep(100 * time.Millisecond)
			s.drain(day)
		}
		if err = s.streamed(day); err == nil {
			return
		}
	}
	t.Fatal(err)
}

// drain reads the table's stream until it stays quiet: DynamoDB Local
// shows a write's record a moment after the write, and the publisher's
// own writes (a send's events and counters) make records too.
func (s *sim) drain(day int) {
	defer s.took("stream", time.Now())
	for quiet := 0; quiet < 2; {
		before := s.records
		if err := s.poller.Drain(s.ctx); err != nil {
			s.t.Fatalf("day %d: stream: %v", day, err)
		}
		if s.records == before {
			quiet++
			time.Sleep(20 * time.Millisecond)
		} else {
			quiet = 0
		}
	}
}

// streamed checks what travels through the stream, for the leads it
// showed changed today.
func (s *sim) streamed(day int) error {
	t := s.t
	evs := s.bus.Events()
	for _, e := range evs[s.busSeen:] {
		var d struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(e.Detail, &d)
		if s.published[d.EventID]++; s.published[d.EventID] > 1 {
			t.Fatalf("day %d: event %s (%s) published twice", day, d.EventID, e.DetailType)
		}
	}
	s.busSeen = len(evs)
	published := s.published
	for id, what := range s.touched {
		l := s.byID[id]
		if l == nil {
			continue
		}
		if what&changedProfile != 0 {
			got, err := s.st.Lead(s.ctx, id)
			if err != nil {
				t.Fatalf("day %d: lead %s: %v", day, id, err)
			}
			if got.Stage == lead.StageNurturing && got.Consent.MarketingOptIn && got.Suppressed == "" &&
				(got.Nurture == nil || got.Nurture.NextAt.IsZero() && got.Nurture.NoSequence == "") {
				t.Fatalf("day %d: lead %s is nurturing with consent but has no next step and no recorded reason: %+v", day, id, got.Nurture)
			}
		}
		if what&insertedEvents != 0 {
			if err := s.timeline(day, id, l, published); err != nil {
				return err
			}
		}
		if sales := s.sales[id]; sales[0] != len(l.alerts) || sales[1] != s.sent(id, "sales_escalation") {
			return fmt.Errorf("day %d: lead %s: %d handoff events for %d alerts, %d SLA breaches for %d escalations", day, id,
				sales[0], len(l.alerts), sales[1], s.sent(id, "sales_escalation"))
		}
	}
	return s.countersMatch(day)
}

// What the stream showed of a lead.
const (
	changedProfile = 1 << iota
	insertedEvents
)

// timeline re-reads a lead's events: each published once, its counters
// tallied, its handoffs and breaches counted.
func (s *sim) timeline(day int, id string, l *simLead, published map[string]int) error {
	tl, err := s.st.Timeline(s.ctx, id)
	if err != nil {
		s.t.Fatalf("day %d: lead %s timeline: %v", day, id, err)
	}
	{
		tally := map[string]int64{}
		handoffs, breaches := 0, 0
		for _, e := range tl {
			if publish.Publishes(e) && published[e.ID] != 1 {
				return fmt.Errorf("day %d: lead %s: %s event %s (%v) published %d times", day, id, e.Kind, e.ID, e.Data, published[e.ID])
			}
			if c := counterOf[e.Kind]; c != "" {
				tally[l.campaign+"|"+e.At.UTC().Format("2006-01")+"|"+c]++
			}
			if implied, _ := e.Data[lead.DataSQLImplied].(bool); implied && e.Kind == "won" {
				// Won straight from SAL: the SQL it implies is counted
				// with it (feedback.ImpliesSQL).
				tally[l.campaign+"|"+e.At.UTC().Format("2006-01")+"|sql"]++
			}
			if e.Kind == handoff.EventReturned && e.At.After(l.sentBack) {
				// Nobody answered its alert in time: the product sent it
				// back to marketing itself (sla.return_unanswered).
				l.sentBack = e.At
				s.stats["returned"]++
			}
			if from := e.Data["from"]; e.Kind == lead.EventStage && e.Data["to"] == string(lead.StageMQL) &&
				(from == string(lead.StageLost) || from == string(lead.StageUnsubscribed)) && !s.cameBack[e.ID] {
				s.cameBack[e.ID] = true
				s.stats["came back"]++
			}
			handoffs += map[bool]int{true: 1}[e.Kind == "handoff"]
			breaches += map[bool]int{true: 1}[e.Kind == "sla_breach"]
		}
		s.tallies[id] = tally
		s.sales[id] = [2]int{handoffs, breaches}
	}
	return nil
}

// counterOf maps timeline events to the campaign counter each adds one to.
var counterOf = map[string]string{"captured": "leads", "accepted": "sal", "rejected": "rejected", "sql": "sql", "won": "won",
	"lost": "lost", "handoff": "handoffs", "sla_breach": "sla_breaches", "nurture_email": "nurture_sends", "outcome_reminder": "outcome_reminders",
	handoff.EventReturned: handoff.EventReturned}

// took adds the wall time since start to a part of the run.
func (s *sim) took(part string, start time.Time) { s.timing[part] += time.Since(start) }

func (s *sim) sent(leadID, kind string) int { return s.sentBy[leadID+" "+kind] }

// countersMatch compares every campaign counter the events imply with
// the counters reports read.
func (s *sim) countersMatch(day int) error {
	want := map[string]int64{}
	for _, tally := range s.tallies {
		for k, n := range tally {
			want[k] += n
		}
	}
	got := map[string]map[string]int64{}
	for k, n := range want {
		parts := strings.SplitN(k, "|", 3)
		key := parts[0] + "|" + parts[1]
		if got[key] == nil {
			month, _ := time.Parse("2006-01", parts[1])
			stats, err := s.st.CampaignStats(s.ctx, parts[0], month)
			if err != nil {
				s.t.Fatalf("day %d: stats: %v", day, err)
			}
			got[key] = stats
		}
		if got[key][parts[2]] != n {
			return fmt.Errorf("day %d: campaign %s, %s: counter %s = %d, the leads' events say %d", day, parts[0], parts[1], parts[2], got[key][parts[2]], n)
		}
	}
	return nil
}

func (s *sim) summary(day int) {
	won := s.stats["won"]
	s.t.Logf("day %3d (%s): leads %d (+%d repeat submissions), emails %d (nurture %d of which %d a not-now step again after a second send-back, confirmations %d, alerts %d, escalations %d, reminders %d), "+
		"confirmed %d, accepted %d, rejected %d, returned unanswered %d, sql %d, won %d, lost %d, came back %d, asked again %d (rep told %d), clicks %d, unsubscribes %d, bounces %d, complaints %d, erasures %d, bus events %d",
		day+1, s.dayStart(day).Format("2 Jan"), s.stats["leads"], s.stats["repeats"], len(s.mails), s.stats["nurture"], s.stats["afresh"], s.stats["confirmations"], s.stats["alerts"],
		s.stats["escalations"], s.stats["reminders"], s.stats["confirmed"], s.stats["accepted"], s.stats["rejected"], s.stats["returned"], s.stats["sql"], won, s.stats["lost"], s.stats["came back"], s.stats["asked"], s.stats["asked notices"],
		s.stats["clicks"], s.stats["unsubscribes"], s.stats["bounces"], s.stats["complaints"], s.stats["erasures"], len(s.bus.Events()))
}

// finalChecks: every alert nobody ever answered was escalated, once; a
// lead that asked again while sales held its deal (and still holds it or
// won it) had its rep told after its last such form, once the day's gap
// and a tick had passed.
func (s *sim) finalChecks() {
	for _, l := range s.leads {
		if n := len(l.asked); n > 0 && !l.erased && l.asked[n-1].Add(lead.AskedNoticeGap+24*time.Hour).Before(s.lastTick) {
			cur, err := s.st.Lead(s.ctx, l.id)
			if err != nil {
				s.t.Fatalf("lead %s: %v", l.id, err)
			}
			held := cur.Stage == lead.StageSAL || cur.Stage == lead.StageSQL || cur.Stage == lead.StageWon
			if last := l.asked[n-1]; held && cur.Deal != nil && !last.Before(cur.Deal.AcceptedAt) &&
				(len(l.notices) == 0 || l.notices[len(l.notices)-1].Before(last)) {
				s.t.Fatalf("lead %s (%s) asked again at %s and its rep was never told after (notices %v): %v", l.id, cur.Stage, last, l.notices, s.jobsOf(l.id))
			}
		}
		unanswered := 0
		for i, at := range l.alerts {
			// Unanswered, and its deadline passed before the last tick.
			if !l.answered[i] && !l.erased && at.Add(qualify.Default().SLA()).Before(s.lastTick) {
				unanswered++
			}
		}
		if esc := s.sent(l.id, "sales_escalation"); unanswered > 0 && esc < 1 || esc > len(l.alerts) {
			s.t.Fatalf("lead %s: %d alerts (%d never answered), %d escalations", l.id, len(l.alerts), unanswered, esc)
		}
	}
}

func (s *sim) jobsOf(leadID string) []string {
	var out []string
	tl, _ := s.st.Timeline(s.ctx, leadID)
	if l, err := s.st.Lead(s.ctx, leadID); err == nil {
		out = append(out, fmt.Sprintf("STAGE %s NURTURE %+v CLAIMS %+v DEAL %+v", l.Stage, l.Nurture, l.Claims, l.Deal))
	}
	for _, e := range tl {
		out = append(out, fmt.Sprintf("EV %s %s %v", e.At.Format("Jan 2 15:04"), e.Kind, e.Data))
	}
	for _, m := range s.mails {
		if m.lead == leadID {
			out = append(out, m.at.Format("Jan 2 15:04")+" "+m.kind+" "+m.job)
		}
	}
	return out
}

// sentBackJobs are the email job tags' prefixes ("nurture_not-now_") of
// the default sequences a send-back starts afresh: those Reopen makes
// enterable again.
func sentBackJobs() []string {
	c := nurture.Default()
	l := lead.Lead{Nurture: &lead.Nurture{Completed: c.Sequences()}}
	c.Reopen(&l)
	var out []string
	for _, id := range c.Sequences() {
		if !slices.Contains(l.Nurture.Completed, id) {
			out = append(out, sendonce.TagValue("nurture:"+id+":"))
		}
	}
	return out
}

// startsAfresh reports whether job is a step of a sequence a send-back
// starts afresh.
func (s *sim) startsAfresh(job string) bool {
	return slices.ContainsFunc(s.afresh, func(p string) bool { return strings.HasPrefix(job, p) })
}
