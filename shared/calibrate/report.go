package calibrate

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// maxListedSkips is how many skipped rows the report lists one by one.
const maxListedSkips = 10

// WriteReport writes the evaluation report in Markdown.
func (r *Result) WriteReport(w io.Writer) error {
	var b strings.Builder
	o, ds, ev, x := r.Options, r.Data, r.Eval, r.Export
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	evalLeads := fmt.Sprintf("%s %s leads", count(ev.Leads), r.evalName())

	p("# Lead score calibration")
	p("")
	data := "`" + o.DataName + "`"
	if o.DataDigest != "" {
		data += " (sha256 `" + o.DataDigest + "`)"
	}
	p("Generated %s by `leadflow calibrate` from %s: seed %d, holdout %s, L2 penalty %s, %s points double the odds.",
		o.Now.Format("2006-01-02"), data, o.Seed, percent(o.Holdout), fmtG(o.L2), fmtG(o.DoublePoints))
	p("")

	p("## Summary")
	p("")
	p("- %s rows read, %s leads used (%s converted, base rate %s), %s skipped.", count(ds.Rows), count(len(ds.Examples)),
		count(countPositive(ds.Examples)), percent(baseRate(outcomes(ds.Examples))), count(len(ds.Skipped)))
	p("- Split: %s training leads, %s.", count(len(r.Train)), evalLeads)
	p("- **ROC AUC %.3f** on %s (0.5 is guessing, 1 is perfect). The exported fit points alone: %.3f; the base config's fit points (`%s`): %.3f.",
		ev.AUC, evalLeads, ev.ExportAUC, o.BaseName, ev.BaseConfigAUC)
	for _, k := range ev.TopK {
		if k.Share == 0.2 {
			p("- Handing the top 20%% to sales: %s of them convert (%.1f× the base rate of %s), catching %s of all conversions.",
				percent(k.Precision), k.Lift, percent(ev.BaseRate), percent(k.Recall))
		}
	}
	if a := x.Test[0]; a.Leads > 0 {
		p("- Exported grade A (≥ %d fit points) holds %s of %s; %s of them convert, %s of all conversions.",
			x.Grades[0], percent(a.Share), evalLeads, percent(a.Rate), percent(a.Recall))
	}
	if r.OnTrain {
		p("- ⚠ No holdout: every number is measured on the leads the model learned from, and so flatters it.")
	}
	for _, wn := range r.Warnings {
		p("- ⚠ %s", wn)
	}
	p("")

	p("## Handing the top K%% to sales (%s)", evalLeads)
	p("")
	p("Leads ranked by the model's probability; precision is the share of handed-over leads that converted, recall the share of all conversions handed over.")
	p("")
	p("| top | leads | converted | precision | recall | lift |")
	p("|---:|---:|---:|---:|---:|---:|")
	for _, k := range ev.TopK {
		p("| %s | %d | %d | %s | %s | %.2f× |", percent(k.Share), k.Leads, k.Converted, percent(k.Precision), percent(k.Recall), k.Lift)
	}
	p("")
	p("Base rate: %s (%d of %d).", percent(ev.BaseRate), ev.Converted, ev.Leads)
	p("")

	p("## Calibration (%s)", evalLeads)
	p("")
	p("Leads sorted by predicted probability into ten groups of equal size: does the predicted rate match what happened?")
	p("")
	p("| decile | leads | predicted range | predicted | actual |")
	p("|---:|---:|---|---:|---:|")
	for i, c := range ev.Calibration {
		p("| %d | %d | %s–%s | %s | %s |", i+1, c.Leads, percent(c.MinP), percent(c.MaxP), percent(c.Predicted), percent(c.Actual))
	}
	p("")

	p("## What drives conversion")
	p("")
	p("Odds multipliers of the model (fields and signals together), from the training leads.")
	p("")
	pos, neg := topFactors(r.Factors, 10)
	p("### Top %d positive factors", len(pos))
	p("")
	for i, f := range pos {
		p("%d. %s", i+1, factorLine(f))
	}
	if len(pos) == 0 {
		p("None.")
	}
	p("")
	p("### Top %d negative factors", len(neg))
	p("")
	for i, f := range neg {
		p("%d. %s", i+1, factorLine(f))
	}
	if len(neg) == 0 {
		p("None.")
	}
	p("")
	var sigs []Factor
	for _, f := range r.Factors {
		if f.Feature.Signal {
			sigs = append(sigs, f)
		}
	}
	if len(sigs) > 0 {
		p("Engagement signals (%s) were learned from to keep the fit weights fair, but the export leaves the engagement section as it is. Their effects, for reviewing its points:",
			strings.Join(ds.Signals, ", "))
		p("")
		sort.SliceStable(sigs, func(i, j int) bool {
			if sigs[i].Feature.Field != sigs[j].Feature.Field {
				return sigs[i].Feature.Field < sigs[j].Feature.Field
			}
			return sigs[i].Feature.Min < sigs[j].Feature.Min
		})
		for _, f := range sigs {
			p("- %s", factorLine(f))
		}
		p("")
	}

	p("## Exported grades")
	p("")
	how := fmt.Sprintf("grade A cut to hold about %s of the training leads", percent(o.TargetRate))
	if o.TargetPrecision > 0 {
		how = fmt.Sprintf("grade A cut where %s of training leads converted, as many as possible", percent(o.TargetPrecision))
		if x.PrecisionMissed {
			how += " — not reached; the most precise cut is used"
		}
	}
	p("A ≥ %d, B ≥ %d, C ≥ %d fit points (%s; B and C split the rest in thirds).", x.Grades[0], x.Grades[1], x.Grades[2], how)
	p("")
	p("| grade | training leads | share | converted | %s | share | converted | of all conversions | base config: share | converted |", evalLeads)
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for i := range x.Test {
		tr, te, bs := x.Train[i], x.Test[i], x.BaseTest[i]
		p("| %s | %d | %s | %s | %d | %s | %s | %s | %s | %s |", te.Grade, tr.Leads, percent(tr.Share), percent(tr.Rate),
			te.Leads, percent(te.Share), percent(te.Rate), percent(te.Recall), percent(bs.Share), percent(bs.Rate))
	}
	p("")
	if len(x.CampaignFit) > 0 {
		p("Campaigns %s override fit in the base config and keep their own rules.", strings.Join(x.CampaignFit, ", "))
		p("")
	}

	p("## Exported fit rules")
	p("")
	p("Points = round(weight × %.2f); a field not given scores 0 (each field's points are shifted so; the ranking is unchanged). Leads and conversion are from the training leads.", x.Scale)
	p("")
	p("| points | rule | label | leads | converted |")
	p("|---:|---|---|---:|---:|")
	for _, rule := range x.Rules {
		conv := "–"
		if rule.Leads > 0 {
			conv = percent(float64(rule.Converted) / float64(rule.Leads))
		}
		p("| %+d | `%s` | %s | %d | %s |", rule.Points, mdEscape(rule.Describe()), mdEscape(rule.Label), rule.Leads, conv)
	}
	p("")
	if x.Mismatches > 0 {
		p("⚠ qualify gives %d training leads other points than the model's rounded weights.", x.Mismatches)
	} else {
		p("Check: qualify gives every training lead exactly the model's rounded points.")
	}
	p("")

	p("## Leakage check")
	p("")
	p("Each column alone, on the training leads: a column that predicts the outcome almost perfectly (AUC ≥ %.2f) was probably filled in after the outcome was known.", LeakageAUC)
	p("")
	p("| column | used as | AUC alone | |")
	p("|---|---|---:|---|")
	for _, c := range r.Leakage {
		flag := ""
		switch {
		case c.Flagged:
			flag = "⚠ **likely leakage: exclude it**"
		case c.Excluded && c.AUC >= LeakageAUC:
			flag = "excluded — rightly"
		case c.Excluded:
			flag = "excluded"
		}
		p("| %s | %s | %.3f | %s |", mdEscape(c.Column), c.Use, c.AUC, flag)
	}
	p("")

	p("## Data")
	p("")
	if ds.OutcomeColumn != "" {
		var vals []string
		for _, v := range ds.Outcomes {
			name := v.Value
			if name == "" {
				name = "(blank)"
			}
			vals = append(vals, fmt.Sprintf("%s × %d → %s", quoteWord(name), v.Count, v.Read))
		}
		p("- Outcome column %s: %s.", quoteWord(ds.OutcomeColumn), strings.Join(vals, "; "))
	}
	if len(ds.Excluded) > 0 {
		p("- Excluded columns: %s.", strings.Join(quoteAll(ds.Excluded), ", "))
	}
	if len(ds.ExcludedMissing) > 0 {
		p("- Excluded but not in the file: %s.", strings.Join(quoteAll(ds.ExcludedMissing), ", "))
	}
	if len(ds.Unused) > 0 {
		p("- Not used (not in the mapping): %s.", strings.Join(quoteAll(ds.Unused), ", "))
	}
	p("- Skipped rows: %d.", len(ds.Skipped))
	if len(ds.Skipped) > 0 {
		byKind := map[string]int{}
		var kinds []string
		for _, s := range ds.Skipped {
			if byKind[s.Kind] == 0 {
				kinds = append(kinds, s.Kind)
			}
			byKind[s.Kind]++
		}
		var parts []string
		for _, k := range kinds {
			parts = append(parts, fmt.Sprintf("%s: %d", k, byKind[k]))
		}
		p("  By reason: %s. The first %d:", strings.Join(parts, ", "), min(len(ds.Skipped), maxListedSkips))
		for _, s := range ds.Skipped[:min(len(ds.Skipped), maxListedSkips)] {
			p("  - %s", mdEscape(s.String()))
		}
	}
	if len(ds.Quality) > 0 {
		p("")
		p("| column | used as | blank | placeholders | junk | features |")
		p("|---|---|---:|---:|---:|---:|")
		for _, q := range ds.Quality {
			ph := strconv.Itoa(q.Placeholders)
			if len(q.PlaceholderExamples) > 0 {
				ph += " (" + mdEscape(strings.Join(quoteAll(q.PlaceholderExamples), ", ")) + ")"
			}
			junk := strconv.Itoa(q.Junk)
			if len(q.JunkExamples) > 0 {
				junk += " (" + mdEscape(strings.Join(quoteAll(q.JunkExamples), ", ")) + ")"
			}
			p("| %s | %s | %d | %s | %s | %d |", mdEscape(q.Column), q.Use, q.Blank, ph, junk, r.featureCount(q.Use))
		}
		p("")
		p("Placeholders (Select, N/A, -, none, unknown, (blank), …) count as not given. Junk is a number column's value without a number (not given, as for the range rules) or a signal's (counted as 0).")
	}
	p("")

	p("## Method")
	p("")
	p("- Leads split %s/%s into training and holdout, stratified by outcome, with seed %d.", percent(1-o.Holdout), percent(o.Holdout), o.Seed)
	p("- Features from the training leads only: category values seen at least %d times (at most %d per field) and \"another value\" (also what a value first seen later becomes) and \"not given\"; numbers in up to %d quantile bins (as `range` reads them: \"51-200\" is 51); words of free text seen at least %d times; signal counts in bins (0, 1, 2–3, 4–7, …).",
		o.Features.MinCount, o.Features.MaxValues, o.Features.Bins, o.Features.MinCount)
	p("- Logistic regression minimising the summed log-loss + %s/2 × the sum of squared weights (the intercept is not penalised), fitted by Newton's method: %d iterations, converged: %v. Engagement signals are inputs too, so fit weights are not credited with what engagement explains.",
		fmtG(o.L2), r.model.Iterations, r.model.Converged)
	p("- Export: points = round(weight × %s / ln 2), shifted per field so that \"not given\" scores 0; values of a category with equal points share one `in` rule. Grades are cut on the points qualify gives the training leads. Placeholders count as not given here, but a new lead whose form sends \"N/A\" has that field given as far as `exists` rules go.",
		fmtG(o.DoublePoints))
	p("- Factors compare with the average lead for fields with one value per lead, and with the lead without the word for words.")
	return writeString(w, b.String())
}

