// Package sam reads template.yaml with goformation so the local stack and
// the tests follow the template — its functions, routes, schedules,
// environment and table — instead of keeping a second copy of it.
package sam

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	cfdynamodb "github.com/awslabs/goformation/v7/cloudformation/dynamodb"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// Template is the parsed template.yaml.
type Template struct {
	CF        *cloudformation.Template
	Functions []Function
	Table     *cfdynamodb.Table
	TableID   string
	// Types maps every resource's logical id to its type.
	Types map[string]string
	// filters are the metric filters by logical id (those written out,
	// not by Fn::ForEach).
	filters map[string]metricFilter
}

type metricFilter struct{ pattern, metric string }

// FilterPattern is the pattern of the metric filter with logical id id.
func (t *Template) FilterPattern(id string) (string, bool) {
	f, ok := t.filters[id]
	return f.pattern, ok
}

// MetricPatterns are the patterns of every metric filter that writes
// metric (a metric may count the lines of several filters), by logical
// id.
func (t *Template) MetricPatterns(metric string) map[string]string {
	out := map[string]string{}
	for id, f := range t.filters {
		if f.metric == metric {
			out[id] = f.pattern
		}
	}
	return out
}

// Function is one AWS::Serverless::Function as the local stack needs it.
type Function struct {
	LogicalID string
	// Name is the folder under functions/ (the last element of CodeUri).
	Name         string
	CodeUri      string
	Runtime      string
	Handler      string
	Architecture []string
	Timeout      int
	BuildMethod  string
	// Env holds declared variables; values that reference a resource are
	// "ref:<LogicalId>", parameters resolve to their defaults.
	Env       map[string]string
	Routes    []Route
	Schedules []Schedule
	// Rules are EventBridgeRule events (e.g. SES events); the local stack
	// lets you inject events into them.
	Rules []string
	// DetailTypes are the detail-type values its rules' patterns accept;
	// nil when a rule takes any detail type.
	DetailTypes []string
	// Streams are DynamoDB stream events (the table's stream).
	Streams []string
	// StreamFilters are the FilterCriteria patterns of its stream events
	// (nil: every record), which Lambda applies before the function sees
	// a record (streams.ParseFilter).
	StreamFilters []string
	// Policies is the function's Policies property as plain JSON values.
	Policies []any
}

// Route is an HttpApi event: "POST /leads" and its authorizer
// ("AWS_IAM" for admin routes, "" for public ones).
type Route struct {
	Method, Path, Event, Authorizer string
}

// Key is "METHOD /path", the HTTP API route key.
func (r Route) Key() string { return r.Method + " " + r.Path }

// Schedule is a Schedule event of a function.
type Schedule struct {
	Event, Expression string
	Enabled           bool
}

// Root finds the repository root (the folder holding go.mod and
// template.yaml) from the working directory upwards.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "template.yaml")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("sam: no template.yaml with go.mod above the working directory")
		}
		dir = parent
	}
}

