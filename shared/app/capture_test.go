package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/app/registry"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/all"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

func TestMain(m *testing.M) { testenv.Main(m, checkLogs, checkIAM) }

const testKeys = "t1:test-signing-key-0123456789abcdef"

// evidence is the consent-evidence hasher of the functions signing with
// testKeys: what their consent records hold is evidence(t).Hash(value).
func evidence(t *testing.T) lead.Evidence {
	t.Helper()
	keys, err := token.ParseKeys(testKeys)
	if err != nil {
		t.Fatal(err)
	}
	return enrol.Evidence(keys)
}

// build wires a function exactly as the local gateway does: the env its
// template entry declares, the table reference resolved to a fresh table.
func build(t *testing.T, name string, overrides map[string]string) (app.Handlers, string, *bytes.Buffer) {
	t.Helper()
	return buildAt(t, name, overrides, testenv.Clock(t), "")
}

// buildAt is build with a clock, on an existing table when one is given.
func buildAt(t *testing.T, name string, overrides map[string]string, clock func() time.Time, table string) (app.Handlers, string, *bytes.Buffer) {
	t.Helper()
	return buildWith(t, name, overrides, clock, table, recordIAM(name))
}

// buildWith is buildAt whose AWS clients service builds (e.g. recordIAM
// with injected faults: withFaults).
func buildWith(t *testing.T, name string, overrides map[string]string, clock func() time.Time, table string, service awsclients.Service) (app.Handlers, string, *bytes.Buffer) {
	t.Helper()
	tm := testenv.Template(t)
	f, ok := tm.Function(name)
	if !ok {
		t.Fatalf("no function %s in template.yaml", name)
	}
	if table == "" {
		table = testenv.NewTable(t)
	}
	e := testenv.Get(t)
	extra := map[string]string{"DYNAMODB_ENDPOINT": e.DynamoDB, "SES_ENDPOINT": e.SES, "S3_ENDPOINT": e.S3, "AWS_REGION": "us-east-1",
		"SIGNING_KEYS": testKeys, "SES_MAX_SEND_RATE": "1000", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": "*",
		// Alert flood control is off unless a test turns it on
		// (TestAlertFloodIsHeldAndSummarisedOnce): many tests post more hot
		// leads of one source within minutes than the default allows.
		"ALERT_LIMIT": "off", "ALERT_CAMPAIGN_LIMIT": "off", "ALERT_DEDUP_WINDOW": "0s", "CAMPAIGNS_DIR": testCampaigns(t),
		"SEGMENTS_DIR": filepath.Join(testenv.Root(t), "config", "segments")}
	// The addresses' parameters have no default: a deploy names them.
	maps.Copy(extra, gateway.LocalAddresses)
	if _, ok := f.Env["SEGMENTS_BUCKET"]; ok && overrides["SEGMENTS_BUCKET"] == "" {
		// A function that reads or writes the segment exports gets a
		// bucket of its own unless the test shares one.
		extra["SEGMENTS_BUCKET"] = testenv.NewBucket(t)
	}
	for k, v := range overrides {
		extra[k] = v
	}
	env := gateway.FunctionEnv(f, map[string]string{tm.TableID: table}, extra)
	var logs bytes.Buffer
	h, err := registry.Build(context.Background(), name, []awsclients.Service{service}, func(k string) string { return env[k] }, logsTo(&logs), clock)
	if err != nil {
		t.Fatal(err)
	}
	return recording(h), table, &logs
}

var (
	campaignsOnce sync.Once
	campaignsDir  string
	campaignsErr  error
)

// testCampaigns is the campaigns folder the integration suite runs with:
// the shipped campaign files, plus newsletter-q4 (the cold leads of
// coldBody) with single opt-in, so tests about nurturing need no
// confirmation click; TestDoubleOptIn uses a campaign without a file,
// which has the default, double opt-in.
func testCampaigns(t *testing.T) string {
	t.Helper()
	campaignsOnce.Do(func() {
		if campaignsDir, campaignsErr = os.MkdirTemp("", "leadflow-campaigns-"); campaignsErr != nil {
			return
		}
		shipped, _ := filepath.Glob(filepath.Join(testenv.Root(t), "config", "campaigns", "*.yaml"))
		for _, f := range shipped {
			b, err := os.ReadFile(f)
			if err != nil {
				campaignsErr = err
				return
			}
			if campaignsErr = os.WriteFile(filepath.Join(campaignsDir, filepath.Base(f)), b, 0o644); campaignsErr != nil {
				return
			}
		}
		campaignsErr = os.WriteFile(filepath.Join(campaignsDir, "newsletter-q4.yaml"), []byte(campaignYAML("newsletter-q4", "consent_mode: single\n")), 0o644)
	})
	if campaignsErr != nil {
		t.Fatal(campaignsErr)
	}
	return campaignsDir
}

