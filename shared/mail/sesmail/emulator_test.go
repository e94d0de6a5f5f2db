package sesmail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
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
	node, err := exec.LookPath("node")
	if err != nil {
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
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	cmd := exec.Command(node, cli, "--port", strconv.Itoa(port), "--host", "127.0.0.1")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aws-ses-v2-local: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitUp(endpoint+"/store", exited, 30*time.Second); err != nil {
		t.Fatalf("aws-ses-v2-local did not start: %v\n%s", err, logs.String())
	}
	return endpoint
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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitUp polls u until it answers HTTP, the process exits, or time runs out.
func waitUp(u string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// syncBuffer collects the emulator's output for a failure message.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
