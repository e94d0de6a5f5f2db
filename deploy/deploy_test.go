// Package deploy checks template.yaml as AWS will deploy it: expanded by
// the SAM transform (transform.py, with the samtranslator that ships with
// cfn-lint), and built as `sam build` builds it. `make deploy-check` runs
// these tests with cfn-lint; `make test` runs them with everything else.
package deploy

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app/reportsfn"
	"github.com/leadflow/leadflow/shared/config"
	"github.com/leadflow/leadflow/shared/handoff"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/logx"
	"github.com/leadflow/leadflow/shared/metrics"
	"github.com/leadflow/leadflow/shared/privacy"
	"github.com/leadflow/leadflow/shared/sesevents"
	"github.com/leadflow/leadflow/shared/track"
)

// transformed runs transform.py on a template and decodes the result.
// The shipped template.yaml is transformed once per run (five tests
// read it; each run of the SAM translator takes seconds), and each
// caller decodes a copy of its own.
func transformed(t *testing.T, path string) (map[string]any, error) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		testenv.Unavailable(t, "deploy check skipped: python3 is not installed (and with it cfn-lint: pip install cfn-lint)")
	}
	root := testenv.Root(t)
	var r transformRun
	if path == filepath.Join(root, "template.yaml") {
		shipped.once.Do(func() { shipped.run = transform(root, path) })
		r = shipped.run
	} else {
		r = transform(root, path)
	}
	if r.unavailable != "" {
		testenv.Unavailable(t, "deploy check skipped: "+r.unavailable)
	}
	if r.err != nil {
		return nil, r.err
	}
	var doc map[string]any
	if err := json.Unmarshal(r.out, &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// transformRun is what one run of transform.py gave: the transformed
// template (JSON), or why the translator is missing (its exit code 3),
// or how it failed.
type transformRun struct {
	out         []byte
	unavailable string
	err         error
}

var shipped struct {
	once sync.Once
	run  transformRun
}

func transform(root, path string) transformRun {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("python3", filepath.Join(root, "deploy", "transform.py"), path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		return transformRun{unavailable: strings.TrimSpace(stderr.String())}
	}
	if err != nil {
		return transformRun{err: fmt.Errorf("%v: %s", err, stderr.String())}
	}
	return transformRun{out: stdout.Bytes()}
}

// TestTransformedTemplate checks what CloudFormation would receive.
func TestTransformedTemplate(t *testing.T) {
	doc, err := transformed(t, filepath.Join(testenv.Root(t), "template.yaml"))
	if err != nil {
		t.Fatalf("template.yaml does not pass the SAM transform: %v", err)
	}
	for _, p := range deployProblems(doc) {
		t.Error(p)
	}
}

// TestDeployCheckCatchesMistakes proves the checks fail on the mistakes
// they exist for: the transform refusing IAM routes without the API's IAM
// authorizer, a public route made IAM-only, an admin route made public,
// a function without its log retention, ERROR lines left uncounted or
// counted by a pattern that misses them, one fault paging twice, an alarm
// paging no one, SLA breaches paging on their own, a filter no test
// proves and an alarm reading another namespace than the functions write.
func TestDeployCheckCatchesMistakes(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(testenv.Root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, edits ...string) string {
		s := string(good)
		for i := 0; i < len(edits); i += 2 {
			if !strings.Contains(s, edits[i]) {
				t.Fatalf("%s: the template no longer contains %q", name, edits[i])
			}
			s = strings.Replace(s, edits[i], edits[i+1], 1)
		}
		p := filepath.Join(t.TempDir(), "template.yaml")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	// Without the authorizer the transform itself refuses the template.
	if _, err := transformed(t, write("no authorizer", "      Auth:\n        EnableIamAuthorizer: true\n", "")); err == nil ||
		!strings.Contains(err.Error(), "does not define any Authorizers") {
		t.Errorf("a template without EnableIamAuthorizer transformed: %v", err)
	}

	doc, err := transformed(t, write("drifted",
		"            Method: POST\n            Path: /leads\n", "            Method: POST\n            Path: /leads\n            Auth:\n              Authorizer: AWS_IAM\n",
		"            Path: /admin/erase\n            Auth:\n              Authorizer: AWS_IAM\n", "            Path: /admin/erase\n",
		"      LoggingConfig:\n        LogGroup: !Ref TrackLogGroup\n", "",
		"      MetricName: Reputation.BounceRate\n", "      MetricName: BounceRate\n",
		"      Threshold: 0.0008\n", "      Threshold: 0.001\n",
		"      MetricName: SlaBreaches\n", "      MetricName: SlaBreaches\n      Dimensions:\n        - Name: Function\n          Value: nurture\n",
		"      MetricName: IteratorAge\n", "      MetricName: IteratorAgeMilliseconds\n",
		"like sales@yourdomain.com.\n", "like sales@yourdomain.com.\n    Default: sales@example.com\n",
		"without subscribers.\n    Default: \"\"\n", "without subscribers.\n    Default: ops@example.com\n",
		"      Timeout: 29\n      # A failed retention run", "      Timeout: 60\n      # A failed retention run",
		"    - [Capture, Track, Unsubscribe, Feedback, SesEvents, Publisher, Privacy, Reports, Segments]\n    - ${Name}ErrorLogsFilter:",
		"    - [Capture, Track, Feedback, SesEvents, Publisher, Privacy, Reports, Segments]\n    - ${Name}ErrorLogsFilter:",
		`FilterPattern: '{ $.level = "ERROR" }'`, `FilterPattern: '{ $.level = "error" }'`,
		"      PointInTimeRecoverySpecification:\n        PointInTimeRecoveryEnabled: true\n", "",
		"        MatchingEventTypes: [SEND, BOUNCE, COMPLAINT, DELIVERY, REJECT]\n", "        MatchingEventTypes: [SEND, BOUNCE, DELIVERY, REJECT]\n",
		"Email Delivered, Email Rejected]", "Email Delivered]",
		"          SES_CONFIGURATION_SET: !Ref EmailConfigurationSet\n          CAMPAIGN_SPEND:", "          CAMPAIGN_SPEND:",
		"      OwnershipControls:\n", "      VersioningConfiguration:\n        Status: Enabled\n      OwnershipControls:\n",
		"            Prefix: privacy-exports/\n            ExpirationInDays: 1\n", "            Prefix: privacy-exports/\n            ExpirationInDays: 30\n",
		"      Timeout: 55\n", "      Timeout: 60\n",
		"      ReservedConcurrentExecutions: 1\n", "",
		"\nConditions:\n", "  Unchecked:\n    Type: String\n    Description: A parameter added without a pattern.\n    Default: \"\"\n\nConditions:\n",
		// One capture 5xx paging twice (its ERROR line, and a metric
		// alarm on CaptureServerErrors paging on its own), every ERROR-line
		// alarm paging besides its function's failing alarm, an alarm
		// left out of every composite, and the dead-letter page not held
		// back while the function that filled the queue pages.
		"          TreatMissingData: notBreaching\n\n  NurtureTickFailedAlarm:", "          TreatMissingData: notBreaching\n          AlarmActions: [!Ref AlarmTopic]\n\n"+
			"  CaptureServerErrorsAlarm:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      AlarmDescription: Capture answered 5xx.\n"+
			"      Namespace: !Sub \"leadflow/${AWS::StackName}\"\n      MetricName: CaptureServerErrors\n      Statistic: Sum\n      Period: 300\n"+
			"      EvaluationPeriods: 1\n      Threshold: 0\n      ComparisonOperator: GreaterThanThreshold\n      AlarmActions: [!Ref AlarmTopic]\n\n  NurtureTickFailedAlarm:",
		` OR ALARM("${PublisherIteratorAgeAlarm.Arn}")'`, `'`,
		"      ActionsSuppressor: !GetAtt FunctionsFailingAlarm.Arn\n", "",
		// The operator paged for every SLA breach, a sales matter.
		` AND ALARM("${NoSalesAnswersAlarm.Arn}")'`, `'`,
		`FilterPattern: '{ $.msg = "feedback" && $.status = 200 }'`, `FilterPattern: '{ $.msg = "feedback*" }'`,
		"          MetricName: SalesAnswers\n", "          MetricName: RepAnswers\n",
		"      Threshold: 864000\n", "      Threshold: 1209600\n",
		"      Namespace: !Sub \"leadflow/${AWS::StackName}\"\n      MetricName: NurtureTickFailures\n", "      Namespace: !Sub \"leadflow-${AWS::StackName}\"\n      MetricName: NurtureTickFailures\n",
		// A schedule that stops (its rule disabled) watched by nothing.
		"      MetricName: Invocations\n", "      MetricName: ConcurrentExecutions\n",
	))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(deployProblems(doc), "\n")
	for _, want := range []string{
		"POST /leads is public but has IAM auth",
		"POST /admin/erase is an admin route without IAM auth",
		"TrackFunction: no LoggingConfig.LogGroup",
		"no alarm on AWS/SES Reputation.BounceRate > 0.04",
		"no alarm on AWS/SES Reputation.ComplaintRate > 0.0008",
		"SlaBreachesPileUpAlarm: alarms on SlaBreaches with dimensions",
		"SlaBreachesPileUpAlarm: pages through [SlaBreachesAlarm] on SLA breaches alone",
		"SalesAnswersFilter: writes RepAnswers, but no test checks its pattern",
		"NurtureTickFailedAlarm: reads namespace map[Fn::Sub:leadflow-${AWS::StackName}], the functions write map[map[Fn::Sub:leadflow/${AWS::StackName}]:true]",
		"DeadLetterQueue: no alarm on ApproximateAgeOfOldestMessage at least 2 days before its MessageRetentionPeriod 1.2096e+06 s",
		`SalesAnswersFilter: filter pattern "{ $.msg = \"feedback*\" }": term`,
		"no alarm on AWS/Lambda IteratorAge > 600000",
		"SalesAddress: must have no default and MinLength 1",
		`SalesAddress: defaults to "sales@example.com", an example's value`,
		`AlarmEmail: defaults to "ops@example.com", an example's value`,
		"PrivacyFunction: Timeout 60 s behind API Gateway's 30 s (POST /admin/erase, POST /admin/export)",
		"UnsubscribeFunction: no metric filter counts the ERROR lines of its log group UnsubscribeLogGroup",
		`CaptureErrorLogsFilter: filter pattern "{ $.level = \"error\" }": does not match an ERROR line the functions write`,
		"LeadsTable: PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled must be true",
		"EmailConfigurationSet: its event destination does not send COMPLAINT events",
		`does not take "Email Rejected" (SES Reject events)`,
		"ReportsFunction: may send email but its SES_CONFIGURATION_SET is <nil>, not !Ref EmailConfigurationSet",
		"SegmentExportBucket: versioning is enabled",
		"SegmentExportBucket: no enabled lifecycle rule expires the stored data-subject exports (privacy-exports/) within 2 days",
		"NurtureFunction: Timeout 60 s: want under the 60 s between ticks",
		"NurtureFunction: ReservedConcurrentExecutions <nil>, want 1",
		"Unchecked: a String parameter without AllowedPattern or AllowedValues takes any typo",
		"CaptureErrorLogsAlarm: pages through [CaptureErrorLogsAlarm CaptureFailingAlarm]: one fault would page 2 times",
		"CaptureFunction: its alarms [CaptureErrorLogsAlarm CaptureErrorsAlarm CaptureServerErrorsAlarm CaptureThrottlesAlarm] page through [CaptureErrorLogsAlarm CaptureFailingAlarm CaptureServerErrorsAlarm]",
		"PublisherIteratorAgeAlarm: pages no one",
		"DeadLetterQueueAlarm: pages while NurtureFunction, whose failures fill DeadLetterQueue, is paging already",
		"NurtureFunctionTick: runs NurtureFunction rate(1 minute), and nothing pages when it stops",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("not reported: %q\nreported:\n%s", want, got)
		}
	}
}

// deployProblems lists what is wrong with a transformed template.
func deployProblems(doc map[string]any) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	res, _ := doc["Resources"].(map[string]any)
	byType := map[string][]string{}
	for id, r := range res {
		typ, _ := r.(map[string]any)["Type"].(string)
		byType[typ] = append(byType[typ], id)
	}
	for _, ids := range byType {
		sort.Strings(ids)
	}
	props := func(id string) map[string]any {
		p, _ := res[id].(map[string]any)["Properties"].(map[string]any)
		return p
	}

	// 1. AWS_IAM on exactly the admin and report routes.
	var iam []string
	routesOf := map[string][]string{} // function logical id → its routes
	for _, api := range byType["AWS::ApiGatewayV2::Api"] {
		body, _ := props(api)["Body"].(map[string]any)
		paths, _ := body["paths"].(map[string]any)
		for path, ops := range paths {
			for method, op := range ops.(map[string]any) {
				key := strings.ToUpper(method) + " " + path
				uri, _ := dig(op, "x-amazon-apigateway-integration", "uri", "Fn::Sub").(string)
				if m := integratedFunction.FindStringSubmatch(uri); m != nil {
					routesOf[m[1]] = append(routesOf[m[1]], key)
				}
				sec, _ := json.Marshal(op.(map[string]any)["security"])
				hasIAM := strings.Contains(string(sec), `"AWS_IAM"`)
				admin := strings.HasPrefix(path, "/admin/") || path == "/reports" || strings.HasPrefix(path, "/reports/")
				switch {
				case admin && !hasIAM:
					bad("%s is an admin route without IAM auth", key)
				case !admin && hasIAM:
					bad("%s is public but has IAM auth", key)
				case hasIAM:
					iam = append(iam, key)
				}
			}
		}
	}
	sort.Strings(iam)
	if len(iam) == 0 {
		bad("no route has IAM auth: export, erase and reports would be public")
	}
	// A function behind the HTTP API runs no longer than the API waits
	// for it (30 s): past that the caller gets the gateway's bare 503
	// while the function works on unseen (an erasure of 60 s did).
	if len(routesOf) == 0 {
		bad("no route is integrated with a function (the check reads ${<Function>.Arn} in the integration uri)")
	}
	for fn, keys := range routesOf {
		timeout, _ := props(fn)["Timeout"].(float64)
		if timeout > 29 && fn != "SegmentsFunction" { // its scheduled export scans for minutes (README "Retargeting segments")
			sort.Strings(keys)
			bad("%s: Timeout %v s behind API Gateway's 30 s (%s): the caller gets the gateway's 503 while it works on; at most 29, stopping in time", fn, timeout, strings.Join(keys, ", "))
		}
	}

	// 2. Every function logs to a log group with retention, and has an
	// errors and a throttles alarm to the alarm topic.
	//
	// Every function but the scheduled one also has its ERROR lines
	// counted (a metric filter on its log group) and alarmed: most
	// failures are answered, not raised — an unsubscribe or opt-in not
	// recorded, a rep's answer lost, a landing page that does not render,
	// a rep's address bouncing hot-lead alerts — so Lambda's Errors metric
	// never sees them. (Nurture's ERROR lines are its ticks with
	// failures, which NurtureTickFailures alarms on over 2 of 3 windows:
	// one refused email is not a page.)
	filtered := map[string]bool{}      // metric names the template's metric filters write
	errorLogsOf := map[string]string{} // log group logical id → metric counting its ERROR lines
	for _, f := range byType["AWS::Logs::MetricFilter"] {
		p := props(f)
		for _, tr := range asList(p["MetricTransformations"]) {
			name := fmt.Sprint(dig(tr, "MetricName"))
			filtered[name] = true
			if ns, _ := dig(tr, "MetricNamespace", "Fn::Sub").(string); !strings.HasPrefix(ns, "leadflow/") {
				bad("%s: writes %s outside the stack's namespace leadflow/<stack>", f, name)
			}
			ok, why := countsErrorLines(fmt.Sprint(p["FilterPattern"]))
			switch {
			case ok:
				if g, _ := dig(p, "LogGroupName", "Ref").(string); g != "" {
					errorLogsOf[g] = name
				}
			case strings.Contains(name, "ErrorLogLines"):
				bad("%s: filter pattern %q: %s", f, p["FilterPattern"], why)
			default:
				if _, err := sam.FilterMatches(fmt.Sprint(p["FilterPattern"]), nil); err != nil {
					bad("%s: %v", f, err)
				}
				if provenFilters[name] == "" {
					bad("%s: writes %s, but no test checks its pattern against the lines the code writes (add one, and it to provenFilters)", f, name)
				}
			}
		}
	}
	alarmedMetric := map[string]bool{}
	for _, a := range byType["AWS::CloudWatch::Alarm"] {
		if p := props(a); p["Threshold"] == 0.0 && p["ComparisonOperator"] == "GreaterThanThreshold" {
			alarmedMetric[fmt.Sprint(p["MetricName"])] = true
		}
	}
	alarmsOn := map[string][]string{} // function logical id → alarmed metrics
	for _, a := range byType["AWS::CloudWatch::Alarm"] {
		p := props(a)
		for _, d := range asList(p["Dimensions"]) {
			dm := d.(map[string]any)
			if dm["Name"] == "FunctionName" {
				if ref, ok := dig(dm, "Value", "Ref").(string); ok {
					alarmsOn[ref] = append(alarmsOn[ref], fmt.Sprint(p["MetricName"]))
				}
			}
		}
		if ns, ok := dig(p, "Namespace", "Fn::Sub").(string); ok && strings.Contains(ns, "leadflow/") &&
			!slices.Contains(metrics.All, fmt.Sprint(p["MetricName"])) && !filtered[fmt.Sprint(p["MetricName"])] {
			bad("%s: alarms on %v, which no function emits and no metric filter counts", a, p["MetricName"])
		}
		if _, ok := dig(p, "Namespace", "Fn::Sub").(string); ok && len(asList(p["Dimensions"])) > 0 {
			bad("%s: alarms on %v with dimensions %v, which the functions' metrics do not carry: it would never fire", a, p["MetricName"], p["Dimensions"])
		}
	}
	pagingProblems(res, byType, props, bad)
	scheduleProblems(byType, props, bad)

	// The namespace the alarms and filters read is the one the functions
	// write their metrics to (METRICS_NAMESPACE): one character apart and
	// every alarm on them would wait for data that never comes.
	namespaces := map[string]bool{}
	for _, fn := range byType["AWS::Lambda::Function"] {
		ns := dig(props(fn), "Environment", "Variables", "METRICS_NAMESPACE")
		namespaces[fmt.Sprint(ns)] = true
		if ns == nil {
			bad("%s: no METRICS_NAMESPACE: its metrics go to the default namespace, which no alarm reads", fn)
		}
	}
	if len(namespaces) > 1 {
		bad("the functions write metrics to several namespaces: %v", namespaces)
	}
	for _, a := range byType["AWS::CloudWatch::Alarm"] {
		if ns := props(a)["Namespace"]; !strings.HasPrefix(fmt.Sprint(ns), "AWS/") && !namespaces[fmt.Sprint(ns)] {
			bad("%s: reads namespace %v, the functions write %v", a, ns, namespaces)
		}
	}
	for _, f := range byType["AWS::Logs::MetricFilter"] {
		for _, tr := range asList(props(f)["MetricTransformations"]) {
			if ns := dig(tr, "MetricNamespace"); !namespaces[fmt.Sprint(ns)] {
				bad("%s: writes namespace %v, the functions and alarms use %v", f, ns, namespaces)
			}
		}
	}
	// The alarms #13 asks for beside the per-function ones, on the metric
	// CloudWatch actually has (SES publishes its account reputation as
	// Reputation.BounceRate and Reputation.ComplaintRate, fractions, with no
	// dimensions; the product's own metrics have none either).
	for _, want := range []struct {
		namespace, metric string
		threshold         float64
	}{
		{"AWS/SQS", "ApproximateNumberOfMessagesVisible", 0},
		{"leadflow", metrics.TickFailures, 0},
		{"AWS/SES", "Reputation.BounceRate", 0.04},
		{"AWS/SES", "Reputation.ComplaintRate", 0.0008},
		{"AWS/Lambda", "IteratorAge", 600000}, // the publisher stuck or far behind
	} {
		found := false
		for _, a := range byType["AWS::CloudWatch::Alarm"] {
			p := props(a)
			ns, _ := p["Namespace"].(string)
			if sub, ok := dig(p, "Namespace", "Fn::Sub").(string); ok {
				ns = strings.SplitN(sub, "/", 2)[0]
			}
			th, _ := p["Threshold"].(float64)
			dims := asList(p["Dimensions"])
			if ns == want.namespace && p["MetricName"] == want.metric && th == want.threshold &&
				p["ComparisonOperator"] == "GreaterThanThreshold" && (want.namespace == "AWS/SQS" || want.namespace == "AWS/Lambda") == (len(dims) > 0) {
				found = true
			}
		}
		if !found {
			bad("no alarm on %s %s > %v", want.namespace, want.metric, want.threshold)
		}
	}
	if sub, _ := res["AlarmEmailSubscription"].(map[string]any); sub == nil || sub["Condition"] == nil || props("AlarmEmailSubscription")["Protocol"] != "email" {
		bad("AlarmEmailSubscription: an email subscription to the alarm topic, created only when AlarmEmail is set")
	}
	for _, fn := range byType["AWS::Lambda::Function"] {
		ref, _ := dig(props(fn), "LoggingConfig", "LogGroup", "Ref").(string)
		if ref == "" {
			bad("%s: no LoggingConfig.LogGroup (its logs would be kept forever)", fn)
		} else if r, ok := res[ref].(map[string]any); !ok || r["Type"] != "AWS::Logs::LogGroup" || props(ref)["RetentionInDays"] == nil {
			bad("%s: log group %s has no retention", fn, ref)
		}
		for _, m := range []string{"Errors", "Throttles"} {
			if !slices.Contains(alarmsOn[fn], m) {
				bad("%s: no %s alarm", fn, m)
			}
		}
		if fn == "NurtureFunction" {
			continue
		}
		if m := errorLogsOf[ref]; m == "" {
			bad("%s: no metric filter counts the ERROR lines of its log group %s (its answered failures would page no one)", fn, ref)
		} else if !alarmedMetric[m] {
			bad("%s: no alarm on %s > 0, the count of its ERROR lines", fn, m)
		}
	}

	// 3. Async invocations and stream batches that keep failing go to the
	// dead-letter queue instead of vanishing.
	onFailure := map[string]bool{}
	for _, c := range byType["AWS::Lambda::EventInvokeConfig"] {
		p := props(c)
		if dest, _ := json.Marshal(p["DestinationConfig"]); strings.Contains(string(dest), "DeadLetterQueue") {
			onFailure[fmt.Sprint(dig(p, "FunctionName", "Ref"))] = true
		}
	}
	for _, r := range byType["AWS::Events::Rule"] {
		for _, tg := range asList(props(r)["Targets"]) {
			arn, _ := dig(tg, "Arn", "Fn::GetAtt").([]any)
			if len(arn) > 0 && !onFailure[fmt.Sprint(arn[0])] {
				bad("%s: invoked asynchronously by %s without an on-failure destination", arn[0], r)
			}
		}
	}
	for _, m := range byType["AWS::Lambda::EventSourceMapping"] {
		p := props(m)
		dest, _ := json.Marshal(p["DestinationConfig"])
		if p["BisectBatchOnFunctionError"] != true || p["MaximumRetryAttempts"] == nil || p["MaximumRecordAgeInSeconds"] == nil ||
			!strings.Contains(string(dest), "DeadLetterQueue") {
			bad("%s: a stream mapping needs bisect on error, bounded retries and age, and an on-failure destination", m)
		}
	}
	if len(byType["AWS::SQS::Queue"]) == 0 {
		bad("no dead-letter queue")
	}

	// 4. The dashboard body is valid JSON once substituted and shows only
	// metrics the functions emit.
	for _, d := range byType["AWS::CloudWatch::Dashboard"] {
		sub, _ := dig(props(d), "DashboardBody", "Fn::Sub").([]any)
		if len(sub) != 2 {
			bad("%s: DashboardBody is not a !Sub with variables", d)
			continue
		}
		body := regexp.MustCompile(`\$\{[^}]+\}`).ReplaceAllString(sub[0].(string), "x")
		var v struct {
			Widgets []struct {
				Properties struct {
					Metrics [][]any `json:"metrics"`
				} `json:"properties"`
			} `json:"widgets"`
		}
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			bad("%s: DashboardBody is not JSON: %v", d, err)
			continue
		}
		for _, w := range v.Widgets {
			for _, m := range w.Properties.Metrics {
				if len(m) > 1 && m[0] == "x" && !slices.Contains(metrics.All, fmt.Sprint(m[1])) && !filtered[fmt.Sprint(m[1])] {
					bad("%s: shows %v, which no function emits", d, m[1])
				}
			}
		}
	}

	// 5. The outputs an operator clicks open the console: its host is
	// <region>.console.aws.amazon.com (AWS::URLSuffix, amazonaws.com, is
	// the API endpoints' domain: no console answers there).
	outputs, _ := doc["Outputs"].(map[string]any)
	if u, _ := dig(outputs, "DashboardUrl", "Value", "Fn::Sub").(string); !strings.HasPrefix(u, "https://${AWS::Region}.console.aws.amazon.com/cloudwatch/") {
		bad("DashboardUrl: %q does not open the CloudWatch console (https://<region>.console.aws.amazon.com/cloudwatch/…)", u)
	}

	// The signing-key parameter's ARN is "…:parameter" + its name: a name
	// without the leading slash would grant a parameter that does not
	// exist, and every function reading it would stop at init.
	if p, _ := dig(doc, "Parameters", "SigningSecretParameter").(map[string]any); p == nil || !strings.HasPrefix(fmt.Sprint(p["AllowedPattern"]), "^/") {
		bad("SigningSecretParameter: needs an AllowedPattern requiring the leading / its ARN is built on")
	}

	// 6. AllowedOrigins, the privacy notice, the sender's postal
	// address, the addresses mail comes from and goes to and the SES
	// identity must be chosen at deploy time: a default would ship an
	// example's value to real visitors and recipients (a guided deploy
	// that took sales@example.com sent every hot-lead alert nowhere).
	params, _ := doc["Parameters"].(map[string]any)
	for name, why := range map[string]string{
		"AllowedOrigins":      "a deploy names the landing pages' origins",
		"PrivacyNoticeURL":    "every consent checkbox links the deployer's own privacy notice",
		"SenderPostalAddress": "every marketing email carries the sender's real postal address",
		"SenderAddress":       "alerts and nurture emails come from the deployer's own address",
		"SenderIdentity":      "sending is allowed for the deployer's verified SES identity",
		"SalesAddress":        "hot-lead alerts no rep takes reach a mailbox sales reads",
		"MarketingAddress":    "the weekly digest reaches a mailbox marketing reads",
	} {
		if p, _ := params[name].(map[string]any); p == nil || p["Default"] != nil || p["MinLength"] == nil {
			bad("%s: must have no default and MinLength 1, so %s", name, why)
		}
	}
	// No parameter defaults to an example's domain (RFC 2606): such a
	// value is never the deployer's own, and a guided deploy offers it.
	for name, p := range params {
		if d, ok := p.(map[string]any)["Default"].(string); ok && exampleDomain.MatchString(d) {
			bad("%s: defaults to %q, an example's value: give it no default (and MinLength 1), so a deploy must name the real one", name, d)
		}
	}

	// 7. The lead table is kept when the stack is deleted, or when a
	// change replaces it: it holds every lead, the consent evidence that
	// proves each opt-in and the suppression list that keeps
	// unsubscribed, bounced and erased addresses from being mailed again.
	for _, tbl := range byType["AWS::DynamoDB::Table"] {
		r := res[tbl].(map[string]any)
		if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
			bad("%s: DeletionPolicy and UpdateReplacePolicy must be Retain (got %v, %v): deleting or replacing the stack's table would delete every lead, its consent evidence and the suppression list", tbl, r["DeletionPolicy"], r["UpdateReplacePolicy"])
		}
		// Retain keeps the table through a stack deletion, not through a
		// bad write: an erasure of the wrong address, a bug that clears
		// the suppression list. Point-in-time recovery is the way back
		// (35 days); TTL removes what the code marks to expire
		// (idempotency keys, counters, page views), in the attribute the
		// store writes (store.TestTableTTLAttribute); the publisher reads
		// each change's new image from the stream.
		p := props(tbl)
		if dig(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
			bad("%s: PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled must be true: without it a bad write (an erasure of the wrong address, a cleared suppression list) cannot be undone", tbl)
		}
		if dig(p, "TimeToLiveSpecification", "Enabled") != true || dig(p, "TimeToLiveSpecification", "AttributeName") == nil {
			bad("%s: TimeToLiveSpecification must be enabled on the attribute the store writes expiry times to: idempotency keys, counters and page views would be kept for ever", tbl)
		}
		if v := dig(p, "StreamSpecification", "StreamViewType"); v != "NEW_IMAGE" && v != "NEW_AND_OLD_IMAGES" {
			bad("%s: StreamViewType %v: the publisher reads each change's new image", tbl, v)
		}
	}

	// 8. Every email goes out through the stack's SES configuration
	// set, whose event destination sends the events sesevents handles
	// to the default bus (the only bus SES delivers to), where the
	// sesevents rule takes them for that set: a type missing there is a
	// bounce or complaint never suppressed, or an email whose sender died
	// never settled; a function sending outside the set gets no events
	// at all.
	sesProblems(byType, props, bad)

	// 9. The scheduled tick: one at a time (reserved concurrency 1: two
	// would compete for the same due leads, each keeping the SES rate on
	// its own), ending before the next one starts — a tick works until
	// shortly before its deadline, so a timeout of a minute or more, the
	// shortest schedule EventBridge allows, had every tick with a backlog
	// still running when the next came, throttled and paging — and not
	// retried (the next tick finds the same due leads).
	ticked := false
	for _, r := range byType["AWS::Events::Rule"] {
		p := props(r)
		// The transform resolves the parameter to its default.
		if ref, _ := dig(p, "ScheduleExpression", "Ref").(string); ref != "TickSchedule" &&
			(p["ScheduleExpression"] == nil || p["ScheduleExpression"] != dig(params, "TickSchedule", "Default")) {
			continue
		}
		for _, tg := range asList(p["Targets"]) {
			arn, _ := dig(tg, "Arn", "Fn::GetAtt").([]any)
			if len(arn) == 0 {
				continue
			}
			fn := fmt.Sprint(arn[0])
			ticked = true
			fp := props(fn)
			if fp["ReservedConcurrentExecutions"] != 1.0 {
				bad("%s: ReservedConcurrentExecutions %v, want 1: one tick at a time", fn, fp["ReservedConcurrentExecutions"])
			}
			if timeout, _ := fp["Timeout"].(float64); timeout >= 60 || timeout < 10 {
				bad("%s: Timeout %v s: want under the 60 s between ticks (a tick with a backlog works until 2 s before its deadline, so the next would find it running and be throttled) and at least 10 s", fn, fp["Timeout"])
			}
			for _, c := range byType["AWS::Lambda::EventInvokeConfig"] {
				if cp := props(c); dig(cp, "FunctionName", "Ref") == fn && cp["MaximumRetryAttempts"] != 0.0 {
					bad("%s: MaximumRetryAttempts %v, want 0: a failed tick is not retried, the next one finds the same due leads", fn, cp["MaximumRetryAttempts"])
				}
			}
		}
	}
	if !ticked {
		bad("no schedule on TickSchedule invokes a function")
	}

	// 10. The segment exports' bucket holds customer lists (hashed
	// addresses): private, and with no versioning — an erasure rewrites
	// each file without the erased address, and a versioned bucket would
	// keep the earlier version, address and all — its files expiring on
	// their own.
	for _, b := range byType["AWS::S3::Bucket"] {
		p := props(b)
		if dig(p, "VersioningConfiguration", "Status") == "Enabled" {
			bad("%s: versioning is enabled: an erasure rewrites the customer lists without the address, and the earlier versions would keep it", b)
		}
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if dig(p, "PublicAccessBlockConfiguration", k) != true {
				bad("%s: PublicAccessBlockConfiguration.%s must be true", b, k)
			}
		}
		expires := false
		for _, rule := range asList(dig(p, "LifecycleConfiguration", "Rules")) {
			if dig(rule, "Status") == "Enabled" && dig(rule, "ExpirationInDays") != nil && dig(rule, "Prefix") == nil && dig(rule, "Filter") == nil {
				expires = true
			}
		}
		if !expires {
			bad("%s: no enabled lifecycle rule expires every file: customer lists would be kept for ever", b)
		}
		// The exports too large to answer are copies of a person's data,
		// stored for their download: kept a day or two, not the customer
		// lists' months, where the code stores them.
		short := false
		for _, rule := range asList(dig(p, "LifecycleConfiguration", "Rules")) {
			days, _ := dig(rule, "ExpirationInDays").(float64)
			if dig(rule, "Status") == "Enabled" && dig(rule, "Prefix") == privacy.CopyPrefix && days >= 1 && days <= 2 {
				short = true
			}
		}
		if !short {
			bad("%s: no enabled lifecycle rule expires the stored data-subject exports (%s) within 2 days", b, privacy.CopyPrefix)
		}
	}

	// 11. The addresses links and pages are built on take only a value
	// that works: "leads.example.com" made every emailed link (the
	// unsubscribe link of every marketing email among them) relative, and
	// a thank-you URL without its scheme sent each form post to a path of
	// the API. CloudFormation refuses a value that does not match, before
	// anything is deployed.
	//
	// So do the settings the functions parse at init: a typo there
	// deployed, then stopped them (capture among them) on every start.
	positive := func(v string) error {
		if f, err := strconv.ParseFloat(v, 64); v != "" && (err != nil || !(f > 0)) {
			return fmt.Errorf("not a positive number")
		}
		return nil
	}
	// Every parameter says what it is for, and a String one takes only
	// the values its pattern or list allows: a parameter without either
	// deploys whatever a typo gives it, to be refused by a function at
	// init or by a resource half-way through the deploy. Free text only
	// where any line of text works.
	freeText := map[string]bool{"SenderPostalAddress": true}
	for name, p := range params {
		pm, _ := p.(map[string]any)
		if d, _ := pm["Description"].(string); len(d) < 20 {
			bad("%s: needs a Description saying what it is for", name)
		}
		if pm["Type"] == "String" && pm["AllowedPattern"] == nil && pm["AllowedValues"] == nil && !freeText[name] {
			bad("%s: a String parameter without AllowedPattern or AllowedValues takes any typo", name)
		}
	}

	for name, c := range map[string]struct {
		good, bad []string
		parse     func(string) error // what the function reads it with: every good value passes
	}{
		"AlertLimit": {
			good:  []string{"5/1h", "10/30m", "1000/1h30m", "off", "0"},
			bad:   []string{"", "5/1d", "5 per hour", "5/h", "05/1h", "1001/1h"},
			parse: func(v string) error { _, _, err := handoff.ParseLimit(v); return err },
		},
		"AlertCampaignLimit": {
			good:  []string{"20", "1000", "off", "0"},
			bad:   []string{"", "twenty", "20/1h", "1001"},
			parse: func(v string) error { _, err := handoff.ParseCount(v); return err },
		},
		"AlertDedupWindow": {
			good:  []string{"24h", "168h", "90m", "1h30m", "0"},
			bad:   []string{"", "7d", "1 day", "24"},
			parse: func(v string) error { _, err := time.ParseDuration(v); return err },
		},
		"TrackPages": {
			good:  []string{"", "/pricing=pricing_page_view", "/pricing=pricing_page_view,/demo=page_view", "/a=page_view:a, /c=page_view:/c", "/demo= page_view:demo "},
			bad:   []string{"pricing=pricing_page_view", "/pricing", "/pricing=", "/p=a=b", "/a=b", "/pricing=pricing_pageview", "/x=email_click", "/demo=page_view:Demo", "/demo=page_view:"},
			parse: func(v string) error { _, err := track.ParsePages(v); return err },
		},
		"SesMaxSendRate": {good: []string{"", "14", "0.5"}, bad: []string{"0", "-1", "14/s", "fast"}, parse: positive},
		"MinutesPerLead": {good: []string{"", "15", "7.5"}, bad: []string{"0", "15min"}, parse: positive},
		"HourlyCost":     {good: []string{"", "60", "72.50"}, bad: []string{"0", "€60", "1,000", "60 EUR"}, parse: positive},
		"Currency":       {good: []string{"", "EUR", "USD"}, bad: []string{"eur", "euro", "€"}},
		"PublicBaseUrl": {
			good: []string{"", "https://leads.example.com", "https://www.example.com/leads"},
			bad:  []string{"leads.example.com", "http://leads.example.com", "https://leads.example.com/", "https://leads.example.com/?x=1", "https://", " https://leads.example.com"},
		},
		"ThankYouUrl": {
			good: []string{"", "https://www.example.com/thank-you", "https://www.example.com/thanks?from=form"},
			bad:  []string{"www.example.com/thank-you", "/thank-you", "https://", "javascript:alert(1)"},
		},
		// The addresses take what the functions take at init (an
		// address, with or without a display name), nothing else.
		"SenderAddress": {
			good: []string{"leads@acme.com", "Acme Leads <leads@acme.com>", `"Acme Leads" <leads@mail.acme.co.uk>`},
			bad:  []string{"", "leads", "leads@", "@acme.com", "leads@acme", " leads@acme.com", "leads@acme.com,sales@acme.com", "Acme <leads@acme.com", "<leads@acme.com"},
		},
		"SalesAddress": {
			good: []string{"sales@acme.com", "Sales <sales@acme.com>"},
			bad:  []string{"", "sales team", "sales@", "sales@acme.com sales2@acme.com"},
		},
		"MarketingAddress": {
			good: []string{"marketing@acme.com"},
			bad:  []string{"", "marketing@", "marketing"},
		},
		"SenderIdentity": {
			good: []string{"acme.com", "mail.acme.co.uk", "leads@acme.com"},
			bad:  []string{"", "acme", "https://acme.com", "acme.com/", "*.acme.com", "Acme <leads@acme.com>"},
		},
		// Read at init by capture and track (ALLOWED_ORIGINS): an origin
		// with a path, or a host without its scheme, deployed and then
		// stopped both (every form post and email click) on every start.
		"AllowedOrigins": {
			good:  []string{"*", "https://www.acme.com", "https://www.acme.com,https://lp.acme.com", "https://www.acme.com, https://lp.acme.com", "http://localhost:8080", "https://www.acme.com/"},
			bad:   []string{"", "www.acme.com", "https://www.acme.com/landing", "acme.com", "https://www.acme.com?x=1", "ftp://acme.com", "https://", ","},
			parse: func(v string) error { _, err := httpapi.ParseCORS(v); return err },
		},
		// Read at init by reports (CAMPAIGN_SPEND): "q4-demo=1,200" or
		// "q4-demo:1200" deployed and then stopped the reports, the
		// dashboard and the weekly digest on every start; a capitalised
		// id is no campaign's (ids are lower-case slugs) and counted
		// nothing.
		"CampaignSpend": {
			good:  []string{"", "q4-demo=1200", "q4-demo=1200,brand-search=800.50", "q4-demo=1200, brand_search=0"},
			bad:   []string{"q4-demo:1200", "q4-demo=1,200", "q4-demo=€1200", "q4-demo=1200 EUR", "=1200", "q4-demo", "Q4-Demo=1200", "q4-demo=-5", "q4-demo=1e3"},
			parse: func(v string) error { _, err := reportsfn.ParseSpend(v, 1); return err },
		},
		// Offered as <mailto:…> in every nurture email's List-Unsubscribe
		// header: a display name, a "mailto:" prefix or a second address
		// broke the header mail providers read for the unsubscribe.
		"UnsubscribeMailbox": {
			good: []string{"", "unsubscribe@acme.com", "list+unsub@mail.acme.co.uk"},
			bad:  []string{"unsubscribe", "mailto:unsubscribe@acme.com", "Acme <unsubscribe@acme.com>", "a@acme.com,b@acme.com", "unsubscribe@acme.com?subject=x", "unsubscribe@acme"},
			parse: func(v string) error { // "" offers none: not checked
				if v == "" {
					return nil
				}
				return config.Mailbox(v)
			},
		},
		// Paths inside the build, which ships config/ beside bootstrap and
		// nothing else: a file elsewhere stopped every function at init.
		"QualifyConfig": {
			good: []string{"", "config/qualify.yaml", "config/rules/q4.yml"},
			bad:  []string{"qualify.yaml", "/config/qualify.yaml", "config/../qualify.yaml", "config/qualify", "./config/qualify.yaml", "config/qualify.json"},
		},
		"NurtureConfig": {
			good: []string{"", "config/nurture.yaml"},
			bad:  []string{"nurture.yaml", "config/nurture.yaml ", "config/"},
		},
		// EventBridge refuses these only when it creates the rules, half-way
		// through the deploy ("rate(1 minutes)" is the usual slip).
		"TickSchedule": {
			good: []string{"rate(1 minute)", "rate(2 minutes)", "rate(10 minutes)", "cron(0/2 * * * ? *)"},
			bad:  []string{"", "rate(1 minutes)", "rate(2 minute)", "rate(0 minutes)", "every minute", "rate(1m)", "cron(0 7 * * MON)"},
		},
		"WeeklySchedule": {
			good: []string{"cron(0 7 ? * MON *)", "cron(30 6 ? * 2 *)", "rate(7 days)"},
			bad:  []string{"", "cron(0 7 * * MON)", "0 7 ? * MON *", "weekly", "rate(1 week)"},
		},
		// An address SNS cannot subscribe fails the deploy half-way,
		// after the functions were created; refuse it first.
		"AlarmEmail": {
			good: []string{"", "ops@acme.com", "ops+alarms@acme.co.uk"},
			bad:  []string{"ops", "Ops <ops@acme.com>", "ops@acme.com,dev@acme.com", "ops@acme"},
		},
	} {
		p, _ := params[name].(map[string]any)
		pattern, _ := p["AllowedPattern"].(string)
		re, err := regexp.Compile(pattern)
		if pattern == "" || err != nil || p["ConstraintDescription"] == nil {
			bad("%s: needs an AllowedPattern (a Go-compatible regexp: %v) and a ConstraintDescription", name, err)
			continue
		}
		full := func(v string) bool { return re.FindString(v) == v && re.MatchString(v) }
		for _, v := range c.good {
			if !full(v) {
				bad("%s: AllowedPattern %q refuses %q", name, pattern, v)
			}
			if c.parse != nil {
				if err := c.parse(v); err != nil {
					bad("%s: the function refuses %q, which the test takes as good: %v", name, v, err)
				}
			}
		}
		for _, v := range c.bad {
			if full(v) {
				bad("%s: AllowedPattern %q takes %q", name, pattern, v)
			}
		}
	}
	return out
}

