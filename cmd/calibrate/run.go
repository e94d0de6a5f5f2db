package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/leadflow/leadflow/shared/calibrate"
	"github.com/leadflow/leadflow/shared/qualify"
)

const usageLine = "usage: calibrate (-csv LEADS.csv -mapping MAPPING.yaml | -leads LEADS.json | -table TABLE) [-base QUALIFY.yaml] " +
	"-out NEW.yaml -report REPORT.md [-seed 1] [-holdout 0.3] [-target-rate 0.2 | -target-precision 0.6] [-handoff-rate 0.2] [-l2 1] [-double-points 10] [-bootstrap 200] [-force] [-quiet]\n" +
	"       calibrate -evaluate CONFIG.yaml[,CONFIG.yaml…] (-csv LEADS.csv -mapping MAPPING.yaml | -leads LEADS.json | -table TABLE) [-report BACKTEST.md] [-holdout 0.3 -seed 1] [-bootstrap 200]"

// run is the whole command; main only supplies the process's arguments,
// streams and clock. It returns the exit status: 0 done, 1 failed, 2 bad
// usage.
func run(args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	csvPath := fs.String("csv", "", "CSV export of historical leads with their outcome (one of -csv, -leads, -table)")
	mappingPath := fs.String("mapping", "", "mapping `file` saying which column of the -csv is what (required with -csv)")
	leadsPath := fs.String("leads", "", "JSON `file` of stored leads, [{…}, …] or {\"leads\": [...]} as GET /_local/leads answers; the stage is the outcome")
	table := fs.String("table", "", "DynamoDB `table` whose stored leads to learn from (AWS_REGION, DYNAMODB_ENDPOINT from the environment)")
	basePath := fs.String("base", "", "qualification config `file` whose fit section is replaced (default: the embedded default)")
	outPath := fs.String("out", "", "write the calibrated config to this `file`")
	reportPath := fs.String("report", "", "write the Markdown report to this `file`")
	seed := fs.Uint64("seed", 1, "seed of the train/holdout split")
	holdout := fs.Float64("holdout", 0.3, "share of leads held out for evaluation (0 to 0.9)")
	targetRate := fs.Float64("target-rate", 0.2, "share of leads grade A should hold")
	targetPrecision := fs.Float64("target-precision", 0, "instead of -target-rate: cut grade A where this share of A leads converted")
	handoffRate := fs.Float64("handoff-rate", 0, "share of leads the exported hot thresholds hand to sales (default: the -target-rate)")
	bootstrap := fs.Int("bootstrap", calibrate.DefaultBootstrap, "resamples for the 95% confidence intervals (0: none)")
	evaluate := fs.String("evaluate", "", "back-test these qualification `configs` (comma-separated files) on the data instead of calibrating")
	l2 := fs.Float64("l2", 1, "L2 penalty on the weights")
	doublePoints := fs.Float64("double-points", 10, "fit points that double the odds of converting")
	force := fs.Bool("force", false, "overwrite -out and -report if they exist, and export even from a sample too small to trust")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr (warnings still)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, usageLine)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "calibrate: "+format+"\n%s\n", append(a, usageLine)...)
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var sources []string
	for _, f := range []struct{ name, val string }{{"-csv", *csvPath}, {"-leads", *leadsPath}, {"-table", *table}} {
		if f.val != "" {
			sources = append(sources, f.name)
		}
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case len(sources) == 0:
		return usage("give the outcomes to learn from: -csv (with -mapping), -leads or -table")
	case len(sources) > 1:
		return usage("give one of -csv, -leads and -table, not %s", strings.Join(sources, " and "))
	case *csvPath != "" && *mappingPath == "":
		return usage("-mapping is required with -csv")
	case *csvPath == "" && *mappingPath != "":
		return usage("-mapping is only for -csv (stored leads need none)")
	case set["target-rate"] && set["target-precision"]:
		return usage("give -target-rate or -target-precision, not both")
	case *evaluate != "" && *outPath != "":
		return usage("-evaluate writes no config: drop -out (give -report for the back-test)")
	case *evaluate != "" && (set["base"] || set["target-rate"] || set["target-precision"] || set["handoff-rate"]):
		return usage("-base, -target-rate, -target-precision and -handoff-rate are for calibrating, not for -evaluate")
	}
	opts := calibrate.Options{
		Seed: *seed, Holdout: *holdout, L2: *l2, DoublePoints: *doublePoints,
		TargetRate: *targetRate, HandoffRate: *handoffRate, Force: *force, Bootstrap: *bootstrap, Now: now,
	}
	if *bootstrap <= 0 {
		opts.Bootstrap = -1
	}
	if *evaluate != "" && !set["holdout"] {
		opts.Holdout = 0 // a back-test decides every labelled lead unless asked for the holdout
	}
	if set["target-precision"] {
		opts.TargetRate, opts.TargetPrecision = 0, *targetPrecision
	}
	if !*quiet {
		opts.Progress = stderr
	}

	inputs := map[string]string{"-csv": *csvPath, "-mapping": *mappingPath, "-leads": *leadsPath, "-base": *basePath}
	var configs []string
	if *evaluate != "" {
		for _, c := range strings.Split(*evaluate, ",") {
			if c = strings.TrimSpace(c); c != "" {
				configs = append(configs, c)
				inputs["-evaluate "+c] = c
			}
		}
	}
	if err := checkOutputs(*outPath, *reportPath, *force, inputs); err != nil {
		fmt.Fprintf(stderr, "calibrate: %v\n", err)
		return 1
	}

	var ds *calibrate.Dataset
	var err error
	switch {
	case *csvPath != "":
		ds, err = readCSV(*csvPath, *mappingPath, &opts)
	case *leadsPath != "":
		ds, err = readLeadsFile(*leadsPath, &opts)
	default:
		ds, err = scanTable(*table, &opts)
	}
	if err == nil && *evaluate != "" {
		return evaluateConfigs(ds, configs, opts, *reportPath, *force, stdout, stderr)
	}
	var res *calibrate.Result
	if err == nil {
		res, err = calibrateData(ds, *basePath, opts)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "calibrate: warning: %s\n", w)
	}
	if *reportPath != "" {
		var buf bytes.Buffer
		if err := res.WriteReport(&buf); err == nil {
			err = writeFile(*reportPath, buf.Bytes(), *force)
		}
		if err != nil {
			fmt.Fprintf(stderr, "calibrate: %v\n", err)
			return 1
		}
	}
	if res.Refused {
		fmt.Fprint(stdout, res.Summary())
		fmt.Fprintf(stderr, "calibrate: no config written: too small a sample to trust: %s; give -force to export anyway\n", res.Small)
		if *reportPath != "" {
			fmt.Fprintf(stdout, "wrote %s (no config: the sample is too small; see its summary)\n", *reportPath)
		}
		return 1
	}
	if *outPath != "" {
		if err := writeFile(*outPath, res.Export.Config, *force); err != nil {
			fmt.Fprintf(stderr, "calibrate: %v\n", err)
			return 1
		}
	}
	fmt.Fprint(stdout, res.Summary())
	switch {
	case *outPath != "" && *reportPath != "":
		fmt.Fprintf(stdout, "wrote %s and %s\n", *outPath, *reportPath)
	case *outPath != "":
		fmt.Fprintf(stdout, "wrote %s\n", *outPath)
	case *reportPath != "":
		fmt.Fprintf(stdout, "wrote %s (no -out: no config written)\n", *reportPath)
	default:
		fmt.Fprintln(stdout, "nothing written (give -out and -report)")
	}
	return 0
}

