package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEvaluateMatchesTheReport: back-testing the exported config on the
// same holdout gives the figures the calibration report printed, beside
// today's rules, through the product's own config loader.
func TestEvaluateMatchesTheReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, report := filepath.Join(dir, "new", "qualify.calibrated.yaml"), filepath.Join(dir, "new", "calibration.md")
	if code, _, stderr := runCLI(t, "-quiet", "-csv", sampleCSV, "-mapping", sampleMapping, "-out", out, "-report", report); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	rep, _ := os.ReadFile(report)
	row := regexp.MustCompile(`\| \*\*ROC AUC\*\* \[95% CI\] \| (\*\*0\.\d+\*\* \[[^|]*\]) \| (\*\*0\.\d+\*\* \[[^|]*\]) \|`).FindStringSubmatch(string(rep))
	if row == nil {
		t.Fatalf("no AUC row in the report:\n%s", rep)
	}
	backtest := filepath.Join(dir, "backtest.md")
	code, stdout, stderr := runCLI(t, "-evaluate", "../../shared/qualify/default.yaml,"+out, "-csv", sampleCSV, "-mapping", sampleMapping,
		"-holdout", "0.3", "-seed", "1", "-report", backtest)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want := "| **ROC AUC** [95% CI] | " + row[1] + " | " + row[2] + " |"
	if !strings.Contains(stdout, want) {
		t.Errorf("the back-test differs from the report's:\nwant %s\n%s", want, stdout)
	}
	for _, want := range []string{"# Back-test of ../../shared/qualify/default.yaml, " + out, "587 leads decided (the 30% holdout (seed 1)",
		"| top 30%: precision [CI] · recall |", "| **hand-off** (hot)", "## Disqualifiers of " + out, "wrote " + backtest} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if data, err := os.ReadFile(backtest); err != nil || !strings.Contains(string(data), want) {
		t.Errorf("-report: %v", err)
	}

	// Without -holdout every labelled lead is decided.
	code, stdout, _ = runCLI(t, "-evaluate", out, "-csv", sampleCSV, "-mapping", sampleMapping)
	if code != 0 || !strings.Contains(stdout, "1,958 leads decided (all labelled leads)") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

// TestEvaluateBlanksSalesFilledColumns: a column flagged as filled in
// after the outcome is blank when scoring, as live leads arrive.
func TestEvaluateBlanksSalesFilledColumns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mapping, _ := os.ReadFile(sampleMapping)
	leaky := strings.Replace(string(mapping), "exclude: [Lead Status, ", "exclude: [", 1)
	leaky = strings.Replace(leaky, "  answers.crm: Current CRM\n", "  answers.crm: Current CRM\n  answers.status: Lead Status\n", 1)
	path := filepath.Join(dir, "mapping.yaml")
	os.WriteFile(path, []byte(leaky), 0o644)
	cfg := filepath.Join(dir, "status.yaml")
	base, _ := os.ReadFile("../../shared/qualify/default.yaml")
	// Today's rules rewarding the status sales sets afterwards.
	withStatus := strings.Replace(string(base), "  rules:\n", "  rules:\n    - {field: answers.status, op: in, values: [Opportunity, Customer], points: 100}\n", 1)
	os.WriteFile(cfg, []byte(withStatus), 0o644)
	code, stdout, stderr := runCLI(t, "-evaluate", cfg, "-csv", sampleCSV, "-mapping", path, "-bootstrap", "0")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "Blank, as live leads arrive without them: “answers.status”.") ||
		!strings.Contains(stderr, `calibrate: warning: column "Lead Status" (answers.status (category)) looks filled in after the outcome was known`) {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	auc := regexp.MustCompile(`\| \*\*ROC AUC\*\* \[95% CI\] \| \*\*(0\.\d+)\*\* \|`).FindStringSubmatch(stdout)
	if auc == nil || auc[1] > "0.9" {
		t.Errorf("the status still counts: %v\n%s", auc, stdout)
	}
}

// TestSmallSampleRefused: from 100 leads no config is written unless
// -force; the report is, and says why.
func TestSmallSampleRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := os.Open(sampleCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan() && i < 160; i++ {
		b.WriteString(sc.Text() + "\n")
	}
	small := filepath.Join(dir, "small.csv")
	os.WriteFile(small, []byte(b.String()), 0o644)
	out, report := filepath.Join(dir, "q.yaml"), filepath.Join(dir, "r.md")
	code, stdout, stderr := runCLI(t, "-quiet", "-csv", small, "-mapping", sampleMapping, "-out", out, "-report", report)
	if code != 1 || !strings.Contains(stderr, "calibrate: no config written: too small a sample to trust: ") ||
		!strings.Contains(stderr, "at least 200 leads and 30 of each outcome") || !strings.Contains(stderr, "give -force to export anyway") {
		t.Errorf("exit %d\nstderr %s\nstdout %s", code, stderr, stdout)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a config was written")
	}
	if rep, _ := os.ReadFile(report); !strings.Contains(string(rep), "**No config exported**: too small a sample to trust") {
		t.Error("the report does not say why")
	}
	code, _, stderr = runCLI(t, "-quiet", "-force", "-csv", small, "-mapping", sampleMapping, "-out", out, "-report", report)
	if data, _ := os.ReadFile(out); code != 0 || !strings.Contains(string(data), "# WARNING: too small a sample to trust") {
		t.Errorf("-force: exit %d %s", code, stderr)
	}
}

// TestLeadsSample: the committed stored-lead sample — the product's own
// outcomes — calibrates; rejected and sent-back leads are negatives,
// won deals carry their value into the grade table, leads disqualified
// by the config are skipped.
func TestLeadsSample(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, report := filepath.Join(dir, "q.yaml"), filepath.Join(dir, "q.md")
	code, stdout, stderr := runCLI(t, "-quiet", "-leads", "../../testdata/calibrate/leads.json", "-out", out, "-report", report)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	rep, _ := os.ReadFile(report)
	for _, want := range []string{"“rejected” × ", " → negative", "“sent back (nurturing)” × ", "“won” × ", "“disqualified” × ",
		"| grade A (· deal value) |", "Deal values (won deals' values) are summed per grade",
		`: no outcome: stage "disqualified": rejected by the config's disqualifiers, not by sales`} {
		if !strings.Contains(string(rep), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if !strings.Contains(stdout, "900 rows") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestEvaluateBadInvocations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-evaluate", "x.yaml", "-csv", sampleCSV, "-mapping", sampleMapping, "-out", "o.yaml"}, 2, "-evaluate writes no config: drop -out"},
		{[]string{"-evaluate", "x.yaml", "-csv", sampleCSV, "-mapping", sampleMapping, "-base", "b.yaml"}, 2, "are for calibrating, not for -evaluate"},
		{[]string{"-evaluate", filepath.Join(dir, "nope.yaml"), "-csv", sampleCSV, "-mapping", sampleMapping}, 1, "no such file"},
		{[]string{"-evaluate", sampleMapping, "-csv", sampleCSV, "-mapping", sampleMapping, "-report", sampleMapping}, 1, "is the mapping input"},
	} {
		code, _, stderr := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %s", tt.args, code, stderr)
		}
	}
}