// sesDetailTypes maps each SES event type sesevents handles to its
// configuration set event destination type and its EventBridge detail
// type.
var sesDetailTypes = map[string][2]string{
	sesevents.TypeSend:      {"SEND", "Email Sent"},
	sesevents.TypeBounce:    {"BOUNCE", "Email Bounced"},
	sesevents.TypeComplaint: {"COMPLAINT", "Email Complaint Received"},
	sesevents.TypeDelivery:  {"DELIVERY", "Email Delivered"},
	sesevents.TypeReject:    {"REJECT", "Email Rejected"},
}

func sesProblems(byType map[string][]string, props func(string) map[string]any, bad func(string, ...any)) {
	sets := byType["AWS::SES::ConfigurationSet"]
	if len(sets) != 1 {
		bad("want one SES configuration set, found %v", sets)
		return
	}
	set := sets[0]
	ref := func(v any) string { s, _ := dig(v, "Ref").(string); return s }

	// The destination: enabled, to the default bus, every handled type.
	var dest map[string]any
	for _, d := range byType["AWS::SES::ConfigurationSetEventDestination"] {
		if ref(props(d)["ConfigurationSetName"]) == set {
			dest, _ = props(d)["EventDestination"].(map[string]any)
		}
	}
	if dest == nil {
		bad("%s: no event destination: bounces and complaints would never reach sesevents", set)
	} else {
		if dest["Enabled"] != true {
			bad("%s: its event destination is not enabled", set)
		}
		if bus, _ := dig(dest, "EventBridgeDestination", "EventBusArn", "Fn::Sub").(string); !strings.HasSuffix(bus, ":event-bus/default") {
			bad("%s: its event destination must be the default event bus (the only one SES delivers to), got %v", set, dig(dest, "EventBridgeDestination"))
		}
		var types []string
		for _, t := range asList(dest["MatchingEventTypes"]) {
			types = append(types, strings.ToUpper(fmt.Sprint(t)))
		}
		for typ, want := range sesDetailTypes {
			if !slices.Contains(types, want[0]) {
				bad("%s: its event destination does not send %s events, which sesevents handles (%s)", set, want[0], typ)
			}
		}
	}

	// The rule: on the default bus, from aws.ses, each handled detail
	// type, for this configuration set only; to sesevents.
	found := false
	for _, r := range byType["AWS::Events::Rule"] {
		p := props(r)
		target := ""
		for _, tg := range asList(p["Targets"]) {
			if arn, _ := dig(tg, "Arn", "Fn::GetAtt").([]any); len(arn) > 0 {
				target = fmt.Sprint(arn[0])
			}
		}
		if target != "SesEventsFunction" {
			continue
		}
		found = true
		if p["EventBusName"] != nil {
			bad("%s: on bus %v: SES delivers its events to the default bus only", r, p["EventBusName"])
		}
		pattern, _ := p["EventPattern"].(map[string]any)
		if !slices.Equal(asList(pattern["source"]), []any{"aws.ses"}) {
			bad("%s: source %v, want [aws.ses]", r, pattern["source"])
		}
		for typ, want := range sesDetailTypes {
			if !slices.Contains(asList(pattern["detail-type"]), any(want[1])) {
				bad("%s: does not take %q (SES %s events): sesevents would never see them", r, want[1], typ)
			}
		}
		tags := asList(dig(pattern, "detail", "mail", "tags", "ses:configuration-set"))
		if len(tags) != 1 || ref(tags[0]) != set {
			bad("%s: must take the events of configuration set %s only (detail.mail.tags.ses:configuration-set), got %v", r, set, tags)
		}
	}
	if !found {
		bad("no EventBridge rule invokes SesEventsFunction")
	}

	// Every function that may send mail sends it through the set.
	for _, fn := range byType["AWS::Lambda::Function"] {
		role := ""
		if r, _ := dig(props(fn), "Role", "Fn::GetAtt").([]any); len(r) > 0 {
			role = fmt.Sprint(r[0])
		}
		sends := false
		for _, pol := range asList(props(role)["Policies"]) {
			for _, st := range asList(dig(pol, "PolicyDocument", "Statement")) {
				if slices.Contains(asList(dig(st, "Action")), any("ses:SendEmail")) {
					sends = true
				}
			}
		}
		v := dig(props(fn), "Environment", "Variables", "SES_CONFIGURATION_SET")
		switch {
		case sends && ref(v) != set:
			bad("%s: may send email but its SES_CONFIGURATION_SET is %v, not !Ref %s: its bounces and complaints would never come back", fn, v, set)
		case !sends && v != nil:
			bad("%s: sets SES_CONFIGURATION_SET but may not send email", fn)
		}
	}
}

