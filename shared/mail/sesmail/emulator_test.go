package sesmail_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/leadflow/leadflow/local/emulators"
)

// sesEndpoint returns the base URL of an aws-ses-v2-local emulator:
// SES_ENDPOINT when set (`make test` shares one across packages), else one
// started for this test and stopped when it ends.
//
// It is the only place that knows how the emulator starts, so it can give
// way to a shared harness (local/testenv) without touching the tests.
func sesEndpoint(t *testing.T) string {
	t.Helper()
	if ep := os.Getenv("SES_ENDPOINT"); ep != "" {
		return ep
	}
	return privateSES(t)
}

// unavailable skips a test whose emulator cannot run here, except in CI
// (CI=true), where a skipped check would pass unseen.
func unavailable(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why + " (CI=true: required)")
	}
	t.Skip(why)
}

// privateSES starts an emulator for this test alone and stops it when the
// test ends.
func privateSES(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "node not found: install Node.js 20+ and run `npm ci`, or set SES_ENDPOINT to a running aws-ses-v2-local")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cli := filepath.Join(root, "node_modules", "aws-ses-v2-local", "dist", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		unavailable(t, "aws-ses-v2-local is not installed: run `npm ci` in "+root+", or set SES_ENDPOINT")
	}
	// The emulators package chooses its port, and starts it again on
	// another when the port was taken before it bound it.
	st, err := emulators.StartSES(context.Background(), root, nil)
	if err != nil {
		t.Fatal(err) // the end of its output included
	}
	t.Cleanup(st.Stop)
	return st.SES
}

// repoRoot walks up from the working directory to the folder with go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
