// Package gateway is the local stand-in for API Gateway (HTTP API, payload
// v2) and EventBridge schedules: it serves the routes template.yaml
// declares by invoking the same handler code Lambda runs, with each
// function's declared environment, and fires the template's schedules.
package gateway

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leadflow/leadflow/local/ddbconflict"
	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/streams"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/registry"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/all"
	"github.com/leadflow/leadflow/shared/httpapi"
)

// Options configure the gateway.
type Options struct {
	Template *sam.Template
	// Refs gives values for "ref:<LogicalId>" env values (e.g. the table).
	Refs map[string]string
	// Env is added to every function's environment (endpoints, region)
	// and overrides declared values (local origins, URLs).
	Env map[string]string
	// Clock is the time the handlers see (the local stack may speed it up).
	Clock func() time.Time
	// Logs receives the handlers' structured logs.
	Logs io.Writer
	Log  *slog.Logger
	// MaxBody is the largest request body the gateway accepts (API Gateway
	// allows 10 MB; handlers apply their own, smaller limits).
	MaxBody int64
	// Services give the functions their AWS clients (all.Services when
	// nil); a load or fault test appends one that wraps them.
	Services []awsclients.Service
}

// route is one template route bound to a function's handler.
type route struct {
	method, path string
	segs         []string
	function     string
	handle       func(context.Context, httpapi.Request) (httpapi.Response, error)
}

// Gateway serves template routes.
type Gateway struct {
	routes    []route
	schedules []Scheduled
	// listeners are functions fed by EventBridge rules, by folder name.
	listeners map[string]func(context.Context, events.EventBridgeEvent) error
	// detailTypes are the detail types each listener's rules accept
	// ("*": any).
	detailTypes map[string][]string
	// streams are functions fed by the table's stream, by folder name.
	streams map[string]func(context.Context, events.DynamoDBEvent) error
	// streamFilters are the template's FilterCriteria per stream function.
	streamFilters map[string]*streams.Filter
	opts          Options
	reqSeq        atomic.Int64
}

// Scheduled is a schedule bound to its handler.
type Scheduled struct {
	Function, Event, Expression string
	// Every is a rate's interval, or a cron's from one firing to the
	// next (for the banner).
	Every time.Duration
	// Next is a cron's next firing after an instant of product time
	// (nil for a rate).
	Next func(time.Time) time.Time
	Fire func(context.Context) error
}

// New wires every function of the template. A function whose config is
// invalid fails here, as it would fail at Lambda init.
func New(ctx context.Context, o Options) (*Gateway, error) {
	if o.MaxBody == 0 {
		o.MaxBody = 10 << 20
	}
	if o.Services == nil {
		o.Services = all.Services
		if ddbconflict.Enabled() {
			// LEADFLOW_DDB_CONFLICTS=1: DynamoDB Local refuses overlapping
			// writes to one item as DynamoDB does.
			o.Services = append(slices.Clone(all.Services), ddbconflict.Service(ddbconflict.Shared))
		}
	}
	g := &Gateway{opts: o, listeners: map[string]func(context.Context, events.EventBridgeEvent) error{}, detailTypes: map[string][]string{},
		streams: map[string]func(context.Context, events.DynamoDBEvent) error{}, streamFilters: map[string]*streams.Filter{}}
	for _, f := range o.Template.Functions {
		env := FunctionEnv(f, o.Refs, o.Env)
		h, err := registry.Build(ctx, f.Name, o.Services, func(k string) string { return env[k] }, o.Logs, o.Clock)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.LogicalID, err)
		}
		h = g.withTimeout(f, h)
		for _, r := range f.Routes {
			if h.HTTP == nil {
				return nil, fmt.Errorf("function %s: route %s but no HTTP handler", f.LogicalID, r.Key())
			}
			g.routes = append(g.routes, route{method: r.Method, path: r.Path, segs: split(r.Path), function: f.Name, handle: h.HTTP})
		}
		if len(f.Streams) > 0 {
			if h.Stream == nil {
				return nil, fmt.Errorf("function %s: DynamoDB stream event but no stream handler", f.LogicalID)
			}
			g.streams[f.Name] = h.Stream
			if g.streamFilters[f.Name], err = streams.ParseFilter(f.StreamFilters); err != nil {
				return nil, fmt.Errorf("function %s: %w", f.LogicalID, err)
			}
		}
		if len(f.Rules) > 0 {
			if h.Event == nil {
				return nil, fmt.Errorf("function %s: EventBridge rule but no event handler", f.LogicalID)
			}
			g.listeners[f.Name] = h.Event
			g.detailTypes[f.Name] = f.DetailTypes
		}
		for _, s := range f.Schedules {
			if !s.Enabled {
				continue
			}
			if h.Event == nil {
				return nil, fmt.Errorf("function %s: schedule %s but no scheduled handler", f.LogicalID, s.Event)
			}
			every, next, err := parseSchedule(s.Expression, o.Clock())
			if err != nil {
				return nil, fmt.Errorf("function %s: %w", f.LogicalID, err)
			}
			fire := h.Event
			name := f.LogicalID
			g.schedules = append(g.schedules, Scheduled{Function: f.Name, Event: s.Event, Expression: s.Expression, Every: every, Next: next,
				Fire: func(ctx context.Context) error { return fire(ctx, ScheduledEvent(name, o.Clock())) }})
		}
	}
	// Literal segments win over parameters, as in API Gateway.
	sort.SliceStable(g.routes, func(i, j int) bool {
		return strings.Count(g.routes[i].path, "{") < strings.Count(g.routes[j].path, "{")
	})
	return g, nil
}