// errorLinePattern is the one metric filter pattern form the checks read:
// a JSON filter comparing one top-level field with a string.
var errorLinePattern = regexp.MustCompile(`^\{\s*\$\.(\w+)\s*=\s*"([^"*]*)"\s*\}$`)

// countsErrorLines reports whether a metric filter pattern matches the
// lines the functions' logger (shared/logx) writes at ERROR, and no line
// it writes at a lower level.
func countsErrorLines(pattern string) (bool, string) {
	m := errorLinePattern.FindStringSubmatch(pattern)
	if m == nil {
		return false, `not of the form { $.field = "value" } the deploy check reads`
	}
	matches := func(level func(*slog.Logger)) bool {
		var b bytes.Buffer
		level(logx.New(&b, "unsubscribe", "debug"))
		var line map[string]any
		if err := json.Unmarshal(b.Bytes(), &line); err != nil {
			return false
		}
		v, ok := line[m[1]].(string)
		return ok && v == m[2]
	}
	switch {
	case !matches(func(l *slog.Logger) { l.Error("unsubscribe", "status", 500, "error", "store: throttled") }):
		return false, "does not match an ERROR line the functions write"
	case matches(func(l *slog.Logger) { l.Warn("unsubscribe", "status", 404) }),
		matches(func(l *slog.Logger) { l.Info("unsubscribe", "status", 200) }):
		return false, "matches WARN or INFO lines too"
	}
	return true, ""
}

