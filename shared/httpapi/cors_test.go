package httpapi

import (
	"slices"
	"testing"
)

func TestCORSOrigins(t *testing.T) {
	for list, want := range map[string][]string{
		"https://www.example.com/, http://127.0.0.1:8080": {"http://127.0.0.1:8080", "https://www.example.com"},
		"https://a.example.com,*":                         {"*"},
		"":                                                {},
	} {
		if got := NewCORS(list).Origins(); !slices.Equal(got, want) {
			t.Errorf("Origins(%q) = %q, want %q", list, got, want)
		}
	}
}
