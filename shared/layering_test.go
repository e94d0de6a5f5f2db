// Package shared_test holds checks over the project's own packages as a
// whole.
package shared_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// adapters are the packages allowed to import the AWS SDK: the wiring
// (shared/app and the per-function packages below it) and the adapters
// behind the interfaces the domain declares. Everything else under
// shared/ is domain code, tested without AWS.
var adapters = []string{
	"shared/awsclients", "shared/awsclients/all", "shared/awsclients/chain", "shared/mail/sesmail",
	"shared/mail/sesstore", "shared/paramstore", "shared/publish/eventbus", "shared/s3store", "shared/store",
}

func isAdapter(name string) bool {
	return slices.Contains(adapters, name) || name == "shared/app" || strings.HasPrefix(name, "shared/app/")
}

const module = "github.com/leadflow/leadflow/"

// TestDomainPackagesImportNoAWSSDK fails when a domain package reaches the
// AWS SDK, directly or through another package.
func TestDomainPackagesImportNoAWSSDK(t *testing.T) {
	pkgs, err := exec.Command("go", "list", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var checked int
	for _, p := range strings.Fields(string(pkgs)) {
		name := strings.TrimPrefix(p, module)
		if isAdapter(name) {
			continue
		}
		deps, err := exec.Command("go", "list", "-deps", p).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p, err)
		}
		checked++
		for _, d := range strings.Fields(string(deps)) {
			if strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2") {
				t.Errorf("domain package %s imports the AWS SDK (%s): put that code in an adapter behind an interface the domain declares", name, d)
				break
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked only %d domain packages: is the test running in shared/?", checked)
	}
}

// mainDeps is, for each function's main (by name), the packages its
// binary links as SAM builds it (-tags lambda.norpc).
func mainDeps(t *testing.T) map[string][]string {
	t.Helper()
	mains, err := exec.Command("go", "list", "../functions/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	out := map[string][]string{}
	for _, p := range strings.Fields(string(mains)) {
		name := strings.TrimPrefix(p, module+"functions/")
		if name == p || strings.Contains(name, "/") {
			continue // the functions package's own test, not a main
		}
		deps, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", p).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", p, err)
		}
		out[name] = strings.Fields(string(deps))
	}
	if len(out) < 9 {
		t.Fatalf("found only %d functions: is the test running in shared/?", len(out))
	}
	return out
}

// TestLambdaMainsLinkNoCredentialChain fails when a function's main links
// the SDK's config package (the default credential chain): that brings in
// the SSO, SSO OIDC, STS and sign-in clients and the shared-config parser,
// ~0.5 MB and their initialisers on every cold start, for variables Lambda
// sets anyway (awsclients.FromEnvironment reads them; awsclients/chain is
// for what runs outside Lambda).
func TestLambdaMainsLinkNoCredentialChain(t *testing.T) {
	for name, deps := range mainDeps(t) {
		for _, d := range deps {
			if d == "github.com/aws/aws-sdk-go-v2/config" || strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2/service/sso") {
				t.Errorf("functions/%s links %s: build its SDK config with awsclients.FromEnvironment, and keep awsclients/chain out of its imports", name, d)
				break
			}
		}
	}
}

// TestLambdaMainsLinkOnlyTheirOwnWiring fails when a function's binary
// links another function's wiring package (shared/app/<name>fn), and with
// it that function's dependencies: what two functions share belongs in a
// package both import (shared/app/sales, shared/app/enrol, the store, a
// domain package).
func TestLambdaMainsLinkOnlyTheirOwnWiring(t *testing.T) {
	for name, deps := range mainDeps(t) {
		own := module + "shared/app/" + name + "fn"
		found := false
		for _, d := range deps {
			wiring := strings.HasPrefix(d, module+"shared/app/") && strings.HasSuffix(d, "fn")
			switch {
			case d == own:
				found = true
			case wiring:
				t.Errorf("functions/%s links %s, another function's wiring: move what they share into a package both import", name, strings.TrimPrefix(d, module))
			}
		}
		if !found {
			t.Errorf("functions/%s does not link its own wiring package %s", name, strings.TrimPrefix(own, module))
		}
	}
}
