package app_test

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/local/testenv"
	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/links"
	"github.com/leadflow/leadflow/shared/store"
	"github.com/leadflow/leadflow/shared/token"
)

// TestAlertPagesPutTheAnswerFirst: a rep triages from a phone. Each page
// behind the alert's links — accept, reject, the accepted page, won —
// shows who the lead is (name, role and company, grade) and then the
// button (or the outcome links) before the lead's full context (answers,
// source), and is readable by a screen reader: one main landmark with
// the page's h1, headings in order, every field labelled, a language.
// The browser walk (make browser) checks the same page's Accept button
// sits within a 390×844 phone's first screen.
func TestAlertPagesPutTheAnswerFirst(t *testing.T) {
	a := newAlerted(t, "triage")
	keys, _ := token.ParseKeys(testKeys)
	text := a.alert[0].Text
	accept := answerLink(t, keys, text, a.id, links.ActionAccept, a.clock.now())
	reject := answerLink(t, keys, text, a.id, links.ActionReject, a.clock.now())

	// answerFirst checks that the summary (the lead's name, company and
	// grade) and then the answer (at) come before the full context.
	answerFirst := func(name, body, answer string) {
		t.Helper()
		page := html.UnescapeString(body)
		where := func(s string) int {
			i := strings.Index(page, s)
			if i < 0 {
				t.Fatalf("%s: no %q on the page:\n%s", name, s, body)
			}
			return i
		}
		who, company, grade := where("Clara Moss"), where("BigCorp <b>Inc</b>"), where("Grade A")
		at, context := where(answer), where("What they told us")
		if !(who < at && company < at && grade < at && at < context) {
			t.Errorf("%s: name at %d, company at %d, grade at %d, %q at %d, the lead's answers at %d: want who the lead is, then the answer, then the context\n%s",
				name, who, company, grade, answer, at, context, body)
		}
		if p := httpapitest.AccessibilityProblems(body); len(p) > 0 {
			t.Errorf("%s: %q", name, p)
		}
	}
	for _, tc := range []struct{ name, tok, answer string }{
		{"accept page", accept, `<button type="submit">Accept</button>`},
		{"reject page", reject, `>Reject</button>`},
	} {
		code, body := a.call("feedback-page.json", tc.tok)
		if code != 200 {
			t.Fatalf("%s: %d\n%s", tc.name, code, body)
		}
		answerFirst(tc.name, body, tc.answer)
	}
	code, body := a.call("feedback-answer.json", accept)
	if code != 200 || !strings.Contains(body, "you accepted this lead") {
		t.Fatalf("accept: %d\n%s", code, body)
	}
	answerFirst("accepted page", body, `class="btn"`)
	won := regexp.MustCompile(`class="btn" href="([A-Za-z0-9_.-]+)">Won<`).FindStringSubmatch(body)
	if won == nil {
		t.Fatalf("the accepted page offers no Won link:\n%s", body)
	}
	code, body = a.call("feedback-page.json", won[1])
	if code != 200 {
		t.Fatalf("won page: %d\n%s", code, body)
	}
	answerFirst("won page", body, `<label for="amount">`)
}

// TestDamagedAlertLinkSaysWhatToDo: an alert link cut short by an email
// app, with a character lost, changed or glued on, or cut at a dot, is
// refused (403) on GET and POST with a page that says what happened and
// what to do next, shows nothing of the lead (name, company, address,
// id), reads well with a screen reader, and changes nothing.
func TestDamagedAlertLinkSaysWhatToDo(t *testing.T) {
	a := newAlerted(t, "damaged")
	keys, _ := token.ParseKeys(testKeys)
	accept := answerLink(t, keys, a.alert[0].Text, a.id, links.ActionAccept, a.clock.now())
	st := store.New(testenv.Clients(t).DynamoDB, a.table)
	before, err := st.Lead(context.Background(), a.id)
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(accept)
	mid := len(flipped) / 2
	if flipped[mid] == 'A' {
		flipped[mid] = 'B'
	} else {
		flipped[mid] = 'A'
	}
	for _, tc := range []struct{ name, tok string }{
		{"cut short", accept[:len(accept)*2/3]},
		{"last character lost", accept[:len(accept)-1]},
		{"cut at the signature's dot", accept[:strings.LastIndex(accept, ".")]},
		{"cut after the key id", accept[:strings.Index(accept, ".")+1]},
		{"a character changed", string(flipped)},
		{"a character glued on", accept + "x"},
		{"empty", ""},
	} {
		for _, file := range []string{"feedback-page.json", "feedback-answer.json"} {
			code, body := a.call(file, tc.tok)
			page := html.UnescapeString(body)
			if code != 403 {
				t.Errorf("%s (%s): %d, want 403\n%s", tc.name, file, code, body)
			}
			for _, says := range []string{"Nothing was recorded", "Open the email again", "whoever runs leadflow"} {
				if !strings.Contains(page, says) {
					t.Errorf("%s (%s): the page does not say %q:\n%s", tc.name, file, says, body)
				}
			}
			for _, secret := range []string{"Clara", "BigCorp", a.email, a.id, "<form"} {
				if strings.Contains(page, secret) {
					t.Errorf("%s (%s): the page shows %q:\n%s", tc.name, file, secret, body)
				}
			}
			if p := httpapitest.AccessibilityProblems(body); len(p) > 0 {
				t.Errorf("%s (%s): %q", tc.name, file, p)
			}
		}
	}
	if l, err := st.Lead(context.Background(), a.id); err != nil || l.Version != before.Version || l.Stage != before.Stage {
		t.Fatalf("damaged links changed the lead: %v, v%d→v%d, stage %s→%s", err, before.Version, l.Version, before.Stage, l.Stage)
	}
}
