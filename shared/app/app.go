// Package app wires each function: config → clients → domain → handler.
// The Lambda mains and the local gateway both build handlers here, so the
// local stack runs exactly the code that runs in AWS.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/campaign"
	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/feedback"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/ids"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/mail"
	"github.com/leadflow/leadflow/shared/metrics"
	"github.com/leadflow/leadflow/shared/nurture"
	"github.com/leadflow/leadflow/shared/privacy"
	"github.com/leadflow/leadflow/shared/publish"
	"github.com/leadflow/leadflow/shared/qualify"
	"github.com/leadflow/leadflow/shared/report"
	"github.com/leadflow/leadflow/shared/schedule"
	"github.com/leadflow/leadflow/shared/sendonce"
	"github.com/leadflow/leadflow/shared/sesevents"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
	"github.com/leadflow/leadflow/shared/track"
	"github.com/leadflow/leadflow/shared/unsubscribe"
)

// Timing of the sales handoff.
const (
	linkTTL = 7 * 24 * time.Hour
	lease   = 2 * time.Minute
)

// Handlers are what a function offers the local gateway and scheduler.
type Handlers struct {
	HTTP func(context.Context, httpapi.Request) (httpapi.Response, error)
	// Event handles EventBridge events: schedules and rules.
	Event func(context.Context, events.EventBridgeEvent) error
	// Stream handles batches of the table's stream.
	Stream func(context.Context, events.DynamoDBEvent) error
}

// Routes lists, per function, the HTTP routes its handler serves; the
// template test checks template.yaml routes each function to exactly these.
var Routes = map[string][]string{
	"capture":     capture.Routes,
	"nurture":     nil,
	"unsubscribe": unsubscribe.Routes,
	"feedback":    feedback.Routes,
	"sesevents":   nil,
	"publisher":   nil,
	"track":       track.Routes,
	"privacy":     privacy.Routes,
	"reports":     report.Routes,
}

// Function is one Lambda: its folder name under functions/ and its wiring.
type Function struct {
	Name string
	mk   func(context.Context, func(string) string, []awsclients.Service, io.Writer, func() time.Time) (Handlers, error)
}

// Functions lists every function, for the local gateway and the tests.
func Functions() []Function {
	return []Function{CaptureFunction(), NurtureFunction(), FeedbackFunction(), ReportsFunction(), PrivacyFunction(),
		TrackFunction(), PublisherFunction(), SESEventsFunction(), UnsubscribeFunction()}
}

// Build wires a function by its folder name from an environment, as Lambda
// would at init, with the given services (all.Services: every one).
// Errors are the readable config errors main prints.
func Build(ctx context.Context, function string, services []awsclients.Service, getenv func(string) string, logw io.Writer, clock func() time.Time) (Handlers, error) {
	for _, f := range Functions() {
		if f.Name == function {
			return f.Build(ctx, services, getenv, logw, clock)
		}
	}
	return Handlers{}, fmt.Errorf("app: no function %q", function)
}

// Build wires the function: its config from the environment, then the
// SDK clients of DynamoDB and the given services, then its own wiring.
func (f Function) Build(ctx context.Context, services []awsclients.Service, getenv func(string) string, logw io.Writer, clock func() time.Time) (Handlers, error) {
	return f.mk(ctx, getenv, services, logw, clock)
}

// function declares a function whose config struct is C and that needs
// the clients of the services named ("ses", "ssm", "eventbridge") besides
// DynamoDB: its main must pass their Service.
func function[C interface{ Endpoints() config.AWS }](name string, needs []string, mk func(context.Context, C, awsclients.Clients, io.Writer, func() time.Time) (Handlers, error)) Function {
	return Function{Name: name, mk: func(ctx context.Context, getenv func(string) string, services []awsclients.Service, logw io.Writer, clock func() time.Time) (Handlers, error) {
		var cfg C
		if err := config.Load(&cfg, getenv); err != nil {
			return Handlers{}, err
		}
		b, err := awsclients.LoadBase(ctx, cfg.Endpoints())
		if err != nil {
			return Handlers{}, err
		}
		c := awsclients.Use(b, services...)
		if missing := c.Missing(needs...); missing != "" {
			return Handlers{}, fmt.Errorf("app: function %s needs the %s client(s): pass their adapters' Service to app.Start in its main", name, missing)
		}
		return mk(ctx, cfg, c, logw, clock)
	}}
}