// TestErrorLinePatternCheck: the check takes the pattern that counts ERROR
// lines, and refuses one that misses them (a field the logger does not
// write, the level in lower case) or counts warnings too.
func TestErrorLinePatternCheck(t *testing.T) {
	for pattern, want := range map[string]bool{
		`{ $.level = "ERROR" }`:     true,
		`{$.level="ERROR"}`:         true,
		`{ $.level = "error" }`:     false,
		`{ $.severity = "ERROR" }`:  false,
		`{ $.msg = "unsubscribe" }`: false,
		`ERROR`:                     false,
	} {
		if got, why := countsErrorLines(pattern); got != want {
			t.Errorf("countsErrorLines(%q) = %v (%s), want %v", pattern, got, why, want)
		}
	}
}

// integratedFunction is the function an HTTP API route's integration
// invokes: "…/functions/${PrivacyFunction.Arn}/invocations".
var integratedFunction = regexp.MustCompile(`/functions/\$\{([A-Za-z0-9]+)\.Arn\}/invocations`)

// exampleDomain matches a value naming a domain reserved for examples
// (RFC 2606): example.com, .net, .org and the .example TLD.
var exampleDomain = regexp.MustCompile(`(?i)(^|[@./])example\.(com|net|org)\b|\.example\b`)

