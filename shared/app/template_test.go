package app_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/local/sam"
	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/app/registry"
	"github.com/leadflow/leadflow/shared/config"
)

// TestTemplateMatchesCode keeps template.yaml and the code in step.
func TestTemplateMatchesCode(t *testing.T) {
	for _, p := range templateProblems(testenv.Template(t), testenv.Root(t)) {
		t.Error(p)
	}
}

// TestTemplateCheckCatchesDrift proves the check fails on a template that
// drifted: a missing folder, an undeclared env var, a route without a
// handler, and a wildcard policy.
func TestTemplateCheckCatchesDrift(t *testing.T) {
	root := testenv.Root(t)
	good, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.NewReplacer(
		"          ALLOWED_ORIGINS: !Ref AllowedOrigins\n", "",
		"          TRACK_OPENS: !Ref TrackOpens\n", "          TRACK_OPENS: !Ref TrackOpens\n          TRACK_PAGES: !Ref TrackPages\n",
		"            Path: /leads\n        PreflightLead:", "            Path: /leads\n        Stray:\n          Type: HttpApi\n          Properties:\n            ApiId: !Ref HttpApi\n            Method: GET\n            Path: /nowhere\n        PreflightLead:",
		"              Resource: !GetAtt LeadsTable.Arn", "              Resource: \"*\"",
		"            Path: /admin/erase\n            Auth:\n              Authorizer: AWS_IAM\n", "            Path: /admin/erase\n",
		`Resource: !Sub "${SegmentExportBucket.Arn}/segments/*"`, `Resource: !Sub "${SegmentExportBucket.Arn}/*"`,
	).Replace(string(good))
	bad = strings.Replace(bad, "\nOutputs:", `
  GhostFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
    Properties:
      CodeUri: functions/ghost
      Handler: bootstrap
      Runtime: provided.al2023
      Architectures: [arm64]

Outputs:`, 1)
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	tm, err := sam.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(templateProblems(tm, root), "\n")
	for _, want := range []string{
		"GhostFunction: CodeUri \"functions/ghost\" has no main.go",
		"the code reads ALLOWED_ORIGINS but template.yaml does not declare it for CaptureFunction",
		"template.yaml sets TRACK_PAGES for NurtureFunction, which its code does not read (config.Nurture)",
		"template routes [GET /c/{campaign} GET /c/{campaign}/embed GET /c/{campaign}/form GET /c/{campaign}/thanks GET /nowhere GET /thanks OPTIONS /leads POST /leads], handler serves [GET /c/{campaign} GET /c/{campaign}/embed GET /c/{campaign}/form GET /c/{campaign}/thanks GET /thanks OPTIONS /leads POST /leads]",
		"PrivacyFunction: POST /admin/erase is an admin route without Auth: Authorizer: AWS_IAM",
		"resource \"*\" is broader than the table, the SES identity or the signing-key parameter",
		"SegmentsFunction: resource \"getatt:SegmentExportBucket.Arn/*\" is broader",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("drift not reported: %q\nreported:\n%s", want, got)
		}
	}
}

func templateProblems(tm *sam.Template, root string) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	dirs, _ := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	for _, d := range dirs {
		name := filepath.Base(filepath.Dir(d))
		if _, ok := tm.Function(name); !ok {
			bad("functions/%s is not declared in template.yaml", name)
		}
	}
	for _, f := range tm.Functions {
		if _, err := os.Stat(filepath.Join(root, f.CodeUri, "main.go")); err != nil {
			bad("%s: CodeUri %q has no main.go", f.LogicalID, f.CodeUri)
			continue
		}
		if f.Runtime != "provided.al2023" || f.Handler != "bootstrap" || !slices.Equal(f.Architecture, []string{"arm64"}) || f.BuildMethod != "makefile" {
			bad("%s: want provided.al2023/bootstrap/arm64/makefile, got %s/%s/%v/%s", f.LogicalID, f.Runtime, f.Handler, f.Architecture, f.BuildMethod)
		}
		cfg, ok := config.Functions[f.Name]
		if !ok {
			bad("%s: config.Functions has no entry for %q", f.LogicalID, f.Name)
			continue
		}
		need, provided := config.Vars(cfg)
		for _, v := range need {
			if _, ok := f.Env[v]; !ok {
				bad("the code reads %s but template.yaml does not declare it for %s", v, f.LogicalID)
			}
		}
		// A variable no code reads is a parameter an operator sets for
		// nothing (a renamed variable's old name, one on the wrong
		// function). ZONEINFO is read by app.Start, for every function.
		for v := range f.Env {
			if !slices.Contains(need, v) && !slices.Contains(provided, v) && v != "ZONEINFO" {
				bad("template.yaml sets %s for %s, which its code does not read (%T)", v, f.LogicalID, cfg)
			}
		}
		var keys []string
		for _, r := range f.Routes {
			keys = append(keys, r.Key())
			if strings.HasPrefix(r.Path, "/admin/") || strings.HasPrefix(r.Path, "/reports") {
				if r.Authorizer != "AWS_IAM" {
					bad("%s: %s is an admin route without Auth: Authorizer: AWS_IAM", f.LogicalID, r.Key())
				}
			}
		}
		want := append([]string(nil), registry.Routes()[f.Name]...)
		sort.Strings(want)
		sort.Strings(keys)
		if !slices.Equal(keys, want) {
			bad("%s: template routes %v, handler serves %v", f.LogicalID, keys, want)
		}
		out = append(out, policyProblems(tm, f)...)
	}
	return out
}