// httpOnly wraps a function whose only trigger is HTTP.
func httpOnly[H interface {
	Handle(context.Context, httpapi.Request) (httpapi.Response, error)
}](h H, err error) (Handlers, error) {
	if err != nil {
		return Handlers{}, err
	}
	return Handlers{HTTP: h.Handle}, nil
}

// CaptureFunction is POST /leads.
func CaptureFunction() Function {
	return function("capture", []string{"ses", "ssm"}, func(ctx context.Context, cfg config.Capture, c awsclients.Clients, logw io.Writer, clock func() time.Time) (Handlers, error) {
		return httpOnly(Capture(ctx, cfg, c, logw, clock))
	})
}

// NurtureFunction is the scheduled tick.
func NurtureFunction() Function {
	return function("nurture", []string{"ses", "ssm"}, func(ctx context.Context, cfg config.Nurture, c awsclients.Clients, logw io.Writer, clock func() time.Time) (Handlers, error) {
		t, err := Nurture(ctx, cfg, c, logw, clock)
		return Handlers{Event: t}, err
	})
}

// FeedbackFunction is sales' accept/reject links.
func FeedbackFunction() Function {
	return function("feedback", []string{"ssm"}, func(ctx context.Context, cfg config.Feedback, c awsclients.Clients, logw io.Writer, clock func() time.Time) (Handlers, error) {
		return httpOnly(Feedback(ctx, cfg, c, logw, clock))
	})
}

// ReportsFunction is the dashboard and the weekly digest.
func ReportsFunction() Function {
	return function("reports", []string{"ses"}, func(_ context.Context, cfg config.Reports, c awsclients.Clients, logw io.Writer, clock func() time.Time) (Handlers, error) {
		h, err := Reports(cfg, c, logw, clock)
		if err != nil {
			return Handlers{}, err
		}
		return ReportHandlers(h), nil
	})
}

// PrivacyFunction is export and erasure.
func PrivacyFunction() Function {
	return function("privacy", nil, func(_ context.Context, cfg config.Privacy, c awsclients.Clients, logw io.Writer, clock func() time.Time) (Handlers, error) {
		return httpOnly(Privacy(cfg, c, logw, clock), nil)
	})
}

// TrackFunction is clicks and page views.
func TrackFunction() Function {
	return function("track", []string{"ses", "ssm"}, func(ctx context.Context, cfg config.Track, c awsclients.Clients, logw io.Writer, clock func() time.Time) (Handlers, error) {
		return httpOnly(Track(ctx, cfg, c, logw, clock))
	})
}

// PublisherFunction publishes lead events from the table's stream.
func PublisherFunction() Function {
	return function("publisher", []string{"eventbridge"}, func(_ context.Context, cfg config.Publisher, c awsclients.Clients, logw io.Writer, _ func() time.Time) (Handlers, error) {
		return Handlers{Stream: Publisher(cfg, c, logw)}, nil
	})
}

// SESEventsFunction handles bounces, complaints and deliveries.
func SESEventsFunction() Function {
	return function("sesevents", nil, func(_ context.Context, cfg config.SESEvents, c awsclients.Clients, logw io.Writer, clock func() time.Time) (Handlers, error) {
		return Handlers{Event: SESEvents(cfg, c, logw, clock).Handle}, nil
	})
}

// UnsubscribeFunction is the one-click unsubscribe.
func UnsubscribeFunction() Function {
	return function("unsubscribe", []string{"ssm"}, func(ctx context.Context, cfg config.Unsubscribe, c awsclients.Clients, logw io.Writer, clock func() time.Time) (Handlers, error) {
		return httpOnly(Unsubscribe(ctx, cfg, c, logw, clock))
	})
}

// sales is what capture and the scheduler share: the rules, the store and
// the handoff service.
type sales struct {
	rules     *qualify.Config
	campaigns *campaign.Set
	seq       *nurture.Config
	store     *store.Store
	send      *sendonce.Sender
	handoff   *handoff.Service
	// qualify re-grades and enrols in nurture sequences.
	qualify nurture.Enroller
	runner  *nurture.Runner
}

