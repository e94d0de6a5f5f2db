package mail_test

import (
	"regexp"
	"testing"
	"time"

	leadmail "github.com/leadflow/leadflow/shared/mail"
)

// TestSalesEmailsWrapLongValuesOnAPhone: an address, a company or a
// name is one unbreakable word to a mail client; on a 375 px phone a
// 100-character address widened the rep's weekly list to 860 px (the Won
// and Lost links off screen), the alert and the asked-again notice to
// 620–800 px, unless the email lets the client break such a word
// anywhere (overflow-wrap is inherited from the body).
func TestSalesEmailsWrapLongValuesOnAPhone(t *testing.T) {
	addr := "alexandra.konstantinopoulou-papadimitriou.procurement@internationalbusinessmachinesconsulting.example"
	company := "InternationalBusinessMachinesConsultingServicesGmbH"
	ol := leadmail.OpenLead{Name: "Alexandra", Email: addr, JobTitle: "CEO", Company: company, Stage: "accepted",
		AcceptedOn: "1 Dec 2026", Days: 4, SQLURL: "https://x.example/s", WonURL: "https://x.example/w", LostURL: "https://x.example/l", Until: "1 Jun 2027"}
	a := hotAlert()
	a.Email, a.Company = addr, company
	render := map[string]func() (string, string, string, error){
		"alert": func() (string, string, string, error) { return leadmail.RenderAlert(a) },
		"open leads": func() (string, string, string, error) {
			return leadmail.RenderOpenLeads(leadmail.OpenLeads{RepName: "Ana", Leads: []leadmail.OpenLead{ol}})
		},
		"reminder": func() (string, string, string, error) {
			return leadmail.RenderReminder(leadmail.Reminder{RepName: "Ana", Lead: ol})
		},
		"asked again": func() (string, string, string, error) {
			return leadmail.RenderAskedAgain(leadmail.AskedAgain{RepName: "Ana", Lead: ol, Status: "You accepted it.",
				Forms: []leadmail.AskedForm{{At: at, Form: "Demo request", Fields: []leadmail.KV{{Key: "Message", Value: company}}}}, Zone: time.UTC})
		},
	}
	body := regexp.MustCompile(`<body[^>]*\bstyle="[^"]*overflow-wrap:anywhere`)
	for name, r := range render {
		_, html, _, err := r()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !body.MatchString(html) {
			t.Errorf("%s: long words in the lead's values do not wrap: the body has no overflow-wrap:anywhere", name)
		}
	}
}