// defaultTimeout is Lambda's timeout for a function that declares none.
const defaultTimeout = 3 * time.Second

// withTimeout gives every invocation of f's handlers the deadline Lambda
// gives it (the template's Timeout, from the invocation's start), so code
// that watches ctx.Deadline() (a tick that stops taking work in time)
// runs locally as deployed. Lambda stops a function at its deadline; the
// local stack cannot stop a goroutine, so one that runs past it is
// logged as a warning: deployed, it would have been stopped there.
func (g *Gateway) withTimeout(f sam.Function, h app.Handlers) app.Handlers {
	limit := defaultTimeout
	if f.Timeout > 0 {
		limit = time.Duration(f.Timeout) * time.Second
	}
	overran := func(start time.Time) {
		if took := time.Since(start); took > limit && g.opts.Log != nil {
			g.opts.Log.Warn("function ran past its timeout: Lambda would have stopped it", "function", f.Name,
				"timeout", limit.String(), "took", took.Round(time.Millisecond).String())
		}
	}
	if http := h.HTTP; http != nil {
		h.HTTP = func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			ctx, cancel := context.WithTimeout(ctx, limit)
			defer cancel()
			defer overran(time.Now())
			return http(ctx, req)
		}
	}
	h.Event = timed(limit, overran, h.Event)
	h.Stream = timed(limit, overran, h.Stream)
	return h
}

// timed is fn with a deadline of limit from each call's start.
func timed[E any](limit time.Duration, overran func(time.Time), fn func(context.Context, E) error) func(context.Context, E) error {
	if fn == nil {
		return nil
	}
	return func(ctx context.Context, ev E) error {
		ctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		defer overran(time.Now())
		return fn(ctx, ev)
	}
}

// Routes lists "METHOD /path → function" for printing.
func (g *Gateway) Routes() []string {
	out := make([]string, len(g.routes))
	for i, r := range g.routes {
		out[i] = fmt.Sprintf("%-7s %-32s → %s", r.method, r.path, r.function)
	}
	return out
}

// Schedules are the template's enabled schedules.
func (g *Gateway) Schedules() []Scheduled { return g.schedules }

// LocalAddresses are the values the local stack, the tests, the load test
// and the bench give the address variables whose template parameters
// (SenderAddress, SalesAddress, MarketingAddress) have no default, so
// that a deploy must name the operator's own. Locally they are the SES
// emulator's, which delivers every address; pass them in FunctionEnv's
// extra (or Options.Env): the template has no value for them.
var LocalAddresses = map[string]string{
	"SENDER_ADDRESS":    "leads@example.com",
	"SALES_ADDRESS":     "sales@example.com",
	"MARKETING_ADDRESS": "marketing@example.com",
}

