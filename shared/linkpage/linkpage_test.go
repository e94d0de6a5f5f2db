package linkpage

import (
	"net/http"
	"testing"

	"github.com/leadflow/leadflow/shared/httpapi/httpapitest"
)

// TestPagesReadWell: a page with its button and one without render under
// their policy and read well with a screen reader (a language, one main
// landmark holding the h1, the button with its text).
func TestPagesReadWell(t *testing.T) {
	for name, p := range map[string]Page{
		"with a button": {Title: "Unsubscribe from our emails?", Body: "One click.", Button: "Unsubscribe"},
		"message only":  {Title: "You are unsubscribed", Body: "You will get no more marketing emails from us."},
	} {
		r := Respond(http.StatusOK, p)
		if pp := httpapitest.PageProblems(r); len(pp) > 0 {
			t.Errorf("%s: %q", name, pp)
		}
		if pp := httpapitest.AccessibilityProblems(r.Body); len(pp) > 0 {
			t.Errorf("%s: %q", name, pp)
		}
	}
}
