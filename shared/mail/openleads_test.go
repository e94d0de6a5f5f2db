package mail_test

import (
	"strconv"
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

// TestOpenLeadsOneLeadReadsAsOne: a rep with one open lead got the
// subject "Your open lead: record how it went" over "These leads you
// accepted have no outcome recorded yet": the list speaks of one lead as
// one, on every kind of list.
func TestOpenLeadsOneLeadReadsAsOne(t *testing.T) {
	link := "https://api.example.com/feedback/t"
	one := []leadmail.OpenLead{{Name: "Clara", Stage: "accepted", AcceptedOn: "1 Mar 2031", Days: 3, WonURL: link, LostURL: link}}
	for _, tc := range []struct {
		name string
		o    leadmail.OpenLeads
		want string
	}{
		{"rep", leadmail.OpenLeads{RepName: "Ana", Leads: one}, "This lead you accepted has no outcome recorded yet. One click records it."},
		{"team lead", leadmail.OpenLeads{RepName: "Lea", Leads: one, StandIn: true},
			"This lead was accepted by a rep the routing config no longer lists, and has no outcome recorded yet. It comes to you as the team lead: one click records how it went."},
		{"sales address", leadmail.OpenLeads{Leads: one, StandIn: true, SalesAddress: true},
			"This lead was accepted by a rep the routing config no longer lists, and has no outcome recorded yet. Its team has no team lead, so it comes to the sales address: one click records how it went."},
	} {
		_, html, text, err := leadmail.RenderOpenLeads(tc.o)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, tc.want) || !strings.Contains(html, tc.want) {
			t.Errorf("%s: want %q in both parts:\n%s", tc.name, tc.want, text)
		}
	}
}

// TestOpenLeadsAgeInWords: a lead's age reads as a rep says it — "today",
// "1 day", "9 days" — never "0 days" or "1 days".
func TestOpenLeadsAgeInWords(t *testing.T) {
	link := "https://api.example.com/feedback/t"
	for _, c := range []struct {
		days int
		want string
	}{{0, "(today)"}, {1, "(1 day)"}, {9, "(9 days)"}} {
		one := []leadmail.OpenLead{{Name: "Clara", Stage: "accepted", AcceptedOn: "1 Mar 2031", Days: c.days, WonURL: link, LostURL: link}}
		_, html, text, err := leadmail.RenderOpenLeads(leadmail.OpenLeads{RepName: "Ana", Leads: one})
		if err != nil {
			t.Fatal(err)
		}
		want := "accepted since 1 Mar 2031 " + c.want
		if !strings.Contains(text, want) || !strings.Contains(html, want) {
			t.Errorf("%d days: want %q in\n%s\n%s", c.days, want, text, html)
		}
	}
}