// dig follows map keys, nil where one is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// TestSAMBuildTargets runs each function's build-<LogicalId> target the way
// `sam build` does (make with ARTIFACTS_DIR in the environment) and checks
// what lands there: a linux/arm64 `bootstrap`, the config folder and the
// time zone database.
func TestSAMBuildTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function")
	}
	root := testenv.Root(t)
	for _, f := range testenv.Template(t).Functions {
		t.Run(f.LogicalID, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command("make", "--no-print-directory", "build-"+f.LogicalID)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "ARTIFACTS_DIR="+dir)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make build-%s: %v\n%s", f.LogicalID, err, b)
			}
			bin, err := elf.Open(filepath.Join(dir, "bootstrap"))
			if err != nil {
				t.Fatalf("no bootstrap executable: %v", err)
			}
			defer bin.Close()
			if bin.Machine != elf.EM_AARCH64 || bin.OSABI != elf.ELFOSABI_NONE && bin.OSABI != elf.ELFOSABI_LINUX {
				t.Errorf("bootstrap is %v/%v, want linux arm64", bin.OSABI, bin.Machine)
			}
			if _, err := os.Stat(filepath.Join(dir, "config", "campaigns")); err != nil {
				t.Errorf("config/ did not ship with the function: %v", err)
			}
			checkZoneDatabase(t, f.Env["ZONEINFO"], dir)
		})
	}
}