func sampleEvent(t *testing.T, file string) httpapi.Request {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.Root(t), "events", file))
	if err != nil {
		t.Fatal(err)
	}
	var req httpapi.Request
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return req
}

func TestCaptureSampleEventsEndToEnd(t *testing.T) {
	h, table, logs := build(t, "capture", map[string]string{"ALLOWED_ORIGINS": "https://www.example.com", "THANK_YOU_URL": "https://www.example.com/thank-you"})
	st := store.New(testenv.Clients(t).DynamoDB, table)
	ctx := context.Background()

	resp, err := h.HTTP(ctx, sampleEvent(t, "capture-json.json"))
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("json sample: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	created := struct{ ID string }{capturedID(t, table, "maria.schmidt@acme-industrial.example")}
	l, err := st.Lead(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Email != "maria.schmidt@acme-industrial.example" || l.FirstTouch.UTMSource != "linkedin" || l.FirstTouch.Campaign != "q4-demo-push" ||
		l.Answers["crm"] != "Salesforce" || l.Consent.MarketingOptIn || l.OptIn == nil || l.OptIn.TextVersion != "2026-09" || l.OptIn.IPHash != evidence(t).Hash("203.0.113.24") || l.TimeZone != "Europe/Berlin" {
		t.Fatalf("stored lead lacks context: %+v", l)
	}

	before, _ := st.Timeline(ctx, created.ID)
	// The same JSON event again carries the same Idempotency-Key: replayed.
	again, _ := h.HTTP(ctx, sampleEvent(t, "capture-json.json"))
	if again.StatusCode != 202 || again.Body != resp.Body || strings.Contains(again.Body, created.ID) {
		t.Fatalf("replay: %d %s %v", again.StatusCode, again.Body, again.Headers)
	}
	if tl, _ := st.Timeline(ctx, created.ID); len(tl) != len(before) || len(tl) < 2 {
		t.Fatalf("replay changed the timeline: %d events, before %d", len(tl), len(before))
	}

	form, err := h.HTTP(ctx, sampleEvent(t, "capture-form.json"))
	if err != nil || form.StatusCode != 303 || form.Headers["Location"] != "https://www.example.com/thank-you" {
		t.Fatalf("form sample: %d %v %v", form.StatusCode, form.Headers, err)
	}
	fl, err := st.LeadByEmail(ctx, lead.HashEmail("jonas.weber@northwind.example"))
	if err != nil || fl.Answers["crm"] != "HubSpot" || fl.LastTouch.UTMCampaign != "brand-search" || fl.Consent.MarketingOptIn || fl.OptIn == nil {
		t.Fatalf("form lead = %+v, %v", fl, err)
	}

	pre, _ := h.HTTP(ctx, sampleEvent(t, "capture-preflight.json"))
	if pre.StatusCode != 204 || pre.Headers["Access-Control-Allow-Origin"] != "https://www.example.com" {
		t.Fatalf("preflight: %d %v", pre.StatusCode, pre.Headers)
	}

	if strings.Contains(logs.String(), "maria.schmidt") || strings.Contains(logs.String(), "jonas.weber") {
		t.Fatalf("raw email in logs:\n%s", logs.String())
	}
	if n := strings.Count(logs.String(), `"msg":"capture"`); n != 3 {
		t.Fatalf("want one log line per POST (3), got %d:\n%s", n, logs.String())
	}
}

func rotationKey(table, team string) *dynamodb.GetItemInput {
	return &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "ROTATION#" + team}, "SK": &types.AttributeValueMemberS{Value: "STATE"}}}
}

// TestAllowedOriginsMustBeChosen: capture and track refuse to start
// without an origin allowlist, naming the template parameter to set; "*"
// stays an explicit choice.
func TestAllowedOriginsMustBeChosen(t *testing.T) {
	for _, fn := range []string{"capture", "track"} {
		for value, want := range map[string]string{
			"":                          "ALLOWED_ORIGINS is not set (template parameter AllowedOrigins)",
			" , ":                       "ALLOWED_ORIGINS (template parameter AllowedOrigins): no origin given",
			"www.example.com":           `"www.example.com" is not an origin like https://www.example.com`,
			"https://x.example/landing": `"https://x.example/landing" is not an origin`,
			"*":                         "",
			"https://www.example.com, https://lp.example.com": "",
		} {
			env := map[string]string{"TABLE_NAME": "t", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": value, "THANK_YOU_URL": "https://x.example/t", "SENDER_ADDRESS": "a@x.example",
				"SALES_ADDRESS": "s@x.example", "SIGNING_KEYS": testKeys, "AWS_REGION": "us-east-1"}
			_, err := registry.Build(context.Background(), fn, all.Services, func(k string) string { return env[k] }, &bytes.Buffer{}, testenv.Clock(t))
			switch {
			case want == "" && err != nil:
				t.Errorf("%s with ALLOWED_ORIGINS=%q: %v", fn, value, err)
			case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
				t.Errorf("%s with ALLOWED_ORIGINS=%q: err = %v, want %q", fn, value, err, want)
			}
		}
	}
}

