package mail_test

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/bidi"

	leadmail "github.com/leadflow/leadflow/shared/mail"
)

// firstStrongIsLTR reports whether a line's first strong character is
// left to right (an LRM counts: it is one), which is how a mail client
// or a plain-text viewer picks the line's direction (Unicode bidi P2).
// A line with no strong character has none to pick.
func firstStrongIsLTR(line string) bool {
	for _, r := range line {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return true
		case bidi.R, bidi.AL:
			return false
		}
	}
	return true
}

// TestLinesStartingWithARightToLeftNameReadLeftToRight: a subject or a
// text line that starts with the lead's name is laid out in the name's
// direction. "דנה כהן (CEO at חברה), accepted since 9 Dec 2026 (5 days)"
// then reads right to left, its English words and dates in reverse
// order: the weekly list's text line per lead, and the asked-again
// subject ("محمد علي (شركة) asked again — Demo request"). Each starts
// with a left-to-right mark, as the nurture subjects do; the name itself
// is unchanged.
func TestLinesStartingWithARightToLeftNameReadLeftToRight(t *testing.T) {
	link := "https://api.example.com/feedback/t"
	for _, name := range []string{"דנה כהן", "محمد علي", "Clara Moss"} {
		ol := leadmail.OpenLead{Name: name, Email: "x@corp.example", JobTitle: "CEO", Company: "חברה בע״מ", Stage: "accepted",
			AcceptedOn: "9 Dec 2026", Days: 5, SQLURL: link + "/s", WonURL: link + "/w", LostURL: link + "/l", Until: "1 Jun 2027"}
		_, _, text, err := leadmail.RenderOpenLeads(leadmail.OpenLeads{RepName: "Ana", Leads: []leadmail.OpenLead{ol}})
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(text, "\n") {
			if !firstStrongIsLTR(line) {
				t.Errorf("%s: the weekly list's text line reads right to left: %q", name, line)
			}
		}
		if !strings.Contains(text, name+" (CEO at חברה בע״מ), accepted since 9 Dec 2026") {
			t.Errorf("%s: the line no longer names the lead as given:\n%s", name, text)
		}
		for _, won := range []bool{false, true} {
			subject, _, _, err := leadmail.RenderAskedAgain(leadmail.AskedAgain{RepName: "Ana", Lead: ol, Status: "You accepted it.", Won: won,
				Forms: []leadmail.AskedForm{{At: time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC), Form: "Demo request"}}})
			if err != nil {
				t.Fatal(err)
			}
			if !firstStrongIsLTR(subject) || !strings.Contains(subject, name+" (חברה בע״מ) asked again — Demo request") {
				t.Errorf("%s (won %v): the asked-again subject reads right to left or lost the name: %q", name, won, subject)
			}
		}
	}
}

// TestAlertRoleLineReadsLeftToRight: the alert's text part puts the
// lead's role on a line of its own, "مدير التسويق at Acme GmbH", which a
// plain-text reader laid out right to left ("Acme GmbH at" first).
func TestAlertRoleLineReadsLeftToRight(t *testing.T) {
	a := hotAlert()
	a.JobTitle = "مدير التسويق"
	_, _, text, err := leadmail.RenderAlert(a)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "مدير التسويق at Acme GmbH") {
			found = true
			if !firstStrongIsLTR(line) {
				t.Errorf("the role line reads right to left: %q", line)
			}
		}
	}
	if !found {
		t.Errorf("no role line:\n%s", text)
	}
}
