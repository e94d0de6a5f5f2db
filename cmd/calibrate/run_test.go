package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/shared/qualify"
)

const (
	sampleCSV     = "../../testdata/calibrate/leads.csv"
	sampleMapping = "../../testdata/calibrate/mapping.yaml"
)

var now = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, now)
	return code, out.String(), errOut.String()
}

func TestSampleEndToEnd(t *testing.T) {
	dir := t.TempDir()
	out, report := filepath.Join(dir, "qualify.calibrated.yaml"), filepath.Join(dir, "report.md")
	code, stdout, stderr := runCLI(t, "-csv", sampleCSV, "-mapping", sampleMapping, "-out", out, "-report", report)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"leads.csv: 2000 rows, ", "calibrate: fit: iteration 1,", "calibrate: export:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("progress lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("warnings on the sample:\n%s", stderr)
	}

	cfgData, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := qualify.Parse(cfgData, out)
	if err != nil {
		t.Fatalf("exported config does not parse:\n%v", err)
	}
	if !strings.HasPrefix(string(cfgData), "# Calibrated by leadflow calibrate on 2026-03-01 from leads.csv (sha256 ") {
		t.Errorf("header:\n%s", cfgData[:200])
	}
	if !strings.Contains(cfg.Summary(), " engagement signals, 10 disqualifiers") {
		t.Errorf("rest of the default lost: %s", cfg.Summary())
	}

	auc := regexp.MustCompile(`holdout leads \(587\), decided as live leads are: exported config ROC AUC (0\.\d+) \[0\.\d+–0\.\d+\]; base config (0\.\d+); model (0\.\d+)`).
		FindStringSubmatch(stdout)
	if auc == nil {
		t.Fatalf("no AUC line in:\n%s", stdout)
	}
	export, _ := strconv.ParseFloat(auc[1], 64)
	base, _ := strconv.ParseFloat(auc[2], 64)
	model, _ := strconv.ParseFloat(auc[3], 64)
	if model < 0.75 || export < 0.75 || export <= base {
		t.Errorf("AUC model %.3f, export %.3f, base config %.3f", model, export, base)
	}
	share := regexp.MustCompile(`\(A: ([\d.]+)% of training leads`).FindStringSubmatch(stdout)
	if share == nil {
		t.Fatalf("no grade line in:\n%s", stdout)
	}
	if a, _ := strconv.ParseFloat(share[1], 64); a < 16 || a > 24 {
		t.Errorf("grade A holds %.1f%% of training leads, want about 20%%", a)
	}

	rep, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Lead score calibration", "**ROC AUC " + auc[1] + "**", "| top 5%: precision", "| top 10%: precision",
		"| top 20%: precision", "| top 30%: precision", "| **hand-off** (hot)", "## Disqualifiers (all 1,958 labelled leads)",
		"## Calibration", "Top 10 positive factors", "Top 10 negative factors", "Base rate:", "Skipped rows: ",
		"ragged row", "CSV syntax", "Excluded columns: “Lead Status”, “Sales Notes”, “Lead Quality (Sales)”",
		"| Lead Status | excluded | 1.000 |  |  |  | excluded — rightly |", "job_title contains the word “", "the odds** (vs. the average lead; ",
		"| form:webinar | ", "bins per number (chosen by 3-fold cross-validation"} {
		if !strings.Contains(string(rep), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	t.Logf("\n%s", stdout)
}

func TestSameSeedSameFiles(t *testing.T) {
	dir := t.TempDir()
	files := func(name string, seed string) (cfg, rep []byte) {
		out, report := filepath.Join(dir, name+".yaml"), filepath.Join(dir, name+".md")
		if code, _, stderr := runCLI(t, "-quiet", "-seed", seed, "-csv", sampleCSV, "-mapping", sampleMapping, "-out", out, "-report", report); code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		cfg, _ = os.ReadFile(out)
		rep, _ = os.ReadFile(report)
		return cfg, rep
	}
	cfg1, rep1 := files("a", "7")
	cfg2, rep2 := files("b", "7")
	if !bytes.Equal(cfg1, cfg2) || !bytes.Equal(rep1, rep2) {
		t.Error("same seed, different files")
	}
	cfg3, _ := files("c", "8")
	if bytes.Equal(cfg1, cfg3) {
		t.Error("another seed, the same config")
	}
}

func TestNeverOverwritesSilently(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "q.yaml")
	os.WriteFile(out, []byte("mine\n"), 0o644)
	args := []string{"-quiet", "-csv", sampleCSV, "-mapping", sampleMapping, "-out", out}

	code, _, stderr := runCLI(t, args...)
	if code != 1 || !strings.Contains(stderr, "already exists: refusing to overwrite it (give -force") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile(out); string(data) != "mine\n" {
		t.Error("the existing file was changed")
	}

	code, _, stderr = runCLI(t, append(args, "-force")...)
	if code != 0 {
		t.Fatalf("with -force: exit %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile(out); !bytes.HasPrefix(data, []byte("# Calibrated")) {
		t.Error("-force did not replace the file")
	}

	report := filepath.Join(dir, "r.md")
	os.WriteFile(report, []byte("notes\n"), 0o644)
	code, _, stderr = runCLI(t, "-quiet", "-csv", sampleCSV, "-mapping", sampleMapping, "-report", report)
	if code != 1 || !strings.Contains(stderr, "-report "+report+" already exists") {
		t.Errorf("report: exit %d: %s", code, stderr)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("left files behind: %v", entries)
	}
}

func TestNeverOverwritesTheBase(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "qualify.yaml")
	orig, err := os.ReadFile("../../shared/qualify/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(base, orig, 0o644)
	for _, out := range []string{base, filepath.Join(dir, "sub", "..", "qualify.yaml")} {
		code, _, stderr := runCLI(t, "-quiet", "-force", "-csv", sampleCSV, "-mapping", sampleMapping, "-base", base, "-out", out)
		if code != 1 || !strings.Contains(stderr, "is the base config: refusing to overwrite it (even with -force)") {
			t.Errorf("-out %s: exit %d: %s", out, code, stderr)
		}
	}
	code, _, stderr := runCLI(t, "-quiet", "-force", "-csv", sampleCSV, "-mapping", sampleMapping, "-out", sampleCSV)
	if code != 1 || !strings.Contains(stderr, "is the csv input") {
		t.Errorf("-out = -csv: exit %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile(base); !bytes.Equal(data, orig) {
		t.Error("the base config was changed")
	}

	// A base given by path is used: its routing survives.
	out := filepath.Join(dir, "new.yaml")
	custom := bytes.Replace(orig, []byte("default_team: smb"), []byte("default_team: enterprise"), 1)
	os.WriteFile(base, custom, 0o644)
	if code, _, stderr := runCLI(t, "-quiet", "-csv", sampleCSV, "-mapping", sampleMapping, "-base", base, "-out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile(out); !bytes.Contains(data, []byte("default_team: enterprise")) ||
		!bytes.Contains(data, []byte("every other section is "+base+"'s")) {
		t.Error("the -base config was not the base")
	}
}

func TestLeakageIsFlaggedOnStderr(t *testing.T) {
	dir := t.TempDir()
	mapping, err := os.ReadFile(sampleMapping)
	if err != nil {
		t.Fatal(err)
	}
	// Someone maps the sales-set status as a field and stops excluding it.
	leaky := strings.Replace(string(mapping), "exclude: [Lead Status, ", "exclude: [", 1)
	leaky = strings.Replace(leaky, "  answers.crm: Current CRM\n", "  answers.crm: Current CRM\n  answers.status: Lead Status\n", 1)
	path := filepath.Join(dir, "mapping.yaml")
	os.WriteFile(path, []byte(leaky), 0o644)
	code, _, stderr := runCLI(t, "-quiet", "-csv", sampleCSV, "-mapping", path, "-report", filepath.Join(dir, "r.md"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, `calibrate: warning: column "Lead Status" (answers.status (category)) looks filled in after the outcome was known: alone it predicts the outcome with AUC 1.000 (≥ 0.80); `) ||
		!strings.Contains(stderr, "; left out of the model (learned from, it would claim holdout AUC ") {
		t.Errorf("stderr:\n%s", stderr)
	}
	rep, _ := os.ReadFile(filepath.Join(dir, "r.md"))
	if !strings.Contains(string(rep), "| Lead Status | answers.status (category) | 1.000 |") || !strings.Contains(string(rep), "⚠ **filled in after the outcome: left out** |") {
		t.Error("report does not flag Lead Status")
	}
}

func TestBadInvocations(t *testing.T) {
	dir := t.TempDir()
	badMapping := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badMapping, []byte("outcome: {column: Converted, positive: [yes]}\nfields:\n  industry: Sector\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no source", []string{"-out", "x.yaml"}, 2, "give the outcomes to learn from: -csv (with -mapping), -leads or -table"},
		{"mapping alone", []string{"-mapping", sampleMapping}, 2, "give the outcomes to learn from"},
		{"no mapping", []string{"-csv", sampleCSV}, 2, "-mapping is required with -csv"},
		{"csv and leads", []string{"-csv", sampleCSV, "-mapping", sampleMapping, "-leads", "l.json"}, 2, "give one of -csv, -leads and -table, not -csv and -leads"},
		{"leads and table", []string{"-leads", "l.json", "-table", "t"}, 2, "not -leads and -table"},
		{"all three", []string{"-csv", sampleCSV, "-leads", "l.json", "-table", "t"}, 2, "not -csv and -leads and -table"},
		{"mapping with leads", []string{"-leads", "l.json", "-mapping", sampleMapping}, 2, "-mapping is only for -csv"},
		{"mapping with table", []string{"-table", "t", "-mapping", sampleMapping}, 2, "-mapping is only for -csv"},
		{"missing leads file", []string{"-leads", filepath.Join(dir, "nope.json")}, 1, "no such file"},
		{"both targets", []string{"-csv", sampleCSV, "-mapping", sampleMapping, "-target-rate", "0.1", "-target-precision", "0.5"}, 2, "not both"},
		{"unknown flag", []string{"-csv", sampleCSV, "-mapping", sampleMapping, "-bogus"}, 2, "flag provided but not defined"},
		{"stray argument", []string{"-csv", sampleCSV, "-mapping", sampleMapping, "extra"}, 2, `unexpected argument "extra"`},
		{"missing csv file", []string{"-csv", filepath.Join(dir, "nope.csv"), "-mapping", sampleMapping}, 1, "no such file"},
		{"mapping names a missing column", []string{"-csv", sampleCSV, "-mapping", badMapping}, 1,
			dir + `/bad.yaml:3: industry column "Sector" is not in the header of ../../testdata/calibrate/leads.csv`},
		{"bad holdout", []string{"-quiet", "-csv", sampleCSV, "-mapping", sampleMapping, "-holdout", "0.95"}, 1, "holdout must be from 0 to 0.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d; stderr:\n%s\nwant %q", code, tt.code, stderr, tt.want)
			}
		})
	}
}
