package mail_test

import (
	"testing"

	"github.com/leadflow/leadflow/shared/mail"
)

func TestThousands(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "999": "999", "1000": "1,000", "12500": "12,500", "1234567": "1,234,567",
		"-5": "-5", "-1000": "-1,000", "-123456": "-123,456", "": "",
	} {
		if got := mail.Thousands(in); got != want {
			t.Errorf("Thousands(%q) = %q, want %q", in, got, want)
		}
	}
}
