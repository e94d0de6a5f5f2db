// Package calibrate learns qualification points from historical outcomes,
// and back-tests qualification configs on them.
//
// Marketers rarely know how many points a job title or a company size is
// worth; the leads that did or did not convert do. This package reads such
// leads — a CSV export described by a small mapping file, or the product's
// own feedback loop (DatasetFromLeads) — and, on a seeded, stratified
// training split:
//
//   - screens every column: one that looks filled in after the outcome was
//     known (it alone predicts the outcome too well, its values read like
//     sales outcomes, or whether it is given depends on the outcome) or
//     that is nearly constant is left out unless the mapping keeps it;
//   - turns each field into readable features (one-hot categories, quantile
//     bins of numbers — how many chosen by cross-validation — words of a job
//     title, engagement signals per event) and fits an L2-regularised
//     logistic regression;
//   - exports the base config with its fit section (one net rule per value),
//     the engagement points of the signals in the data and hot / warm
//     thresholds for a target hand-off rate, checked with qualify.Parse;
//   - back-tests the base config and the export on the holdout with
//     qualify's own Evaluate, as live leads would be decided (disqualifiers
//     first, sales-filled columns blank): ROC AUC and top-K precision with
//     bootstrap intervals, grade mix, hand-off rate, what each disqualifier
//     removes. Evaluate does the same for any configs.
//
// Everything is pure Go and deterministic given a seed; the package imports
// no AWS code.
package calibrate
