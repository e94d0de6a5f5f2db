// Package browser holds the real-browser test of the local stack: a
// person's first hour, walked in headless Chromium by walk.mjs
// (puppeteer-core, from the repository's package.json).
package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/campaign"
)

// TestBrowser builds and starts the local stack (its own DynamoDB Local
// and SES emulator, on free ports; itself on a port the system
// chooses), then runs walk.mjs against it: every campaign form and the
// landing page filled and submitted as a person would, the thank-you
// pages, a refused form and its way back, the sales
// alert's Accept link, the opt-in confirmation, the variants, the embed
// snippet and the dashboard (filled with make demo's data first), each
// page screenshot at 1280 px into out/browser/ and checked for errors and
// clipped or overflowing layout; the rep's alert pages (accept, reject,
// won, a damaged link), the confirm page and the landing page also on a
// 390×844 phone, where the lead's name and the page's button must be on
// the first screen.
// Every failed step of the walk fails the test.
//
// Without chromium it skips (with CI=true it fails): make test runs it on
// its own after the suite (make browser), like the simulation.
func TestBrowser(t *testing.T) {
	if os.Getenv("LEADFLOW_BROWSER") == "apart" {
		t.Skip("make test runs the browser test on its own after the suite (make browser)")
	}
	if testing.Short() {
		t.Skip("starts the local stack and a browser: not with -short")
	}
	chromium := findChromium()
	if chromium == "" {
		missing(t, "browser test skipped: chromium not found (apt-get install chromium, or CHROMIUM=/path/to/chrome); required when CI=true")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "browser test skipped: node not found (apt-get install nodejs npm); required when CI=true")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "puppeteer-core", "package.json")); err != nil {
		t.Fatal("puppeteer-core is not installed: run 'npm ci' (make install) in " + root)
	}

	// The campaigns, from the files marketing deploys: each one's page is
	// walked, whatever they are.
	set, err := campaign.LoadDir(filepath.Join(root, "config", "campaigns"))
	if err != nil {
		t.Fatal(err)
	}
	type walkCampaign struct {
		ID          string   `json:"id"`
		Status      string   `json:"status"`
		FormType    string   `json:"formType"`
		ConsentMode string   `json:"consentMode"`
		Variants    []string `json:"variants"`
	}
	var cs []walkCampaign
	for _, c := range set.All() {
		w := walkCampaign{ID: c.ID, Status: string(c.Status), FormType: c.Form.FormType, ConsentMode: set.ConsentMode(c.ID)}
		for _, v := range c.Variants {
			w.Variants = append(w.Variants, v.ID)
		}
		cs = append(cs, w)
	}
	if len(cs) == 0 {
		t.Fatal("no campaign files in config/campaigns")
	}
	tmp := t.TempDir()
	campaignsFile := filepath.Join(tmp, "campaigns.json")
	b, _ := json.Marshal(cs)
	if err := os.WriteFile(campaignsFile, b, 0o644); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(root, "out", "browser")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// First the page checks on pages broken on purpose: each must be caught.
	t.Run("checks", func(t *testing.T) {
		walk(t, root, node, "--selftest", "1", "--out", filepath.Join("out", "browser", "selftest"), "--chromium", chromium)
	})
	t.Run("walk", func(t *testing.T) {
		base, ses := startStack(t, root, tmp, out)
		// A month of demo data first (make demo), so the dashboard the walk
		// ends on has a row in every table, each column filled.
		fillDemo(t, root, base)
		walk(t, root, node, "--base", base, "--ses", ses, "--out", filepath.Join("out", "browser"),
			"--campaigns", campaignsFile, "--chromium", chromium, "--demo", "1")
	})
}

// beforeTestTimeout is how long a step may still take: until shortly
// before go test's -timeout (a day without one), not a fixed wall-clock
// limit a loaded machine can exceed (the walk once took longer than its
// 150 s beside other test processes, every step of it passing). A step
// that hangs still fails, with its output, before go test would kill it.
func beforeTestTimeout(t *testing.T) time.Duration {
	dl, ok := t.Deadline()
	if !ok {
		return 24 * time.Hour
	}
	return time.Until(dl) - 30*time.Second
}

