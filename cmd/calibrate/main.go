// Command calibrate learns qualification points from historical outcomes,
// and back-tests qualification configs on them.
//
//	calibrate (-csv leads.csv -mapping mapping.yaml | -leads leads.json | -table TABLE)
//	          [-base config/qualify.yaml] -out out/qualify.calibrated.yaml -report out/calibration.md
//	          [-seed 1] [-holdout 0.3] [-target-rate 0.2 | -target-precision 0.6] [-handoff-rate 0.2]
//	          [-l2 1] [-double-points 10] [-bootstrap 200] [-force] [-quiet]
//	calibrate -evaluate a.yaml[,b.yaml…] (-csv … -mapping … | -leads … | -table …)
//	          [-report backtest.md] [-holdout 0.3 -seed 1] [-bootstrap 200]
//
// It reads leads whose outcome is known from exactly one source: a CSV
// export, as the mapping file describes it (-csv with -mapping); or the
// product's own feedback loop — either a JSON file of stored leads, a list
// [{…}, …] or an object {"leads": [...]} as the local stack's GET
// /_local/leads answers (-leads), or every lead of a DynamoDB table
// (-table; AWS_REGION and, for DynamoDB Local, DYNAMODB_ENDPOINT from the
// environment, credentials as the SDK finds them). A stored lead accepted
// (sal), qualified (sql) or won by sales is a conversion; lost, rejected
// or sent back to nurturing is not; one without an answer from sales,
// one the config's own disqualifiers rejected and an unsubscribed one are
// skipped. Won deals carry their value; engagement counts until sales got
// the lead. Stored leads need no mapping: their job_title (words),
// company_size and budget (numbers), industry, country, timeline,
// form_type, email domain and answers.<key> (categories) are the fields,
// the kinds of their signals the engagement counts.
//
// Calibrating, it splits the leads (stratified, seeded), screens every
// column on the training part (a column filled in after the outcome is
// flagged and left out, a nearly constant one dropped, unless the mapping
// keeps it), fits an L2-regularised logistic regression (bins of numbers
// chosen by cross-validation), and writes the base config (default:
// qualify's embedded one) with its fit rules, grades, engagement points and
// thresholds learned, and a Markdown report: the base config and the
// export back-tested side by side on the holdout as live leads would be
// decided (ROC AUC and top 5–30% precision with bootstrap intervals, grade
// mix, hand-off rate, what each disqualifier removes), the screening, the
// strongest factors, the rules. The new config is checked with
// qualify.Parse before anything is written. Below 200 labelled leads or 30
// of either outcome no config is written without -force. An existing -out
// or -report is never replaced without -force, and the base config (or any
// input) never; directories are created. Progress goes to stderr (-quiet
// drops it; warnings stay), the summary to stdout.
//
// With -evaluate it calibrates nothing: it decides the labelled leads (or,
// with -holdout, the holdout a calibration with the same -seed evaluates
// on) with each config through qualify, columns flagged as filled in after
// the outcome blank, and prints the back-test table (to -report as well).
//
// The mapping file (see testdata/calibrate/mapping.yaml):
//
//	outcome:
//	  column: Converted                    # required
//	  positive: [yes, won, "1", "true"]    # required; case does not matter
//	  negative: [no, lost, "0", "false"]   # optional: other values are then skipped
//	  value: Deal Amount                   # optional: deal values, summed per grade
//	fields:                                # lead field → column
//	  job_title: Job Title                 # words (default for job_title, message)
//	  company_size: Employees              # number: quantile bins (default for company_size, budget)
//	  industry: {column: Sector, type: category}
//	  email: Email                         # read as email_domain
//	  answers.crm: Current CRM
//	signals:                               # engagement counts: signal kind → column
//	  pricing_page_view: Pricing Page Views
//	  time_on_site: Seconds On Site        # not a kind qualify scores: learned as answers.time_on_site
//	exclude: [Lead Status, Sales Notes]    # filled in after the outcome: leakage
//	keep: [Current CRM]                    # used whatever the screening finds
//	options: {min_count: 20, max_values: 15, bins: 10, placeholders: [tbd], delimiter: ","}
//
// Errors in it, and columns it names that the CSV lacks, are reported as
// mapping.yaml:LINE: message. Rows the CSV cannot give (ragged, broken
// quotes, no outcome) are skipped and listed with their line numbers.
package main

import (
	"os"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}
