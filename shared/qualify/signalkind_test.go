package qualify

import "testing"

func TestIsSignalKind(t *testing.T) {
	for kind, want := range map[string]bool{
		"page_view": true, "pricing_page_view": true, "email_click": true, "reply": true,
		"form:demo_request": true, "form:contact": true,
		"": false, "time_on_site": false, "form:": false, "form:Demo Request": false, "webinar": false,
	} {
		if got := IsSignalKind(kind); got != want {
			t.Errorf("IsSignalKind(%q) = %v, want %v", kind, got, want)
		}
	}
}