func writeString(w io.Writer, s string) error {
	_, err := io.WriteString(w, s)
	return err
}

func (r *Result) featureCount(use string) int {
	n := 0
	for _, f := range r.Encoder.Features {
		u := f.Field + " (" + string(r.Encoder.fieldKind(f)) + ")"
		if f.Signal {
			u = "signal " + f.Field
		}
		if u == use {
			n++
		}
	}
	return n
}

// topFactors are the n strongest positive and negative effects.
func topFactors(all []Factor, n int) (pos, neg []Factor) {
	for _, f := range all {
		if f.Feature.Signal || f.Feature.Count == 0 {
			continue
		}
		switch {
		case f.Effect > 0.005 && len(pos) < n:
			pos = append(pos, f)
		case f.Effect < -0.005 && len(neg) < n:
			neg = append(neg, f)
		}
	}
	return pos, neg
}

func factorLine(f Factor) string {
	rate := "–"
	if f.Feature.Count > 0 {
		rate = percent(float64(f.Feature.Positives) / float64(f.Feature.Count))
	}
	return fmt.Sprintf("%s → **%s the odds** (%s; %d training leads, %s converted)",
		mdEscape(f.Feature.Phrase()), oddsText(f.Odds()), f.Reference, f.Feature.Count, rate)
}