// FunctionEnv is the environment a function gets locally: its declared
// variables (references resolved through refs) plus the local overrides.
// A reference to a resource the local stack has no value for (the SES
// configuration set, the event bus) resolves to its logical id, which is
// what Ref gives for those resources in AWS: a name.
func FunctionEnv(f sam.Function, refs, extra map[string]string) map[string]string {
	env := map[string]string{}
	for k, v := range f.Env {
		if id, ok := strings.CutPrefix(v, "ref:"); ok {
			v = id
			if r, ok := refs[id]; ok {
				v = r
			}
		}
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// Streams are the functions fed by the table's stream.
func (g *Gateway) Streams() map[string]func(context.Context, events.DynamoDBEvent) error {
	return g.streams
}

// StreamFilter is the FilterCriteria of the named function's stream
// events (nil: every record), for the poller that feeds it.
func (g *Gateway) StreamFilter(name string) *streams.Filter { return g.streamFilters[name] }

// Listeners are the functions fed by EventBridge rules.
func (g *Gateway) Listeners() []string {
	var out []string
	for name := range g.listeners {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// ListenersFor are the listeners whose rules take events of a detail
// type ("Email Sent", "leadflow.outcome"), as EventBridge would route them.
func (g *Gateway) ListenersFor(detailType string) []string {
	var out []string
	for _, name := range g.Listeners() {
		for _, t := range g.detailTypes[name] {
			if t == detailType || t == "*" {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// Inject delivers an EventBridge event to a rule-fed function, as
// EventBridge would (the local stack has no event bus: SES emulators do
// not publish bounce or complaint events).
func (g *Gateway) Inject(ctx context.Context, function string, ev events.EventBridgeEvent) error {
	h, ok := g.listeners[function]
	if !ok {
		return fmt.Errorf("no function %q with an EventBridge rule (have %v)", function, g.Listeners())
	}
	return h(ctx, ev)
}

// ServeHTTP matches a template route and invokes its handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, params, allowed := g.match(r.Method, r.URL.Path)
	if rt == nil {
		if allowed {
			http.Error(w, `{"message":"Method Not Allowed"}`, http.StatusMethodNotAllowed)
			return
		}
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, g.opts.MaxBody+1))
	if err != nil || int64(len(body)) > g.opts.MaxBody {
		http.Error(w, `{"message":"Request Entity Too Large"}`, http.StatusRequestEntityTooLarge)
		return
	}
	req := g.event(r, rt, params, body)
	resp, err := rt.handle(r.Context(), req)
	if err != nil {
		// Lambda would report a function error; API Gateway answers 500.
		g.opts.Log.Error("handler error", "function", rt.function, "error", err.Error())
		http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	}
	write(w, resp)
}

func (g *Gateway) match(method, path string) (*route, map[string]string, bool) {
	segs := split(path)
	pathMatched := false
	for i := range g.routes {
		rt := &g.routes[i]
		params, ok := matchSegs(rt.segs, segs)
		if !ok {
			continue
		}
		pathMatched = true
		if rt.method == method || rt.method == "ANY" {
			return rt, params, true
		}
	}
	return nil, nil, pathMatched
}

func split(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func matchSegs(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.Trim(p, "{}+")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// event builds the payload v2 event API Gateway would send.
func (g *Gateway) event(r *http.Request, rt *route, params map[string]string, body []byte) httpapi.Request {
	headers := map[string]string{}
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	var cookies []string
	if c := r.Header.Get("Cookie"); c != "" {
		cookies = strings.Split(c, "; ")
		delete(headers, "cookie")
	}
	query := map[string]string{}
	for k, vs := range r.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}
	now := g.opts.Clock()
	req := httpapi.Request{
		Version: "2.0", RouteKey: rt.method + " " + rt.path, RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: params,
	}
	req.RequestContext.RouteKey = req.RouteKey
	req.RequestContext.Stage = "$default"
	req.RequestContext.RequestID = fmt.Sprintf("local-%d-%d", now.UnixMilli(), g.reqSeq.Add(1))
	req.RequestContext.TimeEpoch = now.UnixMilli()
	req.RequestContext.HTTP.Method = r.Method
	req.RequestContext.HTTP.Path = r.URL.Path
	req.RequestContext.HTTP.Protocol = r.Proto
	req.RequestContext.HTTP.SourceIP = strings.Split(r.RemoteAddr, ":")[0]
	req.RequestContext.HTTP.UserAgent = r.UserAgent()
	// API Gateway base64-encodes bodies that are not text.
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if len(body) > 0 && !strings.HasPrefix(ct, "text/") && !strings.HasPrefix(ct, "application/json") {
		req.Body, req.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	} else {
		req.Body = string(body)
	}
	return req
}

func write(w http.ResponseWriter, resp httpapi.Response) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err == nil {
			_, _ = w.Write(b)
		}
		return
	}
	_, _ = io.WriteString(w, resp.Body)
}
