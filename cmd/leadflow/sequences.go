package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/leadflow/leadflow/shared/nurture"
)

func checkSequences(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-sequences", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("sequences", "", "nurture sequences config `file` (default: the embedded default)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: leadflow check-sequences [-sequences FILE]")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args, stderr); done {
		return code
	}
	cfg, err := nurture.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "sequences OK: %s\n\n%s", cfg.Summary(), cfg.Outline())
	return 0
}

// previewUnsubscribe stands in for a lead's signed unsubscribe link.
const previewUnsubscribe = "https://example.com/unsubscribe/preview"

func preview(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("sequences", "", "nurture sequences config `file` (default: the embedded default)")
	leadPath := fs.String("lead", "events/sample-lead.json", "the lead to render for: a JSON `file` shaped like a submission")
	template := fs.String("template", "", "the template `id` to render (required)")
	out := fs.String("out", "preview.html", "write the HTML part to this `file`")
	unsubscribe := fs.String("unsubscribe", previewUnsubscribe, "the unsubscribe `URL` to put in the footer")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: leadflow preview [-sequences FILE] [-lead LEAD.json] -template ID [-out FILE]")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args, stderr); done {
		return code
	}
	cfg, err := nurture.Load(*path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *template == "" {
		fmt.Fprintf(stderr, "preview: -template is required (templates: %s)\n", strings.Join(cfg.Templates(), ", "))
		return 2
	}
	l, err := readLead(*leadPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	email, err := cfg.Render(*template, l, *unsubscribe)
	if errors.Is(err, nurture.ErrUnknownTemplate) {
		fmt.Fprintf(stderr, "preview: unknown template %q (templates: %s)\n", *template, strings.Join(cfg.Templates(), ", "))
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "preview: %v\n", err)
		return 1
	}
	if err := os.WriteFile(*out, []byte(email.HTML), 0o644); err != nil {
		fmt.Fprintf(stderr, "preview: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "subject: %s\n", email.Subject)
	if len(email.Links) > 0 {
		fmt.Fprintf(stdout, "links:   %s\n", strings.Join(email.Links, "\n         "))
	}
	fmt.Fprintf(stdout, "\n%s\nHTML part written to %s\n", email.Text, *out)
	return 0
}

// parseFlags parses a subcommand's flags, which take no arguments; done
// means the command ends with code (help, or a usage error).
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 2, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2, true
	}
	return 0, false
}
