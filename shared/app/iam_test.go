package app_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/awsclients"
	"github.com/leadflow/leadflow/shared/awsclients/all"
)

// iamCall is one IAM action a function's code needed on AWS: the action
// and, for DynamoDB, the table ("") or the index it was on; for an S3
// object, its key (a policy grants objects under a prefix).
type iamCall struct {
	Function, Action, Index string
	Key                     string
}

// iamCalls holds every action the functions built by buildAt needed in
// this test process; checkIAM compares them with template.yaml.
var iamCalls sync.Map // iamCall → true

// recordIAM is the clients of every service (awsclients/all), each
// recording the IAM actions its calls need, for the function name.
func recordIAM(name string) awsclients.Service {
	return func(b awsclients.Base, c *awsclients.Clients) {
		b.Config.APIOptions = append(slices.Clone(b.Config.APIOptions), iamRecorder(name))
		c.DynamoDB = awsclients.NewDynamoDB(b)
		for _, s := range all.Services {
			s(b, c)
		}
	}
}

// iamRecorder is the SDK middleware that records, for the function name,
// the IAM actions each call needs.
func iamRecorder(name string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("iamRecord", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			for _, call := range iamActions(name, awsmw.GetServiceID(ctx), awsmw.GetOperationName(ctx), in.Parameters) {
				iamCalls.Store(call, true)
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
	}
}

// iamActions maps one API call to the IAM actions AWS checks for it: a
// transaction needs the action of each item it holds (ConditionCheck:
// dynamodb:ConditionCheckItem), a query or scan of an index needs the
// index's ARN.
func iamActions(fn, service, op string, params any) []iamCall {
	prefix := map[string]string{"DynamoDB": "dynamodb", "SESv2": "ses", "SSM": "ssm", "EventBridge": "events", "S3": "s3"}[service]
	if prefix == "" {
		prefix = strings.ToLower(service)
	}
	call := func(action, index string) iamCall { return iamCall{fn, prefix + ":" + action, index, ""} }
	switch p := params.(type) {
	case *dynamodb.TransactWriteItemsInput:
		var out []iamCall
		for _, it := range p.TransactItems {
			switch {
			case it.Put != nil:
				out = append(out, call("PutItem", ""))
			case it.Update != nil:
				out = append(out, call("UpdateItem", ""))
			case it.Delete != nil:
				out = append(out, call("DeleteItem", ""))
			case it.ConditionCheck != nil:
				out = append(out, call("ConditionCheckItem", ""))
			}
		}
		return out
	case *dynamodb.QueryInput:
		return []iamCall{call(op, deref(p.IndexName))}
	case *dynamodb.ScanInput:
		return []iamCall{call(op, deref(p.IndexName))}
	case *s3.PutObjectInput:
		return []iamCall{{fn, "s3:PutObject", "", deref(p.Key)}}
	case *s3.GetObjectInput:
		return []iamCall{{fn, "s3:GetObject", "", deref(p.Key)}}
	case *s3.DeleteObjectInput:
		return []iamCall{{fn, "s3:DeleteObject", "", deref(p.Key)}}
	}
	if service == "S3" && op == "CreateSession" {
		return nil // S3 Express only; a general purpose bucket never calls it
	}
	if service == "S3" && op == "ListObjectsV2" {
		return []iamCall{call("ListBucket", "")} // the action IAM checks for it
	}
	return []iamCall{call(op, "")}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// iamProblems lists the recorded actions the function's policies in
// template.yaml do not grant: each one an AccessDenied on AWS that the
// emulators (which check no IAM) let through. An S3 object action is
// granted by a statement on objects of a bucket the template declares
// under a prefix of its key ("${Bucket.Arn}/segments/*").
func iamProblems(tm *sam.Template, calls []iamCall) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range calls {
		f, ok := tm.Function(c.Function)
		if !ok {
			continue
		}
		want := "getatt:" + tm.TableID + ".Arn"
		if c.Index != "" {
			want += "/index/" + c.Index
		}
		granted := false
		for _, p := range f.Policies {
			doc, _ := p.(map[string]any)
			stmts, _ := doc["Statement"].([]any)
			for _, s := range stmts {
				st, _ := s.(map[string]any)
				if st["Effect"] != "Allow" || !slices.Contains(asList(st["Action"]), c.Action) {
					continue
				}
				switch {
				case c.Key != "":
					for _, r := range asList(st["Resource"]) {
						_, objects, _ := strings.Cut(r, ".Arn/")
						if bucketObjects(tm, r) && strings.HasPrefix(c.Key, strings.TrimSuffix(objects, "*")) {
							granted = true
						}
					}
				case !strings.HasPrefix(c.Action, "dynamodb:") || slices.Contains(asList(st["Resource"]), want):
					granted = true
				}
			}
		}
		if !granted {
			on := "the table"
			switch {
			case c.Index != "":
				on = "index " + c.Index
			case c.Key != "":
				on = "the object " + c.Key
			}
			p := fmt.Sprintf("%sFunction calls %s on %s, which template.yaml does not grant it", strings.ToUpper(c.Function[:1])+c.Function[1:], c.Action, on)
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// unexercised are the grants no test in this package makes its function
// use, each with the reason it is needed on AWS all the same. An entry a
// test does exercise is reported, so the list only shrinks.
var unexercised = map[string]string{
	// Read at init from SIGNING_KEYS_PARAM (shared/paramstore); the
	// emulators have no SSM, so tests give the keys in SIGNING_KEYS.
	"capture ssm:GetParameter":     "signing keys",
	"track ssm:GetParameter":       "signing keys",
	"nurture ssm:GetParameter":     "signing keys",
	"unsubscribe ssm:GetParameter": "signing keys",
	"feedback ssm:GetParameter":    "signing keys",
	"reports ssm:GetParameter":     "signing keys",
	// The account's send rate when SesMaxSendRate is empty; tests set it.
	"nurture ses:GetAccount": "send rate",
	// Store.Forget: an alert summary, open-lead list or digest whose
	// email failed releases its once-marker so a retry sends it.
	"track dynamodb:DeleteItem":   "once-marker released after a failed send",
	"nurture dynamodb:DeleteItem": "once-marker released after a failed send",
	"reports dynamodb:DeleteItem": "once-marker released after a failed send",
}

// unusedGrants lists what template.yaml grants a function that no
// recorded call needed and unexercised does not explain: a statement no
// test proves necessary.
func unusedGrants(tm *sam.Template, calls []iamCall) []string {
	used := map[string]bool{}
	for _, c := range calls {
		used[c.Function+" "+c.Action+" "+c.Index] = true
	}
	table := "getatt:" + tm.TableID + ".Arn"
	var out []string
	seen := map[string]bool{}
	for _, f := range tm.Functions {
		for _, p := range f.Policies {
			doc, _ := p.(map[string]any)
			stmts, _ := doc["Statement"].([]any)
			for _, s := range stmts {
				st, _ := s.(map[string]any)
				if st["Effect"] != "Allow" {
					continue
				}
				for _, a := range asList(st["Action"]) {
					indexes := []string{""}
					if strings.HasPrefix(a, "dynamodb:") {
						indexes = nil
						for _, r := range asList(st["Resource"]) {
							if r == table {
								indexes = append(indexes, "")
							} else if i, ok := strings.CutPrefix(r, table+"/index/"); ok {
								indexes = append(indexes, i)
							}
						}
					}
					for _, i := range indexes {
						k := f.Name + " " + a + " " + i
						seen[strings.TrimSpace(k)] = true
						if used[k] || unexercised[strings.TrimSpace(k)] != "" {
							continue
						}
						on := ""
						if strings.HasPrefix(a, "dynamodb:") {
							on = " on the table"
							if i != "" {
								on = " on index " + i
							}
						}
						out = append(out, fmt.Sprintf("%s is granted %s%s, which no test made it use", f.LogicalID, a, on))
					}
				}
			}
		}
	}
	for k := range unexercised {
		if used[k+" "] || !seen[k] {
			out = append(out, fmt.Sprintf("unexercised lists %q, which a test used or template.yaml no longer grants", k))
		}
	}
	sort.Strings(out)
	return out
}

// TestUnusedGrantCheck proves the check reports a grant nothing used, and
// an unexercised entry a test did use.
func TestUnusedGrantCheck(t *testing.T) {
	tm := testenv.Template(t)
	got := strings.Join(unusedGrants(tm, []iamCall{{"track", "dynamodb:DeleteItem", "", ""}}), "\n")
	for _, want := range []string{
		"CaptureFunction is granted dynamodb:PutItem on the table, which no test made it use",
		"NurtureFunction is granted dynamodb:Query on index GSI1, which no test made it use",
		"PublisherFunction is granted events:PutEvents, which no test made it use",
		`unexercised lists "track dynamodb:DeleteItem", which a test used`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("not reported: %q\nreported:\n%s", want, got)
		}
	}
}

func recordedIAM(fn string) []iamCall {
	var out []iamCall
	iamCalls.Range(func(k, _ any) bool {
		if c := k.(iamCall); fn == "" || c.Function == fn {
			out = append(out, c)
		}
		return true
	})
	return out
}

// checkIAM runs after the package's tests: every action any test made a
// function take must be granted to it by template.yaml.
func checkIAM() int {
	root, err := sam.Root()
	if err != nil {
		return 0
	}
	tm, err := sam.Load(root + "/template.yaml")
	if err != nil {
		return 0
	}
	problems := iamProblems(tm, recordedIAM(""))
	// Only a whole run (no -run, not -short, the emulators there) makes
	// every function do all it does; one shard of several (make test) leaves
	// what it used for TestIAMGrantsUsedAcrossShards.
	if run := flag.Lookup("test.run"); run != nil && run.Value.String() == "" && !testing.Short() && len(recordedIAM("")) > 0 {
		if k, n := testenv.Shard(); n > 1 {
			if err := saveShardIAM(k, n, recordedIAM("")); err != nil {
				problems = append(problems, err.Error())
			}
		} else {
			problems = append(problems, unusedGrants(tm, recordedIAM(""))...)
		}
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "IAM:", p)
	}
	if len(problems) > 0 {
		return 1
	}
	return 0
}

// TestFunctionsMayDoWhatTheyDo: a hot lead's alert leaves events pending
// on its profile (the send path's single-item write); the publisher
// records them from the stream in a transaction that checks the lead was
// not erased, and folds a deferred count; an erasure records what is
// pending first. Each action those writes take must be in the function's
// policy, or AWS refuses it while the emulators do not.
func TestFunctionsMayDoWhatTheyDo(t *testing.T) {
	capture, table, _ := build(t, "capture", nil)
	admin, _, _ := buildAt(t, "privacy", nil, testenv.Clock(t), table)
	pub := publishing(t, table)
	ctx := context.Background()
	email := fmt.Sprintf("iam.%d@bigcorp.example", time.Now().UnixNano())
	accepted(t)(capture.HTTP(ctx, jsonLead(hotBody(email, "1000+"))))
	id := capturedID(t, table, email)
	// A deferred count, as a lead write leaves one when other
	// transactions hold the counter shards.
	db := testenv.Clients(t).DynamoDB
	count := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "LEAD#" + id}, "SK": &types.AttributeValueMemberS{Value: "COUNT#" + testenv.Now(t).UTC().Format(time.RFC3339Nano) + "#iam"}}
	item := maps.Clone(count)
	item["at"], item["counters"] = &types.AttributeValueMemberS{Value: testenv.Now(t).UTC().Format(time.RFC3339Nano)}, &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
		t.Fatal(err)
	}
	has := func(fn, action string) bool {
		return slices.ContainsFunc(recordedIAM(fn), func(c iamCall) bool { return c.Action == action })
	}
	// The publisher has recorded the pending events and folded this
	// test's count (its item is gone): the actions recorded are kept for
	// the whole process, so another test's publisher run may have made
	// them already; the table says this one's work is done.
	pub.settle(t, func() bool {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: count, ConsistentRead: aws.Bool(true)})
		return err == nil && out.Item == nil && has("publisher", "dynamodb:ConditionCheckItem") && has("publisher", "dynamodb:DeleteItem")
	})
	if er, _ := admin.HTTP(ctx, adminRequest("POST /admin/erase", `{"email":"`+email+`"}`)); er.StatusCode != 200 {
		t.Fatalf("erase: %d %s", er.StatusCode, er.Body)
	}
	for _, want := range [][2]string{{"publisher", "dynamodb:ConditionCheckItem"}, {"publisher", "dynamodb:DeleteItem"}, {"privacy", "dynamodb:ConditionCheckItem"}} {
		if !has(want[0], want[1]) {
			t.Errorf("the flow no longer makes %s call %s: this test checks nothing there", want[0], want[1])
		}
	}
	var calls []iamCall
	for _, fn := range []string{"capture", "publisher", "privacy"} {
		calls = append(calls, recordedIAM(fn)...)
	}
	for _, p := range iamProblems(testenv.Template(t), calls) {
		t.Error(p)
	}
}

