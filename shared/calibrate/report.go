package calibrate

import (
	"fmt"
	"io"
	"math"
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
	p("Generated %s by `leadflow calibrate` from %s: seed %d, holdout %s, L2 penalty %s, %s points double the odds, %d bins per number%s.",
		o.Now.Format("2006-01-02"), data, o.Seed, percent(o.Holdout), fmtG(o.L2), fmtG(o.DoublePoints), r.Bins, binsHow(r))
	p("")

	p("## Summary")
	p("")
	p("- %s rows read, %s leads used (%s converted, base rate %s), %s skipped.", count(ds.Rows), count(len(ds.Examples)),
		count(countPositive(ds.Examples)), percent(baseRate(outcomes(ds.Examples))), count(len(ds.Skipped)))
	if r.Small != "" {
		if r.Refused {
			p("- ⚠ **No config exported**: too small a sample to trust — %s. Give `-force` to export anyway; the intervals below show how uncertain every figure is.", r.Small)
		} else {
			p("- ⚠ **Exported from too small a sample** (`-force`): %s. The intervals below show how uncertain every figure is.", r.Small)
		}
	}
	p("- Split: %s training leads, %s.", count(len(r.Train)), evalLeads)
	if n, bs := r.New, r.Base; n != nil {
		last := len(n.TopK) - 1
		p("- **As live leads would be decided** by the exported config (disqualifiers, fit points, engagement; columns sales fills in later blank), on %s: **ROC AUC %.3f**%s, the top 30%% convert at **%s**%s, hand-off (hot) %s of leads converting at %s.",
			evalLeads, n.AUC, ciText(n.AUCLow, n.AUCHigh, 3), percent(n.TopK[last].Precision), pctCI(n.PrecisionLow[last], n.PrecisionHigh[last]),
			percent(n.Hot.Share), percent(n.Hot.Rate))
		p("- The base config (`%s`) on the same leads: ROC AUC %.3f, top 30%% precision %s, hand-off %s converting at %s.",
			o.BaseName, bs.AUC, percent(bs.TopK[last].Precision), percent(bs.Hot.Share), percent(bs.Hot.Rate))
	}
	p("- The model itself (probabilities before rounding to points): ROC AUC %.3f (0.5 is guessing, 1 is perfect).", ev.AUC)
	if a := x.Test[0]; a.Leads > 0 {
		p("- Exported grade A (≥ %d fit points) holds %s of %s; %s of them convert, %s of all conversions.",
			x.Grades[0], percent(a.Share), evalLeads, percent(a.Rate), percent(a.Recall))
	}
	var left []string
	for _, c := range r.Leakage {
		switch {
		case c.Dropped && c.Flagged:
			left = append(left, quoteWord(c.Column)+" (filled in after the outcome)")
		case c.Dropped:
			left = append(left, quoteWord(c.Column)+" (nearly constant)")
		}
	}
	if len(left) > 0 {
		p("- Left out of the model: %s. List a column under `keep` in the mapping to use it anyway.", strings.Join(left, ", "))
	}
	if r.OnTrain {
		p("- ⚠ No holdout: every number is measured on the leads the model learned from, and so flatters it.")
	}
	for _, wn := range r.Warnings {
		p("- ⚠ %s", wn)
	}
	p("")

	if r.New != nil {
		p("## Back-test: the base config and the export (%s)", evalLeads)
		p("")
		p("Each lead decided by qualify as a live lead would be: disqualifiers first, then fit points and grade, then its engagement (the signal counts of the data, every event counting in full) against the grade's hot and warm thresholds. Leads are ranked by fit points plus engagement, disqualified ones last; precision is the share of the top leads that converted, recall the share of all conversions among them. Intervals are 95%% bootstrap intervals (%d resamples).",
			max(0, o.Bootstrap))
		if len(r.New.Blanked) > 0 {
			p("Blank, as live leads arrive without them: %s.", strings.Join(quoteAll(r.New.Blanked), ", "))
		}
		p("")
		_ = WriteBacktests(&b, r.Base, r.New)
		p("")
		p("The same table for any config: `calibrate -evaluate CONFIG` with the same data flags (add `-holdout %s -seed %d` for these very leads).",
			fmtG(o.Holdout), o.Seed)
		p("")
	}

	if r.Live != nil {
		p("## Disqualifiers (all %s labelled leads)", count(r.Live.Leads))
		p("")
		p("The export keeps the disqualifiers of `%s`. What they do to these leads:", o.BaseName)
		p("")
		_ = WriteDisqualifiers(&b, r.Live)
		p("")
	}

	p("## Column screening")
	p("")
	p("Each mapped column on the training leads. A column is flagged as filled in after the outcome was known when alone it predicts the outcome with AUC ≥ %.2f, or %.2f above the next best column, when its values read like sales outcomes (won, lost, closed, interested, not reachable, …), or when whether it is given depends on the outcome. A flagged column is left out unless the mapping lists it under `keep`; so is a column where %s of leads share one value.",
		LeakageAUC, LeakageGap, percent(NearConstant))
	p("")
	p("| column | used as | AUC alone | given: converted / other | outcome words | most common value | |")
	p("|---|---|---:|---:|---:|---|---|")
	for _, c := range r.Leakage {
		verdict := ""
		switch {
		case c.Excluded && c.AUC >= LeakageAUC:
			verdict = "excluded — rightly"
		case c.Excluded:
			verdict = "excluded"
		case c.Flagged && c.Kept:
			verdict = "⚠ **looks filled in after the outcome** — kept (`keep`)"
		case c.Flagged:
			verdict = "⚠ **filled in after the outcome: left out**"
		case c.NearConstant && c.Kept:
			verdict = "nearly constant — kept (`keep`)"
		case c.NearConstant:
			verdict = "nearly constant: left out"
		}
		given, words, top := "", "", ""
		if !c.Excluded {
			if !c.Signal {
				given = percent(c.GivenPositive) + " / " + percent(c.GivenNegative)
				if c.OutcomeWords > 0 {
					words = percent(c.OutcomeWords)
				}
			}
			v := c.TopValue
			if v == "" {
				v = "(not given)"
			}
			top = quoteWord(shorten(v, 30)) + " " + percent(c.Top)
		}
		p("| %s | %s | %.3f | %s | %s | %s | %s |", mdEscape(c.Column), c.Use, c.AUC, given, words, mdEscape(top), verdict)
	}
	p("")
	for _, c := range r.Leakage {
		if !c.Flagged {
			continue
		}
		p("- %s: %s.", quoteWord(c.Column), strings.Join(c.Reasons, "; "))
		if c.WhatIf {
			if c.Kept {
				p("  Kept: the model's holdout AUC is %.3f with it, %.3f for live leads arriving without it.", c.Claimed, c.Live)
			} else {
				p("  Learned from, the report would claim a holdout AUC of %.3f; live leads arrive without it, and that model would rank them at %.3f.", c.Claimed, c.Live)
			}
		}
	}
	p("")

	p("## Calibration (%s)", evalLeads)
	p("")
	p("Leads sorted by the model's predicted probability into ten groups of equal size: does the predicted rate match what happened?")
	p("")
	p("| decile | leads | predicted range | predicted | actual |")
	p("|---:|---:|---|---:|---:|")
	for i, c := range ev.Calibration {
		p("| %d | %d | %s–%s | %s | %s |", i+1, c.Leads, percent(c.MinP), percent(c.MaxP), percent(c.Predicted), percent(c.Actual))
	}
	p("")

	p("## What drives conversion")
	p("")
	p("Odds multipliers of the model (fields and signals together), from the training leads; only factors that at least %d training leads have.", MinFactorLeads)
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

	p("## Exported engagement")
	p("")
	if len(x.Engagement) == 0 {
		p("The data has no engagement signal the product records, so the engagement section is `%s`'s.", o.BaseName)
	} else {
		p("Points per event, learned with the fit points on the same scale (%s points double the odds); each event counts as the data counts it (live, repeats within the repeat window count once and points fade with the half-life).", fmtG(o.DoublePoints))
		p("")
		p("| signal | points per event | training leads with one | converted |")
		p("|---|---:|---:|---:|")
		for _, e := range x.Engagement {
			pts := fmt.Sprintf("%+d", e.Points)
			if e.Points == 0 {
				pts = "0 (left out)"
				if math.Round(e.Weight*x.Scale) < 0 {
					pts = fmt.Sprintf("0 (left out: the model gives %+d, but points fade with time, and a lead would warm up by doing nothing)", int(math.Round(e.Weight*x.Scale)))
				}
			}
			p("| %s | %s | %d | %s |", e.Kind, pts, e.Leads, percent(ratio(e.Converted, e.Leads)))
		}
	}
	if len(x.KeptSignals) > 0 && len(x.Engagement) > 0 {
		p("")
		if x.KeptScale > 0 || keptChanged(x.KeptSignals) {
			var ks []string
			for _, k := range x.KeptSignals {
				ks = append(ks, fmt.Sprintf("%s %d → %d", k.Kind, k.Base, k.Points))
			}
			p("Not in the data, kept with `%s`'s points brought to the learned scale (×%.2f, the median ratio of learned to `%s`'s points of the signals both have; the thresholds are cut on the learned points, so at their old points these would make more leads hot than the target): %s.",
				o.BaseName, x.KeptScale, o.BaseName, strings.Join(ks, ", "))
		} else {
			p("Not in the data, kept with `%s`'s points (no learned signal to scale them by; the thresholds were cut without them, so expect more leads hot than the target): %s.", o.BaseName, keptKinds(x.KeptSignals))
		}
	}
	if conv := convertedSignals(ds); len(conv) > 0 {
		p("")
		p("Not a signal the product records, so learned as a number field instead: %s. Live leads have it only when the form sends it as that answer (a hidden field); otherwise those rules never match.", strings.Join(conv, ", "))
		for _, c := range r.Leakage {
			if c.FromSignal != "" && c.WhatIf && !c.Flagged {
				p("Without `%s`, as leads arrive whose form does not send it, the holdout AUC is %.3f (%.3f with it).", c.Field, c.Live, c.Claimed)
			}
		}
	}
	if ds.Arrival {
		p("")
		p("Each CSV lead counts one form submission (`form:<form_type>`, or `form:contact`), as capture records one for every new lead.")
	}
	p("")

	p("## Exported grades and thresholds")
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
	p("Engagement a grade needs (cut so that about %s of training leads are hot and as many again warm):", percent(o.HandoffRate))
	p("")
	p("| grade | hot from | warm from |")
	p("|---|---:|---:|")
	for g, t := range x.Thresholds {
		hot, warm := "never", "–"
		if t.HasHot {
			hot = fmtG(t.Hot)
		}
		if t.HasWarm {
			warm = fmtG(t.Warm)
		}
		p("| %s | %s | %s |", gradeNames[g], hot, warm)
	}
	p("")
	if len(x.CampaignFit) > 0 {
		p("Campaigns %s override fit in the base config and keep their own rules.", strings.Join(x.CampaignFit, ", "))
		p("")
	}

	p("## Exported fit rules")
	p("")
	p("Points = round(weight × %.2f), one net rule per value: the level of a field a rule cannot test — not given — scores 0 (or, when almost every lead gave the field, its most common value, which a lead without it then counts as). Leads and conversion are from the training leads.", x.Scale)
	p("")
	p("| points | rule | label | leads | converted |")
	p("|---:|---|---|---:|---:|")
	for _, rule := range x.Rules {
		conv := "–"
		if rule.Leads > 0 {
			conv = percent(float64(rule.Converted) / float64(rule.Leads))
		}
		label := rule.Label
		if rule.Note != "" {
			label += " — " + rule.Note
		}
		p("| %+d | `%s` | %s | %d | %s |", rule.Points, mdEscape(rule.Describe()), mdEscape(label), rule.Leads, conv)
	}
	p("")
	if x.Mismatches > 0 {
		p("⚠ qualify gives %d training leads other fit points than the model's rounded weights.", x.Mismatches)
	} else {
		p("Check: qualify gives every training lead exactly the model's rounded fit points.")
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
	if ds.ValueColumn != "" || ds.HasValue {
		src := "won deals' values"
		if ds.ValueColumn != "" {
			src = "column " + quoteWord(ds.ValueColumn)
		}
		p("- Deal values (%s) are summed per grade in the back-test; they are not learned from.", src)
	}
	if len(ds.Excluded) > 0 {
		p("- Excluded columns: %s.", strings.Join(quoteAll(ds.Excluded), ", "))
	}
	if len(ds.ExcludedMissing) > 0 {
		p("- Excluded but not in the file: %s.", strings.Join(quoteAll(ds.ExcludedMissing), ", "))
	}
	if len(ds.Keep) > 0 {
		p("- Kept whatever the screening finds: %s.", strings.Join(quoteAll(ds.Keep), ", "))
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
	p("- Columns screened on the training leads (above) before anything is learned.")
	p("- Features from the training leads only: category values seen at least %d times (at most %d per field), \"another value\" (the rarer values seen in training, pooled; a value first seen later counts as not given) and \"not given\" (a level of its own when at least %d leads lacked the field; otherwise such a lead counts as the most common level); numbers in up to %d quantile bins (as `range` reads them: \"51-200\" is 51)%s; words of free text seen at least %d times; each engagement signal by its count of events.",
		o.Features.withDefaults().MinCount, o.Features.withDefaults().MaxValues, o.Features.withDefaults().MinCount, r.Bins, binsHow(r), o.Features.withDefaults().MinCount)
	p("- Logistic regression minimising the summed log-loss + %s/2 × the sum of squared weights (the intercept is not penalised), fitted by Newton's method: %d iterations, converged: %v.",
		fmtG(o.L2), r.model.Iterations, r.model.Converged)
	p("- Export: points = round(weight × %s / ln 2); grades cut on the fit points qualify gives the training leads; hot and warm thresholds per grade at the total (fit plus engagement) that hands about %s of training leads to sales, minus the grade's median fit points. Placeholders count as not given here, but a new lead whose form sends \"N/A\" has that field given as far as `exists` rules go.",
		fmtG(o.DoublePoints), percent(o.HandoffRate))
	p("- Factors compare with the average lead for fields with one value per lead, with the lead without the word for words, and per event for signals.")
	return writeString(w, b.String())
}

// binsHow says how the number of bins was chosen.
func binsHow(r *Result) string {
	if len(r.BinScores) == 0 {
		return ""
	}
	var parts []string
	for _, s := range r.BinScores {
		parts = append(parts, fmt.Sprintf("%d: %.3f", s.Bins, s.AUC))
	}
	return " (chosen by 3-fold cross-validation on the training leads, AUC " + strings.Join(parts, ", ") + ")"
}

// convertedSignals names the signal columns learned as number fields.
func convertedSignals(ds *Dataset) []string {
	var out []string
	for _, f := range ds.Fields {
		if s := ds.fromSignal[f.Name]; s != "" {
			out = append(out, "`"+s+"` → `"+f.Name+"`")
		}
	}
	return out
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

// topFactors are the n strongest positive and negative effects of
// features at least MinFactorLeads training leads have.
func topFactors(all []Factor, n int) (pos, neg []Factor) {
	for _, f := range all {
		if f.Feature.Signal || f.Feature.Count < MinFactorLeads {
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
	if r.New != nil {
		fmt.Fprintf(&b, "%s leads (%s), decided as live leads are: exported config ROC AUC %.3f%s; base config %.3f; model %.3f\n",
			r.evalName(), count(ev.Leads), r.New.AUC, ciText(r.New.AUCLow, r.New.AUCHigh, 3), r.Base.AUC, ev.AUC)
		for k, t := range r.New.TopK {
			fmt.Fprintf(&b, "  top %-4s precision %-6s%s recall %-6s (base config: %s)\n", percent(t.Share), percent(t.Precision),
				pctCI(r.New.PrecisionLow[k], r.New.PrecisionHigh[k]), percent(t.Recall), percent(r.Base.TopK[k].Precision))
		}
		fmt.Fprintf(&b, "  hand-off (hot) %s converting at %s (base config: %s at %s)\n", percent(r.New.Hot.Share), percent(r.New.Hot.Rate),
			percent(r.Base.Hot.Share), percent(r.Base.Hot.Rate))
	}
	fmt.Fprintf(&b, "grades: A ≥ %d, B ≥ %d, C ≥ %d fit points (A: %s of training leads, %s of %s leads converting at %s); %d fit rules, %d engagement signals\n",
		x.Grades[0], x.Grades[1], x.Grades[2], percent(x.Train[0].Share), percent(x.Test[0].Share), r.evalName(),
		percent(x.Test[0].Rate), len(x.Rules), len(x.Engagement))
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

// keptChanged reports whether scaling changed any kept signal's points.
func keptChanged(ks []KeptSignal) bool {
	for _, k := range ks {
		if k.Points != k.Base {
			return true
		}
	}
	return false
}
