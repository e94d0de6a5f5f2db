package calibrate

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteBacktests writes back-tests side by side as a Markdown table: the
// same rows for every config (today's rules and a calibrated export, say),
// so they compare at a glance.
func WriteBacktests(w io.Writer, bs ...*Backtest) error {
	var b strings.Builder
	row := func(name string, cell func(*Backtest) string) {
		b.WriteString("| " + name + " |")
		for _, bt := range bs {
			b.WriteString(" " + cell(bt) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("| |")
	for _, bt := range bs {
		b.WriteString(" " + mdEscape(bt.Config) + " |")
	}
	b.WriteString("\n|---|")
	for range bs {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	row("leads (converted)", func(bt *Backtest) string { return fmt.Sprintf("%s (%s)", count(bt.Leads), count(bt.Converted)) })
	row("**ROC AUC** [95% CI]", func(bt *Backtest) string { return fmt.Sprintf("**%.3f**%s", bt.AUC, ciText(bt.AUCLow, bt.AUCHigh, 3)) })
	for k, s := range reportShares {
		row(fmt.Sprintf("top %s: precision [CI] · recall", percent(s)), func(bt *Backtest) string {
			t := bt.TopK[k]
			return fmt.Sprintf("%s%s · %s", percent(t.Precision), pctCI(bt.PrecisionLow[k], bt.PrecisionHigh[k]), percent(t.Recall))
		})
	}
	stat := func(s GradeStat, value bool) string {
		out := fmt.Sprintf("%s · %s conv. · %s of conv.", percent(s.Share), percent(s.Rate), percent(s.Recall))
		if value {
			out += " · " + money(s.Value)
		}
		return out
	}
	values := false
	for _, bt := range bs {
		values = values || bt.HasValue
	}
	row("**hand-off** (hot): share · conversion · of conversions", func(bt *Backtest) string { return stat(bt.Hot, false) })
	row("warm (watched in nurturing)", func(bt *Backtest) string { return stat(bt.Warm, false) })
	for g := range gradeNames {
		name := "grade " + gradeNames[g]
		if values {
			name += " (· deal value)"
		}
		row(name, func(bt *Backtest) string { return stat(bt.Grades[g], values) })
	}
	row("disqualified", func(bt *Backtest) string { return stat(bt.Disqualified, values) })
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteDisqualifiers writes what each disqualifier removed, with a
// warning line for each that removes DisqualifierWarn of the conversions.
func WriteDisqualifiers(w io.Writer, bt *Backtest) error {
	var b strings.Builder
	if len(bt.Reasons) == 0 {
		fmt.Fprintf(&b, "No disqualifier rejects any of these %s leads.\n", count(bt.Leads))
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| disqualifier | leads | of all leads | converted | of all conversions | conversion | e.g. |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---|\n")
	for _, r := range bt.Reasons {
		flag := ""
		if r.Recall >= DisqualifierWarn {
			flag = " ⚠"
		}
		fmt.Fprintf(&b, "| %s%s | %s | %s | %s | %s | %s | %s |\n", mdEscape(r.Grade), flag, count(r.Leads), percent(r.Share),
			count(r.Converted), percent(r.Recall), percent(r.Rate), mdEscape(shorten(r.Example, 80)))
	}
	fmt.Fprintf(&b, "| **all** | %s | %s | %s | %s | %s | |\n", count(bt.Disqualified.Leads), percent(bt.Disqualified.Share),
		count(bt.Disqualified.Converted), percent(bt.Disqualified.Recall), percent(bt.Disqualified.Rate))
	b.WriteString("\nBase rate: " + percent(bt.BaseRate) + ". A disqualifier should reject leads that (almost) never convert.\n")
	for _, wn := range bt.DisqualifierWarnings() {
		b.WriteString("\n⚠ " + wn + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// pctCI is " [lo–hi%]" or "" without an interval.
func pctCI(lo, hi float64) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return ""
	}
	return " [" + strings.TrimSuffix(percent(lo), "%") + "–" + percent(hi) + "]"
}

// money prints a deal value sum: 12,500 or 1.2M.
func money(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case a >= 1e4:
		return thousands(fmt.Sprintf("%.0f", v))
	}
	return fmt.Sprintf("%.0f", v)
}
