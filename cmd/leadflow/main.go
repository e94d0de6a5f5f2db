// Command leadflow is the developer and marketer tool for leadflow.
//
//	leadflow check-config [-config FILE] [-lead LEAD.json] [-signals KIND[@AGE],...]
//	leadflow check-sequences [-sequences FILE]
//	leadflow preview [-sequences FILE] [-lead LEAD.json] -template ID [-out FILE]
//	SIGNING_KEYS=... leadflow check-evidence -record KID:HEX -value VALUE
//
// check-config validates a qualification config (default: the embedded
// one) and prints a summary, or every problem as file:line: message with
// exit status 1. With -lead it also evaluates a lead (a JSON submission as
// a form would post it) and prints the decision with its reasons.
//
// check-sequences does the same for a nurture sequences config and prints
// every sequence step by step. preview renders one of its email templates
// for a lead into an HTML file and prints the subject and the text part.
//
// check-evidence tests a known IP address or user agent against a consent
// record's ip_hash or user_agent_hash, with the signing keys in
// SIGNING_KEYS (exit status 0: match, 1: no match, 2: cannot check).
package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}

const usage = `usage: leadflow <command> [flags]

commands:
  check-config      validate a qualification config and try it on a lead
  check-sequences   validate a nurture sequences config and show its steps
  preview           render a nurture email for a lead into an HTML file
  check-evidence    test a known IP or user agent against a consent record

run "leadflow <command> -h" for its flags
`

// run is the whole command; main only supplies the process's arguments,
// streams and clock. It returns the exit status.
func run(args []string, stdout, stderr io.Writer, now time.Time) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "check-config":
		return checkConfig(args[1:], stdout, stderr, now)
	case "check-sequences":
		return checkSequences(args[1:], stdout, stderr)
	case "preview":
		return preview(args[1:], stdout, stderr)
	case "check-evidence":
		return checkEvidence(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "leadflow: unknown command %q\n%s", args[0], usage)
	return 2
}