// shardIAMFile is where shard k of n leaves the actions its tests used.
func shardIAMFile(dir string, k, n int) string {
	return filepath.Join(dir, fmt.Sprintf("iam-shard-%d-of-%d.json", k, n))
}

// saveShardIAM records the actions shard k of n used, in LEADFLOW_IAM_DIR.
func saveShardIAM(k, n int, calls []iamCall) error {
	dir := os.Getenv("LEADFLOW_IAM_DIR")
	if dir == "" {
		return fmt.Errorf("LEADFLOW_SHARD=%d/%d without LEADFLOW_IAM_DIR: no test could check that every grant is used", k, n)
	}
	b, err := json.Marshal(calls)
	if err == nil {
		err = os.WriteFile(shardIAMFile(dir, k, n), b, 0o644)
	}
	return err
}

// TestIAMGrantsUsedAcrossShards is the whole run's unused-grant check
// when make test ran the package as shards (each a share of the tests):
// every grant in template.yaml was used by a test of some shard. It
// reads what each shard left in LEADFLOW_IAM_DIR; make test runs it after
// them.
func TestIAMGrantsUsedAcrossShards(t *testing.T) {
	dir := os.Getenv("LEADFLOW_IAM_DIR")
	if _, n := testenv.Shard(); dir == "" || n > 1 {
		t.Skip("make test runs it after shared/app's shards, with LEADFLOW_IAM_DIR")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "iam-shard-*-of-*.json"))
	if len(files) == 0 {
		t.Fatalf("no shard recorded what it used in %s", dir)
	}
	var n int
	if _, err := fmt.Sscanf(filepath.Base(files[0]), "iam-shard-1-of-%d.json", &n); err != nil {
		t.Fatalf("%s: not the first shard's record (%v)", files[0], err)
	}
	var all []iamCall
	for k := 1; k <= n; k++ {
		b, err := os.ReadFile(shardIAMFile(dir, k, n))
		if err != nil {
			t.Fatalf("shard %d of %d left no record: %v", k, n, err)
		}
		var calls []iamCall
		if err := json.Unmarshal(b, &calls); err != nil {
			t.Fatalf("shard %d of %d: %v", k, n, err)
		}
		all = append(all, calls...)
	}
	for _, p := range unusedGrants(testenv.Template(t), all) {
		t.Error(p)
	}
}

// TestIAMCheckCoversObjectKeys proves the check holds an S3 object call
// to the prefixes its function's policy grants: the segments function
// may write customer lists, not a privacy export's key.
func TestIAMCheckCoversObjectKeys(t *testing.T) {
	tm := testenv.Template(t)
	if got := iamProblems(tm, []iamCall{{"segments", "s3:PutObject", "", "segments/all/2026-12-07-01.csv"}}); len(got) != 0 {
		t.Errorf("a customer list's write reported: %v", got)
	}
	got := strings.Join(iamProblems(tm, []iamCall{{"segments", "s3:PutObject", "", "privacy-exports/L1.json"}, {"segments", "s3:GetObject", "", "segments/all/x.csv"}}), "\n")
	for _, want := range []string{
		"SegmentsFunction calls s3:PutObject on the object privacy-exports/L1.json, which template.yaml does not grant it",
		"SegmentsFunction calls s3:GetObject on the object segments/all/x.csv, which template.yaml does not grant it",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("not reported: %q\nreported:\n%s", want, got)
		}
	}
}