// checkZoneDatabase checks the time zone database ships with a function
// where its ZONEINFO says (Lambda unpacks the package into /var/task), and
// that zones load from it: provided.al2023 has no /usr/share/zoneinfo.
func checkZoneDatabase(t *testing.T, zoneinfo, artifacts string) {
	t.Helper()
	name, ok := strings.CutPrefix(zoneinfo, "/var/task/")
	if !ok {
		t.Fatalf("ZONEINFO is %q, want a file the package ships under /var/task/", zoneinfo)
	}
	zr, err := zip.OpenReader(filepath.Join(artifacts, name))
	if err != nil {
		t.Fatalf("%s did not ship with the function: %v", name, err)
	}
	defer zr.Close()
	for _, zone := range []string{"Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kolkata"} {
		f, err := zr.Open(zone)
		if err != nil {
			t.Errorf("%s has no %s: %v", name, zone, err)
			continue
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := time.LoadLocationFromTZData(zone, data); err != nil {
			t.Errorf("%s in %s: %v", zone, name, err)
		}
	}
}

// TestSamconfigExample checks the example samconfig.toml against the
// template and against how `sam build` works: every parameter it sets
// exists, every parameter without a default is set, and the build is not
// cached. SAM keys a cached makefile build on the CodeUri folder alone
// (functions/<name>, a main.go that rarely changes), so edits to shared/
// or to marketing's config/ would ship the previous build's binary and
// files.
func TestSamconfigExample(t *testing.T) {
	b, doc := withTemplate(t, "samconfig.example.toml")
	for _, p := range samconfigProblems(string(b), doc) {
		t.Error(p)
	}
	bad := strings.NewReplacer("cached = false", "cached = true",
		`"AllowedOrigins=https://www.example.com",`, `"AllowedOrigin=https://www.example.com",`,
		`"PublicBaseUrl=https://leads.example.com",`, `"PublicBaseUrl=https://leads.example.com/",`,
		`"LogRetentionDays=30",`, `"LogRetentionDays=31",`).Replace(string(b))
	got := strings.Join(samconfigProblems(bad, doc), "\n")
	for _, want := range []string{"cached = true", "AllowedOrigin is not a template parameter", "AllowedOrigins has no default and is not set",
		`PublicBaseUrl="https://leads.example.com/" does not match`, `LogRetentionDays="31" is not one of the parameter's AllowedValues`} {
		if !strings.Contains(got, want) {
			t.Errorf("not reported: %q\nreported:\n%s", want, got)
		}
	}
}

func samconfigProblems(toml string, doc map[string]any) []string {
	var out []string
	params, _ := doc["Parameters"].(map[string]any)
	section := ""
	set := map[string]bool{}
	for _, line := range strings.Split(toml, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		if section == "[default.build.parameters]" && strings.ReplaceAll(line, " ", "") == "cached=true" {
			out = append(out, "samconfig.example.toml: cached = true: sam build would reuse a function's previous build when only shared/ or config/ changed")
		}
		if m := regexp.MustCompile(`^"([A-Za-z0-9]+)=(.*)",?$`).FindStringSubmatch(line); m != nil && section == "[default.deploy.parameters]" {
			set[m[1]] = true
			p, _ := params[m[1]].(map[string]any)
			if p == nil {
				out = append(out, fmt.Sprintf("samconfig.example.toml: %s is not a template parameter", m[1]))
				continue
			}
			// A value the deploy refuses is an example that fails the
			// deploy of whoever copies it.
			if pattern, _ := p["AllowedPattern"].(string); pattern != "" {
				if re, err := regexp.Compile(pattern); err == nil && re.FindString(m[2]) != m[2] {
					out = append(out, fmt.Sprintf("samconfig.example.toml: %s=%q does not match the parameter's AllowedPattern", m[1], m[2]))
				}
			}
			if allowed := asList(p["AllowedValues"]); len(allowed) > 0 && !slices.ContainsFunc(allowed, func(v any) bool { return fmt.Sprint(v) == m[2] }) {
				out = append(out, fmt.Sprintf("samconfig.example.toml: %s=%q is not one of the parameter's AllowedValues %v", m[1], m[2], allowed))
			}
		}
	}
	for name, p := range params {
		if _, ok := p.(map[string]any)["Default"]; !ok && !set[name] {
			out = append(out, fmt.Sprintf("samconfig.example.toml: %s has no default and is not set", name))
		}
	}
	sort.Strings(out)
	return out
}

// TestReadmeConfigurationTable checks README's "Configuration" table
// against the transformed template: every variable a function gets is
// listed, with exactly the functions that get it ("all" for every one).
func TestReadmeConfigurationTable(t *testing.T) {
	readme, doc := withTemplate(t, "README.md")
	for _, p := range configTableProblems(string(readme), doc) {
		t.Error(p)
	}
	bad := strings.Replace(string(readme), "| `TRACK_PAGES` | track |", "| `TRACK_PAGES` | track, nurture |", 1)
	bad = strings.Replace(bad, "| `THANK_YOU_URL` |", "| `THANKS_URL` |", 1)
	got := strings.Join(configTableProblems(bad, doc), "\n")
	for _, want := range []string{"TRACK_PAGES: README says [nurture track], template.yaml sets it for [track]", "THANK_YOU_URL: set for [capture], not in README"} {
		if !strings.Contains(got, want) {
			t.Errorf("not reported: %q\nreported:\n%s", want, got)
		}
	}
}

func configTableProblems(readme string, doc map[string]any) []string {
	var out []string
	got := map[string][]string{} // variable → functions, from the template
	var all []string
	res, _ := doc["Resources"].(map[string]any)
	for id, r := range res {
		if r.(map[string]any)["Type"] != "AWS::Lambda::Function" {
			continue
		}
		fn := strings.ToLower(strings.TrimSuffix(id, "Function"))
		all = append(all, fn)
		vars, _ := dig(r, "Properties", "Environment", "Variables").(map[string]any)
		for v := range vars {
			got[v] = append(got[v], fn)
		}
	}
	sort.Strings(all)
	_, section, _ := strings.Cut(readme, "\n## Configuration\n")
	section, _, _ = strings.Cut(section, "\n## ")
	listed := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cols := strings.Split(line, " | ")
		if !strings.HasPrefix(line, "| `") || len(cols) < 3 {
			continue
		}
		var want []string
		if strings.TrimSpace(cols[1]) == "all" {
			want = all
		} else {
			for _, f := range strings.Split(cols[1], ",") {
				want = append(want, strings.TrimSpace(f))
			}
		}
		sort.Strings(want)
		for _, m := range regexp.MustCompile("`([A-Z_]+)`").FindAllStringSubmatch(cols[0], -1) {
			v := m[1]
			listed[v] = true
			have := slices.Clone(got[v])
			sort.Strings(have)
			if !slices.Equal(have, want) {
				out = append(out, fmt.Sprintf("README Configuration: %s: README says %v, template.yaml sets it for %v", v, want, have))
			}
		}
	}
	for v, fns := range got {
		if !listed[v] {
			sort.Strings(fns)
			out = append(out, fmt.Sprintf("README Configuration: %s: set for %v, not in README", v, fns))
		}
	}
	sort.Strings(out)
	return out
}

// TestShippedConfig checks the config/ folder every function ships with
// the way check-config does: a campaign or segment file (or a
// config/qualify.yaml, config/nurture.yaml a deployment names in
// QualifyConfig, NurtureConfig) the functions refuse stops capture and
// the others at init, after a deploy that went through. `make
// deploy-check` missed it: it checked the template and the builds only.
func TestShippedConfig(t *testing.T) {
	root := testenv.Root(t)
	if out, err := shippedConfig(t, root, filepath.Join(root, "config")); err != nil {
		t.Errorf("config/ would stop the functions at init:\n%s", out)
	}

	// A marketer's typo in a copy of it is caught, at its line.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "config"))); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "campaigns", "webinar-nov.yaml")
	src, err := os.ReadFile(broken)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(broken, []byte(strings.Replace(string(src), "sequence: warm-followup", "sequence: warm-follow-up", 1)), 0o644)
	os.WriteFile(filepath.Join(dir, "qualify.yaml"), []byte("version: 1\nfit: {rulez: []}\n"), 0o644)
	out, err := shippedConfig(t, root, dir)
	if err == nil || !strings.Contains(out, broken+":") || !strings.Contains(out, `sequence "warm-follow-up" is not in the nurture sequences`) ||
		!strings.Contains(out, filepath.Join(dir, "qualify.yaml")+":2:") {
		t.Errorf("a broken config folder passed (%v):\n%s", err, out)
	}
}