func buildSales(ctx context.Context, cfg config.Sales, aws config.AWS, c awsclients.Clients, log *slog.Logger, clock func() time.Time) (sales, error) {
	rules, err := loadRules(cfg.QualifyConfig)
	if err != nil {
		return sales{}, err
	}
	seq, err := loadSequences(cfg.NurtureConfig)
	if err != nil {
		return sales{}, err
	}
	campaigns, err := loadCampaigns(cfg.CampaignsDir)
	if err != nil {
		return sales{}, err
	}
	// Campaign files may override how their leads are scored.
	if rules, err = campaigns.Qualify(rules); err != nil {
		return sales{}, err
	}
	preferred, err := campaignSequences(campaigns, seq)
	if err != nil {
		return sales{}, err
	}
	keys, err := signingKeys(ctx, c, cfg.Signing)
	if err != nil {
		return sales{}, err
	}
	st := store.New(c.DynamoDB, cfg.Table)
	send := &sendonce.Sender{Store: st, Mail: c.Mail, Lease: lease, Clock: clock}
	s := sales{rules: rules, campaigns: campaigns, seq: seq, store: st, send: send, handoff: &handoff.Service{
		Store: st, Send: send, Rules: rules, Keys: keys,
		From: cfg.Sender, Fallback: cfg.SalesAddress, BaseURL: cfg.PublicBaseURL, ConfigurationSet: cfg.ConfigurationSet,
		LinkTTL: linkTTL, Clock: clock, NewID: ids.New, Log: log,
	}}
	s.qualify = nurture.Enroller{Rules: rules, Sequences: seq, Campaigns: preferred, NewID: ids.New}
	s.runner = &nurture.Runner{Sequences: seq, Rules: rules, Send: send, Keys: keys,
		From: cfg.Sender, BaseURL: cfg.PublicBaseURL, ConfigurationSet: cfg.ConfigurationSet,
		HandOff: s.handOff, Clock: clock, NewID: ids.New}
	return s, nil
}

// handOff runs the sales handoff for a lead in hand.
func (s sales) handOff(ctx context.Context, l lead.Lead, owner, base string) (string, error) {
	out, err := s.handoff.RunLead(ctx, l, owner, base)
	return string(out), err
}

// loadSequences reads the nurture sequences (relative paths as loadRules).
func loadSequences(path string) (*nurture.Config, error) {
	if root := os.Getenv("LAMBDA_TASK_ROOT"); path != "" && root != "" && !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	return nurture.Load(path)
}

// loadCampaigns reads the campaign files: the given folder, or
// config/campaigns in the build when it exists (none otherwise).
func loadCampaigns(dir string) (*campaign.Set, error) {
	explicit := dir != ""
	if !explicit {
		dir = "config/campaigns"
	}
	if root := os.Getenv("LAMBDA_TASK_ROOT"); root != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if _, err := os.Stat(dir); err != nil && !explicit {
		return nil, nil
	}
	return campaign.LoadDir(dir)
}

// campaignSequences maps each campaign to the sequence its file names,
// refusing (file:line) a sequence the sequences config does not have.
func campaignSequences(campaigns *campaign.Set, seq *nurture.Config) (map[string]string, error) {
	out := map[string]string{}
	if campaigns == nil {
		return out, nil
	}
	var probs []string
	for _, c := range campaigns.All() {
		if c.Sequence == "" {
			continue
		}
		if !slices.Contains(seq.Sequences(), c.Sequence) {
			probs = append(probs, fmt.Sprintf("%s:%d: sequence %q is not in the nurture sequences (have %s)",
				c.File, c.SequenceLine, c.Sequence, strings.Join(seq.Sequences(), ", ")))
			continue
		}
		out[c.ID] = c.Sequence
	}
	if len(probs) > 0 {
		return nil, errors.New(strings.Join(probs, "\n"))
	}
	return out, nil
}

// loadRules reads the qualification config; relative paths are inside the
// function's build (config/ ships there).
func loadRules(path string) (*qualify.Config, error) {
	if root := os.Getenv("LAMBDA_TASK_ROOT"); path != "" && root != "" && !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	return qualify.Load(path)
}

