package mail_test

import (
	"strings"
	"testing"

	leadmail "github.com/leadflow/leadflow/shared/mail"
)

// TestOpenLeadsRoles: each lead line names its role as the alert does,
// "title at company", either alone, or nothing.
func TestOpenLeadsRoles(t *testing.T) {
	link := "https://api.example.com/feedback/t"
	lead := func(name, title, company string) leadmail.OpenLead {
		return leadmail.OpenLead{Name: name, JobTitle: title, Company: company, Stage: "accepted", AcceptedOn: "1 Mar 2031",
			Days: 3, WonURL: link, LostURL: link}
	}
	_, html, text, err := leadmail.RenderOpenLeads(leadmail.OpenLeads{RepName: "Ana", Leads: []leadmail.OpenLead{
		lead("Clara", "CMO", "BigCorp"), lead("Dana", "", "Northwind"), lead("Eli", "VP Sales", ""), lead("Finn", "", "")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Clara (CMO at BigCorp),", "Dana (Northwind),", "Eli (VP Sales),", "Finn, accepted since"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "(at") || strings.Contains(html, ">at<") {
		t.Errorf("a lead without title or company shows a stray \"at\":\n%s", text)
	}
}
