// Command leadflow is the developer and marketer tool for leadflow.
//
//	leadflow check-config [-config FILE] [-lead LEAD.json] [-signals KIND[@AGE],...]
//
// check-config validates a qualification config (default: the embedded
// one) and prints a summary, or every problem as file:line: message with
// exit status 1. With -lead it also evaluates a lead (a JSON submission as
// a form would post it) and prints the decision with its reasons.
package main

import (
	"os"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}