// Reports builds the reports handler and weekly digest.
func Reports(cfg config.Reports, c awsclients.Clients, logw io.Writer, clock func() time.Time) (*report.Handler, error) {
	econ := report.Economics{Currency: cfg.Currency, Spend: map[string]float64{}}
	for name, dst := range map[string]*float64{"MINUTES_PER_LEAD": &econ.MinutesPerLead, "HOURLY_COST": &econ.HourlyCost} {
		v := map[string]string{"MINUTES_PER_LEAD": cfg.MinutesPerLead, "HOURLY_COST": cfg.HourlyCost}[name]
		if v == "" {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return nil, fmt.Errorf("config: %s=%q is not a positive number", name, v)
		}
		*dst = f
	}
	for _, part := range strings.Split(cfg.CampaignSpend, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		id, amount, ok := strings.Cut(part, "=")
		f, err := strconv.ParseFloat(amount, 64)
		if !ok || err != nil || f < 0 {
			return nil, fmt.Errorf("config: CAMPAIGN_SPEND: %q is not campaign=amount", part)
		}
		econ.Spend[id] = f
	}
	campaigns, err := loadCampaigns(cfg.CampaignsDir)
	if err != nil {
		return nil, err
	}
	if campaigns != nil {
		// Spend declared in campaign files; the parameter overrides it.
		for id, amount := range campaigns.Spend() {
			if _, set := econ.Spend[id]; !set {
				econ.Spend[id] = amount
			}
		}
		if econ.Currency == "" {
			econ.Currency = campaigns.Currency()
		}
	}
	st := store.New(c.DynamoDB, cfg.Table)
	return &report.Handler{Store: reportStore{st}, Economics: econ, Mail: c.Mail,
		From: cfg.Sender, Marketing: cfg.MarketingAddress, ConfigurationSet: cfg.ConfigurationSet, BaseURL: cfg.PublicBaseURL,
		Clock: clock, Log: logx.New(logw, "reports", cfg.LogLevel)}, nil
}

// ReportHandlers are the reports function's two triggers.
func ReportHandlers(h *report.Handler) Handlers {
	return Handlers{HTTP: h.Handle, Event: func(ctx context.Context, ev events.EventBridgeEvent) error {
		out, err := h.Digest(ctx)
		if err != nil {
			h.Log.Error("digest", "event", ev.ID, "error", err.Error())
			return err
		}
		h.Log.Info("digest", "event", ev.ID, "outcome", out)
		return nil
	}}
}

// reportStore adapts the store's stats rows to report sources.
type reportStore struct{ *store.Store }

func (r reportStore) MonthSources(ctx context.Context, month string) ([]report.Source, error) {
	rows, err := r.MonthStats(ctx, month)
	if err != nil {
		return nil, err
	}
	out := make([]report.Source, len(rows))
	for i, row := range rows {
		out[i] = report.Source{Campaign: row.Campaign, Variant: row.Variant, Month: row.Month, Counters: row.Counters}
	}
	return out, nil
}

// Privacy builds the admin handler for export and erasure requests.
func Privacy(cfg config.Privacy, c awsclients.Clients, logw io.Writer, clock func() time.Time) *privacy.Handler {
	return &privacy.Handler{Service: &privacy.Service{Store: store.New(c.DynamoDB, cfg.Table), Clock: clock},
		Log: logx.New(logw, "privacy", cfg.LogLevel)}
}

// DefaultTrackPages are the page signals when TRACK_PAGES is unset.
const DefaultTrackPages = "/pricing=pricing_page_view"

// Track builds the tracking handler (clicks, page views, the snippet).
func Track(ctx context.Context, cfg config.Track, c awsclients.Clients, logw io.Writer, clock func() time.Time) (*track.Handler, error) {
	log := logx.New(logw, "track", cfg.LogLevel)
	s, err := buildSales(ctx, cfg.Sales, cfg.AWS, c, log, clock)
	if err != nil {
		return nil, err
	}
	spec := cfg.TrackPages
	if spec == "" {
		spec = DefaultTrackPages
	}
	pages, err := track.ParsePages(spec)
	if err != nil {
		return nil, fmt.Errorf("config: TRACK_PAGES: %w", err)
	}
	cors, err := allowedOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	return &track.Handler{
		Engage: &track.Service{Store: s.store, Rules: s.qualify, Clock: clock, HandOff: s.handOff},
		Limits: s.store, Keys: s.handoff.Keys, CORS: cors, Pages: pages,
		PerLeadPerHour: 60, BaseURL: cfg.PublicBaseURL, Clock: clock, NewID: ids.New, Log: log, Metrics: cfg.MetricsNamespace,
	}, nil
}

// Publisher builds the stream handler that publishes lead events.
func Publisher(cfg config.Publisher, c awsclients.Clients, logw io.Writer) func(context.Context, events.DynamoDBEvent) error {
	p := &publish.Publisher{Store: store.New(c.DynamoDB, cfg.Table), Bus: c.Bus(cfg.EventBusName),
		Log: logx.New(logw, "publisher", cfg.LogLevel)}
	return func(ctx context.Context, ev events.DynamoDBEvent) error {
		records, err := store.StreamEvents(ev.Records)
		if err != nil {
			return err
		}
		return p.Handle(ctx, records)
	}
}