// readCSV reads the CSV as the mapping describes it, and sets the options
// that come from them (the data's name and digest, feature options).
func readCSV(csvPath, mappingPath string, opts *calibrate.Options) (*calibrate.Dataset, error) {
	mapData, err := os.ReadFile(mappingPath)
	if err != nil {
		return nil, fmt.Errorf("calibrate: mapping: %w", err)
	}
	m, err := calibrate.ParseMapping(mapData, mappingPath)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	ds, err := calibrate.ReadCSV(bytes.NewReader(data), m, csvPath)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	opts.DataName = filepath.Base(csvPath)
	opts.DataDigest = hex.EncodeToString(sum[:6])
	opts.Features = m.Options
	return ds, nil
}

// evaluateConfigs back-tests existing configs on the data and prints the
// table (and writes it to report when given).
func evaluateConfigs(ds *calibrate.Dataset, paths []string, opts calibrate.Options, report string, force bool, stdout, stderr io.Writer) int {
	var configs []calibrate.NamedConfig
	for _, p := range paths {
		cfg, err := qualify.Load(p)
		if err != nil {
			fmt.Fprintf(stderr, "calibrate: -evaluate: %v\n", err)
			return 1
		}
		configs = append(configs, calibrate.NamedConfig{Name: p, Config: cfg})
	}
	cmp, err := calibrate.Evaluate(ds, configs, opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var buf bytes.Buffer
	if err := cmp.WriteReport(&buf); err != nil {
		fmt.Fprintf(stderr, "calibrate: %v\n", err)
		return 1
	}
	for _, w := range cmp.Warnings {
		fmt.Fprintf(stderr, "calibrate: warning: %s\n", w)
	}
	if report != "" {
		if err := writeFile(report, buf.Bytes(), force); err != nil {
			fmt.Fprintf(stderr, "calibrate: %v\n", err)
			return 1
		}
	}
	stdout.Write(buf.Bytes())
	if report != "" {
		fmt.Fprintf(stdout, "\nwrote %s\n", report)
	}
	return 0
}

// calibrateData reads the base config and runs the calibration.
func calibrateData(ds *calibrate.Dataset, basePath string, opts calibrate.Options) (*calibrate.Result, error) {
	var err error
	if basePath != "" {
		if opts.Base, err = os.ReadFile(basePath); err != nil {
			return nil, fmt.Errorf("calibrate: base config: %w", err)
		}
		opts.BaseName = basePath
	} else {
		opts.Base, opts.BaseName = calibrate.DefaultBase(), "default.yaml"
	}
	return calibrate.Run(ds, opts)
}

// checkOutputs refuses, before any work, to write over an input (the base
// config above all) or over an existing file without force.
func checkOutputs(out, report string, force bool, inputs map[string]string) error {
	outputs := []struct{ flag, path string }{{"-out", out}, {"-report", report}}
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		names := []string{"-base", "-csv", "-mapping", "-leads"}
		for name := range inputs {
			if strings.HasPrefix(name, "-evaluate ") {
				names = append(names, name)
			}
		}
		for _, name := range names {
			if in := inputs[name]; in != "" && samePath(o.path, in) {
				if name == "-base" {
					return fmt.Errorf("%s %s is the base config: refusing to overwrite it (even with -force); write elsewhere and review the difference", o.flag, o.path)
				}
				if strings.HasPrefix(name, "-evaluate ") {
					return fmt.Errorf("%s %s is a config to evaluate: refusing to overwrite it", o.flag, o.path)
				}
				return fmt.Errorf("%s %s is the %s input: refusing to overwrite it", o.flag, o.path, strings.TrimPrefix(name, "-"))
			}
		}
		if _, err := os.Lstat(o.path); err == nil && !force {
			return fmt.Errorf("%s %s already exists: refusing to overwrite it (give -force to replace it)", o.flag, o.path)
		}
	}
	if out != "" && report != "" && samePath(out, report) {
		return fmt.Errorf("-out and -report are the same file %s", out)
	}
	return nil
}

// ensureDir creates the directory an output goes into, so -out
// out/qualify.calibrated.yaml works from a fresh clone.
func ensureDir(path string) error {
	if dir := filepath.Dir(path); dir != "." && dir != "" {
		return os.MkdirAll(dir, 0o755)
	}
	return nil
}

// samePath reports whether two paths name the same file: the same
// cleaned absolute path, or (both existing) the same file through links.
func samePath(a, b string) bool {
	aa, errA := filepath.Abs(a)
	bb, errB := filepath.Abs(b)
	if errA == nil && errB == nil && aa == bb {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// writeFile writes through a temporary file in the same directory and a
// rename, so a reader never sees half a config. Without force it refuses
// a file that appeared since the start.
func writeFile(path string, data []byte, force bool) error {
	if _, err := os.Lstat(path); err == nil && !force {
		return fmt.Errorf("%s already exists: refusing to overwrite it (give -force to replace it)", path)
	}
	if err := ensureDir(path); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
