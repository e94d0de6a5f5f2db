package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/middleware"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
	"github.com/leadflow/leadflow/shared/capture"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/mail/sesstore"
)

const (
	captureN = 600
	hotN     = 150
)

func init() { register("capture vs PutItem", benchCapture) }

// benchCapture runs the capture handler end to end (parse, validate,
// transaction) against a bare PutItem of a lead-sized item on the same
// emulator, interleaved so both see the same machine state.
func benchCapture(e *env) []Row {
	table := e.table("capture")
	db := e.countedDynamoDB()
	// The floor replays the very transaction capture sent (same items, same
	// sizes, keys renamed) without the handler: the bare write it needs.
	rec := &txRecorder{}
	db = dynamodb.New(db.Options(), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, rec.middleware) })
	h := newCapture(e, table, db, e.tracedSES(), true)

	floorTable := e.table("floor")
	var capture, floor, txFloor []time.Duration
	// Warm up connections and the JVM's JIT on both paths.
	for i := 0; i < 400; i++ {
		_, _ = h.Handle(e.ctx, leadRequest(fmt.Sprintf("warm%d@bench.example", i)))
		putFloor(e, floorTable, "warm"+strconv.Itoa(i))
		rec.replay(e, floorTable, "warm"+strconv.Itoa(i))
	}
	e.calls.Store(0)
	for i := 0; i < captureN; i++ {
		t0 := time.Now()
		resp, err := h.Handle(e.ctx, leadRequest(fmt.Sprintf("lead%d@bench.example", i)))
		capture = append(capture, time.Since(t0))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			must(fmt.Errorf("capture returned %d %s %v", resp.StatusCode, resp.Body, err))
		}
		t0 = time.Now()
		putFloor(e, floorTable, strconv.Itoa(i))
		floor = append(floor, time.Since(t0))
		in := rec.next(floorTable, strconv.Itoa(i))
		t0 = time.Now()
		_, err = e.clients.DynamoDB.TransactWriteItems(e.ctx, in)
		txFloor = append(txFloor, time.Since(t0))
		must(err)
	}
	perLead := float64(e.calls.Load()) / captureN

	hot, plainHot, sends, perHot := benchHot(e, db, table, floorTable, 0)
	// The same, with the network of a deployed function added to every
	// request (published same-region p50s): it is the emulator's ratio of
	// a write to a send, not the code, that the row above measures.
	awsHot, awsPlain, awsSends, _ := benchHot(e, db, table, floorTable, 1)
	return []Row{
		ratioRow("capture p50 vs the bare transaction it sends p50", percentile(capture, .5), percentile(txFloor, .5), "ms", 1.2),
		ratioRow("capture p99 vs the bare transaction it sends p99", percentile(capture, .99), percentile(txFloor, .99), "ms", 0),
		ratioRow("capture p50 vs PutItem p50", percentile(capture, .5), percentile(floor, .5), "ms", 0),
		limitRow("DynamoDB requests per new lead", perLead, "requests", 1),
		ratioRow("hot lead incl. sales alert p50 vs its capture alone p50 + SendEmail p50", hot, plainHot+sends, "ms", 1.5),
		limitRow("DynamoDB requests per hot lead besides the capture's", perHot, "requests", 3),
		ratioRow(fmt.Sprintf("… with AWS latency added (write %v, transaction %v, SendEmail %v)", awsWrite, awsTransaction, awsSend),
			awsHot, awsPlain+awsSends, "ms", 0),
	}
}

// Published same-region p50 latencies (DynamoDB: a single-item write,
// a TransactWriteItems of up to 5 items; SES v2 SendEmail), added to
// each request of the modelled hot-lead run.
const (
	awsWrite       = 7500 * time.Microsecond
	awsTransaction = 25 * time.Millisecond
	awsSend        = 20 * time.Millisecond
)

