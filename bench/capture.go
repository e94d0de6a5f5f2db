package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/capturefn"
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
	c := e.clients.App(db, nil)
	h, err := capturefn.New(e.ctx, config.Capture{AWS: e.aws, AllowedOrigins: "*", ThankYouURL: "https://x.example/t",
		Sales: config.Sales{Table: table, Sender: "leads@example.com", SalesAddress: "sales@example.com", Signing: config.Signing{SigningKeys: "b1:bench-signing-key-0123456789"},
			PublicBaseURL: "https://leads.example.com"}},
		c.DynamoDB, c.Mail, c.Parameter, app.Env{Logs: io.Discard, Clock: time.Now})
	must(err)

	floorTable := e.table("floor")
	var capture, floor, txFloor []time.Duration
	// Warm up connections and the JVM's JIT on both paths.
	for i := 0; i < 400; i++ {
		_, _ = h.Handle(e.ctx, leadRequest(fmt.Sprintf("warm%d@bench.example", i)))
		putFloor(e, floorTable, "warm"+strconv.Itoa(i))
		txFloorWrite(e, floorTable, "warm"+strconv.Itoa(i))
	}
	e.calls.Store(0)
	for i := 0; i < captureN; i++ {
		t0 := time.Now()
		resp, err := h.Handle(e.ctx, leadRequest(fmt.Sprintf("lead%d@bench.example", i)))
		capture = append(capture, time.Since(t0))
		if err != nil || resp.StatusCode != http.StatusCreated {
			must(fmt.Errorf("capture returned %d %s %v", resp.StatusCode, resp.Body, err))
		}
		t0 = time.Now()
		putFloor(e, floorTable, strconv.Itoa(i))
		floor = append(floor, time.Since(t0))
		t0 = time.Now()
		txFloorWrite(e, floorTable, strconv.Itoa(i))
		txFloor = append(txFloor, time.Since(t0))
	}
	perLead := float64(e.calls.Load()) / captureN

	// Hot leads: capture plus the alert (routing turn, claim, marker, SES
	// send, commit) inside the same request.
	var hot []time.Duration
	e.calls.Store(0)
	for i := 0; i < hotN; i++ {
		t0 := time.Now()
		resp, err := h.Handle(e.ctx, hotRequest(fmt.Sprintf("hot%d@bench.example", i)))
		hot = append(hot, time.Since(t0))
		if err != nil || resp.StatusCode != http.StatusCreated {
			must(fmt.Errorf("hot capture returned %d %s %v", resp.StatusCode, resp.Body, err))
		}
	}
	sent, err := sesstore.Fetch(e.ctx, e.aws.SESEndpoint)
	must(err)
	if n := len(sent); n != hotN { // the bench's own emulator: only these alerts
		must(fmt.Errorf("%d alerts for %d hot leads", n, hotN))
	}
	perHot := float64(e.calls.Load()) / hotN
	return []Row{
		ratioRow("capture p50 vs PutItem p50", percentile(capture, .5), percentile(floor, .5), "ms", 2.0),
		ratioRow("capture p99 vs PutItem p99", percentile(capture, .99), percentile(floor, .99), "ms", 0),
		ratioRow("capture p50 vs bare 4-item transaction p50", percentile(capture, .5), percentile(txFloor, .5), "ms", 0),
		ratioRow("bare 4-item transaction p50 vs PutItem p50", percentile(txFloor, .5), percentile(floor, .5), "ms", 0),
		limitRow("DynamoDB requests per new lead", perLead, "requests", 2),
		ratioRow("hot lead incl. sales alert p50 vs PutItem p50", percentile(hot, .5), percentile(floor, .5), "ms", 0),
		{Name: "DynamoDB requests per hot lead (incl. alert)", Value: perHot, Unit: "requests"},
	}
}

// leadRequest is a typical inbound lead: a content download that the
// default rules grade but do not hand to sales.
func leadRequest(email string) httpapi.Request {
	return request(`{"email":"` + email + `","name":"Bench Lead","company":"Acme","job_title":"Marketing Manager","company_size":"11-50",` +
		`"country":"DE","form_type":"content_download","consent":true,"utm_source":"linkedin","utm_campaign":"q4","campaign":"q4",` +
		`"landing_page":"https://www.example.com/guide","answers":{"crm":"HubSpot"}}`)
}

// hotRequest is a demo request the default rules hand to sales at once.
func hotRequest(email string) httpapi.Request {
	return request(`{"email":"` + email + `","name":"Bench Lead","company":"Acme","job_title":"CMO","company_size":"201-500",` +
		`"country":"DE","form_type":"demo_request","consent":true,"utm_source":"linkedin","utm_campaign":"q4","campaign":"q4",` +
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

// txFloorWrite is the same shape of write capture makes (claim, profile,
// event, counter in one transaction) with pre-built items and no handler:
// it separates the emulator's transaction cost from capture's own.
func txFloorWrite(e *env, table, id string) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	cond := "attribute_not_exists(PK)"
	put := func(pk, sk string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), ConditionExpression: aws.String(cond),
			Item: map[string]types.AttributeValue{"PK": s(pk), "SK": s(sk), "email": s(id + "@bench.example"), "name": s("Bench Lead")}}}
	}
	_, err := e.clients.DynamoDB.TransactWriteItems(e.ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		put("TXEMAIL#"+id, "EMAIL"), put("TXLEAD#"+id, "PROFILE"), put("TXLEAD#"+id, "EVT#1"),
		{Update: &types.Update{TableName: aws.String(table), Key: map[string]types.AttributeValue{"PK": s("TXCAMPAIGN#q4"), "SK": s("STATS#2026-11")},
			UpdateExpression: aws.String("ADD leads :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}},
	}})
	must(err)
}
