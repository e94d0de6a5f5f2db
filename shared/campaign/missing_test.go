package campaign

import (
	"fmt"
	"strings"
	"testing"
)

// TestMissing: what a post leaves empty of the form's required fields and
// questions, by the capture API's names, in form order.
func TestMissing(t *testing.T) {
	c := mustParse(t, strings.Replace(full, "required: [email, company]", "required: [email, company, company_size, crm]", 1))
	tests := []struct {
		name            string
		fields, answers map[string]string
		want            []string
	}{
		{"nothing", nil, nil, []string{"email", "company", "company_size", "answers.crm"}},
		{"everything", map[string]string{"email": "a@b.example", "company": "Acme", "company_size": "1-10"}, map[string]string{"crm": "Other"}, nil},
		{"spaces are empty", map[string]string{"email": "a@b.example", "company": "  ", "company_size": "\t"}, map[string]string{"crm": " "},
			[]string{"company", "company_size", "answers.crm"}},
		{"an answer posted as a field is not the answer", map[string]string{"email": "a@b.example", "company": "Acme", "company_size": "1-10", "crm": "Other"}, nil,
			[]string{"answers.crm"}},
		{"a standard field posted as an answer is not the field", map[string]string{"email": "a@b.example", "company": "Acme"}, map[string]string{"company_size": "1-10", "crm": "Other"},
			[]string{"company_size"}},
		{"optional ones may be empty", map[string]string{"email": "a@b.example", "company": "Acme", "company_size": "1-10", "name": ""}, map[string]string{"crm": "Other", "timeline": ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Missing(tt.fields, tt.answers); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Missing = %v, want %v", got, tt.want)
			}
		})
	}
	// Only email is required by default.
	if got := mustParse(t, strings.Replace(full, "  required: [email, company]\n", "", 1)).Missing(nil, nil); fmt.Sprint(got) != "[email]" {
		t.Errorf("without form.required: %v", got)
	}
}