// SESEvents builds the handler of SES bounce/complaint/delivery events.
func SESEvents(cfg config.SESEvents, c awsclients.Clients, logw io.Writer, clock func() time.Time) *sesevents.Handler {
	return &sesevents.Handler{Store: store.New(c.DynamoDB, cfg.Table), Clock: clock, NewID: ids.New,
		Log: logx.New(logw, "sesevents", cfg.LogLevel), Metrics: cfg.MetricsNamespace}
}

// Feedback builds the /feedback/{token} handler.
func Feedback(ctx context.Context, cfg config.Feedback, c awsclients.Clients, logw io.Writer, clock func() time.Time) (*feedback.Handler, error) {
	keys, err := signingKeys(ctx, c, cfg.Signing)
	if err != nil {
		return nil, err
	}
	rules, err := loadRules(cfg.QualifyConfig)
	if err != nil {
		return nil, err
	}
	return &feedback.Handler{Store: store.New(c.DynamoDB, cfg.Table), Rules: rules, Keys: keys, LinkTTL: linkTTL,
		Clock: clock, NewID: ids.New, Log: logx.New(logw, "feedback", cfg.LogLevel)}, nil
}

func signingKeys(ctx context.Context, c awsclients.Clients, cfg config.Signing) (token.Keys, error) {
	spec := cfg.SigningKeys
	if spec == "" {
		if cfg.SigningKeysParam == "" {
			return token.Keys{}, errors.New("config: set SIGNING_KEYS_PARAM (SSM parameter name) or SIGNING_KEYS")
		}
		if c.Parameter == nil {
			return token.Keys{}, errors.New("config: SIGNING_KEYS_PARAM is set but this function has no SSM client")
		}
		var err error
		if spec, err = c.Parameter(ctx, cfg.SigningKeysParam); err != nil {
			return token.Keys{}, fmt.Errorf("signing keys: %w", err)
		}
	}
	keys, err := token.ParseKeys(spec)
	if err != nil {
		return token.Keys{}, fmt.Errorf("signing keys: %w", err)
	}
	return keys, nil
}

// Unsubscribe builds the /unsubscribe/{token} handler.
func Unsubscribe(ctx context.Context, cfg config.Unsubscribe, c awsclients.Clients, logw io.Writer, clock func() time.Time) (*unsubscribe.Handler, error) {
	keys, err := signingKeys(ctx, c, cfg.Signing)
	if err != nil {
		return nil, err
	}
	return &unsubscribe.Handler{Store: store.New(c.DynamoDB, cfg.Table), Keys: keys, Clock: clock, NewID: ids.New,
		Log: logx.New(logw, "unsubscribe", cfg.LogLevel)}, nil
}

// Capture builds the POST /leads handler.
func Capture(ctx context.Context, cfg config.Capture, c awsclients.Clients, logw io.Writer, clock func() time.Time) (*capture.Handler, error) {
	log := logx.New(logw, "capture", cfg.LogLevel)
	cors, err := allowedOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	s, err := buildSales(ctx, cfg.Sales, cfg.AWS, c, log, clock)
	if err != nil {
		return nil, err
	}
	return &capture.Handler{
		Campaigns:   s.campaigns,
		Service:     &capture.Service{Store: s.store, NewID: ids.New, Qualify: s.qualify},
		HandOff:     s.handOff,
		BaseURL:     cfg.PublicBaseURL,
		CORS:        cors,
		ThankYouURL: cfg.ThankYouURL,
		Clock:       clock,
		Log:         log,
		Metrics:     cfg.MetricsNamespace,
	}, nil
}