// Load parses a template file.
func Load(path string) (*Template, error) {
	doc, err := resolved(path)
	if err != nil {
		return nil, err
	}
	raw := map[string]map[string]any{}
	for id, r := range doc["Resources"].(map[string]any) {
		raw[id], _ = r.(map[string]any)
	}
	// goformation's generated types lag behind CloudFormation (v7.14.9
	// rejects EventBridgeDestination in SES event destinations); give it
	// only the resource types the local stack runs and tests check.
	kept := map[string]any{}
	for id, r := range raw {
		if modelled[fmt.Sprint(r["Type"])] {
			kept[id] = withoutUnmodelled(r)
		}
	}
	doc["Resources"] = kept
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	cf, err := goformation.ParseJSONWithOptions(js, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		return nil, fmt.Errorf("sam: %s: %w", path, err)
	}
	t := &Template{CF: cf, Types: map[string]string{}, filters: map[string]metricFilter{}}
	for id, r := range raw {
		t.Types[id] = fmt.Sprint(r["Type"])
		if r["Type"] == "AWS::Logs::MetricFilter" {
			props, _ := r["Properties"].(map[string]any)
			if p, ok := props["FilterPattern"].(string); ok {
				f := metricFilter{pattern: p}
				if ms, _ := props["MetricTransformations"].([]any); len(ms) > 0 {
					m, _ := ms[0].(map[string]any)
					f.metric, _ = m["MetricName"].(string)
				}
				t.filters[id] = f
			}
		}
	}
	for id, tbl := range cf.GetAllDynamoDBTableResources() {
		if t.Table != nil {
			return nil, fmt.Errorf("sam: %s: more than one DynamoDB table (%s, %s)", path, t.TableID, id)
		}
		t.Table, t.TableID = tbl, id
	}
	for id, fn := range cf.GetAllServerlessFunctionResources() {
		f := Function{LogicalID: id, Env: map[string]string{}, Architecture: fn.Architectures}
		if fn.CodeUri != nil && fn.CodeUri.String != nil {
			f.CodeUri = *fn.CodeUri.String
			f.Name = filepath.Base(filepath.Clean(f.CodeUri))
		}
		f.Runtime = aws.ToString(fn.Runtime)
		f.Handler = aws.ToString(fn.Handler)
		if fn.Timeout != nil {
			f.Timeout = *fn.Timeout
		}
		if bm, ok := fn.AWSCloudFormationMetadata["BuildMethod"].(string); ok {
			f.BuildMethod = bm
		}
		if fn.Environment != nil {
			for k, v := range fn.Environment.Variables {
				f.Env[k] = v
			}
		}
		for name, ev := range fn.Events {
			switch ev.Type {
			case "HttpApi":
				p := ev.Properties
				if p == nil || p.HttpApiEvent == nil {
					return nil, fmt.Errorf("sam: %s: event %s.%s has no Method/Path", path, id, name)
				}
				r := Route{Method: strings.ToUpper(aws.ToString(p.HttpApiEvent.Method)), Path: aws.ToString(p.HttpApiEvent.Path), Event: name}
				if a := p.HttpApiEvent.Auth; a != nil {
					r.Authorizer = aws.ToString(a.Authorizer)
				}
				f.Routes = append(f.Routes, r)
			case "DynamoDB":
				f.Streams = append(f.Streams, name)
				filters, err := streamFilters(raw[id], name)
				if err != nil {
					return nil, fmt.Errorf("sam: %s: event %s.%s: %w", path, id, name, err)
				}
				f.StreamFilters = append(f.StreamFilters, filters...)
			case "EventBridgeRule":
				f.Rules = append(f.Rules, name)
				var pattern any
				if p := ev.Properties; p != nil && p.EventBridgeRuleEvent != nil {
					pattern = p.EventBridgeRuleEvent.Pattern
				}
				f.DetailTypes = append(f.DetailTypes, patternDetailTypes(pattern)...)
			case "Schedule":
				p := ev.Properties
				if p == nil || p.ScheduleEvent == nil {
					return nil, fmt.Errorf("sam: %s: event %s.%s has no Schedule", path, id, name)
				}
				f.Schedules = append(f.Schedules, Schedule{Event: name, Expression: p.ScheduleEvent.Schedule,
					Enabled: p.ScheduleEvent.Enabled == nil || *p.ScheduleEvent.Enabled})
			}
		}
		sort.Slice(f.Routes, func(i, j int) bool { return f.Routes[i].Key() < f.Routes[j].Key() })
		if pol, ok := raw[id]["Properties"].(map[string]any)["Policies"]; ok {
			if list, ok := pol.([]any); ok {
				f.Policies = list
			} else {
				f.Policies = []any{pol}
			}
		}
		t.Functions = append(t.Functions, f)
	}
	sort.Slice(t.Functions, func(i, j int) bool { return t.Functions[i].LogicalID < t.Functions[j].LogicalID })
	return t, nil
}

