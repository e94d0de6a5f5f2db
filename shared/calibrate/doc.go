// Package calibrate learns qualification points from historical outcomes.
//
// Marketers rarely know how many points a job title or a company size is
// worth; the leads that did or did not convert do. This package reads such
// leads — a CSV export described by a small mapping file, or the product's
// own feedback loop (DatasetFromLeads) — turns each lead field into
// readable features (one-hot categories, quantile bins of numbers, words of
// a job title), fits an L2-regularised logistic regression, evaluates it on
// a held-out split (ROC AUC, precision and recall of the top K%, a
// calibration table, a leakage check), and exports the weights as the fit
// section of a qualification config that qualify.Parse accepts: one `in`,
// `range` or `regex` rule per feature value, with grades cut so that
// grade A holds the share of leads sales can take.
//
// Everything is pure Go and deterministic given a seed; the package imports
// no AWS code.
package calibrate