// shippedConfig runs check-config on a config folder as the functions
// read it: its campaigns and segments, and its qualify.yaml and
// nurture.yaml when it has them (else the embedded defaults), against
// TRACK_PAGES when the environment sets it.
func shippedConfig(t *testing.T, root, dir string) (string, error) {
	t.Helper()
	args := []string{"run", "./cmd/leadflow", "check-config", "-campaigns", filepath.Join(dir, "campaigns"), "-segments", filepath.Join(dir, "segments")}
	if pages := os.Getenv("TRACK_PAGES"); pages != "" {
		// The deployment's TrackPages (make deploy-check TRACK_PAGES=…):
		// the page signals the config names are checked against it.
		args = append(args, "-track-pages", pages)
	}
	for flag, name := range map[string]string{"-config": "qualify.yaml", "-sequences": "nurture.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			args = append(args, flag, filepath.Join(dir, name))
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestEnvFromParameters: a variable whose config field names its template
// parameter (`param:"SalesAddress"`, which the function's error at init
// names for the operator to fix) is set from exactly that parameter, for
// every function that reads it. Names, presence and absence are checked by
// shared/app's TestTemplateMatchesCode; not which parameter feeds which
// variable: SALES_ADDRESS set from MarketingAddress would send every
// unclaimed hot-lead alert to marketing, and no check saw it. (Read from
// template.yaml itself: the transform resolves a parameter with a default
// to its value.)
func TestEnvFromParameters(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.Root(t), "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range envParamProblems(t, string(b)) {
		t.Error(p)
	}
	// Proven on a mis-wired copy.
	const wired = "          SALES_ADDRESS: !Ref SalesAddress\n          MARKETING_ADDRESS:"
	if !strings.Contains(string(b), wired) {
		t.Fatalf("the template no longer contains %q", wired)
	}
	bad := strings.Replace(string(b), wired, "          SALES_ADDRESS: !Ref MarketingAddress\n          MARKETING_ADDRESS:", 1)
	got := strings.Join(envParamProblems(t, bad), "\n")
	if want := "ReportsFunction: SALES_ADDRESS is set from !Ref MarketingAddress, but its config names template parameter SalesAddress"; !strings.Contains(got, want) {
		t.Errorf("not reported: %q\nreported:\n%s", want, got)
	}
}

func envParamProblems(t *testing.T, template string) []string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(template), &doc); err != nil {
		t.Fatal(err)
	}
	get := func(n *yaml.Node, key string) *yaml.Node {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
		return nil
	}
	root := doc.Content[0]
	params := get(root, "Parameters")
	resources := get(root, "Resources")
	var out []string
	checked := 0
	for i := 0; i+1 < len(resources.Content); i += 2 {
		id, r := resources.Content[i].Value, resources.Content[i+1]
		if typ := get(r, "Type"); typ == nil || typ.Value != "AWS::Serverless::Function" {
			continue
		}
		name := filepath.Base(get(get(r, "Properties"), "CodeUri").Value)
		cfg, ok := config.Functions[name]
		if !ok {
			out = append(out, fmt.Sprintf("%s: no config.Functions entry for %q", id, name))
			continue
		}
		vars := get(get(get(r, "Properties"), "Environment"), "Variables")
		for env, param := range paramTags(reflect.TypeOf(cfg)) {
			v := get(vars, env)
			if v == nil {
				continue // TestTemplateMatchesCode reports it
			}
			checked++
			switch {
			case get(params, param) == nil:
				out = append(out, fmt.Sprintf("%s: %s's config names template parameter %s, which template.yaml does not have", id, env, param))
			case v.Tag != "!Ref" || v.Value != param:
				out = append(out, fmt.Sprintf("%s: %s is set from %s %s, but its config names template parameter %s", id, env, v.Tag, v.Value, param))
			}
		}
	}
	if checked == 0 {
		out = append(out, "no variable with a param tag is set by template.yaml: the check checks nothing")
	}
	sort.Strings(out)
	return out
}

// paramTags maps each variable a config type reads to the template
// parameter its field names (embedded structs included).
func paramTags(t reflect.Type) map[string]string {
	out := map[string]string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, v := range paramTags(f.Type) {
				out[k] = v
			}
			continue
		}
		if env, p := f.Tag.Get("env"), f.Tag.Get("param"); env != "" && p != "" {
			out[env] = p
		}
	}
	return out
}

// scheduleRate is an EventBridge rate expression.
var scheduleRate = regexp.MustCompile(`^rate\((\d+) (minute|hour|day)s?\)$`)

// scheduleProblems checks that a schedule running more often than daily
// (the tick: alerts owed, SLA escalations, nurture emails) pages when it
// stops invoking its function — a rule disabled or deleted, a target
// removed —, which no failure alarm sees: nothing runs, so nothing fails.
// It wants an alarm on the function's Invocations < 1 with missing data
// breaching, over at least two of the schedule's intervals (one late or
// skipped tick is no page).
func scheduleProblems(byType map[string][]string, props func(string) map[string]any, bad func(string, ...any)) {
	for _, rule := range byType["AWS::Events::Rule"] {
		expr, _ := props(rule)["ScheduleExpression"].(string)
		m := scheduleRate.FindStringSubmatch(expr)
		if m == nil {
			continue // an event pattern, or a cron (the weekly runs: people notice a missing digest)
		}
		n, _ := strconv.Atoi(m[1])
		interval := float64(n) * map[string]float64{"minute": 60, "hour": 3600, "day": 86400}[m[2]]
		if interval >= 86400 {
			continue
		}
		for _, target := range asList(props(rule)["Targets"]) {
			arn, _ := dig(target, "Arn", "Fn::GetAtt").([]any)
			if len(arn) == 0 {
				continue
			}
			fn := fmt.Sprint(arn[0])
			watched := false
			for _, a := range byType["AWS::CloudWatch::Alarm"] {
				p := props(a)
				onFn := false
				for _, d := range asList(p["Dimensions"]) {
					if dm := d.(map[string]any); dm["Name"] == "FunctionName" && dig(dm, "Value", "Ref") == fn {
						onFn = true
					}
				}
				period, _ := p["Period"].(float64)
				periods, _ := p["EvaluationPeriods"].(float64)
				if onFn && p["Namespace"] == "AWS/Lambda" && p["MetricName"] == "Invocations" && p["ComparisonOperator"] == "LessThanThreshold" &&
					p["Threshold"] == 1.0 && p["TreatMissingData"] == "breaching" && period*periods >= 2*interval {
					watched = true
				}
			}
			if !watched {
				bad("%s: runs %s %s, and nothing pages when it stops: want an alarm on AWS/Lambda Invocations < 1 of %s, missing data breaching, over at least 2 of its intervals", rule, fn, expr, fn)
			}
		}
	}
}

// alarmRef is an alarm a composite alarm's rule names:
// ALARM("${CaptureErrorsAlarm.Arn}") or ALARM(${CaptureErrorsAlarm}).
var alarmRef = regexp.MustCompile(`ALARM\(\s*"?\$\{([A-Za-z0-9]+)(?:\.Arn)?\}"?\s*\)`)

// provenFilters are the metric filters other than the ERROR-line ones,
// by metric name, and the test that runs the template's pattern against
// the lines the code writes.
var provenFilters = map[string]string{
	"SalesAnswers": "shared/app TestSalesAnswersFilter",
}

// failureMetrics are the product's metrics a function writes on the log
// lines of its failures: alarms on them are that function's failure
// signals, as its Errors or its ERROR lines are.
var failureMetrics = map[string]string{
	metrics.CaptureServerErrors: "CaptureFunction",
	metrics.TickFailures:        "NurtureFunction",
}

