package qualify

import (
	"slices"
	"strings"
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

// TestRetiredReasons: codes an earlier config gave (a disqualifier or
// reject reason since renamed or removed) stay codes leads carry, so
// segments may still name them; a code the config still gives, or one
// listed twice, is refused at its line.
func TestRetiredReasons(t *testing.T) {
	base := withRules() + `disqualifiers:
  - {reason: jobseeker, field: message, op: contains, values: [vacancy]}
reject_reasons:
  - {code: fake, label: Spam or fake, action: disqualify}
`
	c := mustParse(t, base+"retired_reasons: [job_seeker, spam]\n")
	if got, want := c.ReasonCodes(), []string{"fake", "job_seeker", "jobseeker", "spam"}; !slices.Equal(got, want) {
		t.Fatalf("ReasonCodes = %v, want %v", got, want)
	}
	if _, ok := c.RejectReason("spam"); ok {
		t.Fatal("a retired code is no reason sales can pick")
	}
	for name, tc := range map[string]struct{ src, want string }{
		"in use, disqualifier": {"retired_reasons: [job_seeker, jobseeker]\n",
			`retired_reasons[1]: "jobseeker" is a reason code this config gives (disqualifiers); list only codes it no longer gives`},
		"in use, reject reason": {"retired_reasons:\n  - fake\n",
			`retired_reasons[0]: "fake" is a reason code this config gives (reject_reasons); list only codes it no longer gives`},
		"twice":    {"retired_reasons: [spam, spam]\n", `retired_reasons[1]: "spam" is listed twice`},
		"not code": {"retired_reasons: [Job Seeker]\n", `retired_reasons[0]: `},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(base+tc.src), "qualify.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "qualify.yaml:15: ") && !strings.Contains(err.Error(), "qualify.yaml:16: ") {
				t.Fatalf("no line of retired_reasons: %v", err)
			}
		})
	}
}