// benchHot captures hot leads, the alert (flood slot and round-robin turn,
// the create as its claim, SES send, commit) inside the request, against
// the capture of the same kind of lead without the alert plus one
// SendEmail of an alert-sized message, interleaved: the p50s of the hot
// capture, the plain one and the send, and the hot lead's DynamoDB
// requests besides its capture's. With run > 0 every request also waits
// the AWS latency of its kind (a network the emulators do not have).
func benchHot(e *env, db *dynamodb.Client, table, floorTable string, run int) (hotP50, plainP50, sendP50, requests float64) {
	ses, plainDB := e.tracedSES(), e.clients.DynamoDB
	if run > 0 {
		withLatency := func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, awsLatency) }
		db, plainDB = dynamodb.New(db.Options(), withLatency), dynamodb.New(plainDB.Options(), withLatency)
		ses = sesv2.New(ses.Options(), func(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, awsLatency) })
	}
	h := newCapture(e, table, db, ses, true)
	plain := newCapture(e, floorTable, plainDB, ses, false)
	plain.Service.HandOff, plain.Service.Alerts = nil, nil // the capture alone
	var hot, plainHot, sends []time.Duration
	alert := sendInput()
	alert.Destination.ToAddresses = []string{"rep@bench.example"}
	before := repAlerts(e)
	e.calls.Store(0)
	for i := 0; i < hotN; i++ {
		t0 := time.Now()
		resp, err := h.Handle(e.ctx, hotRequest(fmt.Sprintf("hot%d.%d@bench.example", run, i)))
		hot = append(hot, time.Since(t0))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			must(fmt.Errorf("hot capture returned %d %s %v", resp.StatusCode, resp.Body, err))
		}
		t0 = time.Now()
		resp, err = plain.Handle(e.ctx, hotRequest(fmt.Sprintf("plainhot%d.%d@bench.example", run, i)))
		plainHot = append(plainHot, time.Since(t0))
		if err != nil || resp.StatusCode != http.StatusAccepted {
			must(fmt.Errorf("hot capture without alert returned %d %s %v", resp.StatusCode, resp.Body, err))
		}
		t0 = time.Now()
		_, err = ses.SendEmail(e.ctx, alert)
		sends = append(sends, time.Since(t0))
		must(err)
	}
	hotCalls := e.calls.Load() // the plain captures use an uncounted client
	if alerts := repAlerts(e) - before; alerts != hotN {
		must(fmt.Errorf("%d alerts for %d hot leads", alerts, hotN))
	}
	return percentile(hot, .5), percentile(plainHot, .5), percentile(sends, .5), float64(hotCalls)/hotN - 1
}

// newCapture is the capture function on table, as deployed but for the
// bench's addresses and keys; with flood control on (its slot is one of
// the hot lead's requests) at limits no run reaches.
func newCapture(e *env, table string, db *dynamodb.Client, ses *sesv2.Client, flood bool) *capture.Handler {
	cfg := config.Capture{AWS: e.aws, AllowedOrigins: "*", ThankYouURL: "https://x.example/t", PrivacyNoticeURL: "https://www.example.com/privacy",
		Sales: config.Sales{Table: table, Sender: "leads@example.com", SalesAddress: "sales@example.com", Signing: config.Signing{SigningKeys: "b1:bench-signing-key-0123456789"},
			PublicBaseURL: "https://leads.example.com"}}
	if flood {
		cfg.AlertLimit, cfg.AlertCampaignLimit, cfg.AlertDedupWindow = "1000/1h", "1000", 24*time.Hour
	}
	c := e.clients.App(db, ses)
	h, err := capturefn.New(e.ctx, cfg, c.DynamoDB, c.Mail, c.Parameter, app.Env{Logs: io.Discard, Clock: time.Now})
	must(err)
	return h
}

// repAlerts counts the emails sent to reps so far: to one address, not
// the floor's nor a lead's.
func repAlerts(e *env) int {
	sent, err := sesstore.Fetch(e.ctx, e.aws.SESEndpoint)
	must(err)
	n := 0
	for _, m := range sent {
		if len(m.To) == 1 && !strings.HasSuffix(m.To[0], "@bench.example") {
			n++
		}
	}
	return n
}

// awsLatency is client middleware that waits, before each request, the
// AWS latency of its kind.
func awsLatency(st *middleware.Stack) error {
	return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("aws-latency", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		d := awsWrite
		switch middleware.GetOperationName(ctx) {
		case "TransactWriteItems":
			d = awsTransaction
		case "SendEmail":
			d = awsSend
		}
		time.Sleep(d)
		return next.HandleFinalize(ctx, in)
	}), middleware.After)
}