// TestAddressesAreCheckedAtInit: a sender, sales or marketing address
// that is not an email address stops the function at init, naming the
// variable and the template parameter, instead of failing every email.
func TestAddressesAreCheckedAtInit(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany",
		"ALLOWED_ORIGINS": "*", "THANK_YOU_URL": "https://x.example/t", "SENDER_ADDRESS": "a@x.example", "SALES_ADDRESS": "s@x.example",
		"MARKETING_ADDRESS": "m@x.example", "SIGNING_KEYS": testKeys, "AWS_REGION": "us-east-1"}
	for _, tc := range []struct{ fn, name, value, want string }{
		{"capture", "SENDER_ADDRESS", "Acme <leads@example.com", `SENDER_ADDRESS="Acme <leads@example.com" is not an email address like leads@example.com or "Acme <leads@example.com>" (template parameter SenderAddress)`},
		{"nurture", "SALES_ADDRESS", "sales team", `SALES_ADDRESS="sales team" is not an email address`},
		{"reports", "MARKETING_ADDRESS", "marketing@", `MARKETING_ADDRESS="marketing@" is not an email address`},
		{"capture", "SENDER_ADDRESS", `"Acme Leads" <leads@example.com>`, ""},
		// Numbers the reports price time and spend with: NaN and Inf are
		// refused like any other non-number.
		{"reports", "HOURLY_COST", "NaN", `HOURLY_COST="NaN" is not a positive number`},
		{"reports", "MINUTES_PER_LEAD", "+Inf", `MINUTES_PER_LEAD="+Inf" is not a positive number`},
		{"reports", "CAMPAIGN_SPEND", "alpha=NaN", `CAMPAIGN_SPEND: "alpha=NaN" is not campaign=amount`},
		// Beyond any real figure (a typo): the reports' products of it
		// would be Inf, which JSON cannot carry.
		{"reports", "MINUTES_PER_LEAD", "1e300", `MINUTES_PER_LEAD="1e300" is more than 1440`},
		{"reports", "HOURLY_COST", "6e7", `HOURLY_COST="6e7" is more than 1000000`},
		{"reports", "CAMPAIGN_SPEND", "alpha=1e13", `CAMPAIGN_SPEND: "alpha=1e13" is more than 1000000000000`},
		{"reports", "MINUTES_PER_LEAD", "1440", ""},
		// A spend without its campaign, or a campaign given twice (which
		// figure is meant?), is a typo to fix, not one to guess at.
		{"reports", "CAMPAIGN_SPEND", "=500", `CAMPAIGN_SPEND: "=500" names no campaign`},
		{"reports", "CAMPAIGN_SPEND", "alpha=500, beta=20,alpha=800", `CAMPAIGN_SPEND: campaign "alpha" is given twice`},
		{"reports", "CAMPAIGN_SPEND", "alpha=500,beta=20", ""},
	} {
		env := maps.Clone(base)
		env[tc.name] = tc.value
		_, err := registry.Build(context.Background(), tc.fn, all.Services, func(k string) string { return env[k] }, &bytes.Buffer{}, testenv.Clock(t))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s with %s=%q: %v", tc.fn, tc.name, tc.value, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s with %s=%q: err = %v, want %q", tc.fn, tc.name, tc.value, err, tc.want)
		}
	}
}

