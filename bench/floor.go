package main

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// A function's floor is the least Lambda that does what its main does with
// AWS: config.LoadDefaultConfig, the same service clients (pointed at the
// same endpoint variables), one call of every API operation the function's
// code calls, and lambda.Start. It is generated per function, so it follows
// the product as the product changes.

const sdkService = "github.com/aws/aws-sdk-go-v2/service/"

// sdkClients are the services a function may call: the client type, whose
// methods are the operations, and the variable naming its local endpoint
// (as in config.AWS; "" has none).
var sdkClients = map[string]struct {
	client   reflect.Type
	endpoint string
}{
	"dynamodb":    {reflect.TypeOf(&dynamodb.Client{}), "DYNAMODB_ENDPOINT"},
	"sesv2":       {reflect.TypeOf(&sesv2.Client{}), "SES_ENDPOINT"},
	"ssm":         {reflect.TypeOf(&ssm.Client{}), ""},
	"eventbridge": {reflect.TypeOf(&eventbridge.Client{}), "EVENTBRIDGE_ENDPOINT"},
	"s3":          {reflect.TypeOf(&s3.Client{}), "S3_ENDPOINT"},
}

// calls are the API operations a function calls, by service.
type calls map[string][]string

func (c calls) count() int {
	n := 0
	for _, ops := range c {
		n += len(ops)
	}
	return n
}

func (c calls) String() string {
	var parts []string
	for _, svc := range sortedKeys(c) {
		parts = append(parts, svc+": "+strings.Join(c[svc], " "))
	}
	return strings.Join(parts, "; ")
}

// sortedKeys are m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// callsOf finds the operations a function calls: in every package of this
// module the function links, each call x.Op(…) or svc.NewOpPaginator(…)
// in a file that imports the SDK package of a service with an operation
// Op. It is exact per package, not per code path (an operation in a
// package the function links but on a path it never takes still counts),
// so the floor is never smaller than the function needs.
func callsOf(root, pkg string) (calls, error) {
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "-json=ImportPath,Dir,GoFiles,Module", pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w", pkg, err)
	}
	module := modulePath(root)
	found := map[string]map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath, Dir string
			GoFiles         []string
			Module          *struct{ Path string }
		}
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
		if p.Module == nil || p.Module.Path != module {
			continue
		}
		for _, f := range p.GoFiles {
			if err := scanCalls(filepath.Join(p.Dir, f), found); err != nil {
				return nil, err
			}
		}
	}
	c := calls{}
	for svc, ops := range found {
		c[svc] = sortedKeys(ops)
	}
	return c, nil
}

// scanCalls adds to found the operations called in one file.
func scanCalls(file string, found map[string]map[string]bool) error {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	imported := map[string]string{} // local name → service
	for _, im := range f.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		svc, ok := strings.CutPrefix(path, sdkService)
		if !ok || strings.Contains(svc, "/") {
			continue // not a service's client package (types, internal …)
		}
		if _, known := sdkClients[svc]; !known {
			return fmt.Errorf("%s imports %s: add the service to sdkClients in bench/floor.go", file, path)
		}
		name := svc
		if im.Name != nil {
			name = im.Name.Name
		}
		imported[name] = svc
	}
	if len(imported) == 0 {
		return nil
	}
	ops := func(svc string) map[string]bool {
		if found[svc] == nil {
			found[svc] = map[string]bool{}
		}
		return found[svc]
	}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		name := sel.Sel.Name
		if id, ok := sel.X.(*ast.Ident); ok {
			if svc, ok := imported[id.Name]; ok { // a package function: only paginators call
				if op, ok := strings.CutSuffix(strings.TrimPrefix(name, "New"), "Paginator"); ok && isOperation(svc, op) {
					ops(svc)[op] = true
				}
				return true
			}
		}
		for _, svc := range imported {
			if isOperation(svc, name) {
				ops(svc)[name] = true
			}
		}
		return true
	})
	return nil
}

// isOperation: the service's client has an API operation called name.
func isOperation(svc, name string) bool {
	m, ok := sdkClients[svc].client.MethodByName(name)
	// An operation is (ctx, *XInput, ...func(*Options)) (*XOutput, error).
	return ok && m.Type.NumIn() == 4 && m.Type.In(2).Kind() == reflect.Pointer && m.Type.In(2).Elem().Name() == name+"Input"
}

func modulePath(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	must(err)
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "module "); ok {
			return strings.TrimSpace(p)
		}
	}
	must(fmt.Errorf("no module line in go.mod"))
	return ""
}