// TestOpenLeadsTellLeadsOfOneNameApart: two open leads with one name (and
// role) read as one lead twice; each then shows its address, which the
// rep who holds them may read. A name alone shows no address.
func TestOpenLeadsTellLeadsOfOneNameApart(t *testing.T) {
	link := "https://api.example.com/feedback/t"
	lead := func(name, email string) leadmail.OpenLead {
		return leadmail.OpenLead{Name: name, Email: email, Company: "Acme", Stage: "accepted", AcceptedOn: "1 Mar 2031", Days: 3, WonURL: link, LostURL: link}
	}
	_, html, text, err := leadmail.RenderOpenLeads(leadmail.OpenLeads{RepName: "Ana", Leads: []leadmail.OpenLead{
		lead("Sam Lee", "sam.lee@acme.example"), lead("Sam Lee", "slee@acme.example"), lead("Kim Ito", "kim@acme.example")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Sam Lee, sam.lee@acme.example", "Sam Lee, slee@acme.example"} {
		if !strings.Contains(text, want) || !strings.Contains(html, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "kim@acme.example") || strings.Contains(html, "kim@acme.example") {
		t.Errorf("a lead whose name no other shares shows its address:\n%s", text)
	}
}

// TestOpenLeadsListIsNeverClipped: fifty leads with the longest names,
// titles and companies a form takes would make the weekly list's HTML
// part several times Gmail's 102 KB, which clips the rest — the later
// leads' outcome links. Names are cut short, then fewer leads listed
// (the rest counted), until the HTML part is under mail.MaxHTMLSize as
// sent; the count in the subject stays the same.
func TestOpenLeadsListIsNeverClipped(t *testing.T) {
	worst := func(n int) string { return string([]rune(strings.Repeat(`"<&漢`, n))[:n]) }
	link := "https://abcdefghij.execute-api.eu-central-1.amazonaws.com/feedback/k1." + strings.Repeat("t", 160)
	o := leadmail.OpenLeads{RepName: "Ana"}
	for range 50 {
		o.Leads = append(o.Leads, leadmail.OpenLead{Name: worst(200), Email: "clara@bigcorp.example", JobTitle: worst(200), Company: worst(200),
			Stage: "accepted", AcceptedOn: "1 Dec 2026", Days: 30, SQLURL: link + "/sql", WonURL: link + "/won", LostURL: link + "/lost", Until: "30 May 2027"})
	}
	subject, html, text, err := leadmail.RenderOpenLeads(o)
	if err != nil {
		t.Fatal(err)
	}
	if n := leadmail.EncodedSize(html); n > leadmail.MaxHTMLSize {
		t.Errorf("the HTML part is %d bytes as sent, want at most %d", n, leadmail.MaxHTMLSize)
	}
	if subject != "Your open leads (50): record how they went" {
		t.Errorf("subject = %q", subject)
	}
	listed := strings.Count(text, "  Won: ")
	if listed < 10 || strings.Count(html, link+"/won") != listed || !strings.Contains(text, "… and "+strconv.Itoa(50-listed)+" more.") && listed < 50 {
		t.Errorf("the list shows %d leads' links (%d in the HTML), and does not count the rest:\n%s", listed, strings.Count(html, link+"/won"), text)
	}
	if !strings.Contains(html, "You get this list each week") {
		t.Error("the HTML part lost its footer")
	}
}

// TestOpenLeadsSayUntilWhenLinksWork: the list showed each lead's signed
// outcome links but not until when they work (each lead's run out when
// its outcome horizon ends), so a rep who clicked one weeks later met an
// error page unwarned. Each lead says until when its links work, in both
// parts, as the reminder and the asked-again notice do.
func TestOpenLeadsSayUntilWhenLinksWork(t *testing.T) {
	link := "https://api.example.com/feedback/t"
	_, html, text, err := leadmail.RenderOpenLeads(leadmail.OpenLeads{RepName: "Ana", Leads: []leadmail.OpenLead{
		{Name: "Clara", Stage: "accepted", AcceptedOn: "1 Mar 2031", Days: 3, SQLURL: link, WonURL: link, LostURL: link, Until: "29 May 2031"},
		{Name: "Dana", Stage: "SQL", AcceptedOn: "2 Feb 2031", Days: 30, WonURL: link, LostURL: link, Until: "3 May 2031"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Links work until 29 May 2031", "Links work until 3 May 2031"} {
		if !strings.Contains(text, want) || !strings.Contains(html, want) {
			t.Errorf("want %q in both parts:\n%s\n%s", want, text, html)
		}
	}
	// Clara's date is hers, not Dana's: it follows her links in the text.
	clara := text[strings.Index(text, "Clara"):strings.Index(text, "Dana")]
	if !strings.Contains(clara, "29 May 2031") || strings.Contains(clara, "3 May 2031") {
		t.Errorf("Clara's entry shows the wrong date:\n%s", clara)
	}
}

// TestOpenLeadsOutcomeLinksAreTapTargets: a rep reads the weekly list on
// a phone, and each lead's outcome links were small inline links a dot
// apart ("SQL · Won · Lost"), where a thumb picks the neighbour: Lost for
// Won. Each is a padded button-like link apart from the next, as the
// alert's are; and fifty ordinary leads still fit the list whole.
func TestOpenLeadsOutcomeLinksAreTapTargets(t *testing.T) {
	link := "https://abcdefghij.execute-api.eu-central-1.amazonaws.com/feedback/k1." + strings.Repeat("t", 160)
	o := leadmail.OpenLeads{RepName: "Ana"}
	for i := range 50 {
		o.Leads = append(o.Leads, leadmail.OpenLead{Name: "Clara Moss " + strconv.Itoa(i), Email: "clara@bigcorp.example", JobTitle: "Head of Marketing",
			Company: "BigCorp Industries", Stage: "accepted", AcceptedOn: "1 Dec 2026", Days: 30,
			SQLURL: link + "/sql" + strconv.Itoa(i), WonURL: link + "/won" + strconv.Itoa(i), LostURL: link + "/lost" + strconv.Itoa(i), Until: "30 May 2027"})
	}
	_, html, text, err := leadmail.RenderOpenLeads(o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, " more.") || strings.Contains(html, "Clara Moss 49") == false {
		t.Errorf("fifty ordinary leads do not fit the list whole (%d bytes as sent)", leadmail.EncodedSize(html))
	}
	for _, u := range []string{link + "/sql7", link + "/won7", link + "/lost7"} {
		i := strings.Index(html, `href="`+u+`"`)
		if i < 0 {
			t.Fatalf("no link %s", u)
		}
		tag := html[i : i+strings.Index(html[i:], ">")]
		for _, want := range []string{"display:inline-block", "padding:8px 14px", "margin:4px"} {
			if !strings.Contains(tag, want) {
				t.Errorf("the link %s is not a tap target (%s): %s", u[len(link):], want, tag)
			}
		}
	}
}