// streamFilters reads the FilterCriteria patterns of a function's
// DynamoDB event from the resolved template (each a JSON string).
func streamFilters(fn map[string]any, event string) ([]string, error) {
	props, _ := fn["Properties"].(map[string]any)
	evs, _ := props["Events"].(map[string]any)
	ev, _ := evs[event].(map[string]any)
	p, _ := ev["Properties"].(map[string]any)
	fc, ok := p["FilterCriteria"].(map[string]any)
	if !ok {
		return nil, nil
	}
	list, _ := fc["Filters"].([]any)
	var out []string
	for _, f := range list {
		m, _ := f.(map[string]any)
		pattern, ok := m["Pattern"].(string)
		if !ok {
			return nil, fmt.Errorf("a filter without a Pattern string: %v", f)
		}
		out = append(out, pattern)
	}
	return out, nil
}

// modelled are the resource types read through goformation.
var modelled = map[string]bool{"AWS::Serverless::Function": true, "AWS::DynamoDB::Table": true}

// unmodelled are function properties newer than goformation v7.14.9's
// types (its strict decoder refuses them); nothing local reads them.
var unmodelled = []string{"LoggingConfig"}

func withoutUnmodelled(r map[string]any) map[string]any {
	props, ok := r["Properties"].(map[string]any)
	if !ok || r["Type"] != "AWS::Serverless::Function" {
		return r
	}
	out := map[string]any{}
	for k, v := range r {
		out[k] = v
	}
	trimmed := map[string]any{}
	for k, v := range props {
		if !slices.Contains(unmodelled, k) {
			trimmed[k] = v
		}
	}
	out["Properties"] = trimmed
	return out
}

// resolved reads the template with goformation's intrinsic processor into
// plain maps (Ref/GetAtt/Sub of resources kept as markers): the typed
// Policies union drops shapes it does not model, and the policy check
// must see all of them.
func resolved(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	js, err := intrinsics.ProcessYAML(data, &intrinsics.ProcessorOptions{IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{
		"Ref": keepRef, "Fn::GetAtt": keepGetAtt, "Fn::Sub": keepSub,
	}})
	if err != nil {
		return nil, fmt.Errorf("sam: %s: %w", path, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("sam: %s: %w", path, err)
	}
	resources, ok := doc["Resources"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("sam: %s: no Resources", path)
	}
	// Globals apply to every function, as the SAM transform applies them.
	if g, ok := doc["Globals"].(map[string]any); ok {
		if fn, ok := g["Function"].(map[string]any); ok {
			for _, r := range resources {
				if r, ok := r.(map[string]any); ok && r["Type"] == "AWS::Serverless::Function" {
					props, _ := r["Properties"].(map[string]any)
					r["Properties"] = withGlobals(fn, props)
				}
			}
		}
		delete(doc, "Globals")
	}
	return doc, nil
}

// withGlobals merges Globals.Function into a function's properties the
// way SAM does: maps merge key by key, lists add up (globals first), and a
// value the function sets itself wins.
func withGlobals(global, local any) any {
	switch g := global.(type) {
	case map[string]any:
		l, ok := local.(map[string]any)
		if !ok {
			if local != nil {
				return local
			}
			l = map[string]any{}
		}
		out := map[string]any{}
		for k, v := range g {
			out[k] = withGlobals(v, l[k])
		}
		for k, v := range l {
			if _, inGlobal := g[k]; !inGlobal {
				out[k] = v
			}
		}
		return out
	case []any:
		if l, ok := local.([]any); ok {
			return append(append([]any(nil), g...), l...)
		}
	}
	if local != nil {
		return local
	}
	return global
}

// keepRef resolves parameters to their defaults (as goformation does; ""
// for a parameter that has none and must be given at deploy time) and
// turns references to resources into "ref:<LogicalId>" markers.
func keepRef(name string, input any, template any) any {
	if v := intrinsics.Ref(name, input, template); v != nil {
		return v
	}
	if t, ok := template.(map[string]any); ok {
		if params, ok := t["Parameters"].(map[string]any); ok && params[fmt.Sprint(input)] != nil {
			return "" // a parameter without a default: given at deploy time
		}
	}
	if s, ok := input.(string); ok {
		return "ref:" + s
	}
	return nil
}

// keepGetAtt turns !GetAtt X.Arn into "getatt:X.Arn".
func keepGetAtt(_ string, input any, _ any) any {
	switch v := input.(type) {
	case string:
		return "getatt:" + v
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = fmt.Sprint(p)
		}
		return "getatt:" + strings.Join(parts, ".")
	}
	return nil
}

