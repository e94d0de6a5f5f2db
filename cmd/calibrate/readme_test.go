package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECalibrationCommands runs the commands of the README's "Score
// calibration" section verbatim from the repository root — make
// calibrate, make check-config on its output, the back-test, the
// stored-lead sample — and checks the figures the section quotes against
// what make calibrate prints.
func TestREADMECalibrationCommands(t *testing.T) {
	for _, tool := range []string{"make", "bash", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("no %s on PATH (CI=true: required)", tool)
			}
			t.Skipf("no %s", tool)
		}
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Score calibration\n")
	if !ok {
		t.Fatal("README has no Score calibration section")
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var commands []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		for _, line := range strings.Split(block[1], "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				commands = append(commands, line)
			}
		}
	}
	if len(commands) < 4 {
		t.Fatalf("commands: %q", commands)
	}
	outputs := map[string]string{}
	for _, c := range commands {
		cmd := exec.Command("bash", "-c", c)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
		outputs[c] = string(out)
	}
	calibrated := outputs["make calibrate"]
	quoted := regexp.MustCompile(`holdout ROC AUC (0\.\d+) against (0\.\d+) for the default rules, the top 30% converting at ([\d.]+%)\s+against ([\d.]+%)`).
		FindStringSubmatch(section)
	if quoted == nil {
		t.Fatal("the README quotes no figures")
	}
	for _, want := range []string{"exported config ROC AUC " + quoted[1] + " [", "; base config " + quoted[2] + ";",
		"top 30%  precision " + quoted[3], "(base config: " + quoted[4] + ")", "wrote out/qualify.calibrated.yaml and out/calibration.md"} {
		if !strings.Contains(calibrated, want) {
			t.Errorf("make calibrate printed no %q (README out of date?):\n%s", want, calibrated)
		}
	}
	for c, want := range map[string]string{
		"make check-config CONFIG=out/qualify.calibrated.yaml LEAD=events/sample-lead.json": "qualification config OK (out/qualify.calibrated.yaml)",
		"-evaluate shared/qualify/default.yaml,out/qualify.calibrated.yaml":                 "| **ROC AUC** [95% CI] | **" + quoted[2] + "** [",
		"-leads testdata/calibrate/leads.json":                                              "wrote out/qualify.from-outcomes.yaml and out/from-outcomes.md",
	} {
		found := false
		for cmd, out := range outputs {
			if strings.Contains(cmd, c) {
				found = true
				if !strings.Contains(out, want) {
					t.Errorf("%s printed no %q:\n%s", cmd, want, out)
				}
			}
		}
		if !found {
			t.Errorf("the README runs no %q", c)
		}
	}
}
