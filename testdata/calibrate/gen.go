//go:build ignore

// Gen writes leads.csv, a realistic CRM export of 2,000 historical leads
// for trying and testing `calibrate`: outcomes drawn from a known logistic
// model, with the mess real exports have — a byte order mark, CRLF line
// ends, quoted commas and newlines, placeholders, junk numbers, mixed
// case, rare categories, a few broken rows, and columns sales filled in
// after the fact (status, quality, notes) that must be excluded.
//
//	go run ./testdata/calibrate/gen.go > testdata/calibrate/leads.csv
package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
)

const rows = 2000

var rng = rand.New(rand.NewPCG(2026, 4))

func pick[T any](xs ...T) T { return xs[rng.IntN(len(xs))] }

func chance(p float64) bool { return rng.Float64() < p }

type option struct {
	text   string
	effect float64
	weight float64
}

func choose(opts []option) option {
	total := 0.0
	for _, o := range opts {
		total += o.weight
	}
	x := rng.Float64() * total
	for _, o := range opts {
		if x -= o.weight; x < 0 {
			return o
		}
	}
	return opts[len(opts)-1]
}

var (
	seniority = []option{
		{"VP", 1.3, 6}, {"Chief", 1.2, 2}, {"Head of", 1.0, 6}, {"Director", 0.9, 8},
		{"Manager", 0.4, 20}, {"Senior", 0.2, 8}, {"", 0, 25}, {"Assistant", -0.8, 6},
		{"Intern", -1.4, 4}, {"Student", -1.6, 2},
	}
	function = []option{
		{"Marketing", 0.5, 30}, {"Growth", 0.5, 6}, {"Revenue Operations", 0.6, 4}, {"Sales", 0.3, 14},
		{"Demand Generation", 0.5, 4}, {"Engineering", -0.5, 10}, {"IT", -0.2, 8}, {"Finance", -0.1, 5},
		{"Operations", 0, 8}, {"HR", -0.4, 4},
	}
	sizes = []option{
		{"1-10", -0.9, 12}, {"11-50", -0.2, 18}, {"51-200", 0.4, 22}, {"201-500", 0.8, 14},
		{"501-1000", 0.8, 8}, {"1,000+", 0.4, 8}, {"5000+", 0.2, 4}, {"~50", -0.2, 2},
		{"approx 300", 0.8, 1}, {"10", -0.9, 2}, {"abc", 0, 0.5}, {"N/A", -0.3, 3}, {"Select", -0.3, 2}, {"", -0.3, 5},
	}
	industries = []option{
		{"Software", 0.7, 22}, {"software", 0.7, 3}, {"SaaS", 0.8, 10}, {"Fintech", 0.5, 6},
		{"Marketing Services", 0.3, 8}, {"E-commerce", 0.3, 7}, {"Retail", -0.3, 8}, {"Manufacturing", -0.1, 7},
		{"Education", -0.7, 6}, {"Government", -0.8, 4}, {"Healthcare", -0.1, 5}, {"Nonprofit", -0.6, 2},
		{"Mining", 0, 0.3}, {"Aerospace", 0, 0.3}, {"Agriculture", 0, 0.3}, {"Other", -0.2, 3},
		{"-", -0.2, 2}, {"", -0.2, 5},
	}
	countries = []option{
		{"US", 0.3, 34}, {"GB", 0.2, 10}, {"DE", 0.1, 9}, {"CA", 0.2, 6}, {"FR", 0, 5}, {"NL", 0.1, 4},
		{"AU", 0.1, 3}, {"IN", -0.7, 9}, {"BR", -0.4, 5}, {"ES", 0, 3}, {"n/a", -0.2, 2}, {"", -0.2, 6},
	}
	budgets = []option{
		{"$2k", -0.7, 6}, {"< 5k", -0.7, 6}, {"5,000", -0.2, 8}, {"$10k", 0, 10}, {"15000", 0, 5},
		{"€25k", 0.4, 7}, {"$50k", 0.6, 8}, {"50k-100k", 0.6, 4}, {"100k+", 0.9, 4}, {"$250,000", 0.9, 2},
		{"unknown", -0.3, 5}, {"TBD", -0.3, 4}, {"-", -0.3, 3}, {"", -0.3, 22},
	}
	timelines = []option{
		{"This quarter", 0.9, 14}, {"ASAP", 0.9, 4}, {"3-6 months", 0.3, 16}, {"6-12 months", -0.2, 14},
		{"Just researching", -0.9, 16}, {"Please select", -0.2, 6}, {"", -0.2, 14},
	}
	forms = []option{
		{"demo_request", 0.9, 18}, {"contact_sales", 0.7, 10}, {"pricing", 0.5, 6}, {"webinar", 0, 16},
		{"content_download", -0.4, 26}, {"newsletter", -0.9, 18},
	}
	crms = []option{
		{"Salesforce", 0.3, 22}, {"HubSpot", 0.3, 20}, {"Pipedrive", 0, 8}, {"Zoho", -0.1, 5},
		{"Spreadsheet", -0.4, 8}, {"None", -0.4, 8}, {"(blank)", -0.2, 5}, {"", -0.2, 20},
	}
	sources  = []string{"google", "linkedin", "newsletter", "partner", "direct", "g2", "facebook", ""}
	owners   = []string{"Ana Lopez", "Ben Wu", "Sam Reed", "Priya Nair", ""}
	firsts   = []string{"Ann", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lea", "Mo", "Nia", "Olu", "Pia"}
	lasts    = []string{"Lee", "Wu", "Smith", "Garcia", "Müller", "O'Neil", "Khan", "Rossi", "Silva", "Kim", "Novak", "Berg"}
	prefixes = []string{"Acme", "North", "Glo", "Ini", "Umbra", "Stark", "Wayne", "Hoo", "Vande", "Soy", "Tyre", "Won", "Blue", "Red", "Bright", "Clear", "Deep", "Fair", "Green", "High", "Iron", "Key", "Lake", "Mill", "Nova", "Oak", "Pine", "Quick", "River", "Sky"}
	nouns    = []string{"wind", "tech", "labs", "soft", "works", "data", "cloud", "point", "line", "path", "stone", "field", "bridge", "gate", "ware", "logic", "metrics", "scale", "flow", "hub"}
	suffixes = []string{"", "", " Inc.", ", Inc.", " GmbH", " Ltd", ", LLC", " Analytics"}
	personal = []string{"gmail.com", "yahoo.com", "hotmail.com", "outlook.com"}
)

func main() {
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	out.WriteString("\uFEFF")
	w := csv.NewWriter(out)
	w.UseCRLF = true
	header := []string{"Lead ID", "Created", "First Name", "Last Name", "Email", "Company", "Job Title", "Employees",
		"Industry", "Country", "Annual Budget", "Timeline", "Form", "Current CRM", "Pricing Page Views",
		"Webinars Attended", "Email Clicks", "UTM Source", "Lead Owner", "Lead Status", "Sales Notes",
		"Lead Quality (Sales)", "Converted"}
	w.Write(header)
	positives := 0
	for i := 1; i <= rows; i++ {
		z := -3.2
		sen, fn := choose(seniority), choose(function)
		title := strings.TrimSpace(sen.text + " " + fn.text)
		if sen.text == "VP" && chance(0.4) {
			title = pick("VP of ", "VP, ", "Vice President, ") + fn.text
		} else if sen.text == "Chief" {
			title = pick("Chief Marketing Officer", "Chief Revenue Officer", "Chief Executive Officer")
		}
		if chance(0.15) {
			title = strings.ToLower(title)
		}
		if chance(0.03) {
			title = ""
		}
		z += sen.effect + fn.effect
		size, ind, ctry, bud, tl, form, crm := choose(sizes), choose(industries), choose(countries), choose(budgets),
			choose(timelines), choose(forms), choose(crms)
		z += size.effect + ind.effect + ctry.effect + bud.effect + tl.effect + form.effect + crm.effect

		first, last := pick(firsts...), pick(lasts...)
		name := pick(prefixes...) + pick(nouns...)
		company := name + pick(suffixes...)
		domain := strings.ToLower(name) + ".example"
		if chance(0.18) {
			domain = pick(personal...)
			z -= 0.7
		}
		email := strings.ToLower(strings.ReplaceAll(first, " ", "")) + "." + strings.ToLower(strings.ReplaceAll(last, "'", "")) + "@" + domain
		if chance(0.01) {
			email = "not an email"
		}

		views := rng.IntN(3)
		if form.effect > 0.4 {
			views += rng.IntN(6)
		}
		webinars := 0
		if form.text == "webinar" || chance(0.2) {
			webinars = 1 + rng.IntN(3)
		}
		clicks := rng.IntN(7)
		z += 0.45*math.Log1p(float64(views)) + 0.2*float64(webinars) + 0.08*float64(clicks)
		viewsText := fmt.Sprint(views)
		switch {
		case chance(0.03):
			viewsText = ""
		case chance(0.01):
			viewsText = "abc"
		case chance(0.02):
			viewsText = fmt.Sprintf("~%d", views)
		}

		converted := rng.Float64() < 1/(1+math.Exp(-z))
		if converted {
			positives++
		}
		status, quality, notes := "Nurture", pick("C", "D", "Cold"), ""
		if converted {
			status, quality = pick("Closed Won", "Opportunity", "SQL"), pick("A", "Hot")
			if chance(0.5) {
				notes = pick("Great call, sent proposal", "Budget approved, \"fast\" track", "Demo went well,\nfollow up Tue")
			}
		} else {
			status = pick("Nurture", "Closed Lost", "Disqualified", "Unresponsive")
			if chance(0.03) {
				quality = "A" // sales is sometimes wrong
			}
			if chance(0.3) {
				notes = pick("No budget", "Left voicemail, no answer", "Student project", "Not ICP, too small")
			}
		}
		outcome := "No"
		if converted {
			outcome = pick("Yes", "yes", "Won", "1", "TRUE")
		} else {
			outcome = pick("No", "no", "No", "0", "false", "Lost")
		}
		if chance(0.015) {
			outcome = pick("", "open")
		}
		rec := []string{fmt.Sprintf("L%04d", i), fmt.Sprintf("2025-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28)),
			first, last, email, company, title, size.text, ind.text, ctry.text, bud.text, tl.text, form.text, crm.text,
			viewsText, fmt.Sprint(webinars), fmt.Sprint(clicks), pick(sources...), pick(owners...), status, notes,
			quality, outcome}
		switch {
		case i%397 == 0: // a row that lost a cell
			rec = append(rec[:10], rec[11:]...)
		case i%499 == 0: // a row with a stray extra cell
			rec = append(rec, "extra")
		}
		if i%613 == 0 { // a hand-edited cell with a stray quote
			w.Flush()
			line := strings.Join(rec[:5], ",") + `,Acme "the best" Corp,` + strings.Join(rec[6:], ",") + "\r\n"
			out.WriteString(line)
			continue
		}
		w.Write(rec)
	}
	w.Flush()
	fmt.Fprintf(os.Stderr, "%d rows, %d converted\n", rows, positives)
}
