package calibrate

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

const csvMapping = `outcome:
  column: Converted
  positive: [yes, won, "1", "true"]
  negative: [no, lost, "0", "false"]
fields:
  job_title: Job Title
  company_size: Employees
  industry: Industry
  email: Email
signals:
  pricing_page_view: Pricing Views
exclude: [Lead Status, Not There]
`

func mustMapping(t testing.TB, src string) *Mapping {
	t.Helper()
	m, err := ParseMapping([]byte(src), "mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReadCSVCopesWithRealExports(t *testing.T) {
	lines := []string{
		"\uFEFFLead ID,Job Title,Employees,Industry,Email,Pricing Views,Lead Status,Converted", // 1
		`1,VP Marketing,51-200,Software,ann@acme.example,3,Won,Yes`,                            // 2
		`2,"Director, Sales",~50,software,bob@gmail.com,~4,Lost,no`,                            // 3
		`3,Intern,abc,N/A,not an email,abc,Lost,0`,                                             // 4
		`4,"Head of ""Growth""",1000+,Select,c@x.example,,Won,TRUE`,                            // 5
		`5,"Two-line`, // 6
		`title",$50k,(blank),d@y.example,1,Lost,false`,     // 7
		`6,Manager,10,Retail,e@z.example,0,Lost`,           // 8: ragged, 7 cells
		`7,Manager,10,Retail,e@z.example,0,Lost,no,,`,      // 9: trailing empty cells are fine
		`8,Manager,10,Retail,e@z.example,0,Lost,no,oops`,   // 10: ragged, extra cell
		`9,Man"ager,10,Retail,e@z.example,0,Lost,no`,       // 11: bare quote
		`10,CEO,10,Retail,f@z.example,0,Open,open`,         // 12: neither outcome
		`11,CEO,10,Retail,f@z.example,0,Open,`,             // 13: blank outcome
		`,,,,,,,`,                                          // 14: empty row
		`12,CTO,-,Software,g@acme.example,2,Won,won`,       // 15
		`13,"Never closed,10,Retail,h@z.example,0,Lost,no`, // 16…
		`14,CTO,10,Retail,h@z.example,0,Lost,no`,           // 17: swallowed by the open quote
	}
	data := strings.Join(lines, "\r\n") + "\r\n"
	ds, err := ReadCSV(strings.NewReader(data), mustMapping(t, csvMapping), "leads.csv")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Rows != 14 {
		t.Errorf("rows = %d, want 14", ds.Rows)
	}
	if len(ds.Examples) != 7 {
		t.Errorf("examples = %d, want 7", len(ds.Examples))
	}
	wantSkips := []string{
		"line 8: ragged row: 7 cells, the header has 8",
		"line 10: ragged row: 9 cells, the header has 8",
		`line 11: CSV syntax: a " inside a cell that does not start with one (at character 6 of the line)`,
		`line 12: unknown outcome: Converted is "open", neither positive nor negative`,
		"line 13: no outcome: Converted is blank",
		"line 14: empty row",
		"lines 16–17: CSV syntax: a quoted cell is never closed; the lines up to its end could not be read",
	}
	var got []string
	for _, s := range ds.Skipped {
		got = append(got, s.String())
	}
	if strings.Join(got, "\n") != strings.Join(wantSkips, "\n") {
		t.Errorf("skipped:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantSkips, "\n"))
	}

	byLine := map[int]Example{}
	for _, e := range ds.Examples {
		byLine[e.Line] = e
	}
	checks := []struct {
		line   int
		field  string
		want   string
		signal float64
		pos    bool
	}{
		{2, "job_title", "VP Marketing", 3, true},
		{2, "email_domain", "acme.example", 3, true},
		{3, "job_title", "Director, Sales", 4, false},
		{3, "company_size", "~50", 4, false},
		{4, "industry", "", 0, false},     // N/A
		{4, "email_domain", "", 0, false}, // not an address
		{4, "company_size", "abc", 0, false},
		{5, "job_title", `Head of "Growth"`, 0, true},
		{5, "industry", "", 0, true}, // Select
		{6, "job_title", "Two-line\ntitle", 1, false},
		{6, "industry", "", 1, false}, // (blank)
		{9, "job_title", "Manager", 0, false},
		{15, "company_size", "", 2, true}, // -
	}
	for _, c := range checks {
		e, ok := byLine[c.line]
		if !ok {
			t.Errorf("no example from line %d", c.line)
			continue
		}
		if e.Fields[c.field] != c.want || e.Signals["pricing_page_view"] != c.signal || e.Positive != c.pos {
			t.Errorf("line %d: %s = %q, signal %v, positive %v; want %q, %v, %v", c.line, c.field, e.Fields[c.field],
				e.Signals["pricing_page_view"], e.Positive, c.want, c.signal, c.pos)
		}
	}
	if fmt.Sprint(ds.Excluded, ds.ExcludedMissing, ds.Unused) != "[Lead Status] [Not There] [Lead ID]" {
		t.Errorf("excluded %v, missing %v, unused %v", ds.Excluded, ds.ExcludedMissing, ds.Unused)
	}
	q := ds.Quality
	if q[1].Column != "Employees" || q[1].Junk != 1 || q[1].Placeholders != 1 {
		t.Errorf("Employees quality: %+v", q[1])
	}
	if q[2].Placeholders != 3 {
		t.Errorf("Industry quality: %+v", q[2])
	}
	if q[4].Junk != 1 || q[4].Blank != 1 {
		t.Errorf("Pricing Views quality: %+v", q[4])
	}
}

func TestReadCSVSemicolonsAndNoNegativeList(t *testing.T) {
	m := mustMapping(t, "outcome: {column: won, positive: [x]}\nfields: {industry: ind}\n")
	ds, err := ReadCSV(strings.NewReader("ind;won\nSoftware;x\nRetail;\nRetail;nope\n"), m, "l.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Examples) != 3 || !ds.Examples[0].Positive || ds.Examples[1].Positive || ds.Examples[2].Positive || len(ds.Skipped) != 0 {
		t.Errorf("examples %+v, skipped %v", ds.Examples, ds.Skipped)
	}
}

func TestReadCSVUnrecoverable(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		mapping string
		want    []string
		mapErr  bool
	}{
		{"empty file", "", csvMapping, []string{"leads.csv: empty file"}, false},
		{"missing outcome column", "Job Title,Employees,Industry,Email,Pricing Views\nCEO,10,x,a@b.example,1\n", csvMapping,
			[]string{`mapping.yaml:2: outcome column "Converted" is not in the header of leads.csv`}, true},
		{"misspelt column", "Job Titel,Employees,Industry,Email,Pricing Views,Converted\n", csvMapping,
			[]string{`mapping.yaml:6: job_title column "Job Title" is not in the header of leads.csv (did you mean "Job Titel"?)`}, true},
		{"two missing columns", "Job Title,Industry,Email,Converted\n", csvMapping,
			[]string{`mapping.yaml:7: company_size column "Employees"`, `mapping.yaml:11: signal pricing_page_view column "Pricing Views"`}, true},
		{"ambiguous column", "Job Title,Employees,Industry,Email,Pricing Views,Converted,Industry\n", csvMapping,
			[]string{`mapping.yaml:8: industry column "Industry" appears 2 times in the header of leads.csv (columns 3, 7)`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tt.csv), mustMapping(t, tt.mapping), "leads.csv")
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrMapping) != tt.mapErr {
				t.Errorf("errors.Is(err, ErrMapping) = %v", !tt.mapErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestReadSampleCSV(t *testing.T) {
	data, err := os.ReadFile("../../testdata/calibrate/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := mustMapping(t, string(data))
	f, err := os.Open("../../testdata/calibrate/leads.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ds, err := ReadCSV(f, m, "leads.csv")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Rows != 2000 || len(ds.Examples) < 1900 || len(ds.Skipped) == 0 {
		t.Errorf("rows %d, examples %d, skipped %d", ds.Rows, len(ds.Examples), len(ds.Skipped))
	}
}

// FuzzReadCSV feeds ReadCSV arbitrary bytes: it must never panic, and every
// row is either an example or a skip with a line number.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("Job Title,Employees,Industry,Email,Pricing Views,Lead Status,Converted\r\nCEO,10,x,a@b.example,1,Won,yes\r\n"))
	f.Add([]byte("\uFEFFJob Title,Employees,Industry,Email,Pricing Views,Converted\n\"a,b\",\"1,000+\",N/A,,~3,no\n"))
	f.Add([]byte("Job Title,Employees,Industry,Email,Pricing Views,Converted\nx,\"open quote,1,2,3,yes\n"))
	f.Add([]byte("Job Title,Employees,Industry,Email,Pricing Views,Converted\nx\"y,1,2,3,4,yes\n,,,,,\nshort,row\n"))
	f.Add([]byte("Job Title;Employees;Industry;Email;Pricing Views;Converted\nx;1;2;3;4;yes\n"))
	f.Add([]byte("Converted\n"))
	f.Add([]byte(""))
	f.Add([]byte("\"\n"))
	m := mustMapping(f, csvMapping)
	f.Fuzz(func(t *testing.T, data []byte) {
		ds, err := ReadCSV(strings.NewReader(string(data)), m, "fuzz.csv")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(ds.Examples)+len(ds.Skipped) != ds.Rows {
			t.Fatalf("%d rows but %d examples and %d skipped", ds.Rows, len(ds.Examples), len(ds.Skipped))
		}
		for _, s := range ds.Skipped {
			if s.Line < 1 {
				t.Fatalf("skip without a line: %+v", s)
			}
		}
	})
}

// TestReadCSVWindows1252: Excel's "CSV" on Windows writes Windows-1252.
// Its accented values are read as the characters they are — the way a
// live lead's form sends them — not as U+FFFD, which no lead ever
// matches; a header in it still resolves, and the dataset says how many
// cells it recoded. UTF-8 cells are left alone.
func TestReadCSVWindows1252(t *testing.T) {
	data := "Job Title,Employees,Industr\xeda,Email,Pricing Views,Lead Status,Converted\r\n" +
		"Directora Marketing,10,Ma\xf1ufactura,ana@acme.example,1,Won,S\xed\r\n" +
		"Gesch\xe4ftsf\xfchrer,10,Software,bo@acme.example,0,Lost,no\r\n" +
		"Müller GmbH CEO,10,Logística,cy@acme.example,0,Lost,no\r\n"
	m := mustMapping(t, strings.NewReplacer("industry: Industry", "industry: Industría", `positive: [yes,`, `positive: [sí, yes,`).Replace(csvMapping))
	ds, err := ReadCSV(strings.NewReader(data), m, "leads.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Examples) != 3 || !ds.Examples[0].Positive {
		t.Fatalf("examples: %+v", ds.Examples)
	}
	want := []map[string]string{
		{"industry": "Mañufactura", "job_title": "Directora Marketing"},
		{"industry": "Software", "job_title": "Geschäftsführer"},
		{"industry": "Logística", "job_title": "Müller GmbH CEO"},
	}
	for i, w := range want {
		for k, v := range w {
			if got := ds.Examples[i].Fields[k]; got != v {
				t.Errorf("row %d %s = %q, want %q", i+1, k, got, v)
			}
		}
	}
	if ds.NotUTF8 != 4 {
		t.Errorf("NotUTF8 = %d, want 4", ds.NotUTF8)
	}
}

// An outcome list that matches nothing in the file is refused with the
// values the column does hold, so the fix is in the message.
func TestNoConversionsNamesTheOutcomeValues(t *testing.T) {
	m := mustMapping(t, `outcome:
  column: Converted
  positive: ["1"]
fields:
  industry: Industry
`)
	var b strings.Builder
	b.WriteString("Industry,Converted\n")
	for i := range 300 {
		fmt.Fprintf(&b, "Software,%s\n", map[bool]string{true: "Yes", false: "No"}[i%3 == 0])
	}
	ds, err := ReadCSV(strings.NewReader(b.String()), m, "leads.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(ds, Options{Holdout: 0.3, Seed: 1})
	if !errors.Is(err, ErrData) || !strings.Contains(err.Error(), `the outcome column holds "No" ×200 read negative, "Yes" ×100 read negative`) {
		t.Errorf("got %v", err)
	}
}

// TestReadCSVDotThousands: a German or French Excel writes 30000 as
// "30.000" (and 1234,5 as "1.234,5"); read as qualify reads a form's
// answer that is 30, and every learned bin would be a thousand times too
// low for live leads. A column whose numbers all group thousands with
// dots is read that way; one with a dot decimal anywhere ("1.5M", "2.75")
// is left as written.
func TestReadCSVDotThousands(t *testing.T) {
	tests := []struct {
		name     string
		cells    []string // Employees, one per row
		want     []string // as the examples hold them
		warnWant bool
	}{
		{"dots group thousands", []string{"30.000", "1.200.000 €", "500", "1.234,5", "12,5", ""},
			[]string{"30000", "1200000 €", "500", "1234.5", "12.5", ""}, true},
		{"a dot decimal elsewhere: as written", []string{"30.000", "1.5M", "500"}, []string{"30.000", "1.5M", "500"}, false},
		{"commas group thousands: as written", []string{"30,000", "1.200", "500"}, []string{"30,000", "1.200", "500"}, false},
		{"no dots: as written", []string{"51-200", "500", "~40"}, []string{"51-200", "500", "~40"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("Employees;Deal;Converted\n")
			for i, c := range tt.cells {
				fmt.Fprintf(&b, "%s;%s;%s\n", c, map[bool]string{true: "1.500,00 €", false: ""}[i == 0], "yes")
			}
			m := mustMapping(t, "outcome: {column: Converted, positive: [yes], value: Deal}\nfields: {company_size: Employees}\n")
			ds, err := ReadCSV(strings.NewReader(b.String()), m, "l.csv")
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tt.want {
				if got := ds.Examples[i].Fields["company_size"]; got != w {
					t.Errorf("row %d: %q, want %q", i+1, got, w)
				}
			}
			if got := ds.DotThousands; slices.Contains(got, "Employees") != tt.warnWant {
				t.Errorf("DotThousands = %q", got)
			}
			if tt.warnWant && ds.Examples[0].Value != 1500 {
				t.Errorf("deal value %v, want 1500", ds.Examples[0].Value)
			}
		})
	}
}

// TestReadCSVDuplicateRows: a lead exported twice (every cell the same,
// its id included) counts once — twice, it weighs double and can sit in
// both training and holdout. Without a column that tells leads apart,
// identical rows are different leads that answered alike, and all count.
func TestReadCSVDuplicateRows(t *testing.T) {
	m := mustMapping(t, "outcome: {column: Converted, positive: [yes]}\nfields: {industry: Industry}\n")
	withID := "Lead ID,Industry,Converted\nL1,Software,yes\nL2,Retail,no\nL1,Software,yes\n"
	for i := 3; i <= 12; i++ {
		withID += fmt.Sprintf("L%d,Retail,no\n", i)
	}
	withID += "L2,Retail,no\nL5,Retail,no\n"
	ds, err := ReadCSV(strings.NewReader(withID), m, "l.csv")
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, s := range ds.Skipped {
		skipped = append(skipped, s.String())
	}
	want := []string{"line 4: duplicate row: the same cells as line 2", "line 15: duplicate row: the same cells as line 3",
		"line 16: duplicate row: the same cells as line 7"}
	if len(ds.Examples) != 12 || !slices.Equal(skipped, want) || ds.Rows != 15 {
		t.Errorf("%d examples of %d rows, skipped %q; want 12 and %q", len(ds.Examples), ds.Rows, skipped, want)
	}

	noID := "Industry,Size,Converted\n" // 12 kinds of lead, each in 2 or 3 rows
	for i := range 30 {
		noID += fmt.Sprintf("%s,%d,%s\n", []string{"Software", "Retail", "Health"}[i%3], i%4, []string{"yes", "no"}[i%2])
	}
	ds, err = ReadCSV(strings.NewReader(noID), m, "l.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Examples) != 30 || len(ds.Skipped) != 0 {
		t.Errorf("without an id column: %d examples, skipped %v", len(ds.Examples), ds.Skipped)
	}
}
