package campaign

import (
	"slices"
	"strings"
	"testing"
)

// TestOriginsAreTheSitesTheFileNames: with ALLOWED_ORIGINS "*" the
// expired confirmation page links back to a lead's landing page only on
// an https site the lead's campaign file names; the file's URLs are the
// only source, an unknown campaign names none.
func TestOriginsAreTheSitesTheFileNames(t *testing.T) {
	urls := mustParse(t, strings.Replace(full, "thank_you_url: https://www.example.com/thanks", "thank_you_url: https://WWW.Example.com/thanks", 1))
	steps := mustParse(t, strings.Replace(full, "thank_you_url: https://www.example.com/thanks\n",
		"thank_you:\n  next_steps:\n    - {label: Book a call, url: \"https://cal.example.net/acme\"}\n    - {label: Recording, url: /c/webinar}\n", 1))
	steps.ID = "steps"
	s := newSet([]*Campaign{urls, steps})
	for _, tc := range []struct {
		id   string
		want []string
	}{
		{"q4-demo", []string{"https://www.example.com"}},
		{"steps", []string{"https://www.example.com", "https://cal.example.net"}},
		{"nope", nil},
	} {
		if got := s.Origins(tc.id); !slices.Equal(got, tc.want) {
			t.Errorf("Origins(%s) = %q, want %q", tc.id, got, tc.want)
		}
	}
}