// pagingProblems checks that every alarm reaches the alarm topic exactly
// once, and that one fault pages once: the alarms on one function's
// failures (its errors, throttles, ERROR lines, iterator age and the
// failure metrics it writes) all page through one alarm, and the
// dead-letter queue's page is held back while the function whose
// failure filled the queue is paging.
func pagingProblems(res map[string]any, byType map[string][]string, props func(string) map[string]any, bad func(string, ...any)) {
	paging := func(id string) bool {
		actions, _ := json.Marshal(props(id)["AlarmActions"])
		return strings.Contains(string(actions), `"AlarmTopic"`)
	}
	parents := map[string][]string{}   // alarm → composites whose rule names it
	suppressors := map[string]string{} // composite → its ActionsSuppressor
	suppressing := map[string]bool{}
	composites := byType["AWS::CloudWatch::CompositeAlarm"]
	for _, c := range composites {
		rule, _ := dig(props(c), "AlarmRule", "Fn::Sub").(string)
		refs := alarmRef.FindAllStringSubmatch(rule, -1)
		if len(refs) == 0 {
			bad("%s: AlarmRule %v names no alarm of the stack (want !Sub ALARM(\"${<Alarm>.Arn}\") OR …)", c, props(c)["AlarmRule"])
		}
		for _, r := range refs {
			if _, ok := res[r[1]]; !ok {
				bad("%s: AlarmRule names %s, which the stack does not have", c, r[1])
			}
			parents[r[1]] = append(parents[r[1]], c)
		}
		if s, ok := dig(props(c), "ActionsSuppressor", "Fn::GetAtt").([]any); ok && len(s) > 0 {
			suppressors[c] = fmt.Sprint(s[0])
			suppressing[fmt.Sprint(s[0])] = true
		}
	}
	var pagesOf func(id string, depth int) []string
	pagesOf = func(id string, depth int) []string {
		var out []string
		if paging(id) {
			out = append(out, id)
		}
		if depth > 10 {
			return out
		}
		for _, p := range parents[id] {
			for _, q := range pagesOf(p, depth+1) {
				if !slices.Contains(out, q) {
					out = append(out, q)
				}
			}
		}
		sort.Strings(out)
		return out
	}
	// Below a composite: the alarms its rule names, transitively.
	var below func(id string, depth int) []string
	below = func(id string, depth int) []string {
		if _, ok := res[id]; !ok {
			return nil
		}
		out := []string{id}
		if depth > 10 {
			return out
		}
		rule, _ := dig(props(id), "AlarmRule", "Fn::Sub").(string)
		for _, r := range alarmRef.FindAllStringSubmatch(rule, -1) {
			out = append(out, below(r[1], depth+1)...)
		}
		return out
	}

	for _, a := range append(slices.Clone(byType["AWS::CloudWatch::Alarm"]), composites...) {
		if suppressing[a] && !paging(a) && len(parents[a]) == 0 {
			continue // it holds back another alarm's page, and pages nothing itself
		}
		switch pages := pagesOf(a, 0); len(pages) {
		case 0:
			bad("%s: pages no one (neither it nor a composite alarm naming it notifies the AlarmTopic)", a)
		case 1:
		default:
			bad("%s: pages through %v: one fault would page %d times", a, pages, len(pages))
		}
	}

	// A function's failure signals, and the one alarm they page through.
	signals := map[string][]string{}  // function → its metric alarms
	errorLines := map[string]string{} // the metric counting a function's ERROR lines → function
	for _, f := range byType["AWS::Logs::MetricFilter"] {
		p := props(f)
		g, _ := dig(p, "LogGroupName", "Ref").(string)
		for _, fn := range byType["AWS::Lambda::Function"] {
			if dig(props(fn), "LoggingConfig", "LogGroup", "Ref") == g && g != "" {
				for _, tr := range asList(p["MetricTransformations"]) {
					if name := fmt.Sprint(dig(tr, "MetricName")); strings.Contains(name, "ErrorLogLines") {
						errorLines[name] = fn
					}
				}
			}
		}
	}
	for _, a := range byType["AWS::CloudWatch::Alarm"] {
		p := props(a)
		name := fmt.Sprint(p["MetricName"])
		for _, d := range asList(p["Dimensions"]) {
			if dm := d.(map[string]any); dm["Name"] == "FunctionName" {
				if ref, ok := dig(dm, "Value", "Ref").(string); ok {
					signals[ref] = append(signals[ref], a)
				}
			}
		}
		if _, ok := dig(p, "Namespace", "Fn::Sub").(string); ok {
			if fn := errorLines[name]; fn != "" {
				signals[fn] = append(signals[fn], a)
			} else if fn := failureMetrics[name]; fn != "" {
				signals[fn] = append(signals[fn], a)
			}
		}
	}
	pageOf := map[string]string{} // function → the alarm its failures page through
	for _, fn := range byType["AWS::Lambda::Function"] {
		var pages []string
		for _, a := range signals[fn] {
			for _, p := range pagesOf(a, 0) {
				if !slices.Contains(pages, p) {
					pages = append(pages, p)
				}
			}
		}
		sort.Strings(pages)
		if len(pages) > 1 {
			sort.Strings(signals[fn])
			bad("%s: its alarms %v page through %v: one fault of it would page %d times", fn, signals[fn], pages, len(pages))
		} else if len(pages) == 1 {
			pageOf[fn] = pages[0]
		}
	}

	// SLA breaches are the sales team's (escalated to the team lead by
	// email): they page the operator only together with no answers from
	// sales at all, which is what alerts not reaching the reps look like.
	slaAlarms := 0
	for _, a := range byType["AWS::CloudWatch::Alarm"] {
		p := props(a)
		if _, ok := dig(p, "Namespace", "Fn::Sub").(string); !ok || p["MetricName"] != metrics.SLABreaches {
			continue
		}
		slaAlarms++
		for _, page := range pagesOf(a, 0) {
			rule, _ := dig(props(page), "AlarmRule", "Fn::Sub").(string)
			quiet := false
			for _, r := range alarmRef.FindAllStringSubmatch(rule, -1) {
				q := props(r[1])
				if q["MetricName"] == "SalesAnswers" && q["ComparisonOperator"] == "LessThanThreshold" && q["Threshold"] == 1.0 &&
					q["TreatMissingData"] == "breaching" && q["Period"] == p["Period"] {
					quiet = true
				}
			}
			if !quiet || strings.Contains(rule, " OR ") || !strings.Contains(rule, " AND ") {
				bad("%s: pages through [%s] on SLA breaches alone: want AND an alarm on SalesAnswers < 1 over the same period, missing data breaching (nobody in sales answering)", a, page)
			}
		}
	}
	if slaAlarms == 0 {
		bad("no alarm on SlaBreaches: alerts that never reach the reps would page no one")
	}

	// Every queue is a dead-letter queue: each has an alarm on messages
	// waiting, whose page is held back while a function sending to it pages.
	for _, q := range byType["AWS::SQS::Queue"] {
		var alarms []string
		for _, a := range byType["AWS::CloudWatch::Alarm"] {
			p := props(a)
			for _, d := range asList(p["Dimensions"]) {
				if dm := d.(map[string]any); dm["Name"] == "QueueName" && fmt.Sprint(dig(dm, "Value", "Fn::GetAtt")) == fmt.Sprint([]any{q, "QueueName"}) &&
					p["MetricName"] == "ApproximateNumberOfMessagesVisible" && p["Threshold"] == 0.0 && p["ComparisonOperator"] == "GreaterThanThreshold" {
					alarms = append(alarms, a)
				}
			}
		}
		if len(alarms) == 0 {
			bad("%s: no alarm on its ApproximateNumberOfMessagesVisible > 0 (failures would wait there unseen, and expire)", q)
			continue
		}
		retention, _ := props(q)["MessageRetentionPeriod"].(float64)
		expiring := false
		for _, a := range byType["AWS::CloudWatch::Alarm"] {
			p := props(a)
			for _, d := range asList(p["Dimensions"]) {
				th, _ := p["Threshold"].(float64)
				if dm := d.(map[string]any); dm["Name"] == "QueueName" && fmt.Sprint(dig(dm, "Value", "Fn::GetAtt")) == fmt.Sprint([]any{q, "QueueName"}) &&
					p["MetricName"] == "ApproximateAgeOfOldestMessage" && p["ComparisonOperator"] == "GreaterThanThreshold" && th > 0 && th <= retention-2*86400 {
					expiring = true
				}
			}
		}
		if !expiring {
			bad("%s: no alarm on ApproximateAgeOfOldestMessage at least 2 days before its MessageRetentionPeriod %v s (a message nobody handled would be dropped unseen)", q, retention)
		}
		var senders []string
		for _, typ := range []string{"AWS::Lambda::EventInvokeConfig", "AWS::Lambda::EventSourceMapping"} {
			for _, c := range byType[typ] {
				dest, _ := json.Marshal(props(c)["DestinationConfig"])
				if fn, ok := dig(props(c), "FunctionName", "Ref").(string); ok && strings.Contains(string(dest), `"`+q+`"`) && !slices.Contains(senders, fn) {
					senders = append(senders, fn)
				}
			}
		}
		sort.Strings(senders)
		for _, a := range alarms {
			for _, page := range pagesOf(a, 0) {
				held := below(suppressors[page], 0)
				for _, fn := range senders {
					if pageOf[fn] != "" && !slices.Contains(held, pageOf[fn]) {
						bad("%s: pages while %s, whose failures fill %s, is paging already (its ActionsSuppressor does not cover %s)", page, fn, q, pageOf[fn])
					}
				}
			}
		}
	}
}

// TestAlarmRunbooks: every alarm that pages, and every metric alarm
// behind one, says in its description where the README tells the
// operator what to do — a heading that exists.
func TestAlarmRunbooks(t *testing.T) {
	readme, doc := withTemplate(t, "README.md")
	for _, p := range runbookProblems(string(readme), doc) {
		t.Error(p)
	}
	bad := strings.Replace(string(readme), "#### When the SLA alarm fires\n", "#### SLA breaches\n", 1)
	got := strings.Join(runbookProblems(bad, doc), "\n")
	for _, want := range []string{
		`SlaBreachesAlarm: its runbook "When the SLA alarm fires" is no heading of the README`,
		`NoSalesAnswersAlarm: its runbook "When the SLA alarm fires" is no heading of the README`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("not reported: %q\nreported:\n%s", want, got)
		}
	}
}

// runbookRef is how an alarm's description points to its runbook.
var runbookRef = regexp.MustCompile(`Runbook: README "([^"]+)"`)

func runbookProblems(readme string, doc map[string]any) []string {
	var out []string
	headings := map[string]bool{}
	for _, line := range strings.Split(readme, "\n") {
		if h := strings.TrimLeft(line, "#"); h != line && strings.HasPrefix(h, " ") {
			headings[strings.TrimSpace(h)] = true
		}
	}
	res, _ := doc["Resources"].(map[string]any)
	for id, r := range res {
		typ := r.(map[string]any)["Type"]
		if typ != "AWS::CloudWatch::Alarm" && typ != "AWS::CloudWatch::CompositeAlarm" {
			continue
		}
		p, _ := r.(map[string]any)["Properties"].(map[string]any)
		actions, _ := json.Marshal(p["AlarmActions"])
		if typ == "AWS::CloudWatch::CompositeAlarm" && !strings.Contains(string(actions), `"AlarmTopic"`) {
			continue // holds back another alarm's page; pages no one
		}
		desc, _ := p["AlarmDescription"].(string)
		if s, ok := dig(p, "AlarmDescription", "Fn::Sub").(string); ok {
			desc = s
		}
		m := runbookRef.FindStringSubmatch(desc)
		switch {
		case m == nil:
			out = append(out, fmt.Sprintf(`%s: its description names no runbook (Runbook: README "<heading>"): %q`, id, desc))
		case !headings[m[1]]:
			out = append(out, fmt.Sprintf("%s: its runbook %q is no heading of the README", id, m[1]))
		}
	}
	sort.Strings(out)
	return out
}

// withTemplate reads the repository's file name and the template as AWS
// will deploy it (transformed), for the checks that hold one to the other.
func withTemplate(t *testing.T, name string) ([]byte, map[string]any) {
	t.Helper()
	root := testenv.Root(t)
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := transformed(t, filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return b, doc
}

// TestReadmeCountsTheAlarmsItPrices: the README's Costs section prices
// CloudWatch's fixed part by how many metric and composite alarms the
// stack creates (they cost $0.10 and $0.50 a month each); an alarm added
// without it made the figure wrong (36 at $0.10 when the stack had 37
// metric and 13 composite alarms, $9.70).
func TestReadmeCountsTheAlarmsItPrices(t *testing.T) {
	readme, doc := withTemplate(t, "README.md")
	count := map[string]int{}
	res, _ := doc["Resources"].(map[string]any)
	for _, r := range res {
		typ, _ := r.(map[string]any)["Type"].(string)
		count[typ]++
	}
	_, costs, _ := strings.Cut(string(readme), "\n## Costs\n")
	costs = strings.Join(strings.Fields(costs), " ")
	for _, want := range []string{
		fmt.Sprintf("the metric alarms cost $0.10 each a month (%d of them: $%.2f)", count["AWS::CloudWatch::Alarm"], 0.10*float64(count["AWS::CloudWatch::Alarm"])),
		fmt.Sprintf("the composite alarms $0.50 each (%d: $%.2f)", count["AWS::CloudWatch::CompositeAlarm"], 0.50*float64(count["AWS::CloudWatch::CompositeAlarm"])),
	} {
		if !strings.Contains(costs, want) {
			t.Errorf("README Costs does not say %q", want)
		}
	}
}