// walk runs walk.mjs with args, prints its lines as they come and fails
// the test with every failed step and its details.
func walk(t *testing.T, root, node string, args ...string) {
	t.Helper()
	limit := beforeTestTimeout(t)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join("local", "browser", "walk.mjs")}, args...)...)
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	// walk.mjs fails on its own 15 s earlier, naming the steps it did.
	cmd.Env = append(os.Environ(), fmt.Sprint("WALK_TIMEOUT_MS=", max(limit-15*time.Second, time.Second).Milliseconds()))
	// On timeout SIGTERM, on which puppeteer closes the browser (it runs in
	// its own process group); SIGKILL 10 s later. A browser left holding
	// the output never keeps Wait waiting.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var details []string
	inFail := false
	for sc.Scan() {
		line := sc.Text()
		fmt.Println(line)
		switch {
		case strings.HasPrefix(line, "FAIL"):
			inFail = true
			details = append(details, line)
		case inFail && strings.HasPrefix(line, "       - "):
			details = append(details, line)
		default:
			inFail = false
		}
	}
	werr := cmd.Wait()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever else it left in its group
	if ctx.Err() != nil {
		t.Errorf("walk.mjs did not finish within %s (the test's -timeout)", limit.Round(time.Second))
	}
	switch {
	case len(details) > 0:
		t.Errorf("the browser walk failed (screenshots and the stack's log in out/browser/):\n%s", strings.Join(details, "\n"))
	case werr != nil:
		t.Errorf("walk.mjs: %v (screenshots and the stack's log in out/browser/)", werr)
	}
}

// fillDemo runs local/cmd/demo (what make demo runs) against the stack.
func fillDemo(t *testing.T, root, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), beforeTestTimeout(t))
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./local/cmd/demo", "-url", base)
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	fmt.Print(string(b))
	if err != nil {
		t.Fatalf("make demo against the stack: %v\n%s", err, b)
	}
}

// missing skips the test, or fails it when CI=true.
func missing(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(strings.Replace(msg, "skipped", "cannot run", 1))
	}
	t.Skip(msg)
}

// findChromium is $CHROMIUM, else the first browser of Debian's chromium
// package (or another Chrome) on the PATH.
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		return ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

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
			return "", errors.New("go.mod not found above " + dir)
		}
		dir = parent
	}
}

// startStack builds local/cmd/stack, runs it on a port the system
// chooses (the stack names it in an -addr-file) with its output in
// out/browser/stack.log, waits for GET /_local/info and stops it (and
// so its emulators) when the test ends. It returns the stack's base URL
// and the SES emulator's.
func startStack(t *testing.T, root, tmp, out string) (base, ses string) {
	t.Helper()
	bin := filepath.Join(tmp, "stack")
	build := exec.Command("go", "build", "-o", bin, "./local/cmd/stack")
	build.Dir = root
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./local/cmd/stack: %v\n%s", err, b)
	}
	// The stack listens on a port the system chooses and names it in
	// addrFile: a port chosen here and closed before the stack bound it
	// could be taken by another process meanwhile (CI shares the
	// machine), and the stack then failed to start, or the walk went to
	// whoever had taken it.
	addrFile := filepath.Join(tmp, "stack.addr")
	logPath := filepath.Join(out, "stack.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "-addr", "127.0.0.1:0", "-addr-file", addrFile)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so a stack that does not stop on SIGTERM can
	// be killed whole; its emulators stop with it (they die with their
	// parent, and it stops them on SIGTERM).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		logFile.Close()
	})

	// The first run builds every function: wait as long as the stack runs,
	// up to shortly before go test's -timeout (not a fixed wall-clock
	// limit a loaded machine can exceed), then fail with its log.
	deadline, bounded := t.Deadline()
	deadline = deadline.Add(-30 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil {
			base = "http://" + strings.TrimSpace(string(b))
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the local stack stopped before it listened (%v):\n%s", err, tail(logPath))
		case <-time.After(100 * time.Millisecond):
		}
		if bounded && time.Now().After(deadline) {
			t.Fatalf("the local stack did not write %s before the test's -timeout:\n%s", addrFile, tail(logPath))
		}
	}
	// Each request is bounded: one that nothing answers must not wait
	// past the stack's exit.
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		var info struct{ SES string }
		resp, err := client.Get(base + "/_local/info")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&info)
			resp.Body.Close()
			if err == nil && info.SES != "" {
				return base, info.SES
			}
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the local stack stopped before it answered (%v):\n%s", err, tail(logPath))
		case <-time.After(300 * time.Millisecond):
		}
		if bounded && time.Now().After(deadline) {
			t.Fatalf("the local stack did not answer GET %s/_local/info before the test's -timeout:\n%s", base, tail(logPath))
		}
	}
}

// tail is the end of a log file, for a failure message.
func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