// leadRequest is a typical inbound lead: a content download that the
// default rules grade but do not hand to sales.
func leadRequest(email string) httpapi.Request {
	return request(`{"email":"` + email + `","name":"Bench Lead","company":"Acme","job_title":"Marketing Manager","company_size":"11-50",` +
		`"country":"DE","form_type":"content_download","consent":false,"utm_source":"linkedin","utm_campaign":"q4","campaign":"q4",` +
		`"landing_page":"https://www.example.com/guide","answers":{"crm":"HubSpot"}}`)
}

// hotRequest is a demo request the default rules hand to sales at once.
func hotRequest(email string) httpapi.Request {
	return request(`{"email":"` + email + `","name":"Bench Lead","company":"Acme","job_title":"CMO","company_size":"201-500",` +
		`"country":"DE","form_type":"demo_request","consent":false,"utm_source":"linkedin","utm_campaign":"q4","campaign":"q4",` +
		`"landing_page":"https://www.example.com/demo","answers":{"crm":"HubSpot"}}`)
}

func request(body string) httpapi.Request {
	r := httpapi.Request{RouteKey: "POST /leads", Body: body, Headers: map[string]string{"content-type": "application/json"}}
	r.RequestContext.HTTP.Method = http.MethodPost
	return r
}

// putFloor writes one lead-sized item: the least any capture must do.
func putFloor(e *env, table, id string) {
	_, err := e.clients.DynamoDB.PutItem(e.ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "LEAD#" + id}, "SK": &types.AttributeValueMemberS{Value: "PROFILE"},
		"email": &types.AttributeValueMemberS{Value: id + "@bench.example"}, "name": &types.AttributeValueMemberS{Value: "Bench Lead"},
		"company": &types.AttributeValueMemberS{Value: "Acme"}, "job_title": &types.AttributeValueMemberS{Value: "CMO"},
		"source": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"utm_source": &types.AttributeValueMemberS{Value: "linkedin"}}},
	}})
	must(err)
}

// txRecorder keeps the last TransactWriteItems input capture sent, to
// replay it as the floor.
type txRecorder struct {
	mu   sync.Mutex
	last *dynamodb.TransactWriteItemsInput
}

func (r *txRecorder) middleware(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("record-tx", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if tx, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok {
			r.mu.Lock()
			r.last = tx
			r.mu.Unlock()
		}
		return next.HandleInitialize(ctx, in)
	}), middleware.Before)
}

// next is the last recorded transaction aimed at table, every item's key
// suffixed with id so the replay's conditions hold like the original's.
func (r *txRecorder) next(table, id string) *dynamodb.TransactWriteItemsInput {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		must(fmt.Errorf("capture sent no transaction"))
	}
	rekey := func(item map[string]types.AttributeValue) map[string]types.AttributeValue {
		out := make(map[string]types.AttributeValue, len(item))
		for k, v := range item {
			out[k] = v
		}
		if pk, ok := item["PK"].(*types.AttributeValueMemberS); ok && !strings.HasPrefix(pk.Value, "CAMPAIGN#") {
			out["PK"] = &types.AttributeValueMemberS{Value: pk.Value + "#floor" + id}
		}
		return out
	}
	in := &dynamodb.TransactWriteItemsInput{}
	for _, it := range r.last.TransactItems {
		switch {
		case it.Put != nil:
			p := *it.Put
			p.TableName, p.Item = aws.String(table), rekey(p.Item)
			in.TransactItems = append(in.TransactItems, types.TransactWriteItem{Put: &p})
		case it.Update != nil:
			u := *it.Update
			u.TableName, u.Key = aws.String(table), rekey(u.Key)
			in.TransactItems = append(in.TransactItems, types.TransactWriteItem{Update: &u})
		case it.ConditionCheck != nil:
			c := *it.ConditionCheck
			c.TableName, c.Key = aws.String(table), rekey(c.Key)
			in.TransactItems = append(in.TransactItems, types.TransactWriteItem{ConditionCheck: &c})
		}
	}
	return in
}

func (r *txRecorder) replay(e *env, table, id string) {
	_, err := e.clients.DynamoDB.TransactWriteItems(e.ctx, r.next(table, id))
	must(err)
}
