package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/leadflow/leadflow/shared/app/enrol"
	"github.com/leadflow/leadflow/shared/lead"
	"github.com/leadflow/leadflow/shared/token"
)

// checkEvidence tests a known IP address or user agent against a consent
// record's ip_hash or user_agent_hash: with the signing keys (env
// SIGNING_KEYS, the value of the SigningSecretParameter), only the
// operator can. Exit status 0: it matches; 1: it does not; 2: it cannot
// be checked (usage, keys, a key id not in SIGNING_KEYS).
func checkEvidence(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-evidence", flag.ContinueOnError)
	fs.SetOutput(stderr)
	record := fs.String("record", "", "the consent record's `ip_hash or user_agent_hash` (\"<kid>:<hex>\", or plain hex from before keyed evidence)")
	value := fs.String("value", "", "the known IP address or user agent to test, exactly as the request sent it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: SIGNING_KEYS='<kid>:<secret>,...' leadflow check-evidence -record KID:HEX -value VALUE")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args, stderr); done {
		return code
	}
	if *record == "" || *value == "" {
		fmt.Fprintln(stderr, "check-evidence: -record and -value are required")
		return 2
	}
	var ev lead.Evidence
	if spec := os.Getenv("SIGNING_KEYS"); spec != "" {
		keys, err := token.ParseKeys(spec)
		if err != nil {
			fmt.Fprintf(stderr, "check-evidence: SIGNING_KEYS: %v\n", err)
			return 2
		}
		ev = enrol.Evidence(keys)
	}
	ok, err := ev.Matches(*record, *value)
	switch {
	case errors.Is(err, lead.ErrUnknownEvidenceKey):
		kid, _, _ := strings.Cut(*record, ":")
		fmt.Fprintf(stderr, "check-evidence: the record was made with key %q, which SIGNING_KEYS does not list: add that key's secret (e.g. from the parameter's history)\n", kid)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "check-evidence: %v\n", err)
		return 2
	case !ok:
		fmt.Fprintln(stdout, "no match: the record was not made from this value")
		return 1
	}
	fmt.Fprintln(stdout, "match: the record was made from this value")
	return 0
}
