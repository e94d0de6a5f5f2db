package app_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
	"github.com/leadflow/leadflow/shared/links"
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
