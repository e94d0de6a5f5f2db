// Command calibrate learns qualification points from historical outcomes.
//
//	calibrate (-csv leads.csv -mapping mapping.yaml | -leads leads.json | -table TABLE)
//	          [-base config/qualify.yaml] -out qualify.calibrated.yaml -report report.md
//	          [-seed 1] [-holdout 0.3] [-target-rate 0.2 | -target-precision 0.6]
//	          [-l2 1] [-double-points 10] [-force] [-quiet]
//
// It reads leads whose outcome is known from exactly one source: a CSV
// export, as the mapping file describes it (-csv with -mapping); or the
// product's own feedback loop, where the stage sales gave a stored lead is
// its outcome (sal, sql, won: converted; rejected, lost, disqualified: not;
// leads without an outcome yet, and unsubscribed ones, are skipped) —
// either a JSON file of stored leads, a list [{…}, …] or an object
// {"leads": [...]} as the local stack's GET /_local/leads answers
// (-leads), or every lead of a DynamoDB table (-table; AWS_REGION and,
// for DynamoDB Local, DYNAMODB_ENDPOINT from the environment, credentials
// as the SDK finds them). Stored leads need no mapping: their job_title
// (words), company_size and budget (numbers), industry, country, timeline,
// form_type, email domain and answers.<key> (categories) are the fields,
// the kinds of their signals the engagement counts. Then it fits an L2-regularised logistic regression on a
// stratified training split, evaluates it on the holdout (ROC AUC,
// precision and recall of the top 5/10/20/30%, calibration deciles, the
// strongest factors, a leakage check of every column) and writes a
// Markdown report and the base config (default: qualify's embedded one)
// with its fit section replaced by the learned rules and grades. The new
// config is checked with qualify.Parse before anything is written. An
// existing -out or -report is never replaced without -force, and the base
// config (or any input) never. Progress goes to stderr (-quiet drops it;
// warnings stay), the summary to stdout.
//
// The mapping file (see testdata/calibrate/mapping.yaml):
//
//	outcome:
//	  column: Converted                    # required
//	  positive: [yes, won, "1", "true"]    # required; case does not matter
//	  negative: [no, lost, "0", "false"]   # optional: other values are then skipped
//	fields:                                # lead field → column
//	  job_title: Job Title                 # words (default for job_title, message)
//	  company_size: Employees              # number: quantile bins (default for company_size, budget)
//	  industry: {column: Sector, type: category}
//	  email: Email                         # read as email_domain
//	  answers.crm: Current CRM
//	signals:                               # engagement counts: name → column
//	  pricing_page_view: Pricing Page Views
//	exclude: [Lead Status, Sales Notes]    # filled in after the outcome: leakage
//	options: {min_count: 20, max_values: 15, bins: 5, placeholders: [tbd], delimiter: ","}
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