// policyProblems allows only inline statements with explicit actions on
// the table (and its indexes) or an SES identity ARN.
func policyProblems(tm *sam.Template, f sam.Function) []string {
	var out []string
	table := "getatt:" + tm.TableID + ".Arn"
	for _, p := range f.Policies {
		doc, ok := p.(map[string]any)
		stmts, isDoc := doc["Statement"].([]any)
		if !ok || !isDoc {
			out = append(out, fmt.Sprintf("%s: policy %v: only inline statements are allowed (managed policies and SAM policy templates are too broad to check)", f.LogicalID, p))
			continue
		}
		for _, s := range stmts {
			st, _ := s.(map[string]any)
			b, _ := json.Marshal(st)
			for _, a := range asList(st["Action"]) {
				if strings.Contains(a, "*") {
					out = append(out, fmt.Sprintf("%s: wildcard action %q", f.LogicalID, a))
				}
			}
			res := asList(st["Resource"])
			if accountLevelOnly(asList(st["Action"])) && len(res) == 1 && res[0] == "*" {
				continue // actions without resource-level permissions
			}
			if len(res) == 0 {
				out = append(out, fmt.Sprintf("%s: statement without Resource: %s", f.LogicalID, b))
			}
			for _, r := range res {
				switch {
				case r == table, strings.HasPrefix(r, table+"/index/"), r == "getatt:"+tm.TableID+".StreamArn":
				case strings.HasPrefix(r, "getatt:") && strings.HasSuffix(r, ".Arn") && tm.Types[strings.TrimSuffix(strings.TrimPrefix(r, "getatt:"), ".Arn")] == "AWS::Events::EventBus":
				case strings.HasPrefix(r, "arn:aws:ses:") && (strings.Contains(r, ":identity/") || strings.Contains(r, ":configuration-set/")) && !strings.Contains(r, "*"):
				case strings.HasPrefix(r, "arn:aws:ssm:") && strings.Contains(r, ":parameter/") && !strings.Contains(r, "*"):
				case bucketObjects(tm, r):
				case bucketListing(tm, r, st):
				default:
					out = append(out, fmt.Sprintf("%s: resource %q is broader than the table, the SES identity or the signing-key parameter: %s", f.LogicalID, r, b))
				}
			}
		}
	}
	return out
}

// bucketObjects reports a resource that is objects under a prefix of a
// bucket the template declares: "${Bucket.Arn}/prefix/*".
func bucketObjects(tm *sam.Template, r string) bool {
	id, rest, ok := strings.Cut(strings.TrimPrefix(r, "getatt:"), ".Arn/")
	return ok && strings.HasPrefix(r, "getatt:") && tm.Types[id] == "AWS::S3::Bucket" &&
		strings.HasSuffix(rest, "/*") && !strings.Contains(strings.TrimSuffix(rest, "/*"), "*") && rest != "*"
}

// bucketListing reports a statement that lets a function list the keys
// of a bucket the template declares (s3:ListBucket, whose resource is the
// bucket itself) under one prefix only (a Condition on s3:prefix).
func bucketListing(tm *sam.Template, r string, st map[string]any) bool {
	id, ok := strings.CutSuffix(strings.TrimPrefix(r, "getatt:"), ".Arn")
	if !ok || !strings.HasPrefix(r, "getatt:") || tm.Types[id] != "AWS::S3::Bucket" || !slices.Equal(asList(st["Action"]), []string{"s3:ListBucket"}) {
		return false
	}
	cond, _ := st["Condition"].(map[string]any)
	like, _ := cond["StringLike"].(map[string]any)
	prefix := asList(like["s3:prefix"])
	return len(prefix) == 1 && prefix[0] != "*" && prefix[0] != ""
}

func asList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, asList(e)...)
		}
		return out
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

// accountLevel are read-only actions IAM cannot scope to a resource.
var accountLevel = map[string]bool{"ses:GetAccount": true}

func accountLevelOnly(actions []string) bool {
	for _, a := range actions {
		if !accountLevel[a] {
			return false
		}
	}
	return len(actions) > 0
}