func oddsText(m float64) string {
	switch {
	case m >= 10:
		return fmt.Sprintf("%.0f×", m)
	case m >= 0.095:
		return fmt.Sprintf("%.2g×", m)
	}
	return fmt.Sprintf("%.1g×", m)
}

// Summary is a few lines for the terminal.
func (r *Result) Summary() string {
	var b strings.Builder
	ds, ev, x := r.Data, r.Eval, r.Export
	fmt.Fprintf(&b, "%s: %s rows, %s leads used (%s converted), %s skipped", ds.Name, count(ds.Rows), count(len(ds.Examples)),
		count(countPositive(ds.Examples)), count(len(ds.Skipped)))
	if n := len(ds.Skipped); n > 0 {
		var lines []string
		what := "lines"
		for _, s := range ds.Skipped[:min(n, 3)] {
			if s.Line == 0 && s.Lead != "" {
				what = "leads"
				lines = append(lines, s.Lead)
				continue
			}
			lines = append(lines, strconv.Itoa(s.Line))
		}
		more := ""
		if n > 3 {
			more = ", …"
		}
		fmt.Fprintf(&b, " (%s %s%s)", what, strings.Join(lines, ", "), more)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "%s leads (%s): ROC AUC %.3f; exported fit points alone %.3f; base config %.3f\n",
		r.evalName(), count(ev.Leads), ev.AUC, ev.ExportAUC, ev.BaseConfigAUC)
	for _, k := range ev.TopK {
		fmt.Fprintf(&b, "  top %-4s precision %-6s recall %-6s lift %.2f×\n", percent(k.Share), percent(k.Precision), percent(k.Recall), k.Lift)
	}
	fmt.Fprintf(&b, "grades: A ≥ %d, B ≥ %d, C ≥ %d fit points (A: %s of training leads, %s of %s leads converting at %s); %d fit rules\n",
		x.Grades[0], x.Grades[1], x.Grades[2], percent(x.Train[0].Share), percent(x.Test[0].Share), r.evalName(),
		percent(x.Test[0].Rate), len(x.Rules))
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

func count(n int) string { return thousands(strconv.Itoa(n)) }

func fmtG(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = quoteWord(x)
	}
	return out
}

// mdEscape keeps table cells in one piece.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "\r", " ")
}