// TestInvalidQualifyConfigFailsAtInit: a function with a broken config
// refuses to start, naming the file and line, instead of running on
// without rules.
func TestInvalidQualifyConfigFailsAtInit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qualify.yaml")
	if err := os.WriteFile(path, []byte("version: 1\nfit:\n  rules:\n    - field: job_title\n      op: startswith\n      values: [CMO]\n      points: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TABLE_NAME": "t", "PRIVACY_NOTICE_URL": "https://www.example.com/privacy", "SENDER_POSTAL_ADDRESS": "leadflow GmbH, Hauptstr. 1, 10115 Berlin, Germany", "ALLOWED_ORIGINS": "*", "THANK_YOU_URL": "https://x.example/t", "SENDER_ADDRESS": "a@x.example",
		"SALES_ADDRESS": "s@x.example", "SIGNING_KEYS": testKeys, "QUALIFY_CONFIG": path, "AWS_REGION": "us-east-1"}
	for _, fn := range []string{"capture", "nurture"} {
		_, err := registry.Build(context.Background(), fn, all.Services, func(k string) string { return env[k] }, &bytes.Buffer{}, testenv.Clock(t))
		if err == nil || !strings.Contains(err.Error(), "qualify.yaml:5") || !strings.Contains(err.Error(), "startswith") {
			t.Errorf("%s with a bad config: err = %v, want the file:line and the bad operator", fn, err)
		}
	}
	delete(env, "SIGNING_KEYS")
	delete(env, "QUALIFY_CONFIG")
	if _, err := registry.Build(context.Background(), "capture", all.Services, func(k string) string { return env[k] }, &bytes.Buffer{}, testenv.Clock(t)); err == nil ||
		!strings.Contains(err.Error(), "SIGNING_KEYS") {
		t.Errorf("without signing keys: err = %v", err)
	}
}

// TestCaptureRefusesBrokenAndDeceptiveText: through the JSON POST /leads
// path, text encoding/json would silently repair (invalid UTF-8, half a
// surrogate pair — in values, keys and answers) and addresses built to
// deceive (invisible characters, look-alike letters) are refused with 400
// naming the field and nothing is stored; an IDN domain typed in Unicode
// or in punycode is one lead, stored in punycode.
func TestCaptureRefusesBrokenAndDeceptiveText(t *testing.T) {
	h, table, logs := build(t, "capture", nil)
	ctx := context.Background()
	st := store.New(testenv.Clients(t).DynamoDB, table)
	n := time.Now().UnixNano()
	for _, tc := range []struct {
		name, body, field, reason string
	}{
		{"lone surrogate in the email", fmt.Sprintf(`{"email":"ann.%d\ud800@acme.example"}`, n), "email", `holds half of a UTF-16 surrogate pair (\ud800) without the other half`},
		{"invalid UTF-8 in an answer", fmt.Sprintf("{\"email\":\"ann.%d@acme.example\",\"answers\":{\"crm\":\"Hub\xffSpot\"}}", n), "answers.crm", "is not valid UTF-8"},
		{"lone surrogate in an answer's key", fmt.Sprintf(`{"email":"ann.%d@acme.example","answers":{"c\udc00rm":"x"}}`, n), "answers.c\ufffdrm", `its name holds half of a UTF-16 surrogate pair (\udc00) without the other half`},
		{"zero-width space in the email", fmt.Sprintf(`{"email":"ann.%d@acme\u200b.example"}`, n), "email", "contains an invisible or text-direction character (U+200B)"},
		{"right-to-left override in the email", fmt.Sprintf(`{"email":"ann.%d@\u202eelpmaxe.acme"}`, n), "email", "contains an invisible or text-direction character (U+202E)"},
		{"cyrillic look-alike in the domain", fmt.Sprintf(`{"email":"ann.%d@p\u0430ypal.example"}`, n), "email", "mixes Cyrillic and Latin letters in one part of the domain (look-alike letters)"},
	} {
		resp, err := h.HTTP(ctx, jsonLead(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Error  string            `json:"error"`
			Fields []lead.FieldError `json:"fields"`
		}
		_ = json.Unmarshal([]byte(resp.Body), &p)
		if resp.StatusCode != 400 || len(p.Fields) != 1 || p.Fields[0] != (lead.FieldError{Field: tc.field, Reason: tc.reason}) {
			t.Errorf("%s: %d %s; want 400 naming %s: %s", tc.name, resp.StatusCode, resp.Body, tc.field, tc.reason)
		}
	}
	out, _ := testenv.Clients(t).DynamoDB.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if out.Count != 0 {
		t.Fatalf("refused submissions wrote %d items", out.Count)
	}

	for _, email := range []string{fmt.Sprintf("Ann.%d@Bücher.example", n), fmt.Sprintf("ann.%d@xn--bcher-kva.example", n)} {
		accepted(t)(h.HTTP(ctx, jsonLead(`{"email":"`+email+`"}`)))
	}
	want := fmt.Sprintf("ann.%d@xn--bcher-kva.example", n)
	l, err := st.LeadByEmail(ctx, lead.HashEmail(want))
	if err != nil || l.Touches != 2 || l.Email != want {
		t.Fatalf("stored %q with %d touches (%v); want one lead with both touches, stored as %s", l.Email, l.Touches, err, want)
	}
	if strings.Contains(logs.String(), fmt.Sprint(n)) {
		t.Fatal("a submitted address reached the logs")
	}
}