// floorSource is the floor Lambda's main for the given calls.
func floorSource(name string, c calls) string {
	var b strings.Builder
	svcs := sortedKeys(c)
	fmt.Fprintf(&b, "// Code generated by `make bench` for %s's floor; removed after the run.\n\n", name)
	b.WriteString("package main\n\nimport (\n\t\"bytes\"\n\t\"context\"\n\t\"encoding/json\"\n\t\"os\"\n\n")
	b.WriteString("\t\"github.com/aws/aws-lambda-go/lambda\"\n\t\"github.com/aws/aws-sdk-go-v2/aws\"\n\t\"github.com/aws/aws-sdk-go-v2/config\"\n")
	for _, svc := range svcs {
		fmt.Fprintf(&b, "\t%q\n", sdkService+svc)
	}
	b.WriteString(")\n\nvar _ = aws.String\n\nfunc main() {\n\tctx := context.Background()\n")
	b.WriteString("\tcfg, err := config.LoadDefaultConfig(ctx)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	for _, svc := range svcs {
		ep := sdkClients[svc].endpoint
		if ep == "" {
			fmt.Fprintf(&b, "\t%sClient := %s.NewFromConfig(cfg)\n", svc, svc)
			continue
		}
		fmt.Fprintf(&b, "\t%sClient := %s.NewFromConfig(cfg, func(o *%s.Options) {\n\t\tif ep := os.Getenv(%q); ep != \"\" {\n\t\t\to.BaseEndpoint = aws.String(ep)\n\t\t}\n\t})\n", svc, svc, svc, ep)
	}
	b.WriteString("\tlambda.Start(func(ctx context.Context, ev json.RawMessage) (any, error) {\n")
	b.WriteString("\t\t// Never true in the bench: it keeps every call linked without making it.\n")
	b.WriteString("\t\tif bytes.Equal(ev, []byte(`\"floor: call every operation\"`)) {\n")
	for _, svc := range svcs {
		for _, op := range c[svc] {
			fmt.Fprintf(&b, "\t\t\t_, _ = %sClient.%s(ctx, &%s.%sInput{})\n", svc, op, svc, op)
		}
	}
	b.WriteString("\t\t}\n\t\treturn map[string]any{\"statusCode\": 200}, nil\n\t})\n}\n")
	return b.String()
}

// writeFloors generates each function's floor under dir (inside the module,
// so it builds with the module's dependencies) and returns the package
// path of each and the calls it makes.
func writeFloors(root, dir string, functions []string) (map[string]string, map[string]calls) {
	pkgs, all := map[string]string{}, map[string]calls{}
	for _, name := range functions {
		c, err := callsOf(root, "./functions/"+name)
		must(err)
		d := filepath.Join(dir, name)
		must(os.MkdirAll(d, 0o755))
		must(os.WriteFile(filepath.Join(d, "main.go"), []byte(floorSource(name, c)), 0o644))
		rel, err := filepath.Rel(root, d)
		must(err)
		pkgs[name], all[name] = "./"+filepath.ToSlash(rel), c
	}
	return pkgs, all
}

// lambdaBuild builds pkg as SAM's Makefile does (-tags lambda.norpc
// -trimpath -ldflags='-s -w', no cgo) for goos/goarch.
func lambdaBuild(root, pkg, out, goos, goarch string) {
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		must(fmt.Errorf("build %s for %s/%s: %v\n%s", pkg, goos, goarch, err, b))
	}
}

func hostBuild(root, pkg, out string) { lambdaBuild(root, pkg, out, runtime.GOOS, runtime.GOARCH) }

var sdkOperation = regexp.MustCompile(`^github\.com/aws/aws-sdk-go-v2/service/([a-z0-9]+)\.\(\*Client\)\.([A-Z]\w*)$`)

// linkedOperations counts the SDK client operations a stripped Go binary
// links (function names survive -s -w in the pclntab), by service.
func linkedOperations(bin string) map[string]int {
	f, err := elf.Open(bin)
	must(err)
	defer f.Close()
	data, err := f.Section(".gopclntab").Data()
	must(err)
	t, err := gosym.NewTable(nil, gosym.NewLineTable(data, f.Section(".text").Addr))
	must(err)
	n := map[string]int{}
	for _, fn := range t.Funcs {
		if m := sdkOperation.FindStringSubmatch(fn.Name); m != nil && m[2] != "Options" {
			n[m[1]]++
		}
	}
	return n
}
