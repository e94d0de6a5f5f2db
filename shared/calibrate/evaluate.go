package calibrate

import (
	"fmt"
	"io"
	"strings"

	"github.com/leadflow/leadflow/shared/qualify"
)

// NamedConfig is a qualification config to back-test, with the name the
// tables show.
type NamedConfig struct {
	Name   string
	Config *qualify.Config
}

// Comparison is the back-test of one or more existing configs on labelled
// leads: the same table the calibration report shows, so today's rules
// and a calibrated export compare side by side.
type Comparison struct {
	Options Options
	Data    *Dataset
	// Leads are the leads decided: all labelled ones, or with a holdout
	// the same holdout a calibration with that seed evaluates on.
	Leads []Example
	// Leakage screens the columns as a calibration does (on the leads
	// not held out); flagged ones not kept are blank when scoring.
	Leakage   []ColumnCheck
	Backtests []*Backtest
	Warnings  []string
}

// Evaluate decides labelled leads with each config as live leads would
// be decided — qualify's own Evaluate, disqualifiers included, columns
// sales fills in after the outcome blank — and measures the result.
// With Options.Holdout set, only the holdout of the split a calibration
// with the same seed makes is decided, so its figures match that report.
func Evaluate(ds *Dataset, configs []NamedConfig, o Options) (*Comparison, error) {
	o = o.withDefaults()
	if err := o.check(); err != nil {
		return nil, err
	}
	if len(configs) == 0 {
		return nil, fmt.Errorf("calibrate: no config to evaluate")
	}
	pos := countPositive(ds.Examples)
	if pos == 0 || pos == len(ds.Examples) {
		return nil, fmt.Errorf("%w: %s has %d converted and %d other leads; a back-test needs both", ErrData, ds.Name, pos, len(ds.Examples)-pos)
	}
	ds = prepare(ds)
	c := &Comparison{Options: o, Data: ds, Leads: ds.Examples}
	screenOn := ds.Examples
	if o.Holdout > 0 {
		train, test := split(ds.Examples, o.Holdout, o.Seed)
		if countPositive(test) > 0 && countPositive(test) < len(test) {
			screenOn, c.Leads = train, test
		}
	}
	keep := map[string]bool{}
	for _, k := range ds.Keep {
		keep[k] = true
	}
	c.Leakage = screenColumns(ds, screenOn, o, keep)
	var blanks []string
	for _, col := range c.Leakage {
		if col.Flagged && !col.Kept && !col.Excluded {
			blanks = append(blanks, col.Field)
			c.Warnings = append(c.Warnings, fmt.Sprintf("column %q (%s) looks filled in after the outcome was known (%s): blank when scoring, as live leads arrive without it (list it under keep in the mapping if they do not)",
				col.Column, col.Use, strings.Join(col.Reasons, "; ")))
		}
	}
	if len(ds.Examples) < MinLeads || pos < MinPositives || len(ds.Examples)-pos < MinPositives {
		c.Warnings = append(c.Warnings, fmt.Sprintf("a small sample (%d labelled leads, %d converted): mind the intervals", len(ds.Examples), pos))
	}
	for _, nc := range configs {
		b := RunBacktest(nc.Config, nc.Name, c.Leads, BacktestOptions{Blank: blanks, Bootstrap: o.Bootstrap, Seed: o.Seed})
		c.Backtests = append(c.Backtests, b)
		for _, w := range b.DisqualifierWarnings() {
			c.Warnings = append(c.Warnings, nc.Name+": "+w)
		}
	}
	return c, nil
}

// WriteReport writes the back-test in Markdown: the side-by-side table,
// each config's disqualifiers, the columns blanked.
func (c *Comparison) WriteReport(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	which := "all labelled leads"
	if len(c.Leads) < len(c.Data.Examples) {
		which = fmt.Sprintf("the %s holdout (seed %d) a calibration with the same flags evaluates on", percent(c.Options.Holdout), c.Options.Seed)
	}
	p("# Back-test of %s", strings.Join(c.names(), ", "))
	p("")
	p("%s: %s leads decided (%s).", c.Data.Name, count(len(c.Leads)), which)
	p("Each lead decided by qualify as a live lead would be; ranked by fit points plus engagement, disqualified ones last. Intervals are 95%% bootstrap intervals (%d resamples).", max(0, c.Options.Bootstrap))
	if bl := c.Backtests[0].Blanked; len(bl) > 0 {
		p("Blank, as live leads arrive without them: %s.", strings.Join(quoteAll(bl), ", "))
	}
	p("")
	_ = WriteBacktests(&b, c.Backtests...)
	for _, bt := range c.Backtests {
		p("")
		p("## Disqualifiers of %s", mdEscape(bt.Config))
		p("")
		_ = WriteDisqualifiers(&b, bt)
	}
	if len(c.Warnings) > 0 {
		p("")
		p("## Warnings")
		p("")
		for _, wn := range c.Warnings {
			p("- ⚠ %s", wn)
		}
	}
	return writeString(w, b.String())
}

func (c *Comparison) names() []string {
	var out []string
	for _, b := range c.Backtests {
		out = append(out, b.Config)
	}
	return out
}
