package calibrate

import (
	"errors"
	"os"
	"strings"
	"testing"
)

const sampleMapping = `outcome:
  column: Converted
  positive: [yes, won, "1", "true"]
fields:
  job_title: Job Title
  company_size: {column: Employees, type: number}
  industry: Industry
  email: Email
  answers.crm: {column: CRM, type: category}
signals:
  pricing_page_view: Pricing Views
exclude: [Lead Status, Sales Notes]
options:
  min_count: 5
  max_values: 10
  bins: 4
  placeholders: [no idea]
  delimiter: ";"
`

func TestParseMapping(t *testing.T) {
	m, err := ParseMapping([]byte(sampleMapping), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m.Outcome.Column.Name != "Converted" || m.Outcome.Column.Line != 2 || len(m.Outcome.Positive) != 4 {
		t.Errorf("outcome: %+v", m.Outcome)
	}
	want := []struct {
		name, column string
		kind         Kind
		fromEmail    bool
	}{
		{"job_title", "Job Title", KindWords, false},
		{"company_size", "Employees", KindNumber, false},
		{"industry", "Industry", KindCategory, false},
		{"email_domain", "Email", KindCategory, true},
		{"answers.crm", "CRM", KindCategory, false},
	}
	if len(m.Fields) != len(want) {
		t.Fatalf("fields: %+v", m.Fields)
	}
	for i, w := range want {
		f := m.Fields[i]
		if f.Name != w.name || f.Column.Name != w.column || f.Kind != w.kind || f.FromEmail != w.fromEmail {
			t.Errorf("field %d: %+v, want %+v", i, f, w)
		}
	}
	if len(m.Signals) != 1 || m.Signals[0].Name != "pricing_page_view" || len(m.Exclude) != 2 {
		t.Errorf("signals %+v exclude %+v", m.Signals, m.Exclude)
	}
	o := m.Options
	if o.MinCount != 5 || o.MaxValues != 10 || o.Bins != 4 || o.Delimiter != ';' || len(o.Placeholders) != 1 {
		t.Errorf("options: %+v", o)
	}
}

func TestSampleMappingParses(t *testing.T) {
	data, err := os.ReadFile("../../testdata/calibrate/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseMapping(data, "mapping.yaml"); err != nil {
		t.Fatal(err)
	}
}

func TestMappingErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // each a line of the error
	}{
		{"empty", "", []string{"m.yaml:1: empty mapping"}},
		{"syntax", "outcome: [\n", []string{"m.yaml:2: YAML syntax"}},
		{"missing outcome", "fields: {industry: Industry}\n", []string{"m.yaml:1: missing outcome"}},
		{"unknown top-level key", "outcom: {column: C, positive: [yes]}\nfields: {industry: I}\n",
			[]string{`m.yaml:1: unknown field "outcom" (did you mean "outcome"?)`}},
		{"unknown lead field", "outcome: {column: C, positive: [yes]}\nfields:\n  industri: I\n",
			[]string{`m.yaml:3: unknown lead field "industri" (did you mean "industry"?)`}},
		{"bad type", "outcome: {column: C, positive: [yes]}\nfields:\n  budget: {column: B, type: numbr}\n",
			[]string{`m.yaml:3: fields.budget.type: unknown type "numbr" (did you mean "number"?)`}},
		{"no positive values", "outcome: {column: C, positive: }\nfields: {industry: I}\n",
			[]string{"m.yaml:1: outcome.positive: list the values"}},
		{"an empty list of positive values", "outcome:\n  column: C\n  positive: []\nfields: {industry: I}\n",
			[]string{"m.yaml:3: outcome.positive: list the values"}},
		{"value both positive and negative", "outcome: {column: C, positive: [yes], negative: [no, YES]}\nfields: {industry: I}\n",
			[]string{`m.yaml:1: outcome.negative: "YES" is also listed as positive`}},
		{"nothing to learn", "outcome: {column: C, positive: [yes]}\n", []string{"m.yaml:1: nothing to learn from"}},
		{"outcome used as a field", "outcome:\n  column: Converted\n  positive: [yes]\nfields:\n  industry: Converted\n",
			[]string{`m.yaml:5: column "Converted" is used twice: as the outcome (line 2) and as field industry`}},
		{"used and excluded", "outcome: {column: C, positive: [yes]}\nfields:\n  industry: I\nexclude:\n  - I\n",
			[]string{`m.yaml:5: column "I" is used twice: as field industry (line 3) and as an excluded column`}},
		{"email and email_domain", "outcome: {column: C, positive: [yes]}\nfields:\n  email: E\n  email_domain: D\n",
			[]string{"m.yaml:4: fields.email_domain: field email_domain is mapped twice"}},
		{"bad signal name", "outcome: {column: C, positive: [yes]}\nsignals:\n  Pricing Views: P\n",
			[]string{`m.yaml:3: signal name "Pricing Views" must be`}},
		{"bad options", "outcome: {column: C, positive: [yes]}\nfields: {industry: I}\noptions:\n  bins: 1\n  min_count: x\n  delimiter: ':'\n",
			[]string{"m.yaml:4: options.bins: expected a whole number from 2 to 20", `m.yaml:5: options.min_count: expected a number, got "x"`,
				"m.yaml:6: options.delimiter: use one of"}},
		{"bad answer key", "outcome: {column: C, positive: [yes]}\nfields:\n  answers.Team Size: T\n",
			[]string{`m.yaml:3: unknown lead field "answers.Team Size"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMapping([]byte(tt.yaml), "m.yaml")
			if !errors.Is(err, ErrMapping) {
				t.Fatalf("err = %v, want ErrMapping", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
		})
	}
}

// FuzzParseMapping: any bytes give a mapping or problems that each name the
// file — never a panic.
func FuzzParseMapping(f *testing.F) {
	f.Add([]byte(sampleMapping))
	f.Add([]byte(csvMapping))
	f.Add([]byte("outcome: {column: C, positive: [yes]}\nfields: {industry: I}\n"))
	f.Add([]byte("outcome: &a {column: *a}\n"))
	f.Add([]byte("- [\n\t"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMapping(data, "fuzz.yaml")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.yaml") {
					t.Fatalf("problem without file: %q", line)
				}
			}
			return
		}
		if m.Outcome.Column.Name == "" || len(m.Outcome.Positive) == 0 || len(m.Fields)+len(m.Signals) == 0 {
			t.Fatalf("accepted an incomplete mapping: %+v", m)
		}
	})
}
