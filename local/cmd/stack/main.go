// Command stack runs leadflow locally on the real emulators.
//
//	stack run  [-addr 127.0.0.1:8080] [-speed 60] [-persist] [-config qualify.yaml] [-sequences nurture.yaml]
//	    emulators + table from template.yaml + gateway serving the
//	    template's routes + scheduler + demo landing page; Ctrl-C stops all.
//	stack leads [-url URL] [-format table|json]
//	    the leads of a running `stack run` as a table (newest first, with
//	    what happens next to each), or the raw JSON.
//	stack plan -target 100000 -period 2027-Q1 [-lookback 12] [-format table|json|csv] [-url URL]
//	    the revenue planner of a running `stack run` (GET /reports/plan):
//	    the target worked backwards per campaign, as a table.
//	stack ses [-url URL] bounce|soft-bounce|complaint|delivery EMAIL
//	    inject an SES event for an address into a running `stack run` and
//	    say what it changed.
//	    (-url defaults to the URL the running stack recorded in
//	    .local-data/run.url, else http://127.0.0.1:8080.)
//	stack exec -- CMD ARGS...
//	    start the emulators, run CMD with their endpoints in the
//	    environment (DYNAMODB_ENDPOINT, SES_ENDPOINT), stop them; `make
//	    test` and `make bench` use it so every package shares one pair.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "run":
		err = run(ctx, os.Args[2:])
	case "leads":
		stop()
		os.Exit(leadsCmd(os.Args[2:], os.Stdout, os.Stderr))
	case "plan":
		stop()
		os.Exit(planCmd(os.Args[2:], os.Stdout, os.Stderr))
	case "ses":
		stop()
		os.Exit(sesCmd(os.Args[2:], os.Stdout, os.Stderr))
	case "exec":
		var code int
		code, err = execWith(ctx, os.Args[2:])
		if err == nil {
			stop()
			os.Exit(code)
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, message(err))
		os.Exit(1)
	}
}

// message is what the terminal shows for err: a config's problems as
// they are, each file:line at the start of its line (as make check-config
// prints them, and editors read them); anything else named as the stack's.
func message(err error) string {
	var p configProblems
	if errors.As(err, &p) {
		return p.Error()
	}
	return "stack: " + err.Error()
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: stack run [-addr host:port] [-speed N] [-persist] [-v] [-config FILE] [-sequences FILE] | stack leads [-url URL] [-format table|json] | stack plan -target N -period P [-lookback N] [-format table|json|csv] [-url URL] | stack ses [-url URL] KIND EMAIL | stack exec -- CMD ARGS...")
	os.Exit(2)
}

// execWith runs a command against freshly started emulators.
func execWith(ctx context.Context, args []string) (int, error) {
	fs := flag.NewFlagSet("exec", flag.ExitOnError)
	verbose := fs.Bool("v", false, "show emulator output")
	_ = fs.Parse(args)
	cmdArgs := fs.Args()
	if len(cmdArgs) == 0 {
		return 0, errors.New("exec: no command given")
	}
	st, root, err := startEmulators(ctx, "", *verbose)
	if err != nil {
		return 0, err
	}
	defer st.Stop()
	cmd := exec.CommandContext(ctx, cmdArgs[0], cmdArgs[1:]...)
	cmd.Dir = root
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	for k, v := range st.Env() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}
