package qualify

import (
	"slices"
	"testing"
)

func TestReasonCodes(t *testing.T) {
	got := Default().ReasonCodes()
	want := []string{"bad_timing", "competitor", "disposable_email", "job_seeker", "no_authority", "no_budget", "not_icp",
		"partner_pitch", "spam", "student", "wrong_contact"}
	if !slices.Equal(got, want) {
		t.Fatalf("ReasonCodes = %v, want %v", got, want)
	}
}

func TestIsSignalKind(t *testing.T) {
	for kind, want := range map[string]bool{
		"pricing_page_view": true, "email_click": true, "form:demo_request": true, "form:webinar-2": true,
		"page_view": true, "reply": true, "form:contact": true,
		"form:": false, "form:Demo": false, "form:Demo Request": false, "pricing": false, "": false, "time_on_site": false, "webinar": false,
	} {
		if got := IsSignalKind(kind); got != want {
			t.Errorf("IsSignalKind(%q) = %v, want %v", kind, got, want)
		}
	}
}
