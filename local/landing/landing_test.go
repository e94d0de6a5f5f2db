package landing

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestConsentCheckboxLinksThePrivacyNotice(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler("/leads", "https://corp.example/privacy?x=1&y=2").ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	consent := strings.Index(body, `name="consent"`)
	link := strings.Index(body, `<a href="https://corp.example/privacy?x=1&amp;y=2" target="_blank" rel="noopener">Privacy notice</a>`)
	if consent < 0 || link < consent || strings.Contains(body[consent:link], "<input") {
		t.Fatalf("no privacy link right after the consent checkbox:\n%s", body)
	}
}
