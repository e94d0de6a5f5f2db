package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/leadflow/leadflow/local/sam"
)

// The commands that talk to a running `stack run` (make leads, make
// bounce …): they find it at -url, by default where the running stack
// recorded itself (.local-data/run.url), else the default address.

const defaultBase = "http://127.0.0.1:8080"

// runURLFile is where `stack run` records its base URL while it runs.
func runURLFile(root string) string { return filepath.Join(root, ".local-data", "run.url") }

// defaultURL is the running stack's recorded URL, else the default.
func defaultURL() string {
	if root, err := sam.Root(); err == nil {
		if b, err := os.ReadFile(runURLFile(root)); err == nil {
			if u := strings.TrimSpace(string(b)); u != "" {
				return u
			}
		}
	}
	return defaultBase
}

var httpClient = &http.Client{Timeout: 60 * time.Second}

// call does one request to the stack: the body of a 2xx answer, or an
// error that says what to do (a one-line hint when nothing answers).
func call(method, base, path string) ([]byte, error) {
	req, err := http.NewRequest(method, strings.TrimRight(base, "/")+path, nil)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %v", base, err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("no local stack answers at %s: start it with 'make run' (or pass URL=… for another address)", base)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %v", base, err)
	}
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(body))
		if resp.StatusCode == http.StatusNotFound {
			msg = "404: is a leadflow 'make run' listening at " + base + "?"
		}
		return nil, fmt.Errorf("%s", msg)
	}
	return body, nil
}

// leadsCmd prints the stored leads as a table, or the raw JSON.
func leadsCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("leads", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the running stack (default: the URL `make run` recorded, else "+defaultBase+")")
	format := fs.String("format", "table", "table or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *base == "" {
		*base = defaultURL()
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "leads: -format %q: use table or json\n", *format)
		return 2
	}
	body, err := call(http.MethodGet, *base, "/_local/leads")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *format == "json" {
		_, _ = stdout.Write(body)
		return 0
	}
	var list leadList
	if err := json.Unmarshal(body, &list); err != nil {
		fmt.Fprintf(stderr, "%s/_local/leads: not a lead list (%v)\n", *base, err)
		return 1
	}
	if err := writeTable(stdout, list, time.Local); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// sesCmd injects an SES event for an address and prints what changed.
func sesCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ses", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the running stack (default: the URL `make run` recorded, else "+defaultBase+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 2 || sesKinds[fs.Arg(0)] == "" || strings.TrimSpace(fs.Arg(1)) == "" {
		fmt.Fprintln(stderr, "usage: stack ses [-url URL] bounce|soft-bounce|complaint|delivery EMAIL")
		return 2
	}
	if *base == "" {
		*base = defaultURL()
	}
	body, err := call(http.MethodPost, *base, "/_local/ses/"+fs.Arg(0)+"?email="+url.QueryEscape(fs.Arg(1)))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	_, _ = stdout.Write(body)
	return 0
}