var subVar = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}`)

// keepSub resolves !Sub like goformation, except that ${Resource} and
// ${Resource.Attr} become "ref:Resource" and "getatt:Resource.Attr"
// markers instead of empty strings, so checks can see what is referenced.
func keepSub(name string, input any, template any) any {
	resources := map[string]any{}
	if t, ok := template.(map[string]any); ok {
		resources, _ = t["Resources"].(map[string]any)
	}
	mark := func(s string) string {
		return subVar.ReplaceAllStringFunc(s, func(m string) string {
			g := subVar.FindStringSubmatch(m)
			if _, ok := resources[g[1]]; !ok {
				return m
			}
			if g[2] != "" {
				return "getatt:" + g[1] + g[2]
			}
			return "ref:" + g[1]
		})
	}
	switch v := input.(type) {
	case string:
		input = mark(v)
	case []any:
		if len(v) > 0 {
			if s, ok := v[0].(string); ok {
				v = append([]any{mark(s)}, v[1:]...)
				input = v
			}
		}
	}
	return intrinsics.FnSub(name, input, template)
}

// Function returns the function whose folder is name.
func (t *Template) Function(name string) (Function, bool) {
	for _, f := range t.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// CreateTableInput turns the template's table into a CreateTable call for
// a table of the given name (tests use a fresh name each).
func (t *Template) CreateTableInput(name string) (*dynamodb.CreateTableInput, error) {
	if t.Table == nil {
		return nil, fmt.Errorf("sam: template has no AWS::DynamoDB::Table")
	}
	tbl := t.Table
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest}
	for _, a := range tbl.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: types.ScalarAttributeType(a.AttributeType)})
	}
	in.KeySchema = keySchema(tbl.KeySchema)
	if ss := tbl.StreamSpecification; ss != nil {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(ss.StreamViewType)}
	}
	for _, g := range tbl.GlobalSecondaryIndexes {
		p := &types.Projection{ProjectionType: types.ProjectionType(aws.ToString(g.Projection.ProjectionType))}
		p.NonKeyAttributes = g.Projection.NonKeyAttributes
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(g.IndexName), KeySchema: keySchema(g.KeySchema), Projection: p})
	}
	return in, nil
}

// TTLAttribute is the table's time-to-live attribute, if enabled.
func (t *Template) TTLAttribute() string {
	if t.Table == nil || t.Table.TimeToLiveSpecification == nil || !t.Table.TimeToLiveSpecification.Enabled {
		return ""
	}
	return aws.ToString(t.Table.TimeToLiveSpecification.AttributeName)
}

func keySchema(ks []cfdynamodb.Table_KeySchema) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)}
	}
	return out
}

// patternDetailTypes reads the detail-type list of an EventBridgeRule
// event's pattern ("*" when the pattern names none: any type).
func patternDetailTypes(pattern any) []string {
	b, err := json.Marshal(pattern)
	if err != nil {
		return []string{"*"}
	}
	var v map[string]any
	if json.Unmarshal(b, &v) != nil {
		return []string{"*"}
	}
	list, ok := v["detail-type"].([]any)
	if !ok {
		return []string{"*"}
	}
	var out []string
	for _, t := range list {
		if s, ok := t.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
