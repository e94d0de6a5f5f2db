package main

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/local/gateway"
	"github.com/leadflow/leadflow/local/sam"
)

// TestRunRefusesASpeedThatStopsTheClock: SPEED=0 froze the product's
// clock (and the banner said an hour passes in an hour); it and negative
// speeds are refused before anything starts.
func TestRunRefusesASpeedThatStopsTheClock(t *testing.T) {
	for _, s := range []string{"0", "-60", "NaN", "+Inf"} {
		err := run(context.Background(), []string{"-speed", s, "-addr", "127.0.0.1:0"})
		if err == nil || !strings.Contains(err.Error(), "want a number above 0") {
			t.Errorf("SPEED=%s: %v", s, err)
		}
	}
}

// TestRunChecksTheConfigsItIsGiven: make run CONFIG=qualify.yaml
// SEQUENCES=nurture.yaml runs marketing's own copies; a typo in either is
// its file:line before anything starts (there was no way to run the
// stack on a copy at all: the functions got the template's empty
// QualifyConfig, the embedded default).
func TestRunChecksTheConfigsItIsGiven(t *testing.T) {
	dir := t.TempDir()
	q := filepath.Join(dir, "qualify.yaml")
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "qualify", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(q, []byte(strings.Replace(string(src), "\n  grades:", "\n  gradee:", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	n := filepath.Join(dir, "nurture.yaml")
	if err := os.WriteFile(n, []byte("defaults: {time_zone: Europe/Berlin}\nsequences:\n  - id: x\n    stepz: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"-config", q, "-sequences", n, "-addr", "127.0.0.1:0"})
	if err == nil {
		t.Fatal("a broken qualify.yaml and nurture.yaml: the stack started")
	}
	for _, want := range []string{q + ":", `unknown field "gradee" in fit (did you mean "grades"?)`, n + ":4:", `"stepz"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	} // The terminal gets the file:line lines as they are, each at the start
	// of its line (as make check-config prints them, and editors read
	// them), with no "stack: " before the first.
	if msg := message(err); !strings.HasPrefix(msg, q+":") {
		t.Errorf("make run prints %q: want the first line to start with %q", msg, q+":")
	}
	if msg := message(errors.New("cannot listen")); msg != "stack: cannot listen" {
		t.Errorf("other errors: %q, want them named as the stack's", msg)
	}
}

// TestLocalConfigsReachEveryFunctionThatReadsThem: the copies given to
// make run are what each function the template hands QualifyConfig or
// NurtureConfig reads, by absolute path.
func TestLocalConfigsReachEveryFunctionThatReadsThem(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"q.yaml": "qualify", "n.yaml": "nurture"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", src, "default.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tmpl, err := sam.Load(filepath.Join("..", "..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir) // make run's relative paths are the checkout's
	env, rules, err := localConfigs("q.yaml", "n.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if rules == nil {
		t.Fatal("no rules for the terminal's lines")
	}
	want := map[string]string{"QUALIFY_CONFIG": filepath.Join(dir, "q.yaml"), "NURTURE_CONFIG": filepath.Join(dir, "n.yaml")}
	seen := map[string]int{}
	for _, f := range tmpl.Functions {
		got := gateway.FunctionEnv(f, nil, env)
		for k, v := range want {
			if _, declared := f.Env[k]; !declared {
				continue
			}
			seen[k]++
			if got[k] != v {
				t.Errorf("%s: %s=%q, want %q", f.LogicalID, k, got[k], v)
			}
		}
	}
	if seen["QUALIFY_CONFIG"] == 0 || seen["NURTURE_CONFIG"] == 0 {
		t.Errorf("no function declares the variables: %v", seen)
	}
}

// TestAddrFileNamesThePortTheStackListensOn: with -addr 127.0.0.1:0 the
// stack listens on a port the system chooses and writes it to -addr-file
// as it starts: a test (the browser walk) learns the port from there,
// instead of choosing a free one, closing it and starting the stack on
// it, when another process may take it in between (the stack then failed
// to start, or the test's requests went to whoever took it).
func TestAddrFileNamesThePortTheStackListensOn(t *testing.T) {
	f := filepath.Join(t.TempDir(), "stack.addr")
	ln, err := listen("127.0.0.1:0", f)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSpace(string(b))
	if got != ln.Addr().String() || strings.HasSuffix(got, ":0") {
		t.Fatalf("-addr-file holds %q; the stack listens on %s", got, ln.Addr())
	}
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	c, err := net.Dial("tcp", got)
	if err != nil {
		t.Fatalf("dial the address in -addr-file: %v", err)
	}
	c.Close()
	if err := <-accepted; err != nil {
		t.Fatalf("the stack's listener did not take the connection: %v", err)
	}
	if _, err := os.Stat(f + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file is left: %v", err)
	}
}

// TestRunOnATakenPortSaysSo: an -addr another process holds is refused
// with the way out, and no -addr-file names it.
func TestRunOnATakenPortSaysSo(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	f := filepath.Join(t.TempDir(), "stack.addr")
	_, err = listen(held.Addr().String(), f)
	if err == nil || !strings.Contains(err.Error(), "pass -addr 127.0.0.1:PORT") {
		t.Fatalf("listen on a held port: %v", err)
	}
	if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("-addr-file written for a port the stack does not hold: %v", err)
	}
}
