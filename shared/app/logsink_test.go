package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/leadflow/leadflow/shared/app"
	"github.com/leadflow/leadflow/shared/httpapi"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/qualify"
)

// Every function the integration tests build logs into allLogs as well as
// wherever its test reads its lines; every address a request carried into
// a function is remembered. When the package's tests end, TestMain fails
// the run if any log line carries an address — one the tests used, a
// configured rep's, or anything that looks like one.
var allLogs = &logSink{used: map[string]bool{}}

type logSink struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	used map[string]bool
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// logsTo is w, and the shared sink.
func logsTo(w io.Writer) io.Writer { return io.MultiWriter(w, allLogs) }

var addressRe = regexp.MustCompile(`[\p{L}\p{M}\p{N}.!#$%&'*+/=?^_{|}~-]+@[\p{L}\p{M}\p{N}-]+(\.[\p{L}\p{M}\p{N}-]+)+`)

// remember records the addresses in a request body (raw, and form-decoded).
func (s *logSink) remember(body string) {
	found := addressRe.FindAllString(body, -1)
	if dec, err := url.QueryUnescape(body); err == nil {
		found = append(found, addressRe.FindAllString(dec, -1)...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range found {
		s.used[strings.ToLower(a)] = true
	}
}

// recording wraps a function's HTTP handler so the addresses its requests
// carry are remembered.
func recording(h app.Handlers) app.Handlers {
	if next := h.HTTP; next != nil {
		h.HTTP = func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			allLogs.remember(req.Body)
			return next(ctx, req)
		}
	}
	return h
}

// leaks lists the log lines that carry an address: any address-like
// string, and — in case one is logged in pieces — the local part of an
// address the tests used or a configured rep's, when it is distinctive
// (8 characters or more), or the SHA-256 of one (its first 16 hex digits:
// anyone could check a guessed address against a plain hash).
func (s *logSink) leaks(reps []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	needles := map[string]bool{}
	for a := range s.used {
		needles[a] = true
	}
	for _, r := range reps {
		needles[strings.ToLower(r)] = true
	}
	for a := range needles {
		if local, _, ok := strings.Cut(a, "@"); ok && len(local) >= 8 {
			needles[local] = true
		}
		if strings.Contains(a, "@") {
			needles[lead.HashEmail(strings.TrimSpace(a))[:16]] = true
		}
	}
	var out []string
	for _, line := range strings.Split(s.buf.String(), "\n") {
		low := strings.ToLower(line)
		var hits []string
		hits = append(hits, addressRe.FindAllString(line, -1)...)
		for n := range needles {
			if strings.Contains(low, n) {
				hits = append(hits, n)
			}
		}
		if len(hits) > 0 {
			sort.Strings(hits)
			out = append(out, fmt.Sprintf("%q in: %s", hits, line))
		}
	}
	return out
}

// checkLogs is run after every test of the package (TestMain).
func checkLogs() int {
	var reps []string
	for _, r := range qualify.Default().Reps() {
		reps = append(reps, r.Email)
	}
	leaks := allLogs.leaks(reps)
	allLogs.mu.Lock()
	lines, used := strings.Count(allLogs.buf.String(), "\n"), len(allLogs.used)
	allLogs.mu.Unlock()
	if len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d of %d log lines carry an address (%d addresses used by the tests):\n", len(leaks), lines, used)
		for i, l := range leaks {
			if i == 20 {
				fmt.Fprintf(os.Stderr, "… and %d more\n", len(leaks)-20)
				break
			}
			fmt.Fprintln(os.Stderr, "  "+l)
		}
		return 1
	}
	if testingVerbose() {
		fmt.Fprintf(os.Stderr, "log check: %d log lines, %d addresses used, none logged\n", lines, used)
	}
	return 0
}

func testingVerbose() bool {
	for _, a := range os.Args {
		if a == "-test.v=true" || a == "-test.v" {
			return true
		}
	}
	return false
}