// Nurture builds the scheduled tick: alerts still owed to sales and SLA
// escalations, from the due index.
func Nurture(ctx context.Context, cfg config.Nurture, c awsclients.Clients, logw io.Writer, clock func() time.Time) (func(context.Context, events.EventBridgeEvent) error, error) {
	log := logx.New(logw, "nurture", cfg.LogLevel)
	s, err := buildSales(ctx, cfg.Sales, cfg.AWS, c, log, clock)
	if err != nil {
		return nil, err
	}
	perSecond, err := sendRate(ctx, cfg.SESMaxSendRate, c)
	if err != nil {
		return nil, err
	}
	s.send.Mail = mail.Limit(s.send.Mail, perSecond)
	s.runner.Mailbox = cfg.UnsubscribeMailbox
	switch cfg.TrackOpens {
	case "", "false":
	case "true":
		s.runner.TrackOpens = true
	default:
		return nil, fmt.Errorf("config: TRACK_OPENS=%q: want true or false", cfg.TrackOpens)
	}
	t := &schedule.Tick{
		Store: s.store, Shards: store.DueShards, Concurrency: 8, PerShard: 200, Margin: 2 * time.Second,
		Stop:  func(err error) bool { return errors.Is(err, mail.ErrThrottled) },
		Clock: clock, Log: log,
		Work: func(ctx context.Context, l lead.Lead, owner string) (string, error) {
			// Sales first: an alert owed or an SLA escalation.
			out, err := s.handoff.RunLead(ctx, l, owner, "")
			if err != nil || out != handoff.NothingDue {
				return string(out), err
			}
			return s.runner.Run(ctx, l, owner)
		},
	}
	return func(ctx context.Context, ev events.EventBridgeEvent) error {
		start := time.Now()
		ctx = metrics.Start(ctx, cfg.MetricsNamespace)
		sum := t.Run(ctx, "tick-"+ev.ID)
		level := slog.LevelInfo
		if len(sum.Outcomes) == 0 && sum.Errors == 0 {
			level = slog.LevelDebug // an idle tick every minute is not news
		}
		if sum.Errors > 0 {
			metrics.Count(ctx, metrics.TickFailures, 1)
			level = slog.LevelError
		}
		attrs := []any{"event", ev.ID, "outcomes", sum.Outcomes, "errors", sum.Errors, "stopped", sum.Stopped, "cause", sum.Cause,
			"ms", time.Since(start).Milliseconds(), "maxSendRate", perSecond}
		log.Log(ctx, level, "tick", append(attrs, metrics.Attrs(ctx, clock())...)...)
		return nil
	}, nil
}

// allowedOrigins reads ALLOWED_ORIGINS; a list naming no origin would
// refuse every browser, so it stops the function at init instead.
func allowedOrigins(list string) (httpapi.CORS, error) {
	cors, err := httpapi.ParseCORS(list)
	if err != nil {
		return httpapi.CORS{}, fmt.Errorf("config: ALLOWED_ORIGINS (template parameter AllowedOrigins): %w", err)
	}
	return cors, nil
}

// sendRate is the configured SES send rate, else the account's own.
func sendRate(ctx context.Context, configured string, c awsclients.Clients) (float64, error) {
	if configured != "" {
		r, err := strconv.ParseFloat(configured, 64)
		if err != nil || r <= 0 {
			return 0, fmt.Errorf("config: SES_MAX_SEND_RATE=%q is not a positive number", configured)
		}
		return r, nil
	}
	return c.SendRate(ctx)
}

// Start is the whole main of a function: config from the environment
// (every variable its struct in shared/config declares), SDK clients built
// once, wiring, then the Lambda runtime. A bad config ends the process at
// init with one readable line, never a request.
func Start(f Function, services ...awsclients.Service) {
	h, err := f.Build(context.Background(), services, os.Getenv, os.Stdout, time.Now)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", f.Name, err)
		os.Exit(1)
	}
	lambda.Start(Dispatch(h))
}

// Dispatch is the Lambda entry point of a function, whatever triggers it:
// an HTTP API v2 payload has a routeKey, a DynamoDB stream batch has
// Records, anything else is an EventBridge event (schedule or rule).
func Dispatch(h Handlers) func(ctx context.Context, payload json.RawMessage) (any, error) {
	return func(ctx context.Context, payload json.RawMessage) (any, error) {
		var probe struct {
			RouteKey string            `json:"routeKey"`
			Records  []json.RawMessage `json:"Records"`
		}
		if err := json.Unmarshal(payload, &probe); err != nil {
			return nil, fmt.Errorf("app: payload is not JSON: %w", err)
		}
		if probe.Records != nil && h.Stream != nil {
			var ev events.DynamoDBEvent
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, err
			}
			return nil, h.Stream(ctx, ev)
		}
		if probe.RouteKey != "" && h.HTTP != nil {
			var req httpapi.Request
			if err := json.Unmarshal(payload, &req); err != nil {
				return nil, err
			}
			return h.HTTP(ctx, req)
		}
		if h.Event == nil {
			return nil, errors.New("app: this function takes no events")
		}
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		return nil, h.Event(ctx, ev)
	}
}
