package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckDefaultSequences(t *testing.T) {
	code, out, errOut := runCmd("check-sequences")
	if code != 0 || errOut != "" || !strings.HasPrefix(out, "sequences OK: 4 sequences (10 emails), 10 templates,") {
		t.Fatalf("code %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	for _, want := range []string{"cold-education — temperature cold, grade A/B/C, any campaign\n",
		"not-now — leads sales sent back: any temperature, any grade, any campaign\n", "   1  pause     wait 14d\n", "   1  welcome     send cold_welcome\n",
		"if clicked → fast-track, else → case-study\n", "warm-followup — temperature warm", "if visited /pricing → to-sales",
		"pricing-interest — on pricing_page_view from cold-education: any temperature, grade A/B/C, any campaign\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckInvalidSequences(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sequences.yaml")
	bad := `version: 1
sequences:
  - id: s
    steps:
      - {id: a, send: welcom}
      - {id: b, wait: 3 days}
templates:
  welcome: {subject: Hi, html: <p>Hi</p>, text: Hi}
`
	os.WriteFile(path, []byte(bad), 0o600)
	code, out, errOut := runCmd("check-sequences", "-sequences", path)
	if code != 1 || out != "" {
		t.Errorf("code %d stdout %q", code, out)
	}
	for _, want := range []string{
		path + `:5: sequence s, step a.send: unknown template "welcom" (did you mean "welcome"?)`,
		path + `:6: sequence s, step b.wait: bad duration "3 days"`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestPreview(t *testing.T) {
	out := filepath.Join(t.TempDir(), "preview.html")
	code, stdout, errOut := runCmd("preview", "-lead", "../../events/sample-lead.json", "-template", "cold_playbook", "-out", out)
	if code != 0 || errOut != "" {
		t.Fatalf("code %d stderr %s", code, errOut)
	}
	for _, want := range []string{"subject: Dana, three ways teams cut lead response time\n", "Hi Dana,\n",
		"Unsubscribe: " + previewUnsubscribe + "\n", "HTML part written to " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	html, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(html), "at Northwind Analytics:</p>") || !strings.Contains(string(html), `href="`+previewUnsubscribe+`"`) {
		t.Errorf("preview file: %v\n%s", err, html)
	}
}

func TestPreviewUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no template", []string{"preview", "-lead", "../../events/sample-lead.json"}, 2, "-template is required (templates: cold_case_study, cold_last_call,"},
		{"unknown template", []string{"preview", "-lead", "../../events/sample-lead.json", "-template", "nope"}, 2, `unknown template "nope" (templates: `},
		{"missing lead", []string{"preview", "-lead", "nope.json", "-template", "cold_welcome"}, 1, "no such file"},
		{"bad unsubscribe URL", []string{"preview", "-lead", "../../events/sample-lead.json", "-template", "cold_welcome", "-unsubscribe", "ftp://x"}, 1, "unsubscribe URL must be an absolute http(s) URL"},
		{"stray argument", []string{"check-sequences", "extra"}, 2, `check-sequences: unexpected argument "extra"`},
		{"missing sequences file", []string{"check-sequences", "-sequences", "nope.yaml"}, 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args[0] == "preview" { // never write preview.html into the source tree
				args = append(args, "-out", filepath.Join(t.TempDir(), "p.html"))
			}
			code, _, errOut := runCmd(args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("code %d (want %d), stderr:\n%s", code, tt.code, errOut)
			}
		})
	}
}
